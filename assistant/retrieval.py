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
    prior: dict[str, int] | None = None,
) -> list[Passage]:
    """Passages worth drafting from; an empty list means the corpus holds nothing close enough.

    With `as_of` (the date the request was received), sources dated after it (decisions, published documents)
    are left out: a reply cannot rest on an answer that did not exist yet. `prior` (from `request_prior`): the
    past replies that match the request as a whole; their passages move up within the candidates. A question
    asking how, which or who (no figure) reads past replies that describe before those that only count.
    """
    query = question.query_text if isinstance(question, Question) else question  # scope lines included
    k = k or settings.retrieval_k
    # Later sources are left out of the search itself, so every candidate comes from the corpus of the time.
    found = index.search(query, k=k * 3, exclude=[*exclude, *sources_after(index, as_of)], keyword_query=search_text(query))

    def usable(ranked: Sequence[Passage]) -> list[Passage]:
        return [
            p
            for p in dedupe(ranked)
            if p.similarity >= settings.relevance_floor and not (as_of and p.unit.date and p.unit.date > as_of)
        ]

    ordered = with_request_prior(found, prior, index.settings.rrf_k) if prior else list(found)
    if isinstance(question, Question):
        ordered = figures_after_descriptions(ordered, question.text)
    top = usable(ordered)[:k]
    # Re-ordering never pushes the question's own best passages out: a long request's prior (the past replies that
    # match the request as a whole) can otherwise fill every place with its passages.
    shown = {p.unit.id for p in top}
    lost = [p for p in usable(found)[: settings.own_passages_kept] if p.unit.id not in shown]
    if lost:
        top = [*top[: max(0, k - len(lost))], *lost]
    return [Passage(p.unit, p.score, i + 1, p.method, p.similarity) for i, p in enumerate(top)]


def request_prior(
    index: Index, questions: Sequence[Question], *, exclude: Sequence[str] = (), as_of: date | None = None, depth: int = 5
) -> dict[str, int]:
    """The past replies that best match the request as a whole, each with its rank (1 = best), for a request of
    two or more questions; {} otherwise.

    Requests repeat: the same set of questions comes back a year later, or from another requester. The whole
    request then finds the earlier reply that answered all of them, where one short question alone ("How many were
    missing for over a month?") is as close to several past replies. Searching each question with this prior keeps
    the per-question precision and gains the whole-request recall (the naive baseline's one strength)."""
    if len(questions) < 2:
        return {}
    text = "\n".join(q.full_text for q in questions)[:5000]
    # The past questions and passages decide a repeat; one answer sentence close to one of many asks does not.
    found = index.search(text, k=depth * 4, exclude=[*exclude, *sources_after(index, as_of)], answer_items=False)
    ranks: dict[str, int] = {}
    for passage in found:
        if passage.unit.question and passage.unit.doc_id not in ranks:  # past replies only: a policy is not a repeat
            ranks[passage.unit.doc_id] = len(ranks) + 1
    return {doc: rank for doc, rank in ranks.items() if rank <= depth}


def with_request_prior(found: Sequence[Passage], prior: dict[str, int], rrf_k: int = 60) -> list[Passage]:
    """The candidates re-ordered with the request-level ranking fused in (one more reciprocal-rank vote for each
    passage of a past reply the whole request matches): it moves passages up within the candidates, never adds one."""
    score = {p.unit.id: p.score + (1.0 / (rrf_k + prior[p.unit.doc_id]) if p.unit.doc_id in prior else 0.0) for p in found}
    ordered = sorted(found, key=lambda p: -score[p.unit.id])  # stable: ties keep the search's order
    return [Passage(p.unit, score[p.unit.id], i + 1, p.method, p.similarity) for i, p in enumerate(ordered)]


def figures_after_descriptions(found: Sequence[Passage], text: str) -> list[Passage]:
    """For a question that asks how something is done, which or who (and for no figure), the candidates whose past
    question asked only for a figure move after the others, in their order; nothing is dropped. "How children
    who might be exploited are identified" shares its words with "How many CSE cases were monitored …", whose
    answer is a count; the reply describing the screening tool and MACE is the one to read."""
    from assistant.drafting.analysis import asks_for_figures, asks_for_words

    if not asks_for_words(text) or asks_for_figures(text):
        return list(found)

    def figure_only(passage: Passage) -> bool:
        past = passage.unit.question.splitlines()[0] if passage.unit.question else ""
        return bool(past) and asks_for_figures(past) and not asks_for_words(past)

    ordered = [p for p in found if not figure_only(p)] + [p for p in found if figure_only(p)]
    return [Passage(p.unit, p.score, i + 1, p.method, p.similarity) for i, p in enumerate(ordered)]


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
    with a new year added is the newer evidence, not a copy. Nor are the answers to two different past questions
    (two units of one reply, or replies to differently worded questions): "not held: whether a child was sexually
    exploited …" and "not held: whether a child was criminally exploited …" differ by one word and answer two asks.
    """
    kept: list[tuple[Passage, str, list[str]]] = []
    for passage in passages:
        body = passage.unit.answer or passage.unit.text
        numbers = figures(body)
        if any(
            numbers == k_numbers and fuzz.ratio(body, k_body) >= threshold and _same_question(passage, k_passage, threshold)
            for k_passage, k_body, k_numbers in kept
        ):
            continue
        kept.append((passage, body, numbers))
    return [p for p, _, _ in kept]


def _same_question(a: Passage, b: Passage, threshold: float) -> bool:
    """Whether two near-identical answers answer the same ask: never two units of one document; for past replies,
    their past questions alike too."""
    if a.unit.doc_id == b.unit.doc_id:
        return False
    if a.unit.question and b.unit.question:
        return fuzz.ratio(a.unit.question, b.unit.question) >= threshold
    return True
