"""Evidence at the level a reply is written in: sentences, list items and table rows, each with its period.

`items_from_answer` runs at ingest (the result is stored in the unit's metadata) and again for units indexed
before it existed. A table row is read with its column headers, a list item with its lead-in sentence. Each item
records the period it states, else the period its lead-in states, else the period its past question asked, else
the one period the response's opening gives for its figures ("The figures are a snapshot at 1/11/23"), else "as at
the decision date"; an item from an undated decision is marked undated. A bare split year ("2020-21") is a
financial year unless the item's own words, its lead-in ("… by academic year:") or the response's opening ("Years
are academic years (September to August)") say academic years.

`score_items` rates each item for fit to an analysed question: the measure terms it covers, qualifiers that
conflict (the other side of an opposite pair, a narrower group), the answer type (a count question needs a count)
and the period.
"""
from __future__ import annotations

import json
import math
import re
from collections import Counter
from dataclasses import dataclass, replace
from functools import lru_cache
from datetime import date
from typing import Iterable, Mapping, Sequence

from assistant.drafting.analysis import (
    CHILD_WORDS, GROUP_ALTERNATES, GROUPS, OPPOSING_PHRASES, OPPOSITES, Analysis, asks_other_kind, counted_of, either_or, measure_text, narrower_sides,
    phrase_sides, stem,
    strip_periods, terms, words_of,
)
from assistant.drafting.periods import MONTHS, Period, coverage, current, named_year_kind, periods_in, stated_year_kind, within, year_kind_for
from assistant.models import DocType, Passage, Unit
from assistant.text import split_sentences

_LIST_ITEM = re.compile(r"^\s*(?:[-*•·]|\d{1,2}[.)]|\([a-z0-9]{1,3}\)|[a-z][.)])\s+")
_TABLE_SEP = re.compile(r"^\s*\|?\s*:?-{2,}")
_COUNT_FIGURE = re.compile(r"(?<![\d/£.,])\b(?!(?:19|20)\d{2}\b)\d[\d,]*(?:\.\d+)?\b(?![/%]|\s*(?:years?|months?|weeks?|days?)\b)")
_MONEY = re.compile(r"£\s?\d|\b\d[\d,.]*\s?(?:m|k|million|bn)\b", re.I)
_RATE = re.compile(r"\d\s?%|\bper\s+cent\b", re.I)
_NONE_WORDS = re.compile(r"\b(?:none|nil|(?:is|are)\s+published\s+(?:in|on|at|by)|(?:section|s\.?)\s?21\s+(?:applies|of\s+the\s+freedom)|no\s+(?:child|children|one|young|cases?|referrals?|\w+\s+(?:were|was|have|has))|zero|not\s+held|(?:has|have|had|did|was|were)\s+not\s+(?:been\s+)?\w+\s+any|not\s+recorded|not\s+available|do(?:es)?\s+not\s+(?:hold|record|collect)|unable\s+to)\b", re.I)
_NUMBER_WORDS = re.compile(r"\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)\b", re.I)


# The way answers are read into items and periods: items stored at ingest under another version are read again
# (an index built before a change to period reading would otherwise keep the old periods).
EVIDENCE_VERSION = 4


