"""Splitting incoming FOI requests into questions."""
from __future__ import annotations

from pathlib import Path

import pytest

from assistant.models import Question
from assistant.requests import RequestError, parse_request, split_request

SEED = Path(__file__).resolve().parents[1] / "corpus" / "decisions" / "2025-12409004-child-exploitation.txt"


def seed_request() -> str:
    page = SEED.read_text(encoding="utf-8")
    return page.split("- Request\n-\n", 1)[1].split(" - Decision", 1)[0]


def numbers(questions: list[Question]) -> list[str]:
    return [q.number for q in questions]


# --- the seed request ---------------------------------------------------------------------------------------


def test_seed_request_has_ten_questions() -> None:
    questions = split_request(seed_request())
    assert numbers(questions) == [str(n) for n in range(1, 11)]


def test_seed_question_texts() -> None:
    questions = {q.number: q for q in split_request(seed_request())}
    assert questions["1"].text.startswith("Does the council have a standalone Child Sexual Exploitation")
    assert questions["1"].text.endswith("please provide a copy of the most recent version.")
    assert questions["8"].text.startswith("What specific services or interventions")
    # "in the last 12 months" and "(22/23, 23/24, 24/25)" stay inside their questions.
    assert questions["10"].text.endswith("(22/23, 23/24, 24/25)?")
    assert all(not q.parts for n, q in questions.items() if n not in {"7", "9"})


def test_seed_question_7_keeps_7a_as_text_and_7b_to_7d_as_parts() -> None:
    q7 = {q.number: q for q in split_request(seed_request())}["7"]
    assert q7.text.startswith("Does the local authority undertake regular audits")
    assert q7.text.endswith("If so, please provide:")
    assert [label for label, _ in q7.parts] == ["b", "c", "d"]
    assert q7.parts[0][1] == "The number of audits carried out in the last 12 months"
    assert q7.parts[2][1] == "Any improvement actions identified and their current status?"


def test_seed_question_9_has_parts_a_to_d_and_keeps_its_own_text() -> None:
    q9 = {q.number: q for q in split_request(seed_request())}["9"]
    assert q9.text.startswith("How many children were referred to early help")  # "9)How" had no space
    assert q9.text.endswith("Please provide the number of:")
    assert [label for label, _ in q9.parts] == ["a", "b", "c", "d"]
    assert q9.parts[0][1] == "Children identified as at risk of CSE in the last 12 months"
    assert "modern slavery, trafficking)" in q9.parts[3][1]
    assert "a) Children identified as at risk of CSE" in q9.full_text


# --- numbering styles ---------------------------------------------------------------------------------------

Q_STYLE = """Dear Sir/Madam,

I am writing to request under the Freedom of Information Act 2000 information about home to school
transport. I have lived in the county for 12 years.

Q1. How many children received home to school transport in 2022/23?
Q2 What was the total cost? I understand it was over £450 per pupil.
Q3: How many complaints were received about late buses?

Yours faithfully

Jane Smith
"""


def test_q_labels_with_background_and_sign_off() -> None:
    parsed = parse_request(Q_STYLE)
    assert numbers(parsed.questions) == ["1", "2", "3"]
    assert parsed.questions[1].text == "What was the total cost? I understand it was over £450 per pupil."
    assert parsed.questions[2].text == "How many complaints were received about late buses?"
    assert "home to school transport" in parsed.preamble  # background kept apart, not a question
    assert all("Jane Smith" not in q.full_text and "faithfully" not in q.full_text for q in parsed.questions)


def test_question_word_labels_and_wrapped_lines() -> None:
    text = """Hello,

Question 1: How many social workers do you employ?
Question 2: How many of them are agency staff?
Question 3: What was the social worker vacancy rate
as at 31 March 2024?

Kind regards,
Tom
"""
    questions = split_request(text)
    assert numbers(questions) == ["1", "2", "3"]
    assert questions[2].text == "What was the social worker vacancy rate as at 31 March 2024?"


