"""Pure metric functions for the evaluation: no index, no model, no I/O, so each can be tested by hand.

Support decisions come in as a callable (`Supports`), so the same ALCE-style citation metrics work with the
offline checker, an LLM judge or a test stub.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache
from statistics import mean
from typing import Any, Callable, Iterable, Mapping, Sequence, TypeVar

from assistant.citations import MARKER, is_boilerplate, strip_markers
from assistant.drafting.analysis import terms
from assistant.text import figures, snowball, split_sentences

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
    """Casefolded text without markers, with plain quotes and dashes, no thousands separators, a hyphen between two
    letters read as a space, single spaces."""
    text = strip_markers(text).translate(_QUOTES)
    text = _THOUSANDS.sub("", text)
    text = re.sub(r"£\s+(?=\d)", "£", text)
    # "Multi-Agency" and "Multi Agency" are one spelling; a hyphen at a figure ("6-weekly", "2018-19") stays.
    text = re.sub(r"(?<=[^\W\d])-(?=[^\W\d])", " ", text.casefold())
    return " ".join(text.split())


_FILLER = frozenset({"of", "the", "a", "an"})
# Between two words of a fact the answer may put a colon or a spaced dash ("2018: 21" / "2018 – 21") and the small
# words "of", "the", "a", "an" ("placed outside of Lincolnshire" / "placed outside Lincolnshire"). A dash glued to
# its neighbours stays part of the word: "2018-21" (a period) is not "2018 – 21" (21 in 2018), "6-weekly" not "6 weekly".
_GAP = r"(?:\s*:\s*|\s+-\s+|\s+)(?:(?:of|the|an?)\s+)*"


def _fact_words(norm: str) -> list[str]:
    """The words of a normalised fact without separators (a lone dash or colon, a trailing colon) or filler words."""
    words = [w.rstrip(":") for w in norm.split(" ")]
    words = [w for w in words if w and w != "-"]
    kept = [w for w in words if w not in _FILLER]
    return kept or words


@lru_cache(maxsize=4096)
def _fact_pattern(fact: str) -> re.Pattern[str]:
    norm = normalise_for_facts(fact)
    words = _fact_words(norm)
    body = _GAP.join(re.escape(part) for part in words)
    # A figure must match whole: '16' is not found in '160', '2016', '16.5' or the period '2015-16'.
    if words[0][:1].isdigit():
        body = r"(?<![\d.])(?<!\d[/-])" + body
    if words[-1][-1:].isdigit():
        body += r"(?!\d|[.,]\d|[/-]\d)"
    return re.compile(body)


_ZERO_FACTS = frozenset({"0", "none", "nil", "zero"})
# A count of nothing stated in words: "None.", "No looked-after child was missing …", "The council has not referred
# any UASC …". Never a statement that information is not held, recorded or available: that is not the figure 0.
_NOT_INFORMATION = r"(?!(?:this\s+|the\s+|that\s+|such\s+)?(?:information|data|records?|figures?|details?)\b)"
_ZERO_STATEMENT = re.compile(
    r"\b(?:none|nil|zero)\b(?!\s+of\s+(?:this|the|that|these)\s+(?:information|data|records?))"
    r"|\bno\s+" + _NOT_INFORMATION + r"(?:[\w'-]+\s+){1,3}?(?:have|has|had|were|was)\s+(?:been\s+)?(?!held|recorded|kept|collected|available)\w+"
    r"|\b(?:has|have|had|did|was|were)\s+not\s+(?:been\s+)?(?!hold|held|record|collect|keep|kept|have|had)\w+\s+any\s+" + _NOT_INFORMATION
)


# Words that carry no fact of their own between the words of a described fact ("MACE Level 2 is also weekly").
# Negations, quantities, directions and places ("not", "all", "outside", "in") are never among them.
_FUNCTION_WORDS = frozenset(
    "a an the of to for by with as at on into onto from that which who whom whose this these those there it its "
    "their they we our is are was were be been being has have had do does did will would shall should can could "
    "may might also each and or".split()
)
_NEGATION = frozenset({"no", "not", "none", "never", "nor", "nil", "neither", "without"})
_CLAUSE = re.compile(r"[;:]|,\s*(?=(?:but|although|though|however|whereas|while)\b)|\s(?=but\b)")
_TOKEN = re.compile(r"[\w£%]+(?:[./'-][\w%]+)*")
SAME_WORDS_MIN = 3
"""A described fact of at least this many content words (two of them words, not figures) may be stated in other
inflections and with other small words between its words (`_same_words`)."""


def _content(text: str) -> tuple[list[str], bool]:
    """(content tokens, stemmed unless figures, in order; whether the text negates) of a normalised clause."""
    tokens = _TOKEN.findall(re.sub(r"n't\b", " not", text))
    negates = any(t in _NEGATION for t in tokens)
    kept = [t for t in tokens if t not in _FUNCTION_WORDS and t not in _NEGATION]
    stems = snowball().stemWords([t for t in kept if not any(ch.isdigit() for ch in t)])
    it = iter(stems)
    return [t if any(ch.isdigit() for ch in t) else next(it) for t in kept], negates


def _in_order(fact: list[str], clause: list[str]) -> bool:
    """The fact's content words, in its order, next to each other once small words are set aside."""
    n = len(fact)
    return any(clause[i:i + n] == fact for i in range(len(clause) - n + 1))


