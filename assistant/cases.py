"""The case store: FOI requests, their drafts, every edit and every review decision, in one SQLite file.

Each change is committed the moment it is made (the app autosaves), so nothing an officer typed is lost if the
process dies. Edits are never overwritten: the previous value goes to the `edits` table, which is the audit
trail a reviewer reads. The schema evolves through numbered migrations applied in order when a store opens.
"""
from __future__ import annotations

import json
import os
import sqlite3
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any, Iterable, Iterator, Sequence

from assistant.deadlines import Deadline, deadline_for
from assistant.decisions import parse_date
from assistant.models import Citation, DocType, Draft, Flag, Passage, Question, Status, Unit
from assistant.requests.result import ParsedRequest

ENGINES = ("extractive", "llm", "naive")
DECISIONS = ("approved", "returned")

#: Schema migrations, applied in order; the schema version is the number applied. Never edit a shipped one:
#: append a new one instead, so older databases upgrade on open.
MIGRATIONS: list[str] = [
    # 1: cases, drafts, edit history and reviews
    """
    CREATE TABLE cases (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        reference TEXT NOT NULL,
        received TEXT NOT NULL,
        requester TEXT NOT NULL DEFAULT '',
        request_text TEXT NOT NULL,
        engine TEXT NOT NULL DEFAULT 'extractive',
        created_by TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL
    );
    CREATE TABLE drafts (
        case_id INTEGER NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
        number TEXT NOT NULL,
        position INTEGER NOT NULL,
        question_json TEXT NOT NULL,
        answer TEXT NOT NULL DEFAULT '',
        status TEXT NOT NULL,
        exemptions_json TEXT NOT NULL DEFAULT '[]',
        citations_json TEXT NOT NULL DEFAULT '[]',
        flags_json TEXT NOT NULL DEFAULT '[]',
        passages_json TEXT NOT NULL DEFAULT '[]',
        engine TEXT NOT NULL DEFAULT '',
        version INTEGER NOT NULL DEFAULT 1,
        updated_by TEXT NOT NULL DEFAULT '',
        updated_at TEXT NOT NULL,
        PRIMARY KEY (case_id, number)
    );
    CREATE TABLE edits (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        case_id INTEGER NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
        number TEXT NOT NULL,
        field TEXT NOT NULL,
        old TEXT,
        new TEXT,
        user TEXT NOT NULL DEFAULT '',
        at TEXT NOT NULL
    );
    CREATE TABLE reviews (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        case_id INTEGER NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
        number TEXT NOT NULL,
        decision TEXT NOT NULL CHECK (decision IN ('approved', 'returned')),
        comment TEXT NOT NULL DEFAULT '',
        user TEXT NOT NULL DEFAULT '',
        at TEXT NOT NULL
    );
    """,
    # 2: deadline clock (clarification, extension), excluded documents, status reasons, and reviews tied to the
    # draft version they approved, so a later edit voids an approval
    """
    ALTER TABLE cases ADD COLUMN clarified TEXT;
    ALTER TABLE cases ADD COLUMN extension_days INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE cases ADD COLUMN exclude_json TEXT NOT NULL DEFAULT '[]';
    ALTER TABLE drafts ADD COLUMN status_reason TEXT NOT NULL DEFAULT '';
    ALTER TABLE reviews ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
    CREATE INDEX edits_by_case ON edits(case_id, number);
    CREATE INDEX reviews_by_case ON reviews(case_id, number);
    """,
    # 3: the questions the officer confirmed before drafting (the split of the request, with what was left out)
    """
    CREATE TABLE confirmed_splits (
        case_id INTEGER PRIMARY KEY REFERENCES cases(id) ON DELETE CASCADE,
        split_json TEXT NOT NULL,
        confirmed_by TEXT NOT NULL,
        confirmed_at TEXT NOT NULL,
        version INTEGER NOT NULL DEFAULT 1
    );
    """,
    # 4: requests sent to a service area for figures, and what the service returned (kept with the case only)
    """
    CREATE TABLE service_requests (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        case_id INTEGER NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
        area TEXT NOT NULL,
        recipient TEXT NOT NULL DEFAULT '',
        questions_json TEXT NOT NULL,
        sent_on TEXT NOT NULL,
        due TEXT NOT NULL,
        sent_by TEXT NOT NULL,
        sent_at TEXT NOT NULL,
        answered_at TEXT
    );
    CREATE TABLE service_returns (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        case_id INTEGER NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
        request_id INTEGER REFERENCES service_requests(id) ON DELETE SET NULL,
        area TEXT NOT NULL,
        received TEXT NOT NULL,
        source_name TEXT NOT NULL DEFAULT '',
        text TEXT NOT NULL,
        items_json TEXT NOT NULL,
        added_by TEXT NOT NULL,
        added_at TEXT NOT NULL
    );
    CREATE INDEX service_requests_by_case ON service_requests(case_id);
    CREATE INDEX service_returns_by_case ON service_returns(case_id);
    """,
]
SCHEMA_VERSION = len(MIGRATIONS)


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