@dataclass(frozen=True)
class Item:
    """One piece of evidence: verbatim `text` from a past answer or policy, its `context` and its period."""

    kind: str  # sentence | list_item | row
    text: str
    context: str = ""
    period: Period | None = None
    period_source: str = "undated"  # stated | lead_in | question | response | decision | document | undated
    index: int = 0

    def render(self) -> str:
        """The item as a draft sentence: a row with its headers, a list item after its lead-in."""
        if self.kind == "row":  # text: "2022/23 — Strategy meetings: 2,296; Children: 1,934."
            return f"{self.context.rstrip().rstrip(':').rstrip()} — {self.text}" if self.context else self.text
        body = self.text.strip()
        body = _LIST_ITEM.sub("", body) if self.kind == "list_item" else body
        if self.kind == "list_item" and self.context:
            lead = self.context.rstrip().rstrip(":").rstrip()
            return f"{lead}: {body.rstrip('.;')}."
        return body

    def to_json(self) -> list:
        return [self.kind, self.text, self.context, self.period.to_text() if self.period else "", self.period_source, self.index]

    @staticmethod
    def from_json(row: list) -> "Item":
        kind, text, context, period, source, index = row
        return Item(kind, text, context, Period.from_text(period) if period else None, source, int(index))


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def _period_of(text: str, ref: date | None, academic: bool | None = None) -> Period | None:
    found = periods_in(text, ref, academic=academic)
    return found[0] if len(found) == 1 else (max(found, key=lambda p: p.days) if found else None)


_FIGURES_WORDS = re.compile(r"\b(?:figures?|data|numbers?|counts?|statistics|snapshot)\b", re.I)


def opening_period(opening: str, ref: date | None) -> Period | None:
    """The one period a response's opening gives for its figures ("The figures are a snapshot at 1/11/23"); None
    when it gives none or several ("Appeal figures are for 2022; the EHCP figures are a snapshot at …"), or when
    its dates say something else ("your request of 3 May")."""
    found = {p for s in split_sentences(opening) if _FIGURES_WORDS.search(s) for p in periods_in(s, ref)}
    return found.pop() if len(found) == 1 else None


def items_from_answer(
    answer: str, *, question: str = "", scope: str = "", opening: str = "", received: date | None = None,
    decided: date | None = None, asked: Period | None = None,
) -> list[Item]:
    """Split a past answer into items and give each the period it states (see the module docstring); the past
    request's scope lines ("please give figures for 2024") count as part of what its question asked, and `asked`
    (the period stored at ingest) stands in for them when they are not at hand."""
    ref = received or decided
    found = (periods_in(question, ref) if question else []) or (periods_in(scope, ref) if scope else [])
    question_period = (max(found, key=lambda p: p.days) if len(found) > 1 else found[0]) if found else asked
    response_period = opening_period(opening, ref) if opening else None
    # "Years are academic years (September to August)" in the opening governs every row, item and sentence of the
    # reply that does not name its kind of year itself; "… by academic year:" governs the items under that lead-in.
    reply_kind = stated_year_kind(opening) if opening else None
    lead_kind: bool | None = None

    def period_of(text: str, *, under_lead: bool = True) -> Period | None:
        return _period_of(text, ref, year_kind_for(text, lead_kind if under_lead else None, reply_kind))

    fallback, fallback_source = (
        (question_period, "question") if question_period
        else (response_period, "response") if response_period
        else (current(decided), "decision") if decided
        else (None, "undated")
    )
    items: list[Item] = []
    lead = ""
    lead_period: Period | None = None
    headers: list[str] = []
    for line in answer.split("\n"):
        stripped = line.strip()
        if not stripped:
            headers = [] if not stripped else headers
            continue
        if stripped.startswith("|"):
            if _TABLE_SEP.match(stripped.strip("|").strip() or "-"):
                continue
            cells = _cells(stripped)
            if not headers:
                headers = cells
                continue
            period = period_of(" ".join(cells[:1])) or period_of(" ".join(cells))
            pairs = [f"{h}: {c}" for h, c in zip(headers[1:], cells[1:]) if c]
            row = f"{cells[0]}: {'; '.join(pairs)}."
            items.append(_with_period(Item("row", row, lead, index=len(items)), period, lead_period, fallback, fallback_source))
            continue
        headers = []
        if _LIST_ITEM.match(stripped) and lead:
            period = period_of(stripped)
            items.append(_with_period(Item("list_item", stripped, lead, index=len(items)), period, lead_period, fallback, fallback_source))
            continue
        line_period: Period | None = None  # "In 2022/23, 463 … were received. Of these, 121 …": the period carries on
        for sentence in split_sentences(stripped):
            period = period_of(sentence, under_lead=False) or line_period
            line_period = period
            items.append(_with_period(Item("sentence", sentence, "", index=len(items)), period, lead_period, fallback, fallback_source))
        if stripped.endswith(":"):
            last = (split_sentences(stripped) or [stripped])[-1]
            lead_kind = named_year_kind(last)
            lead, lead_period = last, period_of(stripped, under_lead=False)
        else:
            lead, lead_period = (stripped if _LIST_ITEM.match(stripped) is None else lead), None
            lead_kind = lead_kind if _LIST_ITEM.match(stripped) else None
    return items


