"""Pure metric functions for the evaluation: no index, no model, no I/O, so each can be tested by hand.

Support decisions come in as a callable (`Supports`), so the same ALCE-style citation metrics work with the
offline checker, an LLM judge or a test stub.
"""
from __future__ import annotations

import math
import re
from functools import lru_cache
from statistics import mean
from typing import Any, Callable, Iterable, Mapping, Sequence, TypeVar

from assistant.citations import MARKER, is_boilerplate, strip_markers
from assistant.text import split_sentences

T = TypeVar("T")
Supports = Callable[[Sequence[T]], bool]
"""Whether a set of cited passages together supports one (fixed) sentence."""

ABSTAIN_STATUSES = frozenset({"needs_review", "not_held"})
NOISE = 0.05  # deltas smaller than this between two runs are treated as noise
_NOTE = re.compile(r"^\s*note for the officer\b", re.I)
_QUOTES = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-", "\u00a0": " ", "\u2009": " "})
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")


# -- sentences and markers ------------------------------------------------------------------------------
def claim_sentences(answer: str) -> list[str]:
    """Sentences of an answer (markers kept) that make a claim.

    Notes to the officer (a line starting "Note for the officer") and courtesy lines carry no claim about
    the world, so they need no citation and are not scored; this mirrors what the drafting check exempts.
    """
    out: list[str] = []
    for line in answer.split("\n"):
        if not line.strip() or _NOTE.match(line):
            continue
        for sentence in split_sentences(line):
            if not is_boilerplate(strip_markers(sentence)):
                out.append(sentence)
    return out


def markers(text: str) -> list[int]:
    """Every [n] marker in order, repeats kept (each occurrence is a citation a reader may follow)."""
    return [int(m) for m in MARKER.findall(text)]


def cited_markers(sentence: str) -> list[int]:
    """The distinct markers of one sentence, in order of first appearance."""
    return list(dict.fromkeys(markers(sentence)))


def marker_validity(answer: str, valid: Iterable[int]) -> tuple[int, int]:
    """(resolving markers, all markers) of an answer, given the marker numbers that resolve."""
    allowed = set(valid)
    found = markers(answer)
    return sum(1 for m in found if m in allowed), len(found)


# -- ALCE citation recall and precision (Gao et al. 2023) ---------------------------------------------------
def alce_sentence(cited: Sequence[T], supports: Supports[T]) -> tuple[bool, list[bool]]:
    """(supported, precise per citation) for one sentence, following ALCE's definitions.

    Recall: the sentence counts when its cited passages *together* support it; no citation means no support.
    Precision: in an unsupported sentence every citation is imprecise. In a supported sentence with one
    citation, that citation is precise. With several, a citation is precise when it supports the sentence on
    its own, or when the others no longer support the sentence without it; it is imprecise only when it does
    not support the sentence alone *and* the rest still do (it adds nothing).
    """
    if not cited:
        return False, []
    if not supports(cited):
        return False, [False] * len(cited)
    if len(cited) == 1:
        return True, [True]
    precise: list[bool] = []
    for i, passage in enumerate(cited):
        if supports([passage]):
            precise.append(True)
            continue
        rest = [p for j, p in enumerate(cited) if j != i]
        precise.append(not supports(rest))
    return True, precise


def citation_recall(supported: Sequence[bool]) -> float | None:
    """Share of claim sentences whose citations support them; None when there is no claim."""
    return sum(supported) / len(supported) if supported else None


def citation_precision(precise: Sequence[bool]) -> float | None:
    """Share of citations that are precise; None when nothing is cited."""
    return sum(precise) / len(precise) if precise else None


# -- key facts --------------------------------------------------------------------------------------------
def normalise_for_facts(text: str) -> str:
    """Casefolded text without markers, with plain quotes and dashes, no thousands separators, single spaces."""
    text = strip_markers(text).translate(_QUOTES)
    text = _THOUSANDS.sub("", text)
    text = re.sub(r"£\s+(?=\d)", "£", text)
    return " ".join(text.casefold().split())


@lru_cache(maxsize=4096)
def _fact_pattern(fact: str) -> re.Pattern[str]:
    norm = normalise_for_facts(fact)
    body = r"\s+".join(re.escape(part) for part in norm.split(" "))
    # A figure must match whole: '16' is not found in '160', '2016' or '16.5'.
    if norm[:1].isdigit():
        body = r"(?<![\d.])" + body
    if norm[-1:].isdigit():
        body += r"(?!\d|[.,]\d)"
    return re.compile(body)


def fact_present(fact: str, answer: str) -> bool:
    """A key fact is stated when it appears case-insensitively; figures and dates must match exactly."""
    if not fact.strip():
        return False
    return bool(_fact_pattern(fact).search(normalise_for_facts(answer)))


def key_fact_recall(facts: Sequence[str], answer: str) -> float | None:
    """Share of the key facts the answer states; None when the question has no key facts."""
    if not facts:
        return None
    return sum(fact_present(f, answer) for f in facts) / len(facts)


# -- retrieval, status, abstention ------------------------------------------------------------------------
def retrieval_hit(evidence: Iterable[str], ranked_doc_ids: Sequence[str], k: int) -> bool | None:
    """Whether an evidence document is among the first k passages; None when the question has no evidence."""
    wanted = set(evidence)
    if not wanted:
        return None
    return any(doc_id in wanted for doc_id in ranked_doc_ids[:k])


def normalise_exemption(value: str) -> str:
    """'Section 40(2)', 's.40(2)' and 'S40(2)' name the same exemption."""
    v = re.sub(r"\s+", "", value.casefold())
    v = re.sub(r"^(?:section|sec\.?|s\.?)(?=\d)", "s", v)
    return v


