"""Load test of the JSON API: 10 people at once (officers drafting and editing, reviewers reviewing) for 2 minutes.

The script ingests the demo corpus into a temporary data folder, starts `foi serve` on a free loopback port with
ten users (bcrypt hashes), and runs each person in a thread with their own signed-in HTTP client:

- an officer opens a case (the request of an evaluation case drawn at random), drafts it, reads it, edits every answer on
  the version read, sometimes races a colleague on purpose (two saves on the same version at the same moment: one
  must win, the other must get 409), takes back returned cases and sends cases for review;
- a reviewer lists the cases in review, reads one and approves or returns each answer on the version read (409
  when an officer changed it meanwhile).

It prints p50/p95 latency per operation, 409 conflicts apart from failures, and then stops the server and reads the
SQLite database directly: every edit and decision acknowledged with success must be there (version and text), no
edit that lost a race may be anywhere, and no edit may be there that nobody was told about.

Run: .venv/bin/python benchmarks/bench_load.py [--seconds 120] [--officers 6] [--reviewers 4]
"""
from __future__ import annotations

import argparse
import os
import random
import sqlite3
import subprocess
import sys
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as c  # noqa: E402

OPS = ("sign in", "open case", "draft (new request)", "draft (request drafted before)", "list", "read", "edit", "race edit", "submit", "review")


@dataclass
class Tally:
    """What the simulated people saw, shared between their threads."""

    times: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    ok: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    conflicts: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    failures: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    edits: list[tuple[int, str, int, str]] = field(default_factory=list)  # acknowledged: case, question, version, text
    lost_race: list[tuple[int, str, str]] = field(default_factory=list)  # refused with 409: case, question, text
    reviews: list[tuple[int, str, str, int, str]] = field(default_factory=list)  # case, question, decision, version, user
    seen_requests: set[str] = field(default_factory=set)
    races: int = 0
    race_both_won: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


class Person:
    def __init__(self, base: str, name: str, password: str, tally: Tally, deadline: float, seed: int) -> None:
        import httpx

        self.name, self.tally, self.deadline = name, tally, deadline
        self.rng = random.Random(seed)
        self.http = httpx.Client(base_url=base, timeout=600)
        r = self.call("sign in", "POST", "/api/login", {"username": name, "password": password})
        if r is None or r.status_code != 200:
            raise RuntimeError(f"{name} could not sign in: {r.text if r is not None else 'no answer'}")
        self.http.headers["Authorization"] = f"Bearer {r.json()['token']}"

    def call(self, op: str, method: str, path: str, body: Any = None, conflict_ok: bool = False, **params: Any) -> Any:
        """One timed request; 2xx counts as success, 409 (when expected) as a conflict, anything else as a failure."""
        started = time.perf_counter()
        try:
            r = self.http.request(method, path, json=body, params=params or None)
        except Exception as exc:  # noqa: BLE001 - a timeout or a dropped connection is a failure to report
            with self.tally.lock:
                self.tally.failures[op].append(f"{type(exc).__name__}: {exc}")
            return None
        seconds = time.perf_counter() - started
        with self.tally.lock:
            self.tally.times[op].append(seconds)
            if 200 <= r.status_code < 300:
                self.tally.ok[op] += 1
            elif r.status_code == 409 and conflict_ok:
                self.tally.conflicts[op] += 1
            else:
                self.tally.failures[op].append(f"{r.status_code}: {r.text[:200]}")
        return r

    def running(self) -> bool:
        return time.monotonic() < self.deadline

    def edit(self, case_id: int, answer: dict, text: str, op: str = "edit") -> Any:
        r = self.call(op, "PUT", f"/api/cases/{case_id}/answers/{answer['number']}", {"answer": text, "version": answer["version"]},
                      conflict_ok=True)
        if r is not None and r.status_code == 200 and r.json()["changed"]:
            with self.tally.lock:
                self.tally.edits.append((case_id, answer["number"], r.json()["version"], text))
        elif r is not None and r.status_code == 409:
            with self.tally.lock:
                self.tally.lost_race.append((case_id, answer["number"], text))
        return r


