"""Rendering of the reply letter.

These are unit tests of rendering only: the drafts are built by hand here rather than produced by the drafting
pipeline, so each test controls exactly which statuses, exemptions, markers and flags the letter receives.
"""
from __future__ import annotations

import io
import re
from datetime import date

import docx
import pytest

from assistant.letter import LetterContext, build_letter, letter_docx, render_letter, strip_markers
from assistant.models import Citation, Draft, Flag, Question, Status

MARKER = re.compile(r"\[\d+\]")
PLACEHOLDER = "[Answer to be completed by the officer]"


@pytest.fixture()
def ctx() -> LetterContext:
    return LetterContext(
        council="Lincolnshire County Council",
        reference="FOI 12409004",
        received=date(2025, 5, 14),
        reply_date=date(2025, 6, 9),
    )


def provided(number: str = "1") -> Draft:
    return Draft(
        question=Question(number, "Does the council have a standalone CSE strategy?"),
        answer="Yes, the partnership strategy covers child exploitation [1]. It is reviewed every year [2].",
        status=Status.PROVIDED,
        citations=[
            Citation(1, "u1", "2025-cse", "Child sexual exploitation strategy", "FOI 7339781", "2024-03-19",
                     "All partnership policies and procedures are hosted on the LSCP website"),
            Citation(2, "u2", "lscp-strategy", "LSCP strategy", "", "2024-01-01", "The strategy is reviewed annually"),
        ],
    )


def personal_data(number: str = "2") -> Draft:
    return Draft(
        question=Question(number, "How many children were identified as:", [("a", "at risk of CSE"),
                                                                              ("b", "victims of CSE")]),
        answer="In the last 12 months 528 screening tools were received [1]. The numbers for part b are withheld "
               "under section 40(2) because they are small enough to identify the children concerned [1].",
        status=Status.PARTLY_PROVIDED,
        exemptions=["s40(2)"],
        citations=[Citation(1, "u3", "2025-cse", "Child exploitation", "FOI 12409004", "2025-06-09",
                            "528 CE screening tools were received")],
        flags=[Flag("small_numbers", "The answer may contain a figure under 5.")],
    )


def commercial(number: str = "3") -> Draft:
    return Draft(
        question=Question(number, "What is the hourly rate paid to each provider?"),
        answer="The rates are withheld under section 43(2) as release would prejudice the providers in future "
               "tenders.",
        status=Status.EXEMPT,
        exemptions=["section 43(2)"],
    )


def published(number: str = "4") -> Draft:
    return Draft(
        question=Question(number, "Please provide the annual report."),
        answer="The annual report is published at https://www.lincolnshire.gov.uk/lscp-annual-report.",
        status=Status.PUBLISHED_ELSEWHERE,
        exemptions=["s21"],
    )


def not_held(number: str = "5") -> Draft:
    return Draft(
        question=Question(number, "What was the budget for child exploitation work?"),
        answer="The budget is not recorded separately, so this information is not held.",
        status=Status.NOT_HELD,
    )


def needs_review(number: str = "6", answer: str = "Note for the officer: no evidence was found.") -> Draft:
    return Draft(
        question=Question(number, "How many audits were completed?"),
        answer=answer,
        status=Status.NEEDS_REVIEW,
        flags=[Flag("no_evidence", "No passage supports an answer.")],
    )


def cost(number: str = "7") -> Draft:
    return Draft(
        question=Question(number, "List every referral since 2010 with its outcome."),
        answer="Answering would mean reading each case file by hand, so it would exceed the appropriate limit.",
        status=Status.EXEMPT,
        exemptions=["s12"],
    )


def docx_text(data: bytes) -> str:
    return "\n".join(p.text for p in docx.Document(io.BytesIO(data)).paragraphs)


# ------------------------------------------------------------------------------------------- requester copy


def test_requester_copy_holds_every_answer_without_markers(ctx: LetterContext) -> None:
    drafts = [provided(), personal_data(), commercial(), published()]
    text = render_letter(ctx, drafts, "requester")
    assert not MARKER.search(text)
    for draft in drafts:
        assert strip_markers(draft.answer) in text
    assert "Yes, the partnership strategy covers child exploitation. It is reviewed every year." in text
    assert "Does the council have a standalone CSE strategy?" in text
    assert "a) at risk of CSE" in text and "b) victims of CSE" in text