def _with_period(item: Item, stated: Period | None, lead: Period | None, fallback: Period | None, source: str) -> Item:
    if stated:
        return replace(item, period=stated, period_source="stated")
    if lead:
        return replace(item, period=lead, period_source="lead_in")
    return replace(item, period=fallback, period_source=source)


def unit_items(unit: Unit) -> list[Item]:
    """The unit's items: stored at ingest, else read now (units indexed before items were stored)."""
    stored = unit.extra.get("evidence")
    if isinstance(stored, str) and stored and str(unit.extra.get("evidence_version", "")) == str(EVIDENCE_VERSION):
        try:
            return [Item.from_json(row) for row in json.loads(stored)]
        except (ValueError, TypeError):
            pass
    if unit.doc_type is DocType.DECISION:
        # The request's scope lines are not kept with the unit; the period they and the question asked is.
        asked = Period.from_text(str(unit.extra.get("question_period") or ""))
        return items_from_answer(unit.answer or unit.text, question=unit.question, received=unit.received, decided=unit.decided, asked=asked)
    published = unit.date
    return [
        Item("sentence", s, "", current(published) if published else None, "document" if published else "undated", i)
        for i, s in enumerate(split_sentences(unit.text))
    ]


@lru_cache(maxsize=20_000)
def _cached_items(unit_id: str, unit: Unit, stored: str) -> tuple[Item, ...]:
    return tuple(unit_items(unit))


def items_of(unit: Unit) -> tuple[Item, ...]:
    """`unit_items`, read once per unit (ids are content hashes, so a changed unit gets a new id; the stored
    items are part of the key, as an ingest can read an unchanged unit's periods again)."""
    stored = unit.extra.get("evidence")
    return _cached_items(unit.id, unit, stored if isinstance(stored, str) else "")


def items_json(items: Sequence[Item]) -> str:
    return json.dumps([i.to_json() for i in items], ensure_ascii=False)


# ---------------------------------------------------------------------------------------------- fit


@dataclass
class Scored:
    """An item of one passage with its fit to the analysed question."""

    passage: int  # position in the passage list
    item: Item
    coverage: float  # share of the question's measure terms found in the item and its frame
    own_coverage: float  # share found in the item and its lead-in only
    conflicts: list[str]
    extra_groups: list[str]
    type_fit: bool
    period_fit: bool | None  # None: the question is not period-bound
    unit_match: float = 0.0  # question to the item's past question / passage (embedding and wording)
    reverse_coverage: float = 1.0  # share of the past question's terms the question shares
    unit_conflicts: tuple[str, ...] = ()  # qualifiers the whole past answer contradicts
    same_question: float = 0.0  # likeness of the question to the past question alone
    weighted_coverage: float = 1.0  # coverage with each measure word weighted by its rarity in the corpus (`term_weights`)
    counts_asked: bool = True  # the passage names what a count question counts (its head noun)
    counts_other: str = ""  # the item's figure counts something else than the question counts ("requests", not children)

    @property
    def key(self) -> str:
        return f"{self.unit_id}#{self.item.index}"

    unit_id: str = ""


