"""Quality of the int8 embedding backend against fp32 (torch): vector agreement on the demo corpus, retrieval
recall@5 and evaluation outcomes of the extractive engine, each backend on its own index of the same corpus.

The evaluation is the real command, `foi eval --split test`, run once per backend in a new process with
`FOI_EMBEDDING_BACKEND` set and an empty data folder (so it ingests the demo corpus with that backend first).
Per-question differences (outcome, status, retrieval hit, key facts) are listed, so "within noise" can be checked
case by case.

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


def run_foi_eval(backend: str, data_dir: Path, cache_dir: Path, out: Path, split: str, engines: list[str], k: int) -> tuple[dict[str, Any], float, str]:
    """`foi eval --split SPLIT` as an officer's machine runs it, in a new process with this backend in the
    environment (its data folder is empty, so the command ingests the demo corpus with the backend first)."""
    import json
    import os
    import subprocess

    env = {
        **os.environ,
        "FOI_DATA_DIR": str(data_dir),
        "FOI_EMBEDDING_BACKEND": backend,
        "FOI_EMBEDDING_CACHE_DIR": str(cache_dir),
    }
    cmd = [c.PYTHON, "-m", "assistant.cli", "eval", "--split", split, "--k", str(k), "--out", str(out)]
    for engine in engines:
        cmd += ["--engine", engine]
    load = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    with c.Timer() as timer:
        done = subprocess.run(cmd, cwd=c.REPO, env=env, capture_output=True, text=True)
    load += " → " + " / ".join(f"{x:.1f}" for x in os.getloadavg())
    if done.returncode != 0:
        raise RuntimeError(f"foi eval ({backend}) failed:\n{done.stderr[-3000:]}")
    print(f"{backend}: foi eval --split {split} took {timer.seconds:.0f} s (load {load})", file=sys.stderr, flush=True)
    tail = [line for line in done.stdout.splitlines() if line.strip()]
    print(f"--- {backend}: foi eval output ---\n" + "\n".join(tail[-12:]), flush=True)
    return json.loads((out / "results.json").read_text(encoding="utf-8")), timer.seconds, load


def outcome(q: dict[str, Any]) -> tuple[Any, ...]:
    return (q.get("outcome"), q.get("status"), q.get("retrieval_hit"), q.get("key_fact_recall"))


def counts(questions: list[dict[str, Any]]) -> dict[str, int]:
    out: dict[str, int] = {}
    for q in questions:
        out[str(q.get("outcome"))] = out.get(str(q.get("outcome")), 0) + 1
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--engines", default="extractive", help="Comma-separated engines to evaluate.")
    parser.add_argument("--k", type=int, default=5, help="Retrieval recall is measured in the top k passages.")
    parser.add_argument("--split", default="test")
    parser.add_argument("--skip-cosine", action="store_true", help="Skip the vector agreement table.")
    args = parser.parse_args()
    engines = [e for e in args.engines.split(",") if e]

    c.print_machine()
    import os

    results: dict[str, dict[str, Any]] = {}
    timing: dict[str, tuple[float, str]] = {}
    with c.temp_data_dir() as tmp:
        if not args.skip_cosine:
            load0 = os.getloadavg()[0]
            cos_rows = cosine_agreement(c.settings_for(tmp / "torch", embedding_cache_dir=tmp / "models"))
            print("Vector agreement, fp32 (torch) vs int8 (ONNX Runtime, dynamic quantisation), same texts "
                  f"(load {load0:.1f} → {os.getloadavg()[0]:.1f}):")
            print(c.table(["texts", "n", "min cosine", "5th pct cosine", "mean cosine"], cos_rows), flush=True)
            print()
        for backend in BACKENDS:
            results[backend], seconds, load = run_foi_eval(
                backend, tmp / backend, tmp / "models", tmp / f"eval-{backend}", args.split, engines, args.k
            )
            timing[backend] = (seconds, load)

    label = results["torch"].get("subset") or "all cases"
    print(f"\nEvaluation cases: {label}; retrieval recall@{args.k}; `foi eval` in a new process per backend.\n")
    rows = []
    for engine in engines:
        sums = {b: results[b]["engines"][engine]["summary"] for b in BACKENDS}
        for key in SHOWN:
            a, b = sums["torch"].get(key), sums["onnx-int8"].get(key)
            delta = (b - a) if isinstance(a, (int, float)) and isinstance(b, (int, float)) else None
            rows.append([engine, key, a if a is not None else "n/a", b if b is not None else "n/a", f"{delta:+.3f}" if delta is not None else "n/a"])
        per_backend = {b: [q for case in results[b]["engines"][engine]["cases"] for q in case["questions"]] for b in BACKENDS}
        n = {b: counts(per_backend[b]) for b in BACKENDS}
        for name in sorted(set(n["torch"]) | set(n["onnx-int8"])):
            rows.append([engine, f"questions: {name}", n["torch"].get(name, 0), n["onnx-int8"].get(name, 0),
                         f"{n['onnx-int8'].get(name, 0) - n['torch'].get(name, 0):+d}"])
    search = {b: (results[b].get("search") or {}).get("hit_rate") for b in BACKENDS}
    if None not in search.values():
        rows.append(["(foi search)", "hybrid search hit rate @5", search["torch"], search["onnx-int8"], f"{search['onnx-int8'] - search['torch']:+.3f}"])
    for engine in engines:
        real = {b: ((results[b].get("real_requests") or {}).get("outcomes") or {}).get(engine, {}).get("summary") for b in BACKENDS}
        if all(real.values()):
            for key in ("correct_rate", "abstained_rate", "confident_error_rate"):
                a, b = real["torch"].get(key), real["onnx-int8"].get(key)
                rows.append([f"{engine} (real requests)", key, a, b, f"{b - a:+.3f}" if a is not None and b is not None else "n/a"])
    rows.append(["(run)", "foi eval wall s (load 1/5/15 before → after)", f"{timing['torch'][0]:.0f} ({timing['torch'][1]})",
                 f"{timing['onnx-int8'][0]:.0f} ({timing['onnx-int8'][1]})", ""])
    print(c.table(["engine", "metric", "fp32 (torch)", "int8 (onnx-int8)", "int8 − fp32"], rows))

    for engine in engines:
        per = {
            b: {(case["id"], q["number"]): q for case in results[b]["engines"][engine]["cases"] for q in case["questions"]}
            for b in BACKENDS
        }
        differ = [key for key in per["torch"] if outcome(per["torch"][key]) != outcome(per["onnx-int8"].get(key, {}))]
        print(f"\n{engine}: {len(per['torch'])} questions; (outcome, status, retrieval hit, key-fact recall) differs on {len(differ)}")
        for key in differ:
            print(f"  {key[0]} Q{key[1]}: fp32 {outcome(per['torch'][key])} / int8 {outcome(per['onnx-int8'].get(key, {}))}")
    print(f"\nLoad average at the end (1/5/15 min): {c.machine()['load average (1/5/15 min)']}")


if __name__ == "__main__":
    main()
