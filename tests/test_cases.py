"""The case store keeps every draft, edit and review in SQLite, and survives being reopened."""
from __future__ import annotations

import sqlite3
from datetime import date, datetime, timezone

import pytest

from assistant.cases import MIGRATIONS, SCHEMA_VERSION, AccessDenied, CaseStore, EditConflict, EditWouldBeLost
from assistant.models import Citation, DocType, Draft, Flag, Passage, Question, Status, Unit

REQUEST = "1. How many children were in care on 31 March 2024?\n2. How many foster carers does the council have?"


def make_draft(number: str, answer: str, *, status: Status = Status.PROVIDED) -> Draft:
    unit = Unit(
        id=f"u{number}",
        doc_id="2024-9716254-missing-children-in-care",
        doc_type=DocType.DECISION,
        title="Missing children in care",
        text="There were 712 children in care on 31 March 2024, of whom 40 were placed out of county.",
        source_path="/corpus/decisions/x.md",
        reference="FOI 9716254",
        received=date(2024, 4, 2),
        decided=date(2024, 4, 20),
        question_numbers=("1",),
        extra={"published": date(2024, 5, 1), "exemptions": ["s40(2)"]},
    )
    return Draft(
        question=Question(number=number, text=f"Question {number}", parts=[("a", "part a")]),
        answer=answer,
        status=status,
        exemptions=["s40(2)"] if status == Status.EXEMPT else [],
        citations=[
            Citation(1, unit.id, unit.doc_id, unit.title, unit.reference, "2024-04-20", "712 children in care on 31 March 2024")
        ],
        flags=[Flag("stale", "The source is more than a year old.")],
        engine="extractive",
        passages=[Passage(unit=unit, score=0.03, rank=1, similarity=0.71)],
        status_reason="answered from a past decision",
    )


@pytest.fixture
def store(tmp_path):
    return CaseStore(tmp_path / "cases.sqlite3")


def new_case(store: CaseStore) -> int:
    return store.create_case(
        REQUEST, reference="FOI 1001", received=date(2025, 3, 3), requester="A. Requester", created_by="officer"
    )


def test_create_and_get_case_round_trips_drafts(store):
    case_id = new_case(store)
    store.save_drafts(case_id, [make_draft("1", "There were 712 children in care [1]."), make_draft("2", "Not held.")], "officer")

    case = store.get_case(case_id)
    assert (case.reference, case.received, case.requester, case.created_by) == ("FOI 1001", date(2025, 3, 3), "A. Requester", "officer")
    assert [d.question.number for d in case.drafts] == ["1", "2"]
    first = case.draft("1")
    assert first.answer == "There were 712 children in care [1]."
    assert first.question.parts == [("a", "part a")]
    assert first.citations[0].quote == "712 children in care on 31 March 2024"
    assert first.flags[0].kind == "stale"
    assert first.status_reason == "answered from a past decision"
    unit = first.passages[0].unit
    assert unit.doc_type is DocType.DECISION and unit.decided == date(2024, 4, 20)
    assert unit.extra["published"] == date(2024, 5, 1)
    assert first.passages[0].similarity == pytest.approx(0.71)
    assert case.meta["1"].version == 1 and case.meta["1"].updated_by == "officer"


def test_edit_survives_reopening_the_file(tmp_path):
    path = tmp_path / "cases.sqlite3"
    first = CaseStore(path)
    case_id = new_case(first)
    first.save_drafts(case_id, [make_draft("1", "Draft answer [1].")], "officer")
    assert first.update_answer(case_id, "1", "Edited by the officer [1].", "alice", expected_version=1) is True
    first.update_status(case_id, "1", "partly_provided", "alice", expected_version=2)
    first.update_exemptions(case_id, "1", ["s40(2)", "s40(2)", " s21 "], "alice", expected_version=3)
    del first

    reopened = CaseStore(path)
    draft = reopened.get_case(case_id).draft("1")
    assert draft.answer == "Edited by the officer [1]."
    assert draft.status is Status.PARTLY_PROVIDED
    assert draft.exemptions == ["s40(2)", "s21"]
    assert reopened.get_case(case_id).meta["1"].version == 4


