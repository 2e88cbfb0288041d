"""The questions the officer confirmed are saved with the case, survive reopening, are audited, and are what
gets drafted."""
from __future__ import annotations

import sqlite3
from datetime import date

import pytest

from assistant.cases import MIGRATIONS, SCHEMA_VERSION, CaseStore
from assistant.models import Question
from assistant.requests import parse_request
from assistant.requests.editing import merge_questions, promote_left_out
from assistant.settings import Settings
from assistant.ui.jobs import DraftJobs

REQUEST = (
    "For each of the last three financial years:\n"
    "I am researching foster care. How many foster carers left the council in 2023?\n\n"
    "1. How many foster carers does the council have?\n2. How many were approved in 2024?\n3. What is the weekly allowance?"
)


@pytest.fixture
def store(tmp_path):
    return CaseStore(tmp_path / "cases.sqlite3")


def new_case(store: CaseStore) -> int:
    return store.create_case(REQUEST, reference="FOI 2002", received=date(2025, 3, 3), created_by="amy")


def test_confirmed_split_round_trips_with_who_and_when(store, tmp_path):
    case_id = new_case(store)
    assert store.confirmed_split(case_id) is None
    split = promote_left_out(parse_request(REQUEST), 0)
    saved = store.confirm_split(case_id, split, "amy")
    again = CaseStore(tmp_path / "cases.sqlite3").confirmed_split(case_id)  # reopened, as after a restart
    assert again is not None and again.split == split
    assert (again.confirmed_by, again.confirmed_at, again.version) == ("amy", saved.confirmed_at, 1)
    assert [q.number for q in again.split.questions] == ["0.1", "1", "2", "3"]
    assert all(q.context == ["For each of the last three financial years:"] for q in again.split.questions)


def test_confirming_is_in_the_audit_trail_and_a_second_confirmation_replaces_the_first(store):
    case_id = new_case(store)
    first = parse_request(REQUEST)
    store.confirm_split(case_id, first, "amy")
    store.confirm_split(case_id, merge_questions(first, 0), "raj")
    confirmed = store.confirmed_split(case_id)
    assert confirmed.version == 2 and confirmed.confirmed_by == "raj"
    assert [q.number for q in confirmed.split.questions] == ["1", "3"]
    log = [e for e in store.history(case_id) if e.field == "questions confirmed"]
    assert [(e.user, e.old, e.new) for e in log] == [
        ("amy", None, "3 question(s): 1, 2, 3; 1 possible question(s) left out"),
        ("raj", "3 question(s): 1, 2, 3; 1 possible question(s) left out", "2 question(s): 1, 3; 1 possible question(s) left out"),
    ]
    assert all(e.at for e in log)


def test_bad_confirmations_are_refused_and_change_nothing(store):
    case_id = new_case(store)
    split = parse_request(REQUEST)
    with pytest.raises(ValueError, match="name the officer"):
        store.confirm_split(case_id, split, "")
    clash = type(split)(questions=[Question("1", "a"), Question("1", "b")])
    with pytest.raises(ValueError, match="same number"):
        store.confirm_split(case_id, clash, "amy")
    with pytest.raises(ValueError, match="No case"):
        store.confirm_split(9999, split, "amy")
    assert store.confirmed_split(case_id) is None
    assert store.history(case_id) == []


def test_migration_from_the_previous_schema_keeps_existing_cases(tmp_path):
    path = tmp_path / "old.sqlite3"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)")
    for number, script in enumerate(MIGRATIONS[:2], start=1):
        conn.executescript(script)
        conn.execute("INSERT INTO schema_version VALUES (?, '2025-01-01')", (number,))
    conn.execute(
        "INSERT INTO cases (reference, received, request_text, created_at) VALUES ('FOI 1', '2025-01-02', 'How many?', 'x')"
    )
    conn.commit()
    conn.close()
    store = CaseStore(path)
    assert store.schema_version() == SCHEMA_VERSION
    assert store.get_case(1).reference == "FOI 1" and store.confirmed_split(1) is None


def test_drafting_uses_the_confirmed_questions(store, tmp_path):
    """The drafting job drafts what the officer confirmed, not a fresh split of the request text."""
    case_id = new_case(store)
    settings = Settings(data_dir=tmp_path / "data")
    from assistant.requests import split_request

    class SplitOnly:  # the job's drafter is only asked to split here; no drafting happens in this test
        def split(self, text: str) -> list[Question]:
            return split_request(text, max_chars=settings.max_request_chars)

    jobs = DraftJobs(SplitOnly(), store)
    assert [q.number for q in jobs.missing_questions(case_id)] == ["1", "2", "3"]  # proposed split
    store.confirm_split(case_id, merge_questions(promote_left_out(parse_request(REQUEST), 0), 1), "amy")
    missing = jobs.missing_questions(case_id)
    assert [q.number for q in missing] == ["0.1", "1", "3"]
    assert missing[1].text == "How many foster carers does the council have?\nHow many were approved in 2024?"


def test_case_view_note_lists_what_was_left_out_escaped(store):
    from assistant.ui.context import AppContext
    from assistant.ui.questions_view import confirmed_note

    case_id = new_case(store)
    split = parse_request(REQUEST.replace("How many foster carers left", "How many <b>foster</b> carers left"))
    store.confirm_split(case_id, split, "amy")
    ctx = AppContext(settings=Settings(), drafter=None, store=store, jobs=object())
    note = confirmed_note(ctx, case_id)
    assert "3 question(s) confirmed by amy" in note
    assert "How many &lt;b&gt;foster&lt;/b&gt; carers left the council in 2023?" in note and "<b>foster" not in note
    assert "For each of the last three financial years:" in note
    assert confirmed_note(ctx, new_case_other(store)) == ""


def new_case_other(store: CaseStore) -> int:
    return store.create_case("How many parks are there?", reference="FOI 2003", received=date(2025, 3, 3), created_by="olga")
