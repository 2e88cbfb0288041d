"""Scale run against a Chroma server: the index grows step by step (e.g. 100k → 300k → 1M units) and at each size
the script prints build time, hybrid search p50/p95, BM25 (in memory and memory-mapped) and the memory of the
server and of the client.

The benchmark starts its own server, `chroma run --path DIR --port N --host 127.0.0.1`, on a free loopback port,
and stops it at the end. Vectors are composed as in bench_retrieval.py (synthetic.py: the ~1,800 pool sentences
are embedded with the configured backend, a unit's vector is the normalised sum of its sentences' vectors). Units
are written through `Index.collection` / `Index.questions` exactly as ingest writes them; BM25 is rebuilt from the
collection as ingest does. Each step prints its rows as soon as it is measured, so a run stopped early still
leaves the curve so far.

Run: .venv/bin/python benchmarks/bench_scale.py [--sizes 100000,300000,1000000] [--queries 100] [--backend onnx-int8]
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as c  # noqa: E402
import synthetic  # noqa: E402

WARM_UP = 10


def chroma_command(path: Path, port: int) -> list[str]:
    """`chroma run` on loopback."""
    exe = Path(sys.executable).with_name("chroma")
    return [str(exe) if exe.exists() else "chroma", "run", "--path", str(path), "--port", str(port), "--host", "127.0.0.1"]


def upsert_range(index: Any, corpus: synthetic.SyntheticCorpus, vectors: Any, qrows: list[int], qvectors: Any, lo: int, hi: int) -> None:
    """Units lo..hi and their past-question vectors, in the batches ingest uses."""
    from assistant.index import unit_to_metadata

    batch = 5000
    for start in range(lo, hi, batch):
        part = corpus.units[start : min(hi, start + batch)]
        index.collection.upsert(
            ids=[u.id for u in part],
            embeddings=vectors[start : start + len(part)],
            documents=[u.text for u in part],
            metadatas=[unit_to_metadata(u) for u in part],
        )
    import bisect

    first, last = bisect.bisect_left(qrows, lo), bisect.bisect_left(qrows, hi)
    for start in range(first, last, batch):
        rows = qrows[start : min(last, start + batch)]
        part = [corpus.units[i] for i in rows]
        index.questions.upsert(
            ids=[u.id for u in part],
            embeddings=qvectors[start : start + len(rows)],
            metadatas=[{"doc_id": u.doc_id, "doc_type": u.doc_type.value} for u in part],
        )


def mem_available_gib() -> float:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemAvailable:"):
            return int(line.split()[1]) / 2**20
    return float("inf")


def start_memory_guard(server: subprocess.Popen, floor_gib: float, peaks: dict[str, float]) -> None:
    """The machine is shared: stop the run (server included) before it starves others of memory. Also keeps the
    peak RSS of server and client and the lowest free memory seen, sampled every 2 s."""
    import threading

    def watch() -> None:
        while server.poll() is None:
            free = mem_available_gib()
            peaks["min_available_gib"] = min(peaks.get("min_available_gib", free), free)
            peaks["server_peak_mib"] = max(peaks.get("server_peak_mib", 0.0), c.proc_status_mb(server.pid, "VmRSS"))
            if free < floor_gib:
                print(
                    f"\nSTOPPED: only {free:.1f} GiB of memory left on the machine (floor {floor_gib} GiB); "
                    f"server RSS {c.proc_status_mb(server.pid, 'VmRSS'):.0f} MiB, "
                    f"client RSS {c.proc_status_mb(os.getpid(), 'VmRSS'):.0f} MiB",
                    flush=True,
                )
                server.terminate()
                os._exit(3)
            time.sleep(2)

    threading.Thread(target=watch, daemon=True).start()


def write_state(index: Any) -> None:
    """The index state record as ingest writes it (the vectors stand for the configured backend)."""
    import json

    state = {**index._legacy_state(), "embedding_backend": index.settings.embedding_backend}
    index.state_path.parent.mkdir(parents=True, exist_ok=True)
    index.state_path.write_text(json.dumps(state), encoding="utf-8")
    index._state = None
    index._forget()


def dir_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 2**20 if path.exists() else 0.0


def bm25_mmap(index: Any, queries: list[str]) -> tuple[dict[str, float], float, float]:
    """Latency of BM25 loaded memory-mapped from the saved index, and the client RSS it adds."""
    import bm25s

    from assistant.index import KeywordIndex

    before = c.proc_status_mb(os.getpid(), "VmRSS")
    with c.Timer() as load:
        retriever = bm25s.BM25.load(str(c.keyword_dir(index)), mmap=True)
    keyword = KeywordIndex(index.keyword().ids, retriever, KeywordIndex._stemmer())
    times = []
    for q in queries:
        start = time.perf_counter()
        keyword.search(q, index.settings.candidate_k)
        times.append(time.perf_counter() - start)
    return c.summary_ms(times), load.seconds, c.proc_status_mb(os.getpid(), "VmRSS") - before


def measure(
    index: Any, server_pid: int, server_dir: Path, peaks: dict[str, float], warm: list[str], queries: list[str],
    size: int, up_seconds: float, upsert_total: float, load_start: float,
) -> tuple[list[object], list[object]]:
    """One size: as ingest leaves the index (state record, the client's unit table read back from the server, BM25
    built from it and saved; each part's time and client memory kept apart), then hybrid and BM25 latency."""
    settings = index.settings
    index._counts.clear()
    rss0 = c.proc_status_mb(os.getpid(), "VmRSS")
    with c.Timer() as table_timer:
        write_state(index)
        index.units()
    rss1 = c.proc_status_mb(os.getpid(), "VmRSS")
    with c.Timer() as bm:
        index.keyword().save(c.keyword_dir(index))
    rss2 = c.proc_status_mb(os.getpid(), "VmRSS")
    for q in warm:
        c.forget_vectors(index)
        index.search(q)
    times, cpu = [], []
    for q in queries:
        c.forget_vectors(index)
        start, start_cpu = time.perf_counter(), time.process_time()
        index.search(q)
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    hybrid, hybrid_cpu = c.summary_ms(times), c.summary_ms(cpu)
    keyword = index.keyword()
    bm_times = []
    for q in queries:
        start = time.perf_counter()
        keyword.search(q, settings.candidate_k)
        bm_times.append(time.perf_counter() - start)
    bm_mem = c.summary_ms(bm_times)
    bm_map, map_load, map_rss = bm25_mmap(index, queries)
    load_end = os.getloadavg()[0]
    build_row: list[object] = [
        size, up_seconds, upsert_total, bm.seconds,
        c.proc_status_mb(server_pid, "VmRSS"), c.proc_status_mb(server_pid, "VmHWM"), dir_mb(server_dir),
        c.proc_status_mb(os.getpid(), "VmRSS"), c.proc_status_mb(os.getpid(), "VmHWM"), dir_mb(c.keyword_dir(index)),
        table_timer.seconds, rss1 - rss0, rss2 - rss1,
        peaks.get("server_peak_mib", 0.0), peaks.get("min_available_gib", 0.0), f"{load_start:.1f}→{load_end:.1f}",
    ]
    search_row: list[object] = [
        size, hybrid["p50"], hybrid["p95"], hybrid_cpu["p50"], bm_mem["p50"], bm_mem["p95"], bm_map["p50"], bm_map["p95"], map_load, map_rss,
    ]
    return build_row, search_row


def attach(args: argparse.Namespace, warm: list[str], queries: list[str]) -> None:
    """Measure a server another run is filling, at whatever size it holds: that run is paused (SIGSTOP) meanwhile,
    so its writes do not compete with the searches, and resumed afterwards."""
    import signal

    from assistant.index import Index

    writer = args.pause_pid
    if writer:
        os.kill(writer, signal.SIGSTOP)
    try:
        with c.temp_data_dir("foi-scale-attach-") as tmp:
            settings = c.settings_for(
                tmp / "client", chroma_host="127.0.0.1", chroma_port=args.attach, embedding_backend=args.backend,
                embedding_threads=args.threads,
            )
            index = Index(settings)
            size = index.count()
            print(f"attached to the server on port {args.attach}: {size:,} units", file=sys.stderr, flush=True)
            build_row, search_row = measure(
                index, args.server_pid, Path(args.server_path), {}, warm, queries, size, 0.0, 0.0, os.getloadavg()[0]
            )
    finally:
        if writer:
            os.kill(writer, signal.SIGCONT)
    print(f"\n== {size:,} units (attached; build figures are those of the run that wrote them) ==")
    print(c.table(BUILD_HEADERS, [build_row]))
    print()
    print(c.table(SEARCH_HEADERS, [search_row]))
    print(f"\nLoad average at the end (1/5/15 min): {c.machine()['load average (1/5/15 min)']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="100000,300000,1000000", help="Comma-separated, growing unit counts.")
    parser.add_argument("--queries", type=int, default=100, help="Timed hybrid searches per size.")
    parser.add_argument("--backend", default="onnx-int8", choices=("torch", "onnx-int8"))
    parser.add_argument("--threads", type=int, default=0, help="Embedding threads (ONNX Runtime / torch); 0: default.")
    parser.add_argument("--seed", type=int, default=20250514)
    parser.add_argument("--chunk", type=int, default=50_000, help="Units generated and written per chunk.")
    parser.add_argument("--min-free-gib", type=float, default=4.0, help="Stop when the machine's free memory falls below.")
    parser.add_argument("--attach", type=int, help="Measure the running server on this loopback port (no writes).")
    parser.add_argument("--server-pid", type=int, default=0, help="With --attach: the server's pid (for its memory).")
    parser.add_argument("--server-path", default="", help="With --attach: the server's --path (for its disk use).")
    parser.add_argument("--pause-pid", type=int, default=0, help="With --attach: pause this writer while measuring.")
    args = parser.parse_args()
    sizes = sorted(int(s) for s in args.sizes.split(",") if s.strip())
    if args.threads and args.backend == "torch":
        c.apply_torch_threads(args.threads)

    c.print_machine()
    import numpy as np

    from assistant.index import Index

    all_queries = synthetic.queries(args.queries + WARM_UP)
    warm, queries = all_queries[:WARM_UP], all_queries[WARM_UP:]
    if args.attach:
        attach(args, warm, queries)
        return
    build_rows: list[list[object]] = []
    search_rows: list[list[object]] = []
    with c.temp_data_dir("foi-scale-") as tmp:
        port = c.free_port()
        peaks: dict[str, float] = {}
        with c.loopback_server(
            chroma_command(tmp / "chroma-server", port), f"http://127.0.0.1:{port}/api/v2/heartbeat", tmp / "chroma.log",
            timeout=60, stop_timeout=30,
        ) as server:
            start_memory_guard(server, args.min_free_gib, peaks)
            settings = c.settings_for(
                tmp / "client", chroma_host="127.0.0.1", chroma_port=port, embedding_backend=args.backend,
                embedding_threads=args.threads,
            )
            index = Index(settings)
            pool = np.asarray(index.embeddings.embed_uncached(synthetic.pool_sentences()), dtype=np.float32)
            done, upsert_total, chunk_no = 0, 0.0, 0
            for size in sizes:
                load_start = os.getloadavg()[0]
                up_seconds = 0.0
                # Units are made and written in chunks (each its own seeded synthetic corpus), so the client's memory
                # is what the index holds, not a pre-built million-unit corpus.
                while done < size:
                    n = min(args.chunk, size - done)
                    chunk = synthetic.build(n, seed=args.seed + chunk_no, policy_share=0.15)
                    chunk_no += 1
                    vectors = synthetic.composed_vectors(chunk, lambda _texts: pool)
                    qrows, qvectors = synthetic.question_vectors(chunk, pool)
                    with c.Timer() as up:
                        upsert_range(index, chunk, vectors, qrows, qvectors, 0, len(chunk.units))
                    up_seconds += up.seconds
                    done += n
                    print(
                        f"{done:,} units written ({up_seconds:.0f} s this step; load {os.getloadavg()[0]:.1f}; "
                        f"server {c.proc_status_mb(server.pid, 'VmRSS'):.0f} MiB, client "
                        f"{c.proc_status_mb(os.getpid(), 'VmRSS'):.0f} MiB, free {mem_available_gib():.1f} GiB)",
                        file=sys.stderr, flush=True,
                    )
                upsert_total += up_seconds
                build_row, search_row = measure(
                    index, server.pid, tmp / "chroma-server", peaks, warm, queries, size, up_seconds, upsert_total, load_start
                )
                build_rows.append(build_row)
                search_rows.append(search_row)
                print(f"\n== {size:,} units ==", flush=True)
                print(c.table(BUILD_HEADERS, build_rows[-1:]), flush=True)
                print(c.table(SEARCH_HEADERS, search_rows[-1:]), flush=True)
        shutil.rmtree(tmp / "chroma-server", ignore_errors=True)

    print(f"\nAll sizes ({args.backend} backend; composed vectors; Chroma server on loopback):")
    print(c.table(BUILD_HEADERS, build_rows))
    print()
    print(c.table(SEARCH_HEADERS, search_rows))
    print(f"\nLoad average at the end (1/5/15 min): {c.machine()['load average (1/5/15 min)']}")


BUILD_HEADERS = [
    "units", "upsert this step s", "upsert total s", "BM25 rebuild s", "server RSS MiB", "server peak MiB",
    "server disk MiB", "client RSS MiB", "client peak MiB", "BM25 disk MiB", "unit table read s", "unit table +MiB",
    "BM25 in memory +MiB", "server peak (sampled) MiB", "min free GiB", "load avg",
]
SEARCH_HEADERS = [
    "units", "hybrid p50 ms", "hybrid p95 ms", "hybrid CPU p50 ms", "BM25 p50 ms", "BM25 p95 ms",
    "BM25 mmap p50 ms", "BM25 mmap p95 ms", "mmap load s", "mmap RSS +MiB",
]


if __name__ == "__main__":
    main()