class Officer(Person):
    def run(self, requests: list[str]) -> None:
        step = 0
        while self.running():
            step += 1
            self.rework_returned(step)
            if not self.running():
                break
            request = self.rng.choice(requests)
            r = self.call("open case", "POST", "/api/cases", {"request_text": request, "requester": f"Requester {self.name}-{step}"})
            if r is None or r.status_code != 201:
                continue
            case_id = r.json()["id"]
            with self.tally.lock:  # the server memoises text vectors: a request drafted before is cheaper
                op = "draft (request drafted before)" if request in self.tally.seen_requests else "draft (new request)"
                self.tally.seen_requests.add(request)
            r = self.call(op, "POST", f"/api/cases/{case_id}/draft", {"wait_seconds": 300})
            if r is None or r.status_code != 200:
                continue
            drafting = r.json()["drafting"]
            if drafting["error"] or not r.json()["answers"]:  # a 200 that drafted nothing is a failure too
                with self.tally.lock:
                    self.tally.ok[op] -= 1
                    self.tally.failures[op].append(f"drafting: {drafting['error'] or 'no answers'}")
                continue
            case = self.read(case_id)
            if case is None:
                continue
            for answer in case["answers"]:
                self.edit(case_id, answer, f"{answer['answer']}\n\nChecked by {self.name}, round {step}.")
            case = self.read(case_id)
            if case is not None and case["answers"] and self.rng.random() < 0.5:
                self.race(case_id, case["answers"][0], step)
            self.call("submit", "POST", f"/api/cases/{case_id}/submit", {})

    def read(self, case_id: int) -> dict | None:
        r = self.call("read", "GET", f"/api/cases/{case_id}")
        return r.json() if r is not None and r.status_code == 200 else None

    def race(self, case_id: int, answer: dict, step: int) -> None:
        """Two saves of one answer on the same version at the same moment (two screens): one wins, one gets 409."""
        results: list[Any] = []
        texts = [f"{answer['answer']}\n\nRace {self.name}-{step}-{side}." for side in "AB"]
        threads = [threading.Thread(target=lambda t=t: results.append(self.edit(case_id, answer, t, "race edit"))) for t in texts]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        won = sum(1 for r in results if r is not None and r.status_code == 200)
        with self.tally.lock:
            self.tally.races += 1
            self.tally.race_both_won += won > 1

    def rework_returned(self, step: int) -> None:
        """Take back one of my returned cases: answer the reviewer's comment and send it for review again."""
        r = self.call("list", "GET", "/api/cases", state="returned")
        if r is None or r.status_code != 200:
            return
        mine = [row["id"] for row in r.json() if row["created_by"] == self.name]
        if not mine:
            return
        case_id = self.rng.choice(mine)
        case = self.read(case_id)
        if case is None:
            return
        for answer in case["answers"]:
            if answer["review_state"] == "returned":
                self.edit(case_id, answer, f"{answer['answer']}\n\nRevised by {self.name} after review, round {step}.")
        self.call("submit", "POST", f"/api/cases/{case_id}/submit", {})


class Reviewer(Person):
    def run(self) -> None:
        while self.running():
            r = self.call("list", "GET", "/api/cases", state="in_review")
            if r is None or r.status_code != 200 or not r.json():
                time.sleep(1.0)
                continue
            case_id = self.rng.choice(r.json())["id"]
            got = self.call("read", "GET", f"/api/cases/{case_id}")
            if got is None or got.status_code != 200:
                continue
            for answer in got.json()["answers"]:
                if answer["review_state"] != "pending":
                    continue
                returned = self.rng.random() < 0.25
                body = {"decision": "returned" if returned else "approved", "version": answer["version"],
                        "comment": f"Please check the figures ({self.name})." if returned else ""}
                d = self.call("review", "POST", f"/api/cases/{case_id}/answers/{answer['number']}/review", body, conflict_ok=True)
                if d is not None and d.status_code == 200:
                    with self.tally.lock:
                        self.tally.reviews.append((case_id, answer["number"], body["decision"], answer["version"], self.name))
            time.sleep(0.2)


def request_pool() -> list[str]:
    """The requests of the evaluation cases (FOI requests of one to several questions), drawn at random."""
    from assistant.evaluation.cases import load_cases

    return [case.request for case in load_cases(c.REPO / "evals" / "cases")]