def test_bracket_numbers_and_a_reference_to_an_earlier_question() -> None:
    text = """Dear FOI team, please answer the following:
1) How many fostering households were approved in the last 12 months?
2) How many were deregistered?
3) Of those in 2), how many transferred to an independent agency?
Many thanks"""
    parsed = parse_request(text)
    assert numbers(parsed.questions) == ["1", "2", "3"]
    assert parsed.questions[2].text == "Of those in 2), how many transferred to an independent agency?"
    assert parsed.preamble == "please answer the following:"


def test_letters_as_top_level_labels() -> None:
    text = """Dear FOI Officer,
Please provide:
(a) the number of potholes reported in 2023;
(b) the number repaired within 28 days;
(c) the total paid in compensation claims.
Best wishes
Sam"""
    questions = split_request(text)
    assert numbers(questions) == ["a", "b", "c"]
    assert questions[1].text == "the number repaired within 28 days;"
    assert "Sam" not in questions[2].text


def test_roman_numerals_as_top_level_labels() -> None:
    text = """I would like the following information:
i. Your policy on grass cutting in cemeteries
ii. The number of cuts per year
iii. The name of the contractor
Thanks,
Al"""
    questions = split_request(text)
    assert numbers(questions) == ["i", "ii", "iii"]
    assert questions[2].text == "The name of the contractor"


def test_letter_i_after_h_is_a_letter_not_a_roman_numeral() -> None:
    text = "\n".join(f"{letter}) Item {letter}" for letter in "abcdefghij")
    assert numbers(split_request(text)) == list("abcdefghij")


def test_roman_parts_under_a_numbered_question() -> None:
    text = """1. Please provide the following about your CCTV cameras:
(i) the number of cameras
(ii) the annual maintenance cost
2. Who monitors the cameras out of hours?"""
    questions = split_request(text)
    assert numbers(questions) == ["1", "2"]
    assert questions[0].text == "Please provide the following about your CCTV cameras:"
    assert questions[0].parts == [("i", "the number of cameras"), ("ii", "the annual maintenance cost")]


def test_letter_parts_separated_by_blank_lines() -> None:
    text = """1. How many fires were recorded in council buildings in 2023?

a) in schools

b) in offices

2. What was the cost of repairs?"""
    questions = split_request(text)
    assert numbers(questions) == ["1", "2"]
    assert questions[0].parts == [("a", "in schools"), ("b", "in offices")]


def test_parent_text_is_kept_when_a_bare_number_precedes_lettered_labels() -> None:
    text = """Q1 How many parking fines were issued?
Q2 Please provide the following for each car park:
Q2a the number of spaces
Q2b the annual income
Q3 Who enforces on-street parking?"""
    questions = split_request(text)
    assert numbers(questions) == ["1", "2", "3"]
    assert questions[1].text == "Please provide the following for each car park:"
    assert questions[1].parts == [("a", "the number of spaces"), ("b", "the annual income")]


def test_dotted_sub_numbers() -> None:
    text = """1. Staffing
1.1 How many staff work in the planning team?
1.2 How many posts are vacant?
2. Budget
2.1 What was the 2023/24 planning budget?"""
    questions = split_request(text)
    assert numbers(questions) == ["1", "2"]
    assert questions[0].text == "Staffing"
    assert questions[0].parts == [
        ("1", "How many staff work in the planning team?"),
        ("2", "How many posts are vacant?"),
    ]


# --- false labels and sequence checks -----------------------------------------------------------------------


def test_numbers_that_are_not_labels_do_not_start_questions() -> None:
    text = """1. How many fixed penalty notices were issued in the last 12 months?
The fine is £150, reduced to £75 if paid within
14 days. Please give figures for 2022/23 and 2023/24
12. separately. This follows Section 12. of your enforcement policy.
2. How much income was received from them?"""
    questions = split_request(text)
    assert numbers(questions) == ["1", "2"]
    assert "12. separately." in questions[0].text
    assert "2023/24" in questions[0].text
    assert questions[1].text == "How much income was received from them?"


def test_numbered_background_list_before_the_questions_is_not_taken_for_questions() -> None:
    text = """Background:
1) The council closed the recycling centre in 2020.
My questions are:
1. Why was the recycling centre closed?
2. What did the closure save each year?
3. Has reopening it been considered?"""
    parsed = parse_request(text)
    assert numbers(parsed.questions) == ["1", "2", "3"]
    assert parsed.questions[0].text == "Why was the recycling centre closed?"
    assert "closed the recycling centre in 2020" in parsed.preamble