def exemptions_agree(found: Iterable[str], expected: Iterable[str]) -> bool:
    return {normalise_exemption(e) for e in found} == {normalise_exemption(e) for e in expected}


def abstained(status: str) -> bool:
    """A no-evidence question is handled well when the draft asks for review or says not held."""
    return status in ABSTAIN_STATUSES


# -- ROUGE-L ----------------------------------------------------------------------------------------------
@lru_cache(maxsize=1)
def _rouge() -> Any:
    from rouge_score import rouge_scorer

    return rouge_scorer.RougeScorer(["rougeL"], use_stemmer=True)


def rouge_l(answer: str, reference: str) -> float:
    """ROUGE-L F1 of the answer (markers removed) against the reference answer; for information only."""
    if not answer.strip() or not reference.strip():
        return 0.0
    return float(_rouge().score(reference, strip_markers(answer))["rougeL"].fmeasure)


# -- aggregation ------------------------------------------------------------------------------------------
def _mean(values: Iterable[float | bool | None]) -> float | None:
    kept = [float(v) for v in values if v is not None]
    return mean(kept) if kept else None


def _ratio(num: int, den: int) -> float | None:
    return num / den if den else None


SUMMARY_METRICS: tuple[tuple[str, str], ...] = (
    ("citation_validity", "Citation validity"),
    ("citation_precision", "Citation precision (ALCE)"),
    ("citation_recall", "Citation recall (ALCE)"),
    ("unsupported_rate", "Unsupported-sentence rate"),
    ("key_fact_recall", "Key-fact recall (questions with evidence)"),
    ("key_fact_recall_all", "Key-fact recall (all questions)"),
    ("retrieval_recall_at_k", "Retrieval recall@k"),
    ("status_agreement", "Status agreement"),
    ("exemption_agreement", "Exemption agreement"),
    ("abstention", "Abstention (no-evidence questions)"),
    ("rouge_l", "ROUGE-L F1 (information)"),
    ("seconds_per_question", "Seconds per question"),
)
LOWER_IS_BETTER = frozenset({"unsupported_rate", "seconds_per_question"})


def summarise(questions: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Overall figures from per-question records (as built by the runner).

    Citation recall and precision are averaged per question, as ALCE averages per sample; validity and the
    unsupported rate pool all markers and sentences. Key-fact recall and retrieval recall cover the questions
    with evidence; abstention covers the questions without.
    """
    q = list(questions)
    with_ev = [r for r in q if r["has_evidence"]]
    no_ev = [r for r in q if not r["has_evidence"]]
    return {
        "citation_validity": _ratio(sum(r["markers_valid"] for r in q), sum(r["markers_total"] for r in q)),
        "citation_precision": _mean(r["citation_precision"] for r in q),
        "citation_recall": _mean(r["citation_recall"] for r in q),
        "unsupported_rate": _ratio(sum(r["claims_unsupported"] for r in q), sum(r["claims"] for r in q)),
        "key_fact_recall": _mean(r["key_fact_recall"] for r in with_ev),
        "key_fact_recall_all": _mean(r["key_fact_recall"] for r in q),
        "retrieval_recall_at_k": _mean(r["retrieval_hit"] for r in with_ev),
        "status_agreement": _mean(r["status_agrees"] for r in q),
        "exemption_agreement": _mean(r["exemptions_agree"] for r in q),
        "abstention": _mean(r["abstained"] for r in no_ev),
        "rouge_l": _mean(r["rouge_l"] for r in q),
        "seconds_per_question": _mean(r["seconds"] for r in q),
        "n_questions": len(q),
        "n_with_evidence": len(with_ev),
        "n_without_evidence": len(no_ev),
        "n_claims": sum(r["claims"] for r in q),
        "n_citations": sum(r["citations_total"] for r in q),
    }


# -- comparing runs and checking thresholds ---------------------------------------------------------------
def compare_summaries(
    old: Mapping[str, Any], new: Mapping[str, Any], *, noise: float = NOISE
) -> list[dict[str, Any]]:
    """Per-metric delta new − old; |delta| below `noise` is marked as noise, otherwise better or worse."""
    rows = []
    for key, label in SUMMARY_METRICS:
        a, b = old.get(key), new.get(key)
        if a is None or b is None:
            rows.append({"metric": key, "label": label, "old": a, "new": b, "delta": None, "verdict": "n/a"})
            continue
        delta = b - a
        if key == "seconds_per_question":
            verdict = "noise" if abs(delta) < max(noise, 0.25 * abs(a)) else ("worse" if delta > 0 else "better")
        elif abs(delta) < noise:
            verdict = "noise"
        else:
            better = delta < 0 if key in LOWER_IS_BETTER else delta > 0
            verdict = "better" if better else "worse"
        rows.append({"metric": key, "label": label, "old": a, "new": b, "delta": delta, "verdict": verdict})
    return rows


def check_minimums(summary: Mapping[str, Any], minimums: Mapping[str, float], maximums: Mapping[str, float] | None = None) -> list[str]:
    """Messages for every metric below its minimum (or above its maximum); an empty list passes."""
    failures = []
    for key, floor in minimums.items():
        value = summary.get(key)
        if value is None or (isinstance(value, float) and math.isnan(value)) or value < floor:
            failures.append(f"{key} = {_fmt(value)} is below the minimum {floor}")
    for key, ceiling in (maximums or {}).items():
        value = summary.get(key)
        if value is None or value > ceiling:
            failures.append(f"{key} = {_fmt(value)} is above the maximum {ceiling}")
    return failures


def _fmt(value: Any) -> str:
    return "n/a" if value is None else f"{value:.3f}"