def _same_words(fact_norm: str, text_norm: str) -> bool:
    """A described fact stated in other forms of the same words: "CE Screening Tools" in "a CE Screening Tool",
    "MACE Level 2 is also weekly" in "MACE Level 1 and MACE Level 2 are weekly". The same content words (stemmed,
    figures exact), in the same order with only small words between them, in one clause with the same negation.
    Never a synonym or an inserted qualifier ("sits" is not "meets"; "placed outside the county of Lincolnshire"
    is left to the exact rule)."""
    fact, fact_neg = _content(fact_norm)
    if len(fact) < SAME_WORDS_MIN or sum(not any(ch.isdigit() for ch in t) for t in fact) < 2:
        return False
    for line in text_norm.split("\n"):
        for sentence in split_sentences(line) or [line]:
            for clause in _CLAUSE.split(sentence):
                words, negates = _content(clause)
                if negates == fact_neg and _in_order(fact, words):
                    return True
    return False


_CROSS_REFERENCE = re.compile(r"\bsee the answer to question\s+\S+", re.I)
# Inside a note for the officer: what it quotes (the nearest evidence, which does not answer) and where it points.
_NOTE_QUOTE = re.compile(r"“[^”]*”|\"[^\"\n]*\"")
_NOTE_POINTER = re.compile(
    r"\((?:source|sources)\s+[\d,\sand]+\)|\bsources?\s+\d+\b|\bquestions?\s+\d+[a-z]?(?:(?:,\s*|\s+and\s+)\d+[a-z]?)*(?=\s+of\b)", re.I
)


_PROPOSES_NOTHING = re.compile(r"\bnothing is proposed\b|\bno (?:past answer|source)\b[^.]*\b(?:close enough|was found|is close)", re.I)


def stated_text(answer: str) -> str:
    """What a draft states, for finding key and wrong facts: a note that proposes nothing states nothing; another
    note for the officer keeps its own words (the newest figures it gives to update), but not what it quotes (the nearest evidence, which does not answer) nor where it points ("question 3 of …", "(source 2)");
    a cross-reference ("see the answer to question 2") states nothing."""
    lines = []
    for line in answer.split("\n"):
        if _NOTE.match(line):
            if _PROPOSES_NOTHING.search(line):
                continue
            line = _NOTE_POINTER.sub(" ", _NOTE_QUOTE.sub(" ", line))
        lines.append(line)
    return _CROSS_REFERENCE.sub("", "\n".join(lines))


