"""Drafting engines behind one interface: each is a LangChain runnable from EngineInput to EngineOutput."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Callable

from assistant.drafting.analysis import Analysis
from assistant.models import Passage, Question, Status

Embed = Callable[[list[str]], list[list[float]]]


@dataclass
class EngineInput:
    question: Question
    passages: list[Passage]  # markers [n] refer to passages[n-1]
    received: date | None = None
    analysis: Analysis | None = None  # what the question asks; the engine analyses it when absent


@dataclass
class EngineOutput:
    answer: str
    status: Status | None = None  # None: let the status rules decide from the checked answer
    exemptions: list[str] = field(default_factory=list)
    reason: str = ""
    notes: list[str] = field(default_factory=list)
    verdicts: list[str] = field(default_factory=list)  # per question and sub-part: answered, other_period, related, none
    evidence: list[str] = field(default_factory=list)  # keys of the evidence items drafted as the answer
