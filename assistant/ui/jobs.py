"""Drafting runs in a background thread that writes each answer to the case store as it is ready.

The browser only watches the store: closing the tab or losing the connection does not stop a draft half way,
and a case whose drafting was interrupted (the server stopped) can be completed later from where it stopped.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

from assistant.cases import CaseStore


@dataclass
class Job:
    case_id: int
    total: int
    done: int = 0
    error: str = ""
    finished: bool = False
    started: float = field(default_factory=time.perf_counter)
    ended: float = 0.0
    changed: threading.Condition = field(default_factory=threading.Condition, repr=False)

    @property
    def seconds(self) -> float:
        return (self.ended or time.perf_counter()) - self.started

    def advance(self, done: int | None = None, finished: bool = False, error: str = "") -> None:
        """Record progress and wake whoever is watching (no polling delay between an answer and its card)."""
        with self.changed:
            if done is not None:
                self.done = done
            if error:
                self.error = error
            if finished:
                self.ended = time.perf_counter()
                self.finished = True
            self.changed.notify_all()

    def wait(self, seen: int, timeout: float) -> None:
        """Block until more answers than `seen` are stored, the job ends, or the timeout passes."""
        with self.changed:
            self.changed.wait_for(lambda: self.done != seen or self.finished, timeout=timeout)


class DraftJobs:
    """At most one drafting job per case; status is read by the UI's polling generator."""

    def __init__(self, drafter: Any, store: CaseStore) -> None:
        self.drafter = drafter
        self.store = store
        self._jobs: dict[int, Job] = {}
        self._lock = threading.Lock()

    def get(self, case_id: int) -> Job | None:
        with self._lock:
            return self._jobs.get(case_id)

    def running(self, case_id: int) -> bool:
        job = self.get(case_id)
        return job is not None and not job.finished

    def missing_questions(self, case_id: int) -> list[Any]:
        """Questions of the request with no stored draft yet (after an interrupted run)."""
        case = self.store.get_case(case_id)
        if case.engine == "naive":
            return [] if case.drafts else [None]
        drafted = {d.question.number for d in case.drafts}
        return [q for q in self.questions(case) if q.number not in drafted]

    def questions(self, case: Any) -> list[Any]:
        """The questions the officer confirmed for the case, else the proposed split of its request."""
        confirmed = self.store.confirmed_split(case.id)
        return confirmed.split.questions if confirmed is not None else self.drafter.split(case.request_text)

    def start(self, case_id: int, user: str) -> Job:
        """Draft every question of the case not drafted yet; returns at once."""
        with self._lock:
            existing = self._jobs.get(case_id)
            if existing is not None and not existing.finished:
                return existing
            case = self.store.get_case(case_id)
            missing = self.missing_questions(case_id)
            job = Job(case_id=case_id, total=len(case.drafts) + len(missing), done=len(case.drafts))
            self._jobs[case_id] = job
        fresh = not case.drafts
        thread = threading.Thread(target=self._run, args=(job, missing, fresh, user), daemon=True, name=f"draft-case-{case_id}")
        thread.start()
        return job

    def _run(self, job: Job, missing: list[Any], fresh: bool, user: str) -> None:
        case = self.store.get_case(job.case_id)
        options = {"engine": case.engine, "exclude": case.exclude, "received": case.received}
        try:
            if fresh and case.engine == "naive":  # the baseline drafts the whole request as one question
                drafts = self.drafter.draft_request(case.request_text, **options)
            else:
                drafts = self.drafter.draft_questions(missing, everything=self.questions(case), **options)
            for draft in drafts:
                self.store.save_drafts(job.case_id, [draft], user)
                job.advance(job.done + 1)
            job.total = max(job.total, job.done)
        except Exception as exc:  # shown to the officer; the answers already drafted stay saved
            job.advance(error=str(exc) or type(exc).__name__)
        finally:
            job.advance(finished=True)