def test_a_skipped_number_is_tolerated() -> None:
    text = "1. How many X?\n2. How many Y?\n4. How many Z?\n5. How many W?"
    assert numbers(split_request(text)) == ["1", "2", "4", "5"]


def test_a_lone_number_label_with_no_sequence_is_not_a_question() -> None:
    text = "Please tell me how many trees the council felled under section\n12. of the Highways Act in 2023."
    questions = split_request(text)
    assert numbers(questions) == ["1"]
    assert questions[0].text == (
        "Please tell me how many trees the council felled under section 12. of the Highways Act in 2023."
    )


def test_labels_written_on_one_line() -> None:
    text = (
        "Dear FOI, 1. How many staff are employed in children's services? 2. How many are on fixed-term "
        "contracts? 3. Please provide the numbers of: a) social workers b) team managers c) support workers. "
        "Kind regards, Bob"
    )
    questions = split_request(text)
    assert numbers(questions) == ["1", "2", "3"]
    assert questions[1].text == "How many are on fixed-term contracts?"
    assert questions[2].text == "Please provide the numbers of:"
    assert questions[2].parts == [("a", "social workers"), ("b", "team managers"), ("c", "support workers.")]


def test_examples_in_brackets_are_not_split() -> None:
    text = "1. How many?\n2. How much?\n3. Please list the staff types (e.g. 1) agency 2) bank).\n4. Who decides?"
    questions = split_request(text)
    assert numbers(questions) == ["1", "2", "3", "4"]
    assert questions[2].text == "Please list the staff types (e.g. 1) agency 2) bank)."


# --- unnumbered requests ------------------------------------------------------------------------------------


def test_bullets_are_questions_when_nothing_is_numbered() -> None:
    text = """Hi,

Under the FOI Act I would like the following information for 2023/24:

• The number of libraries open
• The number of staffed hours per week
• The book fund budget

Regards
Chris Jones"""
    parsed = parse_request(text)
    assert numbers(parsed.questions) == ["1", "2", "3"]
    assert [q.text for q in parsed.questions] == [
        "The number of libraries open",
        "The number of staffed hours per week",
        "The book fund budget",
    ]
    assert "2023/24" in parsed.preamble


def test_word_symbol_bullets_and_dashes() -> None:
    text = (
        "Please provide the following:\n"
        "\uf0b7 Number of school exclusions in 2023\n"
        "- Number of managed moves in 2023"
    )
    assert [q.text for q in split_request(text)] == [
        "Number of school exclusions in 2023",
        "Number of managed moves in 2023",
    ]


def test_bullets_under_an_unnumbered_question_stay_with_it() -> None:
    text = """How much did the council spend on consultants in 2023? Please break this down by:
- department
- supplier
Many thanks"""
    questions = split_request(text)
    assert numbers(questions) == ["1"]
    assert questions[0].text == (
        "How much did the council spend on consultants in 2023? Please break this down by:\n- department\n- supplier"
    )


def test_running_paragraphs_with_several_questions() -> None:
    text = """Dear FOI team,

I am writing under the Freedom of Information Act 2000. How many electric vehicle charging points does the
council operate? Please provide the number installed in each of the last 3 years. By installed I mean
commissioned and in use.

What was the total income from these charge points in 2023?

Thank you in advance for your help.

Alex"""
    parsed = parse_request(text)
    assert numbers(parsed.questions) == ["1", "2", "3"]
    assert parsed.questions[0].text == "How many electric vehicle charging points does the council operate?"
    assert parsed.questions[1].text == (
        "Please provide the number installed in each of the last 3 years. "
        "By installed I mean commissioned and in use."
    )
    assert parsed.questions[2].text == "What was the total income from these charge points in 2023?"
    assert all("Freedom of Information" not in q.text and "Alex" not in q.text for q in parsed.questions)


def test_if_so_follow_up_stays_with_its_question() -> None:
    text = (
        "Does the council have a policy on verge cutting for biodiversity? If so, please send me a copy. "
        "How often are rural verges cut each year?"
    )
    questions = split_request(text)
    assert [q.text for q in questions] == [
        "Does the council have a policy on verge cutting for biodiversity? If so, please send me a copy.",
        "How often are rural verges cut each year?",
    ]


