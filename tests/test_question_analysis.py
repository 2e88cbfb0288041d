"""Question analysis and period extraction on real wordings (the seed request, eval cases, real FOI requests),
and evidence items read from real corpus answers. Pure functions: no index, no model."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from assistant.documents import load_file
from assistant.drafting.analysis import analyse, analyse_question, terms
from assistant.drafting.evidence import items_from_answer, unit_items
from assistant.drafting.periods import coverage, periods_in, split_year, within
from assistant.models import Question
from assistant.requests import split_request
from assistant.settings import Settings

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
MAY_2025 = date(2025, 5, 14)


def labels(text: str, ref: date | None = MAY_2025) -> list[tuple[str, str, str, str]]:
    return [(p.label, p.kind, p.start.isoformat(), p.end.isoformat()) for p in periods_in(text, ref)]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("In 2022/23, 463 CE Screening Tools were received.", [("2022/23", "financial_year", "2022-04-01", "2023-03-31")]),
        ("How many children were referred in the last 12 months?", [("the 12 months to 14 May 2025", "rolling", "2024-05-15", "2025-05-14")]),
        ("for each of the financial years 2018-19 to 2022-23", [("2018/19 to 2022/23", "range", "2018-04-01", "2023-03-31")]),
        ("How many children were in care as at 13.05.2024?", [("at 13 May 2024", "point", "2024-05-13", "2024-05-13")]),
        ("How many assessments were completed in May 2021?", [("May 2021", "month", "2021-05-01", "2021-05-31")]),
        ("How many pupils were excluded in the academic year 2019/20?", [("2019/20", "academic_year", "2019-09-01", "2020-08-31")]),
        ("At 31 August 2025 there were 1,606 households.", [("at 31 August 2025", "point", "2025-08-31", "2025-08-31")]),
        ("in the 12 months to March 2024", [("the 12 months to March 2024", "rolling", "2023-04-01", "2024-03-31")]),
        ("How many EHAs were completed in 2021?", [("2021", "calendar_year", "2021-01-01", "2021-12-31")]),
        ("For each of the last six financial years, please provide", [("2019/20 to 2024/25", "range", "2019-04-01", "2025-03-31")]),
        ("in each of the past five years", [("the 5 years to 14 May 2025", "rolling", "2020-05-15", "2025-05-14")]),
        ("How many children are there now?", [("as at 14 May 2025", "current", "2025-05-14", "2025-05-14")]),
        ("children aged 11 to 15 with a Section 47 enquiry", []),
        ("described in answer 3 of our reply", []),
    ],
)
def test_periods_on_real_wordings(text, expected):
    assert labels(text) == expected


def test_year_ending_and_since_are_resolved():
    assert labels("in the year ending 31 March 2023")[0][:2] == ("2022/23", "financial_year")
    assert labels("since 2018")[0] == ("since 2018", "range", "2018-01-01", "2025-05-14")


def test_period_fit_same_label_range_and_point():
    asked = periods_in("2018-19 to 2022-23", MAY_2025)[0]
    assert within(split_year(2020), asked) and not within(split_year(2023), asked)
    # Five yearly figures cover the range; three of them do not.
    assert coverage([split_year(y) for y in range(2018, 2023)], asked) == pytest.approx(1.0, abs=0.01)
    assert coverage([split_year(y) for y in range(2018, 2021)], asked) < 0.75
    # "2022/23" asked and stated match whether the text meant a financial or an academic year.
    assert within(split_year(2022, academic=True), split_year(2022))


def seed_questions() -> list[Question]:
    page = (CORPUS / "decisions" / "2025-12409004-child-exploitation.txt").read_text(encoding="utf-8")
    return split_request(page.split("- Request\n-\n", 1)[1].split(" - Decision", 1)[0])


def test_seed_request_analysis():
    by_number = {q.number: analyse_question(q, MAY_2025) for q in seed_questions()}
    assert by_number["1"].answer_type == "document" and "cse" in by_number["1"].terms
    assert by_number["6"].answer_type == "list"
    nine = by_number["9"]
    assert nine.answer_type == "count" and nine.period.label == "the 12 months to 14 May 2025" and nine.period_explicit
    # Sub-parts "a) Children identified as at risk of CSE" inherit the count asked by "Please provide the number of:".
    assert [p.label for p in nine.parts] == ["a", "b", "c", "d"]
    assert all(p.answer_type == "count" and p.period == nine.period for p in nine.parts)
    # "(e.g. criminal exploitation, modern slavery …)" only gives examples: part c asks about other forms of exploitation.
    assert "cse" in nine.parts[0].terms and "cse" not in nine.parts[2].terms and "exploitation" in nine.parts[2].terms
    ten = by_number["10"]
    assert ten.answer_type == "money" and ten.period.label == "2022/23 to 2024/25"
    # "(including prevention and victim support)" widens the question; it does not name the measure.
    assert set(ten.terms) == {"budget", "alloc", "exploitation", "work"}
    seven = by_number["7"]
    assert [p.label for p in seven.parts] == ["b", "c", "d"] and seven.parts[0].answer_type == "count"


@pytest.mark.parametrize(
    "text, answer_type, qualifiers, groups",
    [
        # Real wordings from requests to UK councils (WhatDoTheyKnow, council disclosure logs) and the eval cases.
        ("How many Section 47 enquiries were started in 2022/23?", "count", (), ("s47",)),
        ("How many boys aged 11 to 15 were made subject to a child protection plan?", "count", ("aged 11 to 15", "boys"), ("boys", "cpp")),
        ("How many unaccompanied asylum seeking children are placed outside the county?", "count", ("outside",), ("uasc",)),
        ("How many appeals were brought by the council against the tribunal's decisions?", "count", ("by",), ()),
        ("What is the weekly fostering allowance for a child aged 11 to 15?", "money", ("aged 11 to 15", "weekly"), ()),
        ("What percentage of EHC needs assessments were completed within 20 weeks?", "rate", (), ("ehcp",)),
        ("Does the council have a standalone CSE strategy? If so, please provide a copy.", "document", (), ()),
        ("Which organisations attend the MACE meetings?", "list", (), ()),
        # Thurrock Council, foster care request 2024: a name asked for mid-sentence
        ("Of the independent fostering agencies used by the local authority, which company provides the most placements for individual children?", "list", (), ()),
        ("How does the council decide whether a child is at risk of exploitation?", "description", (), ()),
    ],
)
def test_answer_type_and_qualifiers_on_real_wordings(text, answer_type, qualifiers, groups):
    a = analyse(text, received=MAY_2025)
    assert a.answer_type == answer_type
    assert set(qualifiers) <= set(a.qualifiers)
    assert set(groups) <= set(a.groups)


def test_scope_lines_give_the_period_when_the_question_has_none():
    a = analyse("How many foster carers were registered?", context="For each of the financial years 2018-19 to 2022-23:", received=MAY_2025)
    assert a.period.label == "2018/19 to 2022/23" and a.period_explicit and "year" in a.breakdown
    q = Question("1", "How many foster carers were registered?", [], ["For each of the financial years 2018-19 to 2022-23:"])
    assert analyse_question(q, MAY_2025).period.label == "2018/19 to 2022/23"


def test_abbreviations_and_long_forms_are_one_term():
    assert set(terms("looked-after children placed in unregulated accommodation")) & set(terms("LAC in unregulated placements")) >= {"lac", "unregul"}
    assert "sendneeds" not in terms("please send me a copy") and "sendneeds" in terms("pupils with SEND")


# ---------------------------------------------------------------------------------------------- evidence items


def units_of(name: str):
    return load_file(CORPUS / "decisions" / name, Settings())


def test_table_rows_are_read_with_their_headers_and_year():
    [unit] = [u for u in units_of("2024-9123989-multi-agency-safeguarding-hub.md") if "5" in u.question_numbers]
    rows = [i for i in unit_items(unit) if i.kind == "row"]
    row = next(i for i in rows if i.period and i.period.label == "2022/23")
    assert row.render().endswith("2022/23: Strategy meetings: 2,296; Children: 1,934.")
    assert row.render().startswith("Strategy meetings held, and children who were the subject of a strategy meeting")
    assert row.period_source == "stated" and len(rows) == 16


def test_list_items_take_their_lead_in_and_stated_year():
    [unit] = [u for u in units_of("2023-7510328-foster-carers-numbers.md") if "1" in u.question_numbers]
    items = unit_items(unit)
    item = next(i for i in items if i.kind == "list_item" and "2020/21" in i.text)
    assert item.render() == "Registered foster carers at the end of each year: 2020/21: 276."
    assert item.period.label == "2020/21" and item.period_source == "stated"


def test_items_fall_back_to_the_question_period_then_the_decision_date_then_undated():
    # "Of these, 121 …" carries on the period of the sentence before it.
    items = items_from_answer("In 2022/23, 463 tools were received. Of these, 121 concerned CSE.", decided=date(2023, 6, 28))
    assert [i.period.label for i in items] == ["2022/23", "2022/23"]
    asked = items_from_answer("3,914 were completed.", question="How many EHAs were completed in 2021?", decided=date(2022, 3, 1))
    assert (asked[0].period.label, asked[0].period_source) == ("2021", "question")
    at_decision = items_from_answer("The council has 64 places.", decided=date(2024, 3, 19))
    assert (at_decision[0].period.kind, at_decision[0].period_source) == ("current", "decision")
    undated = items_from_answer("64.")
    assert undated[0].period is None and undated[0].period_source == "undated"


def test_items_are_stored_at_ingest_in_the_unit_metadata():
    [unit] = [u for u in units_of("2023-7510328-foster-carers-numbers.md") if "1" in u.question_numbers]
    assert unit.extra.get("evidence"), "items are computed once at ingest"
    # The question names no year; the request's scope line "for each of the last six financial years" does.
    assert unit.extra.get("question_period") == "range|2017-04-01|2023-03-31|2017/18 to 2022/23"


def test_the_past_requests_scope_line_dates_answers_whose_question_names_no_period():
    """'Please give figures for the calendar year 2024' above the questions: '592' is a 2024 figure, not 'as at' the reply."""
    from assistant.drafting.evidence import unit_items as read

    [unit] = [u for u in units_of("2025-11582306-ehc-needs-assessment-requests-2024.md") if "2" in u.question_numbers]
    figures = [i for i in read(unit) if any(ch.isdigit() for ch in i.text)]
    assert figures and all(i.period.label == "2024" and i.period_source in ("question", "stated", "lead_in") for i in figures)


@pytest.mark.parametrize(
    "text, follows",
    [
        ("How many were missing for longer than a month?", True),  # p1-missing-lac-2024: subject elided
        ("For each of those years, how many arrived through the National Transfer Scheme?", True),
        ("How many have you transferred out to other authorities through the scheme?", True),
        ("How many of these requests were refused?", True),
        ("How many foster carers were registered with the council at 31 March 2024?", False),
        ("Please send me a copy of your child exploitation strategy.", False),
    ],
)
def test_follow_on_questions_are_recognised(text, follows):
    from assistant.drafting.analysis import is_follow_on

    assert is_follow_on(text) is follows


def test_a_follow_on_question_takes_its_group_and_period_from_the_one_it_follows():
    before = Question("2", "How many unaccompanied children did you place in each calendar year from 2018 to 2025?")
    follow = Question("3", "For each of those years, how many arrived through the National Transfer Scheme?")
    alone = analyse_question(follow, date(2025, 9, 15))
    assert alone.period.kind == "current" and alone.groups == ()
    read_on = analyse_question(follow, date(2025, 9, 15), follows=before)
    assert read_on.period.label == "2018 to 2025" and read_on.period_explicit
    assert "uasc" in read_on.groups
    standalone = Question("3", "How many foster carers were registered in 2022?")
    assert analyse_question(standalone, date(2025, 9, 15), follows=before).groups == ()


def test_were_looked_after_names_children_in_care():
    """lcc-cce-young-males-2025: "How many boys were a Looked After Child?" is the past "How many boys were looked
    after by the council?"; a looked-after child is still one term."""
    assert set(terms("How many boys were a Looked After Child?")) <= set(terms("How many boys were looked after by the council?")) | {"child"}
    assert "lac" in terms("children who have been looked after")
    assert "lac" not in terms("Who looked after the building?")


