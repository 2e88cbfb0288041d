"""Ingest throughput of the demo corpus: from an empty index, again with the model already loaded, and re-ingest of
the unchanged corpus (in the same process and in a fresh one, as a second `foi ingest` would be), with peak memory.

Run: .venv/bin/python benchmarks/bench_ingest.py [--no-tracemalloc]
"""
from __future__ import annotations

import argparse
import json
import sys
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as c  # noqa: E402


def reingest_in_fresh_process(data_dir: Path, corpus: Path) -> tuple[float, dict]:
    """Wall time of a new interpreter that re-ingests the unchanged corpus, and the library's own timing."""
    code = f"""
import json, sys, time
sys.path.insert(0, {str(Path(__file__).resolve().parent)!r})
t0 = time.perf_counter()
from assistant.index import Index
from assistant.settings import Settings
t1 = time.perf_counter()
r = Index(Settings(data_dir={str(data_dir)!r})).ingest([__import__('pathlib').Path({str(corpus)!r})])
from _common import proc_status_mb
print(json.dumps({{"import": t1 - t0, "ingest": r.seconds, "added": r.added, "updated": r.updated,
                  "unchanged": r.unchanged, "rss": proc_status_mb(__import__('os').getpid(), "VmHWM")}}))
"""
    wall, out = c.run_python(code)
    return wall, json.loads(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--no-tracemalloc", action="store_true", help="Skip the extra ingest traced for Python heap use.")
    args = parser.parse_args()

    c.print_machine()
    from assistant.documents import load_paths
    from assistant.index import Index

    rows: list[list[object]] = []
    with c.temp_data_dir() as tmp:
        corpus = c.corpus_snapshot(tmp)

        with c.Timer() as parse:
            loaded = load_paths([corpus], c.settings_for(tmp / "unused"))
        units = len({u.id for u in loaded.units})
        rows.append(["read and split files only", loaded.documents, units, parse.seconds, units / parse.seconds, c.peak_rss_mb()])

        cold = Index(c.settings_for(tmp / "data1")).ingest([corpus])
        rows.append(
            ["ingest from empty (model load included)", cold.documents, cold.added, cold.seconds, cold.added / cold.seconds, c.peak_rss_mb()]
        )

        index = Index(c.settings_for(tmp / "data2"))
        embed_seconds = [0.0]
        real_embed = index.embeddings.embed_uncached

        def timed_embed(texts: list[str]) -> list[list[float]]:
            with c.Timer() as t:
                vectors = real_embed(texts)
            embed_seconds[0] += t.seconds
            return vectors

        index.embeddings.embed_uncached = timed_embed  # type: ignore[method-assign]
        from assistant.index import KeywordIndex

        bm25_seconds = [0.0]
        real_build = KeywordIndex.build.__func__  # type: ignore[attr-defined]

        def timed_build(cls: type, ids: list[str], texts: list[str]) -> KeywordIndex:
            with c.Timer() as t:
                built = real_build(cls, ids, texts)
            bm25_seconds[0] += t.seconds
            return built

        KeywordIndex.build = classmethod(timed_build)  # type: ignore[method-assign,assignment]
        try:
            warm = index.ingest([corpus])
        finally:
            KeywordIndex.build = classmethod(real_build)  # type: ignore[method-assign,assignment]
        rows.append(
            ["ingest from empty (model already loaded)", warm.documents, warm.added, warm.seconds, warm.added / warm.seconds, c.peak_rss_mb()]
        )

        same = Index(c.settings_for(tmp / "data1")).ingest([corpus])
        assert same.added == same.updated == 0, same.summary()
        rows.append(["re-ingest unchanged (same process)", same.documents, same.unchanged, same.seconds, "-", c.peak_rss_mb()])

        wall, fresh = reingest_in_fresh_process(tmp / "data1", corpus)
        assert fresh["added"] == fresh["updated"] == 0, fresh
        rows.append(
            [
                f"re-ingest unchanged (new process; wall incl. start-up, library {fresh['ingest']:.2f} s)",
                same.documents,
                fresh["unchanged"],
                wall,
                "-",
                fresh["rss"],
            ]
        )

        heap = ""
        if not args.no_tracemalloc:
            tracemalloc.start()
            Index(c.settings_for(tmp / "data3")).ingest([corpus])
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            heap = f"{peak / 2**20:.1f} MiB"

    print(c.table(["stage", "documents", "units", "seconds", "units/s", "peak RSS MiB (process so far)"], rows))
    if heap:
        print(f"\nPython heap peak during an ingest from empty (tracemalloc; torch tensors are not traced): {heap}")
    print(
        f"Where the time goes (model already loaded): embedding {embed_seconds[0]:.1f} s of {warm.seconds:.1f} s "
        f"({embed_seconds[0] / warm.seconds:.0%}); BM25 build {bm25_seconds[0]:.2f} s ({bm25_seconds[0] / warm.seconds:.0%}); "
        f"reading files {parse.seconds:.2f} s; the rest ({warm.seconds - embed_seconds[0] - bm25_seconds[0] - parse.seconds:.2f} s) "
        f"is Chroma writes and bookkeeping. Backend: {index.settings.embedding_backend}."
    )
    print("Peak RSS is the process high-water mark (getrusage ru_maxrss), so each row includes the rows above it.")


if __name__ == "__main__":
    main()
