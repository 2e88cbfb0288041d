"""Retrieval latency of `Index.search` — hybrid, dense only and BM25 only — over synthetic corpora of growing size.

Each size gets its own throw-away index. Vectors are composed (see synthetic.py): the ~1,800 distinct pool
sentences are embedded with the real model, each unit's vector is the normalised sum of its sentences' vectors and
each past question's own vector is its question sentence's; they are written straight into the Chroma collections
(units, and past questions when the index keeps them) and BM25 is then rebuilt from the collection as ingest would.
`--vectors real` embeds every unit and question instead (slow: use it at small sizes to check that composed vectors
do not change latency).

Every timed query is new to the process: the query-vector memo is cleared before each call, so each figure includes
embedding the question, as it does for an officer's new request.

Run: .venv/bin/python benchmarks/bench_retrieval.py [--sizes 1000,10000,100000] [--queries 200] [--profile] [--torch-threads 1]
"""
from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as c  # noqa: E402
import synthetic  # noqa: E402

TARGET_P95_MS = 50.0
WARM_UP = 20


def build_index(
    index: Any, corpus: synthetic.SyntheticCorpus, vectors: Any, asked: tuple[list[int], Any] | None = None
) -> dict[str, float]:
    """Write units and vectors straight into the collections (unit vectors, and past-question vectors when the index
    keeps them), then rebuild BM25 as ingest does; returns timings."""
    from assistant.index import unit_to_metadata

    timings: dict[str, float] = {}
    batch = 5000
    with c.Timer() as t:
        for start in range(0, len(corpus.units), batch):
            part = corpus.units[start : start + batch]
            index.collection.upsert(
                ids=[u.id for u in part],
                embeddings=[list(map(float, v)) for v in vectors[start : start + batch]],
                documents=[u.text for u in part],
                metadatas=[unit_to_metadata(u) for u in part],
            )
        if asked is not None and hasattr(index, "questions"):
            rows, qvectors = asked
            for start in range(0, len(rows), batch):
                part = [corpus.units[i] for i in rows[start : start + batch]]
                index.questions.upsert(
                    ids=[u.id for u in part],
                    embeddings=[list(map(float, v)) for v in qvectors[start : start + batch]],
                    metadatas=[{"doc_id": u.doc_id, "doc_type": u.doc_type.value} for u in part],
                )
    timings["chroma upsert"] = t.seconds
    with c.Timer() as t:
        c.finish_direct_build(index)
    timings["BM25 rebuild (reads all units)"] = t.seconds
    return timings


def real_vectors(index: Any, corpus: synthetic.SyntheticCorpus) -> tuple[Any, tuple[list[int], Any]]:
    import numpy as np

    from assistant.index import _embedding_text

    texts = [_embedding_text(u) for u in corpus.units]
    rows = [i for i, u in enumerate(corpus.units) if u.question]
    asked = np.asarray(index.embeddings.embed_uncached([corpus.units[i].question for i in rows]), dtype=np.float32)
    return np.asarray(index.embeddings.embed_uncached(texts), dtype=np.float32), (rows, asked)


def time_calls(
    queries: list[str], call: Callable[[str], Any], before: Callable[[], None] | None = None, cpu: list[float] | None = None
) -> list[float]:
    """Wall seconds per call; CPU seconds of the process (all threads) go to `cpu` when given."""
    out = []
    for q in queries:
        if before:
            before()
        start, start_cpu = time.perf_counter(), time.process_time()
        call(q)
        out.append(time.perf_counter() - start)
        if cpu is not None:
            cpu.append(time.process_time() - start_cpu)
    return out


