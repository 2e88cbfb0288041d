"""The officer confirms the questions in a real browser before drafting: edit one, merge two, split one,
promote a sentence the splitter left out; the drafted cards and the case store follow exactly that split.

Reuses the app process, Chromium and sign-in of tests/test_browser.py (its own server for this module).
"""
from __future__ import annotations

import json
import sqlite3

import pytest

from tests.test_browser import ARTIFACTS, app, browser, cards, sign_in  # noqa: F401 - fixtures

pytestmark = [pytest.mark.browser, pytest.mark.slow]

REQUEST = """Dear FOI team,

For each of the last three financial years:
I am researching child exploitation. How many children were referred to the MACE panel?

1. Which organisations attend the MACE panel?
2. How often does the MACE panel meet?
3. What was the budget for child exploitation work? Who approves it?
4. Please provide the terms of reference.

Kind regards,
A Requester"""

EDITED_4 = "Please provide the current terms of reference of the MACE panel."


def proposed_texts(page) -> list[str]:
    return [box.input_value() for box in page.locator("#questions-panel .proposed-text textarea").all()]


def wait_for_corrections(page, count: int) -> None:
    page.locator("#questions-panel .split-summary").get_by_text(f"{count} correction(s) made").wait_for(timeout=120_000)


def wait_for_proposals(page, count: int) -> None:
    page.wait_for_function(
        f"document.querySelectorAll('#questions-panel .proposed-text textarea').length === {count}", timeout=120_000
    )


def test_officer_edits_merges_splits_and_promotes_before_drafting(app, browser):  # noqa: F811
    ARTIFACTS.mkdir(exist_ok=True)
    reference = "FOI QUESTIONS-1"
    page = sign_in(browser, app, "officer")
    page.get_by_role("tab", name="Draft").click()
    page.locator("#request-text").get_by_role("textbox").fill(REQUEST)
    page.locator("#case-reference").get_by_role("textbox").fill(reference)

    # The proposal: four questions, the scope line on each, the preamble question flagged.
    wait_for_proposals(page, 4)
    panel = page.locator("#questions-panel")
    assert proposed_texts(page)[0] == "Which organisations attend the MACE panel?"
    assert panel.locator(".scope-lines").get_by_text("For each of the last three financial years:").count() == 1
    assert panel.locator(".question-scope").count() == 4
    assert "How many children were referred to the MACE panel?" in panel.locator(".left-out").first.inner_text()
    page.screenshot(path=str(ARTIFACTS / "questions-proposed.png"), full_page=True)

    # Edit question 4; leaving the box keeps the edit.
    box4 = panel.locator("#proposed-3 textarea")
    box4.fill(EDITED_4)
    box4.blur()
    wait_for_corrections(page, 1)

    # Merge questions 1 and 2 (one ask about the panel).
    panel.locator("#proposed-0").get_by_role("button", name="Merge with next").click()
    wait_for_proposals(page, 3)
    wait_for_corrections(page, 2)
    texts = proposed_texts(page)
    assert texts[0] == "Which organisations attend the MACE panel?\nHow often does the MACE panel meet?"
    assert texts[2] == EDITED_4  # the edit survived the redraw

    # Split question 3 where the officer leaves an empty line.
    box3 = panel.locator("#proposed-1 textarea")
    box3.fill("What was the budget for child exploitation work?\n\nWho approves it?")
    box3.blur()
    wait_for_corrections(page, 3)
    panel.locator("#proposed-1").get_by_role("button", name="Split at empty line").click()
    wait_for_proposals(page, 4)
    wait_for_corrections(page, 4)
    assert proposed_texts(page)[1:3] == ["What was the budget for child exploitation work?", "Who approves it?"]

    # Promote the sentence left in the preamble: it becomes a question where the requester wrote it.
    panel.locator("#promote-0").click()
    wait_for_proposals(page, 5)
    wait_for_corrections(page, 5)
    assert proposed_texts(page)[0] == "How many children were referred to the MACE panel?"
    assert panel.locator(".left-out").count() == 0
    labels = [label.inner_text() for label in panel.locator(".proposed-question label span").all()]
    page.screenshot(path=str(ARTIFACTS / "questions-confirmed.png"), full_page=True)

    # Draft: one card per confirmed question, numbered as confirmed.
    page.locator("#draft-button").click()
    page.wait_for_function("document.querySelectorAll('.question h4').length >= 5", timeout=600_000)
    page.locator("#draft-progress").get_by_text("Drafted 5 answer(s)").wait_for(timeout=300_000)
    assert cards(page) == 5
    headings = [h.inner_text() for h in page.locator(".question h4").all()]
    assert headings == ["Question 0.1", "Question 1", "Question 3", "Question 3.1", "Question 4"], (headings, labels)
    assert "How often does the MACE panel meet?" in page.locator(".question").nth(1).inner_text()
    assert EDITED_4 in page.locator(".question").nth(4).inner_text()
    assert "confirmed by officer" in page.locator(".confirmed-split").first.inner_text()
    page.screenshot(path=str(ARTIFACTS / "questions-drafted.png"), full_page=True)
    page.context.close()

    # The confirmed split is stored with the case, and who confirmed it is in the audit trail.
    with sqlite3.connect(app.root / "data" / "cases.sqlite3") as conn:
        case_id, = conn.execute("SELECT id FROM cases WHERE reference = ?", (reference,)).fetchone()
        split_json, by = conn.execute(
            "SELECT split_json, confirmed_by FROM confirmed_splits WHERE case_id = ?", (case_id,)
        ).fetchone()
        audit = conn.execute("SELECT user, new FROM edits WHERE case_id = ? AND field = 'questions confirmed'", (case_id,)).fetchall()
    stored = json.loads(split_json)
    assert by == "officer" and [q["number"] for q in stored["questions"]] == ["0.1", "1", "3", "3.1", "4"]
    assert all(q["context"] == ["For each of the last three financial years:"] for q in stored["questions"])
    assert audit == [("officer", "5 question(s): 0.1, 1, 3, 3.1, 4; 0 possible question(s) left out")]