def has_answer_type(text: str, answer_type: str) -> bool:
    """A count question needs a count in the item (or a stated none/not held); money needs £; a rate needs %."""
    if answer_type == "count":
        return bool(_COUNT_FIGURE.search(text) or _NUMBER_WORDS.search(text) or _NONE_WORDS.search(text))
    if answer_type == "money":
        return bool(_MONEY.search(text) or _NONE_WORDS.search(text))
    if answer_type == "rate":
        return bool(_RATE.search(text) or _NONE_WORDS.search(text))
    return True


_REFERENCE_NUMBER = re.compile(
    r"\b(?:answers?|questions?|section|s|level|part|paragraph|tier|stage|phase|appendix|annex|key\s+stage|schedule|article|regulation)\s*\(?\d+[a-z]?\)?(?:\(\d+[a-z]?\))*",
    re.I,
)


def figure_of_type(text: str, answer_type: str) -> bool:
    """The item states a figure of the type asked (not only a year, a cross-reference or a none statement)."""
    text = _REFERENCE_NUMBER.sub(" ", text)
    if answer_type == "count":
        return bool(_COUNT_FIGURE.search(text) or re.match(r"\s*(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)\b", text, re.I))
    if answer_type == "money":
        return bool(_MONEY.search(text))
    if answer_type == "rate":
        return bool(_RATE.search(text))
    return False


# A count of nothing in words: "None.", "No UASC have left …", "The council has not referred any UASC …". Unlike "not
# held" or "published in …" (true whatever the period), it is a figure (0) for the period its reply speaks of.
_ZERO_COUNT = re.compile(
    r"^\s*(?:none|nil|zero)\b|\b(?:there\s+(?:were|was|have\s+been)\s+)?no\s+(?:[\w-]+\s+){0,3}?(?:were|was|have|has|had)\s+(?:been\s+)?\w+"
    r"|\b(?:has|have|had|did|was|were)\s+not\s+(?:been\s+)?\w+\s+any\b|\bthere\s+(?:were|was|(?:have|has)\s+been)\s+no\b",
    re.I,
)
_NOT_HELD = re.compile(r"\bheld\b|\bnot\s+(?:held|recorded|available|collected)\b|\bdo(?:es)?\s+not\s+(?:hold|record|collect)\b|\bunable\s+to\b|\bpublished\b|\bsection\s+21\b", re.I)


def counts_zero(text: str) -> bool:
    """The text counts nothing in words (a zero count), and does not say the count is not held or published."""
    return bool(_ZERO_COUNT.search(text)) and not _NOT_HELD.search(text)


def states_count_of_type(text: str, answer_type: str) -> bool:
    """A figure of the type asked, or for a count a zero count in words ("None.", "has not referred any UASC")."""
    return figure_of_type(text, answer_type) or (answer_type == "count" and counts_zero(text))


def states_figure(text: str) -> bool:
    """The text states a count, an amount or a rate (not only a year or a cross-reference)."""
    return any(figure_of_type(text, kind) for kind in ("count", "money", "rate"))


def is_none_statement(text: str) -> bool:
    return bool(_NONE_WORDS.search(text))


