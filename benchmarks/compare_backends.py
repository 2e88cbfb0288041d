"""Quality of the int8 embedding backend against fp32 (torch): vector agreement on the demo corpus, retrieval
recall@5 and evaluation outcomes of the extractive engine, each backend on its own index of the same corpus.

The evaluation cases are those of the `test` split when the cases carry a split, else every case (the script says
which). Per-question differences (status, abstention, retrieval hit, key facts) are listed, so "within noise" can be
checked case by case.

Run: .venv/bin/python benchmarks/compare_backends.py [--engines extractive] [--k 5] [--split test]
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as c  # noqa: E402

BACKENDS = ("torch", "onnx-int8")
SHOWN = (
    "correct_rate",
    "abstained_rate",
    "confident_error_rate",
    "truthfulness",
    "retrieval_recall_at_k",
    "unit_recall_at_k",
    "key_fact_recall",
    "citation_recall",
    "citation_precision",
    "unsupported_rate",
    "status_agreement",
    "exemption_agreement",
    "abstention",
    "rouge_l",
    "seconds_per_question",
)


def cosine_agreement(settings: Any) -> list[list[object]]:
    """Cosine between fp32 and int8 vectors of every corpus unit (its embedding text) and every past question."""
    import numpy as np

    from assistant.documents import load_paths
    from assistant.embeddings import embeddings_for
    from assistant.index import _embedding_text

    units = load_paths([settings.corpus_dir], settings).units
    sets = {
        "corpus units (embedding text)": [_embedding_text(u) for u in units],
        "past questions": [u.question for u in units if u.question],
    }
    rows = []
    for name, texts in sets.items():
        vectors = {}
        for backend in BACKENDS:
            model = embeddings_for(settings.embedding_model, "cpu", 32, backend, str(settings.embedding_cache_path), 0)
            vectors[backend] = np.asarray(model.embed_documents(texts))
        cos = (vectors["torch"] * vectors["onnx-int8"]).sum(axis=1)
        rows.append([name, len(texts), float(cos.min()), float(np.percentile(cos, 5)), float(cos.mean())])
    return rows


def select_cases(split: str) -> tuple[list[Any], str]:
    from assistant.evaluation.cases import load_cases

    try:
        from assistant.evaluation.cases import with_splits
        from assistant.evaluation.runner import CASES_DIR, SPLITS_PATH

        cases = with_splits(load_cases(CASES_DIR), SPLITS_PATH)
    except ImportError:  # cases without a dev/test split
        from assistant.evaluation.runner import CASES_DIR

        cases = load_cases(CASES_DIR)
    if any(getattr(case, "split", None) for case in cases):
        chosen = [case for case in cases if getattr(case, "split", None) == split]
        return chosen, f"the `{split}` split: {len(chosen)} of {len(cases)} cases"
    return cases, f"all {len(cases)} cases (the cases carry no dev/test split yet)"


def outcome(q: dict[str, Any]) -> tuple[Any, ...]:
    return (q.get("outcome"), q.get("status"), q.get("retrieval_hit"), q.get("key_fact_recall"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--engines", default="extractive", help="Comma-separated engines to evaluate.")
    parser.add_argument("--k", type=int, default=5, help="Retrieval recall is measured in the top k passages.")
    parser.add_argument("--split", default="test")
    args = parser.parse_args()
    engines = [e for e in args.engines.split(",") if e]

    c.print_machine()
    from assistant.evaluation.runner import run_eval
    from assistant.index import Index

    cases, label = select_cases(args.split)
    results: dict[str, dict[str, Any]] = {}
    with c.temp_data_dir() as tmp:
        base = c.settings_for(tmp / "torch")
        cos_rows = cosine_agreement(c.settings_for(tmp / "torch", embedding_cache_dir=tmp / "models"))
        for backend in BACKENDS:
            settings = c.settings_for(tmp / backend, embedding_backend=backend, embedding_cache_dir=tmp / "models")
            index = Index(settings)
            index.ingest([base.corpus_dir])
            print(f"{backend}: index built ({index.count()} units); evaluating {label}", file=sys.stderr, flush=True)
            results[backend] = run_eval(settings, cases, engines=engines, k=args.k, index=index)

    print(f"Evaluation cases: {label}; retrieval recall@{args.k}.\n")
    print("Vector agreement, fp32 (torch) vs int8 (ONNX Runtime, dynamic quantisation), same texts:")
    print(c.table(["texts", "n", "min cosine", "5th pct cosine", "mean cosine"], cos_rows))
    print()
    rows = []
    for engine in engines:
        sums = {b: results[b]["engines"][engine]["summary"] for b in BACKENDS}
        for key in SHOWN:
            a, b = sums["torch"].get(key), sums["onnx-int8"].get(key)
            delta = (b - a) if isinstance(a, (int, float)) and isinstance(b, (int, float)) else None
            rows.append([engine, key, a if a is not None else "n/a", b if b is not None else "n/a", f"{delta:+.3f}" if delta is not None else "n/a"])
    search = {b: results[b].get("search", {}).get("hit_rate") for b in BACKENDS}
    rows.append(["(foi search)", "hybrid search hit rate @5", search["torch"], search["onnx-int8"], f"{search['onnx-int8'] - search['torch']:+.3f}"])
    print(c.table(["engine", "metric", "fp32 (torch)", "int8 (onnx-int8)", "int8 − fp32"], rows))

    for engine in engines:
        per = {
            b: {(case["id"], q["number"]): q for case in results[b]["engines"][engine]["cases"] for q in case["questions"]}
            for b in BACKENDS
        }
        differ = [key for key in per["torch"] if outcome(per["torch"][key]) != outcome(per["onnx-int8"].get(key, {}))]
        print(f"\n{engine}: {len(per['torch'])} questions; (outcome, status, retrieval hit, key-fact recall) differs on {len(differ)}")
        for key in differ:
            print(f"  {key[0]} Q{key[1]}: fp32 {outcome(per['torch'][key])} / int8 {outcome(per['onnx-int8'][key])}")
    print(f"\nLoad average at the end (1/5/15 min): {c.machine()['load average (1/5/15 min)']}")


if __name__ == "__main__":
    main()
