"""Run the evaluation: draft every case with each engine on one shared index, and score each question.

A case holds out the past decision whose reply is the reference (`exclude`), so the drafter must work from
the rest of the corpus, as it would for a new request.
"""
from __future__ import annotations

import json
import platform
import re
import time
from dataclasses import asdict
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

import yaml

from assistant.drafting import Drafter
from assistant.evaluation import metrics as m
from assistant.evaluation.cases import EvalCase, EvalQuestion, as_received
from assistant.evaluation.judge import CheckerJudge, Judge
from assistant.evaluation.misses import SEARCH_DEPTH, miss_cause, verdicts_for
from assistant.index import Index
from assistant.models import Draft, Passage
from assistant.retrieval import search_text, sources_after
from assistant.settings import REPO_ROOT, Settings

Progress = Callable[[str], None]
DEFAULT_ENGINES = ("extractive", "naive")
CASES_DIR = REPO_ROOT / "evals" / "cases"
LABELS_PATH = REPO_ROOT / "evals" / "judge_labels.jsonl"
THRESHOLDS_PATH = REPO_ROOT / "evals" / "thresholds.yaml"
SPLITS_PATH = REPO_ROOT / "evals" / "splits.yaml"
REAL_REQUESTS_DIR = REPO_ROOT / "evals" / "real_requests"


def shared_index(settings: Settings, index: Index | None = None) -> Index:
    """The normal index of the corpus; ingested first when empty, so a fresh checkout can be evaluated."""
    index = index or Index(settings)
    if index.count() == 0:
        index.ingest([settings.corpus_dir])
    return index


def ranked_doc_ids(passages: Sequence[Passage]) -> list[str]:
    """Document ids in retrieval order (drafts reorder passages by first citation; the rank keeps the order)."""
    return [p.unit.doc_id for p in sorted(passages, key=lambda p: p.rank)]


def marker_passages(draft: Draft) -> dict[int, Passage]:
    """What each marker of a draft points at: its citation's source when known, else the passage at that position."""
    by_id = {p.unit.id: p for p in draft.passages}
    out = {i + 1: p for i, p in enumerate(draft.passages)}
    for c in draft.citations:
        if c.source_id in by_id:
            out[c.marker] = by_id[c.source_id]
    return out


def match_draft(number: str, drafts: Sequence[Draft], engine: str) -> Draft | None:
    """The draft that answers a case question: same number, else its parent ('7a' → '7'); naive has one for all."""
    if engine == "naive":
        return drafts[0] if drafts else None
    by_number = {d.question.number: d for d in drafts}
    if number in by_number:
        return by_number[number]
    parent = re.match(r"\d+", number)
    return by_number.get(parent.group(0)) if parent else None


def request_questions(drafter: Drafter, request: str) -> list[m.RequestQuestion]:
    """The request's questions as the request splitter reads them (the same for every engine): number, text and
    lettered parts, without the scope lines every question shares; none when the request cannot be split."""
    try:
        split = drafter.split(request)
    except ValueError:
        return []
    return [(q.number, q.text, list(q.parts)) for q in split]


