"""Write an evaluation run: results.json, report.md and report.html (same content), and two charts.

The report is built once as a list of sections (paragraphs, tables, images) and rendered to both Markdown and
HTML, so the two never disagree.
"""
from __future__ import annotations

import base64
import html
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Sequence

from assistant.evaluation import metrics as m
from assistant.evaluation.misses import CAUSES, cause_table, miss_cause
from assistant.evaluation.misses import misses as missed_questions

# What the product aims at; the report says whether each is met, it does not tune towards them.
TARGETS: dict[str, float] = {
    "citation_validity": 1.0,
    "citation_precision": 0.95,
    "citation_recall": 0.95,
    "key_fact_recall": 0.80,
    "retrieval_recall_at_k": 0.90,
    "abstention": 0.95,
}
KAPPA_TARGET = 0.7
SEARCH_TARGET = 0.85
CHART_METRICS = (
    "citation_validity",
    "citation_precision",
    "citation_recall",
    "unsupported_rate",
    "key_fact_recall",
    "retrieval_recall_at_k",
    "status_agreement",
    "abstention",
    "rouge_l",
)


@dataclass
class Section:
    title: str
    blocks: list[tuple] = field(default_factory=list)

    def p(self, text: str) -> "Section":
        self.blocks.append(("p", text))
        return self

    def table(self, headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> "Section":
        self.blocks.append(("table", list(headers), [list(r) for r in rows]))
        return self

    def items(self, lines: Sequence[str]) -> "Section":
        self.blocks.append(("list", list(lines)))
        return self

    def image(self, path: Path, alt: str) -> "Section":
        self.blocks.append(("img", path, alt))
        return self


def fmt(value: Any, digits: int = 3) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def _label(key: str) -> str:
    return dict(m.SUMMARY_METRICS).get(key, key)


# -- diagnosis --------------------------------------------------------------------------------------------
def diagnose(q: Mapping[str, Any], k: int) -> list[str]:
    """Why a question falls short, in words an officer or developer can act on; empty when it meets every aim.
    A question with evidence that is not answered correctly leads with its miss cause (`misses.miss_cause`)."""
    why: list[str] = []
    evidence = set(q["evidence"])
    if q["has_evidence"]:
        cause = (q["miss_cause"], q.get("miss_detail", "")) if q.get("miss_cause") else miss_cause(q)
        if cause:
            why.append(f"{CAUSES[cause[0]][0]}: {cause[1]}")
        if evidence & set(q["passages"]) and not q["retrieval_hit"]:
            why.append(f"evidence retrieved but ranked below {k}")
        missing = [f for f in q["key_facts"] if f not in q["key_facts_found"]]
        if missing and q["key_fact_recall"] is not None and q["key_fact_recall"] < 1 and not cause:
            why.append("missing key facts: " + "; ".join(f"'{f}'" for f in missing))
    elif q["abstained"] is False:
        why.append(f"answered ({q['status']}) although the corpus holds no evidence")
    if not q["status_agrees"]:
        why.append(f"status {q['status']}, expected {q['expected_status']}")
    if not q["exemptions_agree"]:
        why.append(f"exemptions {q['exemptions'] or '[]'}, expected {q['expected_exemptions'] or '[]'}")
    unsupported = [s for s in q["sentences"] if not s["supported"]]
    if unsupported:
        why.append(f"{len(unsupported)} sentence(s) not supported by their citations")
    imprecise = q["citations_total"] - q["citations_precise"]
    if imprecise:
        why.append(f"{imprecise} imprecise citation(s)")
    return why


def status_confusion(questions: Sequence[Mapping[str, Any]]) -> list[tuple[str, str, int]]:
    """(expected, drafted, count) for every disagreement, most frequent first."""
    counts: dict[tuple[str, str], int] = {}
    for q in questions:
        if not q["status_agrees"]:
            key = (q["expected_status"], q["status"])
            counts[key] = counts.get(key, 0) + 1
    return [(e, g, n) for (e, g), n in sorted(counts.items(), key=lambda kv: -kv[1])]


# -- charts -----------------------------------------------------------------------------------------------
def engine_chart(results: Mapping[str, Any], path: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    engines = list(results["engines"])
    x = np.arange(len(CHART_METRICS))
    width = 0.8 / max(1, len(engines))
    fig, ax = plt.subplots(figsize=(11, 4.2))
    for i, name in enumerate(engines):
        summary = results["engines"][name]["summary"]
        values = [summary.get(key) if summary.get(key) is not None else np.nan for key in CHART_METRICS]
        bars = ax.bar(x + (i - (len(engines) - 1) / 2) * width, values, width, label=name)
        ax.bar_label(bars, labels=[fmt(v, 2) for v in values], fontsize=7, padding=1)
    for j, key in enumerate(CHART_METRICS):
        if key in TARGETS:
            ax.hlines(TARGETS[key], j - 0.45, j + 0.45, colors="black", linestyles="dashed", linewidth=1)
    ax.set_xticks(x, [_label(k).split(" (")[0] for k in CHART_METRICS], rotation=25, ha="right", fontsize=8)
    ax.set_ylim(0, 1.1)
    ax.set_ylabel("share")
    ax.set_title("Metrics per engine (dashed: target)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def case_heatmap(results: Mapping[str, Any], path: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    engines = list(results["engines"])
    case_ids = results["cases"]
    columns = [(e, key) for e in engines for key in ("key_fact_recall", "citation_recall")]
    grid = np.full((len(case_ids), len(columns)), np.nan)
    for j, (engine, key) in enumerate(columns):
        by_id = {c["id"]: c["summary"] for c in results["engines"][engine]["cases"]}
        for i, cid in enumerate(case_ids):
            value = by_id.get(cid, {}).get(key)
            grid[i, j] = np.nan if value is None else value
    fig, ax = plt.subplots(figsize=(2.2 + 1.3 * len(columns), 0.9 + 0.26 * len(case_ids)))
    cmap = plt.get_cmap("RdYlGn").with_extremes(bad="#dddddd")
    ax.imshow(np.ma.masked_invalid(grid), cmap=cmap, vmin=0, vmax=1, aspect="auto")
    for i in range(grid.shape[0]):
        for j in range(grid.shape[1]):
            ax.text(j, i, "–" if np.isnan(grid[i, j]) else f"{grid[i, j]:.2f}", ha="center", va="center", fontsize=7)
    ax.set_xticks(range(len(columns)), [f"{e}\n{'key facts' if k == 'key_fact_recall' else 'cit. recall'}" for e, k in columns], fontsize=8)
    ax.set_yticks(range(len(case_ids)), case_ids, fontsize=7)
    ax.set_title("Per case: key-fact recall and citation recall (grey: not applicable)", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


OUTCOME_COLOURS = {"correct": "#2e7d32", "abstained": "#9e9e9e", "confident_error": "#c62828"}
SPLIT_METRICS = (
    "correct_rate",
    "correct_rate_with_evidence",
    "abstained_rate",
    "confident_error_rate",
    "truthfulness",
    "abstention_no_evidence",
    "period_accuracy",
    "sub_part_coverage",
    "unit_recall_at_k",
    "unit_cited",
    "key_fact_recall",
    "citation_recall",
    "citation_precision",
    "status_agreement",
    "abstention",
    "retrieval_recall_at_k",
)


def outcome_groups(results: Mapping[str, Any]) -> list[tuple[str, Mapping[str, Any]]]:
    """(label, summary) for each engine and split present: 'extractive / test', ..., then the whole run."""
    out = []
    for engine, data in results.get("engines", {}).items():
        for split, summary in (data.get("splits") or {}).items():
            out.append((f"{engine} / {split}", summary))
        out.append((f"{engine} / all", data["summary"]))
    return out


def outcome_chart(results: Mapping[str, Any], path: Path) -> Path:
    """Stacked bars: the share of correct, abstained and confident-error questions per engine and split."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    groups = outcome_groups(results)
    labels = [g for g, _ in groups]
    fig, ax = plt.subplots(figsize=(max(5.0, 1.3 * len(groups) + 2), 4.2))
    bottom = [0.0] * len(groups)
    for outcome in m.OUTCOMES:
        values = [(s.get(f"{'abstained' if outcome == 'abstained' else outcome}_rate") or 0.0) for _, s in groups]
        bars = ax.bar(labels, values, bottom=bottom, color=OUTCOME_COLOURS[outcome], label=outcome.replace("_", " "))
        ax.bar_label(bars, labels=[f"{v:.2f}" if v >= 0.04 else "" for v in values], label_type="center", fontsize=8, color="white")
        bottom = [b + v for b, v in zip(bottom, values)]
    ax.set_ylim(0, 1.0)
    ax.set_ylabel("share of questions")
    ax.set_title("Outcome mix per engine and split")
    ax.legend(fontsize=8, loc="upper right")
    plt.setp(ax.get_xticklabels(), rotation=20, ha="right", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def confident_errors(results: Mapping[str, Any], engine: str) -> list[dict[str, Any]]:
    """Every confident error of one engine with its question, draft and why it was graded so (worst first).

    Worst: an unlabelled figure of another period, measure or group, then a wrong not-held, then the rest; test
    before dev; more key facts missed first.
    """
    rows = []
    for case in results["engines"][engine]["cases"]:
        shared = (case.get("shared_draft") or {}).get("answer", "")
        for q in case["questions"]:
            if q.get("outcome") != "confident_error":
                continue
            why = q.get("outcome_why", "")
            severity = 0 if "without labelling" in why else 1 if "not_held" in why else 2
            rows.append(
                {
                    "case": case["id"],
                    "split": case.get("split", ""),
                    "number": q["number"],
                    "kind": q.get("kind", ""),
                    "status": q["status"],
                    "question": q.get("question_text", ""),
                    "answer": q["answer"] or shared,
                    "why": why,
                    "severity": severity,
                    "missed": len(q["key_facts"]) - len(q["key_facts_found"]),
                }
            )
    return sorted(rows, key=lambda r: (r["severity"], r["split"] != "test", -r["missed"], r["case"], r["number"]))


def excerpt(text: str, n: int = 220) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= n else flat[: n - 1] + "…"


def outcome_moves(old: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, Any]:
    """For each engine in both runs: how many questions moved from one outcome to another, and which."""
    out: dict[str, Any] = {}
    for engine, data in new.get("engines", {}).items():
        if engine not in old.get("engines", {}):
            continue
        before = {(c["id"], q["number"]): q.get("outcome") for c in old["engines"][engine]["cases"] for q in c["questions"]}
        counts: dict[tuple[str, str], int] = {}
        moved = []
        for c in data["cases"]:
            for q in c["questions"]:
                key = (c["id"], q["number"])
                if key not in before:
                    continue
                pair = (before[key] or "n/a", q.get("outcome") or "n/a")
                counts[pair] = counts.get(pair, 0) + 1
                if pair[0] != pair[1]:
                    moved.append({"case": c["id"], "split": c.get("split", ""), "number": q["number"], "old": pair[0], "new": pair[1], "why": q.get("outcome_why", "")})
        out[engine] = {"counts": [[a, b, n] for (a, b), n in sorted(counts.items())], "moved": moved}
    return out


# -- sections ---------------------------------------------------------------------------------------------
def build_sections(
    results: Mapping[str, Any],
    *,
    charts: Sequence[tuple[Path, str]] = (),
    comparison: Mapping[str, Any] | None = None,
    gate: Mapping[str, Any] | None = None,
) -> list[Section]:
    sections: list[Section] = []
    engines = list(results.get("engines", {}))
    k = results.get("k", 5)
    head = Section("Run")
    head.p(
        f"Created {results.get('created', '')}; {len(results.get('cases', []))} cases; engines: {', '.join(engines) or 'none'}; "
        f"retrieval recall at k = {k}; support judge: {results.get('judge', '')}."
    )
    if results.get("subset"):
        head.p(f"Subset run ({results['subset']}): figures are not comparable with a full run.")
    sections.append(head)

    if engines:
        groups = outcome_groups(results)
        out_sec = Section("Outcomes: correct, abstained, confident error")
        out_sec.p(
            "Each question is graded into one outcome (CRAG, Yang et al. 2024: a wrong answer scores below 'I don't know'; "
            "Trust-Score: grounded refusals). correct: the answer states the key facts (at least "
            f"{m.CORRECT_RECALL:g} of them, and of each lettered part) for the measure, group and period asked, and no figure "
            "of another period, measure or group without saying so; for a period shift the newest figures must carry their "
            "period and the draft must be left for review (needs_review). abstained: needs_review without the key facts. "
            "confident_error: any other status without the key facts, not_held when the answer is held, any answer to a "
            "question the corpus cannot answer, or an unlabelled wrong figure whatever the status. Truthfulness = correct − "
            "confident errors, over all questions. Period accuracy: the answer names the period asked or labels its figures "
            "as another period. Sub-part coverage: each lettered part answered or named in a note for the officer. Tuning "
            "looks at dev only; the baseline and the CI gate use test."
        )
        out_sec.table(
            ["Metric", *[g for g, _ in groups]],
            [[_label(key).replace("@k", f"@{k}"), *[fmt(s.get(key)) for _, s in groups]] for key in SPLIT_METRICS]
            + [["Questions (correct / abstained / confident error)", *[f"{s['n_questions']} ({s['n_correct']} / {s['n_abstained']} / {s['n_confident_error']})" for _, s in groups]]],
        )
        by_kind = Section("Outcomes by question kind")
        kinds = sorted({q.get("kind", "") for e in engines for c in results["engines"][e]["cases"] for q in c["questions"]})
        krows = []
        for e in engines:
            for split in ("dev", "test"):
                for kind in kinds:
                    qs = [q for c in results["engines"][e]["cases"] if c.get("split") == split for q in c["questions"] if q.get("kind") == kind]
                    if not qs:
                        continue
                    r = m.outcome_rates(qs)
                    krows.append([e, split, kind, len(qs), r["n_correct"], r["n_abstained"], r["n_confident_error"], fmt(r["truthfulness"]), fmt(r["period_accuracy"])])
        by_kind.table(["Engine", "Split", "Kind", "Questions", "Correct", "Abstained", "Confident errors", "Truthfulness", "Period accuracy"], krows)
        sections += [out_sec, by_kind]
        summary = Section("Summary")
        rows = []
        for key, label in m.SUMMARY_METRICS:
            row = [label.replace("@k", f"@{k}")] + [fmt(results["engines"][e]["summary"].get(key)) for e in engines]
            target = TARGETS.get(key)
            row.append(f"≥ {target:g}" if target is not None else "")
            rows.append(row)
        counts = ["Questions (with / without evidence)"] + [
            f"{s['n_questions']} ({s['n_with_evidence']} / {s['n_without_evidence']})"
            for s in (results["engines"][e]["summary"] for e in engines)
        ] + [""]
        summary.table(["Metric", *engines, "Target"], rows + [counts])
        summary.p(
            "Citation recall and precision follow ALCE (Gao et al. 2023): a sentence counts for recall when its cited "
            "passages together support it; a citation is imprecise when the sentence is unsupported, or when it does not "
            "support the sentence alone and the other citations still do. Notes to the officer and courtesy lines are not "
            "claims and are not scored. 1 − citation recall is the share of sentences their own citations do not support; "
            "the unsupported-sentence rate counts sentences that no retrieved passage of the draft supports, whatever they "
            "cite. Key-fact recall: share of a question's key facts stated in the answer (case-insensitive; figures and dates "
            "must match exactly after removing thousands separators). ROUGE-L is for information only."
        )
        targets = Section("Targets")
        trows = []
        for key, aim in TARGETS.items():
            for e in engines:
                value = results["engines"][e]["summary"].get(key)
                met = value is not None and value >= aim - 1e-9
                trows.append([_label(key).replace("@k", f"@{k}"), e, fmt(value), f"≥ {aim:g}", "met" if met else "NOT met"])
        calib = results.get("calibration")
        if calib:
            kappa = calib["at_threshold"]["kappa"]
            trows.append(["Judge agreement (Cohen's kappa)", "—", fmt(kappa), f"≥ {KAPPA_TARGET:g}", "met" if kappa >= KAPPA_TARGET else "NOT met"])
        search = results.get("search")
        if search and search.get("hit_rate") is not None:
            hit = search["hit_rate"]
            trows.append([f"Hybrid search hit@{search['k']}", "—", fmt(hit), f"≥ {SEARCH_TARGET:g}", "met" if hit >= SEARCH_TARGET else "NOT met"])
        targets.table(["Aim", "Engine", "Value", "Target", "Result"], trows)
        sections.append(summary)
        sections.append(targets)

    search = results.get("search")
    if search:
        s = Section(f"Hybrid search hit@{search['k']}")
        s.p(
            f"Share of case questions with evidence where `Index.search(question, k={search['k']}, exclude=held-out)` "
            f"returns an evidence document: {fmt(search['hit_rate'])} ({sum(r['hit'] for r in search['questions'])} of {len(search['questions'])})."
        )
        misses = [r for r in search["questions"] if not r["hit"]]
        if misses:
            s.table(
                ["Case", "Q", "Evidence", "Top documents found"],
                [[r["case"], r["number"], ", ".join(r["evidence"]), ", ".join(dict.fromkeys(r["found"]))] for r in misses],
            )
        sections.append(s)

    calib = results.get("calibration")
    if calib:
        c = Section("Judge calibration")
        at = calib["at_threshold"]
        c.p(
            f"{calib['labels']} hand-labelled (sentence, passage) pairs, {calib['supported_labels']} supported. "
            f"The checker ({calib['judge']}) at threshold {calib['threshold']:.2f}: accuracy {fmt(at['accuracy'])}, "
            f"precision for 'unsupported' {fmt(at['unsupported_precision'])}, recall for 'unsupported' {fmt(at['unsupported_recall'])}, "
            f"Cohen's kappa {fmt(at['kappa'])} ({at['false_supported']} pairs wrongly passed, {at['false_unsupported']} wrongly failed). "
            f"Best threshold in the sweep: {calib['best_threshold']:.2f} (kappa {fmt(calib['best_kappa'])})."
        )
        c.table(
            ["Threshold", "Accuracy", "Unsupported precision", "Unsupported recall", "Kappa"],
            [
                [f"{r['threshold']:.2f}", fmt(r["accuracy"]), fmt(r["unsupported_precision"]), fmt(r["unsupported_recall"]), fmt(r["kappa"])]
                for r in calib["sweep"]
            ],
        )
        c.table(
            ["Label source", "Pairs", "Labelled supported", "Checker accuracy"],
            [[src, v["n"], fmt(v["supported_share"], 2), fmt(v["accuracy"])] for src, v in calib["by_source"].items()],
        )
        if calib["disagreements"]:
            c.table(
                ["Label", "Checker", "Source", "Sentence", "Note"],
                [
                    ["supported" if d["label"] else "unsupported", "supported" if d["checker"] else "unsupported", d["source"], d["sentence"][:160], d["note"][:120]]
                    for d in calib["disagreements"]
                ],
            )
        sections.append(c)

    if charts:
        ch = Section("Charts")
        for path, alt in charts:
            ch.image(path, alt)
        sections.append(ch)

    if comparison:
        cmp_section = Section("Compared with an earlier run")
        cmp_section.p(
            f"Earlier run: {comparison.get('old_created', '?')}. Deltas are new − old; a |delta| below {m.NOISE} "
            "(for seconds: below a quarter of the old value) is within run-to-run noise and case wording, so it is "
            "marked 'noise' and should not be read as a change."
        )
        for engine, rows in comparison["engines"].items():
            cmp_section.table(
                [f"{engine}: metric", "Old", "New", "Delta", "Verdict"],
                [[r["label"].replace("@k", f"@{k}"), fmt(r["old"]), fmt(r["new"]), fmt(r["delta"]) if r["delta"] is None else f"{r['delta']:+.3f}", r["verdict"]] for r in rows],
            )
        for engine, mv in comparison.get("outcomes", {}).items():
            cmp_section.table([f"{engine}: outcome before", "Outcome now", "Questions"], mv["counts"])
            if mv["moved"]:
                cmp_section.table(
                    [f"{engine}: moved", "Split", "Q", "Before", "Now", "Why now"],
                    [[r["case"], r["split"], r["number"], r["old"], r["new"], r["why"]] for r in mv["moved"]],
                )
        for extra in comparison.get("extra", []):
            cmp_section.p(extra)
        sections.append(cmp_section)

    if gate:
        g = Section("CI thresholds")
        if gate["failures"]:
            g.p(f"Engine {gate['engine']}: FAILS — " + "; ".join(gate["failures"]))
        else:
            g.p(f"Engine {gate['engine']}: every metric meets its minimum in {gate['path']}.")
        if set(results.get("cases", [])) != set(gate.get("fast_cases", results.get("cases", []))):
            g.p("The minimums are set for the gate's fast subset; on this set of cases the check is indicative only.")
        sections.append(g)

    for engine in engines:
        errors = confident_errors(results, engine)
        ce = Section(f"Confident errors: {engine} ({len(errors)})")
        if not errors:
            ce.p("None.")
        else:
            ce.table(
                ["Split", "Case", "Q", "Kind", "Status", "Question", "Draft (excerpt)", "Why graded so"],
                [[r["split"], r["case"], r["number"], r["kind"], r["status"], excerpt(r["question"], 160), excerpt(r["answer"]), r["why"]] for r in errors],
            )
        sections.append(ce)

    real = results.get("real_requests")
    if real:
        rs = Section("Real requests")
        sp = real["splitting"]["summary"]
        rs.p(
            f"{sp['requests']} real requests sent to UK councils. Splitting against the human count: exact question count "
            f"{fmt(sp['question_count_match'])}, exact sub-part count {fmt(sp['sub_part_count_match'])}, human items lost "
            f"{sp['items_lost']} of {sp['items']} ({fmt(sp['items_lost_rate'])}), requests refused by the splitter {sp['errors']}."
        )
        bad = [r for r in real["splitting"]["requests"] if not r["questions_match"] or not r["sub_parts_match"] or r["lost"] or r["error"]]
        if bad:
            rs.table(
                ["Request", "Council", "Questions (human / split)", "Sub-parts (human / split)", "Items lost", "Error"],
                [[r["id"], r["council"], f"{r['human_questions']} / {r['split_questions']}", f"{r['human_sub_parts']} / {r['split_sub_parts']}", ", ".join(r["lost"]), r["error"]] for r in bad],
            )
        orows = []
        for e, data in real.get("outcomes", {}).items():
            s_ = data["summary"]
            if data["questions"]:
                orows.append([e, len(data["questions"]), s_["n_correct"], s_["n_abstained"], s_["n_confident_error"], fmt(s_["truthfulness"])])
        if orows:
            rs.p("Outcomes on the demo-council requests whose answers are known:")
            rs.table(["Engine", "Questions", "Correct", "Abstained", "Confident errors", "Truthfulness"], orows)
            extractive = real.get("outcomes", {}).get("extractive", {}).get("questions", [])
            missed = missed_questions((q["id"], "real", q) for q in extractive)
            if missed:
                rs.p(
                    f"Misses by cause, extractive ({len(missed)} of {sum(q['has_evidence'] for q in extractive)} questions with known facts). "
                    "No evidence units are recorded for these requests, so retrieval is not judged, and the corpus may not hold "
                    "the council's answer at all: a cause says what the drafter did, not that it should have answered."
                )
                rs.table(["Cause", "What it means", "real requests"], [row[:3] for row in cause_table(missed, ["real"])])
                rs.items([f"{r['case']} q{r['number']}: {CAUSES[r['cause']][0]} — {r['detail']}" for r in missed])
            for e, data in real.get("outcomes", {}).items():
                errs = [q for q in data["questions"] if q["outcome"] == "confident_error"]
                if errs:
                    rs.table(
                        [f"{e}: request", "Q", "Status", "Draft (excerpt)", "Why"],
                        [[q["id"], q["number"], q["status"], excerpt(q["answer"]), q["outcome_why"]] for q in errs],
                    )
        sections.append(rs)

    for engine in engines:
        cases = results["engines"][engine]["cases"]
        pc = Section(f"Per case: {engine}")
        pc.table(
            ["Case", "Split", "Qs", "Correct / abstained / errors", "Key facts", "Cit. recall", "Cit. precision", "Status agr.", f"Recall@{k}", "Abstention", "s/question", "Error"],
            [
                [
                    c["id"],
                    c.get("split", ""),
                    c["summary"]["n_questions"],
                    f"{c['summary'].get('n_correct', 0)} / {c['summary'].get('n_abstained', 0)} / {c['summary'].get('n_confident_error', 0)}",
                    fmt(c["summary"]["key_fact_recall"], 2),
                    fmt(c["summary"]["citation_recall"], 2),
                    fmt(c["summary"]["citation_precision"], 2),
                    fmt(c["summary"]["status_agreement"], 2),
                    fmt(c["summary"]["retrieval_recall_at_k"], 2),
                    fmt(c["summary"]["abstention"], 2),
                    fmt(c["summary"]["seconds_per_question"], 1),
                    c["error"],
                ]
                for c in cases
            ],
        )
        sections.append(pc)
        if engine == "naive":
            continue  # one pasted answer for the whole request: per-question diagnoses say nothing new
        every = [q for c in cases for q in c["questions"]]
        sections.append(misses_section(engine, cases))
        confusion = status_confusion(every)
        if confusion:
            st = Section(f"Status disagreements: {engine}")
            st.p("Expected status → drafted status, whatever the outcome (a correct answer left for review is one of these, not a miss):")
            st.table(["Expected", "Drafted", "Questions"], [list(row) for row in confusion])
            sections.append(st)
        failing = [(c["id"], q, diagnose(q, k)) for c in cases for q in c["questions"]]
        failing = [(cid, q, why) for cid, q, why in failing if why]
        fq = Section(f"Questions short of an aim: {engine}")
        if not failing:
            fq.p("None.")
        else:
            fq.table(
                ["Case", "Q", "Key facts", "Status (expected)", "Why"],
                [
                    [cid, q["number"], fmt(q["key_fact_recall"], 2), f"{q['status']} ({q['expected_status']})", " | ".join(why)]
                    for cid, q, why in failing
                ],
            )
        sections.append(fq)
    return sections


def misses_section(engine: str, cases: Sequence[Mapping[str, Any]]) -> Section:
    """'Misses by cause': questions with evidence not answered correctly, counted by first cause per split, then
    each one as 'case q<number>: cause — detail' (held-out questions by id and cause only)."""
    splits = [s for s in ("dev", "test") if any(c.get("split") == s for c in cases)]
    rows = missed_questions((c["id"], c.get("split", ""), q) for c in cases for q in c["questions"])
    sec = Section(f"Misses by cause: {engine}")
    answerable = [q for c in cases for q in c["questions"] if q["has_evidence"]]
    sec.p(
        f"{len(rows)} of {len(answerable)} questions with evidence are not answered correctly. Each is counted once, by "
        "its first cause in pipeline order (retrieval → verdict → what was drafted); a confident error is counted as "
        "such whatever came before it. A correct answer whose status differs from the expected one is not a miss."
    )
    if not rows:
        sec.p("None.")
        return sec
    sec.table(["Cause", "What it means", *splits, "all"], cause_table(rows, splits))
    # A held-out question is listed by id and cause only: which evidence it expects, and where that ranks, are
    # what a rule tuned on the test split would be written from.
    sec.items([f"{r['case']} q{r['number']}: {CAUSES[r['cause']][0]}" + (f" — {r['detail']}" if r["split"] != "test" else "") for r in rows])
    return sec


# -- rendering --------------------------------------------------------------------------------------------
def _md_cell(value: Any) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


def to_markdown(title: str, sections: Sequence[Section]) -> str:
    out = [f"# {title}", ""]
    for s in sections:
        out += [f"## {s.title}", ""]
        for block in s.blocks:
            if block[0] == "p":
                out += [block[1], ""]
            elif block[0] == "table":
                _, headers, rows = block
                out.append("| " + " | ".join(_md_cell(h) for h in headers) + " |")
                out.append("|" + "---|" * len(headers))
                out += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in rows]
                out.append("")
            elif block[0] == "list":
                out += [f"- {line}" for line in block[1]] + [""]
            elif block[0] == "img":
                out += [f"![{block[2]}]({Path(block[1]).name})", ""]
    return "\n".join(out)


_CSS = (
    "body{font-family:system-ui,sans-serif;max-width:1200px;margin:2em auto;padding:0 1em;color:#222}"
    "table{border-collapse:collapse;margin:1em 0;font-size:13px}td,th{border:1px solid #ccc;padding:3px 6px;text-align:left;vertical-align:top}"
    "th{background:#f2f2f2}img{max-width:100%}h2{border-bottom:1px solid #ddd;padding-bottom:4px}"
)


def to_html(title: str, sections: Sequence[Section]) -> str:
    esc = html.escape
    out = [f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{esc(title)}</title><style>{_CSS}</style></head><body>", f"<h1>{esc(title)}</h1>"]
    for s in sections:
        out.append(f"<h2>{esc(s.title)}</h2>")
        for block in s.blocks:
            if block[0] == "p":
                out.append(f"<p>{esc(block[1])}</p>")
            elif block[0] == "table":
                _, headers, rows = block
                out.append("<table><thead><tr>" + "".join(f"<th>{esc(str(h))}</th>" for h in headers) + "</tr></thead><tbody>")
                out += ["<tr>" + "".join(f"<td>{esc(str(c))}</td>" for c in row) + "</tr>" for row in rows]
                out.append("</tbody></table>")
            elif block[0] == "list":
                out.append("<ul>" + "".join(f"<li>{esc(line)}</li>" for line in block[1]) + "</ul>")
            elif block[0] == "img":
                data = base64.b64encode(Path(block[1]).read_bytes()).decode("ascii")
                out.append(f"<p><img alt='{esc(block[2])}' src='data:image/png;base64,{data}'></p>")
    out.append("</body></html>")
    return "\n".join(out)


# -- comparing and writing --------------------------------------------------------------------------------
def compare_results(old: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, Any]:
    """Per-engine metric deltas for the engines both runs hold, plus search hit rate and judge kappa."""
    engines = {
        e: m.compare_summaries(old["engines"][e]["summary"], new["engines"][e]["summary"])
        for e in new.get("engines", {})
        if e in old.get("engines", {})
    }
    extra = []
    for label, path in (("Hybrid search hit@5", ("search", "hit_rate")), ("Judge kappa", ("calibration", "at_threshold", "kappa"))):
        a, b = _dig(old, path), _dig(new, path)
        if a is not None and b is not None:
            delta = b - a
            verdict = "noise" if abs(delta) < m.NOISE else ("better" if delta > 0 else "worse")
            extra.append(f"{label}: {a:.3f} → {b:.3f} ({delta:+.3f}, {verdict}).")
    if set(old.get("cases", [])) != set(new.get("cases", [])):
        extra.append("The two runs cover different cases, so deltas mix a change of system with a change of test set.")
    return {"old_created": old.get("created"), "engines": engines, "outcomes": outcome_moves(old, new), "extra": extra}


def _dig(data: Mapping[str, Any], path: Sequence[str]) -> Any:
    for key in path:
        if not isinstance(data, Mapping) or key not in data:
            return None
        data = data[key]
    return data


def gate_result(results: Mapping[str, Any], thresholds: Mapping[str, Any], path: str = "") -> dict[str, Any] | None:
    """The thresholds file applied to this run's engine (a subset run may differ from the gate's subset)."""
    engine = thresholds.get("engine", "extractive")
    if engine not in results.get("engines", {}):
        return None
    failures = m.check_minimums(results["engines"][engine]["summary"], thresholds.get("minimums", {}), thresholds.get("maximums", {}))
    return {"engine": engine, "failures": failures, "path": path, "fast_cases": list(thresholds.get("fast_cases", []))}


def write_report(
    results: dict[str, Any],
    out_dir: Path,
    *,
    old: Mapping[str, Any] | None = None,
    thresholds: Mapping[str, Any] | None = None,
    thresholds_path: str = "",
) -> dict[str, Path]:
    """Write results.json, report.md, report.html and the chart PNGs into out_dir; return their paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    charts: list[tuple[Path, str]] = []
    if results.get("engines"):
        charts.append((outcome_chart(results, out_dir / "outcomes_by_engine.png"), "Outcome mix per engine and split"))
        charts.append((engine_chart(results, out_dir / "metrics_by_engine.png"), "Metrics per engine"))
        charts.append((case_heatmap(results, out_dir / "cases_heatmap.png"), "Per-case key-fact recall and citation recall"))
    comparison = compare_results(old, results) if old else None
    if comparison:
        results["comparison"] = comparison
    gate = gate_result(results, thresholds, thresholds_path) if thresholds else None
    if gate:
        results["gate"] = gate
    sections = build_sections(results, charts=charts, comparison=comparison, gate=gate)
    title = "FOI drafting evaluation"
    paths = {
        "results": out_dir / "results.json",
        "markdown": out_dir / "report.md",
        "html": out_dir / "report.html",
    }
    paths["results"].write_text(json.dumps(results, indent=1, ensure_ascii=False, default=str), encoding="utf-8")
    paths["markdown"].write_text(to_markdown(title, sections), encoding="utf-8")
    paths["html"].write_text(to_html(title, sections), encoding="utf-8")
    return paths