@dataclass(frozen=True)
class DraftMeta:
    """Bookkeeping the pipeline's Draft does not carry: which version this is and who touched it last."""

    version: int
    updated_by: str
    updated_at: str
    position: int


@dataclass(frozen=True)
class Edit:
    number: str
    field: str
    old: str | None
    new: str | None
    user: str
    at: str


@dataclass(frozen=True)
class ConfirmedSplit:
    """The questions the officer confirmed before drafting, and who confirmed them when."""

    split: ParsedRequest
    confirmed_by: str
    confirmed_at: str
    version: int


@dataclass(frozen=True)
class Review:
    number: str
    decision: str
    comment: str
    user: str
    at: str
    version: int


@dataclass
class Case:
    id: int
    reference: str
    received: date
    requester: str
    request_text: str
    engine: str
    created_by: str
    created_at: str
    clarified: date | None = None
    extension_days: int = 0
    exclude: list[str] = field(default_factory=list)
    drafts: list[Draft] = field(default_factory=list)
    meta: dict[str, DraftMeta] = field(default_factory=dict)
    reviews: list[Review] = field(default_factory=list)

    def draft(self, number: str) -> Draft:
        for d in self.drafts:
            if d.question.number == number:
                return d
        raise ValueError(f"Case {self.reference} has no question {number}.")

    def deadline(self, today: date | None = None) -> Deadline:
        return deadline_for(self.received, today or date.today(), self.clarified, self.extension_days)

    def latest_review(self, number: str) -> Review | None:
        found = [r for r in self.reviews if r.number == number]
        return found[-1] if found else None

    def review_state(self, number: str) -> str:
        """'approved' or 'returned' for the current version of an answer, else 'pending'."""
        review = self.latest_review(number)
        meta = self.meta.get(number)
        if review is None or meta is None or review.version != meta.version:
            return "pending"
        return review.decision

    @property
    def status(self) -> str:
        return case_status([self.review_state(d.question.number) for d in self.drafts])


@dataclass(frozen=True)
class CaseSummary:
    """One row of the case list."""

    id: int
    reference: str
    received: date
    requester: str
    questions: int
    due: date
    days_remaining: int
    overdue: bool
    status: str
    created_by: str


@dataclass(frozen=True)
class SentServiceRequest:
    """A request for figures sent to a service area: to whom, when, by when, and whether it was answered."""

    id: int
    case_id: int
    case_reference: str
    area: str
    recipient: str
    questions: list[dict[str, Any]]
    sent_on: date
    due: date
    sent_by: str
    sent_at: str
    answered_at: str | None = None

    @property
    def numbers(self) -> list[str]:
        return [str(q.get("number", "")) for q in self.questions]

    def overdue(self, today: date | None = None) -> bool:
        return self.answered_at is None and (today or date.today()) > self.due


@dataclass(frozen=True)
class StoredServiceReturn:
    """What a service returned for one case: its text and its citable items (table rows with their headers)."""

    id: int
    case_id: int
    request_id: int | None
    area: str
    received: date
    source_name: str
    text: str
    items: list[str]
    added_by: str
    added_at: str


def case_status(states: Sequence[str]) -> str:
    """Overall state of a case from the review state of each answer."""
    if not states:
        return "new"
    if "returned" in states:
        return "returned"
    if all(s == "approved" for s in states):
        return "approved"
    if "approved" in states:
        return "in review"
    return "drafted"


# ------------------------------------------------------------------------------------------------ serialisation


def question_to_json(q: Question) -> str:
    data: dict[str, Any] = {"number": q.number, "text": q.text, "parts": [list(p) for p in q.parts]}
    if q.context:  # scope lines: a regenerated draft searches with them too
        data["context"] = list(q.context)
    return json.dumps(data, ensure_ascii=False)


def question_from_json(raw: str) -> Question:
    data = json.loads(raw)
    return Question(
        number=data["number"],
        text=data.get("text", ""),
        parts=[tuple(p) for p in data.get("parts", [])],
        context=list(data.get("context", [])),
    )