def test_unnumbered_single_request_without_a_question_mark() -> None:
    text = """Dear Sir or Madam,

I request a copy of the council's current contract with its waste collection contractor, including any
variations agreed since 2019.

Yours sincerely,
P. Brown"""
    questions = split_request(text)
    assert numbers(questions) == ["1"]
    assert questions[0].text == (
        "I request a copy of the council's current contract with its waste collection contractor, including any "
        "variations agreed since 2019."
    )


def test_plain_text_with_no_numbering_and_no_question_is_one_question() -> None:
    text = "Copies of all minutes of the Corporate Parenting Panel from January 2023 to date"
    assert split_request(text) == [Question(number="1", text=text)]


# --- greetings, sign-offs and closing text ------------------------------------------------------------------


def test_closing_boilerplate_is_separated_but_a_clarification_stays() -> None:
    text = """Dear Sir/Madam

I am a journalist researching adult social care.

1. How many care home placements did the council fund in 2023?
2. What was the average weekly fee paid?
For clarity, I mean the fee for residential (not nursing) placements.
3. Please provide a breakdown of placements by provider type:
- local authority run
- private
- voluntary sector
Figures as at 31 March are fine.

If any of this information is exempt, please provide the rest and tell me which exemption applies.

I would prefer to receive the information electronically.

Kind regards
Dr Jo Bloggs
Freelance journalist"""
    parsed = parse_request(text)
    assert numbers(parsed.questions) == ["1", "2", "3"]
    assert parsed.questions[1].text.endswith("For clarity, I mean the fee for residential (not nursing) placements.")
    assert parsed.questions[2].text == (
        "Please provide a breakdown of placements by provider type:\n- local authority run\n- private\n"
        "- voluntary sector\nFigures as at 31 March are fine."
    )
    assert "exempt" in parsed.closing and "electronically" in parsed.closing
    assert all("Bloggs" not in q.full_text and "exempt" not in q.full_text for q in parsed.questions)


@pytest.mark.parametrize("closing", ["Yours,\n\nT. Rowe", "Yours\nJo Bloggs", "Yours ever,\nSam"])
def test_a_bare_yours_closes_the_request(closing: str) -> None:
    """"Yours," alone (no "faithfully") still signs off: the name under it is no part of the last question."""
    text = f"Dear FOI team,\n\n1. How many young carers were referred to the young carers service in 2025/26?\n\n{closing}\n"
    parsed = parse_request(text)
    assert [q.text for q in parsed.questions] == ["How many young carers were referred to the young carers service in 2025/26?"]
    assert closing.split()[-1] not in parsed.questions[0].full_text


def test_request_site_footer_after_the_sign_off_is_dropped() -> None:
    text = """Dear Lincolnshire County Council,

Please could you provide the following information under the Freedom of Information Act:

1. The number of unaccompanied asylum seeking children in your care on 31 March 2023.
2. How many of these were placed outside Lincolnshire?

Yours faithfully,

John Smith

-------------------------------------------------------------------
Please use this email address for all replies to this request:
request-12345@example.org

Is this the wrong address for Freedom of Information requests? If so, please contact us using this form:
https://example.org/change_request/new
"""
    parsed = parse_request(text)
    assert [q.text for q in parsed.questions] == [
        "The number of unaccompanied asylum seeking children in your care on 31 March 2023.",
        "How many of these were placed outside Lincolnshire?",
    ]
    assert parsed.preamble.startswith("Please could you provide the following information")
    assert parsed.closing == ""


def test_opening_thanks_is_not_taken_for_a_sign_off() -> None:
    text = """Thank you for your reply to my previous request (ref 12345).
I now have two follow-up questions.
1. How many of the 45 cases were closed within 12 weeks?
2. How many remain open?
Thanks again,
Jo"""
    parsed = parse_request(text)
    assert [q.text for q in parsed.questions] == [
        "How many of the 45 cases were closed within 12 weeks?",
        "How many remain open?",
    ]
    assert parsed.preamble.startswith("Thank you for your reply")


