"""The officer's corrections to a proposed split: pure functions over ParsedRequest."""
from __future__ import annotations

import pytest

from assistant.requests import parse_request
from assistant.requests.editing import (
    REMOVED,
    SplitEditError,
    edit_question,
    merge_questions,
    parse_edited_question,
    promote_left_out,
    remove_question,
    split_at_blank_line,
    split_question,
    summary,
)

NUMBERED = """For each of the last three financial years:
I am researching library closures. How many libraries did the council close in 2019?

1. How many libraries are open?
2. What are their opening hours?
3. How many volunteers work in them? What training do they get?
a) induction
b) safeguarding"""

RUNNING = "How many potholes were reported in 2023? How many were repaired within 28 days? Thank you."


def test_edit_changes_only_that_question_and_leaves_the_original_untouched() -> None:
    parsed = parse_request(NUMBERED)
    edited = edit_question(parsed, 1, "What were their opening hours in 2024?")
    assert edited.questions[1].text == "What were their opening hours in 2024?"
    assert edited.questions[1].number == "2" and edited.questions[1].context == parsed.questions[1].context
    assert parsed.questions[1].text == "What are their opening hours?"  # pure: the input is unchanged
    assert edited.questions[0] == parsed.questions[0]


def test_edit_the_number_and_the_parts() -> None:
    parsed = parse_request(NUMBERED)
    edited = edit_question(parsed, 2, "How many volunteers?", parts=[("a", "induction"), ("b", " ")], number="3x")
    assert edited.questions[2].number == "3x"
    assert edited.questions[2].parts == [("a", "induction")]
    with pytest.raises(SplitEditError, match="Question 1 already exists"):
        edit_question(parsed, 2, "x", number="1")
    with pytest.raises(SplitEditError, match="empty"):
        edit_question(parsed, 0, "  ")
    with pytest.raises(SplitEditError, match="no question at position 9"):
        edit_question(parsed, 8, "x")


def test_merge_joins_two_questions_under_the_first_number() -> None:
    parsed = parse_request(NUMBERED)
    merged = merge_questions(parsed, 0)
    assert [q.number for q in merged.questions] == ["1", "3"]
    assert merged.questions[0].text == "How many libraries are open?\nWhat are their opening hours?"
    assert merged.questions[0].context == parsed.questions[0].context
    with pytest.raises(SplitEditError, match="last question"):
        merge_questions(parsed, 2)


def test_split_cuts_one_question_in_two_and_numbers_the_new_one() -> None:
    parsed = parse_request(NUMBERED)
    q3 = parsed.questions[2]
    at = q3.text.index("What training")
    split = split_question(parsed, 2, at)
    assert [q.number for q in split.questions] == ["1", "2", "3", "3.1"]
    assert split.questions[2].text == "How many volunteers work in them?"
    assert split.questions[3].text == "What training do they get?"
    assert split.questions[3].parts == [("a", "induction"), ("b", "safeguarding")]
    assert split.questions[2].parts == []
    assert split.questions[3].context == q3.context
    with pytest.raises(SplitEditError, match="both pieces"):
        split_question(parsed, 2, 0)


def test_split_at_the_officers_blank_line() -> None:
    parsed = edit_question(parse_request(RUNNING), 0, "How many potholes were reported?\n\nHow many were fixed?")
    split = split_at_blank_line(parsed, 0)
    assert [(q.number, q.text) for q in split.questions] == [
        ("1", "How many potholes were reported?"),
        ("2", "How many were fixed?"),
        ("3", "How many were repaired within 28 days?"),  # unnumbered request: renumbered 1..n
    ]
    with pytest.raises(SplitEditError, match="empty line"):
        split_at_blank_line(split, 0)


def test_promote_a_left_out_sentence_where_the_requester_wrote_it() -> None:
    parsed = parse_request(NUMBERED)
    assert [item.text for item in parsed.left_out] == ["How many libraries did the council close in 2019?"]
    promoted = promote_left_out(parsed, 0)
    assert [q.number for q in promoted.questions] == ["0.1", "1", "2", "3"]
    assert promoted.questions[0].text == "How many libraries did the council close in 2019?"
    assert promoted.questions[0].context == parsed.questions[0].context  # the period governs it too
    assert promoted.left_out == []
    with pytest.raises(SplitEditError, match="no left-out sentence number 2"):
        promote_left_out(parsed, 1)


def test_remove_keeps_the_text_among_the_left_out_so_it_can_come_back() -> None:
    parsed = parse_request(NUMBERED)
    removed = remove_question(parsed, 1)
    assert [q.number for q in removed.questions] == ["1", "3"]
    assert removed.left_out[-1].text == "What are their opening hours?" and removed.left_out[-1].where == REMOVED
    restored = promote_left_out(removed, len(removed.left_out) - 1)
    assert [q.text for q in restored.questions][1] == "What are their opening hours?"
    single = parse_request("How many parks are there?")
    with pytest.raises(SplitEditError, match="at least one question"):
        remove_question(single, 0)


def test_one_box_text_is_read_back_into_text_and_parts() -> None:
    assert parse_edited_question("How many volunteers?\na) induction\nb) safeguarding\n  training") == (
        "How many volunteers?",
        [("a", "induction"), ("b", "safeguarding training")],
    )
    assert parse_edited_question("Plain question") == ("Plain question", [])


def test_summary_for_the_audit_trail() -> None:
    assert summary(parse_request(NUMBERED)) == "3 question(s): 1, 2, 3; 1 possible question(s) left out"
