"""Response deadlines under the Freedom of Information Act 2000.

Section 10(1) gives an authority 20 working days following the date of receipt. Section 10(6) defines a
working day as any day other than a Saturday, a Sunday, Christmas Day, Good Friday or a day that is a bank
holiday under the Banking and Financial Dealings Act 1971 in *any* part of the United Kingdom. So a
Scottish-only or Northern Irish-only bank holiday stops the clock for an English council too: the
calendar used here is the union of the England, Northern Ireland, Scotland and Wales bank holidays.

All functions are pure (dates in, dates out); "today" is always passed in so results can be tested.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

import holidays
from dateutil.easter import easter

#: Working days allowed by s10(1).
RESPONSE_WORKING_DAYS = 20
#: Longest public-interest extension (s10(3)) the ICO accepts as reasonable, in working days.
MAX_EXTENSION_WORKING_DAYS = 20
#: The four UK subdivisions whose bank holidays all count (s10(6)).
UK_SUBDIVISIONS = ("ENG", "NIR", "SCT", "WLS")


@lru_cache(maxsize=64)
def _non_working_days(year: int) -> frozenset[date]:
    """Bank holidays in any part of the UK, plus Christmas Day and Good Friday, for one year.

    Christmas Day and Good Friday are named separately in s10(6) because in England and Wales they are
    common-law holidays rather than 1971 Act bank holidays; adding them keeps the rule true even if the
    holiday calendar ever listed only statutory bank holidays.
    """
    days: set[date] = {date(year, 12, 25), easter(year) - timedelta(days=2)}
    for subdivision in UK_SUBDIVISIONS:
        days.update(holidays.UnitedKingdom(subdiv=subdivision, years=year).keys())
    return frozenset(days)


def is_working_day(d: date) -> bool:
    """True for a working day in the s10(6) sense (not a weekend, nor a holiday anywhere in the UK)."""
    return d.weekday() < 5 and d not in _non_working_days(d.year)


def add_working_days(start: date, n: int) -> date:
    """The nth working day after ``start`` (before it when ``n`` is negative; ``start`` itself when 0).

    ``start`` need not be a working day: a request received on a Saturday has the following Monday
    (if a working day) as its first working day, as the ICO advises.
    """
    step = timedelta(days=1 if n >= 0 else -1)
    remaining = abs(n)
    current = start
    while remaining:
        current += step
        if is_working_day(current):
            remaining -= 1
    return current


def _working_days_between(earlier: date, later: date) -> int:
    """Working days in the half-open range (earlier, later]."""
    count = 0
    current = earlier
    while current < later:
        current += timedelta(days=1)
        if is_working_day(current):
            count += 1
    return count


def due_date(received: date, *, clarified: date | None = None, extension_working_days: int = 0) -> date:
    """The date a reply is due.

    The 20 working days run from the day after receipt. When the authority asked the requester to clarify
    (s1(3)), the clock stops and starts again on the date the clarification arrives, so the 20 days count
    from ``clarified`` instead. A public-interest extension (s10(3)) adds up to 20 further working days.
    """
    if not 0 <= extension_working_days <= MAX_EXTENSION_WORKING_DAYS:
        raise ValueError(
            f"A public-interest extension must be between 0 and {MAX_EXTENSION_WORKING_DAYS} working days; "
            f"got {extension_working_days}."
        )
    if clarified is not None and clarified < received:
        raise ValueError(f"The clarification date {clarified} is before the request was received ({received}).")
    start = clarified if clarified is not None else received
    return add_working_days(start, RESPONSE_WORKING_DAYS + extension_working_days)


def working_days_remaining(due: date, today: date) -> int:
    """Working days left until ``due``: 0 on the due day, negative once the deadline has passed.

    An overdue reply is always at least one day late (so a Saturday after a Friday deadline gives -1),
    which keeps "negative" and "overdue" the same thing for callers.
    """
    if today <= due:
        return _working_days_between(today, due)
    return -max(1, _working_days_between(due, today))


@dataclass(frozen=True)
class Deadline:
    """Where a request stands against its statutory deadline, for display to the officer."""

    received: date
    due: date
    days_remaining: int
    overdue: bool
    clarified: date | None = None
    extension: int = 0


def deadline_for(
    received: date,
    today: date,
    clarified: date | None = None,
    extension_working_days: int = 0,
) -> Deadline:
    """Due date and working days left for a request, as of ``today``."""
    due = due_date(received, clarified=clarified, extension_working_days=extension_working_days)
    return Deadline(
        received=received,
        due=due,
        days_remaining=working_days_remaining(due, today),
        overdue=today > due,
        clarified=clarified,
        extension=extension_working_days,
    )