def test_long_forms_of_uasc_and_children_in_care_fold_to_one_term():
    assert "uasc" in terms("The number of UASCs in the care of the council")
    # lcc-uasc-nts-2021 question 1: children "in the care of the council" are looked after, not any UASC placed.
    assert analyse("The number of unaccompanied asylum seeker children (UASCs) in the care of the council;").groups == ("lac", "uasc")
    assert "lac" not in terms("How many UASC have left the council's care through the National Transfer Scheme?")
    assert "uasc" in terms("The number of unaccompanied asylum seeker children in the care of the council")
    assert "uasc" in terms("How many unaccompanied children did you place?")
    assert "uasc" in terms("unaccompanied migrant children")
    assert "lac" in terms("How many children in your care were missing?")
    assert "lac" in terms("children in the council's care")


@pytest.mark.parametrize(
    "text, sides",
    [
        ("How many refusal-to-assess appeals were registered?", {"refusal to assess", "refused"}),
        ("Requests the council decided not to assess: 592", {"refusal to assess", "refused"}),
        ("How many appeals against refusals to issue an EHC plan?", {"refusal to issue", "refused"}),
        ("57 appeals about the contents of a plan and the placement named", {"the contents of a plan"}),
        ("How many referrals did the LADO receive from all sources?", {"all sources", "received"}),
        ("Referrals to the LADO from schools: 2018/19: 312.", {"a single source"}),
        # lcc-uasc-nts-2021: children leaving the council's care for other councils go out of its area.
        ("The number of UASCs who have left the council's care via the National Transfer Scheme to a) local authorities within England", {"out of the area"}),
        # lcc-uasc-since-2018 question 2: moved *to* the area is into it.
        ("The number of unaccompanied asylum-seeking children moved to your area as part of the National Transfer Scheme", {"in or into the area"}),
    ],
)
def test_qualifier_phrases_come_from_one_table(text, sides):
    from assistant.drafting.analysis import phrase_sides

    assert phrase_sides(text) == sides