def _json_safe(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


def passage_to_dict(p: Passage) -> dict[str, Any]:
    """What the sources panel and a re-check need: the unit's text and labels, not its vectors."""
    u = p.unit
    return {
        "score": p.score,
        "rank": p.rank,
        "method": p.method,
        "similarity": p.similarity,
        "unit": {
            "id": u.id,
            "doc_id": u.doc_id,
            "doc_type": u.doc_type.value,
            "title": u.title,
            "text": u.text,
            "source_path": u.source_path,
            "reference": u.reference,
            "received": u.received.isoformat() if u.received else None,
            "decided": u.decided.isoformat() if u.decided else None,
            "question_numbers": list(u.question_numbers),
            "question": u.question,
            "answer": u.answer,
            "heading_path": list(u.heading_path),
            "extra": _json_safe(u.extra),
        },
    }


def passage_from_dict(data: dict[str, Any]) -> Passage:
    u = data["unit"]
    extra = dict(u.get("extra") or {})
    if extra.get("published"):
        extra["published"] = parse_date(extra["published"])
    unit = Unit(
        id=u["id"],
        doc_id=u.get("doc_id", ""),
        doc_type=DocType(u.get("doc_type", "policy")),
        title=u.get("title", ""),
        text=u.get("text", ""),
        source_path=u.get("source_path", ""),
        reference=u.get("reference", ""),
        received=parse_date(u.get("received")),
        decided=parse_date(u.get("decided")),
        question_numbers=tuple(u.get("question_numbers", ())),
        question=u.get("question", ""),
        answer=u.get("answer", ""),
        heading_path=tuple(u.get("heading_path", ())),
        extra=extra,
    )
    return Passage(
        unit=unit,
        score=float(data.get("score", 0.0)),
        rank=int(data.get("rank", 0)),
        method=data.get("method", "hybrid"),
        similarity=float(data.get("similarity", 0.0)),
    )


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def as_date(value: date | str | None, what: str) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    parsed = parse_date(value)
    if parsed is None:
        raise ValueError(f"The {what} '{value}' is not a date (use YYYY-MM-DD).")
    return parsed


def _split_statements(script: str) -> list[str]:
    """Statements of a migration, so they can run inside one explicit transaction."""
    statements: list[str] = []
    pending = ""
    for line in script.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            if pending.strip().strip(";").strip():
                statements.append(pending.strip())
            pending = ""
    if pending.strip():
        raise ValueError(f"incomplete SQL statement in migration: {pending.strip()[:80]}")
    return statements


# ------------------------------------------------------------------------------------------------ the store


class CaseStore:
    """Cases in one SQLite file; a fresh connection per call keeps it safe to share between threads."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # Requests and names are personal data: the file (and SQLite's -wal/-shm, which copy its mode) is 0600.
        os.close(os.open(self.path, os.O_CREAT | os.O_WRONLY, 0o600))
        os.chmod(self.path, 0o600)
        with self._connect() as conn:
            conn.execute("PRAGMA journal_mode=WAL")
        self.migrate()

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA foreign_keys=ON")
        try:
            yield conn
        finally:
            conn.close()

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One committed transaction; BEGIN IMMEDIATE takes the write lock up front, so writers queue."""
        with self._connect() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    # -- schema ----------------------------------------------------------------------------------
    def schema_version(self) -> int:
        with self._connect() as conn:
            return _version(conn)

    def migrate(self) -> int:
        """Apply every migration newer than the file's schema version; returns the version reached."""
        with self._write() as conn:
            conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)")
            current = _version(conn)
            if current > SCHEMA_VERSION:
                raise ValueError(
                    f"{self.path} has schema version {current}, newer than this program knows ({SCHEMA_VERSION})."
                )
            for number, script in enumerate(MIGRATIONS[current:], start=current + 1):
                for statement in _split_statements(script):
                    conn.execute(statement)
                conn.execute("INSERT INTO schema_version (version, applied_at) VALUES (?, ?)", (number, now_iso()))
            return SCHEMA_VERSION

    # -- cases -----------------------------------------------------------------------------------
    def create_case(
        self,
        request_text: str,
        *,
        reference: str = "",
        received: date | str | None = None,
        requester: str = "",
        engine: str = "extractive",
        created_by: str = "",
        clarified: date | str | None = None,
        extension_days: int = 0,
        exclude: Iterable[str] = (),
        today: date | None = None,
    ) -> int:
        """A new case; its reference defaults to 'Case <id>' and the date received to today."""
        text = (request_text or "").strip()
        if not text:
            raise ValueError("The request is empty: paste the request text or upload a file.")
        if engine not in ENGINES:
            raise ValueError(f"Unknown engine '{engine}': choose one of {', '.join(ENGINES)}.")
        today = today or date.today()
        received_date = as_date(received, "date received") or today
        if received_date > today:
            raise ValueError(f"The date received ({received_date}) is in the future.")
        clarified_date = as_date(clarified, "clarification date")
        deadline_for(received_date, today, clarified_date, int(extension_days))  # validates both
        with self._write() as conn:
            if reference.strip():
                clash = conn.execute("SELECT id FROM cases WHERE reference = ?", (reference.strip(),)).fetchone()
                if clash is not None:
                    raise ValueError(
                        f"A case with reference '{reference.strip()}' already exists (case {clash['id']}): open it from the case list."
                    )
            cur = conn.execute(
                "INSERT INTO cases (reference, received, requester, request_text, engine, created_by, created_at,"
                " clarified, extension_days, exclude_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    reference.strip(),
                    received_date.isoformat(),
                    requester.strip(),
                    text,
                    engine,
                    created_by,
                    now_iso(),
                    clarified_date.isoformat() if clarified_date else None,
                    int(extension_days),
                    _dumps(sorted(set(exclude))),
                ),
            )
            case_id = int(cur.lastrowid)
            if not reference.strip():
                conn.execute("UPDATE cases SET reference = ? WHERE id = ?", (f"Case {case_id}", case_id))
        return case_id

    def update_case(self, case_id: int, user: str, **changes: Any) -> None:
        """Change the case's details (reference, requester, received, clarified, extension_days, engine, exclude)."""
        allowed = {"reference", "requester", "received", "clarified", "extension_days", "engine", "exclude"}
        unknown = set(changes) - allowed
        if unknown:
            raise ValueError(f"Cannot change {', '.join(sorted(unknown))} of a case.")
        case = self.get_case(case_id)
        received = as_date(changes.get("received", case.received), "date received") or case.received
        clarified = as_date(changes.get("clarified", case.clarified), "clarification date")
        extension = int(changes.get("extension_days", case.extension_days))
        deadline_for(received, date.today(), clarified, extension)
        engine = changes.get("engine", case.engine)
        if engine not in ENGINES:
            raise ValueError(f"Unknown engine '{engine}': choose one of {', '.join(ENGINES)}.")
        new = {
            "reference": str(changes.get("reference", case.reference)).strip() or case.reference,
            "requester": str(changes.get("requester", case.requester)).strip(),
            "received": received.isoformat(),
            "clarified": clarified.isoformat() if clarified else None,
            "extension_days": extension,
            "engine": engine,
            "exclude_json": _dumps(sorted(set(changes.get("exclude", case.exclude)))),
        }
        old = {
            "reference": case.reference,
            "requester": case.requester,
            "received": case.received.isoformat(),
            "clarified": case.clarified.isoformat() if case.clarified else None,
            "extension_days": case.extension_days,
            "engine": case.engine,
            "exclude_json": _dumps(sorted(case.exclude)),
        }
        with self._write() as conn:
            for column, value in new.items():
                if value != old[column]:
                    conn.execute(f"UPDATE cases SET {column} = ? WHERE id = ?", (value, case_id))
                    self._log(conn, case_id, "", f"case.{column}", old[column], value, user)

    def get_case(self, case_id: int) -> Case:
        with self._connect() as conn:
            row = conn.execute("SELECT * FROM cases WHERE id = ?", (_case_id(case_id),)).fetchone()
            if row is None:
                raise ValueError(f"No case with id {case_id}.")
            draft_rows = conn.execute("SELECT * FROM drafts WHERE case_id = ? ORDER BY position", (row["id"],)).fetchall()
            review_rows = conn.execute("SELECT * FROM reviews WHERE case_id = ? ORDER BY id", (row["id"],)).fetchall()
        case = Case(
            id=row["id"],
            reference=row["reference"],
            received=date.fromisoformat(row["received"]),
            requester=row["requester"],
            request_text=row["request_text"],
            engine=row["engine"],
            created_by=row["created_by"],
            created_at=row["created_at"],
            clarified=date.fromisoformat(row["clarified"]) if row["clarified"] else None,
            extension_days=row["extension_days"],
            exclude=json.loads(row["exclude_json"] or "[]"),
        )
        for d in draft_rows:
            case.drafts.append(_draft_from_row(d))
            case.meta[d["number"]] = DraftMeta(d["version"], d["updated_by"], d["updated_at"], d["position"])
        case.reviews = [
            Review(r["number"], r["decision"], r["comment"], r["user"], r["at"], r["version"]) for r in review_rows
        ]
        return case

    def list_cases(self, today: date | None = None) -> list[CaseSummary]:
        """Every case with its deadline and overall status, the most urgent first (open cases before approved ones).

        Reads only the columns the list needs, so a long case list does not load every draft's sources.
        """
        today = today or date.today()
        with self._connect() as conn:
            cases = conn.execute(
                "SELECT id, reference, received, requester, created_by, clarified, extension_days FROM cases ORDER BY id"
            ).fetchall()
            versions: dict[int, dict[str, int]] = {}
            for r in conn.execute("SELECT case_id, number, version FROM drafts ORDER BY case_id, position"):
                versions.setdefault(r["case_id"], {})[r["number"]] = r["version"]
            latest: dict[tuple[int, str], sqlite3.Row] = {}
            for r in conn.execute("SELECT case_id, number, decision, version FROM reviews ORDER BY id"):
                latest[(r["case_id"], r["number"])] = r
        summaries = []
        for row in cases:
            numbers = versions.get(row["id"], {})
            states = []
            for number, version in numbers.items():
                review = latest.get((row["id"], number))
                states.append(review["decision"] if review is not None and review["version"] == version else "pending")
            received = date.fromisoformat(row["received"])
            clarified = date.fromisoformat(row["clarified"]) if row["clarified"] else None
            deadline = deadline_for(received, today, clarified, row["extension_days"])
            summaries.append(
                CaseSummary(
                    id=row["id"],
                    reference=row["reference"],
                    received=received,
                    requester=row["requester"],
                    questions=len(numbers),
                    due=deadline.due,
                    days_remaining=deadline.days_remaining,
                    overdue=deadline.overdue,
                    status=case_status(states),
                    created_by=row["created_by"],
                )
            )
        return sorted(summaries, key=lambda s: (s.status == "approved", s.due, s.id))

    # -- drafts ----------------------------------------------------------------------------------
    def save_drafts(self, case_id: int, drafts: Iterable[Draft], user: str = "") -> None:
        """Store drafts as they arrive; a question already drafted is replaced and its old answer kept in history."""
        drafts = list(drafts)
        with self._write() as conn:
            self._require_case(case_id, conn)
            for draft in drafts:
                self._upsert(conn, case_id, draft, user, "regenerated")

    def replace_draft(self, case_id: int, draft: Draft, user: str, reason: str = "regenerated") -> None:
        """A new version of one answer (regenerate, revise); the previous answer stays in the edit history."""
        with self._write() as conn:
            self._require_draft(case_id, draft.question.number, conn)
            self._upsert(conn, case_id, draft, user, reason)

    def update_answer(self, case_id: int, number: str, answer: str, user: str) -> bool:
        """Autosave of an officer's edit; returns False when nothing changed (a blur without typing)."""
        return self._edit_field(case_id, number, "answer", answer, answer, user)

    def _edit_field(self, case_id: int, number: str, column: str, stored: str, shown: str, user: str) -> bool:
        """One officer edit of one draft field: a new version and a history row, or nothing when unchanged.

        `stored` is the column's new value; `shown` is how old and new values read in the history."""
        field = column.removesuffix("_json")
        with self._write() as conn:
            current = self._require_draft(case_id, number, conn)
            if current[column] == stored:
                return False
            conn.execute(
                f"UPDATE drafts SET {column} = ?, version = version + 1, updated_by = ?, updated_at = ?"
                " WHERE case_id = ? AND number = ?",
                (stored, user, now_iso(), case_id, number),
            )
            old = ", ".join(json.loads(current[column])) if column.endswith("_json") else current[column]
            self._log(conn, case_id, number, field, old, shown, user)
        return True

    def update_checks(self, case_id: int, number: str, citations: list[Citation], flags: list[Flag]) -> None:
        """Results of re-checking an edited answer: not an edit by anyone, so no history row and no new version."""
        with self._write() as conn:
            self._require_draft(case_id, number, conn)
            conn.execute(
                "UPDATE drafts SET citations_json = ?, flags_json = ? WHERE case_id = ? AND number = ?",
                (_dumps([asdict(c) for c in citations]), _dumps([asdict(f) for f in flags]), case_id, number),
            )

    def update_status(self, case_id: int, number: str, status: Status | str, user: str) -> bool:
        try:
            value = Status(status).value
        except ValueError:
            choices = ", ".join(s.value for s in Status)
            raise ValueError(f"Unknown status '{status}': choose one of {choices}.") from None
        return self._edit_field(case_id, number, "status", value, value, user)

    def update_exemptions(self, case_id: int, number: str, exemptions: Sequence[str], user: str) -> bool:
        cleaned = list(dict.fromkeys(e.strip() for e in exemptions if e and e.strip()))
        return self._edit_field(case_id, number, "exemptions_json", _dumps(cleaned), ", ".join(cleaned), user)

    # -- service requests and returns --------------------------------------------------------------
    def _service_actor(self, user: str) -> str:
        """Asking a service and recording its return are an officer's acts: checked here, not only in screens."""
        require = getattr(self, "_require", None)  # the store's role check, where roles are configured
        if require is not None:
            require(user, "open")
        elif not (user or "").strip():
            raise ValueError("Sign in to send or record a service request: the case records who did it.")
        return user.strip()

    def record_service_request(
        self,
        case_id: int,
        *,
        area: str,
        questions: Sequence[dict[str, Any]],
        sent_on: date | str,
        due: date | str,
        user: str,
        recipient: str = "",
    ) -> int:
        """Record that the questions were sent to a service area (and to whom); returns the request's id."""
        actor = self._service_actor(user)
        if not (area or "").strip():
            raise ValueError("Choose the service area the request goes to.")
        if not questions:
            raise ValueError("The service request has no questions.")
        sent, due_date = as_date(sent_on, "date sent"), as_date(due, "due date")
        if sent is None or due_date is None or due_date < sent:
            raise ValueError("The service's due date must be on or after the date the request is sent.")
        with self._write() as conn:
            self._require_case(case_id, conn)
            cur = conn.execute(
                "INSERT INTO service_requests (case_id, area, recipient, questions_json, sent_on, due, sent_by, sent_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (case_id, area.strip(), recipient.strip(), _dumps([_json_safe(q) for q in questions]),
                 sent.isoformat(), due_date.isoformat(), actor, now_iso()),
            )
            request_id = int(cur.lastrowid)
            numbers = ", ".join(str(q.get("number", "")) for q in questions)
            self._log(conn, case_id, "", "service_request_sent", None,
                      f"Questions {numbers} sent to {area.strip()}{f' ({recipient.strip()})' if recipient.strip() else ''}, due {due_date:%d %B %Y}", actor)
        return request_id

    def service_requests(self, case_id: int | None = None) -> list[SentServiceRequest]:
        """The service requests of one case (or of every case), oldest first."""
        sql = ("SELECT s.*, c.reference FROM service_requests s JOIN cases c ON c.id = s.case_id"
               + (" WHERE s.case_id = ?" if case_id is not None else "") + " ORDER BY s.id")
        with self._connect() as conn:
            rows = conn.execute(sql, (case_id,) if case_id is not None else ()).fetchall()
        return [
            SentServiceRequest(
                id=r["id"], case_id=r["case_id"], case_reference=r["reference"], area=r["area"], recipient=r["recipient"],
                questions=json.loads(r["questions_json"]), sent_on=date.fromisoformat(r["sent_on"]),
                due=date.fromisoformat(r["due"]), sent_by=r["sent_by"], sent_at=r["sent_at"], answered_at=r["answered_at"],
            )
            for r in rows
        ]

    def outstanding_service_requests(self) -> list[SentServiceRequest]:
        """Requests not yet answered by their service, across every case, the earliest due first (for chasing)."""
        return sorted((r for r in self.service_requests() if r.answered_at is None), key=lambda r: (r.due, r.id))

    def add_service_return(
        self,
        case_id: int,
        *,
        area: str,
        received: date | str,
        text: str,
        items: Sequence[str],
        user: str,
        source_name: str = "",
        request_id: int | None = None,
    ) -> int:
        """Keep what a service returned with the case (never in the shared corpus); answers its request."""
        actor = self._service_actor(user)
        if not (area or "").strip():
            raise ValueError("Say which service area the return is from.")
        when = as_date(received, "date of the return")
        if when is None:
            raise ValueError("Give the date the service returned the figures.")
        cleaned = [i for i in (x.strip() for x in items) if i]
        if not cleaned or not (text or "").strip():
            raise ValueError("The return has no text to use.")
        with self._write() as conn:
            self._require_case(case_id, conn)
            if request_id is not None:
                row = conn.execute("SELECT case_id FROM service_requests WHERE id = ?", (int(request_id),)).fetchone()
                if row is None or row["case_id"] != case_id:
                    raise ValueError(f"Case {case_id} has no service request {request_id}.")
                conn.execute("UPDATE service_requests SET answered_at = ? WHERE id = ? AND answered_at IS NULL",
                             (now_iso(), int(request_id)))
            cur = conn.execute(
                "INSERT INTO service_returns (case_id, request_id, area, received, source_name, text, items_json, added_by, added_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (case_id, request_id, area.strip(), when.isoformat(), source_name, text, _dumps(cleaned), actor, now_iso()),
            )
            self._log(conn, case_id, "", "service_return_added", None,
                      f"Return from {area.strip()} of {when:%d %B %Y}{f' ({source_name})' if source_name else ''}", actor)
        return int(cur.lastrowid)

    def service_returns(self, case_id: int) -> list[StoredServiceReturn]:
        with self._connect() as conn:
            rows = conn.execute("SELECT * FROM service_returns WHERE case_id = ? ORDER BY id", (case_id,)).fetchall()
        return [
            StoredServiceReturn(
                id=r["id"], case_id=r["case_id"], request_id=r["request_id"], area=r["area"],
                received=date.fromisoformat(r["received"]), source_name=r["source_name"], text=r["text"],
                items=json.loads(r["items_json"]), added_by=r["added_by"], added_at=r["added_at"],
            )
            for r in rows
        ]

    def log_resolutions(self, case_id: int, number: str, resolved: Sequence[tuple[str, str]], user: str) -> None:
        """Record flags resolved by a service return (kind, reason) in the case's history."""
        actor = self._service_actor(user)
        with self._write() as conn:
            self._require_draft(case_id, number, conn)
            for kind, reason in resolved:
                self._log(conn, case_id, number, "flag_resolved", kind, reason, actor)

    # -- history and review ------------------------------------------------------------------------
    def history(self, case_id: int, number: str | None = None) -> list[Edit]:
        self._require_case(case_id)
        sql = "SELECT * FROM edits WHERE case_id = ?" + (" AND number = ?" if number is not None else "") + " ORDER BY id"
        args: tuple = (case_id, number) if number is not None else (case_id,)
        with self._connect() as conn:
            rows = conn.execute(sql, args).fetchall()
        return [Edit(r["number"], r["field"], r["old"], r["new"], r["user"], r["at"]) for r in rows]

    def review(self, case_id: int, number: str, decision: str, comment: str, user: str) -> Review:
        """Record a reviewer's decision on the current version of one answer."""
        if decision not in DECISIONS:
            raise ValueError(f"A review decision is 'approved' or 'returned', not '{decision}'.")
        comment = (comment or "").strip()
        if decision == "returned" and not comment:
            raise ValueError("Say why the answer is returned: the comment is empty.")
        if not user:
            raise ValueError("A review must name the reviewer.")
        with self._write() as conn:
            current = self._require_draft(case_id, number, conn)
            review = Review(number, decision, comment, user, now_iso(), current["version"])
            conn.execute(
                "INSERT INTO reviews (case_id, number, decision, comment, user, at, version) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (case_id, number, decision, comment, user, review.at, review.version),
            )
        return review

    def reviews(self, case_id: int) -> list[Review]:
        return self.get_case(case_id).reviews

    # -- the confirmed questions -----------------------------------------------------------------
    def confirm_split(self, case_id: int, split: ParsedRequest, user: str) -> ConfirmedSplit:
        """Store the questions the officer confirmed for this case; who and when go to the audit trail.

        Confirming again (after more corrections) replaces the split and logs the change."""
        if not user:
            raise ValueError("Confirming the questions must name the officer.")
        if not split.questions:
            raise ValueError("There are no questions to confirm.")
        numbers = [q.number for q in split.questions]
        if len(set(numbers)) != len(numbers):
            raise ValueError("Two questions have the same number: give each question its own number.")
        from assistant.requests.editing import summary

        at = now_iso()
        with self._write() as conn:
            self._require_case(case_id, conn)
            old = conn.execute("SELECT split_json, version FROM confirmed_splits WHERE case_id = ?", (case_id,)).fetchone()
            raw = _dumps(split.to_json())
            if old is None:
                conn.execute(
                    "INSERT INTO confirmed_splits (case_id, split_json, confirmed_by, confirmed_at) VALUES (?, ?, ?, ?)",
                    (case_id, raw, user, at),
                )
                version, before = 1, None
            else:
                version = old["version"] + 1
                conn.execute(
                    "UPDATE confirmed_splits SET split_json = ?, confirmed_by = ?, confirmed_at = ?, version = ?"
                    " WHERE case_id = ?",
                    (raw, user, at, version, case_id),
                )
                before = summary(ParsedRequest.from_json(json.loads(old["split_json"])))
            self._log(conn, case_id, "", "questions confirmed", before, summary(split), user)
        return ConfirmedSplit(split, user, at, version)

    def confirmed_split(self, case_id: int) -> ConfirmedSplit | None:
        """The questions the officer confirmed, or None when the case was drafted from the proposed split."""
        with self._connect() as conn:
            self._require_case(case_id, conn)
            row = conn.execute("SELECT * FROM confirmed_splits WHERE case_id = ?", (_case_id(case_id),)).fetchone()
        if row is None:
            return None
        split = ParsedRequest.from_json(json.loads(row["split_json"]))
        return ConfirmedSplit(split, row["confirmed_by"], row["confirmed_at"], row["version"])

    # -- helpers ---------------------------------------------------------------------------------
    def _require_case(self, case_id: int, conn: sqlite3.Connection | None = None) -> None:
        if conn is None:
            with self._connect() as own:
                return self._require_case(case_id, own)
        if conn.execute("SELECT 1 FROM cases WHERE id = ?", (_case_id(case_id),)).fetchone() is None:
            raise ValueError(f"No case with id {case_id}.")

    @staticmethod
    def _require_draft(case_id: int, number: str, conn: sqlite3.Connection) -> sqlite3.Row:
        """The stored row of one answer, read inside the caller's transaction so the 'old' value logged is exact."""
        if conn.execute("SELECT 1 FROM cases WHERE id = ?", (_case_id(case_id),)).fetchone() is None:
            raise ValueError(f"No case with id {case_id}.")
        row = conn.execute("SELECT * FROM drafts WHERE case_id = ? AND number = ?", (case_id, str(number))).fetchone()
        if row is None:
            raise ValueError(f"Case {case_id} has no question {number}.")
        return row

    def _upsert(self, conn: sqlite3.Connection, case_id: int, draft: Draft, user: str, reason: str) -> None:
        number = draft.question.number
        existing = conn.execute("SELECT * FROM drafts WHERE case_id = ? AND number = ?", (case_id, number)).fetchone()
        values = {
            "question_json": question_to_json(draft.question),
            "answer": draft.answer,
            "status": Status(draft.status).value,
            "status_reason": draft.status_reason,
            "exemptions_json": _dumps(list(draft.exemptions)),
            "citations_json": _dumps([asdict(c) for c in draft.citations]),
            "flags_json": _dumps([asdict(f) for f in draft.flags]),
            "passages_json": _dumps([passage_to_dict(p) for p in draft.passages]),
            "engine": draft.engine,
            "updated_by": user,
            "updated_at": now_iso(),
        }
        if existing is None:
            position = conn.execute(
                "SELECT COALESCE(MAX(position), -1) + 1 FROM drafts WHERE case_id = ?", (case_id,)
            ).fetchone()[0]
            columns = ["case_id", "number", "position", "version", *values]
            conn.execute(
                f"INSERT INTO drafts ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
                (case_id, number, position, 1, *values.values()),
            )
            return
        assignments = ", ".join(f"{k} = ?" for k in values)
        conn.execute(
            f"UPDATE drafts SET {assignments}, version = version + 1 WHERE case_id = ? AND number = ?",
            (*values.values(), case_id, number),
        )
        self._log(conn, case_id, number, reason, existing["answer"], draft.answer, user)

    @staticmethod
    def _log(conn: sqlite3.Connection, case_id: int, number: str, what: str, old: Any, new: Any, user: str) -> None:
        conn.execute(
            "INSERT INTO edits (case_id, number, field, old, new, user, at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (case_id, number, what, None if old is None else str(old), None if new is None else str(new), user, now_iso()),
        )


def _version(conn: sqlite3.Connection) -> int:
    exists = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'").fetchone()
    if not exists:
        return 0
    return int(conn.execute("SELECT COALESCE(MAX(version), 0) FROM schema_version").fetchone()[0])


def _case_id(case_id: Any) -> int:
    try:
        return int(case_id)
    except (TypeError, ValueError):
        raise ValueError(f"'{case_id}' is not a case id.") from None


def _draft_from_row(row: sqlite3.Row) -> Draft:
    return Draft(
        question=question_from_json(row["question_json"]),
        answer=row["answer"],
        status=Status(row["status"]),
        exemptions=json.loads(row["exemptions_json"]),
        citations=[Citation(**c) for c in json.loads(row["citations_json"])],
        flags=[Flag(**f) for f in json.loads(row["flags_json"])],
        engine=row["engine"],
        passages=[passage_from_dict(p) for p in json.loads(row["passages_json"])],
        status_reason=row["status_reason"],
    )