def score_question(
    case: EvalCase,
    question: EvalQuestion,
    draft: Draft | None,
    judge: Judge,
    *,
    k: int,
    seconds: float,
    asked: m.Asked | None = None,
) -> dict[str, Any]:
    """Every metric of one question as a flat record (see metrics.summarise for how they are pooled)."""
    has_evidence = case.has_evidence(question)
    answer = draft.answer if draft else ""
    status = draft.status.value if draft else "missing"
    found_exemptions = list(draft.exemptions) if draft else []
    points = marker_passages(draft) if draft else {}
    valid, total = m.marker_validity(answer, points)
    sentences = []
    supported_flags: list[bool] = []
    precise_flags: list[bool] = []
    unsupported_any = 0
    all_passages = list(draft.passages) if draft else []
    for sentence in m.claim_sentences(answer):
        cited = [points[n] for n in m.cited_markers(sentence) if n in points]
        supported, precise = m.alce_sentence(cited, lambda ps, s=sentence: judge(s, ps))
        any_support = supported or (bool(all_passages) and judge(sentence, all_passages))
        unsupported_any += not any_support
        supported_flags.append(supported)
        precise_flags.extend(precise)
        sentences.append(
            {
                "sentence": sentence,
                "cited": [p.unit.doc_id for p in cited],
                "supported": supported,
                "precise": precise,
                "supported_by_any_passage": any_support,
            }
        )
    ranked = ranked_doc_ids(all_passages)
    no_evidence = not has_evidence
    # A heading that labels the figures under it as another period ("The most recent figures we hold in past
    # replies are as at 24 May 2021:") is a period label, whatever spellings the case lists.
    other_periods = (*question.other_periods, *m.stated_other_periods(answer, question.period))
    outcome, why = m.grade(
        answer=answer,
        status=status,
        has_evidence=has_evidence,
        key_facts=question.key_facts,
        kind=question.kind,
        expected_status=question.expected_status,
        wrong_facts=question.wrong_facts,
        other_periods=other_periods,
        wrong_labels=question.wrong_labels,
        sub_parts=question.sub_parts,
        asked=asked,
    )
    covered = [
        m.sub_part_covered(label, facts, answer, number=re.sub(r"[a-z]+$", "", question.number), asked=asked)
        for label, facts in question.sub_parts
    ]
    units = question.evidence_units
    ranked_units = [p.unit for p in sorted(all_passages, key=lambda p: p.rank)][:k]
    cited_ids = {c.source_id for c in draft.citations} if draft else set()
    cited_units = [p.unit for p in all_passages if p.unit.id in cited_ids]

    def _unit_in(pool: Sequence[Any]) -> bool | None:
        if not units or not has_evidence:
            return None
        return any(m.unit_matches(key, u.doc_id, u.question_numbers, u.heading_path) for key in units for u in pool)

    def _expected_in(pool: Sequence[Any]) -> bool | None:
        """An expected unit (or, when the case names none, an expected document) among these units."""
        if not has_evidence:
            return None
        if units:
            return _unit_in(pool)
        return bool(set(question.evidence) & {u.doc_id for u in pool}) if question.evidence else None

    by_id = {p.unit.id: p.unit for p in all_passages}
    ranked_all = [p.unit for p in sorted(all_passages, key=lambda p: p.rank)]
    verdicts = [
        {
            **asdict(v),
            "sources": [unit_key(by_id[i]) if i in by_id else i for i in v.sources],  # 'doc#3', as cases name units
            "expected_source": _expected_in([by_id[i] for i in v.sources if i in by_id]) if v.sources else None,
        }
        for v in verdicts_for(question.number, draft)
    ]
    return {
        "number": question.number,
        "question_text": draft.question.full_text if draft else "",
        "kind": question.kind,
        "outcome": outcome,
        "outcome_why": why,
        "period": list(question.period),
        "period_accurate": m.period_accurate(
            answer, question.period, other_periods, question.wrong_facts, question.wrong_labels
        ),
        "wrong_facts_found": m.unlabelled_wrong_facts(question.wrong_facts, answer, [*other_periods, *question.wrong_labels]),
        "sub_parts_total": len(covered),
        "sub_parts_covered": sum(covered),
        "evidence_units": list(units),
        "unit_hit": _unit_in(ranked_units),
        "unit_cited": _unit_in(cited_units),
        "evidence_read": _expected_in([p.unit for p in all_passages]),
        "evidence_read_rank": next((i for i, u in enumerate(ranked_all, start=1) if _expected_in([u])), None),
        "passages_read": len(all_passages),
        "verdicts": verdicts,
        "has_evidence": has_evidence,
        "evidence": list(question.evidence),
        "draft_found": draft is not None,
        "answer": answer,
        "status": status,
        "expected_status": question.expected_status,
        "status_agrees": status == question.expected_status,
        "exemptions": found_exemptions,
        "expected_exemptions": list(question.expected_exemptions),
        "exemptions_agree": m.exemptions_agree(found_exemptions, question.expected_exemptions),
        "abstained": m.abstained(status) if no_evidence else None,
        "passages": ranked,
        "cited_docs": sorted({c.doc_id for c in draft.citations}) if draft else [],
        "retrieval_hit": m.retrieval_hit(question.evidence, ranked, k) if has_evidence else None,
        "markers_valid": valid,
        "markers_total": total,
        "claims": len(sentences),
        "claims_supported": sum(supported_flags),
        "claims_unsupported": unsupported_any,
        "citations_total": len(precise_flags),
        "citations_precise": sum(precise_flags),
        "citation_recall": m.citation_recall(supported_flags),
        "citation_precision": m.citation_precision(precise_flags),
        "key_facts": list(question.key_facts),
        "key_facts_found": [f for f in question.key_facts if m.fact_present(f, answer, asked)],
        "key_fact_recall": m.key_fact_recall(question.key_facts, answer, asked),
        "rouge_l": m.rouge_l(answer, question.reference_answer),
        "seconds": seconds,
        "sentences": sentences,
        "flags": [f.kind for f in draft.flags] if draft else [],
        "status_reason": draft.status_reason if draft else "",
    }