@pytest.mark.parametrize(
    "text, counted",
    [
        ("How many appeals did the council receive against refusals to issue an EHC plan in 2022?", "appeal"),
        ("In 2023, how many EHC needs assessment requests from parent carers did the council refuse?", "request"),
        ("How many of these requests were refused?", "request"),
        ("How many missing incidents involving unaccompanied children were there?", "incid"),
        ("Please give the number of strategy meetings held in 2022/23.", "meet"),
        ("How many were missing for longer than a month?", ""),
        ("What is your policy on home education?", ""),
    ],
)
def test_a_count_question_knows_what_it_counts(text, counted):
    assert analyse(text, received=MAY_2025).counted == counted


@pytest.mark.parametrize(
    "text, sides",
    [
        # nm-inside-vs-outside q1 and the 2025 UASC reply: a named place is the council's area.
        ("At 31 August 2025, how many unaccompanied asylum-seeking children in the council's care were placed outside Lincolnshire?", {"out of the area"}),
        ("11 were placed within Lincolnshire and 85 were placed outside Lincolnshire", {"in or into the area", "out of the area"}),
        # Real requests to other councils.
        ("how many were placed in a children's home outside of the geographical boundaries of the local authority?", {"out of the area"}),
        ("the total cost to your council of transporting children to schools outside your local authority", {"out of the area"}),
        ("A breakdown of this total showing the number of placements within the local authority", {"in or into the area"}),
        ("How many children's homes are operating within Greenwich Borough?", {"in or into the area"}),
        # Both sides named: the past question answers either.
        ("How many UASC are currently in your care, and how many of them are placed inside and outside your area?", {"in or into the area", "out of the area"}),
        # Not the council's area: a nation, a team inside the council, a time.
        ("How many children were placed outside the United Kingdom?", set()),
        ("Services are delivered by the Future4Me team within Lincolnshire County Council.", set()),
        ("Is the service available outside school hours?", set()),
    ],
)
def test_the_councils_own_area_in_its_usual_wordings(text, sides):
    from assistant.drafting.analysis import phrase_sides

    assert phrase_sides(text) == sides


@pytest.mark.parametrize(
    "text",
    [
        "Which team deals with home-educating families?",  # p2-ehe-trends-2025 q1
        "Please send me your home education policy.",
        "How many children are electively home educated?",
        "How many Home educators contacted the council?",
    ],
)
def test_home_education_in_any_of_its_words_is_ehe(text):
    from assistant.drafting.analysis import terms

    assert "ehe" in terms(text)


def test_moved_from_the_area_is_out_of_it():
    """lcc-uasc-since-2018 q3 (a real request): children moved *from* your area under the scheme left it."""
    from assistant.drafting.analysis import narrower_sides, phrase_sides

    asked = "The number of unaccompanied asylum-seeking children moved from your area as part of the National Transfer Scheme"
    assert phrase_sides(asked) == {"out of the area"}
    assert narrower_sides(asked, "How many UASC were moved out of your area under the National Transfer Scheme?") == []
    assert phrase_sides("How many referrals came from your area?") == set()


def test_a_past_question_on_both_sides_is_not_narrower():
    from assistant.drafting.analysis import narrower_sides

    both = "How many UASC are currently in your care, and how many of them are placed inside and outside your area?"
    assert narrower_sides("How many UASC are in your care?", both) == []
    assert narrower_sides("How many UASC are in your care?", "How many UASC in the council's care are placed within the council's area?") == ["in or into the area"]


def test_narrowing_sides_of_a_past_question():
    from assistant.drafting.analysis import narrower_sides

    assert narrower_sides("How many SEND Tribunal appeals were registered?", "How many refusal-to-assess appeals were registered?") == ["refusal to assess"]
    assert narrower_sides("How many refusal to assess appeals?", "How many refusal-to-assess appeals were registered?") == []
    assert narrower_sides("How many LAC boys are there?", "How many looked-after boys were placed in your area by other local authorities?") == ["in or into the area"]


def test_follow_chain_gives_each_follow_on_what_it_reads_on_from():
    from assistant.drafting.pipeline import follow_chain

    qs = [
        Question("1", "How many children in care went missing in 2023?"),
        Question("2", "How many were missing for longer than a month?"),
        Question("3", "Of these, how many were boys?"),
        Question("4", "Do you have a missing children protocol?"),
        Question("5", "How many foster carers do you have?"),
    ]
    chain = follow_chain(qs)
    assert chain[0] is None
    assert chain[1].text == qs[0].text
    assert chain[2].text == f"{qs[0].text}\n{qs[1].text}"
    assert chain[4].text == qs[3].text  # a question that stands alone starts the chain again


def test_within_a_nation_is_not_the_within_the_area_qualifier():
    """lcc-uasc-nts-2021: "to local authorities within England" names the nation, not the council's own area."""
    assert "within" not in analyse("How many UASCs have left through the NTS to local authorities within England?").qualifiers
    assert "within" in analyse("How many UASC are placed within the council's area?").qualifiers


def test_a_statement_that_nothing_was_done_is_a_none_statement():
    from assistant.drafting.evidence import has_answer_type, is_none_statement

    text = "The council has not referred any UASC out of its care through the National Transfer Scheme."
    assert is_none_statement(text) and has_answer_type(text, "count")
    assert not is_none_statement("The council has referred 12 UASC through the National Transfer Scheme.")