def fact_present(fact: str, answer: str, asked: Asked | None = None) -> bool:
    """A key fact is stated when it appears case-insensitively in what the draft states (`stated_text`); figures and
    dates must match exactly. The fact 0 (or "none") is also stated by a sentence that counts nothing in words ("has not
    referred any UASC"); a described fact of several words also by the same words in other forms and with small
    words between them (`_same_words`). Given the question asked, a fact that is only a figure must be stated as
    the answer to it (`figure_answers`): a small number anywhere in a long draft is no answer."""
    if not fact.strip():
        return False
    if asked is not None and figure_only(fact):
        return figure_answers(fact, answer, asked)
    stated = stated_text(answer)
    text = normalise_for_facts(stated)
    if _fact_pattern(fact).search(text):
        return True
    if normalise_for_facts(fact) in _ZERO_FACTS:
        return bool(_ZERO_STATEMENT.search(text))
    lines = "\n".join(normalise_for_facts(line) for line in stated.split("\n"))  # line by line: clauses stay apart
    return _same_words(normalise_for_facts(fact), lines)


def key_fact_recall(facts: Sequence[str], answer: str, asked: Asked | None = None) -> float | None:
    """Share of the key facts the answer states; None when the question has no key facts."""
    if not facts:
        return None
    return sum(fact_present(f, answer, asked) for f in facts) / len(facts)


# -- a figure stated as the answer to this question -----------------------------------------------------------
@dataclass(frozen=True)
class Asked:
    """The question a draft is graded against, read from the evaluation's own record of the request (never from
    the draft): its text (a sub-part with its question's head), the request's other questions, and whether the
    draft was made for this question alone rather than shared by several questions of the request."""

    text: str
    others: tuple[str, ...] = ()
    own_draft: bool = True


FEW_FIGURES = 3
"""A draft made for one question that states at most this many figures states them as its answer."""
_BARE_FIGURE = re.compile(r"£?\d+(?:\.\d+)?%?")
_MONTHS = r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may(?!\s+(?:be|not|have|also|need|include)\b)|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
# Numbers that count nothing: the number of a section, question or level ("section 21", "s.40(2)", "question 2",
# "Level 2", "Year 7"), a day or year of a date ("31 August 2025", "March 2023") and a period ("2021/22", "2019-20").
_NOT_A_COUNT = re.compile(
    r"(?<![\w'])(?:sections?|s|regulations?|paragraphs?|paras?|articles?|schedules?|parts?|pages?|questions?|answers?|"
    r"sources?|chapters?|clauses?|levels?|stages?|tiers?|years?|appendix|annex|items?|points?)\s*\.?\s*\d+[a-z]?(?:\(\d+\))*"
    r"|\b\d{1,2}(?:st|nd|rd|th)?\s+" + _MONTHS + r"\b|\b" + _MONTHS + r"\s+\d{4}\b",
    re.I,
)
_PERIOD_NUMBER = re.compile(r"(?<![\d.,£])(?:19|20)\d{2}(?:\s*[/-]\s*\d{2,4})?(?![\d,%])")
_PART_HEADING = re.compile(r"^\s*\(?[a-z]{1,3}\)\s*$", re.I)
_TABLE_LINE = re.compile(r"^\s*\|")
_TABLE_RULE = re.compile(r"^\s*\|[\s:|-]+\|?\s*$")
_ANSWER_BELOW = re.compile(r"\bbelow\b", re.I)


def figure_only(fact: str) -> bool:
    """A key fact that is only a figure ("0", "21", "£1,011,455", "58.09%") or a count of nothing ("None")."""
    norm = normalise_for_facts(fact).rstrip(".")
    return norm in _ZERO_FACTS or bool(_BARE_FIGURE.fullmatch(norm))


def _counts_only(text: str) -> str:
    """Normalised text with the numbers that count nothing (references, days and years of dates) taken out; read
    before thousands separators go, so "1,958" stays a figure."""
    return normalise_for_facts(_NOT_A_COUNT.sub(" ", strip_markers(text).translate(_QUOTES)))


def _states_figure(fact: str, piece: str) -> bool:
    if _fact_pattern(fact).search(_counts_only(piece)):
        return True
    return normalise_for_facts(fact).rstrip(".") in _ZERO_FACTS and bool(_ZERO_STATEMENT.search(normalise_for_facts(piece)))


