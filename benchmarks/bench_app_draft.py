"""Seed request in the app, as an officer sees it: from the click on Draft until the last question's card shows,
in Debian's Chromium driven by Playwright, against `python app.py` on loopback with the demo corpus indexed.

Also prints the drafting job's own time (the library inside the app, shown in the progress note) so the gap
between drafting and showing is visible. Runs --runs times on one warm server (the first run is reported apart).

Run: .venv/bin/python benchmarks/bench_app_draft.py [--runs 3] [--keep-data DIR]
"""
from __future__ import annotations

import argparse
import os
import re
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as c  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
QUESTIONS = 10


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_http(url: str, proc: subprocess.Popen, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the app exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise TimeoutError("the app did not answer")


def draft_once(page, url: str, reference: str) -> tuple[float, float]:
    page.goto(url)
    page.get_by_role("tab", name="Draft").click()
    page.locator("#request-text").get_by_role("textbox").fill(c.seed_request())
    page.locator("#case-reference").get_by_role("textbox").fill(reference)
    exclude = page.locator("#case-exclude").get_by_role("combobox")
    exclude.fill(c.SEED_DOC_ID)
    exclude.press("Enter")
    started = time.perf_counter()
    page.locator("#draft-button").click()
    page.wait_for_function(f"document.querySelectorAll('.question h4').length >= {QUESTIONS}", timeout=600_000, polling=50)
    shown = time.perf_counter() - started
    note = page.locator("#draft-progress").get_by_text(re.compile(r"Drafted \d+ answer"))
    note.wait_for(timeout=120_000)
    job = float(re.search(r"in ([\d.]+) s", note.inner_text()).group(1))
    return shown, job


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep-data", type=Path, help="reuse/keep this data folder (skips the ingest when it exists)")
    parser.add_argument("--repo", type=Path, default=c.REPO, help="the checkout whose app.py to run (e.g. an older commit)")
    parser.add_argument("--settle", type=float, default=600, help="most seconds to wait for the app's warm-up to finish")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    c.print_machine()
    with c.temp_data_dir() as tmp:
        data = args.keep_data or tmp / "data"
        env = {k: v for k, v in os.environ.items() if not k.startswith("FOI_")}
        port = free_port()
        env.update(FOI_DATA_DIR=str(data), FOI_CORPUS_DIR=str(c.CORPUS), FOI_HOST="127.0.0.1", FOI_PORT=str(port),
                   PYTHONPATH=str(args.repo))
        if not (data / "chroma").exists():
            subprocess.run([c.PYTHON, "-m", "assistant.cli", "ingest"], env=env, check=True, capture_output=True, cwd=args.repo)
        log = open(tmp / "app.log", "w")
        proc = subprocess.Popen([c.PYTHON, str(args.repo / "app.py")], env=env, stdout=log, stderr=subprocess.STDOUT, cwd=tmp)
        try:
            url = f"http://127.0.0.1:{port}/"
            wait_http(url, proc)
            # The warm-up thread loads the model and drafts once; an app without that log line gets --settle seconds.
            deadline = time.monotonic() + args.settle
            while "Warm-up done" not in (tmp / "app.log").read_text() and time.monotonic() < deadline:
                time.sleep(0.5)
            shown, jobs = [], []
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
                page = browser.new_page(viewport={"width": 1400, "height": 1000})
                for run in range(args.runs):
                    s, j = draft_once(page, url, f"BENCH-{run}-{time.time_ns()}")
                    shown.append(s)
                    jobs.append(j)
                    print(f"run {run + 1}: click to last card {s:.2f} s; drafting job {j:.2f} s")
                browser.close()
        finally:
            proc.terminate()
            proc.wait(timeout=30)
            log.close()
            timings = [line for line in (tmp / "app.log").read_text().splitlines() if "TIMING" in line or "Warm-up" in line]
            if timings and os.environ.get("FOI_BENCH_VERBOSE"):
                print("\n".join(timings))
    print(c.table(
        ["measure", "first run s", "median s", "best s"],
        [
            ["click → last card", f"{shown[0]:.2f}", f"{statistics.median(shown):.2f}", f"{min(shown):.2f}"],
            ["drafting job (library in the app)", f"{jobs[0]:.2f}", f"{statistics.median(jobs):.2f}", f"{min(jobs):.2f}"],
        ],
    ))


if __name__ == "__main__":
    main()