@pytest.mark.parametrize(
    "text, asks",
    [
        # lcc-cse-strategy-2025 question 6, moray-school-taxi-spending-2024 question 1, p1-mash-2024 question 3.
        ("Please provide membership by organisation and frequency of meetings for the multi-agency partnership for child exploitation.",
         ("membership by organisation", "frequency of meetings")),
        ("In the last complete financial year how much did the council spend on providing taxis to bring children to and from school and what was the total number of children?",
         ("In the last complete financial year how much did the council spend on providing taxis to bring children to and from school", "what was the total number of children?")),
        # One ask, or a follow-up that depends on the answer, or a definition: not two asks.
        ("Does the council have a standalone CSE strategy? If so, please provide a copy of the most recent version.", ()),
        ("How many boys and girls were placed outside the county?", ()),
        ("By electively home educated children, I mean children who are not on a school roll and who are not provided with education by the Authority.", ()),
    ],
)
def test_two_asks_in_one_sentence_are_found(text, asks):
    from assistant.drafting.analysis import asks_of

    assert asks_of(text) == asks


def test_an_ask_the_answer_does_not_speak_of_is_not_answered():
    from assistant.drafting.analysis import asks_not_answered

    q = "Please provide membership by organisation and frequency of meetings for the multi-agency partnership."
    members = "The organisations taking part are: Lincolnshire Police; Horizon; NEST accommodation providers."
    assert asks_not_answered(q, members) == ["frequency of meetings"]
    assert asks_not_answered(q, members + "\nMACE Level 1 and MACE Level 2 each meet weekly.") == []


def test_a_numeric_date_ending_a_sentence_is_read():
    assert labels("The figures are a snapshot at 1/11/23.") == [("at 1 November 2023", "point", "2023-11-01", "2023-11-01")]
    assert labels("Figures as at 13.05.2024.") == [("at 13 May 2024", "point", "2024-05-13", "2024-05-13")]
    assert labels("See version 1.2.3 of the guidance.") == []


def test_the_year_in_the_name_of_an_act_or_regulations_is_not_a_period():
    assert labels("Special Guardianship Regulations 2005 (regulation 13)") == []
    assert labels("section 437(1) of the Education Act 1996") == []
    assert [s[0] for s in labels("notices under the Education Act 1996 issued in 2022")] == ["2022"]


def test_the_opening_of_a_reply_gives_its_figures_one_period_or_none():
    from assistant.drafting.evidence import items_from_answer, opening_period

    opening = "Lincolnshire County Council holds the information requested. The figures are a snapshot at 1/11/23."
    assert opening_period(opening, None).label == "at 1 November 2023"
    assert opening_period("Appeal figures are for the calendar year 2022; the EHCP figures are a snapshot at 7 February 2023.", None) is None
    assert opening_period("Thank you for your request of 3 May 2023, which we have dealt with under the Act.", None) is None
    item = items_from_answer("Highest £6,776 per week; lowest £212 per week; average £1,187 per week.", opening=opening)[0]
    assert (item.period.label, item.period_source) == ("at 1 November 2023", "response")
    asked = items_from_answer("£1,187 per week.", question="What was the average weekly cost in 2022/23?", opening=opening)[0]
    assert asked.period_source == "question"  # what the past question asked comes first


# ---------------------------------------------------------------------------------------------- several periods


@pytest.mark.parametrize(
    "text, expected",
    [
        ("How many children were home educated in each school year from 2020-21 onwards?",
         [("2020/21 onwards", "range", "2020-09-01", "2025-05-14")]),
        ("How many referrals since 2020/21?", [("since 2020/21", "range", "2020-04-01", "2025-05-14")]),
        ("Please give figures from 2019 to date.", [("2019 to date", "range", "2019-01-01", "2025-05-14")]),
        ("2022 to date: 981.", [("2022 to date", "range", "2022-01-01", "2025-05-14")]),
    ],
)
def test_a_period_running_on_to_the_date_asked_is_one_span(text, expected):
    assert labels(text) == expected


def test_an_undated_reply_to_date_figure_keeps_its_year_and_belongs_to_a_span_reaching_into_it():
    """'2022 to date' in an undated reply: the year 2022, open; it fits '2021 to 16 January 2022'."""
    [open_year] = periods_in("2022 to date: 981.", None)
    assert (open_year.start, open_year.end, open_year.label) == (date(2022, 1, 1), date(2022, 12, 31), "2022 to date")
    asked = analyse("How many looked after children?", context="broken down for each of the last full years (including 2021 and to current date 16/1/2022)", received=date(2022, 1, 16))
    assert (asked.period.start, asked.period.end, asked.period.kind) == (date(2021, 1, 1), date(2022, 1, 16), "range")
    assert "year" in asked.breakdown
    assert within(open_year, asked.period)


def test_the_same_period_in_a_question_and_its_scope_is_one_period_not_a_range():
    """'For the academic year 2023-24' in the lead-in and the scope line: the academic year, not '2023/24 to 2023/24'."""
    [q] = split_request("1. For the academic year 2023-24, please give:\na) the number of children electively home educated\nb) the number of School Attendance Orders served")
    a = analyse_question(q, date(2025, 11, 24))
    for part in a.parts:
        assert (part.period.label, part.period.kind) == ("2023/24", "academic_year"), part.period


def test_a_split_year_belongs_to_a_span_of_years_by_its_label():
    """Financial 2023/24 is inside an academic '2020/21 onwards' span; 2019/20 and 2025/26 are not."""
    span = periods_in("from 2020-21 onwards in each school year", date(2025, 10, 2))[0]
    assert within(split_year(2023), span) and within(split_year(2024, academic=True), span)
    assert not within(split_year(2019), span) and not within(split_year(2025, academic=True), span)


def test_the_years_missing_from_a_span_are_named_in_the_grain_of_the_rows_held():
    from assistant.drafting.periods import calendar_year, missing_years

    span = periods_in("each calendar year from 2018 to 2025", MAY_2025)[0]
    have, missing = missing_years(span, [calendar_year(y) for y in range(2018, 2024)])
    assert [p.label for p in have] == ["2018", "2019", "2020", "2021", "2022", "2023"]
    assert [p.label for p in missing] == ["2024", "2025"]
    open_span = periods_in("each school year from 2020-21 onwards", date(2025, 10, 2))[0]
    have, missing = missing_years(open_span, [split_year(y, academic=True) for y in range(2020, 2024)], complete_by=date(2025, 10, 2))
    assert [p.label for p in missing] == ["2024/25"]  # 2025/26 is under way: not missing yet