def test_history_records_old_and_new_values_with_user_and_time(store):
    case_id = new_case(store)
    store.save_drafts(case_id, [make_draft("1", "First.")], "officer")
    assert store.update_answer(case_id, "1", "First.", "alice", expected_version=1) is False  # unchanged: no history row
    store.update_answer(case_id, "1", "Second.", "alice", expected_version=1)
    store.update_answer(case_id, "1", "Third.", "bob", expected_version=2)
    store.replace_draft(case_id, make_draft("1", "Regenerated."), "bob", reason="regenerated", replace_edit=True)

    edits = store.history(case_id)
    assert [(e.field, e.old, e.new, e.user) for e in edits] == [
        ("answer", "First.", "Second.", "alice"),
        ("answer", "Second.", "Third.", "bob"),
        ("regenerated", "Third.", "Regenerated.", "bob"),
    ]
    now = datetime.now(timezone.utc)
    assert all(abs((now - datetime.fromisoformat(e.at)).total_seconds()) < 60 for e in edits)
    assert store.history(case_id, "2") == []


def test_review_records_decision_and_is_voided_by_a_later_edit(store):
    case_id = new_case(store)
    store.save_drafts(case_id, [make_draft("1", "One."), make_draft("2", "Two.")], "officer")
    assert store.get_case(case_id).state == "drafting"
    with pytest.raises(ValueError, match="not sent it for review"):
        store.review(case_id, "1", "approved", "", "rita", version=1)
    assert store.submit_for_review(case_id, "officer") == "in_review"

    review = store.review(case_id, "1", "approved", "", "rita", version=1)
    assert (review.decision, review.user, review.version) == ("approved", "rita", 1)
    case = store.get_case(case_id)
    assert case.review_state("1") == "approved" and case.state == "in_review"

    store.review(case_id, "2", "returned", "Cite the 2024 figures.", "rita", version=1)
    assert store.get_case(case_id).state == "returned"
    store.update_answer(case_id, "2", "Two, with 2024 figures.", "alice", expected_version=1)
    case = store.get_case(case_id)
    assert case.state == "returned"  # stays returned while the officer works on it
    assert case.returned_comment("2").comment == "Cite the 2024 figures."
    store.submit_for_review(case_id, "alice")
    store.review(case_id, "2", "approved", "Fine now.", "rita", version=2)
    assert store.get_case(case_id).state == "approved"

    assert store.list_cases()[0].state == "approved"
    store.update_answer(case_id, "1", "One, changed after approval.", "alice", expected_version=1)
    case = store.get_case(case_id)
    assert case.review_state("1") == "pending"
    assert case.state == "in_review" == store.list_cases()[0].state
    assert [(r.number, r.decision, r.comment) for r in case.reviews] == [
        ("1", "approved", ""),
        ("2", "returned", "Cite the 2024 figures."),
        ("2", "approved", "Fine now."),
    ]


def test_list_cases_computes_deadline_and_status(store):
    overdue = store.create_case(REQUEST, reference="FOI OLD", received=date(2025, 1, 6), today=date(2025, 3, 3), created_by="amy")
    fresh = store.create_case(REQUEST, reference="FOI NEW", received=date(2025, 3, 3), today=date(2025, 3, 3), created_by="amy")
    rows = {r.reference: r for r in store.list_cases(today=date(2025, 3, 3))}
    assert rows["FOI OLD"].overdue and rows["FOI OLD"].days_remaining < 0
    assert rows["FOI OLD"].due == date(2025, 2, 3)  # 20 working days after Monday 6 January 2025
    assert not rows["FOI NEW"].overdue and rows["FOI NEW"].days_remaining == 20
    assert rows["FOI NEW"].due == date(2025, 4, 1)  # St Patrick's Day (17 March) is a UK bank holiday
    assert rows["FOI NEW"].state == "new"
    assert [r.id for r in store.list_cases(today=date(2025, 3, 3))] == [overdue, fresh]


