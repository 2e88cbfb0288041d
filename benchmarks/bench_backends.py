"""fp32 (torch) against int8 (ONNX Runtime) embeddings, side by side in one run: ingest units/s on the demo corpus and
on synthetic decisions, query embedding and hybrid search p50/p95 at 100k units, peak memory.

Each backend runs in its own child process, so its peak RSS (VmHWM) is its own. The 100k index is built once by
the parent (composed vectors, as bench_retrieval.py: the pool sentences embedded with the int8 model) and searched
by both children. Its vectors come from one backend, which makes no difference to latency: Chroma's HNSW and BM25
do the same work whatever the vectors, and each child embeds its queries with its own backend. (The child using
torch relabels the collection's backend record first, since the library refuses to search mixed vectors.)

Ingest figures are `Index.ingest` from an empty data folder with the model already loaded (the load is timed
separately): reading and splitting files, embedding units and past questions, Chroma writes and the BM25 rebuild.

Run: .venv/bin/python benchmarks/bench_backends.py [--synthetic 10000] [--size 100000] [--queries 200] [--threads 0]
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as c  # noqa: E402
import synthetic  # noqa: E402

BACKENDS = ("onnx-int8", "torch")
WARM_UP = 20
TARGET_UNITS_PER_S = 150.0
TARGET_P95_MS = 10.0


def load() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


def child(args: argparse.Namespace) -> None:
    """One backend: model load, ingests, query timings; prints one JSON line."""
    if args.threads and args.backend == "torch":
        c.apply_torch_threads(args.threads)
    from assistant.index import Index

    work = Path(args.work)
    out: dict[str, Any] = {"backend": args.backend}

    def settings(name: str) -> Any:
        return c.settings_for(
            work / f"{args.backend}-{name}", embedding_backend=args.backend, embedding_cache_dir=work / "models",
            embedding_threads=args.threads,
        )

    first = Index(settings("demo"))
    out["load_at_start"] = load()
    with c.Timer() as t:
        first.embeddings.load().embed_documents(["warm up"])
    out["model_load_s"] = t.seconds
    for name, folder in (("demo", c.CORPUS if not args.corpus else Path(args.corpus)), ("synthetic", work / "synthetic")):
        index = first if name == "demo" else Index(settings(name))
        before = load()
        report = index.ingest([folder])
        out[name] = {
            "units": report.added,
            "documents": report.documents,
            "seconds": report.seconds,
            "units_per_s": report.added / report.seconds,
            "load": f"{before} → {load()}",
        }
        print(
            f"{args.backend}: {name} ingest {report.added} units in {report.seconds:.1f} s = "
            f"{report.added / report.seconds:.1f} units/s (load {out[name]['load']})", file=sys.stderr, flush=True,
        )

    big = Index(c.settings_for(work / "big", embedding_backend=args.backend, embedding_cache_dir=work / "models", embedding_threads=args.threads))
    c.finish_direct_build(big, args.backend, save=False)  # the record says which backend's queries it takes
    all_queries = synthetic.queries(args.queries + WARM_UP)
    warm, queries = all_queries[:WARM_UP], all_queries[WARM_UP:]
    model = big.embeddings.load()
    for q in warm:
        model.embed_query(q)
    before = load()
    times = []
    for q in queries:
        start = time.perf_counter()
        model.embed_query(q)
        times.append(time.perf_counter() - start)
    out["query_embedding"] = {**c.summary_ms(times), "load": f"{before} → {load()}"}
    q = out["query_embedding"]
    print(f"{args.backend}: query embedding p50 {q['p50']:.1f} / p95 {q['p95']:.1f} ms (load {q['load']})", file=sys.stderr, flush=True)
    for q in warm:
        c.forget_vectors(big)
        big.search(q)
    before = load()
    times, cpu = [], []
    for q in queries:
        c.forget_vectors(big)
        start, start_cpu = time.perf_counter(), time.process_time()
        big.search(q)
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    out["hybrid"] = {**c.summary_ms(times), "cpu_p50": c.summary_ms(cpu)["p50"], "cpu_p95": c.summary_ms(cpu)["p95"], "load": f"{before} → {load()}", "units": big.count()}
    out["peak_rss_mb"] = c.proc_status_mb(os.getpid(), "VmHWM")
    h = out["hybrid"]
    print(
        f"{args.backend}: hybrid at {h['units']:,} p50 {h['p50']:.1f} / p95 {h['p95']:.1f} ms, CPU p50 {h['cpu_p50']:.1f} / "
        f"p95 {h['cpu_p95']:.1f} (load {h['load']}); peak RSS {out['peak_rss_mb']:.0f} MiB",
        file=sys.stderr, flush=True,
    )
    print(json.dumps(out))


def build_big(work: Path, size: int, seed: int) -> dict[str, float]:
    """The shared 100k index: composed vectors written straight into the collections, then BM25 (as ingest)."""
    import numpy as np

    from assistant.index import Index
    from bench_scale import upsert_range

    index = Index(c.settings_for(work / "big", embedding_backend="onnx-int8", embedding_cache_dir=work / "models"))
    corpus = synthetic.build(size, seed=seed)
    pool = np.asarray(index.embeddings.embed_uncached(corpus.pool), dtype=np.float32)
    vectors = synthetic.composed_vectors(corpus, lambda _t: pool)
    rows, qvectors = synthetic.question_vectors(corpus, pool)
    with c.Timer() as up:
        upsert_range(index, corpus, vectors, rows, qvectors, 0, len(corpus.units))
    return {"upsert_s": up.seconds, "bm25_s": c.finish_direct_build(index)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--synthetic", type=int, default=10_000, help="Synthetic decision units to ingest.")
    parser.add_argument("--size", type=int, default=100_000, help="Units in the index searched for latency.")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--threads", type=int, default=0, help="Embedding threads (torch / ONNX Runtime); 0: default.")
    parser.add_argument("--seed", type=int, default=20250514)
    parser.add_argument("--backends", default=",".join(BACKENDS))
    parser.add_argument("--child", dest="backend", help=argparse.SUPPRESS)
    parser.add_argument("--work", help=argparse.SUPPRESS)
    parser.add_argument("--corpus", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.backend:
        child(args)
        return

    c.print_machine()
    results = []
    with c.temp_data_dir() as work:
        corpus = c.corpus_snapshot(work)
        made = synthetic.build(args.synthetic, seed=args.seed + 1, policy_share=0.0)
        files = synthetic.write_markdown(made, work / "synthetic")
        print(f"{files} synthetic decision files ({len(made.units)} question-answer units) written", file=sys.stderr, flush=True)
        with c.Timer() as t:
            big = build_big(work, args.size, args.seed)
        print(f"{args.size} unit index built in {t.seconds:.0f} s", file=sys.stderr, flush=True)
        for backend in [b for b in args.backends.split(",") if b]:
            code_args = [
                str(Path(__file__).resolve()), "--child", backend, "--work", str(work), "--corpus", str(corpus),
                "--queries", str(args.queries), "--threads", str(args.threads),
            ]
            import subprocess

            # The child's stderr is passed through: each figure shows as soon as it is measured.
            done = subprocess.run([c.PYTHON, *code_args], stdout=subprocess.PIPE, text=True, env=os.environ.copy(), cwd=c.REPO)
            if done.returncode != 0:
                raise RuntimeError(f"{backend} child failed ({done.returncode}); its messages are above")
            results.append(json.loads(done.stdout.strip().splitlines()[-1]))

    rows = []
    for r in results:
        rows.append([r["backend"], "model load (first vector)", f"{r['model_load_s']:.2f} s", r["load_at_start"]])
        for name, label in (("demo", "ingest demo corpus from empty"), ("synthetic", f"ingest {args.synthetic:,} synthetic units from empty")):
            d = r[name]
            rows.append([r["backend"], f"{label} ({d['units']} units, {d['seconds']:.1f} s)", f"{d['units_per_s']:.1f} units/s", d["load"]])
        q = r["query_embedding"]
        rows.append([r["backend"], "query embedding (one question)", f"p50 {q['p50']:.1f} / p95 {q['p95']:.1f} ms", q["load"]])
        h = r["hybrid"]
        rows.append([r["backend"], f"hybrid Index.search at {h['units']:,} units", f"p50 {h['p50']:.1f} / p95 {h['p95']:.1f} ms (CPU p50 {h['cpu_p50']:.1f} / p95 {h['cpu_p95']:.1f})", h["load"]])
        rows.append([r["backend"], "peak RSS of the process", f"{r['peak_rss_mb']:.0f} MiB", ""])
    print(c.table(["backend", "measure", "figure", "load avg 1/5/15 min (before → after)"], rows))
    print(f"\n{args.size:,}-unit index: Chroma upsert {big['upsert_s']:.0f} s, BM25 rebuild {big['bm25_s']:.0f} s (built once, searched by both).")
    by = {r["backend"]: r for r in results}
    if "onnx-int8" in by:
        r = by["onnx-int8"]
        best = max(r["demo"]["units_per_s"], r["synthetic"]["units_per_s"])
        print(f"Target ingest >= {TARGET_UNITS_PER_S:.0f} units/s (int8): demo {r['demo']['units_per_s']:.0f}, synthetic {r['synthetic']['units_per_s']:.0f} — {'met' if best >= TARGET_UNITS_PER_S else 'NOT met'}")
        print(f"Target hybrid p95 <= {TARGET_P95_MS:.0f} ms at {args.size:,} (int8): {r['hybrid']['p95']:.1f} ms — {'met' if r['hybrid']['p95'] <= TARGET_P95_MS else 'NOT met'}")
    print(f"Load average at the end (1/5/15 min): {load()}")


if __name__ == "__main__":
    main()
