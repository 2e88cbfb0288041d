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
from typing import Any, Iterable, Iterator, Mapping, Sequence

from assistant.deadlines import Deadline, deadline_for
from assistant.decisions import parse_date
from assistant.models import Citation, DocType, Draft, Flag, Passage, Question, Status, Unit
from assistant.requests.result import ParsedRequest

ENGINES = ("extractive", "llm", "naive")
DECISIONS = ("approved", "returned")

ROLES = ("officer", "reviewer", "admin")
#: Who may do what. The store checks it on every call, whatever the screens show or hide.
PERMISSIONS: dict[str, tuple[str, ...]] = {
    "open": ("officer", "admin"),  # open a case, change its details, move it through its lifecycle
    "edit": ("officer", "reviewer", "admin"),  # draft, edit, regenerate, restore answers; resolve flags
    "review": ("reviewer", "admin"),  # approve or return an answer
}
_ACTION_WORDS = {
    "open": "open cases or move them through their lifecycle (officers do)",
    "edit": "change answers",
    "review": "approve or return answers (reviewers do)",
}

#: The case lifecycle. Stored in the cases table; review decisions move in_review ⇄ returned → approved.
STATES = ("new", "drafting", "in_review", "returned", "approved", "sent", "closed", "withdrawn", "cancelled")
OPEN_STATES = ("new", "drafting", "in_review", "returned", "approved")
ENDED_STATES = ("withdrawn", "cancelled")
#: Where a reviewer may decide: once the officer has sent the case for review, until it is sent.
REVIEWABLE_STATES = ("in_review", "returned", "approved")

#: How a version of an answer came about; the first four are a person's own changes, never replaced silently.
VERSION_KINDS = ("edited", "restored", "status", "exemptions", "drafted", "regenerated", "revised", "redrafted")
#: Why a whole new draft replaces an answer → the version kind it makes.
REPLACE_KINDS = {"regenerated": "regenerated", "revised": "revised", "redrafted from service return": "redrafted"}
OFFICER_KINDS = ("edited", "restored", "status", "exemptions")


class AccessDenied(ValueError):
    """The acting user is unknown, or their role does not allow the operation."""


class EditConflict(ValueError):
    """The answer changed since the caller read it: nothing was written."""

    def __init__(self, message: str, current_version: int, current_user: str, current_at: str) -> None:
        super().__init__(message)
        self.current_version = current_version
        self.current_user = current_user
        self.current_at = current_at


class NotFound(ValueError):
    """No case with that id, or no such question in the case."""


class WrongState(ValueError):
    """The case is not in a state that allows the operation (e.g. sent, or not yet sent for review)."""


class EditWouldBeLost(ValueError):
    """Replacing the answer would discard a person's own edit; the caller must confirm (replace_edit=True)."""


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
    # 5: the case lifecycle (state, reason, date sent), a snapshot of every version of every answer (history with
    # diff and restore), lifecycle events, and flags resolved by a named person with a reason
    """
    ALTER TABLE cases ADD COLUMN state TEXT NOT NULL DEFAULT 'drafting';
    ALTER TABLE cases ADD COLUMN state_reason TEXT NOT NULL DEFAULT '';
    ALTER TABLE cases ADD COLUMN sent_on TEXT;
    UPDATE cases SET state = 'new' WHERE id NOT IN (SELECT case_id FROM drafts);
    UPDATE cases SET state = 'in_review' WHERE id IN (SELECT case_id FROM reviews);
    CREATE TABLE versions (
        case_id INTEGER NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
        number TEXT NOT NULL,
        version INTEGER NOT NULL,
        kind TEXT NOT NULL,
        answer TEXT NOT NULL,
        status TEXT NOT NULL,
        status_reason TEXT NOT NULL DEFAULT '',
        exemptions_json TEXT NOT NULL DEFAULT '[]',
        citations_json TEXT NOT NULL DEFAULT '[]',
        flags_json TEXT NOT NULL DEFAULT '[]',
        passages_json TEXT NOT NULL DEFAULT '[]',
        user TEXT NOT NULL DEFAULT '',
        at TEXT NOT NULL,
        PRIMARY KEY (case_id, number, version)
    );
    INSERT INTO versions (case_id, number, version, kind, answer, status, status_reason, exemptions_json,
                          citations_json, flags_json, passages_json, user, at)
        SELECT case_id, number, version, 'drafted', answer, status, status_reason, exemptions_json, citations_json,
               flags_json, passages_json, updated_by, updated_at FROM drafts;
    CREATE TABLE events (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        case_id INTEGER NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
        old_state TEXT NOT NULL,
        new_state TEXT NOT NULL,
        reason TEXT NOT NULL DEFAULT '',
        user TEXT NOT NULL DEFAULT '',
        at TEXT NOT NULL
    );
    CREATE TABLE flag_resolutions (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        case_id INTEGER NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
        number TEXT NOT NULL,
        kind TEXT NOT NULL,
        message TEXT NOT NULL,
        reason TEXT NOT NULL,
        user TEXT NOT NULL,
        at TEXT NOT NULL
    );
    CREATE INDEX events_by_case ON events(case_id);
    CREATE INDEX resolutions_by_case ON flag_resolutions(case_id, number);
    """,
]
SCHEMA_VERSION = len(MIGRATIONS)


