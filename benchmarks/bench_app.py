"""App start time and memory: from `python app.py` starting until the Gradio server answers HTTP on a free loopback
port, with the peak resident memory of the app process — on an empty data folder and on one holding the demo
corpus index. Also the in-process time to import the UI and build the Blocks.

Run: .venv/bin/python benchmarks/bench_app.py [--runs 2] [--skip-indexed]
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as c  # noqa: E402

START_TIMEOUT_S = 300.0
SETTLE_S = 3.0  # memory counts as settled once VmHWM has not grown for this long
SETTLE_MAX_S = 120.0

_BUILD = """
import json, sys, time
t0 = time.perf_counter()
sys.path.insert(0, {bench!r})
import _common as c
from assistant.ui.app import build_app
t1 = time.perf_counter()
demo = build_app(c.settings_for(__import__("pathlib").Path({data!r})))
t2 = time.perf_counter()
print(json.dumps({{"import": t1 - t0, "build": t2 - t1}}))
"""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        return False


def start_app(data_dir: Path, log: Path) -> dict[str, float]:
    """Start the app, wait for HTTP, then for memory to settle (the warm-up thread loads the model); stop it."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    env = {**os.environ, "FOI_PORT": str(port), "FOI_HOST": "127.0.0.1", "FOI_DATA_DIR": str(data_dir)}
    with log.open("w") as out:
        started = time.perf_counter()
        proc = subprocess.Popen([c.PYTHON, "app.py"], cwd=c.REPO, env=env, stdout=out, stderr=subprocess.STDOUT)
        try:
            while not answers(url):
                if proc.poll() is not None:
                    raise RuntimeError(f"app exited with {proc.returncode}; see {log}:\n{log.read_text()[-2000:]}")
                if time.perf_counter() - started > START_TIMEOUT_S:
                    raise RuntimeError(f"app did not answer within {START_TIMEOUT_S:.0f} s")
                time.sleep(0.1)
            ready = time.perf_counter() - started
            hwm_ready = c.proc_status_mb(proc.pid, "VmHWM")
            last, last_change = hwm_ready, time.perf_counter()
            while time.perf_counter() - last_change < SETTLE_S and time.perf_counter() - started < ready + SETTLE_MAX_S:
                time.sleep(0.25)
                now = c.proc_status_mb(proc.pid, "VmHWM")
                if now > last:
                    last, last_change = now, time.perf_counter()
            settled = last_change - started
            page_start = time.perf_counter()
            while not answers(url):  # a busy machine can take longer than one 2 s try
                if time.perf_counter() - page_start > 60:
                    raise RuntimeError("the app stopped answering after its start")
            page = time.perf_counter() - page_start
            return {
                "ready": ready,
                "hwm_ready": hwm_ready,
                "hwm": c.proc_status_mb(proc.pid, "VmHWM"),
                "rss": c.proc_status_mb(proc.pid, "VmRSS"),
                "settled": settled,
                "page": page,
            }
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=2, help="Starts per data folder (the first also warms the OS file cache).")
    parser.add_argument("--skip-indexed", action="store_true", help="Only the empty data folder (no corpus ingest).")
    args = parser.parse_args()

    c.print_machine()
    rows: list[list[object]] = []
    notes: list[str] = []
    with c.temp_data_dir() as tmp:
        folders = [("empty data folder", tmp / "empty")]
        if not args.skip_indexed:
            corpus = c.corpus_snapshot(tmp)
            indexed = tmp / "indexed"
            wall, _ = c.run_python(
                "import sys\nfrom pathlib import Path\nfrom assistant.index import Index\nfrom assistant.settings import Settings\n"
                f"r = Index(Settings(data_dir=Path({str(indexed)!r}))).ingest([Path({str(corpus)!r})])\nprint(r.summary())"
            )
            notes.append(f"Demo corpus indexed once for the 'demo index' runs ({wall:.0f} s; not counted).")
            folders.append(("demo corpus index", indexed))

        for label, folder in folders:
            folder.mkdir(parents=True, exist_ok=True)
            _, out = c.run_python(_BUILD.format(bench=str(Path(__file__).resolve().parent), data=str(folder)))
            built = json.loads(out.strip().splitlines()[-1])
            rows.append([label, "in process: import assistant.ui.app", built["import"], "-", "-"])
            rows.append([label, "in process: build_app() (Blocks built)", built["build"], "-", "-"])
            for run in range(1, args.runs + 1):
                r = start_app(folder, tmp / f"app-{run}.log")
                rows.append([label, f"run {run}: python app.py until HTTP 200", r["ready"], r["hwm_ready"], "-"])
                rows.append(
                    [label, f"run {run}: until memory settles (model warm-up)", r["settled"], r["hwm"], r["rss"]]
                )
                notes.append(f"{label}, run {run}: page fetch after start {r['page'] * 1000:.0f} ms.")

    for note in notes:
        print(note)
    print()
    print(c.table(["data", "measure", "seconds", "peak RSS MiB (VmHWM)", "RSS MiB at end"], rows))
    print(f"\nLoad average at the end (1/5/15 min): {c.machine()['load average (1/5/15 min)']}")


if __name__ == "__main__":
    main()