def _figure_count(answer: str) -> int:
    """How many different figures a draft states (references, dates and periods such as 2021/22 are not figures)."""
    text = _PERIOD_NUMBER.sub(" ", _NOT_A_COUNT.sub(" ", strip_markers(stated_text(answer)).translate(_QUOTES)))
    return len(set(figures(text)))


@lru_cache(maxsize=512)
def fact_places(answer: str) -> tuple[tuple[str, str], ...]:
    """(what one piece of a draft states, the words that say what that piece answers), piece by piece.

    A piece is a sentence, a list item or a table row of what the draft states (`stated_text`). Its words are those
    of its whole line (a question asked earlier on the line, "What was the average annual cost …? In 2022/23:
    £255,933.42.", or the reason given after a bare "None (0)."), with those that introduce it: the list heading
    above it (the nearest earlier line ending with a colon), the header row of its table, and the past question
    quoted by a note for the officer that introduces the answer below it ("the answer below was given to …
    question 4 …: “…”"). A part heading ("(b)") starts afresh."""
    out: list[tuple[str, str]] = []
    heading = header = asked_above = ""
    for line in answer.split("\n"):
        stripped = line.strip()
        if not stripped:
            continue
        if _PART_HEADING.match(stripped):
            heading = header = asked_above = ""
            continue
        if _NOTE.match(stripped):
            own = stated_text(stripped).strip()
            if own:
                out.append((own, own))
                if _ANSWER_BELOW.search(own):
                    asked_above = " ".join(m.group(0) for m in _NOTE_QUOTE.finditer(stripped))
            continue
        stated = stated_text(stripped).strip()
        if not stated:
            continue
        if _TABLE_LINE.match(stated):
            if not _TABLE_RULE.match(stated):
                header = header or stated
                out.append((stated, " ".join([stated, header, heading, asked_above])))
            continue
        header = ""
        is_item = bool(_LIST_LINE.match(stated))
        if not is_item:
            heading = ""
        pieces = [stated] if is_item else (split_sentences(stated) or [stated])
        out.extend((piece, " ".join([stated, heading, asked_above])) for piece in pieces)
        if strip_markers(stated).rstrip().endswith(":"):
            heading = pieces[-1] if pieces else stated
    return tuple(out)


RequestQuestion = tuple[str, str, Sequence[tuple[str, str]]]
"""One question of a request as the evaluation records it: (number, text, [(part label, part text), …])."""


def asked_for(number: str, questions: Sequence[RequestQuestion], draft_of: Callable[[str], object | None]) -> Asked:
    """The question numbered `number` ("3", or the part "3b": its question's head with the part) among the request's
    questions, with the request's other questions; an unknown number gives an empty text (no word can tie a figure).
    `draft_of` gives the draft that answers a number: a draft that also answers another question of the request
    (as the naive baseline's one draft for the whole request does) is shared, not the question's own."""
    top = re.match(r"\d+", number)
    base = top.group(0) if top else number
    label = number[len(base):].strip(").").casefold()
    text = ""
    for num, head, parts in questions:
        if num == number or (num == base and not label):
            text = "\n".join([head, *(p for _, p in parts)])
        elif num == base and label:
            part = next((p for lab, p in parts if lab.casefold() == label), None)
            text = "\n".join([head, part] if part is not None else [head, *(p for _, p in parts)])
    others = tuple("\n".join([head, *(p for _, p in parts)]) for num, head, parts in questions if num != base)
    draft = draft_of(number)
    shared = any(draft_of(num) is draft for num, _, _ in questions if num != base)
    return Asked(text, others, own_draft=draft is not None and not shared)


def _named_share(named: set[str], question: set[str]) -> tuple[float, int]:
    """How fully a piece names a question: the share of the question's words it names, then how many."""
    hits = len(named & question)
    return (hits / len(question) if question else 0.0, hits)