def measure(index: Any, queries: list[str], warm: list[str]) -> tuple[list[list[object]], list[list[object]]]:
    """Latency rows per search method, then rows for the parts a hybrid search is made of."""
    from assistant.retrieval import retrieve

    forget = lambda: c.forget_vectors(index)  # noqa: E731
    methods: dict[str, Callable[[str], Any]] = {
        "hybrid (Index.search)": lambda q: index.search(q),
        "dense only": lambda q: index.search(q, method="dense"),
        "BM25 only": lambda q: index.search(q, method="bm25"),
        "retrieve() as drafting calls it (k=16, dedupe, floor)": lambda q: retrieve(index, q, index.settings),
    }
    rows = []
    for name, call in methods.items():
        time_calls(warm, call, forget)
        cpu: list[float] = []
        s = c.summary_ms(time_calls(queries, call, forget, cpu))
        sc = c.summary_ms(cpu)
        rows.append([name, s["p50"], s["p95"], s["mean"], s["max"], sc["p50"], sc["p95"]])

    # What-if, with no library change: the same hybrid search when each collection's size is known rather than
    # counted by Chroma at every call (the sizes only change at ingest).
    with chroma_counts_cached():
        time_calls(warm, methods["hybrid (Index.search)"], forget)
        cpu = []
        s = c.summary_ms(time_calls(queries, methods["hybrid (Index.search)"], forget, cpu))
        sc = c.summary_ms(cpu)
        rows.append(["what-if: hybrid with collection sizes cached", s["p50"], s["p95"], s["mean"], s["max"], sc["p50"], sc["p95"]])

    k = index.settings.candidate_k
    asked = warm[:5] + queries
    vectors = dict(zip(asked, index.embeddings.embed_uncached(asked)))
    keyword = index.keyword()
    hits = {q: [uid for uid, _ in keyword.search(q, k)] for q in asked}
    parts: dict[str, Callable[[str], Any]] = {
        "embed the query (MiniLM)": lambda q: index.embeddings.embed_uncached([q]),
        "Chroma HNSW query, vector given": lambda q: index.collection.query(
            query_embeddings=[vectors[q]], n_results=k, include=["distances"]
        ),
        "BM25 search": lambda q: keyword.search(q, k),
        "Chroma get of stored vectors (30 ids)": lambda q: index.collection.get(ids=hits[q], include=["embeddings"]),
        "collection.count() (unit collection)": lambda q: index.count(),
    }
    part_rows = []
    for name, call in parts.items():
        time_calls(warm[:5], call)
        s = c.summary_ms(time_calls(queries, call))
        part_rows.append([name, s["p50"], s["p95"], s["mean"], s["max"]])
    return rows, part_rows


def profile_hybrid(index: Any, queries: list[str], top: int = 25) -> str:
    forget = lambda: c.forget_vectors(index)  # noqa: E731
    profiler = cProfile.Profile()
    for q in queries:
        forget()
        profiler.enable()
        index.search(q)
        profiler.disable()
    buf = io.StringIO()
    stats = pstats.Stats(profiler, stream=buf)
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(12)
    return buf.getvalue()


@contextmanager
def chroma_counts_cached() -> Iterator[None]:
    """Within the block, a Chroma collection answers count() from memory after the first call."""
    from chromadb.api.models.Collection import Collection

    original = Collection.count
    sizes: dict[Any, int] = {}

    def cached(self: Any, *args: Any, **kwargs: Any) -> int:
        if self.id not in sizes:
            sizes[self.id] = original(self, *args, **kwargs)
        return sizes[self.id]

    Collection.count = cached  # type: ignore[method-assign]
    try:
        yield
    finally:
        Collection.count = original  # type: ignore[method-assign]