def test_quoted_email_history_after_the_sign_off_is_ignored() -> None:
    text = """How many parking permits were issued in 2023?

Kind regards
Jo

-----Original Message-----
From: FOI Team <foi@example.gov.uk>
1. Your earlier question
2. Another earlier question
> 3. quoted"""
    assert [q.text for q in split_request(text)] == ["How many parking permits were issued in 2023?"]


def test_thanks_between_questions_does_not_end_the_request() -> None:
    questions = split_request("How many dogs were seized? Thank you. Also, how many were rehomed? Thanks, Jo Smith")
    assert [q.text for q in questions] == ["How many dogs were seized?", "Also, how many were rehomed?"]


def test_windows_line_endings_and_non_breaking_spaces() -> None:
    text = "Dear FOI team,\r\n\r\n1.\u00a0How many?\r\n2.\u00a0How much?\r\n\r\nKind regards\r\nA"
    assert [q.text for q in split_request(text)] == ["How many?", "How much?"]


# --- size and speed -----------------------------------------------------------------------------------------


def test_two_hundred_numbered_questions() -> None:
    """Speed is measured in benchmarks/bench_split.py (no timed asserts here); this checks the result."""
    text = (
        "Dear FOI team,\n\n"
        + "\n".join(
            f"{n}. How many widgets were bought in month {n} of the last 12 months, at what cost?"
            for n in range(1, 201)
        )
        + "\n\nKind regards\nBob"
    )
    parsed = parse_request(text)
    assert numbers(parsed.questions) == [str(n) for n in range(1, 201)]
    assert parsed.questions[199].text == "How many widgets were bought in month 200 of the last 12 months, at what cost?"
    assert parsed.left_out == [] and parsed.closing == ""


def test_too_many_questions() -> None:
    text = "\n".join(f"{n}. Question {n}?" for n in range(1, 12))
    assert len(split_request(text, max_questions=11)) == 11
    with pytest.raises(RequestError, match="11 questions, over the limit of 10"):
        split_request(text, max_questions=10)


# --- bad input ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", "   ", "\n\n\t \r\n", "\ufeff  \u200b"])
def test_empty_request(text: str) -> None:
    with pytest.raises(RequestError, match="^The request is empty"):
        split_request(text)


def test_request_over_the_size_limit_names_the_limit() -> None:
    with pytest.raises(RequestError, match="over the limit of 1,000"):
        split_request("1. How many?\n" * 100, max_chars=1000)
    assert len(split_request("How many?" * 100, max_chars=1000)) == 1  # 900 characters is fine


def test_nul_bytes_are_binary() -> None:
    with pytest.raises(RequestError, match="looks like binary"):
        split_request("1. How many?\x00\x00\x01")


def test_mostly_non_printable_text_is_binary() -> None:
    junk = "".join(chr(1 + i % 25) for i in range(400)) + "%PDF-1.7 stream endobj"
    with pytest.raises(RequestError, match="looks like binary"):
        split_request(junk)


def test_a_few_odd_characters_are_not_binary() -> None:
    assert numbers(split_request("1. How many?\x07\n2. How much?")) == ["1", "2"]


def test_only_greeting_and_sign_off() -> None:
    with pytest.raises(RequestError, match="no question"):
        split_request("Dear Sir/Madam,\n\nKind regards\nBob")


def test_bytes_are_rejected() -> None:
    with pytest.raises(RequestError):
        split_request(b"1. How many?")  # type: ignore[arg-type]


def test_request_error_is_a_value_error() -> None:
    assert issubclass(RequestError, ValueError)


# --- patterns seen in real requests (issue: splitting that holds on real requests) --------------------------


def test_line_breaks_lost_in_copy_paste() -> None:
    text = (
        "Dear Council, I am writing to request the following information under the Act:1) As of 13.05.2024, "
        "how many children looked after by the council were placed out of area?2) Between 1 April 2023 and "
        "31 March 2024, how many children went missing from care?3) How many of those children were offered a "
        "return home interview?"
    )
    parsed = parse_request(text)
    assert numbers(parsed.questions) == ["1", "2", "3"]
    assert parsed.questions[0].text.startswith("As of 13.05.2024, how many children")
    assert "under the Act" in parsed.preamble and "how many" not in parsed.preamble


