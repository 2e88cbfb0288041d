"""Questions about the corpus in the Chat tab: the same retrieval and checks as drafting, and an answer even when
no past reply can be re-used whole.

The drafting engines answer a *request*: they re-use a past answer only when a past question matches. An officer's
chat question ("How does the MACE process work?", "what did we say about MACE meetings last year?") rarely reads
like a past question, so when the drafter finds nothing to re-use, the chat quotes the retrieved passages'
sentences closest to the question instead, each cited and checked like any draft. A period in the question ("last
year", "in 2024"), read by drafting's period analysis, puts passages dated in it first.
"""
from __future__ import annotations

from datetime import date
from typing import Any, Sequence

from assistant.citations import check_draft, renumber
from assistant.drafting.periods import periods_in
from assistant.drafting.engines.extractive import cosine, is_statement
from assistant.models import Question
from assistant.retrieval import retrieve
from assistant.safety import without_instructions
from assistant.text import split_sentences

#: Sentences less like the question than this are not quoted (cosine similarity, MiniLM).
SENTENCE_FLOOR = 0.35
MAX_SENTENCES = 4
MAX_PASSAGES = 6


def asked_period(message: str, today: date | None = None) -> tuple[date, date] | None:
    """The span a question is about, read by drafting's period analysis ('last year' is the year to today, '2023'
    the calendar year); 'this year' (as at today) counts from 1 January."""
    found = periods_in(message, today or date.today())
    if not found:
        return None
    period = found[0]
    if period.kind in ("current", "point"):
        return date(period.end.year, 1, 1), period.end
    return period.start, period.end


def in_period(when: date | None, period: tuple[date, date]) -> bool:
    return when is not None and period[0] <= when <= period[1]


def _dated_in(iso: str, period: tuple[date, date]) -> bool:
    """A citation's date (ISO text, '' when undated) inside the period asked about."""
    try:
        return in_period(date.fromisoformat(iso[:10]), period) if iso else False
    except ValueError:
        return False


def quote_answer(message: str, passages: Sequence[Any], embed: Any, period: tuple[date, date] | None) -> str:
    """The retrieved sentences closest to the question, best first, each with its passage's [n] marker."""
    pool: list[tuple[int, str]] = []
    for i, p in enumerate(passages[:MAX_PASSAGES]):
        text = p.unit.answer or p.unit.text
        pool.extend((i, s) for s in split_sentences(text) if is_statement(s))
    if not pool:
        return ""
    vectors = embed([message] + [s for _, s in pool])
    scored = [(i, s, cosine(vectors[0], v)) for (i, s), v in zip(pool, vectors[1:])]
    scored = [x for x in scored if x[2] >= SENTENCE_FLOOR]
    if period is not None:  # a sentence from the period asked about comes before a closer one from another year
        scored.sort(key=lambda x: (not in_period(passages[x[0]].unit.date, period), -x[2]))
    else:
        scored.sort(key=lambda x: -x[2])
    chosen, seen = [], set()
    for i, sentence, _ in scored:
        if sentence in seen:
            continue
        seen.add(sentence)
        chosen.append(f"{sentence} [{i + 1}]")
        if len(chosen) == MAX_SENTENCES:
            break
    return "\n".join(chosen)


def answer(drafter: Any, message: str, *, exclude: Sequence[str] = (), engine: str | None = None,
           today: date | None = None) -> Any:
    """A ChatAnswer: the drafter's own answer when it cites something (and, when the question names a period,
    something dated in it: "what did we say last year" is about last year's replies, not an undated policy), else
    checked quotes from the corpus."""
    result = drafter.chat(message, exclude=exclude, engine=engine)
    period = asked_period(message, today)
    if result.citations and (period is None or any(_dated_in(c.date, period) for c in result.citations)):
        return result
    clean, _ = without_instructions(message)
    question = Question("chat", clean or message)
    settings = drafter.settings
    if period is not None:  # look wider, then put what is dated in the period first
        settings = settings.model_copy(update={"retrieval_k": settings.retrieval_k * 3})
    passages = retrieve(drafter.index, question, settings, exclude=exclude)
    if period is not None:
        passages = sorted(passages, key=lambda p: not in_period(p.unit.date, period))
    text = quote_answer(question.text, passages, drafter.embed, period)
    if not text:
        return result
    checked = check_draft(text, list(passages), threshold=drafter.settings.support_threshold, embed=drafter.embed)
    if not checked.citations:
        return result
    body, citations, _ = renumber(checked.answer, checked.citations, list(passages))
    if period is not None and not any(in_period(p.unit.date, period) for p in passages[:MAX_PASSAGES]):
        body = f"Nothing found dated {period[0]:%d %B %Y} to {period[1]:%d %B %Y}; the closest passages from other dates:\n{body}"
    return type(result)(body, citations, checked.flags)