def test_extension_and_clarification_move_the_due_date(store):
    case_id = store.create_case(REQUEST, received=date(2025, 3, 3), today=date(2025, 3, 3), created_by="amy")
    assert store.get_case(case_id).reference == f"Case {case_id}"
    store.update_case(case_id, "alice", clarified=date(2025, 3, 10), extension_days=5)
    case = store.get_case(case_id)
    assert case.deadline(date(2025, 3, 10)).due == date(2025, 4, 15)  # 25 working days from the clarification
    assert [e.field for e in store.history(case_id)] == ["case.clarified", "case.extension_days"]


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda s: s.create_case("   ", created_by="amy"), "request is empty"),
        (lambda s: s.create_case(REQUEST, engine="gpt", created_by="amy"), "Unknown engine"),
        (lambda s: s.create_case(REQUEST, received="next week", created_by="amy"), "not a date"),
        (lambda s: s.create_case(REQUEST, received=date(2999, 1, 1), created_by="amy"), "in the future"),
        (lambda s: s.create_case(REQUEST), "user name is empty"),
        (lambda s: s.get_case(999), "No case with id 999"),
        (lambda s: [new_case(s), new_case(s)], "reference 'FOI 1001' already exists"),
        (lambda s: s.get_case("abc"), "not a case id"),
        (lambda s: s.update_answer(999, "1", "x", "alice", expected_version=1), "No case with id 999"),
        (lambda s: s.history(999), "No case with id 999"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(store, call, message):
    with pytest.raises(ValueError, match=message):
        call(store)


def test_bad_draft_operations_are_refused(store):
    case_id = new_case(store)
    store.save_drafts(case_id, [make_draft("1", "One.")], "officer")
    store.submit_for_review(case_id, "officer")
    with pytest.raises(ValueError, match="has no question 7"):
        store.update_answer(case_id, "7", "x", "alice", expected_version=1)
    with pytest.raises(ValueError, match="Unknown status"):
        store.update_status(case_id, "1", "maybe", "alice", expected_version=1)
    with pytest.raises(ValueError, match="'approved' or 'returned'"):
        store.review(case_id, "1", "ok", "", "rita", version=1)
    with pytest.raises(ValueError, match="comment is empty"):
        store.review(case_id, "1", "returned", "  ", "rita", version=1)
    assert store.history(case_id) == [] and store.reviews(case_id) == []


def test_opening_a_version_1_database_upgrades_it(tmp_path):
    path = tmp_path / "old.sqlite3"
    conn = sqlite3.connect(path)
    conn.executescript(MIGRATIONS[0])
    conn.execute("CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)")
    conn.execute("INSERT INTO schema_version VALUES (1, '2024-01-01T00:00:00+00:00')")
    conn.execute(
        "INSERT INTO cases (reference, received, requester, request_text, engine, created_by, created_at)"
        " VALUES ('FOI 42', '2024-06-03', 'R', '1. Old question?', 'extractive', 'officer', '2024-06-03T09:00:00+00:00')"
    )
    conn.execute(
        "INSERT INTO drafts (case_id, number, position, question_json, answer, status, updated_at)"
        " VALUES (1, '1', 0, '{\"number\": \"1\", \"text\": \"Old question?\"}', 'Old answer.', 'provided', '2024-06-04')"
    )
    conn.execute("INSERT INTO reviews (case_id, number, decision, comment, user, at) VALUES (1, '1', 'approved', '', 'rita', '2024-06-05')")
    conn.commit()
    conn.close()

    store = CaseStore(path)
    assert store.schema_version() == SCHEMA_VERSION == len(MIGRATIONS)
    case = store.get_case(1)
    assert case.reference == "FOI 42" and case.extension_days == 0 and case.clarified is None and case.exclude == []
    assert case.draft("1").answer == "Old answer."
    assert case.reviews[0].version == 0 and case.review_state("1") == "pending"  # an unversioned approval is not trusted
    assert case.state == "in_review" and [v.answer for v in store.versions(1, "1")] == ["Old answer."]
    store.update_case(1, "alice", extension_days=10)
    assert CaseStore(path).get_case(1).extension_days == 10
    with sqlite3.connect(path) as check:
        assert [r[0] for r in check.execute("SELECT version FROM schema_version ORDER BY version")] == list(range(1, SCHEMA_VERSION + 1))
        assert check.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_a_newer_database_is_refused(tmp_path):
    path = tmp_path / "future.sqlite3"
    CaseStore(path)
    with sqlite3.connect(path) as conn:
        conn.execute("INSERT INTO schema_version VALUES (99, '2030-01-01')")
    with pytest.raises(ValueError, match="newer than this program knows"):
        CaseStore(path)


# ------------------------------------------------------------------------------- roles, versions and the lifecycle

USERS = {"olga": "officer", "rav": "reviewer", "rita": "reviewer", "ada": "admin"}


@pytest.fixture
def team(tmp_path):
    """A store with a roster of users, as the app opens it when sign-in is on."""
    return CaseStore(tmp_path / "team.sqlite3", users=USERS)


def drafted_case(store: CaseStore, officer: str = "olga", submit: bool = True) -> int:
    case_id = store.create_case(REQUEST, reference="FOI 2002", received=date(2025, 3, 3), created_by=officer)
    store.save_drafts(case_id, [make_draft("1", "One [1]."), make_draft("2", "Two [1].")], officer)
    if submit:
        store.submit_for_review(case_id, officer)
    return case_id


def test_an_approval_names_the_version_seen_and_is_refused_when_the_answer_changed(team):
    """H1: the reviewer saw version 1; the officer saved version 2; approving 'version 1' must not approve 2."""
    case_id = drafted_case(team)
    team.update_answer(case_id, "1", "The council spent £10 million [1].", "olga", expected_version=1)
    with pytest.raises(EditConflict, match="changed since you opened it: version 2 was saved by olga"):
        team.review(case_id, "1", "approved", "", "rav", version=1)
    case = team.get_case(case_id)
    assert case.reviews == [] and case.review_state("1") == "pending"
    with pytest.raises(TypeError):
        team.review(case_id, "1", "approved", "", "rav")  # no version, no approval
    assert team.review(case_id, "1", "approved", "", "rav", version=2).version == 2


def test_unknown_users_and_wrong_roles_are_refused_in_the_library(team):
    """M3: roles are checked by the store itself, not only by hidden buttons."""
    with pytest.raises(AccessDenied, match="'nobody-at-all' is not a user"):
        team.create_case(REQUEST, created_by="nobody-at-all")
    case_id = drafted_case(team)
    with pytest.raises(AccessDenied, match="'nobody-at-all' is not a user"):
        team.review(case_id, "1", "approved", "", "nobody-at-all", version=1)
    with pytest.raises(AccessDenied, match=r"olga \(officer\) cannot approve or return"):
        team.review(case_id, "1", "approved", "", "olga", version=1)
    with pytest.raises(AccessDenied, match=r"rav \(reviewer\) cannot open cases"):
        team.create_case(REQUEST, created_by="rav")
    with pytest.raises(AccessDenied, match="not a user"):
        team.update_answer(case_id, "1", "Mallory's text.", "mallory", expected_version=1)
    with pytest.raises(AccessDenied, match="user name is empty"):
        team.update_answer(case_id, "1", "Anonymous text.", "", expected_version=1)
    assert team.get_case(case_id).draft("1").answer == "One [1]." and team.reviews(case_id) == []


def test_the_last_editor_cannot_approve_their_own_text_unless_a_setting_allows_it(team, tmp_path):
    """Segregation of duties: a reviewer who edits an answer cannot then approve it; another reviewer can."""
    case_id = drafted_case(team)
    team.update_answer(case_id, "1", "One, as the reviewer would put it [1].", "rav", expected_version=1)
    with pytest.raises(AccessDenied, match="rav made the current version of question 1 .*another reviewer must approve"):
        team.review(case_id, "1", "approved", "", "rav", version=2)
    team.review(case_id, "1", "returned", "I changed the wording; please check.", "rav", version=2)  # returning is fine
    team.submit_for_review(case_id, "olga")
    assert team.review(case_id, "1", "approved", "", "rita", version=2).user == "rita"

    one_person = CaseStore(tmp_path / "solo.sqlite3", allow_self_approval=True)
    solo = drafted_case(one_person, officer="sam")
    assert one_person.review(solo, "1", "approved", "", "sam", version=1).decision == "approved"
    strict = CaseStore(tmp_path / "solo.sqlite3")
    with pytest.raises(AccessDenied, match="another reviewer must approve"):
        strict.review(solo, "2", "approved", "", "sam", version=1)


def test_a_save_based_on_an_old_version_is_a_visible_conflict_and_overwrites_nothing(team):
    """M2: two people editing one answer; the second save names the version it started from and is refused."""
    case_id = drafted_case(team, submit=False)
    assert team.update_answer(case_id, "1", "Olga's newer text [1].", "olga", expected_version=1)
    with pytest.raises(EditConflict) as conflict:
        team.update_answer(case_id, "1", "Ada's text typed on version 1 [1].", "ada", expected_version=1)
    assert (conflict.value.current_version, conflict.value.current_user) == (2, "olga")
    assert "Nothing was overwritten" in str(conflict.value)
    # An out-of-date box that was only focused and left sends its old text with its old version: refused too.
    with pytest.raises(EditConflict):
        team.update_answer(case_id, "1", "One [1].", "ada", expected_version=1)
    with pytest.raises(EditConflict):
        team.update_status(case_id, "1", "not_held", "ada", expected_version=1)
    with pytest.raises(EditConflict):
        team.update_exemptions(case_id, "1", ["s21"], "ada", expected_version=1)
    case = team.get_case(case_id)
    assert case.draft("1").answer == "Olga's newer text [1]." and case.meta["1"].version == 2
    assert case.draft("1").status is Status.PROVIDED and case.draft("1").exemptions == []


def test_a_save_and_its_recheck_are_one_transaction(team):
    """L6: flags written with the text they were computed for; a late re-check of an old version is dropped."""
    case_id = drafted_case(team, submit=False)
    checked = [Flag("figure_not_in_source", "Figure(s) 999 appear in no retrieved source: check them.")]
    team.update_answer(case_id, "1", "There were 999 [1].", "olga", expected_version=1, citations=[], flags=checked)
    draft = team.get_case(case_id).draft("1")
    assert draft.flags == checked and draft.citations == []
    assert team.versions(case_id, "1")[-1].answer == "There were 999 [1]."
    team.update_answer(case_id, "1", "There were 712 [1].", "ada", expected_version=2, flags=[])
    assert team.update_checks(case_id, "1", [], checked, version=2) is False  # computed for Olga's text: not stored
    assert team.get_case(case_id).draft("1").flags == []


def test_versions_keep_every_answer_and_restore_makes_a_new_version(team):
    case_id = drafted_case(team, submit=False)
    team.update_answer(case_id, "1", "Officer's wording [1].", "olga", expected_version=1)
    with pytest.raises(EditWouldBeLost, match="last changed by olga"):
        team.replace_draft(case_id, make_draft("1", "A fresh draft [1]."), "olga", expected_version=2)
    assert team.replace_draft(case_id, make_draft("1", "A fresh draft [1]."), "olga", expected_version=2, replace_edit=True)
    # Regenerating to the very same text is not a new version.
    assert team.replace_draft(case_id, make_draft("1", "A fresh draft [1]."), "olga", expected_version=3) is False
    assert team.restore(case_id, "1", 2, "olga", expected_version=3) is True
    versions = team.versions(case_id, "1")
    assert [(v.version, v.kind, v.answer, v.user) for v in versions] == [
        (1, "drafted", "One [1].", "olga"),
        (2, "edited", "Officer's wording [1].", "olga"),
        (3, "regenerated", "A fresh draft [1].", "olga"),
        (4, "restored", "Officer's wording [1].", "olga"),
    ]
    assert team.get_case(case_id).draft("1").answer == "Officer's wording [1]."
    assert team.restore(case_id, "1", 4, "olga", expected_version=4) is False
    with pytest.raises(ValueError, match="has no version 9"):
        team.restore(case_id, "1", 9, "olga", expected_version=4)
    # A background draft never replaces a person's edit.
    team.save_drafts(case_id, [make_draft("1", "Background draft [1].")], "olga")
    assert team.get_case(case_id).draft("1").answer == "Officer's wording [1]."


def test_flags_are_resolved_with_who_when_and_why(team):
    case_id = drafted_case(team, submit=False)
    flag = team.get_case(case_id).draft("1").flags[0]
    with pytest.raises(ValueError, match="Say how the flag was resolved"):
        team.resolve_flag(case_id, "1", flag.kind, flag.message, " ", "olga")
    with pytest.raises(ValueError, match="no such flag"):
        team.resolve_flag(case_id, "1", "personal_data", "made up", "checked", "olga")
    resolved = team.resolve_flag(case_id, "1", flag.kind, flag.message, "Figures confirmed by Children's Services on 2 June", "olga")
    case = team.get_case(case_id)
    assert case.resolution("1", flag) == resolved
    assert (resolved.user, resolved.reason) == ("olga", "Figures confirmed by Children's Services on 2 June")
    assert case.resolution("2", flag) is None
    assert "resolved a flag on question 1: Figures confirmed" in team.activity(case_id)[-1].what


def test_case_lifecycle_from_new_to_closed_with_date_sent(team):
    case_id = team.create_case(REQUEST, reference="FOI 3003", received=date(2025, 3, 3), created_by="olga")
    assert team.get_case(case_id).state == "new"
    with pytest.raises(ValueError, match="A case that is new cannot be sent for review"):
        team.submit_for_review(case_id, "olga")
    team.save_drafts(case_id, [make_draft("1", "One [1]."), make_draft("2", "Two [1].")], "olga")
    assert team.get_case(case_id).state == "drafting"
    with pytest.raises(ValueError, match="every answer is approved"):
        team.mark_sent(case_id, "olga", date(2025, 3, 20))
    team.submit_for_review(case_id, "olga")
    team.review(case_id, "1", "approved", "", "rav", version=1)
    team.review(case_id, "2", "approved", "", "rav", version=1)
    assert team.get_case(case_id).state == "approved"
    with pytest.raises(AccessDenied, match="cannot open cases or move them"):
        team.mark_sent(case_id, "rav", date(2025, 3, 20))
    with pytest.raises(ValueError, match="in the future"):
        team.mark_sent(case_id, "olga", date(2999, 1, 1))
    assert team.mark_sent(case_id, "olga", date(2025, 4, 3), today=date(2025, 4, 3)) == 2  # due 1 April 2025
    case = team.get_case(case_id)
    assert (case.state, case.sent_on, case.sent_late_by()) == ("sent", date(2025, 4, 3), 2)
    with pytest.raises(ValueError, match="sent: it can no longer be changed"):
        team.update_answer(case_id, "1", "After sending.", "olga", expected_version=1)
    team.close(case_id, "olga")
    assert team.get_case(case_id).state == "closed"
    assert [(e.old_state, e.new_state) for e in team.get_case(case_id).events] == [
        ("new", "drafting"), ("drafting", "in_review"), ("in_review", "approved"), ("approved", "sent"), ("sent", "closed")
    ]
    assert "2 working day(s) late" in team.get_case(case_id).events[3].reason


def test_withdrawn_and_cancelled_need_a_reason_and_the_list_filters_by_state_and_owner(team):
    first = drafted_case(team)
    second = team.create_case(REQUEST, reference="FOI 4004", created_by="ada")
    with pytest.raises(ValueError, match="the reason is empty"):
        team.end(second, "withdrawn", "", "ada")
    with pytest.raises(ValueError, match="ends as withdrawn or cancelled"):
        team.end(second, "deleted", "x", "ada")
    team.end(second, "withdrawn", "The requester withdrew the request by e-mail.", "ada")
    case = team.get_case(second)
    assert (case.state, case.state_reason) == ("withdrawn", "The requester withdrew the request by e-mail.")
    with pytest.raises(ValueError, match="withdrawn: it can no longer be changed"):
        team.end(second, "cancelled", "again", "ada")
    assert [r.id for r in team.list_cases(state="withdrawn")] == [second]
    assert [r.id for r in team.list_cases(owner="olga")] == [first]
    assert [r.id for r in team.list_cases(state=["in_review", "returned"])] == [first]
    assert [r.id for r in team.list_cases()] == [first, second]  # open cases first
    assert team.owners() == ["ada", "olga"]
    with pytest.raises(ValueError, match="Unknown case state 'lost'"):
        team.list_cases(state="lost")


def test_activity_is_in_time_order(team):
    case_id = drafted_case(team)
    team.review(case_id, "2", "returned", "Cite the 2024 figures.", "rav", version=1)
    team.update_answer(case_id, "2", "Two, with 2024 figures [1].", "olga", expected_version=1)
    team.submit_for_review(case_id, "olga")
    lines = team.activity(case_id)
    assert [a.at for a in lines] == sorted(a.at for a in lines)
    whats = [a.what for a in lines]
    assert whats[0] == "opened the case"
    assert whats.index("returned question 2 (version 1): “Cite the 2024 figures.”") < whats.index("edited question 2 (version 2)")
    assert whats[-1] == "moved the case to in review"