def test_greeting_on_the_same_line_as_the_first_question() -> None:
    text = (
        "Dear Council,This freedom of information request concerns children in care. Could you provide me "
        "with:1) The number of children placed in residential care on 31 March 2024 2) The number of those "
        "placed more than 20 miles from home"
    )
    questions = split_request(text)
    assert numbers(questions) == ["1", "2"]
    assert questions[0].text.startswith("The number of children placed in residential care")


def test_an_opening_sentence_that_is_itself_the_question() -> None:
    text = (
        "Under the Freedom of Information Act 2000 I would like to know how many children in the council's care "
        "went missing in 2023 and how many of them had a return home interview.\n\nThank you."
    )
    questions = split_request(text)
    assert len(questions) == 1
    assert questions[0].text.startswith("Under the Freedom of Information Act 2000 I would like to know how many")


def test_asks_with_no_question_mark_and_no_number() -> None:
    text = """The number of foster placements made with the council's own fostering provision.

The number of foster placements made with private or voluntary fostering providers.

The total amount spent on the council's own fostering provision

The total amount spent on private and voluntary fostering provision.

Please answer for each of the five financial years 2018-19, 2019-20, 2020-21, 2021-22 and 2022-23.

If it is not possible to include all the information, please provide what is available."""
    parsed = parse_request(text)
    assert [q.text for q in parsed.questions] == [
        "The number of foster placements made with the council's own fostering provision.",
        "The number of foster placements made with private or voluntary fostering providers.",
        "The total amount spent on the council's own fostering provision",
        "The total amount spent on private and voluntary fostering provision.",
    ]
    scope = "Please answer for each of the five financial years 2018-19, 2019-20, 2020-21, 2021-22 and 2022-23."
    assert parsed.scope_lines == [scope]
    assert all(q.context == [scope] for q in parsed.questions)  # the period governs every question
    assert parsed.fallback_lines == ["If it is not possible to include all the information, please provide what is available."]
    assert parsed.left_out == []


def test_scope_line_before_numbered_questions_governs_them_all() -> None:
    text = """For each of the financial quarters since January 2020:
1. How many households were placed in bed and breakfast accommodation?
2. How many of them were families with children?"""
    parsed = parse_request(text)
    assert numbers(parsed.questions) == ["1", "2"]
    assert parsed.scope_lines == ["For each of the financial quarters since January 2020:"]
    assert [q.context for q in parsed.questions] == [parsed.scope_lines] * 2
    assert "financial quarters since January 2020" in parsed.questions[1].query_text
    assert "financial quarters" not in parsed.questions[1].full_text  # the requester's words stay as written


def test_scope_line_naming_questions_governs_only_those() -> None:
    text = """1. How many fines were issued?
2. How much income did they raise?
3. Who sets the fine levels?

For questions 1 to 2, please answer for each of the last three financial years."""
    parsed = parse_request(text)
    assert numbers(parsed.questions) == ["1", "2", "3"]
    assert parsed.questions[0].context and parsed.questions[1].context
    assert parsed.questions[2].context == []


def test_mixed_levels_capital_letters_over_numbers_over_roman() -> None:
    text = """A) Which department deals with elective home education?
1) Who is employed in this team?
2) Who do they report to?
i) Please supply copies of their procedures.

B) How many children are electively home educated?

C) How many pupils were de-registered in 2023?"""
    questions = split_request(text)
    assert numbers(questions) == ["a", "b", "c"]
    assert [label for label, _ in questions[0].parts] == ["1", "2"]
    assert "procedures" in questions[0].parts[1][1]


def test_numbering_written_with_commas() -> None:
    text = "1, How many parking permits were issued in 2023?\n2, How many were refused?\n3, What did a permit cost?"
    assert numbers(split_request(text)) == ["1", "2", "3"]


def test_inline_star_bullets_are_separate_questions() -> None:
    text = (
        "Please provide: * the number of libraries open * the number of staffed hours * the book fund budget "
        "* the number of volunteers * the number of mobile libraries * the number of library cards issued"
    )
    questions = split_request(text)
    assert len(questions) == 6
    assert questions[0].text == "the number of libraries open"
    assert questions[5].text == "the number of library cards issued"