def test_a_count_ends_at_a_past_participle():
    from assistant.drafting.analysis import counted_of

    assert counted_of("The number of foster-care nights paid for, split between your own carers and agencies") == "night"
    assert counted_of("How many section 437(1) notices have you sent out each year?") == "notic"
    assert counted_of("How many unaccompanied children came to the council through the National Transfer Scheme in 2024?") == "uasc"


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2023 (to 30 June): 23", [("2023 (to 30 June 2023)", "range", "2023-01-01", "2023-06-30")]),
        ("2024-25 (to 24 March 2025): 191", [("2024/25 (to 24 March 2025)", "range", "2024-04-01", "2025-03-24")]),
        ("2023 (up to and including 30/6/23)", [("2023 (to 30 June 2023)", "range", "2023-01-01", "2023-06-30")]),
    ],
)
def test_a_year_with_an_end_date_in_brackets_is_that_part_of_the_year(text, expected):
    assert labels(text, None) == expected


def test_what_a_figure_counts_is_read_from_its_lead_in_label_or_noun():
    from assistant.drafting.evidence import Item, counts_other, item_counted

    assert item_counted(Item("list_item", "- 2022: 1,252", "Initial requests for an EHC needs assessment:")) == "request"
    assert item_counted(Item("sentence", "Registered foster carers: 2020/21: 276.")) == "fostercarer"
    assert item_counted(Item("list_item", "- 2020-21: 1,452", "Children known to be electively home educated:")) == "child"
    assert item_counted(Item("sentence", "There were 335 fixed-period exclusions and 21 permanent exclusions.")) == "exclus"
    assert item_counted(Item("sentence", "In 2023/24, 286 School Attendance Orders were issued.")) == "order"
    assert item_counted(Item("sentence", "Individual agency children's social workers engaged by the council: 2019/20: 40.")) == "socialworker"
    # A count of children is not answered by a count of requests or of carers; pupils and UASC are children.
    assert counts_other("child", Item("list_item", "- 2022: 1,252", "Initial requests for an EHC needs assessment:")) == "request"
    assert counts_other("child", Item("sentence", "Registered foster carers: 2020/21: 276.")) == "fostercarer"
    assert counts_other("child", Item("sentence", "6,809 children and young people have an EHCP maintained by the council.")) == ""
    assert counts_other("child", Item("sentence", "There were 1,020 pupils in alternative provision.")) == ""
    assert counts_other("request", Item("sentence", "The council refused 329 requests.")) == ""
    # no noun follows a figure that ends its clause (lcc-cce-young-males-2025: "9,141, taken from the … census")
    assert item_counted(Item("sentence", "9,141, taken from the January 2025 school census.")) == ""
    assert counts_other("boy", Item("sentence", "9,141, taken from the January 2025 school census.")) == ""


def test_an_undated_reply_whose_figures_all_postdate_the_request_is_later_than_it():
    from assistant.drafting.evidence import items_from_answer, items_json, states_later_figures
    from assistant.models import DocType, Unit

    def reply(answer: str, decided: date | None = None) -> Unit:
        items = items_json(items_from_answer(answer, decided=decided))
        return Unit("u", "d", DocType.DECISION, "t", answer, "p", decided=decided, question="q", answer=answer, extra={"evidence": items})

    snapshot = reply("6,922 children and young people had an EHCP on 7 February 2023.")
    assert states_later_figures(snapshot, date(2022, 9, 12))
    assert not states_later_figures(snapshot, date(2023, 3, 1))
    assert not states_later_figures(reply("2021: 971. 2022 to date: 981."), date(2022, 1, 10))  # 2021 was known then
    assert not states_later_figures(reply("6,922 had an EHCP on 7 February 2023.", decided=date(2023, 2, 9)), date(2022, 9, 12))  # dated: the search decides


def test_a_count_of_a_bare_noun_reads_on_from_the_question_that_named_it():
    from assistant.drafting.pipeline import follow_chain, reading_on

    qs = [
        Question("1", "How many requests for an EHC needs assessment did the council receive?"),
        Question("2", "How many requests did the council refuse to assess?"),
        Question("3", "How many requests came from parent carers or guardians?"),
        Question("4", "How many requests for school transport did the council receive?"),
        Question("5", "How many children were placed in foster care?"),
    ]
    chain = follow_chain(qs)
    assert chain[1].text == qs[0].text
    assert chain[2].text == f"{qs[0].text}\n{qs[1].text}"
    assert chain[4].text == qs[3].text  # "requests for school transport" names its own measure: it stands alone
    searched = reading_on(qs[2], chain[2])
    assert "EHC needs assessment" in searched.query_text and searched.text == qs[2].text
    assert reading_on(qs[3], chain[3]) is qs[3]
    assert reading_on(qs[4], chain[4]) is qs[4]  # a count of children usually stands alone


def test_a_past_follow_on_question_is_indexed_with_the_question_it_reads_on_from():
    from assistant.documents import lead_questions

    past = [
        "How many initial requests for an EHC needs assessment did the council receive in 2023?",
        "How many of these requests were refused?",
        "What percentage are placed inside and outside the local authority area?",
        "How many School Attendance Orders were served?",
        "Please describe those monitoring mechanisms and the strategy.",
    ]
    assert lead_questions(past) == ["", past[0], past[0], "", past[3]]


def test_refusing_an_assessment_request_is_a_refusal_to_assess():
    from assistant.drafting.analysis import phrase_sides

    assert "refusal to assess" in phrase_sides("In 2024, how many EHC needs assessment requests from young people did the council refuse?")
    assert "refusal to assess" in phrase_sides("How many requests for an EHC needs assessment did the council refuse?")
    assert "refusal to assess" not in phrase_sides("How many requests for school transport did the council refuse?")


def test_what_a_count_counts_ends_before_its_verb():
    assert analyse("How many requests came from parent carers or guardians?", received=MAY_2025).counted == "request"


def test_a_past_questions_measure_keeps_words_that_only_end_like_adverbs():
    from assistant.drafting.evidence import past_measure_terms

    assert {"earli", "help"} <= set(past_measure_terms("What services are included in your Early Help offer?", None))
    assert "week" in past_measure_terms("What is the weekly fee?", None)
    assert past_measure_terms("How many children were placed temporarily or permanently?", None) == ("child", "place")