def test_requester_copy_has_header_review_and_ico(ctx: LetterContext) -> None:
    text = render_letter(ctx, [provided()], "requester")
    assert "Lincolnshire County Council" in text
    assert "Freedom of Information request FOI 12409004" in text
    assert "14 May 2025" in text and "9 June 2025" in text
    assert "Dear Requester," in text
    assert "internal review" in text and "40 working days" in text and "the Information Governance team" in text
    assert "Information Commissioner's Office" in text
    assert "Wycliffe House" in text and "Wilmslow" in text and "SK9 5AF" in text
    assert "ico.org.uk/make-a-complaint" in text
    assert text.rstrip().endswith("Information Governance Officer  \nLincolnshire County Council")


def test_requester_copy_has_no_reviewer_material(ctx: LetterContext) -> None:
    text = render_letter(ctx, [provided(), personal_data()], "requester")
    assert "INTERNAL REVIEW COPY" not in text
    assert "528 CE screening tools were received" not in text  # a source quote
    assert "small_numbers" not in text and "figure under 5" not in text
    assert "partly_provided" not in text


def test_named_requester_is_greeted(ctx: LetterContext) -> None:
    ctx.requester = "Ms Jane Smith"
    assert "Dear Ms Jane Smith," in render_letter(ctx, [provided()], "requester")


def test_s40_2_refusal_without_public_interest_test(ctx: LetterContext) -> None:
    text = render_letter(ctx, [provided(), personal_data()], "requester")
    assert "Section 40(2) – Personal data of third parties (question 2)" in text
    assert "UK General Data Protection Regulation" in text
    # The draft's own reason is carried into the refusal notice.
    refusal = text.split("Section 40(2) – Personal data of third parties")[1]
    assert "small enough to identify the children concerned" in refusal
    assert "Public interest test" not in text


def test_qualified_exemption_gets_public_interest_test(ctx: LetterContext) -> None:
    text = render_letter(ctx, [commercial()], "requester")
    assert "Section 43 – Commercial interests (question 3)" in text
    assert "Public interest test" in text
    assert "Section 43 is a qualified exemption" in text


def test_section_21_refusal_gives_link_and_no_public_interest_test(ctx: LetterContext) -> None:
    text = render_letter(ctx, [published()], "requester")
    refusal = text.split("Section 21 – ")[1]
    assert "https://www.lincolnshire.gov.uk/lscp-annual-report" in refusal
    assert "Public interest test" not in text


def test_one_refusal_paragraph_per_exemption_naming_all_its_questions(ctx: LetterContext) -> None:
    text = render_letter(ctx, [personal_data("2"), commercial("3"), personal_data("8")], "requester")
    assert text.count("### Section 40(2)") == 1
    assert "(questions 2 and 8)" in text


def test_cost_limit_adds_advice_and_assistance(ctx: LetterContext) -> None:
    text = render_letter(ctx, [provided(), cost()], "requester")
    assert "£450" in text and "18 hours" in text
    assert "Advice and assistance" in text and "section 16" in text
    assert "Advice and assistance" not in render_letter(ctx, [provided(), personal_data()], "requester")


@pytest.mark.parametrize(
    ("drafts", "expected", "absent"),
    [
        ([provided("1"), provided("2")], "holds the information you asked for", "holds some"),
        ([provided(), personal_data()], "holds some of the information", "does not hold the information"),
        ([provided(), not_held()], "holds some of the information", "does not hold the information you"),
        ([not_held("1"), not_held("2")], "does not hold the information you asked for", "holds some"),
        ([cost("1"), cost("2")], "exceed the appropriate limit", "holds some"),
    ],
)
def test_opening_follows_statuses(ctx: LetterContext, drafts: list[Draft], expected: str, absent: str) -> None:
    opening = render_letter(ctx, drafts, "requester").split("## Your request")[0]
    assert expected in opening
    assert absent not in opening


def test_unfinished_answer_is_a_visible_placeholder(ctx: LetterContext) -> None:
    text = render_letter(ctx, [provided(), needs_review()], "requester")
    assert PLACEHOLDER in text
    assert "Note for the officer" not in text and "no evidence was found" not in text


def test_officer_edited_answer_is_sent(ctx: LetterContext) -> None:
    edited = needs_review(answer="Two audits were completed in 2024.")
    text = render_letter(ctx, [provided(), edited], "requester")
    assert "Two audits were completed in 2024." in text
    assert PLACEHOLDER not in text


def test_template_code_in_answer_text_is_not_run(ctx: LetterContext) -> None:
    injected = Draft(
        question=Question("1", "What is {{ 7*7 }}?"),
        answer="The total is {{ 7*7 }} and {% if true %}yes{% endif %}.",
        status=Status.PROVIDED,
    )
    for copy in ("requester", "reviewer"):
        text = render_letter(ctx, [injected], copy)
        answer_line = next(line for line in text.splitlines() if line.startswith("The total is"))
        assert "7*7" in answer_line and "49" not in answer_line
        assert "if true" in answer_line
        assert "{{" not in text and "{%" not in text
        assert "What is 7*7" in text


