"""Policy sections as evidence: a question no past reply answers, that asks how something is done or who does it,
is drafted for review from the policy section that fits it; figures never are. Notes name sources by the same
numbers as the markers (after renumbering)."""
from __future__ import annotations

import re
from datetime import date

from assistant.citations import MARKER, renumber
from assistant.models import DocType, Passage, Question, Status, Unit

# A real request to another council (Thurrock, 2019), asked before any past reply in the corpus speaks of it.
RHI_QUESTION = "Which organisation (if any) does the local authority commission to deliver Return Home Interviews for children who have been missing?"


def test_renumbering_keeps_a_note_pointing_at_its_source():
    passages = [Passage(Unit(f"u{i}", f"d{i}", DocType.DECISION, "t", f"text {i}", "p"), 1.0, i) for i in range(1, 4)]
    answer = "Note for the officer: the answer below was given to question 2 of a past reply (source 3).\nIt is so. [3]\nAlso this. [1]"
    text, _, reordered = renumber(answer, [], passages)
    assert "(source 1)" in text and "It is so. [1]" in text and "Also this. [2]" in text
    assert reordered[0].unit.id == "u3"


def test_a_how_question_no_reply_answers_is_drafted_for_review_from_the_policy_that_fits(corpus_drafter):
    draft = corpus_drafter.draft_question(Question("1", RHI_QUESTION), received=date(2019, 6, 1))
    assert draft.status is Status.NEEDS_REVIEW
    note = draft.answer.splitlines()[0]
    assert "policy document “Joint Protocol for Missing Children and Young People”" in note
    assert "check that it answers what is asked" in note
    number = int(re.search(r"source (\d+)", note).group(1))
    cited = {int(m) for m in MARKER.findall(draft.answer)}
    assert number in cited
    assert draft.passages[number - 1].unit.doc_id == "joint-missing-children-protocol"
    assert re.search(r"return interview", draft.answer, re.I)
    assert "Re-uses" not in draft.status_reason and "policy document speaks of it" in draft.status_reason


def test_a_figure_question_is_never_drafted_from_a_policy(corpus_drafter):
    draft = corpus_drafter.draft_question(
        Question("1", "How many Return Home Interviews were offered to children who had been missing in 2018/19?"),
        received=date(2019, 6, 1),
    )
    assert draft.status is Status.NEEDS_REVIEW
    assert "policy document" not in draft.answer


def test_the_policy_section_closest_in_meaning_is_drafted(corpus_drafter):
    """Asked when no past reply speaks of it: the MACE membership section, not the attendance guidance's preamble
    that shares as many words ("meeting", "often", "sit")."""
    question = Question("5", "Which organisations sit on the multi-agency exploitation meetings and how often these meet.")
    replies = ["2023-6981442-child-exploitation-partnership", "2024-81293-cse-strategy", "2025-12409004-child-exploitation"]
    draft = corpus_drafter.draft_question(question, received=date(2025, 1, 15), exclude=replies)
    assert draft.status is Status.NEEDS_REVIEW
    note = draft.answer.splitlines()[0]
    assert "“Multi-Agency Child Exploitation (MACE) Terms of Reference”" in note and "Membership" in note
    assert "British Transport Police" in draft.answer


def test_a_question_sharing_only_who_it_is_about_gets_no_policy_text(corpus_drafter):
    """'The age of the child?' shares only 'child' (and 'age') with every safeguarding document: nothing is drafted."""
    draft = corpus_drafter.draft_question(Question("2", "The age of the child?"), received=date(2021, 3, 1))
    assert "policy document" not in draft.answer
    assert draft.status is Status.NEEDS_REVIEW