def test_a_published_elsewhere_statement_answers_a_count():
    from assistant.drafting.evidence import has_answer_type, is_none_statement

    s21 = 'The number of pupils receiving SEN support is published in the DfE statistics "Special educational needs in England".'
    assert has_answer_type(s21, "count") and is_none_statement(s21)
    assert not has_answer_type("The council publishes its SEND strategy online.", "count")


def test_a_count_of_the_action_asked_answers_how_many_were_so_treated():
    from assistant.drafting.evidence import Item, counts_other

    referrals = Item("list_item", "- 2024/25: 1,352", "Referrals to the Lincolnshire Young Carers Service, by financial year:")
    assert counts_other("carer", referrals, "How many young carers were referred to the young carers service in 2025/26?") == ""
    assert counts_other("carer", referrals, "How many young carers are known to the council?") == "referr"


def test_only_figures_date_an_undated_reply():
    """A statement that figures are published elsewhere holds whenever it was written: an undated reply that gives
    only that is not taken for one written after the request; one whose figures are all later is."""
    from assistant.drafting.evidence import items_json, items_from_answer, states_later_figures
    from assistant.models import DocType, Unit

    def unit(answer: str) -> Unit:
        question = "What share of children with SEN have their needs met in mainstream school, 2018 to 2022?"
        items = items_from_answer(answer, question=question)
        return Unit("u", "d", DocType.DECISION, "t", answer, "p", question=question, answer=answer, extra={"evidence": items_json(items)})

    published = unit('The number is published in the DfE statistics "Special educational needs in England".')
    assert not states_later_figures(published, date(2022, 9, 12))
    later = unit("6,922 had an EHCP on 7 February 2023.")
    assert states_later_figures(later, date(2022, 9, 12))


def test_a_past_question_that_asked_only_for_a_figure_does_not_answer_a_question_asking_for_names():
    from assistant.drafting.analysis import asks_other_kind

    assert "count figure, not names" in asks_other_kind("list", "How many individual children were placed in mainstream foster care?")
    assert "money figure, not a copy" in asks_other_kind("document", "How much did the council pay to IFAs in 2021/22?")
    # money asked without "how much" (Thurrock 2024: "which company provides the most placements?")
    assert "money figure, not names" in asks_other_kind("list", "What were the minimum, maximum and average weekly IFA fees for parent and child placements?")
    assert "money figure, not names" in asks_other_kind("list", "What was the total spend on agency social workers in 2022/23?")
    # a past question that also asks how something is done, or for names, may answer it
    assert asks_other_kind("document", "What is the weekly Special Guardianship Allowance, and how is it means-tested?") == ""
    assert asks_other_kind("list", "How many partners sit on the MACE panel, and which organisations are they?") == ""
    # a count question is matched by its figure as before
    assert asks_other_kind("count", "How many individual children were placed in mainstream foster care?") == ""


def test_a_past_question_on_how_many_does_not_answer_how_much_or_the_other_way_round():
    from assistant.drafting.analysis import asks_other_kind

    past = "How many of these children were in foster care, and how many had special educational needs?"
    assert asks_other_kind("money", past) == "the past question asked how many, not how much"
    assert asks_other_kind("count", "How much was paid for placements through IFAs?") == "the past question asked how much, not how many"
    # a past question asking both is no other kind
    assert asks_other_kind("money", "How many children used council transport and what did it cost?") == ""
    assert asks_other_kind("count", "How much time and how many staff were given to the review?") == ""


@pytest.mark.parametrize(
    "text, without",
    [
        ("How many pupils with special educational needs are supported in mainstream schools without an EHC plan?", ("ehcp",)),
        ("How many children with SEN who do not have an EHCP attend special schools?", ("ehcp",)),
        ("How many pupils receive SEN support without an education, health and care plan?", ("ehcp",)),
        ("How many children were placed without a social worker visit?", ()),  # not a group
        ("How many pupils with an EHC plan are in mainstream schools?", ()),
    ],
)
def test_a_group_the_question_leaves_out(text, without):
    assert analyse(text, received=MAY_2025).without == without


def test_a_group_named_only_as_the_other_side_of_an_or_widens_the_past_question():
    """p2-ehc-timeliness-2023 q2: the past question "a disability or special educational needs" covers SEN; a past
    question about disabled children alone does not."""
    from assistant.drafting.analysis import either_or

    past = "How many children and young people in Lincolnshire have a disability or special educational needs?"
    assert either_or("disability", past, {"sendneeds", "ehcp"})
    assert not either_or("disability", "How many disabled children have a disability assessment?", {"sendneeds"})
    assert not either_or("disability", past, {"lac"})


@pytest.mark.parametrize(
    "text, qualifiers",
    [
        ("Who carries out return interviews for children in your care?", ()),  # p1-missing-lac-2024 q6
        ("How many section 437(1) notices have you sent out each year?", ()),  # p2-ehe-trends-2025 q3
        ("The number of UASCs currently residing in out-ofarea placements", ("out-ofarea",)),  # lcc-uasc-nts-2021 3b
        ("How many Looked After Boys were placed out of your area into another area?", ("boys", "out")),  # lcc-cce-young-males-2025 q7
        ("How many UASC has the council transferred out to other authorities?", ("out",)),
    ],
)
def test_out_as_a_verbs_particle_is_no_side_of_the_area(text, qualifiers):
    assert analyse(text, received=MAY_2025).qualifiers == qualifiers


@pytest.mark.parametrize(
    "asked, past",
    [
        ("How much did the council pay to independent fostering agencies in 2021/22?", "How much was paid for placements through IFAs?"),
        ("How much does the council spend on agency social workers?", "What was spent on agency social workers?"),
        ("How many children did the council take into care?", "How many children were taken into care?"),
    ],
)
def test_irregular_past_forms_are_the_same_measure(asked, past):
    from assistant.drafting.analysis import terms

    shared = set(terms(asked)) & set(terms(past))
    assert {"pay", "spend", "take"} & shared, (terms(asked), terms(past))


@pytest.mark.parametrize(
    "text",
    [
        "How many unaccompanied children in your care were flagged as at risk of criminal exploitation in the last 12 months?",  # p1-uasc-2025 q6
        "At 31 August 2025, how many unaccompanied asylum-seeking children in the council's care were placed outside Lincolnshire?",
        "How many missing incidents involving unaccompanied children in your care were there in the last 12 months?",  # p1-uasc-2025 q5
    ],
)
def test_unaccompanied_children_in_your_care_are_uasc_and_looked_after(text):
    from assistant.drafting.analysis import terms

    assert {"uasc", "lac"} <= set(terms(text)) and "unaccompani" not in terms(text)