def count_calls_per_search(index: Any, query: str) -> int:
    """How many times one hybrid search asks Chroma for a collection's size (a full count at every call)."""
    from chromadb.api.models.Collection import Collection

    original = Collection.count
    calls = 0

    def counting(self: Any, *args: Any, **kwargs: Any) -> int:
        nonlocal calls
        calls += 1
        return original(self, *args, **kwargs)

    Collection.count = counting  # type: ignore[method-assign]
    try:
        c.forget_vectors(index)
        index.search(query)
    finally:
        Collection.count = original  # type: ignore[method-assign]
    return calls


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000,10000,100000", help="Comma-separated unit counts.")
    parser.add_argument("--queries", type=int, default=200, help="Timed queries per method and size.")
    parser.add_argument("--vectors", choices=("composed", "real"), default="composed")
    parser.add_argument("--profile", action="store_true", help="cProfile the hybrid search at the largest size.")
    parser.add_argument("--seed", type=int, default=20250514)
    parser.add_argument("--torch-threads", type=int, default=0, help="Set torch's thread count (default: torch's own).")
    args = parser.parse_args()
    c.apply_torch_threads(args.torch_threads)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]

    c.print_machine()
    from assistant.index import Index

    all_queries = synthetic.queries(args.queries + WARM_UP)
    warm, queries = all_queries[:WARM_UP], all_queries[WARM_UP:]
    pool_vectors: Any = None
    results: list[list[object]] = []
    builds: list[list[object]] = []
    parts_by_size: dict[int, list[list[object]]] = {}
    profile_text = ""
    for size in sizes:
        with c.temp_data_dir() as tmp:
            index = Index(c.settings_for(tmp))
            with c.Timer() as t:
                corpus = synthetic.build(size, seed=args.seed)
            gen_s = t.seconds
            with c.Timer() as t:
                if args.vectors == "real":
                    vectors, asked = real_vectors(index, corpus)
                else:
                    if pool_vectors is None:
                        pool_vectors = index.embeddings.embed_uncached(corpus.pool)
                    vectors = synthetic.composed_vectors(corpus, lambda _texts: pool_vectors)
                    asked = synthetic.question_vectors(corpus, pool_vectors)
            vec_s = t.seconds
            print(f"size {size}: {len(corpus.units)} units generated, vectors in {vec_s:.1f} s", file=sys.stderr, flush=True)
            timings = build_index(index, corpus, vectors, asked)
            with c.Timer() as t:
                index.units()
                index.keyword()
            builds.append(
                [size, gen_s, vec_s, timings["chroma upsert"], timings["BM25 rebuild (reads all units)"], t.seconds, c.peak_rss_mb()]
            )
            rows, parts = measure(index, queries, warm)
            results.extend([[size] + r for r in rows])
            count_calls = count_calls_per_search(index, queries[0])
            parts.append([f"  Chroma count() runs {count_calls}x per hybrid search", *(float(v) * count_calls for v in parts[-1][1:])])
            parts_by_size[size] = parts
            if args.profile and size == max(sizes):
                profile_text = profile_hybrid(index, queries)
            print(f"size {size}: done ({len(queries)} queries per method)", file=sys.stderr, flush=True)

    how = (
        "every unit embedded with the model"
        if args.vectors == "real"
        else f"composed: {len(synthetic.pool_sentences())} pool sentences embedded with the model, unit vector = normalised sum "
        "of its sentences' vectors, past-question vector = its question sentence's vector"
    )
    print(f"Unit vectors: {how}.")
    print(f"Queries: {len(queries)} timed per method and size after {WARM_UP} warm-up queries; query-vector memo cleared before each.\n")
    print(c.table(["units", "generate s", "vectors s", "Chroma upsert s", "BM25 rebuild s", "load units+BM25 s", "peak RSS MiB"], builds))
    print()
    print(c.table(["units", "method", "p50 ms", "p95 ms", "mean ms", "max ms", "CPU p50 ms", "CPU p95 ms"], results))
    print("(CPU ms: process CPU time per call, all threads; it shows the work done when other load inflates wall time.)")
    for size, parts in parts_by_size.items():
        print(f"\nParts of one hybrid search at {size} units (same queries):")
        print(c.table(["part", "p50 ms", "p95 ms", "mean ms", "max ms"], parts))
    hybrid = {r[0]: r[3] for r in results if r[1] == "hybrid (Index.search)"}
    largest = max(sizes)
    verdict = "met" if hybrid[largest] <= TARGET_P95_MS else "NOT met"
    print(f"\nTarget: hybrid p95 <= {TARGET_P95_MS:.0f} ms at 100k units — at {largest} units p95 is {hybrid[largest]:.1f} ms: {verdict}"
          + ("" if largest == 100_000 else " (100k not run)"))
    print(f"Load average at the end (1/5/15 min): {c.machine()['load average (1/5/15 min)']}")
    if profile_text:
        print(f"\ncProfile of {len(queries)} hybrid searches at {largest} units (by cumulative, then own time):\n{profile_text}")


if __name__ == "__main__":
    main()