def test_unknown_exemption_is_still_explained(ctx: LetterContext) -> None:
    draft = Draft(Question("1", "Q?"), "Withheld.", Status.EXEMPT, exemptions=["section 24"])
    text = render_letter(ctx, [draft], "requester")
    assert "withheld under section 24 of the Freedom of Information Act 2000" in text


def test_strip_markers_fixes_spacing() -> None:
    assert strip_markers("It is held [1]. Also [2], and [3][4]; end [1, 2].") == "It is held. Also, and; end."


# -------------------------------------------------------------------------------------------- reviewer copy


def test_reviewer_copy_has_banner_markers_sources_and_flags(ctx: LetterContext) -> None:
    text = render_letter(ctx, [provided(), personal_data(), needs_review()], "reviewer")
    assert text.startswith("> **INTERNAL REVIEW COPY – NOT TO BE SENT")
    assert "covers child exploitation [1]. It is reviewed every year [2]." in text
    assert "1. [1] Child sexual exploitation strategy, FOI 7339781, 2024-03-19: “All partnership policies" in text
    assert "2. [2] LSCP strategy, 2024-01-01: “The strategy is reviewed annually”" in text
    assert "- small_numbers: The answer may contain a figure under 5." in text
    assert "- no_evidence: No passage supports an answer." in text
    assert "**Status:** partly_provided" in text and "**Exemptions:** s40(2)" in text
    assert "**Status:** needs_review" in text
    assert "Note for the officer: no evidence was found" in text  # the reviewer sees the note itself


def test_reviewer_sources_are_listed_under_their_own_question(ctx: LetterContext) -> None:
    text = render_letter(ctx, [provided("1"), commercial("3")], "reviewer")
    question_3 = text.split("### Question 3")[1].split("## Information we are not able to provide")[0]
    assert "LSCP strategy" not in question_3
    assert "No sources cited." in question_3
    assert "**Exemptions:** s43" in question_3


def test_build_letter_rejects_bad_input(ctx: LetterContext) -> None:
    with pytest.raises(ValueError):
        build_letter(ctx, [], "requester")
    with pytest.raises(ValueError):
        build_letter(ctx, [provided()], "public")  # type: ignore[arg-type]


# ------------------------------------------------------------------------------------------------------ DOCX


def test_requester_docx_holds_answers_without_markers(ctx: LetterContext) -> None:
    drafts = [provided(), personal_data(), commercial(), needs_review()]
    text = docx_text(letter_docx(ctx, drafts, "requester"))
    assert not MARKER.search(text)
    for draft in drafts[:3]:
        assert strip_markers(draft.answer) in text
    assert PLACEHOLDER in text and "Note for the officer" not in text
    assert "Section 40(2) – Personal data of third parties" in text
    assert "Public interest test" in text
    assert "SK9 5AF" in text and "40 working days" in text
    assert "INTERNAL REVIEW COPY" not in text


def test_docx_reads_answer_text_as_markdown(ctx: LetterContext) -> None:
    draft = Draft(
        question=Question("1", "Which partners attend?"),
        answer="The partners are listed below and\nmeet weekly [1].\n\n- Police\n- Health\n\nFirst line  \nSecond line",
        status=Status.PROVIDED,
    )
    document = docx.Document(io.BytesIO(letter_docx(ctx, [draft], "requester")))
    paragraphs = [(p.text, p.style.name) for p in document.paragraphs]
    assert ("The partners are listed below and meet weekly.", "Normal") in paragraphs
    assert ("Police", "List Bullet") in paragraphs and ("Health", "List Bullet") in paragraphs
    assert ("First line\nSecond line", "Normal") in paragraphs


def test_reviewer_docx_has_banner_sources_and_flags(ctx: LetterContext) -> None:
    document = docx.Document(io.BytesIO(letter_docx(ctx, [provided(), personal_data()], "reviewer")))
    paragraphs = [p.text for p in document.paragraphs]
    assert paragraphs[0].startswith("INTERNAL REVIEW COPY")
    assert "[1] Child sexual exploitation strategy, FOI 7339781, 2024-03-19: “All partnership policies and " \
           "procedures are hosted on the LSCP website”" in paragraphs
    assert "small_numbers: The answer may contain a figure under 5." in paragraphs
    assert any(MARKER.search(p) for p in paragraphs)
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert "Question 1" in headings and "Question 2" in headings