def test_glued_numbering_after_words_and_brackets() -> None:
    text = (
        "1.Number of households in arrears 2.The total amount owed by these households 3.The number of cases "
        "passed to bailiffs (note these are also called enforcement agents)4.Total amount recovered, and5. The "
        "names of the agencies used"
    )
    questions = split_request(text)
    assert numbers(questions) == ["1", "2", "3", "4", "5"]
    assert questions[1].text == "The total amount owed by these households"


def test_lettered_labels_with_no_bare_number_are_questions() -> None:
    text = """1a. Number of households with children under 5 in temporary accommodation
1b. Number of those households in temporary accommodation for more than 6 weeks
2a. Number of households with children under 5 in bed and breakfast accommodation
2b. Number of those households in bed and breakfast for more than 6 weeks"""
    assert numbers(split_request(text)) == ["1a", "1b", "2a", "2b"]


def test_introduction_and_sign_off_are_not_glued_to_the_questions() -> None:
    text = (
        "I am a researcher looking at school transport. How many pupils received free transport in 2023? "
        "What did it cost? I look forward to hearing from you. Kind regards, Sam"
    )
    parsed = parse_request(text)
    assert [q.text for q in parsed.questions] == ["How many pupils received free transport in 2023?", "What did it cost?"]
    assert "researcher" in parsed.preamble
    assert "look forward" in parsed.closing


def test_sign_off_glued_to_the_last_numbered_question() -> None:
    text = "1. How many bins were replaced?\n2. What did they cost? I look forward to your reply."
    parsed = parse_request(text)
    assert parsed.questions[1].text == "What did they cost?"
    assert "look forward" in parsed.closing


def test_questions_after_a_signed_covering_note() -> None:
    text = """Dear Council,

I am writing with a freedom of information request about return home interviews.

Yours faithfully,

A Requester

Please can you send answers to the following:
+ How many children went missing in 2023?
+ How many had a return home interview?"""
    parsed = parse_request(text)
    assert [q.text for q in parsed.questions] == [
        "How many children went missing in 2023?",
        "How many had a return home interview?",
    ]


def test_procedural_question_is_not_a_question_but_is_flagged() -> None:
    text = """Could you please advise whether any clarification is needed to complete my request?

- How many fostering households were approved in 2023?
- How many were deregistered?"""
    parsed = parse_request(text)
    assert len(parsed.questions) == 2
    assert [item.text for item in parsed.left_out] == [
        "Could you please advise whether any clarification is needed to complete my request?"
    ]


def test_a_question_left_in_the_preamble_is_flagged_with_its_text() -> None:
    text = """I am researching library closures. How many libraries did the council close in 2019?

Please provide:
1. The number of libraries open on 1 April 2024.
2. The number of staffed hours per week."""
    parsed = parse_request(text)
    assert numbers(parsed.questions) == ["1", "2"]
    assert [(item.text, item.where, item.before) for item in parsed.left_out] == [
        ("How many libraries did the council close in 2019?", "preamble", 0)
    ]
    assert parsed.to_json()["possible_question_left_out"][0]["text"] == "How many libraries did the council close in 2019?"


def test_nothing_is_flagged_when_every_ask_is_a_question() -> None:
    assert parse_request(seed_request()).left_out == []
    assert parse_request(Q_STYLE).left_out == []


def test_parsed_request_round_trips_through_json() -> None:
    from assistant.requests import ParsedRequest

    parsed = parse_request(
        "For each of the last three financial years:\n1. How many?\n2. How much?\n\nAlso, how many were late?"
    )
    assert ParsedRequest.from_json(parsed.to_json()) == parsed


