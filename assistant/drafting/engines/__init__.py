"""Drafting engines behind one interface: each is a LangChain runnable from EngineInput to EngineOutput."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Callable

from assistant.drafting.analysis import Analysis
from assistant.models import Passage, Question, Status, VerdictRecord

Embed = Callable[[list[str]], list[list[float]]]


@dataclass
class EngineInput:
    question: Question
    passages: list[Passage]  # markers [n] refer to passages[n-1]
    received: date | None = None
    analysis: Analysis | None = None  # what the question asks; the engine analyses it when absent
    # For each ask of a several-ask sentence (by its search text): each passage's relevance to that ask alone, by
    # unit id; an ask is matched with the better of it and the passage's relevance to the whole question.
    ask_similarity: dict[str, dict[str, float]] = field(default_factory=dict)
    term_weights: dict[str, float] = field(default_factory=dict)  # each measure word's rarity in the corpus


@dataclass
class EngineOutput:
    answer: str
    status: Status | None = None  # None: let the status rules decide from the checked answer
    exemptions: list[str] = field(default_factory=list)
    reason: str = ""
    notes: list[str] = field(default_factory=list)
    verdicts: list[str] = field(default_factory=list)  # per question and sub-part: answered, other_period, related, none
    verdict_records: list[VerdictRecord] = field(default_factory=list)  # the same verdicts with what differs and why
    evidence: list[str] = field(default_factory=list)  # keys of the evidence items drafted as the answer
    # The asks of a several-ask sentence the engine judged one by one and left unanswered (named in its notes);
    # None when the engine did not judge asks one by one (the pipeline's wording check decides).
    unanswered: list[str] | None = None