def conflicts(question: Analysis, frame_words: set[str], frame_text: str = "", past_question: str = "") -> list[str]:
    """Qualifiers of the question whose opposite, and not they, is what the evidence speaks of (word pairs in
    OPPOSITES, phrase pairs in OPPOSING_PHRASES: one table each, in the analysis module). A past question that names
    a side of a row says what its answer counts: the answer's passing mention of another side ("came through the
    scheme …, and all of them were placed outside Lincolnshire") does not make it about that side."""
    asked = words_of(question.text)
    out = []
    if frame_text:
        asked_sides, all_found = phrase_sides(question.text), phrase_sides(frame_text)
        past_sides = phrase_sides(past_question) if past_question else set()
        for row in OPPOSING_PHRASES:
            sides = [name for name, _ in row]
            found_sides = past_sides if past_sides & set(sides) else all_found
            mine = [n for n in sides if n in asked_sides]
            other = [n for n in sides if n in found_sides and n not in asked_sides]
            if mine and other and not any(n in found_sides for n in mine):
                out.append(f"asks about {' and '.join(mine)}, the evidence about {' and '.join(other)}")
    for a, b in OPPOSITES:
        for mine, other in ((a, b), (b, a)):
            if asked & mine and not asked & other and frame_words & other and not frame_words & mine:
                out.append(f"asks about {'/'.join(sorted(asked & mine))}, the evidence about {'/'.join(sorted(frame_words & other))}")
    for age in (q for q in question.qualifiers if re.search(r"\d", q)):
        nums = re.findall(r"\d{1,2}", age)
        frame = " ".join(sorted(frame_words))
        if not all(n in frame for n in nums):
            out.append(f"asks about those {age}")
    return out


# Adverbs that say how or when, never what is counted ("located, temporarily or permanently, in your area").
_MANNER = frozenset(stem(w) for w in "temporarily permanently approximately specifically respectively separately previously formally informally roughly".split())


@lru_cache(maxsize=20_000)
def past_measure_terms(question: str, ref: date | None) -> tuple[str, ...]:
    """The terms of a past question that name its measure: without its periods ('between 1 January 2018 and 30
    June 2023'), asides and adverbs of manner ('temporarily or permanently'), which qualify rather than name it."""
    text = strip_periods(measure_text(question), ref)
    return tuple(t for t in terms(text) if t not in _MANNER)


# A past question's follow-ups asked only on its answer ("Has the council used a managed team? If so: 1a. How many
# teams …? 1b. …"): what it asked about is its lead.
_IF_SO = re.compile(r"\bif\s+(?:so|yes|not|applicable)\b", re.I)


def reverse_coverage(question: str, ref: date | None, asked_terms: set[str]) -> float:
    """Share of the past question's measure terms the question shares: of the whole past question, or of its lead
    before its conditional follow-ups when that is higher (a question asking only the lead asks what it asked)."""
    past = set(past_measure_terms(question, ref))
    share = len(past & asked_terms) / len(past) if past else 1.0
    m = _IF_SO.search(question)
    lead = set(past_measure_terms(question[: m.start()], ref)) if m and m.start() > 0 else set()
    if lead and lead != past:
        share = max(share, len(lead & asked_terms) / len(lead))
    return share


# The figure ends at a digit: in "9,141, taken from the January 2025 school census" no noun follows the figure.
_LEADING_COUNT = re.compile(r"^\s*(?:there\s+(?:were|are|was|is)\s+|in\s+[^,]{1,40},\s*)?(?:about\s+|around\s+|over\s+)?\d(?:[\d,]*\d)?\s+(?=[A-Za-z])", re.I)


# Stemmed words that all name children or a group of them (CHILD_WORDS are stems already).
CHILD_LIKE = frozenset(CHILD_WORDS | {stem(g) for g in GROUPS})


def item_counted(item: Item) -> str:
    """What an item's figure counts, when its wording says so: a list item's lead-in ("Initial requests for an EHC
    needs assessment:"), a label before a colon ("Registered foster carers: 2020/21: 276."), or the noun after a
    leading figure ("6,809 children and young people have …", "There were 335 fixed-period exclusions …")."""
    if item.kind == "list_item" and item.context:
        return counted_of("how many " + item.context.rstrip().rstrip(":"))
    if item.kind != "sentence":
        return ""
    label, colon, rest = item.text.partition(":")
    if colon and _COUNT_FIGURE.search(rest) and not _COUNT_FIGURE.search(label) and not periods_in(label):
        return counted_of("how many " + label)
    m = _LEADING_COUNT.match(item.text)
    return counted_of("how many " + item.text[m.end():]) if m else ""