def figure_answers(fact: str, answer: str, asked: Asked) -> bool:
    """Whether a draft states a figure-only key fact as the answer to the question asked, not by chance.

    The figure counts where a piece of the draft states it and also names something the question asks about (a
    content word of the question, stemmed and with abbreviations folded as question analysis reads them); when
    one draft serves several questions of the request, that piece must name this question at least as fully as any
    other question of the request (the larger share of the question's words, then the more words: `_named_share`):
    "0 care leavers" answers no question on exploitation; the sentence on the National Transfer Scheme answers the
    question on transfers, not the one on exploitation incidents. A draft made for this question alone that
    states few figures (`FEW_FIGURES`) states them as its answer.
    """
    places = [(piece, words) for piece, words in fact_places(answer) if _states_figure(fact, piece)]
    if not places:
        return False
    if asked.own_draft and _figure_count(answer) <= FEW_FIGURES:
        return True
    wanted = set(terms(asked.text))
    others = [set(terms(o)) for o in asked.others]
    for _, words in places:
        named = set(terms(words))
        if not named & wanted:
            continue
        if asked.own_draft or all(_named_share(named, o) <= _named_share(named, wanted) for o in others):
            return True
    return False


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
    ("correct_rate", "Correct (all questions)"),
    ("correct_rate_with_evidence", "Correct (questions with evidence)"),
    ("abstained_rate", "Abstained (all questions)"),
    ("confident_error_rate", "Confident-error rate"),
    ("truthfulness", "Truthfulness (correct − confident errors)"),
    ("abstention_no_evidence", "Abstention on no-evidence questions (graded)"),
    ("period_accuracy", "Period accuracy"),
    ("sub_part_coverage", "Sub-part coverage"),
    ("unit_recall_at_k", "Evidence unit retrieved@k"),
    ("unit_cited", "Evidence unit cited"),
)
LOWER_IS_BETTER = frozenset({"unsupported_rate", "seconds_per_question", "confident_error_rate", "abstained_rate"})


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
        **outcome_rates(q),
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


# -- outcome grading: correct / abstained / confident error (CRAG, Yang et al. 2024; Trust-Score) ------------
OUTCOMES = ("correct", "abstained", "confident_error")
CORRECT_RECALL = 2 / 3
"""Share of a question's (or sub-part's) key facts an answer must state to count as answering it."""
NOT_HELD_CLAIMS = frozenset({"provided", "partly_provided", "exempt", "published_elsewhere", "redirected"})
_YEARISH = re.compile(r"^\d{4}(?:[/-]\d{2,4})?$")
_LIST_LINE = re.compile(r"^\s*(?:[-*•]|\d+[.)]|\|)")


def period_present(spelling: str, text: str) -> bool:
    """A period spelling ('2021', '2022/23', 'last 12 months') appears whole: '2021' is not found in '2021/22'."""
    norm = normalise_for_facts(spelling)
    if not norm:
        return False
    body = r"\s+".join(re.escape(p) for p in norm.split(" "))
    if norm[:1].isdigit():
        body = r"(?<![\d/.-])" + body
    if norm[-1:].isdigit():
        body += r"(?!\d|[/.,-]\d)"
    return bool(re.search(body, normalise_for_facts(text)))


def _contexts(answer: str) -> list[str]:
    """Pieces of an answer a label must share with a figure: each sentence, plus the list heading it sits under.

    A figure in a list line ('- Total: 1,864') is labelled by the line itself or by the heading that introduces
    the list ('Requests received in 2024:'), the nearest earlier line ending with a colon.
    """
    out: list[str] = []
    heading = ""
    for line in answer.split("\n"):
        stripped = line.strip()
        if not stripped:
            continue
        is_item = bool(_LIST_LINE.match(stripped))
        if not is_item:
            heading = ""
        pieces = [stripped] if is_item else (split_sentences(stripped) or [stripped])
        for piece in pieces:
            out.append(f"{heading} {piece}" if heading else piece)
        if strip_markers(stripped).rstrip().endswith(":"):
            heading = pieces[-1] if pieces else stripped
    return out


def labelled(fact: str, answer: str, labels: Sequence[str]) -> bool:
    """Whether every place the answer states `fact` also names one of `labels` (another period, measure or group)."""
    places = [c for c in _contexts(answer) if fact_present(fact, c)]
    if not places:
        return True
    return bool(labels) and all(any(period_present(lab, c) or fact_present(lab, c) for lab in labels) for c in places)


