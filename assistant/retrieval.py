"""Per-question retrieval: hybrid search, duplicates removed, a relevance floor, excluded documents left out."""
from __future__ import annotations

from datetime import date
from typing import Sequence

from rapidfuzz import fuzz

from assistant.index import Index
from assistant.models import Passage, Question
from assistant.settings import Settings
from assistant.text import figures


def retrieve(
    index: Index,
    question: Question | str,
    settings: Settings,
    *,
    exclude: Sequence[str] = (),
    k: int | None = None,
    as_of: date | None = None,
) -> list[Passage]:
    """Passages worth drafting from; an empty list means the corpus holds nothing close enough.

    With `as_of` (the date the request was received), sources dated after it (decisions, published documents)
    are left out: a reply cannot rest on an answer that did not exist yet.
    """
    query = question.query_text if isinstance(question, Question) else question  # scope lines included
    k = k or settings.retrieval_k
    # Later sources are left out of the search itself, so every candidate comes from the corpus of the time.
    found = index.search(query, k=k * 3, exclude=[*exclude, *sources_after(index, as_of)], keyword_query=search_text(query))
    kept = [
        p
        for p in dedupe(found)
        if p.similarity >= settings.relevance_floor and not (as_of and p.unit.date and p.unit.date > as_of)
    ]
    return [Passage(p.unit, p.score, i + 1, p.method, p.similarity) for i, p in enumerate(kept[:k])]


def search_text(query: str) -> str:
    """The keyword query: the question with its abbreviations spelled both ways ("independent fostering agencies"
    also as "IFA"), so a past question that uses the other form is found. (Only keyword search: the embedding
    model reads a query padded with expansions as a different question.)"""
    from assistant.drafting.analysis import spelled_out

    extra = spelled_out(query)
    return f"{query}\n({extra})" if extra else query


def sources_after(index: Index, as_of: date | None) -> list[str]:
    """Documents dated after `as_of` (the request's received date): they did not exist when it arrived."""
    if as_of is None:
        return []
    return sorted({u.doc_id for u in index.units().values() if u.date and u.date > as_of})


def dedupe(passages: list[Passage], *, threshold: float = 95.0) -> list[Passage]:
    """Councils repeat answers word for word across years; keep the first (best-ranked) copy of near-identical text.

    Answers with different figures are never duplicates, however alike their wording: a table of years repeated
    with a new year added is the newer evidence, not a copy.
    """
    kept: list[tuple[Passage, str, list[str]]] = []
    for passage in passages:
        body = passage.unit.answer or passage.unit.text
        numbers = figures(body)
        if any(numbers == k_numbers and fuzz.ratio(body, k_body) >= threshold for _, k_body, k_numbers in kept):
            continue
        kept.append((passage, body, numbers))
    return [p for p, _, _ in kept]