# -- a reply-wide statement of the kind of year governs its rows ---------------------------------------------
def _stated_periods(path: str) -> dict[str, tuple[str, str]]:
    """{item text: (period label, kind)} for the items of a corpus decision that state their own period."""
    units = load_file(CORPUS / "decisions" / path, Settings())
    return {i.text: (i.period.label, i.period.kind) for u in units for i in unit_items(u) if i.period and i.period_source == "stated"}


def test_years_are_academic_years_is_carried_to_every_row_of_the_reply() -> None:
    """Lincolnshire's 2025 EHE reply opens "Years are academic years (September to August)": its rows "2020-21:
    1,452" are academic years (1 September to 31 August), not the financial years a bare "2020-21" would read as."""
    rows = _stated_periods("2025-14482917-ehe-numbers-and-notices.md")
    assert rows["- 2020-21: 1,452"] == ("2020/21", "academic_year")
    assert rows["- 2024/25: 263"] == ("2024/25", "academic_year")
    # "Years are academic years." alone (2020 managed-moves reply) does the same.
    moves = _stated_periods("2020-67514-managed-moves-sen.md")
    assert all(kind == "academic_year" for _, kind in moves.values()) and moves
    # "All years are financial years (1 April to 31 March)." keeps them financial.
    agency = _stated_periods("2022-69772-agency-childrens-social-workers.md")
    assert agency and all(kind == "financial_year" for label, kind in agency.values() if "/" in label)


def test_the_kind_of_year_comes_from_the_nearest_statement() -> None:
    opening = "Lincolnshire County Council holds this information. Years are academic years (September to August)."
    answer = (
        "Children known to be electively home educated:\n\n- 2020-21: 1,452\n\n"
        "Spend on the service, by financial year:\n\n- 2020/21: £37,000\n\n"
        "Penalty notices issued in the 2021/22 financial year: 86."
    )
    items = {i.text: i.period for i in items_from_answer(answer, opening=opening, received=date(2025, 3, 10), decided=date(2025, 3, 24))}
    assert items["- 2020-21: 1,452"].kind == "academic_year" and items["- 2020-21: 1,452"].start == date(2020, 9, 1)
    assert items["- 2020/21: £37,000"].kind == "financial_year"  # its lead-in says financial years
    assert items["Penalty notices issued in the 2021/22 financial year: 86."].kind == "financial_year"  # its own words
    # Without the statement a bare split year stays a financial year.
    plain = {i.text: i.period for i in items_from_answer(answer, received=date(2025, 3, 10), decided=date(2025, 3, 24))}
    assert plain["- 2020-21: 1,452"].kind == "financial_year"


# ---------------------------------------------------------------------------------------------- wording of the ask


def test_examples_listed_before_their_class_name_no_measure_of_their_own() -> None:
    """"Are police, health or other partner staff co-located …?" (a past question of the corpus) asks about partner
    staff; the examples widen nothing. "A MASH or similar arrangement" is no list of examples and keeps its words."""
    from assistant.drafting.analysis import measure_text, terms

    past = "Are police, health or other partner staff co-located with the council's front door team?"
    assert terms(measure_text(past)) == ("partner", "staff", "co-loc", "front", "door", "team")
    mash = ("Do you have a Multi-agency safeguarding hub or similar arrangement in which children's social care departments "
            "work alongside the Police, Health, Education and other partners to share information")
    kept = terms(measure_text(mash))
    assert {"mash", "similar", "arrang", "partner"} <= set(kept) and not {"polic", "health", "educ"} & set(kept)
    # One example before "or other" names what is asked (p2-noev-pothole-claims, lcc-cse-strategy-2025).
    assert "pothol" in terms(measure_text("damage to vehicles caused by potholes or other road defects"))
    assert "cse" in terms(measure_text("processes for tackling CSE and other forms of exploitation"))


def test_an_agency_managed_team_is_a_whole_managed_agency_team() -> None:
    """p2-agency-social-workers-2024: "an entire agency-managed social work team" shares the words of "a whole agency
    'managed team'"; other hyphenated qualifiers stay one word each."""
    from assistant.drafting.analysis import words_of

    asked = set(terms("Have you brought in an entire agency-managed social work team at any point in the past five years?"))
    assert {"whole", "agenc", "manag", "team"} <= asked
    assert {"co-loc", "in-hous", "fixed-term"} <= set(terms("co-located in-house fixed-term exclusions"))
    assert "out-of-area" in words_of("placed out-of-area") and "agency" in words_of("an agency-managed team")


def test_framing_of_the_ask_is_not_its_measure() -> None:
    """lcc-cse-monitoring-2024 (a), (b): "a strategy to cover CSE", "the nature of these mechanisms … and the strategy
    in place" name mechanisms, monitoring, CSE and a strategy; question labels of a past request ("1a.") are no words."""
    from assistant.drafting.analysis import measure_text, terms

    assert terms(measure_text("that your council currently operates these mechanisms and has a strategy to cover CSE,")) == (
        "oper", "mechan", "strategi", "cse")
    assert terms(measure_text("the nature of these mechanisms used to monitor CSE and the strategy in place,")) == (
        "mechan", "monitor", "cse", "strategi")
    assert terms("1a. How many managed teams were used?\n1b. How many were used in each year?") == ("manag", "team")


def test_a_past_questions_follow_ups_asked_only_on_its_answer_do_not_make_it_about_something_else() -> None:
    """The 2022 reply asked "Has the council used a whole agency 'managed team' …? If so: 1a. … 1e. …": a question asking
    only the lead shares most of what it asked about; one sharing nothing with the lead still does not."""
    from assistant.drafting.analysis import terms
    from assistant.drafting.evidence import reverse_coverage

    past = ("1. Has the council used a whole agency \"managed team\" of children's social workers in the last five years? If so:\n"
            "1a. How many managed teams were used?\n1b. How many were used in each year?\n1c. Which service area did each team cover?\n"
            "1d. What was the average length of each assignment?\n1e. What did the managed teams cost in each year?")
    asked = set(terms("Have you brought in an entire agency-managed social work team at any point in the past five years?"))
    assert reverse_coverage(past, None, asked) >= 0.6
    assert reverse_coverage(past, None, set(terms("How long were agency assignments?"))) < 0.3


# -- several asks in one sentence: split on real wordings (dev cases, real requests, the corpus's past questions) --
AGENCY = ("For 2020/21, 2021/22 and 2022/23, please give your agency staff spend, your original agency budget, your staff "
          "turnover and your sickness absence rate, and explain why agency spend is high in children's services.")