def unlabelled_wrong_facts(wrong_facts: Sequence[str], answer: str, labels: Sequence[str]) -> list[str]:
    """Wrong facts (another period's, measure's or group's figures) the answer states without saying whose they are."""
    return [f for f in wrong_facts if fact_present(f, answer) and not labelled(f, answer, labels)]


def is_note_only(answer: str) -> bool:
    """A draft that makes no claim: only notes for the officer (or nothing)."""
    return not claim_sentences(answer)


def sub_part_covered(label: str, facts: Sequence[str], answer: str, *, number: str = "", asked: Asked | None = None) -> bool:
    """A lettered part is covered when its facts are stated, or a note for the officer names it (or the draft is only a note)."""
    recall = key_fact_recall(facts, answer, asked)
    if recall is not None and recall >= CORRECT_RECALL:
        return True
    if is_note_only(answer):
        return True
    names = [rf"\({re.escape(label)}\)", rf"\b{re.escape(label)}\)", rf"\bpart\s+{re.escape(label)}\b"]
    if number:
        names.append(rf"\b{re.escape(number + label)}\b")
    for line in answer.split("\n"):
        if _NOTE.match(line) and any(re.search(n, line, re.I) for n in names):
            return True
    return False


def grade(
    *,
    answer: str,
    status: str,
    has_evidence: bool,
    key_facts: Sequence[str] = (),
    kind: str = "",
    expected_status: str = "provided",
    wrong_facts: Sequence[str] = (),
    other_periods: Sequence[str] = (),
    wrong_labels: Sequence[str] = (),
    sub_parts: Sequence[tuple[str, Sequence[str]]] = (),
    asked: Asked | None = None,
) -> tuple[str, str]:
    """(outcome, why) for one drafted question.

    - confident_error: a figure of another period, measure or group stated without saying so (whatever the
      status); a status other than needs_review without the key facts; `not_held` when the answer is held; for a
      question the corpus cannot answer, any status but needs_review; for a period shift, anything but needs_review.
    - correct: the key facts (at least CORRECT_RECALL of them, and of each sub-part's) and no unlabelled wrong
      fact; for a period shift the newest figures must also be labelled with their period and left for review.
    - abstained: needs_review (or no draft) without the key facts and without an unlabelled wrong fact.

    Given the question asked (`asked`), a key fact that is only a figure counts only where the draft states it as
    the answer to that question (`figure_answers`).
    """
    labels = [*other_periods, *wrong_labels]
    abstaining = status in ("needs_review", "missing")
    wrong = unlabelled_wrong_facts(wrong_facts, answer, labels)
    if kind == "period_shift":
        wrong += [f for f in unlabelled_wrong_facts(key_facts, answer, other_periods) if f not in wrong]
    if wrong:
        return "confident_error", f"states {', '.join(repr(w) for w in wrong)} without labelling it as another period, measure or group"
    if not has_evidence:
        if abstaining:
            return "abstained", "no evidence in the corpus; left to the officer"
        return "confident_error", f"status {status} although the corpus holds no answer"
    recall = key_fact_recall(key_facts, answer, asked)
    facts_ok = recall is None or recall >= CORRECT_RECALL
    missing_parts = [label for label, facts in sub_parts if (key_fact_recall(facts, answer, asked) or 0.0) < CORRECT_RECALL]
    if sub_parts and missing_parts:
        facts_ok = False
    found = f"{sum(fact_present(f, answer, asked) for f in key_facts)}/{len(key_facts)} key facts"
    if missing_parts:
        found += f"; parts {', '.join(missing_parts)} not answered"
    if kind == "period_shift":
        if abstaining:
            if facts_ok and recall is not None and answer.strip():
                return "correct", "newest figures stated with their period and left to the officer to update"
            return "abstained", f"left to the officer ({found})"
        return "confident_error", f"status {status} for a period the corpus does not cover ({found})"
    if status == "not_held" and expected_status in NOT_HELD_CLAIMS:
        return "confident_error", f"marked not_held although the answer is held (expected {expected_status}; {found})"
    if facts_ok and answer.strip() and recall is not None:
        return "correct", found
    if abstaining:
        return "abstained", f"left to the officer ({found})"
    return "confident_error", f"status {status} without the key facts ({found})"


