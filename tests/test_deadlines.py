"""FOI Act s10 deadlines: 20 working days, with bank holidays in any part of the UK excluded."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from assistant.deadlines import (
    Deadline,
    add_working_days,
    deadline_for,
    due_date,
    is_working_day,
    working_days_remaining,
)


def test_spring_bank_holiday_pushes_the_deadline() -> None:
    # Received Wed 14 May 2025; Mon 26 May is the spring bank holiday, so day 20 is Thu 12 June.
    assert due_date(date(2025, 5, 14)) == date(2025, 6, 12)
    assert not is_working_day(date(2025, 5, 26))


def test_seed_decision_was_answered_in_time() -> None:
    # The child exploitation request (received 14 May 2025) was decided on 9 June 2025.
    deadline = deadline_for(date(2025, 5, 14), today=date(2025, 6, 9))
    assert deadline.due == date(2025, 6, 12)
    assert deadline.days_remaining == 3
    assert deadline.overdue is False


def test_christmas_period() -> None:
    # 25, 26 Dec and 1 Jan are holidays everywhere; 2 Jan is a Scottish bank holiday, so it stops the clock too.
    for day in (date(2024, 12, 25), date(2024, 12, 26), date(2025, 1, 1), date(2025, 1, 2)):
        assert not is_working_day(day), day
    assert is_working_day(date(2024, 12, 24))
    assert is_working_day(date(2024, 12, 27))
    assert due_date(date(2024, 12, 16)) == date(2025, 1, 17)


def test_christmas_on_a_weekend_uses_substitute_days() -> None:
    # Christmas 2021 was a Saturday: Mon 27 and Tue 28 Dec were the substitute bank holidays.
    assert not is_working_day(date(2021, 12, 27))
    assert not is_working_day(date(2021, 12, 28))
    assert is_working_day(date(2021, 12, 29))


def test_easter_good_friday_and_easter_monday() -> None:
    assert not is_working_day(date(2025, 4, 18))  # Good Friday
    assert not is_working_day(date(2025, 4, 21))  # Easter Monday (not a holiday in Scotland, but is elsewhere)
    assert is_working_day(date(2025, 4, 17))
    assert is_working_day(date(2025, 4, 22))
    # Received Thu 10 April 2025: Good Friday, Easter Monday and the 5 May bank holiday are skipped.
    assert due_date(date(2025, 4, 10)) == date(2025, 5, 13)


def test_good_friday_in_other_years() -> None:
    assert not is_working_day(date(2024, 3, 29))
    assert not is_working_day(date(2026, 4, 3))


@pytest.mark.parametrize(
    ("day", "why"),
    [
        (date(2025, 1, 2), "Scotland: 2 January"),
        (date(2025, 8, 4), "Scotland: summer bank holiday (first Monday of August)"),
        (date(2024, 12, 2), "Scotland: St Andrew's Day substitute (30 Nov 2024 was a Saturday)"),
        (date(2025, 12, 1), "Scotland: St Andrew's Day substitute (30 Nov 2025 was a Sunday)"),
        (date(2025, 3, 17), "Northern Ireland: St Patrick's Day"),
        (date(2024, 3, 18), "Northern Ireland: St Patrick's Day substitute (17 Mar 2024 was a Sunday)"),
        (date(2024, 7, 12), "Northern Ireland: Battle of the Boyne"),
        (date(2025, 7, 14), "Northern Ireland: Battle of the Boyne substitute (12 Jul 2025 was a Saturday)"),
    ],
)
def test_holidays_in_one_part_of_the_uk_are_not_working_days(day: date, why: str) -> None:
    assert day.weekday() < 5, why
    assert not is_working_day(day), why


def test_ordinary_days_and_weekends() -> None:
    assert is_working_day(date(2025, 6, 11))  # a Wednesday
    assert not is_working_day(date(2025, 6, 14))  # Saturday
    assert not is_working_day(date(2025, 6, 15))  # Sunday
    assert is_working_day(date(2025, 8, 4 + 7))  # the Monday after the Scottish holiday


def test_scottish_holiday_moves_an_english_deadline() -> None:
    # Received Fri 18 July 2025: Mon 4 Aug (Scotland only) is skipped, so day 20 is Mon 18 Aug, not Fri 15 Aug.
    assert due_date(date(2025, 7, 18)) == date(2025, 8, 18)


def test_receipt_on_a_weekend_starts_counting_on_monday() -> None:
    # Sat 17 and Sun 18 May 2025 behave like a Friday receipt: day 1 is Mon 19 May.
    assert due_date(date(2025, 5, 17)) == date(2025, 6, 16)
    assert due_date(date(2025, 5, 18)) == date(2025, 6, 16)
    assert due_date(date(2025, 5, 16)) == date(2025, 6, 16)
    assert due_date(date(2025, 5, 19)) == date(2025, 6, 17)


def test_add_working_days() -> None:
    assert add_working_days(date(2025, 5, 14), 0) == date(2025, 5, 14)
    assert add_working_days(date(2025, 5, 14), 1) == date(2025, 5, 15)
    assert add_working_days(date(2025, 5, 16), 1) == date(2025, 5, 19)  # Friday -> Monday
    assert add_working_days(date(2025, 5, 23), 1) == date(2025, 5, 27)  # over the bank holiday weekend
    assert add_working_days(date(2025, 5, 27), -1) == date(2025, 5, 23)


def test_add_working_days_lands_only_on_working_days() -> None:
    start = date(2024, 12, 1)
    for n in range(1, 60):
        result = add_working_days(start, n)
        assert is_working_day(result)
        assert result > add_working_days(start, n - 1)


def test_clarification_restarts_the_clock() -> None:
    received = date(2025, 5, 14)
    # Clarification received Tue 20 May: the 20 days count from then (26 May still skipped).
    assert due_date(received, clarified=date(2025, 5, 20)) == date(2025, 6, 18)
    assert due_date(received, clarified=received) == due_date(received)
    with pytest.raises(ValueError, match="before the request was received"):
        due_date(received, clarified=date(2025, 5, 1))


def test_public_interest_extension() -> None:
    received = date(2025, 5, 14)
    assert due_date(received, extension_working_days=20) == date(2025, 7, 10)
    assert due_date(received, extension_working_days=1) == date(2025, 6, 13)
    assert due_date(received, extension_working_days=20) == add_working_days(due_date(received), 20)


@pytest.mark.parametrize("bad", [-1, 21, 40])
def test_extension_outside_0_to_20_is_rejected(bad: int) -> None:
    with pytest.raises(ValueError, match="between 0 and 20"):
        due_date(date(2025, 5, 14), extension_working_days=bad)


def test_clarification_and_extension_combine() -> None:
    due = due_date(date(2025, 5, 14), clarified=date(2025, 5, 20), extension_working_days=5)
    assert due == add_working_days(date(2025, 5, 20), 25)


def test_working_days_remaining_positive_zero_negative() -> None:
    due = date(2025, 6, 12)  # Thursday
    assert working_days_remaining(due, date(2025, 6, 10)) == 2
    assert working_days_remaining(due, date(2025, 6, 12)) == 0
    assert working_days_remaining(due, date(2025, 6, 13)) == -1
    assert working_days_remaining(due, date(2025, 6, 16)) == -2  # the weekend does not count
    assert working_days_remaining(due, date(2025, 5, 14)) == 20


def test_overdue_on_a_weekend_is_still_negative() -> None:
    due = date(2025, 6, 13)  # Friday
    assert working_days_remaining(due, date(2025, 6, 14)) == -1
    assert working_days_remaining(due, date(2025, 6, 16)) == -1


def test_deadline_for_summarises_the_position() -> None:
    on_time = deadline_for(date(2025, 5, 14), today=date(2025, 6, 10))
    assert on_time == Deadline(
        received=date(2025, 5, 14),
        due=date(2025, 6, 12),
        days_remaining=2,
        overdue=False,
        clarified=None,
        extension=0,
    )
    late = deadline_for(date(2025, 5, 14), today=date(2025, 6, 16))
    assert late.overdue and late.days_remaining == -2
    extended = deadline_for(
        date(2025, 5, 14), today=date(2025, 6, 16), clarified=date(2025, 5, 20), extension_working_days=10
    )
    assert extended.due == add_working_days(date(2025, 5, 20), 30)
    assert extended.clarified == date(2025, 5, 20) and extended.extension == 10
    assert not extended.overdue and extended.days_remaining > 0


def test_due_date_is_twenty_working_days_on_over_two_years() -> None:
    # Every receipt day in 2024-2025: the due date is a working day, exactly 20 working days later, and at
    # least four calendar weeks less a weekend away.
    start = date(2024, 1, 1)
    for offset in range(731):
        received = start + timedelta(days=offset)
        due = due_date(received)
        assert is_working_day(due)
        assert working_days_remaining(due, received) == 20
        assert (due - received).days >= 26
