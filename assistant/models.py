"""Plain data shapes passed between the pipeline stages (ingestion → retrieval → drafting → checks → letter)."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from enum import Enum
from typing import Any


class DocType(str, Enum):
    DECISION = "decision"
    POLICY = "policy"
    SERVICE_RETURN = "service_return"  # figures a service area returned for one case; never indexed


class Status(str, Enum):
    """Suggested outcome of one question; the officer may change it."""

    PROVIDED = "provided"
    PARTLY_PROVIDED = "partly_provided"
    NOT_HELD = "not_held"
    EXEMPT = "exempt"
    PUBLISHED_ELSEWHERE = "published_elsewhere"
    REDIRECTED = "redirected"
    NEEDS_REVIEW = "needs_review"


@dataclass(frozen=True)
class Unit:
    """One retrievable piece of the corpus: a past question with its answer, or a policy chunk."""

    id: str
    doc_id: str
    doc_type: DocType
    title: str
    text: str
    source_path: str
    reference: str = ""
    received: date | None = None
    decided: date | None = None
    question_numbers: tuple[str, ...] = ()
    question: str = ""
    answer: str = ""
    heading_path: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)

    @property
    def date(self) -> date | None:
        """The date a reader cares about: when the answer was given or the document published."""
        return self.decided or self.received or self.extra.get("published")


@dataclass(frozen=True)
class Passage:
    unit: Unit
    score: float
    rank: int
    method: str = "hybrid"
    similarity: float = 0.0  # cosine similarity of query and unit, the comparable relevance signal


@dataclass
class Question:
    number: str
    text: str
    parts: list[tuple[str, str]] = field(default_factory=list)
    #: Scope lines of the request that govern this question ("for each of the financial years 2018-19 to
    #: 2022-23", "broken down by age"): not part of what the requester wrote under this number, but what the
    #: answer must cover, so question analysis and retrieval see them.
    context: list[str] = field(default_factory=list)

    @property
    def full_text(self) -> str:
        """The question with its sub-parts, as one query string."""
        lines = [self.text] + [f"{label}) {text}" for label, text in self.parts]
        return "\n".join(line for line in lines if line)

    @property
    def query_text(self) -> str:
        """The question, its sub-parts and the scope lines that govern it: what retrieval searches with."""
        return "\n".join(line for line in [self.full_text, *self.context] if line)


@dataclass
class Citation:
    marker: int
    source_id: str
    doc_id: str
    title: str
    reference: str
    date: str
    quote: str


@dataclass
class Flag:
    kind: str
    message: str


@dataclass(frozen=True)
class VerdictRecord:
    """What drafting judged for one question, sub-part or ask of its sentence, kept with the draft so an evaluation
    (or a developer) can see why a question was not answered: the verdict kind, what differs, and what it was
    drafted from when it was drafted for review all the same."""

    kind: str  # answered, other_period, related, none
    part: str = ""  # the sub-part's label, '' for the question itself
    ask: str = ""  # one ask of a several-ask sentence, '' for the whole sentence
    differs: tuple[str, ...] = ()  # related / none: what differs from what is asked, in plain words
    drafted_from: str = ""  # related but drafted for review: 'worded_reply', 'policy' or 'published_copy'
    sources: tuple[str, ...] = ()  # unit ids of the items drafted, else of the nearest evidence named
    reason: str = ""  # the verdict's own reason (for other_period: the period asked and the periods held)


@dataclass
class Draft:
    question: Question
    answer: str
    status: Status
    exemptions: list[str] = field(default_factory=list)
    citations: list[Citation] = field(default_factory=list)
    flags: list[Flag] = field(default_factory=list)
    engine: str = "extractive"
    passages: list[Passage] = field(default_factory=list)
    status_reason: str = ""
    verdict_records: list[VerdictRecord] = field(default_factory=list)  # extractive engine only

    def to_json(self) -> dict[str, Any]:
        return {
            "number": self.question.number,
            "text": self.question.full_text,
            "context": list(self.question.context),
            "answer": self.answer,
            "status": self.status.value,
            "exemptions": list(self.exemptions),
            "citations": [asdict(c) for c in self.citations],
            "flags": [asdict(f) for f in self.flags],
        }