_OTHER_PERIOD_HEADING = re.compile(r"most recent figures we hold in past replies are (?:for |as at |in )?([^:\n]{2,60}):", re.I)


def stated_other_periods(answer: str, asked: Sequence[str]) -> list[str]:
    """Periods a draft's heading names for the figures under it, when not the period asked: those figures are
    labelled as another period (the heading introduces them, as a list heading does in `labelled`)."""
    found = [m.group(1).strip() for m in _OTHER_PERIOD_HEADING.finditer(answer)]
    return [f for f in found if not any(period_present(p, f) for p in asked)]


def period_accurate(
    answer: str, period: Sequence[str], other_periods: Sequence[str], wrong_facts: Sequence[str], wrong_labels: Sequence[str] = ()
) -> bool | None:
    """The period the answer states is the one asked, or the answer labels its figures as another period.

    A wrong fact labelled as another measure or group (`wrong_labels`) does not make the period wrong, as in
    `grade`. None when the question names no period or the draft makes no claim (a note only).
    """
    if not period or is_note_only(answer):
        return None
    if unlabelled_wrong_facts(wrong_facts, answer, [*other_periods, *wrong_labels]):
        return False
    return any(period_present(p, answer) for p in [*period, *other_periods])


def unit_matches(unit_key: str, doc_id: str, question_numbers: Sequence[str], heading_path: Sequence[str]) -> bool:
    """'doc#3a' matches a decision unit answering 3a (or 3); 'policy#Heading' a chunk under that heading."""
    doc, _, label = unit_key.partition("#")
    if doc != doc_id:
        return False
    if not label:
        return True
    label_cf = label.casefold().strip()
    numbers = {n.casefold() for n in question_numbers}
    if label_cf in numbers or re.sub(r"[a-z]+$", "", label_cf) in numbers:
        return True
    span = re.fullmatch(r"(\d+)\s*[-–]\s*(\d+)", label_cf)
    if span and int(span.group(1)) < int(span.group(2)) and numbers >= {str(n) for n in range(int(span.group(1)), int(span.group(2)) + 1)}:
        return True  # '#1-5': the unit that answers questions 1 to 5 together
    return any(label_cf == h.casefold().strip() or label_cf in h.casefold() for h in heading_path)


def outcome_rates(records: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Correct, abstained and confident-error rates, abstention on no-evidence questions, truthfulness."""
    graded = [r for r in records if r.get("outcome") in OUTCOMES]
    n = len(graded)
    counts = {o: sum(r["outcome"] == o for r in graded) for o in OUTCOMES}
    no_ev = [r for r in graded if not r["has_evidence"]]
    with_ev = [r for r in graded if r["has_evidence"]]
    return {
        "correct_rate": _ratio(counts["correct"], n),
        "abstained_rate": _ratio(counts["abstained"], n),
        "confident_error_rate": _ratio(counts["confident_error"], n),
        "truthfulness": _ratio(counts["correct"] - counts["confident_error"], n),
        "correct_rate_with_evidence": _ratio(sum(r["outcome"] == "correct" for r in with_ev), len(with_ev)),
        "abstention_no_evidence": _ratio(sum(r["outcome"] == "abstained" for r in no_ev), len(no_ev)),
        "period_accuracy": _mean(r.get("period_accurate") for r in graded),
        "sub_part_coverage": _ratio(sum(r.get("sub_parts_covered", 0) for r in graded), sum(r.get("sub_parts_total", 0) for r in graded)),
        "unit_recall_at_k": _mean(r.get("unit_hit") for r in with_ev),
        "unit_cited": _mean(r.get("unit_cited") for r in with_ev),
        "n_correct": counts["correct"],
        "n_abstained": counts["abstained"],
        "n_confident_error": counts["confident_error"],
    }
