"""Cold start per embedding backend, with the real commands in new processes: what `make run` does (`foi ingest
corpus/` into an empty data folder, then `python app.py` until the page answers, and the real `make run` timed
until its page answers) and `foi draft` of the seed request from a new process on that index.

For the int8 backend the first ingest also builds the ONNX export (once per machine and model); a second ingest
into another empty folder shows the cost with the export cached. Each backend has its own export cache folder, so
the first run really is a first run.

Run: .venv/bin/python benchmarks/bench_cold.py [--backends torch,onnx-int8] [--draft-runs 2]
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as c  # noqa: E402
from bench_app import answers, free_port, start_app  # noqa: E402

MAKE_RUN_TIMEOUT_S = 1800


def make_run(data_dir: Path, env: dict[str, str], log: Path) -> float:
    """`make run` from an empty data folder until the page answers HTTP 200: the Makefile's own ingest of
    `corpus/` then `python app.py`. The installed virtualenv is used as is (`-o` its stamp: set-up is not
    redone, so the shared environment is never reinstalled); the app is stopped once the page has answered."""
    import signal

    venv = Path(c.PYTHON).parent.parent
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    run_env = {**os.environ, **env, "FOI_DATA_DIR": str(data_dir), "FOI_PORT": str(port), "FOI_HOST": "127.0.0.1"}
    cmd = ["make", "-o", str(venv / ".installed"), f"VENV={venv}", "run"]
    with log.open("w") as out:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=c.REPO, env=run_env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            while not answers(url):
                if proc.poll() is not None:
                    raise RuntimeError(f"make run exited with {proc.returncode}; see {log}:\n{log.read_text()[-2000:]}")
                if time.perf_counter() - started > MAKE_RUN_TIMEOUT_S:
                    raise RuntimeError(f"make run: no page within {MAKE_RUN_TIMEOUT_S} s")
                time.sleep(0.2)
            return time.perf_counter() - started
        finally:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
                proc.wait(timeout=30)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass


def load() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


def command(args: list[str], env: dict[str, str]) -> tuple[float, str]:
    """Wall seconds of `python -m assistant.cli ARGS` in a new process (as the `foi` script runs it)."""
    started = time.perf_counter()
    done = subprocess.run([c.PYTHON, "-m", "assistant.cli", *args], cwd=c.REPO, env={**os.environ, **env}, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"foi {' '.join(args)} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return seconds, done.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backends", default="torch,onnx-int8")
    parser.add_argument("--draft-runs", type=int, default=2)
    parser.add_argument("--skip-make-run", action="store_true", help="Skip the `make run` row.")
    args = parser.parse_args()

    c.print_machine()
    rows: list[list[object]] = []
    headers = ["backend", "measure", "seconds", "peak RSS MiB", "load avg 1/5/15 (before → after)"]

    def add(row: list[object]) -> None:
        """Each figure is printed as soon as it is measured, so a run stopped early keeps what it measured."""
        rows.append(row)
        print("  " + " | ".join(c.table(headers, [row]).splitlines()[-1].strip("| ").split(" | ")), file=sys.stderr, flush=True)
    with c.temp_data_dir() as tmp:
        corpus = c.corpus_snapshot(tmp)
        request = tmp / "seed-request.txt"
        request.write_text(c.seed_request(), encoding="utf-8")
        for backend in [b for b in args.backends.split(",") if b]:
            env = {"FOI_EMBEDDING_BACKEND": backend, "FOI_EMBEDDING_CACHE_DIR": str(tmp / f"models-{backend}")}
            for run, label in ((1, "first (export built)" if backend == "onnx-int8" else "first"), (2, "again, new empty folder")):
                data = tmp / f"{backend}-{run}"
                before = load()
                seconds, out = command(["ingest", str(corpus)], {**env, "FOI_DATA_DIR": str(data)})
                add([backend, f"`foi ingest corpus/` into an empty folder: {label}", seconds, "", f"{before} → {load()}"])
            data = tmp / f"{backend}-1"
            for run in range(1, args.draft_runs + 1):
                before = load()
                seconds, out = command(
                    ["draft", str(request), "--received", "2025-05-14", "--format", "json"],
                    {**env, "FOI_DATA_DIR": str(data)},
                )
                drafts = len(json.loads(out).get("questions", [])) if out.strip().startswith("{") else "?"
                add([backend, f"`foi draft` seed request, new process, run {run} ({drafts} drafts)", seconds, "", f"{before} → {load()}"])
            saved = dict(os.environ)
            os.environ.update(env)
            try:
                before = load()
                r = start_app(data, tmp / f"app-{backend}.log")
            finally:
                os.environ.clear()
                os.environ.update(saved)
            add([backend, "`python app.py` (indexed folder) until the page answers HTTP 200", r["ready"], r["hwm_ready"], f"{before} → {load()}"])
            add([backend, "… until memory settles (model warm-up done)", r["settled"], r["hwm"], ""])
            if not args.skip_make_run:
                before = load()
                seconds = make_run(tmp / f"{backend}-make-run", env, tmp / f"make-run-{backend}.log")
                add([backend, "`make run` from an empty data folder until the page answers (ingest + app start)", seconds, "", f"{before} → {load()}"])
            print(f"{backend}: done", file=sys.stderr, flush=True)

    print(c.table(headers, rows))
    print("`make run` = `foi ingest corpus/` then `python app.py`: add the two rows (the Makefile's set-up step is skipped once installed).")
    print(f"Load average at the end (1/5/15 min): {load()}")


if __name__ == "__main__":
    main()