# Inline parts inside the asking sentence, with no list intro before "a)" (real wordings: Lincolnshire UASC 2021,
# Lincolnshire missing children 2021, Wokingham home education 2025).
@pytest.mark.parametrize(
    ("line", "head", "parts"),
    [
        (
            "2. The number of UASCs who have left the council's care via the National Transfer Scheme to a) local "
            "authorities within England, b) local authorities in Scotland or c) local authorities in Wales",
            "The number of UASCs who have left the council's care via the National Transfer Scheme to",
            ["local authorities within England,", "local authorities in Scotland or", "local authorities in Wales"],
        ),
        (
            "3. The number of UASCs currently residing in a) in-area placements or b) out-ofarea placements;",
            "The number of UASCs currently residing in",
            ["in-area placements or", "out-ofarea placements;"],
        ),
        (
            "2. Of these, how many were a) known to have an education, health and care plan or statement of special "
            "educational need, b) known to be claiming free school meals, c) known to social services",
            "Of these, how many were",
            ["known to have an education, health and care plan or statement of special educational need,",
             "known to be claiming free school meals,", "known to social services"],
        ),
    ],
)
def test_inline_parts_inside_the_asking_sentence_are_sub_parts(line: str, head: str, parts: list[str]) -> None:
    questions = split_request(f"Please provide:\n1. The number of UASCs in the care of the council;\n{line}\n")
    q = questions[1]
    assert q.text == head
    assert [t for _, t in q.parts] == parts
    assert [label for label, _ in q.parts] == ["a", "b", "c"][: len(parts)]


@pytest.mark.parametrize(
    "line",
    [
        # One label only, or labels out of order, or items that do not enumerate: the sentence stays whole.
        "1. How many children were placed under section 20 a) of the Act in 2023?",
        "1. Please state the reason for b) and a) in your last reply.",
        "1. What was spent on option a) the new building and what on option b) the refurbishment in 2024?",
    ],
)
def test_label_like_text_that_is_no_enumeration_stays_one_question(line: str) -> None:
    questions = split_request(line)
    assert len(questions) == 1 and not questions[0].parts


def test_parts_of_an_open_head_are_read_as_the_whole_sentence() -> None:
    """Each part of "… via the National Transfer Scheme to a) … b) …" is analysed as the head followed by the part,
    so "left … to local authorities" (a move out of the area) is what part a asks; the main question reads as the
    whole sentence. A head ending with a list intro ("Please provide the number of:") leaves its parts alone."""
    from datetime import date

    from assistant.drafting.analysis import analyse_question, phrase_sides

    q = split_request(
        "1. The number of UASCs who have left the council's care via the National Transfer Scheme to a) local "
        "authorities within England, b) local authorities in Scotland or c) local authorities in Wales"
    )[0]
    a = analyse_question(q, date(2021, 5, 14))
    assert a.text.endswith("or local authorities in Wales") and "a)" not in a.text
    assert a.parts[0].text == "The number of UASCs who have left the council's care via the National Transfer Scheme to local authorities within England,"
    assert "out of the area" in phrase_sides(a.parts[0].text)
    listed = split_request("8. What services do you provide?\n9. Please provide the number of:\na) Children identified as at risk of CSE in the last 12 months\nb) Children identified as victims of CSE in the last 12 months")[1]
    assert analyse_question(listed, date(2025, 5, 14)).parts[0].text == "Children identified as at risk of CSE in the last 12 months"


def test_a_head_that_does_not_stop_mid_sentence_leaves_its_parts_alone() -> None:
    from datetime import date

    from assistant.drafting.analysis import analyse_question

    q = Question("1", "Please provide the following", parts=[("a", "The number of children in care"), ("b", "The number of care leavers")])
    a = analyse_question(q, date(2024, 1, 10))
    assert a.text == "Please provide the following" and a.parts[0].text == "The number of children in care"


def test_inline_parts_of_an_unnumbered_question_are_its_sub_parts() -> None:
    """London Borough of Barnet 2022: questions without numbers, two of them with lettered items run into the line."""
    text = (
        "Request clarified on 7 November 2022 to the following.\n"
        " What is the total number of Black Social Workers in your Local Authority employed in these positions: a) Social Worker, "
        "b) Senior Social Worker, c) Advanced Practitioner, and d) Director?\n"
        " How many complaints have been made against Black Social Workers by White Social Workers?\n"
        " How many Black Social Workers are a) on any Diversity Board / Diversity Committee / Diversity Group within your Local "
        "Authority, and b) how many of the Heads or Leads of these boards, committees or groups are Black?\n"
    )
    questions = split_request(text)
    assert [len(q.parts) for q in questions] == [4, 0, 2]
    assert questions[0].text.endswith("employed in these positions:")
    assert questions[0].parts[3] == ("d", "Director?")
    assert questions[2].text == "How many Black Social Workers are"
    assert questions[2].parts[1][1].startswith("how many of the Heads or Leads")