@pytest.mark.parametrize(
    "text, asks",
    [
        # p2-ehe-trends-2025 question 1: three wh-clauses and a yes/no clause after commas.
        ("Which team deals with home-educating families, what is the lead officer's title, how do we contact them, and does anyone do this work full time?",
         ("Which team deals with home-educating families", "what is the lead officer's title", "how do we contact them", "does anyone do this work full time?")),
        # p1-cse-partnership-2023 question 5 and the 2023 past question it repeats.
        ("Which organisations sit on the multi-agency exploitation meetings and how often these meet.",
         ("Which organisations sit on the multi-agency exploitation meetings", "how often these meet.")),
        ("Which organisations take part in the multi-agency child exploitation meetings, and how often do the meetings take place?",
         ("Which organisations take part in the multi-agency child exploitation meetings", "how often do the meetings take place?")),
        # p2-camhs-redirect-2024 question 2.
        ("What help is there for young people while they wait to be seen by CAMHS, and how long are the waits?",
         ("What help is there for young people while they wait to be seen by CAMHS", "how long are the waits?")),
        # p2-agency-spend-2023 question 1: a list of what to give, each item read with the verb (and its period).
        (AGENCY, (
            "For 2020/21, 2021/22 and 2022/23, please give your agency staff spend",
            "For 2020/21, 2021/22 and 2022/23, please give your original agency budget",
            "For 2020/21, 2021/22 and 2022/23, please give your staff turnover",
            "For 2020/21, 2021/22 and 2022/23, please give your sickness absence rate",
            "explain why agency spend is high in children's services.",
        )),
        ("Please provide the membership and terms of reference of the MACE panel.", ("membership", "terms of reference")),
        ("How many School Attendance Orders (SAOs) were served in each year, and how many were revoked?",
         ("How many School Attendance Orders (SAOs) were served in each year", "how many were revoked?")),
        # Another asking sentence of the same question is an ask too (2025-14482917 question 1).
        ("Who is responsible for elective home education at the council, and how can they be contacted? Are any staff dedicated full-time to EHE?",
         ("Who is responsible for elective home education at the council", "how can they be contacted?", "Are any staff dedicated full-time to EHE?")),
        # A framing clause before the asks stays with them (moray-school-taxi-spending-2024 question 2).
        ("In the last complete financial year, how many children without SEND relied on a taxi provided by the council to bring them to school and what was the total cost for the council?",
         ("In the last complete financial year, how many children without SEND relied on a taxi provided by the council to bring them to school",
          "what was the total cost for the council?")),
    ],
)
def test_several_asks_in_one_sentence_are_read_apart(text, asks):
    from assistant.drafting.analysis import asks_of

    assert asks_of(text) == asks


@pytest.mark.parametrize(
    "text",
    [
        # One measure that contains "and".
        "How many children looked after and placed out of area were there on 31 March 2023?",
        "How many fixed-term and permanent exclusions were there in 2022/23?",
        "How many boys and girls were placed outside the county?",
        "How many return interviews were offered and completed after a child in care went missing?",
        # Two nouns sharing one complement (past questions of the corpus).
        "What are the objectives and priorities of your Early Help service?",
        "Please provide the framework and the calculations the council uses to means-test Special Guardianship Allowance.",
        "Are there plans to outsource management of any libraries currently run and managed by the council?",
        "What is the range of time between a request for a school place and the child starting at school?",
        # A framing clause, a qualifier or a relative clause after a comma is not an ask (real requests).
        "As of 3 September 2021, how many sibling groups are in the care of your local authority?",
        "For children without SEND, what was the shortest journey in miles completed by a taxi to bring a child to school?",
        "Of these attacks, how many resulted in the criminal being able to obtain data or disable systems?",
        "How many children in care are currently placed in registered children's homes, whether run by the local authority or by independent providers?",
        "The total number of Looked After Children under your local authority care, where family members outside the United Kingdom were explored between January 2015 and December 2017 inclusive.",
        "Finally, can you please provide statistics and evidence for the educational outcomes for all children under local authority care?",
    ],
)
def test_one_ask_with_and_or_a_comma_is_not_split(text):
    from assistant.drafting.analysis import asks_of

    assert asks_of(text) == ()


def test_each_ask_keeps_the_questions_period_and_group():
    from assistant.drafting.analysis import analyse, analyse_asks

    asks = analyse_asks(analyse(AGENCY, received=date(2023, 8, 21)), date(2023, 8, 21))
    assert len(asks) == 5
    assert {a.period.label for a in asks} == {"2020/21 to 2022/23"} and all(a.period_explicit for a in asks)
    assert asks[0].answer_type == "money" and "turnov" in asks[2].terms and "agenc" not in asks[2].terms

    ehe = "Which team deals with home-educating families, what is the lead officer's title, how do we contact them, and does anyone do this work full time?"
    asks = analyse_asks(analyse(ehe, received=date(2025, 10, 2)), date(2025, 10, 2))
    assert [a.answer_type for a in asks] == ["list", "description", "description", "yes_no"]
    assert all("ehe" in a.groups for a in asks)  # the group of the sentence carries over to "the lead officer's title"
    assert set(asks[1].terms) == {"lead", "offic", "titl"}


def test_an_ask_is_searched_with_what_its_sentence_names():
    from assistant.drafting.analysis import ask_query

    ehe = "Which team deals with home-educating families, what is the lead officer's title?"
    assert ask_query("what is the lead officer's title", ehe) == "what is the lead officer's title (EHE elective home education)"
    cse = "Which organisations sit on the multi-agency exploitation meetings and how often these meet."
    assert ask_query("how often these meet.", cse) == f"{cse}\nhow often these meet."


def test_a_part_that_names_only_a_period_asks_the_main_measure_for_it():
    """Scottish Borders 2021: "How many pupils were deregistered from school to be electively home educated … in:
    a) July 2021 b) July 2020": each part asks the main question's measure for its month, not "anything in July 2021"."""
    from assistant.drafting.analysis import analyse_question

    question = Question(
        "2", "How many pupils were deregistered from school to be electively home educated in the local authority in:",
        parts=[("a", "July 2021"), ("b", "July 2020")],
    )
    a = analyse_question(question, date(2021, 9, 1))
    assert "deregist" in a.terms
    for part, month in zip(a.parts, ("July 2021", "July 2020")):
        assert part.terms == a.terms and part.period.label == month and part.answer_type == "count"
    # a part with words of its own keeps them
    own = analyse_question(Question("1", "How many children were placed:", parts=[("a", "inside the county"), ("b", "outside the county")]), date(2021, 9, 1))
    assert own.parts[0].terms != own.terms
