"""Seed request in the app, as an officer sees it: from the click on Draft until the last question's card shows,
in Debian's Chromium driven by Playwright, against `python app.py` on loopback with the demo corpus indexed.

Each of --servers app processes is started on the same data and left to finish its own warm-up. In the browser,
a warm-up run then drafts another request (an evaluation case: the page's first events, the first cards drawn),
which is not counted. The seed request is then drafted once: the figure that counts, because the server has never
seen its questions (nothing of it is memoised, as for an officer's new request). --repeats further drafts of the
seed on the same server follow; they re-use the memoised vectors of its texts and are reported apart.

"Last card shown" is measured in the page: the clock starts at the click and stops when the case header of the
new case and all of its question cards are in the document. Also printed: the drafting job's own time (the
library inside the app, from the progress note), so the gap between drafting and showing is visible, and the
load average at each server's start and end (the machine may be shared).

Run: .venv/bin/python benchmarks/bench_app_draft.py [--servers 3] [--repeats 2] [--keep-data DIR] [--repo DIR]
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
TARGET_S = 3.0
WARM_UP_CASE = "p1-uasc-2025"


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


def load() -> str:
    return " / ".join(f"{x:.1f}" for x in os.getloadavg())


def warm_up_request() -> str:
    import yaml

    return str(yaml.safe_load((c.REPO / "evals" / "cases" / f"{WARM_UP_CASE}.yaml").read_text(encoding="utf-8"))["request"])


def draft_once(page, url: str, text: str, reference: str, questions: int | None, exclude: str | None) -> tuple[float, float]:
    """(click → the new case's header and `questions` cards in the page, the drafting job's own seconds)."""
    page.goto(url)
    page.get_by_role("tab", name="Draft").click()
    page.locator("#request-text").get_by_role("textbox").fill(text)
    page.locator("#case-reference").get_by_role("textbox").fill(reference)
    if exclude:
        box = page.locator("#case-exclude").get_by_role("combobox")
        box.fill(exclude)
        box.press("Enter")
    note = page.locator("#draft-progress").get_by_text(re.compile(r"Drafted \d+ answer"))
    started = time.perf_counter()
    page.locator("#draft-button").click()
    if questions is None:  # the warm-up run: the job's note says how many cards to wait for
        note.wait_for(timeout=600_000)
        questions = int(re.search(r"Drafted (\d+) answer", note.inner_text()).group(1))
    page.wait_for_function(
        """([reference, n]) => {
            const header = document.querySelector('.case-header h3');
            return header && header.textContent.startsWith(reference)
                && document.querySelectorAll('.question h4').length >= n;
        }""",
        arg=[reference, questions],
        timeout=600_000,
        polling=50,
    )
    shown = time.perf_counter() - started
    note.wait_for(timeout=120_000)
    job = float(re.search(r"in ([\d.]+) s", note.inner_text()).group(1))
    return shown, job


def one_server(args: argparse.Namespace, data: Path, tmp: Path, n: int) -> list[tuple[str, float, float, str]]:
    """Start the app, wait for its warm-up, run the browser warm-up, the first seed draft and the repeats."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FOI_")}
    port = free_port()
    env.update(FOI_DATA_DIR=str(data), FOI_CORPUS_DIR=str(c.CORPUS), FOI_HOST="127.0.0.1", FOI_PORT=str(port),
               PYTHONPATH=str(args.repo))
    log_path = tmp / f"app-{n}.log"
    rows: list[tuple[str, float, float, str]] = []
    with open(log_path, "w") as log:
        proc = subprocess.Popen([c.PYTHON, str(args.repo / "app.py")], env=env, stdout=log, stderr=subprocess.STDOUT, cwd=tmp)
        try:
            url = f"http://127.0.0.1:{port}/"
            wait_http(url, proc)
            # The warm-up thread loads the model and drafts once; an app without that log line gets --settle seconds.
            deadline = time.monotonic() + args.settle
            while "Warm-up done" not in log_path.read_text() and time.monotonic() < deadline:
                time.sleep(0.5)
            from playwright.sync_api import sync_playwright

            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
                page = browser.new_page(viewport={"width": 1400, "height": 1000})
                s, j = draft_once(page, url, warm_up_request(), f"WARM-{n}-{time.time_ns()}", None, None)
                print(f"server {n}: warm-up run (another request, not counted) {s:.2f} s; job {j:.2f} s; load {load()}", flush=True)
                for run in range(1 + args.repeats):
                    what = "first draft of the seed" if run == 0 else f"repeat {run} of the seed"
                    s, j = draft_once(page, url, c.seed_request(), f"BENCH-{n}-{run}-{time.time_ns()}", QUESTIONS, c.SEED_DOC_ID)
                    rows.append((what, s, j, load()))
                    print(f"server {n}: {what}: click to last card {s:.2f} s; drafting job {j:.2f} s; load {load()}", flush=True)
                browser.close()
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--servers", type=int, default=3, help="app processes, each giving one first draft of the seed")
    parser.add_argument("--repeats", type=int, default=2, help="further drafts of the seed per server (memoised texts)")
    parser.add_argument("--keep-data", type=Path, help="reuse/keep this data folder (skips the ingest when it exists)")
    parser.add_argument("--repo", type=Path, default=c.REPO, help="the checkout whose app.py to run (e.g. an older commit)")
    parser.add_argument("--settle", type=float, default=600, help="most seconds to wait for the app's warm-up to finish")
    args = parser.parse_args()
    args.repo = args.repo.resolve()

    c.print_machine()
    rows: list[tuple[str, float, float, str]] = []
    with c.temp_data_dir() as tmp:
        data = args.keep_data or tmp / "data"
        if not (data / "chroma").exists():
            env = {k: v for k, v in os.environ.items() if not k.startswith("FOI_")}
            env.update(FOI_DATA_DIR=str(data), FOI_CORPUS_DIR=str(c.CORPUS), PYTHONPATH=str(args.repo))
            subprocess.run([c.PYTHON, "-m", "assistant.cli", "ingest"], env=env, check=True, capture_output=True, cwd=args.repo)
        for n in range(1, args.servers + 1):
            rows += one_server(args, data, tmp, n)
    first = [r for r in rows if r[0].startswith("first")]
    repeats = [r for r in rows if r[0].startswith("repeat")]
    table = []
    for label, group in (("first draft of the seed (counts)", first), ("repeats (memoised texts)", repeats)):
        if not group:
            continue
        shown, jobs = [r[1] for r in group], [r[2] for r in group]
        table.append([label, len(group), " / ".join(f"{s:.2f}" for s in shown), f"{statistics.median(shown):.2f}",
                      f"{statistics.median(jobs):.2f}", f"{statistics.median(s - j for s, j in zip(shown, jobs)):.2f}"])
    print()
    print(c.table(["seed request", "runs", "click → last card per run (s)", "median s", "job median s",
                   "beyond the job, median s"], table))
    median_first = statistics.median(r[1] for r in first)
    verdict = "met" if median_first <= TARGET_S else "NOT met"
    print(f"\nTarget: ≤ {TARGET_S:.0f} s from click to last card for the seed on an idle machine — median {median_first:.2f} s "
          f"({verdict}); load average (1/5/15 min) at the end: {load()}")


if __name__ == "__main__":
    main()