def verify(db: Path, tally: Tally) -> tuple[list[list[object]], bool]:
    """Read the database directly: acknowledged edits and decisions are there, refused ones nowhere; True if not."""
    conn = sqlite3.connect(db)
    missing = [e for e in tally.edits if conn.execute(
        "SELECT 1 FROM versions WHERE case_id = ? AND number = ? AND version = ? AND answer = ? AND kind = 'edited'",
        e).fetchone() is None]
    stored_edits = conn.execute("SELECT COUNT(*) FROM versions WHERE kind = 'edited'").fetchone()[0]
    lost_present = [t for t in tally.lost_race if conn.execute(
        "SELECT 1 FROM versions WHERE case_id = ? AND number = ? AND answer = ?", t).fetchone() is not None]
    missing_reviews = [rv for rv in tally.reviews if conn.execute(
        "SELECT 1 FROM reviews WHERE case_id = ? AND number = ? AND decision = ? AND version = ? AND user = ?", rv).fetchone() is None]
    stored_reviews = conn.execute("SELECT COUNT(*) FROM reviews").fetchone()[0]
    integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
    conn.close()
    return [
        ["edits acknowledged (200, changed)", len(tally.edits)],
        ["… of them in the database with that version and text", len(tally.edits) - len(missing)],
        ["edits stored in the database (version kind 'edited')", stored_edits],
        ["edits refused with 409 whose text is anywhere in the database", len(lost_present)],
        ["review decisions acknowledged", len(tally.reviews)],
        ["… of them in the database", len(tally.reviews) - len(missing_reviews)],
        ["review decisions stored in the database", stored_reviews],
        ["SQLite integrity_check", integrity],
    ], bool(missing or lost_present or missing_reviews or stored_edits != len(tally.edits)
            or stored_reviews != len(tally.reviews) or integrity != "ok")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=120)
    parser.add_argument("--officers", type=int, default=6)
    parser.add_argument("--reviewers", type=int, default=4)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    from assistant.signin import hash_password

    c.print_machine()
    people = [(f"officer{i}", "officer") for i in range(1, args.officers + 1)]
    people += [(f"reviewer{i}", "reviewer") for i in range(1, args.reviewers + 1)]
    passwords = {name: f"{name}-load-test-password" for name, _ in people}
    users = [{"username": n, "password_hash": hash_password(passwords[n]), "role": role} for n, role in people]
    requests = request_pool()
    tally = Tally()
    with c.temp_data_dir("foi-load-") as tmp:
        corpus = c.corpus_snapshot(tmp)
        data = tmp / "data"
        with c.Timer() as ingest:
            subprocess.run([c.PYTHON, "-m", "assistant.cli", "ingest", str(corpus)], cwd=c.REPO, check=True,
                           env={**os.environ, "FOI_DATA_DIR": str(data), "PYTHONPATH": str(c.REPO)},
                           stdout=subprocess.DEVNULL)
        print(f"Demo corpus ingested in {ingest.seconds:.0f} s; starting the app.", flush=True)
        with c.app_server(data, tmp / "server.log", users, FOI_CORPUS_DIR=str(corpus)) as base:
            threads, signed_in = [], []
            for i, (name, role) in enumerate(people):
                person = (Officer if role == "officer" else Reviewer)(base, name, passwords[name], tally, 0.0, args.seed + i)
                signed_in.append(person)
                target = (lambda p=person: p.run(requests)) if role == "officer" else person.run
                threads.append(threading.Thread(target=target, name=name))
            load_before = os.getloadavg()
            started = time.monotonic()
            for person in signed_in:
                person.deadline = started + args.seconds
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            wall = time.monotonic() - started
            load_after = os.getloadavg()
        # the server is stopped: read what it left on disk
        checks, lost = verify(data / "cases.sqlite3", tally)
        log_errors = [line for line in c.tail(tmp / "server.log", 200_000).splitlines() if "Traceback" in line or " ERROR " in line]

    rows = []
    for op in OPS:
        times = tally.times.get(op, [])
        s = c.summary_ms(times) if times else {"n": 0, "p50": float("nan"), "p95": float("nan"), "max": float("nan")}
        rows.append([op, s["n"], tally.ok.get(op, 0), tally.conflicts.get(op, 0), len(tally.failures.get(op, [])),
                     s["p50"], s["p95"], s["max"]])
    print(f"\n{args.officers} officers + {args.reviewers} reviewers for {wall:.0f} s against {base} (one server process)")
    print(c.table(["operation", "requests", "2xx", "409 conflict", "failures", "p50 ms", "p95 ms", "max ms"], rows))
    print(f"\nDeliberate races (two saves on one version at once): {tally.races}; both saved: {tally.race_both_won}")
    for op, problems in tally.failures.items():
        for p in problems[:3]:
            print(f"  failure in {op}: {p}")
    print(f"Server log lines with ERROR or Traceback: {len(log_errors)}")
    print()
    print(c.table(["check (database read directly after the run)", "value"], checks))
    print(f"\nLoad average (1/5/15 min) at the start: {' / '.join(f'{x:.2f}' for x in load_before)}; "
          f"at the end: {' / '.join(f'{x:.2f}' for x in load_after)}")
    print("NOTHING LOST" if not lost else "SOMETHING WAS LOST OR WRITTEN UNACKNOWLEDGED: see the checks above")
    sys.exit(1 if lost else 0)


if __name__ == "__main__":
    main()