def counts_other(counted: str, item: Item, question: str = "") -> str:
    """The item's counted noun when it is not what the question counts (children, pupils and groups of them are
    one thing: a count of UASC answers a count of children; a count of referrals answers how many were referred)."""
    if not counted:
        return ""
    mine = item_counted(item)
    if not mine or mine == counted:
        return ""
    done = [w for w in words_of(question) if len(w) > 5 and w.endswith("ed")]  # "referred", "excluded", "placed"
    if any(len(mine) >= 5 and w[:5] == mine[:5] for w in done):
        return ""
    if mine in CHILD_LIKE and counted in CHILD_LIKE:
        return ""
    return mine


_NEGATED = re.compile(r"\b(?:without|no|not|non)\b", re.I)


def counts_left_out(question: Analysis, item: Item) -> str:
    """For a question that leaves a group out ("… without an EHC plan"), an item counting those in it ("6,809
    children and young people have an EHCP") counts the other side: the group it names, else ''."""
    if not question.without:
        return ""
    text = f"{item.context} {item.text}"
    named = [g for g in question.without if g in words_of(text)]
    return f"those with {named[0]}" if named and not _NEGATED.search(text) else ""


def names_counted(counted: str, found: set[str]) -> bool:
    """Evidence names what is counted: the head noun itself, or for children any word naming children or a group."""
    if not counted:
        return True
    if counted in found:
        return True
    return counted in CHILD_LIKE and bool(found & CHILD_LIKE)


UNSEEN = ""  # the weight key of a word no unit has


def term_weights(units: Iterable[Unit]) -> dict[str, float]:
    """Each measure word's rarity over the corpus's units (inverse document frequency, smoothed). The words that say
    what is counted ("deregistered", "transracial", "residential") are rare; the words every reply has ("children",
    "council", "number") are common, so evidence that misses only those still fits, and evidence that misses the
    rare one is about another measure."""
    frequency: Counter[str] = Counter()
    n = 0
    for unit in units:
        n += 1
        frequency.update(set(terms(f"{unit.title}\n{' '.join(unit.heading_path)}\n{unit.question}\n{unit.text}")))
    weights = {t: math.log((n + 1) / (c + 1)) + 1.0 for t, c in frequency.items()}
    weights[UNSEEN] = math.log(n + 1) + 1.0  # a word no unit has: as rare as can be
    return weights


def weighted_share(wanted: set[str], found: set[str], weights: Mapping[str, float]) -> float:
    """The share of the question's measure words found, each counted by its weight (`term_weights`)."""
    unseen = weights.get(UNSEEN, 1.0)
    total = sum(weights.get(t, unseen) for t in wanted)
    return sum(weights.get(t, unseen) for t in wanted & found) / total if total else 1.0