def unit_key(unit: Any) -> str:
    """A unit as evaluation cases name one: 'doc#3' (a past reply's question numbers) or 'doc#Heading' (a policy chunk)."""
    label = "/".join(unit.question_numbers) or (unit.heading_path[-1] if unit.heading_path else "")
    return f"{unit.doc_id}#{label}" if label else unit.doc_id


def evidence_rank(drafter: Drafter, case: EvalCase, number: str, query: str, *, depth: int = SEARCH_DEPTH) -> int | None:
    """Rank (1 = best) of a question's first expected unit (or document) in the hybrid search, read `depth` deep,
    over the corpus of the case's received date; None when it is not there at all."""
    question = next(q for q in case.questions if q.number == number)
    exclude = [*case.exclude, *(sources_after(drafter.index, case.received) if drafter.settings.only_earlier_decisions else [])]
    found = drafter.index.search(query, k=depth, exclude=exclude, keyword_query=search_text(query))
    for rank, p in enumerate(found, start=1):
        if question.evidence_units:
            if any(m.unit_matches(key, p.unit.doc_id, p.unit.question_numbers, p.unit.heading_path) for key in question.evidence_units):
                return rank
        elif p.unit.doc_id in question.evidence:
            return rank
    return None


def with_miss_causes(drafter: Drafter | None, case: EvalCase, drafts: Sequence[Draft], records: list[dict[str, Any]]) -> None:
    """Name the first cause of every missed question (`miss_cause`, `miss_detail`); for evidence the drafter never
    read, look up how deep the hybrid search holds it (a few searches, only for those questions)."""
    for record in records:
        if drafter is not None and record["has_evidence"] and record["outcome"] != "correct" and record["evidence_read"] is False:
            draft = match_draft(record["number"], drafts, "extractive")
            query = draft.question.query_text if draft else record["question_text"]
            if query:
                record["evidence_search_rank"] = evidence_rank(drafter, case, record["number"], query)
                record["evidence_search_depth"] = SEARCH_DEPTH
        cause = miss_cause(record, quote=case.split != "test")  # held-out questions: counts and ids only
        record["miss_cause"], record["miss_detail"] = cause if cause else (None, "")