def now_iso() -> str:
    """UTC time to the microsecond, so events in quick succession (a review, then an edit) still sort in the order
    they happened; older millisecond stamps sort with them ('+' sorts before any digit)."""
    return datetime.now(timezone.utc).isoformat(timespec="microseconds")


@dataclass(frozen=True)
class DraftMeta:
    """Bookkeeping the pipeline's Draft does not carry: which version this is, how it came about, who made it."""

    version: int
    updated_by: str
    updated_at: str
    position: int
    kind: str = "drafted"

    @property
    def edited_by_a_person(self) -> bool:
        return self.kind in OFFICER_KINDS


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


@dataclass(frozen=True)
class Version:
    """One stored version of an answer, as it stood after a draft, an edit, a regeneration or a restore."""

    number: str
    version: int
    kind: str
    answer: str
    status: str
    exemptions: list[str]
    user: str
    at: str


@dataclass(frozen=True)
class Resolution:
    """A flag someone has dealt with: who, when and why (e.g. 'figures confirmed by Children's Services')."""

    number: str
    kind: str
    message: str
    reason: str
    user: str
    at: str


@dataclass(frozen=True)
class Event:
    """A move of the case through its lifecycle."""

    old_state: str
    new_state: str
    reason: str
    user: str
    at: str


@dataclass(frozen=True)
class Activity:
    """One line of the case's activity, in time order."""

    at: str
    user: str
    what: str


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
    state: str = "new"
    state_reason: str = ""
    sent_on: date | None = None
    resolutions: list[Resolution] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)

    def draft(self, number: str) -> Draft:
        for d in self.drafts:
            if d.question.number == number:
                return d
        raise NotFound(f"Case {self.reference} has no question {number}.")

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

    def returned_comment(self, number: str) -> Review | None:
        """The reviewer's latest 'returned' decision on this answer, while no later decision replaced it."""
        review = self.latest_review(number)
        return review if review is not None and review.decision == "returned" else None

    def resolution(self, number: str, flag: Flag) -> Resolution | None:
        """How this flag of this answer was resolved, if it was (the same kind and wording)."""
        found = [r for r in self.resolutions if r.number == number and r.kind == flag.kind and r.message == flag.message]
        return found[-1] if found else None

    @property
    def status(self) -> str:
        """The lifecycle state (kept under this name for callers that read a case's status)."""
        return self.state

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    def sent_late_by(self) -> int | None:
        """Working days late when sent (0: on time); None while not sent."""
        if self.sent_on is None:
            return None
        deadline = deadline_for(self.received, self.sent_on, self.clarified, self.extension_days)
        return max(0, -deadline.days_remaining) if deadline.overdue else 0


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
    state: str
    created_by: str
    sent_on: date | None = None

    @property
    def status(self) -> str:
        return self.state


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
    """Cases in one SQLite file; a fresh connection per call keeps it safe to share between threads.

    Every operation names the person acting; with a roster of users (the app's sign-in list) the store refuses
    unknown names and roles that may not do it. Without a roster (sign-in off, a one-person install on loopback)
    any named person may do everything, but an approver still may not approve their own last edit unless
    `allow_self_approval` says so. Every save carries the version it was based on, so a stale screen never
    overwrites newer text.
    """

    def __init__(
        self,
        path: str | Path,
        users: Iterable[Any] | Mapping[str, str] | None = None,
        *,
        allow_self_approval: bool = False,
    ) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._roles = _roster(users)
        self.allow_self_approval = allow_self_approval
        # Requests and names are personal data: the file (and SQLite's -wal/-shm, which copy its mode) is 0600.
        os.close(os.open(self.path, os.O_CREAT | os.O_WRONLY, 0o600))
        os.chmod(self.path, 0o600)
        with self._connect() as conn:
            conn.execute("PRAGMA journal_mode=WAL")
        # Each operation opens its own connection. When the last one closes, SQLite checkpoints the WAL into the
        # database file and deletes it: two more fsyncs after every saved answer (three times the cost of the
        # commit). One idle connection held for the store's life keeps the WAL in place; every transaction is
        # still committed (and synced) on its own, and SQLite checkpoints as the WAL grows.
        self._wal_holder: sqlite3.Connection | None = sqlite3.connect(self.path, check_same_thread=False)
        self._wal_holder.execute("SELECT count(*) FROM sqlite_master").fetchone()
        self.migrate()

    def release(self) -> None:
        """Let go of the connection that keeps the WAL open (the last connection to close checkpoints it)."""
        holder, self._wal_holder = self._wal_holder, None
        if holder is not None:
            holder.close()

    def __del__(self) -> None:
        try:
            self.release()
        except Exception:  # noqa: BLE001 - interpreter shutdown
            pass

    @classmethod
    def from_settings(cls, settings: Any) -> "CaseStore":
        return cls(
            settings.cases_db,
            users=settings.users or None,
            allow_self_approval=getattr(settings, "allow_self_approval", False),
        )

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

    # -- who may do what -------------------------------------------------------------------------
    @property
    def sign_in_off(self) -> bool:
        return self._roles is None

    def role_of(self, user: str) -> str:
        name = (user or "").strip()
        if not name:
            raise AccessDenied("Sign in or say who is acting: the user name is empty.")
        if self._roles is None:
            return "admin"
        role = self._roles.get(name)
        if role is None:
            raise AccessDenied(f"'{name}' is not a user of this service.")
        return role

    def can(self, user: str, action: str) -> bool:
        try:
            return self.role_of(user) in PERMISSIONS[action]
        except AccessDenied:
            return False

    def _require(self, user: str, action: str) -> str:
        role = self.role_of(user)
        if role not in PERMISSIONS[action]:
            raise AccessDenied(f"{user.strip()} ({role}) cannot {_ACTION_WORDS[action]}.")
        return user.strip()

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
        created_by = self._require(created_by, "open")
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
                " clarified, extension_days, exclude_json, state) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'new')",
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
        user = self._require(user, "open")
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
            self._require_open(conn, case_id)
            for column, value in new.items():
                if value != old[column]:
                    conn.execute(f"UPDATE cases SET {column} = ? WHERE id = ?", (value, case_id))
                    self._log(conn, case_id, "", f"case.{column}", old[column], value, user)

    def get_case(self, case_id: int) -> Case:
        with self._connect() as conn:
            row = conn.execute("SELECT * FROM cases WHERE id = ?", (_case_id(case_id),)).fetchone()
            if row is None:
                raise NotFound(f"No case with id {case_id}.")
            draft_rows = conn.execute("SELECT * FROM drafts WHERE case_id = ? ORDER BY position", (row["id"],)).fetchall()
            review_rows = conn.execute("SELECT * FROM reviews WHERE case_id = ? ORDER BY id", (row["id"],)).fetchall()
            kinds = {
                (r["number"], r["version"]): r["kind"]
                for r in conn.execute("SELECT number, version, kind FROM versions WHERE case_id = ?", (row["id"],))
            }
            resolution_rows = conn.execute("SELECT * FROM flag_resolutions WHERE case_id = ? ORDER BY id", (row["id"],)).fetchall()
            event_rows = conn.execute("SELECT * FROM events WHERE case_id = ? ORDER BY id", (row["id"],)).fetchall()
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
            state=row["state"],
            state_reason=row["state_reason"],
            sent_on=date.fromisoformat(row["sent_on"]) if row["sent_on"] else None,
        )
        for d in draft_rows:
            case.drafts.append(_draft_from_row(d))
            kind = kinds.get((d["number"], d["version"]), "drafted")
            case.meta[d["number"]] = DraftMeta(d["version"], d["updated_by"], d["updated_at"], d["position"], kind)
        case.reviews = [
            Review(r["number"], r["decision"], r["comment"], r["user"], r["at"], r["version"]) for r in review_rows
        ]
        case.resolutions = [
            Resolution(r["number"], r["kind"], r["message"], r["reason"], r["user"], r["at"]) for r in resolution_rows
        ]
        case.events = [Event(r["old_state"], r["new_state"], r["reason"], r["user"], r["at"]) for r in event_rows]
        return case

    def list_cases(
        self, today: date | None = None, *, state: str | Sequence[str] | None = None, owner: str | None = None
    ) -> list[CaseSummary]:
        """Cases with their deadline and state, open ones first and the most urgent first; filter by state or owner.

        Reads only the columns the list needs, so a long case list does not load every draft's sources.
        """
        today = today or date.today()
        wanted = {state} if isinstance(state, str) else set(state or ())
        unknown = wanted - set(STATES)
        if unknown:
            raise ValueError(f"Unknown case state '{', '.join(sorted(unknown))}': choose from {', '.join(STATES)}.")
        with self._connect() as conn:
            cases = conn.execute(
                "SELECT id, reference, received, requester, created_by, clarified, extension_days, state, sent_on"
                " FROM cases ORDER BY id"
            ).fetchall()
            counts = {
                r["case_id"]: r["n"] for r in conn.execute("SELECT case_id, COUNT(*) AS n FROM drafts GROUP BY case_id")
            }
        summaries = []
        for row in cases:
            if wanted and row["state"] not in wanted:
                continue
            if owner and row["created_by"] != owner:
                continue
            received = date.fromisoformat(row["received"])
            clarified = date.fromisoformat(row["clarified"]) if row["clarified"] else None
            deadline = deadline_for(received, today, clarified, row["extension_days"])
            summaries.append(
                CaseSummary(
                    id=row["id"],
                    reference=row["reference"],
                    received=received,
                    requester=row["requester"],
                    questions=counts.get(row["id"], 0),
                    due=deadline.due,
                    days_remaining=deadline.days_remaining,
                    overdue=deadline.overdue and row["state"] in OPEN_STATES,
                    state=row["state"],
                    created_by=row["created_by"],
                    sent_on=date.fromisoformat(row["sent_on"]) if row["sent_on"] else None,
                )
            )
        return sorted(summaries, key=lambda s: (s.state not in OPEN_STATES, s.state == "approved", s.due, s.id))

    def owners(self) -> list[str]:
        with self._connect() as conn:
            return [r[0] for r in conn.execute("SELECT DISTINCT created_by FROM cases WHERE created_by != '' ORDER BY 1")]

    # -- lifecycle -------------------------------------------------------------------------------
    def submit_for_review(self, case_id: int, user: str) -> str:
        """The officer hands the drafted answers to a reviewer (first time, or again after a return)."""
        user = self._require(user, "open")
        with self._write() as conn:
            state = self._require_open(conn, case_id)
            if state not in ("drafting", "returned", "in_review"):
                raise WrongState(f"A case that is {_state_words(state)} cannot be sent for review.")
            if conn.execute("SELECT 1 FROM drafts WHERE case_id = ?", (case_id,)).fetchone() is None:
                raise WrongState("There are no drafted answers to review yet.")
            target = "approved" if self._all_approved(conn, case_id) else "in_review"
            self._move(conn, case_id, state, target, "", user)
            return target

    def mark_sent(self, case_id: int, user: str, sent_on: date | str | None = None, today: date | None = None) -> int:
        """Record that the approved reply went out (the date it did); returns working days late (0: on time)."""
        user = self._require(user, "open")
        today = today or date.today()
        sent = as_date(sent_on, "date sent") or today
        case = self.get_case(case_id)
        if sent > today:
            raise ValueError(f"The date sent ({sent}) is in the future.")
        if sent < case.received:
            raise ValueError(f"The date sent ({sent}) is before the request was received ({case.received}).")
        with self._write() as conn:
            state = self._require_open(conn, case_id)
            if state != "approved" or not self._all_approved(conn, case_id):
                raise ValueError("Only a case whose every answer is approved can be marked as sent.")
            deadline = deadline_for(case.received, sent, case.clarified, case.extension_days)
            late = max(0, -deadline.days_remaining) if deadline.overdue else 0
            conn.execute("UPDATE cases SET sent_on = ? WHERE id = ?", (sent.isoformat(), case_id))
            reason = f"sent on {sent:%d %B %Y}, " + (f"{late} working day(s) late" if late else "on time")
            self._move(conn, case_id, state, "sent", reason, user)
        return late

    def close(self, case_id: int, user: str, reason: str = "") -> None:
        user = self._require(user, "open")
        with self._write() as conn:
            state = self._state(conn, case_id)
            if state != "sent":
                raise ValueError(f"Only a sent case can be closed; this one is {_state_words(state)}.")
            self._move(conn, case_id, state, "closed", (reason or "").strip(), user)

    def end(self, case_id: int, state: str, reason: str, user: str) -> None:
        """Withdrawn (by the requester) or cancelled (by the council), with the reason; only while still open."""
        user = self._require(user, "open")
        if state not in ENDED_STATES:
            raise ValueError(f"A case ends as {' or '.join(ENDED_STATES)}, not '{state}'.")
        reason = (reason or "").strip()
        if not reason:
            raise ValueError(f"Say why the case is {state}: the reason is empty.")
        with self._write() as conn:
            current = self._require_open(conn, case_id)
            conn.execute("UPDATE cases SET state_reason = ? WHERE id = ?", (reason, case_id))
            self._move(conn, case_id, current, state, reason, user)

    # -- drafts ----------------------------------------------------------------------------------
    def save_drafts(self, case_id: int, drafts: Iterable[Draft], user: str = "") -> None:
        """Store drafts as they arrive. A question already drafted is replaced only if nobody has edited it."""
        user = self._require(user, "edit")
        drafts = list(drafts)
        with self._write() as conn:
            self._require_open(conn, case_id)
            for draft in drafts:
                existing = self._row(conn, case_id, draft.question.number)
                if existing is not None and (self._kind(conn, existing) in OFFICER_KINDS or _same(existing, draft)):
                    continue  # a person's edit is never replaced by a background draft; identical text is no version
                self._upsert(conn, case_id, draft, user, "drafted" if existing is None else "regenerated")

    def replace_draft(
        self,
        case_id: int,
        draft: Draft,
        user: str,
        reason: str = "regenerated",
        *,
        expected_version: int | None = None,
        replace_edit: bool = False,
    ) -> bool:
        """A new version of one answer (regenerate, revise); False when it says exactly what the current one says.

        Refuses (EditWouldBeLost) to replace a person's own edit unless `replace_edit`; the replaced answer stays
        in the version history either way."""
        user = self._require(user, "edit")
        if reason not in REPLACE_KINDS:
            raise ValueError(f"A replacement is one of {', '.join(REPLACE_KINDS)}, not '{reason}'.")
        kind = REPLACE_KINDS[reason]
        with self._write() as conn:
            self._require_open(conn, case_id)
            current = self._require_draft(case_id, draft.question.number, conn)
            if expected_version is not None:
                self._check_version(conn, current, expected_version)
            if _same(current, draft):
                return False
            current_kind = self._kind(conn, current)
            if current_kind in OFFICER_KINDS and not replace_edit:
                raise EditWouldBeLost(
                    f"Question {current['number']} was last changed by {current['updated_by']} ({_kind_words(current_kind)}, "
                    f"version {current['version']}): confirm that the new draft should replace it."
                )
            self._upsert(conn, case_id, draft, user, kind)
            return True

    def update_answer(
        self,
        case_id: int,
        number: str,
        answer: str,
        user: str,
        *,
        expected_version: int,
        citations: Sequence[Citation] | None = None,
        flags: Sequence[Flag] | None = None,
    ) -> bool:
        """Save a person's edit made on `expected_version`; False when the text is unchanged.

        Raises EditConflict (nothing written) when someone else saved a newer version meanwhile. Citations and
        flags re-checked for this very text are written in the same transaction, so they always belong to it."""
        extra: dict[str, str] = {}
        if citations is not None:
            extra["citations_json"] = _dumps([asdict(c) for c in citations])
        if flags is not None:
            extra["flags_json"] = _dumps([asdict(f) for f in flags])
        return self._edit_field(case_id, number, "answer", answer, answer, user, expected_version, "edited", extra)

    def update_status(self, case_id: int, number: str, status: Status | str, user: str, *, expected_version: int) -> bool:
        try:
            value = Status(status).value
        except ValueError:
            choices = ", ".join(s.value for s in Status)
            raise ValueError(f"Unknown status '{status}': choose one of {choices}.") from None
        return self._edit_field(case_id, number, "status", value, value, user, expected_version, "status")

    def update_exemptions(
        self, case_id: int, number: str, exemptions: Sequence[str], user: str, *, expected_version: int
    ) -> bool:
        cleaned = list(dict.fromkeys(e.strip() for e in exemptions if e and e.strip()))
        return self._edit_field(
            case_id, number, "exemptions_json", _dumps(cleaned), ", ".join(cleaned), user, expected_version, "exemptions"
        )

    def _edit_field(
        self,
        case_id: int,
        number: str,
        column: str,
        stored: str,
        shown: str,
        user: str,
        expected_version: int,
        kind: str,
        extra: dict[str, str] | None = None,
    ) -> bool:
        """One person's edit of one draft field: a new version, its snapshot and a history row; or nothing.

        `stored` is the column's new value; `shown` is how old and new values read in the history."""
        user = self._require(user, "edit")
        field_name = column.removesuffix("_json")
        with self._write() as conn:
            self._require_open(conn, case_id)
            current = self._require_draft(case_id, number, conn)
            if current[column] == stored:
                return False
            self._check_version(conn, current, expected_version)
            values = {column: stored, **(extra or {})}
            assignments = "".join(f"{k} = ?, " for k in values)
            conn.execute(
                f"UPDATE drafts SET {assignments}version = version + 1, updated_by = ?, updated_at = ?"
                " WHERE case_id = ? AND number = ?",
                (*values.values(), user, now_iso(), case_id, number),
            )
            old = ", ".join(json.loads(current[column])) if column.endswith("_json") else current[column]
            self._log(conn, case_id, number, field_name, old, shown, user)
            self._snapshot(conn, case_id, number, kind, user)
            self._after_change(conn, case_id, user)
        return True

    def update_checks(
        self, case_id: int, number: str, citations: list[Citation], flags: list[Flag], *, version: int
    ) -> bool:
        """Results of re-checking `version` of an answer: stored only if that is still the current version."""
        with self._write() as conn:
            current = self._require_draft(case_id, number, conn)
            if current["version"] != version:
                return False
            values = (_dumps([asdict(c) for c in citations]), _dumps([asdict(f) for f in flags]))
            conn.execute(
                "UPDATE drafts SET citations_json = ?, flags_json = ? WHERE case_id = ? AND number = ?",
                (*values, case_id, number),
            )
            conn.execute(
                "UPDATE versions SET citations_json = ?, flags_json = ? WHERE case_id = ? AND number = ? AND version = ?",
                (*values, case_id, number, version),
            )
        return True

    # -- versions --------------------------------------------------------------------------------
    def versions(self, case_id: int, number: str) -> list[Version]:
        """Every version of one answer, oldest first."""
        with self._connect() as conn:
            self._require_draft(case_id, number, conn)
            rows = conn.execute(
                "SELECT * FROM versions WHERE case_id = ? AND number = ? ORDER BY version", (case_id, str(number))
            ).fetchall()
        return [
            Version(r["number"], r["version"], r["kind"], r["answer"], r["status"], json.loads(r["exemptions_json"]), r["user"], r["at"])
            for r in rows
        ]

    def restore(self, case_id: int, number: str, version: int, user: str, *, expected_version: int) -> bool:
        """Make an earlier version the current one again (as a new version); False when it already is identical."""
        user = self._require(user, "edit")
        with self._write() as conn:
            self._require_open(conn, case_id)
            current = self._require_draft(case_id, number, conn)
            self._check_version(conn, current, expected_version)
            old = conn.execute(
                "SELECT * FROM versions WHERE case_id = ? AND number = ? AND version = ?", (case_id, str(number), int(version))
            ).fetchone()
            if old is None:
                raise ValueError(f"Question {number} has no version {version}.")
            columns = ("answer", "status", "status_reason", "exemptions_json", "citations_json", "flags_json", "passages_json")
            if all(current[c] == old[c] for c in ("answer", "status", "exemptions_json")):
                return False
            conn.execute(
                f"UPDATE drafts SET {', '.join(f'{c} = ?' for c in columns)}, version = version + 1, updated_by = ?,"
                " updated_at = ? WHERE case_id = ? AND number = ?",
                (*(old[c] for c in columns), user, now_iso(), case_id, str(number)),
            )
            self._log(conn, case_id, str(number), f"restored version {version}", current["answer"], old["answer"], user)
            self._snapshot(conn, case_id, str(number), "restored", user)
            self._after_change(conn, case_id, user)
        return True

    # -- flags -----------------------------------------------------------------------------------
    def resolve_flag(self, case_id: int, number: str, kind: str, message: str, reason: str, user: str) -> Resolution:
        """Record who dealt with a flag of the current answer, when and why; the flag stays visible, greyed."""
        user = self._require(user, "edit")
        reason = (reason or "").strip()
        if not reason:
            raise ValueError("Say how the flag was resolved (e.g. 'figures confirmed by Children's Services on 2 June').")
        with self._write() as conn:
            self._require_open(conn, case_id)
            current = self._require_draft(case_id, number, conn)
            flags = [Flag(**f) for f in json.loads(current["flags_json"])]
            if not any(f.kind == kind and f.message == message for f in flags):
                raise ValueError(f"Question {number} has no such flag now (it may have gone after an edit).")
            resolution = Resolution(str(number), kind, message, reason, user, now_iso())
            conn.execute(
                "INSERT INTO flag_resolutions (case_id, number, kind, message, reason, user, at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (case_id, str(number), kind, message, reason, user, resolution.at),
            )
        return resolution

    # -- service requests and returns --------------------------------------------------------------
    def service_actor(self, user: str) -> str:
        """Asking a service and recording its return are an officer's acts: checked here, not only in screens."""
        if not (user or "").strip():
            raise ValueError("Sign in to send or record a service request: the case records who did it.")
        return self._require(user, "open")

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
        actor = self.service_actor(user)
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
        actor = self.service_actor(user)
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

    def record_return_shared(self, case_id: int, return_id: int, doc_id: str, user: str) -> None:
        """The officer added this return to the shared corpus as `doc_id`: the case records who, when and which."""
        actor = self.service_actor(user)
        with self._write() as conn:
            row = conn.execute("SELECT area, received FROM service_returns WHERE id = ? AND case_id = ?",
                               (int(return_id), case_id)).fetchone()
            if row is None:
                raise ValueError(f"Case {case_id} has no service return {return_id}.")
            self._log(conn, case_id, "", "service_return_shared", str(int(return_id)),
                      f"Return from {row['area']} of {date.fromisoformat(row['received']):%d %B %Y} added to the shared corpus as {doc_id}",
                      actor)

    def shared_returns(self, case_id: int) -> dict[int, str]:
        """Return id → what the case recorded when it was added to the shared corpus."""
        with self._connect() as conn:
            rows = conn.execute("SELECT old, new FROM edits WHERE case_id = ? AND field = 'service_return_shared' ORDER BY id",
                                (case_id,)).fetchall()
        return {int(r["old"]): r["new"] for r in rows}

    def add_sources(self, case_id: int, passages: Sequence[Passage]) -> int:
        """Make passages (a service return's) citable by every answer of the case: appended to each answer's
        sources, so existing markers keep their numbers. Not an edit: no new version. Returns answers touched."""
        touched = 0
        with self._write() as conn:
            self._require_case(case_id, conn)
            for row in conn.execute("SELECT number, passages_json FROM drafts WHERE case_id = ?", (case_id,)).fetchall():
                current = json.loads(row["passages_json"])
                have = {p["unit"]["id"] for p in current}
                extra = [passage_to_dict(p) for p in passages if p.unit.id not in have]
                if extra:
                    conn.execute("UPDATE drafts SET passages_json = ? WHERE case_id = ? AND number = ?",
                                 (_dumps(current + extra), case_id, row["number"]))
                    touched += 1
        return touched

    # -- history and review ------------------------------------------------------------------------
    def history(self, case_id: int, number: str | None = None) -> list[Edit]:
        self._require_case(case_id)
        sql = "SELECT * FROM edits WHERE case_id = ?" + (" AND number = ?" if number is not None else "") + " ORDER BY id"
        args: tuple = (case_id, number) if number is not None else (case_id,)
        with self._connect() as conn:
            rows = conn.execute(sql, args).fetchall()
        return [Edit(r["number"], r["field"], r["old"], r["new"], r["user"], r["at"]) for r in rows]

    def activity(self, case_id: int) -> list[Activity]:
        """Everything that happened to the case (opened, drafted, edited, reviewed, flags resolved, moved), in time order."""
        case = self.get_case(case_id)
        items: list[tuple[str, int, Activity]] = [(case.created_at, 0, Activity(case.created_at, case.created_by, "opened the case"))]
        with self._connect() as conn:
            for r in conn.execute("SELECT * FROM versions WHERE case_id = ? ORDER BY at, version", (case.id,)):
                items.append((r["at"], 1, Activity(r["at"], r["user"], f"{_kind_words(r['kind'])} question {r['number']} (version {r['version']})")))
            for r in conn.execute("SELECT * FROM edits WHERE case_id = ? AND field = 'flag_resolved' ORDER BY id", (case.id,)):
                items.append((r["at"], 2, Activity(r["at"], r["user"], f"resolved a flag on question {r['number']}: {r['new']}")))
            for r in conn.execute("SELECT * FROM edits WHERE case_id = ? AND number = '' ORDER BY id", (case.id,)):
                what = (r["new"] if r["field"].startswith("service_") and r["new"]
                        else f"changed the case's {r['field'].removeprefix('case.').replace('_', ' ')}")
                items.append((r["at"], 1, Activity(r["at"], r["user"], what)))
        for r in case.reviews:
            comment = f": “{r.comment}”" if r.comment else ""
            items.append((r.at, 2, Activity(r.at, r.user, f"{r.decision} question {r.number} (version {r.version}){comment}")))
        for r in case.resolutions:
            items.append((r.at, 2, Activity(r.at, r.user, f"resolved a flag on question {r.number}: {r.reason}")))
        for e in case.events:
            reason = f" ({e.reason})" if e.reason else ""
            items.append((e.at, 3, Activity(e.at, e.user, f"moved the case to {_state_words(e.new_state)}{reason}")))
        return [a for _, _, a in sorted(items, key=lambda t: (t[0], t[1]))]

    def review(self, case_id: int, number: str, decision: str, comment: str, user: str, *, version: int) -> Review:
        """Record a reviewer's decision on the version of the answer they saw (refused if it has changed since)."""
        if decision not in DECISIONS:
            raise ValueError(f"A review decision is 'approved' or 'returned', not '{decision}'.")
        comment = (comment or "").strip()
        if decision == "returned" and not comment:
            raise ValueError("Say why the answer is returned: the comment is empty.")
        user = self._require(user, "review")
        with self._write() as conn:
            state = self._require_open(conn, case_id)
            if state not in REVIEWABLE_STATES:
                raise WrongState(f"The case is {_state_words(state)}: the officer has not sent it for review yet.")
            current = self._require_draft(case_id, number, conn)
            self._check_version(conn, current, version)
            if decision == "approved" and current["updated_by"] == user and not self.allow_self_approval:
                raise AccessDenied(
                    f"{user} made the current version of question {number} ({_kind_words(self._kind(conn, current))}, "
                    f"version {current['version']}): another reviewer must approve it."
                )
            review = Review(str(number), decision, comment, user, now_iso(), current["version"])
            conn.execute(
                "INSERT INTO reviews (case_id, number, decision, comment, user, at, version) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (case_id, str(number), decision, comment, user, review.at, review.version),
            )
            if decision == "returned" and state != "returned":
                self._move(conn, case_id, state, "returned", f"question {number}: {comment}", user)
            elif decision == "approved" and state == "in_review" and self._all_approved(conn, case_id):
                self._move(conn, case_id, state, "approved", "", user)
        return review

    def reviews(self, case_id: int) -> list[Review]:
        return self.get_case(case_id).reviews

    # -- the confirmed questions -----------------------------------------------------------------
    def confirm_split(self, case_id: int, split: ParsedRequest, user: str) -> ConfirmedSplit:
        """Store the questions the officer confirmed for this case; who and when go to the audit trail.

        Confirming again (after more corrections) replaces the split and logs the change."""
        if not user:
            raise ValueError("Confirming the questions must name the officer.")
        user = self._require(user, "open")
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
            raise NotFound(f"No case with id {case_id}.")

    @staticmethod
    def _state(conn: sqlite3.Connection, case_id: int) -> str:
        row = conn.execute("SELECT state FROM cases WHERE id = ?", (_case_id(case_id),)).fetchone()
        if row is None:
            raise NotFound(f"No case with id {case_id}.")
        return row["state"]

    def _require_open(self, conn: sqlite3.Connection, case_id: int) -> str:
        """The case's state, refusing changes to a case that was sent, closed, withdrawn or cancelled."""
        state = self._state(conn, case_id)
        if state not in OPEN_STATES:
            raise WrongState(f"The case is {_state_words(state)}: it can no longer be changed.")
        return state

    @staticmethod
    def _row(conn: sqlite3.Connection, case_id: int, number: str) -> sqlite3.Row | None:
        return conn.execute("SELECT * FROM drafts WHERE case_id = ? AND number = ?", (case_id, str(number))).fetchone()

    @staticmethod
    def _require_draft(case_id: int, number: str, conn: sqlite3.Connection) -> sqlite3.Row:
        """The stored row of one answer, read inside the caller's transaction so the 'old' value logged is exact."""
        if conn.execute("SELECT 1 FROM cases WHERE id = ?", (_case_id(case_id),)).fetchone() is None:
            raise NotFound(f"No case with id {case_id}.")
        row = conn.execute("SELECT * FROM drafts WHERE case_id = ? AND number = ?", (case_id, str(number))).fetchone()
        if row is None:
            raise NotFound(f"Case {case_id} has no question {number}.")
        return row

    @staticmethod
    def _kind(conn: sqlite3.Connection, row: sqlite3.Row) -> str:
        found = conn.execute(
            "SELECT kind FROM versions WHERE case_id = ? AND number = ? AND version = ?",
            (row["case_id"], row["number"], row["version"]),
        ).fetchone()
        return found["kind"] if found else "drafted"

    def _check_version(self, conn: sqlite3.Connection, current: sqlite3.Row, expected: int | None) -> None:
        if expected is None or int(expected) != current["version"]:
            when = str(current["updated_at"])[:16].replace("T", " ")
            raise EditConflict(
                f"Question {current['number']} changed since you opened it: version {current['version']} was saved by "
                f"{current['updated_by'] or 'the drafting service'} at {when} UTC ({_kind_words(self._kind(conn, current))}). "
                "Nothing was overwritten: reload the case, then make your change again.",
                current["version"],
                current["updated_by"],
                current["updated_at"],
            )

    @staticmethod
    def _all_approved(conn: sqlite3.Connection, case_id: int) -> bool:
        drafts = conn.execute("SELECT number, version FROM drafts WHERE case_id = ?", (case_id,)).fetchall()
        if not drafts:
            return False
        for d in drafts:
            latest = conn.execute(
                "SELECT decision, version FROM reviews WHERE case_id = ? AND number = ? ORDER BY id DESC LIMIT 1",
                (case_id, d["number"]),
            ).fetchone()
            if latest is None or latest["decision"] != "approved" or latest["version"] != d["version"]:
                return False
        return True

    def _move(self, conn: sqlite3.Connection, case_id: int, old: str, new: str, reason: str, user: str) -> None:
        if old == new:
            return
        conn.execute("UPDATE cases SET state = ? WHERE id = ?", (new, case_id))
        conn.execute(
            "INSERT INTO events (case_id, old_state, new_state, reason, user, at) VALUES (?, ?, ?, ?, ?, ?)",
            (case_id, old, new, reason, user, now_iso()),
        )

    def _after_change(self, conn: sqlite3.Connection, case_id: int, user: str) -> None:
        """A changed answer: a new case starts drafting; an approved case goes back to review (its approval is void)."""
        state = self._state(conn, case_id)
        if state == "new":
            self._move(conn, case_id, state, "drafting", "", user)
        elif state == "approved":
            self._move(conn, case_id, state, "in_review", "an approved answer was changed", user)

    def _snapshot(self, conn: sqlite3.Connection, case_id: int, number: str, kind: str, user: str) -> None:
        conn.execute(
            "INSERT OR REPLACE INTO versions (case_id, number, version, kind, answer, status, status_reason, exemptions_json,"
            " citations_json, flags_json, passages_json, user, at) SELECT case_id, number, version, ?, answer, status,"
            " status_reason, exemptions_json, citations_json, flags_json, passages_json, ?, updated_at FROM drafts"
            " WHERE case_id = ? AND number = ?",
            (kind, user, case_id, str(number)),
        )

    def _upsert(self, conn: sqlite3.Connection, case_id: int, draft: Draft, user: str, reason: str) -> None:
        number = draft.question.number
        existing = self._row(conn, case_id, number)
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
        else:
            assignments = ", ".join(f"{k} = ?" for k in values)
            conn.execute(
                f"UPDATE drafts SET {assignments}, version = version + 1 WHERE case_id = ? AND number = ?",
                (*values.values(), case_id, number),
            )
            self._log(conn, case_id, number, reason, existing["answer"], draft.answer, user)
        self._snapshot(conn, case_id, number, reason, user)
        self._after_change(conn, case_id, user)

    @staticmethod
    def _log(conn: sqlite3.Connection, case_id: int, number: str, what: str, old: Any, new: Any, user: str) -> None:
        conn.execute(
            "INSERT INTO edits (case_id, number, field, old, new, user, at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (case_id, number, what, None if old is None else str(old), None if new is None else str(new), user, now_iso()),
        )


def _roster(users: Iterable[Any] | Mapping[str, str] | None) -> dict[str, str] | None:
    """username → role from settings' users (or a plain mapping); None means sign-in is off."""
    if users is None:
        return None
    if isinstance(users, Mapping):
        roster = {str(k): str(v) for k, v in users.items()}
    else:
        roster = {u.username: u.role for u in users}
    bad = {r for r in roster.values() if r not in ROLES}
    if bad:
        raise ValueError(f"Unknown role(s) {', '.join(sorted(bad))}: choose from {', '.join(ROLES)}.")
    return roster or None


def _same(row: sqlite3.Row, draft: Draft) -> bool:
    """A new draft that says exactly what the stored one says (same answer, status and exemptions)."""
    return (
        row["answer"] == draft.answer
        and row["status"] == Status(draft.status).value
        and json.loads(row["exemptions_json"]) == list(draft.exemptions)
    )


def _state_words(state: str) -> str:
    from assistant.wording import state_words

    return state_words(state).lower()


def _kind_words(kind: str) -> str:
    from assistant.wording import version_kind_words

    return version_kind_words(kind)


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
