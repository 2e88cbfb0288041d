"""Periods: the span of time a question asks about or a piece of evidence states, as dates.

Pure functions, used on both sides: question analysis reads the period asked (resolved against the date the
request was received), and ingest reads the period each answer sentence, list item and table row states
(resolved against the date of the past decision). "2022/23" is a financial year (April to March) unless the text
speaks of academic or school years; two periods with the same split-year label always match, since councils use
the same label for both.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta

MONTHS = "january february march april may june july august september october november december".split()
_MONTH_RE = r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
_NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
    "eleven": 11, "twelve": 12, "eighteen": 18, "twenty-four": 24, "a": 1, "the": 1,
}
_COUNT = r"(?P<n>\d{1,2}|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|eighteen|twenty-four)"


@dataclass(frozen=True)
class Period:
    """A span of days (inclusive). `kind`: financial_year, academic_year, calendar_year, month, point, range,
    rolling (the N months/years to a date) or current (as at a date, with no span stated)."""

    start: date
    end: date
    label: str
    kind: str

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def to_text(self) -> str:
        """Serialised form for unit metadata (Chroma holds scalars only)."""
        return f"{self.kind}|{self.start.isoformat()}|{self.end.isoformat()}|{self.label}"

    @staticmethod
    def from_text(text: str) -> "Period | None":
        try:
            kind, start, end, label = text.split("|", 3)
            return Period(date.fromisoformat(start), date.fromisoformat(end), label, kind)
        except (ValueError, AttributeError):
            return None


def _day(d: date) -> str:
    return f"{d.day} {MONTHS[d.month - 1].title()} {d.year}"


def _num(word: str) -> int:
    word = word.lower()
    return int(word) if word.isdigit() else _NUMBER_WORDS.get(word, 1)


def _month_number(name: str) -> int:
    name = name.lower()[:3]
    return next(i for i, m in enumerate(MONTHS, start=1) if m.startswith(name))


def _month_end(year: int, month: int) -> date:
    return date(year, month, 1) + relativedelta(months=1) - timedelta(days=1)


def split_year(first: int, academic: bool = False) -> Period:
    """The year starting in `first`: April–March (financial) or September–August (academic)."""
    label = f"{first}/{(first + 1) % 100:02d}"
    if academic:
        return Period(date(first, 9, 1), date(first + 1, 8, 31), label, "academic_year")
    return Period(date(first, 4, 1), date(first + 1, 3, 31), label, "financial_year")


def calendar_year(year: int) -> Period:
    return Period(date(year, 1, 1), date(year, 12, 31), str(year), "calendar_year")


def point(day: date, label: str | None = None) -> Period:
    return Period(day, day, label or f"at {day.day} {MONTHS[day.month - 1].title()} {day.year}", "point")


def current(day: date) -> Period:
    """'Now': as at the given date (the request's received date, or a past reply's decision date)."""
    return Period(day, day, f"as at {day.day} {MONTHS[day.month - 1].title()} {day.year}", "current")


def _year4(text: str) -> int:
    y = int(text)
    return y + 2000 if y < 100 else y


def _academic_context(text: str) -> bool:
    return bool(re.search(r"\b(?:academic|school)\s+years?\b|\bterms?\b|\bpupils?\b|\bexclusions?\b", text, re.I))


# A split year: 2022/23, 2022-23, 2022-2023, 2022/2023, 22/23 (the second year follows the first).
_SPLIT = re.compile(r"(?<![\d/£.,])(?:FY\s?)?((?:19|20)\d{2}|\d{2})\s*(?:/|-|–|to\s+)\s*((?:19|20)?\d{2})(?![\d/%])", re.I)
_FULL_DATE = re.compile(
    rf"(?<!\d)(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<m>{_MONTH_RE})\.?,?\s+(?P<y>(?:19|20)\d{{2}})\b"
    r"|(?<![\d/.])(?P<d2>\d{1,2})[./](?P<m2>\d{1,2})[./](?P<y2>(?:19|20)?\d{2})(?![\d/]|\.\d)",
    re.I,
)
_MONTH_YEAR = re.compile(rf"\b(?P<m>{_MONTH_RE})\.?\s+(?P<y>(?:19|20)\d{{2}})\b", re.I)
_YEAR = re.compile(r"(?<![\d/£.,-])((?:19|20)\d{2})(?![\d/%]|-\d)")
_ROLLING = re.compile(
    rf"\b(?:in\s+|during\s+|over\s+|for\s+|within\s+)?(?:the\s+|each\s+of\s+the\s+|for\s+each\s+of\s+the\s+)?"
    rf"(?P<which>last|past|previous|preceding|latest|most\s+recent)\s+(?:{_COUNT}\s+)?"
    r"(?P<kind>full\s+)?(?P<fy>financial\s+|academic\s+|school\s+|calendar\s+)?(?P<unit>years?|months?|weeks?)\b",
    re.I,
)
_TO_DATE = re.compile(
    rf"\b(?:the\s+)?{_COUNT}\s+months?\s+(?:to|ending|up\s+to)\s+(?:(?P<d>\d{{1,2}})\s+)?(?P<m>{_MONTH_RE})\s+(?P<y>(?:19|20)\d{{2}})",
    re.I,
)
_YEAR_ENDING = re.compile(rf"\byear\s+(?:ending|ended|to)\s+(?:(?P<d>\d{{1,2}})\s+)?(?P<m>{_MONTH_RE})\s+(?P<y>(?:19|20)\d{{2}})", re.I)
_STATUTE = re.compile(r"\b(?:Act|Acts|Regulations?|Order|Rules|Measure|Bill)\s+(?:\(\w+\)\s+)?$")
_SINCE = re.compile(r"\bsince\s+((?:19|20)\d{2})\b", re.I)
_NOW = re.compile(
    r"\b(?:currently|current(?:ly)?|at\s+present|presently|now|today|to\s+date|at\s+the\s+moment|as\s+of\s+today|this\s+year|"
    r"at\s+the\s+time\s+of\s+(?:this|your|the)\s+(?:request|reply|response))\b",
    re.I,
)
# "from 2020-21 onwards", "2018 onwards", "since 2020/21", "2019 to date": a period that runs on to the date asked.
_ONWARDS_AFTER = re.compile(r"\s*(?:and\s+|or\s+)?(?:onwards?\b|to\s+(?:date|now|the\s+present(?:\s+day)?)\b|until\s+(?:now|today|the\s+present)\b)", re.I)
_ONWARDS_BEFORE = re.compile(r"\bsince\s+(?:the\s+)?(?:(?:start|beginning)\s+of\s+(?:the\s+)?)?(?:(?:financial|academic|school|calendar)\s+year\s+)?$", re.I)
_RANGE = re.compile(r"\b(?:from|between)?\s*(?P<a>\S+)\s+(?:to|and|until|–|-)\s+(?P<b>\S+)", re.I)


def _full_date(m: re.Match) -> date | None:
    try:
        if m.group("d"):
            return date(int(m.group("y")), _month_number(m.group("m")), int(m.group("d")))
        return date(_year4(m.group("y2")), int(m.group("m2")), int(m.group("d2")))
    except (ValueError, StopIteration):
        return None


@dataclass(frozen=True)
class Found:
    period: Period
    span: tuple[int, int]


def find_periods(text: str, ref: date | None = None, *, academic: bool | None = None) -> list[Found]:
    """Every period the text states, in reading order; relative ones ("the last 12 months") need `ref`."""
    academic = _academic_context(text) if academic is None else academic
    found: list[Found] = []
    taken: list[tuple[int, int]] = []

    def free(a: int, b: int) -> bool:
        return all(b <= s or a >= e for s, e in taken)

    def add(p: Period, a: int, b: int) -> None:
        if free(a, b):
            found.append(Found(p, (a, b)))
            taken.append((a, b))

    for m in _TO_DATE.finditer(text):
        try:
            end = date(int(m.group("y")), _month_number(m.group("m")), int(m.group("d"))) if m.group("d") else _month_end(int(m.group("y")), _month_number(m.group("m")))
        except ValueError:
            continue
        n = _num(m.group("n"))
        add(Period(end - relativedelta(months=n) + timedelta(days=1), end, m.group(0).strip(), "rolling"), *m.span())
    for m in _YEAR_ENDING.finditer(text):
        try:
            end = date(int(m.group("y")), _month_number(m.group("m")), int(m.group("d"))) if m.group("d") else _month_end(int(m.group("y")), _month_number(m.group("m")))
        except ValueError:
            continue
        start = end - relativedelta(years=1) + timedelta(days=1)
        label = f"{start.year}/{end.year % 100:02d}" if start.year != end.year else str(end.year)
        kind = "financial_year" if (start.month, start.day) == (4, 1) else "academic_year" if start.month == 9 else "rolling"
        add(Period(start, end, label, kind), *m.span())
    for m in _FULL_DATE.finditer(text):
        d = _full_date(m)
        if d:
            add(point(d), *m.span())
    for m in _SPLIT.finditer(text):
        a, b = _year4(m.group(1)), m.group(2)
        b4 = _year4(b) if len(b) <= 2 or len(b) == 4 else 0
        if len(b) == 2:
            b4 = (a // 100) * 100 + int(b)
        if b4 != a + 1 or not (1990 <= a <= 2100):
            continue
        if len(m.group(1)) == 2 and not re.search(r"(?:19|20)\d{2}|financial|academic|\byears?\b", text, re.I) and "/" not in m.group(0):
            continue
        add(split_year(a, academic), *m.span())
    for m in _MONTH_YEAR.finditer(text):
        y, mo = int(m.group("y")), _month_number(m.group("m"))
        add(Period(date(y, mo, 1), _month_end(y, mo), f"{MONTHS[mo - 1].title()} {y}", "month"), *m.span())
    for m in _SINCE.finditer(text):
        if ref:
            y = int(m.group(1))
            add(Period(date(y, 1, 1), ref, f"since {y}", "range"), *m.span())
    if ref:
        for m in _ROLLING.finditer(text):
            p = rolling(m, ref)
            if p:
                add(p, *m.span())
    for m in _YEAR.finditer(text):
        if _STATUTE.search(text, 0, m.start(1)):
            continue  # "the Education Act 1996", "Special Guardianship Regulations 2005": a name, not a period
        add(calendar_year(int(m.group(1))), *m.span(1))
    found[:] = [_part_year(_onwards(f, text, ref, taken), text, taken) for f in found]
    found[:] = [f for f in found if not any(g.span != f.span and g.span[0] <= f.span[0] and f.span[1] <= g.span[1] for g in found)]
    if ref:
        for m in _NOW.finditer(text):
            add(current(ref), *m.span())
    found.sort(key=lambda f: f.span)
    return found


def _onwards(f: Found, text: str, ref: date | None, taken: list[tuple[int, int]]) -> Found:
    """A year or split year followed by 'onwards' / 'to date', or after 'since', runs on to `ref`; with no `ref`
    (an undated reply's "2022 to date") it keeps the year's dates and is marked open (`is_open`)."""
    p = f.period
    if p.kind not in ("financial_year", "academic_year", "calendar_year", "month") or (ref and p.end >= ref):
        return f
    after = _ONWARDS_AFTER.match(text, f.span[1])
    before = _ONWARDS_BEFORE.search(text[max(0, f.span[0] - 60): f.span[0]])
    if not (after or before):
        return f
    start = f.span[0] - (len(before.group(0)) if before else 0)
    end = after.end() if after else f.span[1]
    taken[taken.index(f.span)] = (start, end)
    label = f"since {p.label}" if before else f"{p.label} onwards" if "onward" in after.group(0).lower() else f"{p.label} to date"
    return Found(Period(p.start, ref or p.end, label, "range"), (start, end))


_PART_YEAR = re.compile(
    rf"\s*\(\s*(?:to|until|up\s+to(?:\s+and\s+including)?|as\s+(?:of|at))\s+(?:(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\s+)?(?P<m>{_MONTH_RE})\.?(?:\s+(?P<y>(?:19|20)\d{{2}}))?\s*\)"
    r"|\s*\(\s*(?:to|until|up\s+to(?:\s+and\s+including)?|as\s+(?:of|at))\s+(?P<d2>\d{1,2})/(?P<m2>\d{1,2})/(?P<y2>(?:19|20)?\d{2})\s*\)",
    re.I,
)


def _part_year(f: Found, text: str, taken: list[tuple[int, int]]) -> Found:
    """'2023 (to 30 June)', '2024-25 (as of March 2025)': the year up to that date only."""
    p = f.period
    if p.kind not in ("financial_year", "academic_year", "calendar_year"):
        return f
    m = _PART_YEAR.match(text, f.span[1])
    if not m:
        return f
    try:
        if m.group("m2"):
            month, day, year = int(m.group("m2")), int(m.group("d2")), _year4(m.group("y2"))
        else:
            month = _month_number(m.group("m"))
            year = int(m.group("y")) if m.group("y") else (p.start.year if month >= p.start.month else p.end.year)
            day = int(m.group("d")) if m.group("d") else _month_end(year, month).day
        end = date(year, month, day)
    except (ValueError, StopIteration):
        return f
    if not p.start <= end < p.end:
        return f
    taken[taken.index(f.span)] = (f.span[0], m.end())
    return Found(Period(p.start, end, f"{p.label} (to {_day(end)})", "range"), (f.span[0], m.end()))


def is_open(p: Period) -> bool:
    """A period that runs on to the date of its text ('2020/21 onwards', 'since 2018', '2022 to date')."""
    return p.kind == "range" and (p.label.startswith("since ") or p.label.endswith((" onwards", " to date")))


def rolling(m: re.Match, ref: date) -> Period | None:
    """'the last 12 months', 'the past five years', 'the previous three financial years' as of `ref`."""
    n = _num(m.group("n")) if m.group("n") else 1
    unit = m.group("unit").lower()
    fy = (m.group("fy") or "").strip().lower()
    if unit.startswith("week"):
        return Period(ref - timedelta(weeks=n), ref, f"the {n} weeks to {_day(ref)}", "rolling")
    if unit.startswith("month"):
        return Period(ref - relativedelta(months=n) + timedelta(days=1), ref, f"the {n} months to {_day(ref)}", "rolling")
    if fy in ("financial", "academic", "school"):
        academic = fy != "financial"
        this = split_year(ref.year if ref >= split_year(ref.year, academic).start else ref.year - 1, academic)
        last_first = this.start.year - 1  # the latest complete year
        first = split_year(last_first - n + 1, academic)
        last = split_year(last_first, academic)
        return Period(first.start, last.end, f"{first.label} to {last.label}" if n > 1 else last.label, "range" if n > 1 else last.kind)
    if fy == "calendar":
        return Period(date(ref.year - n, 1, 1), date(ref.year - 1, 12, 31), f"{ref.year - n} to {ref.year - 1}", "range")
    span = f"{n} years" if n > 1 else "year"
    return Period(ref - relativedelta(years=n) + timedelta(days=1), ref, f"the {span} to {_day(ref)}", "rolling")


def join_range(periods: list[Period]) -> Period:
    """'2018-19 to 2022-23': one span from the first start to the last end, labelled by both ends."""
    first = min(periods, key=lambda p: (p.start, p.kind == "rolling"))
    last = max(periods, key=lambda p: (p.end, p.kind != "rolling"))  # a date or year names an end better than "the year to …"
    bare = [re.sub(r"^(?:as\s+)?at\s+", "", p.label) for p in (first, last)]  # "1 January 2018 to 30 June 2023"
    return Period(first.start, last.end, f"{bare[0]} to {bare[1]}", "range")


def ranges(found: list[Found], text: str) -> list[Found]:
    """Merge 'X to Y' / 'between X and Y' / 'X-Y' pairs of periods into one range."""
    out: list[Found] = []
    i = 0
    while i < len(found):
        cur = found[i]
        if i + 1 < len(found):
            nxt = found[i + 1]
            between = text[cur.span[1]: nxt.span[0]]
            before = text[max(0, cur.span[0] - 12): cur.span[0]].lower()
            joined = re.fullmatch(r"\s*(?:to|until|till|through|and|–|-)\s*(?:the\s+)?(?:end\s+of\s+)?", between, re.I)
            if joined and (between.strip().lower() != "and" or "between" in before) and cur.period.kind == nxt.period.kind and cur.period.start < nxt.period.start:
                out.append(Found(join_range([cur.period, nxt.period]), (cur.span[0], nxt.span[1])))
                i += 2
                continue
        out.append(cur)
        i += 1
    return out


def periods_in(text: str, ref: date | None = None, *, academic: bool | None = None) -> list[Period]:
    """The periods a text states, with 'X to Y' ranges merged; `academic` as in `find_periods` (None: the text's
    own words decide whether "2022/23" is an academic or a financial year)."""
    return [f.period for f in ranges(find_periods(text, ref, academic=academic), text)]


_YEARS_ARE = re.compile(r"\b(?:all\s+)?(?:the\s+)?years\s+(?:are|given\s+are|shown\s+are)\s+(academic|school|financial)\s+years?\b", re.I)
_NAMED_KIND = re.compile(r"\b(?:academic|school|financial)\s+years?\b", re.I)


def stated_year_kind(text: str) -> bool | None:
    """What a reply says its years are, for every figure it gives ("Years are academic years (September to August)",
    "All years are financial years"): True for academic (or school) years, False for financial years, None when it
    does not say (or says both)."""
    kinds = {m.group(1).lower() != "financial" for m in _YEARS_ARE.finditer(text)}
    return kinds.pop() if len(kinds) == 1 else None


def named_year_kind(text: str) -> bool | None:
    """The kind of year a lead-in names for the figures under it ("Pupils reached, by academic year:"): True for
    academic (or school) years, False for financial years, None when it names neither or both."""
    kinds = {m.group(0).split()[0].lower() != "financial" for m in _NAMED_KIND.finditer(text)}
    return kinds.pop() if len(kinds) == 1 else None


def year_kind_for(text: str, *governing: bool | None) -> bool | None:
    """The `academic` reading for one piece of a reply: its own words when they name the kind of year, else the
    first statement that governs it (its lead-in's, the reply's), else None (the words decide)."""
    if _NAMED_KIND.search(text):
        return None
    return next((g for g in governing if g is not None), None)


# ---------------------------------------------------------------------------------------------- comparing


def overlap_days(a: Period, b: Period) -> int:
    return max(0, (min(a.end, b.end) - max(a.start, b.start)).days + 1)


def is_multi_year(p: Period) -> bool:
    return p.days > 400


def within(evidence: Period, asked: Period, *, tolerance_days: int = 45) -> bool:
    """Does the evidence period belong to the period asked (a year inside 'each of the last five years')?"""
    if evidence.label == asked.label and evidence.kind in ("financial_year", "academic_year") and asked.kind in ("financial_year", "academic_year"):
        return True
    if asked.kind in ("point", "current"):
        if evidence.kind == "range" and evidence.days > 92:
            return False  # a count over a span ('2025 (to 31 August)', 'since 2018') is not a figure as at its last day
        window = Period(asked.start - timedelta(days=tolerance_days), asked.end + timedelta(days=tolerance_days), "", "range")
        if evidence.kind in ("point", "current"):
            return overlap_days(evidence, window) > 0
        return window.start <= evidence.end <= window.end
    if evidence.kind in ("point", "current"):
        return asked.start - timedelta(days=tolerance_days) <= evidence.start <= asked.end + timedelta(days=tolerance_days)
    if is_open(evidence) and asked.kind not in ("point", "current"):
        return asked.start <= evidence.start <= asked.end  # "2022 to date" belongs to a span that reaches into 2022
    if asked.kind == "range" and evidence.kind in ("financial_year", "academic_year") and is_multi_year(asked):
        # A split year belongs to a span of years by its label ("2022/23" in "2020-21 to 2024-25"), whichever
        # of the academic or financial year either side means.
        return asked.start.year <= evidence.start.year and evidence.end.year <= asked.end.year
    return overlap_days(evidence, asked) >= 0.6 * evidence.days


def coverage(evidence: list[Period], asked: Period) -> float:
    """Share of the period asked that the evidence periods cover together (1.0 for a matching point)."""
    inside = [e for e in evidence if within(e, asked)]
    if not inside:
        return 0.0
    if asked.kind in ("point", "current") or any(e.label == asked.label for e in inside):
        return 1.0
    covered: set[int] = set()
    for e in inside:
        a, b = max(e.start, asked.start), min(e.end, asked.end)
        covered.update(range(a.toordinal(), b.toordinal() + 1))
    return len(covered) / asked.days


def describe(p: Period) -> str:
    """Plain words for a period in a draft: 'in 2022/23', 'at 31 August 2025', 'in the 12 months to …'."""
    if p.kind in ("point", "current"):
        return p.label if p.label.startswith(("at ", "as at")) else f"at {p.label}"
    if p.kind == "range":
        return p.label if p.label.startswith(("since", "from")) else f"from {p.label}"
    return p.label if p.label.startswith("the ") else f"in {p.label}"


YEAR_KINDS = ("financial_year", "academic_year", "calendar_year")


def years_in(asked: Period, kind: str, *, complete_by: date | None = None) -> list[Period]:
    """The years of `kind` a span asks for, in order ('2018 to 2025' → 2018 … 2025; '2020/21 onwards' → each split
    year from 2020/21). With `complete_by` (an open span running to the date asked), a year still under way on that
    date is left out: its figures cannot be held yet."""
    if kind not in YEAR_KINDS:
        return []
    out: list[Period] = []
    first = asked.start.year - (1 if kind != "calendar_year" else 0)
    for y in range(first, asked.end.year + 1):
        p = calendar_year(y) if kind == "calendar_year" else split_year(y, kind == "academic_year")
        if not within(p, asked, tolerance_days=0):
            continue
        if complete_by is not None and p.end > complete_by:
            continue
        out.append(p)
    return out


def missing_years(asked: Period, held: list[Period], *, complete_by: date | None = None) -> tuple[list[Period], list[Period]] | None:
    """(years of the span asked that the held periods cover, years they do not), in the grain of the held periods
    (their most common year kind); None when the held periods are not years (months, dates)."""
    kinds = [p.kind for p in held if p.kind in YEAR_KINDS]
    if not kinds:
        return None
    kind = max(set(kinds), key=kinds.count)
    expected = years_in(asked, kind, complete_by=complete_by)
    if not expected:
        return None

    def covered(year: Period) -> bool:
        return any(
            h.label == year.label or (within(h, year, tolerance_days=0) and within(year, h, tolerance_days=0))
            or (h.start <= year.start + timedelta(days=45) and year.end - timedelta(days=45) <= h.end)
            for h in held
        )

    def in_part(year: Period) -> Period:  # a part-year row ('2023 (to 30 June)') leaves the rest of its year missing
        return replace(year, label=f"{year.label} (in part)") if any(overlap_days(h, year) for h in held) else year

    have = [y for y in expected if covered(y)]
    return have, [in_part(y) for y in expected if not covered(y)]


def label_list(periods: list[Period]) -> str:
    """'2018, 2019 and 2020' (runs of consecutive years are listed in full: figures are per year)."""
    labels = list(dict.fromkeys(p.label for p in periods))
    if len(labels) <= 1:
        return "".join(labels)
    return f"{', '.join(labels[:-1])} and {labels[-1]}"