def draft_case(drafter: Drafter, case: EvalCase, engine: str) -> tuple[list[Draft], list[float], str]:
    """(drafts, seconds spent on each, error message) for one case; a failure is recorded, not raised."""
    drafts: list[Draft] = []
    seconds: list[float] = []
    started = time.perf_counter()
    try:
        for draft in drafter.draft_request(case.request, engine=engine, exclude=case.exclude, received=case.received):
            now = time.perf_counter()
            drafts.append(draft)
            seconds.append(now - started)
            started = now
    except Exception as exc:  # noqa: BLE001 - one broken case must not end the whole run
        return drafts, seconds, f"{type(exc).__name__}: {exc}"
    return drafts, seconds, ""


def run_case(drafter: Drafter, case: EvalCase, engine: str, judge: Judge, *, k: int) -> dict[str, Any]:
    drafts, seconds, error = draft_case(drafter, case, engine)
    total = sum(seconds)
    per_draft = {d.question.number: s for d, s in zip(drafts, seconds)}
    asked_in = request_questions(drafter, case.request)
    questions = []
    for q in case.questions:
        draft = match_draft(q.number, drafts, engine)
        if engine == "naive" or draft is None:
            spent = total / len(case.questions)
        else:
            spent = per_draft.get(draft.question.number, 0.0)
        asked = m.asked_for(q.number, asked_in, lambda n: match_draft(n, drafts, engine))
        questions.append(score_question(case, q, draft, judge, k=k, seconds=spent, asked=asked))
    if engine != "naive":  # one pasted answer for the whole request: a cause per question says nothing there
        with_miss_causes(drafter, case, drafts, questions)
    shared = None
    if engine == "naive" and questions:
        # One draft serves every question: keep its text and sentence checks once, at case level.
        shared = {"answer": questions[0]["answer"], "sentences": questions[0]["sentences"]}
        for record in questions:
            record.update(answer="", sentences=[], draft_shared=True)
    return {
        "id": case.id,
        "split": case.split,
        "description": case.description,
        "answerable": case.answerable,
        "no_evidence": case.no_evidence,
        "exclude": list(case.exclude),
        "engine": engine,
        "error": error,
        "drafts": len(drafts),
        "draft_numbers": [d.question.number for d in drafts],
        "seconds": total,
        "summary": m.summarise(questions),
        "shared_draft": shared,
        "questions": questions,
    }


