"""The drafting pipeline: split a request, analyse and retrieve per question, draft with an engine, check, flag.

The CLI, the app and the evals all call `Drafter`; none of them holds drafting logic of its own.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any, Iterator, Sequence

from langchain_core.runnables import Runnable

from assistant.citations import check_draft, make_citation, renumber, strip_markers
from assistant.drafting.analysis import Analysis, analyse_question, ask_query, asks_not_answered, asks_of, is_follow_on
from assistant.drafting.checks import figure_periods_cited, unfit_figures
from assistant.drafting.engines import EngineInput, EngineOutput
from assistant.drafting.evidence import states_later_figures, term_weights
from assistant.drafting.engines.extractive import ExtractiveConfig, draft_extractive, extractive_engine
from assistant.drafting.repeats import Answered, repeated_from
from assistant.flags import review_flags
from assistant.index import Index
from assistant.models import Citation, Draft, Flag, Passage, Question, Status
from assistant.requests import split_request
from assistant.retrieval import request_prior, retrieve, sources_after
from assistant.safety import passage_flags, screen_passages, without_instructions
from assistant.settings import Settings
from assistant.status import suggest_status

log = logging.getLogger(__name__)


def _claim_text(answer: str) -> str:
    """The answer without markers and without notes for the officer (a note naming an ask does not answer it)."""
    lines = [line for line in strip_markers(answer).split("\n") if not line.strip().lower().startswith("note for the officer")]
    return "\n".join(lines)


def follow_chain(questions: Sequence[Question]) -> list[Question | None]:
    """For each question, what it reads on from if it is a follow-on: the last question that stood alone and any
    follow-ons since (None for the first). Drafting one question of a request passes its entry as `follows`."""
    out: list[Question | None] = []
    chain = ""
    for question in questions:
        out.append(Question(question.number, chain) if chain else None)
        chain = f"{chain}\n{question.text}".strip() if chain and is_follow_on(question.text, chain) else question.text
    return out


def ask_searches(question: Question) -> list[str]:
    """What each ask of a several-ask sentence (in the question or a sub-part) is searched and matched with."""
    return [ask_query(ask, text) for text in [question.text, *(t for _, t in question.parts)] for ask in asks_of(text)]


def reading_on(question: Question, follows: Question | None) -> Question:
    """The question as searched: a follow-on ("How many requests came from parents?") carries the questions it
    reads on from, so the search looks for the measure they name (EHC needs assessment requests), as its analysis
    reads their group and period."""
    if follows is None or not follows.text or not is_follow_on(question.text, follows.text):
        return question
    return replace(question, context=[*question.context, follows.text])


@dataclass
class ChatAnswer:
    """A chat reply over the corpus: text with [n] markers, verified citations and flags."""

    text: str
    citations: list[Citation] = field(default_factory=list)
    flags: list[Flag] = field(default_factory=list)


class Drafter:
    ENGINES = ("extractive", "llm", "naive")

    def __init__(self, settings: Settings, index: Index | None = None, chat_model: Any | None = None) -> None:
        self.settings = settings
        self.index = index or Index(settings)
        self._chat_model = chat_model
        self._engines: dict[str, Runnable] = {}
        self._weights: dict[str, float] = {}
        self._weights_of: object = None

    # -- parts -----------------------------------------------------------------------------------
    def term_weights(self) -> dict[str, float]:
        """The rarity of each measure word in the corpus, read again only after an ingest changes the units."""
        units = self.index.units()
        if self._weights_of is not units:
            self._weights = term_weights(units.values())
            self._weights_of = units
        return self._weights

    def embed(self, texts: list[str]) -> list[list[float]]:
        return self.index.embeddings.embed_documents(texts) if texts else []

    @property
    def extractive_config(self) -> ExtractiveConfig:
        return ExtractiveConfig(match_floor=self.settings.decision_match_floor, current_window_days=self.settings.current_window_days)

    def chat_model(self) -> Any:
        if self._chat_model is None:
            from assistant.drafting.engines.llm import build_chat_model

            self._chat_model = build_chat_model(self.settings)
        return self._chat_model

    def engine(self, name: str | None = None) -> Runnable:
        name = name or self.settings.engine
        if name not in self.ENGINES:
            raise ValueError(f"Unknown engine '{name}': choose one of {', '.join(self.ENGINES)}")
        if name not in self._engines:
            if name == "extractive":
                self._engines[name] = extractive_engine(self.embed, self.extractive_config)
            elif name == "llm":
                from assistant.drafting.engines.llm import llm_engine

                self._engines[name] = llm_engine(self.settings, self.chat_model())
            else:
                from assistant.drafting.engines.naive import naive_engine

                self._engines[name] = naive_engine()
        return self._engines[name]

    def _sources(self, passages: Sequence) -> str:
        from assistant.drafting.engines.llm import format_sources

        return format_sources(list(passages[: self.settings.llm_max_passages]), self.settings.llm_passage_words)

    def split(self, text: str) -> list[Question]:
        """Raises assistant.requests.RequestError with a message for the officer on bad input."""
        return split_request(text, max_chars=self.settings.max_request_chars, max_questions=self.settings.max_questions)

    # -- drafting --------------------------------------------------------------------------------
    def draft_question(
        self,
        question: Question,
        *,
        engine: str | None = None,
        exclude: Sequence[str] = (),
        received: date | None = None,
        follows: Question | None = None,
        sources: Sequence[Passage] = (),
        everything: Sequence[Question] = (),
    ) -> Draft:
        """One question drafted (again). `follows`: the request's previous question, which a follow-on question
        ("How many were …?") leans on; `sources` are the case's own passages (a service's return), kept citable
        beside the corpus passages and seen by the engine and the checks like them; `everything`: the request's
        questions, so the question is searched as it was when the whole request was drafted (`request_prior`)."""
        prior = self._prior(everything, exclude, received)
        return self._draft_question(
            question, engine=engine, exclude=exclude, received=received, follows=follows, sources=sources, prior=prior
        )[0]

    def _prior(self, questions: Sequence[Question], exclude: Sequence[str], received: date | None) -> dict[str, int]:
        as_of = received if self.settings.only_earlier_decisions else None
        return request_prior(self.index, questions, exclude=exclude, as_of=as_of)

    def _draft_question(
        self, question: Question, *, engine: str | None, exclude: Sequence[str], received: date | None,
        follows: Question | None = None, sources: Sequence[Passage] = (), prior: dict[str, int] | None = None,
    ) -> tuple[Draft, EngineOutput]:
        name = engine or self.settings.engine
        # A request with no received date is one arriving now: "currently" and "the last 12 months" are read
        # against today, so a 2022/23 figure is not drafted as the current position.
        received = received or date.today()
        clean_text, removed = without_instructions(question.text)
        clean_parts = [(label, without_instructions(t)[0]) for label, t in question.parts]
        clean_context = [without_instructions(line)[0] for line in question.context]  # scope lines: data too
        query = replace(question, text=clean_text, parts=clean_parts, context=clean_context)
        analysis = analyse_question(query, received, follows=follows)
        as_of = received if self.settings.only_earlier_decisions else None
        searched = reading_on(query, follows)
        passages = retrieve(self.index, searched, self.settings, exclude=exclude, as_of=as_of, prior=prior)
        if query.parts or asks_of(query.text):
            passages = self._part_passages(searched, passages, exclude, as_of, prior)
        if as_of is not None:  # an undated reply whose figures all postdate the request was written after it
            passages = [Passage(p.unit, p.score, i + 1, p.method, p.similarity) for i, p in enumerate(
                q for q in passages if not states_later_figures(q.unit, as_of))]
        seen = {p.unit.id for p in passages}
        passages = list(passages) + [Passage(p.unit, p.score, len(passages) + i + 1, p.method, p.similarity)
                                     for i, p in enumerate(p for p in sources if p.unit.id not in seen)]
        passages, warnings = screen_passages(passages)
        self._stored_vectors(passages)
        output: EngineOutput = self.engine(name).invoke(
            EngineInput(query, passages, received, analysis, self._ask_similarity(query, passages), self.term_weights())
        )
        draft = self._checked(question, output, passages, name, received, analysis)
        draft.flags.extend(passage_flags(warnings))
        if removed:
            draft.flags.append(
                Flag("instruction_ignored", f"The request contains text that reads like an instruction; it was treated as data: “{removed[0][:80]}”.")
            )
        return draft, output

    def _ask_similarity(self, query: Question, passages: Sequence[Passage]) -> dict[str, dict[str, float]]:
        """Each passage's relevance to each ask of a several-ask sentence alone (stored vectors): an ask is not
        matched with a relevance diluted by the other asks of its sentence."""
        searches = ask_searches(query)
        ids = [p.unit.id for p in passages]
        out: dict[str, dict[str, float]] = {}
        for search in dict.fromkeys(searches):
            try:
                out[search] = self.index.similarities(search, ids)
            except Exception as exc:  # noqa: BLE001 - a refinement: without it the whole question's relevance is used
                log.debug("ask relevance not read: %s", exc)
        return out

    def _stored_vectors(self, passages: Sequence[Passage]) -> None:
        """The past questions of these passages were embedded at ingest: use those vectors, not the model again.
        A store that cannot hand them over only costs time (the engine embeds them)."""
        try:
            self.index.remember_question_vectors(passages)
        except Exception as exc:  # noqa: BLE001 - a speed-up, never a reason to fail a draft
            log.debug("stored question vectors not used: %s", exc)

    def _part_passages(self, query: Question, passages: list, exclude: Sequence[str], as_of: date | None, prior: dict[str, int] | None = None) -> list:
        """A sub-part gets its own evidence: passages retrieved for each part (with its question) are added; so does
        each ask of a sentence that joins several ("Which team …, what is the lead officer's title, …?")."""
        seen = {p.unit.id for p in passages}
        out = list(passages)
        per_part = self.settings.retrieval_k
        searches = [f"{query.text}\n{text}".strip() for _, text in query.parts]
        searches += ask_searches(query)
        for search in searches:
            part = Question(query.number, search, context=list(query.context))
            for p in retrieve(self.index, part, self.settings, exclude=exclude, k=per_part, as_of=as_of, prior=prior):
                if p.unit.id not in seen:
                    seen.add(p.unit.id)
                    out.append(Passage(p.unit, p.score, len(out) + 1, p.method, p.similarity))
        return out[: self.settings.retrieval_k * max(3, len(searches) + 1)]

    def draft_request(
        self, text: str, *, engine: str | None = None, exclude: Sequence[str] = (), received: date | None = None
    ) -> Iterator[Draft]:
        """Yields one checked Draft per question, in order, as each is ready (the UI shows progress)."""
        name = engine or self.settings.engine
        if name == "naive":
            as_of = received if self.settings.only_earlier_decisions else None
            yield self._naive(text, [*exclude, *sources_after(self.index, as_of)])
            return
        yield from self.draft_questions(self.split(text), engine=name, exclude=exclude, received=received)

    def draft_questions(
        self,
        questions: Sequence[Question],
        *,
        everything: Sequence[Question] | None = None,
        engine: str | None = None,
        exclude: Sequence[str] = (),
        received: date | None = None,
    ) -> Iterator[Draft]:
        """Drafts `questions` in order, each checked; `everything` is the whole request when only some of its
        questions are drafted (follow-ons read on from it). A question whose evidence only repeats an earlier
        answer of this run refers back to it (`repeats`)."""
        whole = list(everything or questions)
        follows = {q.number: f for q, f in zip(whole, follow_chain(whole))}
        answered: list[Answered] = []
        prior = self._prior(whole, exclude, received)
        for question in questions:
            draft, output = self._draft_question(
                question, engine=engine, exclude=exclude, received=received, follows=follows.get(question.number), prior=prior
            )
            earlier = repeated_from(question.text, output.evidence, strip_markers(draft.answer), answered)
            if earlier is not None:
                draft = self._see_earlier(draft, earlier)
            elif output.evidence:
                answered.append(Answered(question.number, question.text, frozenset(output.evidence)))
            yield draft

    @staticmethod
    def _see_earlier(draft: Draft, number: str) -> Draft:
        """The same evidence already answers an earlier question: refer to it rather than copy it again."""
        answer = f"Please see the answer to question {number}."
        flag = Flag(
            "repeated_evidence",
            f"The evidence drafted here already answers question {number}; check that this question asks for the same information.",
        )
        return replace(
            draft,
            answer=answer,
            status=Status.NEEDS_REVIEW,
            exemptions=[],
            citations=[],
            flags=[f for f in draft.flags if f.kind in ("instruction_ignored",)] + [flag],
            status_reason=f"The same evidence answers question {number}; the officer confirms both ask for it.",
        )

    def _naive(self, text: str, exclude: Sequence[str]) -> Draft:
        """No splitting, no floor, no checks: the whole request is one query, over the same corpus of the time."""
        if not text.strip():
            raise ValueError("The request is empty.")
        passages = self.index.search(text[:5000], k=self.settings.retrieval_k, exclude=exclude)
        output = self.engine("naive").invoke(EngineInput(Question("1", text.strip()), passages))
        citations = [make_citation(i + 1, p, p.unit.text[:300]) for i, p in enumerate(passages)]
        return Draft(Question("1", text.strip()), output.answer, Status.PROVIDED, [], citations, [], "naive", passages, output.reason)

    def _checked(
        self,
        question: Question,
        output: EngineOutput,
        passages: list,
        engine: str,
        received: date | None,
        analysis: Analysis | None = None,
        *,
        check_asks: bool = True,
    ) -> Draft:
        """The engine's output checked against its sources, with status, flags and (for a new draft, `check_asks`)
        a note for any ask of the question the draft leaves out."""
        result = check_draft(
            output.answer,
            passages,
            threshold=self.settings.support_threshold,
            drop_unsupported=self.settings.drop_unsupported,
            embed=self.embed,
        )
        answer, citations, passages = renumber(result.answer, result.citations, passages)
        claims = [s for s in result.sentences if not s.boilerplate]
        if output.status is Status.NEEDS_REVIEW:
            status, exemptions, reason = Status.NEEDS_REVIEW, [], output.reason
        elif not answer or (claims and len(result.unsupported) == len(claims)):
            status, exemptions, reason = Status.NEEDS_REVIEW, [], "No sentence of the draft is supported by its sources."
        else:
            status, exemptions, reason = suggest_status(strip_markers(answer))
            reason = f"{reason} {output.reason}".strip()
        if not answer:
            answer = "Note for the officer: every drafted sentence failed the source check, so nothing is proposed."
        analysis = analysis or analyse_question(question, received)
        figure_periods = figure_periods_cited(answer, citations, passages, analysis)
        mismatched = unfit_figures(answer, passages, analysis, self.extractive_config.verdict) if engine == "llm" else []
        flags = result.flags + review_flags(
            answer,
            citations,
            passages,
            received=received,
            stale_after_days=self.settings.stale_after_days,
            figure_periods=figure_periods,
        )
        flags += [Flag("figure_mismatch", message) for message in mismatched]
        if mismatched and status is not Status.NEEDS_REVIEW:
            status, exemptions = Status.NEEDS_REVIEW, []
            reason = "A figure has no cited evidence of the measure and period asked."
        if output.unanswered is not None:  # the engine judged each ask with its own evidence and named those left
            missing_asks = list(output.unanswered) if check_asks else []
        else:
            missing_asks = asks_not_answered(question.text, _claim_text(answer)) if check_asks and engine != "naive" and status is not Status.NEEDS_REVIEW else []
        if missing_asks:
            # "Membership by organisation and frequency of meetings": a draft that gives one ask is not the answer.
            named = "; ".join(f"“{a.strip()}”" for a in missing_asks)
            flags.append(Flag("ask_not_answered", f"The draft does not answer every ask of the question: {named}."))
            status, exemptions = Status.NEEDS_REVIEW, []
        if missing_asks and output.unanswered is None:  # the engine's own notes already name each ask it left
            answer = f"{answer}\nNote for the officer: the question also asks for {named}; the draft does not give it."
            reason = f"The question also asks for {named}, which the draft does not give."
        if any(v == "other_period" for v in output.verdicts):
            asked = analysis.period.label if analysis.period else "not stated"
            flags.append(Flag("other_period", f"The figures drafted are for another period than the one asked ({asked}): update them." if analysis.period_bound
                              else f"The answer drafted is from a reply written before the end of the period asked ({asked}): confirm it still holds."))
        return Draft(
            question=question,
            answer=answer,
            status=status,
            exemptions=exemptions,
            citations=citations,
            flags=flags,
            engine=engine,
            passages=list(passages),
            status_reason=reason,
            verdict_records=list(output.verdict_records),
        )

    def recheck(self, draft: Draft, answer: str, *, received: date | None = None) -> Draft:
        """Re-run the checks and flags on an officer-edited answer; the officer's status and exemptions stay."""
        checked = self._checked(draft.question, EngineOutput(answer=answer), draft.passages, draft.engine, received, check_asks=False)
        return replace(checked, status=draft.status, exemptions=list(draft.exemptions), status_reason=draft.status_reason)

    def chat(self, message: str, *, exclude: Sequence[str] = (), engine: str | None = None) -> ChatAnswer:
        """Answer a question about the corpus with the same retrieval, engines and checks as a draft."""
        if not message.strip():
            raise ValueError("The message is empty.")
        name = engine or self.settings.engine
        clean, _ = without_instructions(message)
        if not clean.strip():
            raise ValueError("The message reads as an instruction to the assistant, not a question about the corpus.")
        question = Question("chat", clean)
        passages, warnings = screen_passages(retrieve(self.index, question, self.settings, exclude=exclude))
        self._stored_vectors(passages)
        if name == "llm":
            from assistant.drafting.engines.llm import draft_chain, parse_output

            raw = draft_chain(self.chat_model(), self.settings, "chat_user.md").invoke(
                {"sources": self._sources(passages), "question": question.text}
            )
            output = parse_output(raw)
        else:
            output = draft_extractive(EngineInput(question, passages, term_weights=self.term_weights()), self.embed, self.extractive_config)
        draft = self._checked(question, output, passages, name, None, check_asks=False)
        return ChatAnswer(draft.answer, draft.citations, draft.flags + passage_flags(warnings))

    def revise(self, draft: Draft, instruction: str, *, received: date | None = None) -> Draft:
        """LLM engine only: apply an instruction ('shorten', 'use source 2 only'); the result is re-checked."""
        if not instruction.strip():
            raise ValueError("The instruction is empty.")
        from assistant.drafting.engines.llm import draft_chain, parse_output

        raw = draft_chain(self.chat_model(), self.settings, "revise_user.md").invoke(
            {"sources": self._sources(draft.passages), "answer": draft.answer, "instruction": instruction}
        )
        output = parse_output(raw)
        output.status = None
        revised = self._checked(draft.question, output, draft.passages, "llm", received, check_asks=False)
        return revised