def score_items(
    question: Analysis,
    passages: Sequence[Passage],
    unit_match: dict[int, float],
    same_question: dict[int, float] | None = None,
    *,
    max_items: int = 400,
    weights: Mapping[str, float] | None = None,
) -> list[Scored]:
    """Every item of every passage, scored for fit (no embeddings: see `add_similarity`); `weights` (from
    `term_weights`) also give each item its coverage weighted by the rarity of the words it covers."""
    wanted = set(question.terms)
    asked_terms = set(terms(f"{question.text}\n{question.context}")) if question.context else set(terms(question.text))
    out: list[Scored] = []
    for i, p in enumerate(passages):
        unit = p.unit
        frame_text = f"{unit.title}\n{' '.join(unit.heading_path)}\n{unit.question}"
        frame_terms = set(terms(frame_text))
        frame_words = words_of(frame_text)
        unit_items_ = items_of(unit)
        unit_words = frame_words | words_of(" ".join(f"{i.context} {i.text}" for i in unit_items_))
        # Qualifier phrases are read from the past question and its answer when there is one: a document title
        # ("Refusal to assess appeals and …") speaks for every answer in it, not for this one.
        own_frame = unit.question if unit.question else frame_text
        unit_text = f"{own_frame}\n" + "\n".join(f"{i.context} {i.text}" for i in unit_items_)
        narrower = [f"the past question is only about {n}" for n in narrower_sides(question.text, unit.question)] if unit.question else []
        other_kind = asks_other_kind(question.answer_type, unit.question) if unit.question else ""
        unit_conflicts = tuple(conflicts(question, unit_words, unit_text, unit.question) + narrower + ([other_kind] if other_kind else []))
        counts_asked = names_counted(question.counted, set(terms(unit_text)) | frame_terms)
        # A group the question itself names (boys, disabled, UASC) must be named by the evidence: figures for all
        # children do not answer a question about boys.
        unit_terms = set(terms(unit_text)) | frame_terms
        missing = [
            g for g in sorted(words_of(question.text) & GROUPS)
            if stem(g) not in unit_terms and g not in unit_words and not GROUP_ALTERNATES.get(g, frozenset()) & unit_words
        ]
        if missing:
            unit_conflicts = (*unit_conflicts, f"asks about {', '.join(missing)}, which the evidence does not name")
        reverse = reverse_coverage(unit.question, unit.received or unit.decided, asked_terms) if unit.question else 1.0
        for item in items_of(unit):
            own = set(terms(f"{item.context}\n{item.text}"))
            all_terms = own | frame_terms
            cov = len(wanted & all_terms) / len(wanted) if wanted else 1.0
            wcov = weighted_share(wanted, all_terms, weights) if weights else cov
            own_cov = len(wanted & own) / len(wanted) if wanted else 1.0
            words = frame_words | words_of(f"{item.context} {item.text}")
            asked_words = words_of(question.text)
            extra = sorted(
                g for g in (words_of(unit.question) & GROUPS) - set(question.groups) - asked_words
                if not GROUP_ALTERNATES.get(g, frozenset()) & asked_words and not either_or(g, unit.question, set(question.groups))
            ) if unit.question else []
            period_fit = None
            if question.period_bound and question.period is not None:
                period_fit = bool(item.period and within(item.period, question.period))
            out.append(
                Scored(
                    passage=i,
                    item=item,
                    coverage=cov,
                    own_coverage=own_cov,
                    conflicts=conflicts(question, words, f"{own_frame}\n{item.context} {item.text}", unit.question),
                    extra_groups=extra,
                    type_fit=has_answer_type(item.text, question.answer_type),
                    period_fit=period_fit,
                    unit_match=unit_match.get(i, p.similarity),
                    unit_id=unit.id,
                    reverse_coverage=reverse,
                    unit_conflicts=unit_conflicts,
                    counts_asked=counts_asked,
                    counts_other=(counts_other(question.counted, item, question.text) or counts_left_out(question, item)) if question.answer_type == "count" else "",
                    same_question=(same_question or {}).get(i, 0.0),
                    weighted_coverage=wcov,
                )
            )
            if len(out) >= max_items:
                return out
    return out


def states_later_figures(unit: Unit, as_of: date) -> bool:
    """An undated past reply whose figures are all for periods ending after `as_of` was written after it: it is
    not evidence for a request received then ("6,922 had an EHCP on 7 February 2023" for a 2022 request)."""
    if unit.date is not None or unit.doc_type is not DocType.DECISION:
        return False
    ends = [
        i.period.end for i in items_of(unit)
        if i.period and i.period_source in ("stated", "lead_in", "response", "question")
        and states_figure(i.text)
    ]  # only figures date a reply: "… is published in the DfE statistics" holds whenever it was written
    return bool(ends) and min(ends) > as_of


def period_coverage(items: Sequence[Item], asked: Period) -> float:
    return coverage([i.period for i in items if i.period], asked)


def when(unit: Unit) -> str:
    d = unit.date
    return f"{d.day} {MONTHS[d.month - 1].title()} {d.year}" if d else "an undated reply"