def split_summaries(case_results: Sequence[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The summary of each split present in the run (dev, test), so tuning and held-out figures sit side by side."""
    out = {}
    for split in ("dev", "test"):
        qs = [q for c in case_results if c.get("split") == split for q in c["questions"]]
        if qs:
            out[split] = m.summarise(qs)
    return out


def search_hits(drafter: Drafter, cases: Iterable[EvalCase], *, k: int = 5) -> dict[str, Any]:
    """The share of case questions where plain hybrid search (as `foi search` runs it) finds an evidence doc in the top k."""
    rows = []
    for case in cases:
        try:
            texts = {q.number: q.full_text for q in drafter.split(case.request)}
        except ValueError:
            texts = {}
        for q in case.questions:
            if not case.has_evidence(q):
                continue
            text = texts.get(q.number) or texts.get(re.match(r"\d*", q.number).group(0)) or ""
            passages = drafter.index.search(text, k=k, exclude=list(case.exclude)) if text else []
            found = [p.unit.doc_id for p in passages]
            rows.append(
                {"case": case.id, "number": q.number, "hit": bool(set(found) & set(q.evidence)), "found": found, "evidence": list(q.evidence)}
            )
    hits = [r["hit"] for r in rows]
    return {"k": k, "hit_rate": sum(hits) / len(hits) if hits else None, "questions": rows}


def doc_dates(index: Index) -> dict[str, Any]:
    """Each indexed document's date (decision or publication), None when undated."""
    return {u.doc_id: u.date for u in index.units().values()}


def run_eval(
    settings: Settings,
    cases: Sequence[EvalCase],
    *,
    engines: Sequence[str] = DEFAULT_ENGINES,
    k: int = 5,
    judge: Judge | None = None,
    index: Index | None = None,
    drafter: Drafter | None = None,
    with_search: bool = True,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Results of every engine on every case: per-question records, per-case and per-engine summaries."""
    index = shared_index(settings, index if drafter is None else drafter.index)
    drafter = drafter or Drafter(settings, index)
    for name in engines:
        if name not in Drafter.ENGINES:
            raise ValueError(f"Unknown engine '{name}': choose from {', '.join(Drafter.ENGINES)}")
    judge = judge or CheckerJudge(settings.support_threshold, index.embeddings.embed_documents)
    if settings.only_earlier_decisions:  # each case sees the corpus of its received date, so is graded on it
        dates = doc_dates(index)
        cases = [as_received(c, dates) for c in cases]
    results: dict[str, Any] = {
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "judge": judge.name,
        "k": k,
        "cases": [c.id for c in cases],
        "settings": {
            "retrieval_k": settings.retrieval_k,
            "relevance_floor": settings.relevance_floor,
            "decision_match_floor": settings.decision_match_floor,
            "support_threshold": settings.support_threshold,
            "drop_unsupported": settings.drop_unsupported,
            "llm_provider": settings.llm_provider if "llm" in engines else None,
        },
        "machine": platform.platform(),
        "engines": {},
    }
    for name in engines:
        case_results = []
        for i, case in enumerate(cases, start=1):
            if progress:
                progress(f"[{name}] {i}/{len(cases)} {case.id}")
            case_results.append(run_case(drafter, case, name, judge, k=k))
        every_question = [q for c in case_results for q in c["questions"]]
        results["engines"][name] = {
            "summary": m.summarise(every_question),
            "splits": split_summaries(case_results),
            "cases": case_results,
        }
    if with_search:
        if progress:
            progress("hybrid search hit rate")
        results["search"] = search_hits(drafter, cases, k=5)
    return results


def results_for_split(results: dict[str, Any], split: str) -> dict[str, Any]:
    """A run cut down to one split's cases, summaries recomputed (the baseline keeps test only)."""
    keep = {c["id"] for e in results["engines"].values() for c in e["cases"] if c.get("split") == split}
    out = {**results, "cases": [c for c in results["cases"] if c in keep], "engines": {}, "subset": f"the {split} split ({len(keep)} cases)"}
    for name, data in results["engines"].items():
        cases = [c for c in data["cases"] if c["id"] in keep]
        out["engines"][name] = {
            "summary": m.summarise([q for c in cases for q in c["questions"]]),
            "splits": split_summaries(cases),
            "cases": cases,
        }
    if results.get("search"):
        rows = [r for r in results["search"]["questions"] if r["case"] in keep]
        hits = [r["hit"] for r in rows]
        out["search"] = {**results["search"], "questions": rows, "hit_rate": sum(hits) / len(hits) if hits else None}
    out.pop("comparison", None)
    out.pop("gate", None)
    return out


def questions_of(results: dict[str, Any], engine: str) -> list[tuple[str, dict[str, Any]]]:
    """(case id, question record) pairs of one engine, for reports and breakdowns."""
    return [(c["id"], q) for c in results["engines"][engine]["cases"] for q in c["questions"]]


# -- one call for the command line -------------------------------------------------------------------------
def evaluate(
    settings: Settings,
    *,
    cases_dir: Path,
    out_dir: Path,
    engines: Sequence[str] = DEFAULT_ENGINES,
    k: int = 5,
    compare: Path | None = None,
    calibrate_only: bool = False,
    subset_size: int | None = None,
    fast: bool = False,
    judge_name: str = "checker",
    labels_path: Path = LABELS_PATH,
    thresholds_path: Path = THRESHOLDS_PATH,
    splits_path: Path = SPLITS_PATH,
    split: str | None = None,
    real_requests_dir: Path | None = REAL_REQUESTS_DIR,
    real_only: bool = False,
    index: Index | None = None,
    progress: Progress | None = None,
) -> tuple[dict[str, Any], dict[str, Path]]:
    """Load cases, run (or only calibrate the judge), compare with an earlier run, and write the report."""
    from assistant.evaluation.cases import in_split, load_cases, select_ids, subset, with_splits
    from assistant.evaluation.judge import LLMJudge, calibrate, load_labels
    from assistant.evaluation.report import write_report

    unknown = [name for name in engines if name not in Drafter.ENGINES]
    if unknown:
        raise ValueError(f"Unknown engine '{unknown[0]}': choose from {', '.join(Drafter.ENGINES)}")
    if split not in (None, "all", "dev", "test"):
        raise ValueError(f"Unknown split '{split}': choose dev, test or all")
    if judge_name not in ("checker", "llm"):
        raise ValueError(f"Unknown judge '{judge_name}': choose checker or llm")
    thresholds = load_thresholds(thresholds_path)
    old = json.loads(Path(compare).read_text(encoding="utf-8")) if compare else None
    index = shared_index(settings, index)
    checker = CheckerJudge(settings.support_threshold, index.embeddings.embed_documents)
    calibration = calibrate(load_labels(labels_path), checker) if labels_path.is_file() else None
    if calibrate_only:
        if calibration is None:
            raise FileNotFoundError(f"no hand labels at {labels_path}")
        results: dict[str, Any] = {
            "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "judge": checker.name,
            "cases": [],
            "engines": {},
            "calibration": calibration,
        }
        return results, write_report(results, out_dir)
    if real_only:
        if real_requests_dir is None or not Path(real_requests_dir).is_dir():
            raise FileNotFoundError(f"no real requests at {real_requests_dir}")
        from assistant.evaluation.real_requests import load_real_requests, score_real_requests

        drafter = Drafter(settings, index)
        results = {
            "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "judge": checker.name,
            "k": k,
            "cases": [],
            "engines": {},
            "real_requests": score_real_requests(load_real_requests(Path(real_requests_dir)), drafter, engines=engines),
        }
        return results, write_report(results, out_dir)
    cases = with_splits(load_cases(cases_dir), splits_path)
    label = ""
    if split and split != "all":
        cases = in_split(cases, split)
        if not cases:
            raise ValueError(f"no case in split '{split}'")
        label = f"the {split} split ({len(cases)} cases)"
    if fast:
        cases = select_ids(cases, thresholds.get("fast_cases", []))
        label = f"the fast subset of {len(cases)} cases in {thresholds_path.name}"
    elif subset_size:
        cases = subset(cases, subset_size)
        label = f"{len(cases)} cases spread over the set"
    drafter = Drafter(settings, index)
    judge: Judge = checker
    if judge_name == "llm":
        judge = LLMJudge(drafter.chat_model(), settings.llm_provider)
    results = run_eval(settings, cases, engines=engines, k=k, judge=judge, drafter=drafter, progress=progress)
    if real_requests_dir is not None and Path(real_requests_dir).is_dir() and not fast:
        from assistant.evaluation.real_requests import load_real_requests, score_real_requests

        requests = load_real_requests(Path(real_requests_dir))
        if requests:
            if progress:
                progress(f"real requests: splitting {len(requests)}, drafting those with expected facts")
            results["real_requests"] = score_real_requests(requests, drafter, engines=engines)
    if label:
        results["subset"] = label
    if calibration is not None:
        results["calibration"] = calibration
    shown = thresholds_path.relative_to(REPO_ROOT) if thresholds_path.is_relative_to(REPO_ROOT) else thresholds_path
    paths = write_report(results, out_dir, old=old, thresholds=thresholds or None, thresholds_path=str(shown))
    return results, paths


def load_thresholds(path: Path) -> dict[str, Any]:
    """The CI gate's settings (fast subset and metric minimums); empty when the file is absent."""
    if not Path(path).is_file():
        return {}
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    return data if isinstance(data, dict) else {}
