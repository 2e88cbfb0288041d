"""The default engine, with no language model: draft each question and sub-part from the evidence items that fit
what it asks (measure, group, period), verbatim and cited.

It replaced whole-answer re-use (docs/decisions/0001-evidence-items-and-verdicts.md): the most similar past answer
was often about another year, measure or group. Now each question is analysed, every retrieved passage is read as
sentences, list items and table rows with their periods, and a verdict decides what is drafted:
answered → the fitting items, each with its measure and period; other_period → the newest figures labelled with
their period and a note to update them; related → a note naming the nearest evidence and what differs (with, for review only, a fitting reply to a
differently worded question or a fitting policy section);
none → a note. Nothing is reworded beyond joining an item to its lead-in, headers or past question.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace

from langchain_core.runnables import Runnable, RunnableLambda
from rapidfuzz import fuzz

from assistant.drafting.analysis import Analysis, analyse_asks, analyse_question, ask_query, terms
from assistant.drafting.engines import Embed, EngineInput, EngineOutput
from assistant.drafting.evidence import Scored, score_items, states_count_of_type, states_figure, when
from assistant.drafting.periods import describe
from assistant.drafting.verdicts import ANSWERED, NONE, OTHER_PERIOD, OTHER_PERIOD_REASON, RELATED, Verdict, VerdictConfig, decide, record
from assistant.models import DocType, Passage, Status
from assistant.safety import instruction_like
from assistant.text import split_sentences

NO_EVIDENCE_NOTE = (
    "Note for the officer: no past answer or policy passage in the corpus is close enough to draft this answer "
    "from. Please check with the service whether the information is held before replying."
)
MOST_RECENT = "The most recent figures we hold in past replies are {period}:"
OLDER_ANSWER = "The most recent answer we hold in past replies is from the reply of {date}:"
UNDATED = "The figures we hold in past replies are undated; the period they are for must be confirmed:"


@dataclass(frozen=True)
class ExtractiveConfig:
    match_floor: float = 0.60  # question-to-past-question likeness needed to treat a past answer as the same question
    recency_margin: float = 0.05  # among near-equal matches, the most recent answer wins
    coverage_floor: float = 0.5
    current_window_days: int = 365

    @property
    def verdict(self) -> VerdictConfig:
        return VerdictConfig(
            match_floor=self.match_floor,
            coverage_floor=self.coverage_floor,
            recency_margin=self.recency_margin,
            current_window_days=self.current_window_days,
        )


def cosine(a: list[float], b: list[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b))
    na = math.sqrt(sum(x * x for x in a)) or 1.0
    nb = math.sqrt(sum(y * y for y in b)) or 1.0
    return dot / (na * nb)


def question_match_scores(question: str, passages: list[Passage], embed: Embed) -> dict[int, float]:
    """How well each past question–answer pair (by passage position) matches the incoming question."""
    return question_matches(question, passages, embed)[0]


def question_matches(question: str, passages: list[Passage], embed: Embed) -> tuple[dict[int, float], dict[int, float]]:
    """(match of each past question–answer pair, likeness of the past question alone) by passage position."""
    candidates = [(i, p) for i, p in enumerate(passages) if p.unit.doc_type is DocType.DECISION and p.unit.question]
    if not candidates:
        return {}, {}
    vectors = embed([question] + [p.unit.question for _, p in candidates])
    q = vectors[0]
    scores, same = {}, {}
    for (i, p), v in zip(candidates, vectors[1:]):
        lexical = fuzz.token_set_ratio(question.lower(), p.unit.question.lower()) / 100
        same[i] = 0.8 * cosine(q, v) + 0.2 * lexical
        # Half the past question's likeness, half the whole past answer's relevance (calibrated on the dev cases).
        scores[i] = 0.5 * same[i] + 0.5 * p.similarity
    return scores, same


def is_statement(sentence: str) -> bool:
    """A full sentence that can stand alone in a reply: not a list fragment, heading or instruction."""
    return (
        len(sentence.split()) >= 8
        and sentence[:1].isupper()
        and sentence.rstrip()[-1:] in ".!?"
        and not instruction_like(sentence)
    )


# ---------------------------------------------------------------------------------------------- rendering


def _cite(text: str, marker: int) -> str:
    sentences = [s for s in split_sentences(text) if not instruction_like(s)]
    return " ".join(f"{s} [{marker}]" for s in sentences)


def _upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]


def render_item(s: Scored, analysis: Analysis, passages: list[Passage], shown: set[str] | None = None) -> str:
    """An item as a cited draft line that carries its measure and period: a bare '0.' or '£214,201.04.' is
    preceded by the past question it answered, and a figure whose sentence does not state its period gets it.
    A list item or table row repeats its lead-in only when the lead-in sentence is not already in the draft."""
    unit = passages[s.passage].unit
    item = s.item
    if shown is not None and item.context and item.context in shown:
        item = replace(item, context="")
    text = item.render()
    marker = s.passage + 1
    has_figure = states_figure(s.item.text)
    bare = item.kind == "sentence" and has_figure and len(re.findall(r"[A-Za-z]{3,}", text)) < 3
    prefix = ""
    if analysis.period_bound and states_count_of_type(s.item.text, analysis.answer_type) and s.item.period_source not in ("stated", "lead_in"):
        prefix = f"{_upper_first(describe(s.item.period))}: " if s.item.period else ""
    if bare and unit.question:
        return f"{_cite(unit.question.splitlines()[0], marker)} {prefix}{_cite(text, marker)}".strip()
    if prefix:
        return f"{prefix}{_cite(text, marker)}"
    return _cite(text, marker)


def _render_items(items: list[Scored], a: Analysis, passages: list[Passage]) -> list[str]:
    shown: set[str] = set()
    lines = []
    for s in items:
        line = render_item(s, a, passages, shown)
        if s.item.kind == "sentence":
            shown.add(s.item.text)
        if line:
            lines.append(line)
    return lines


def render(verdict: Verdict, passages: list[Passage], label: str = "", ask: str = "") -> list[str]:
    """Draft lines for one verdict; a note for a sub-part names the part, and a note for one ask of a several-ask
    sentence names the ask, so nothing asked is left silently."""
    a = verdict.analysis
    note = f"Note for the officer on ({label}):" if label else "Note for the officer:"
    if ask:
        note = f"{note[:-1]} on “{ask}”:"
    if verdict.kind == ANSWERED:
        return _render_items(verdict.items, a, passages)
    if verdict.kind == OTHER_PERIOD and (verdict.missing or verdict.held):
        # Several periods asked: the rows held inside the span, each with its period, and what is missing.
        lines = _render_items(verdict.items, a, passages)
        return lines + [f"{note} {verdict.reason}."]
    if verdict.kind == OTHER_PERIOD and (not a.period_bound or verdict.in_words):
        unit = passages[verdict.items[0].passage].unit if verdict.items else None
        written = when(unit) if unit else "an undated reply"
        asked = ("the position " + a.period.label) if a.period and a.period.kind == "current" else a.period.label if a.period else "the period asked"
        lines = [OLDER_ANSWER.format(date=written)]
        lines += _render_items(verdict.items, a, passages)
        lines.append(f"{note} the question asks about {asked}; the answer above is from the reply of {written}, written before that period ended: confirm it still holds and add anything since.")
        return lines
    if verdict.kind == OTHER_PERIOD:
        figures = [s for s in verdict.items if s.item.period]
        newest = max((s.item.period for s in figures), key=lambda p: p.end, default=None)
        found = describe(newest) if newest else "in an undated past reply"
        asked = a.period.label if a.period else "the period asked"
        heading = MOST_RECENT.format(period=("for " + found[3:]) if found.startswith("in ") else found) if newest else UNDATED
        lines = [heading]
        lines += _render_items(verdict.items, a, passages)
        lines.append(f"{note} {OTHER_PERIOD_REASON} ({asked}); the figures above are {found}.")
        return lines
    if verdict.kind == RELATED and verdict.items and passages[verdict.items[0].passage].unit.doc_type is DocType.POLICY:
        sources = list(dict.fromkeys(s.passage for s in verdict.items))
        unit = passages[sources[0]].unit
        where = "; ".join(f"“{' › '.join(passages[i].unit.heading_path[1:])}”, source {i + 1}" if passages[i].unit.heading_path[1:] else f"source {i + 1}" for i in sources)
        return [
            f"{note} no past answer to this question was found. The text below is from the policy document "
            f"“{unit.title}” ({where}), not from a past reply: check that it answers what is asked and that the "
            "council holds the information before using it.",
            *_render_items(verdict.items, a, passages),
        ]
    if verdict.kind == RELATED and verdict.items:  # a fitting reply to a differently worded question
        s = verdict.items[0]
        unit = passages[s.passage].unit
        what = f"question {', '.join(unit.question_numbers)} of {when(unit)}" if unit.question_numbers else f"“{unit.title}”"
        return [
            f"{note} the answer below was given to a differently worded question ({what}, source {s.passage + 1}): "
            f"“{unit.question.splitlines()[0][:160]}”. Check that it answers what is asked before using it.",
            *_render_items(verdict.items, a, passages),
        ]
    if verdict.kind == RELATED and verdict.nearest:
        s = verdict.nearest[0]
        unit = passages[s.passage].unit
        what = f"the answer to question {', '.join(unit.question_numbers)} of {when(unit)}" if unit.question_numbers else f"“{unit.title}”"
        differs = "; ".join(verdict.differs) or "a different measure"
        return [
            f"{note} no past answer gives what is asked, so nothing is proposed. The nearest evidence is "
            f"{what} (source {s.passage + 1}): “{s.item.render()[:200]}” — it differs: {differs}."
        ]
    return []


def _label_lines(label: str, lines: list[str]) -> list[str]:
    if not label or not lines:
        return lines
    return [f"({label})"] + lines


def sections(analysis: Analysis) -> list[tuple[str, Analysis]]:
    """The main question and each sub-part; with parts b, c … the main text is part (a)."""
    if not analysis.parts:
        return [("", analysis)]
    first = analysis.parts[0].label
    main_label = "a" if first == "b" else ""
    return [(main_label, analysis)] + [(p.label, p) for p in analysis.parts]


_ASKING = re.compile(r"\?\s*$|:\s*$|^\s*(?:please|can|could|would|will|how|what|which|who|when|where|why|do|does|did|is|are|has|have)\b", re.I)


def part_lead(text: str) -> str:
    """What a sub-part is read with: the sentences of its question that ask ("Can you please confirm:", "Does the
    council audit …? If so, please provide:"), not the requester's preamble ("I refer to the LGA resource pack …"),
    which would make every part look like the same past question."""
    sentences = split_sentences(text)
    asking = [s for s in sentences if _ASKING.search(s)]
    return " ".join(asking) if asking else text


def asks_something(a: Analysis) -> bool:
    """A question of its own, not only a lead-in to its sub-parts."""
    return "?" in a.text or a.answer_type != "description"


@dataclass
class _Section:
    """The verdict for one question or sub-part, or for one ask of its sentence (`ask`: that ask's words)."""

    label: str
    verdict: Verdict
    ask: str = ""


def _decide_for(a: Analysis, query: str, inp: EngineInput, embed: Embed, cfg: ExtractiveConfig, avoid: frozenset[int]) -> Verdict:
    scores, same = question_matches(query, inp.passages, embed)
    return decide(a, inp.passages, score_items(a, inp.passages, scores, same, weights=inp.term_weights), cfg.verdict, avoid=avoid)


# Asks answered in words other than their own: "how often" by "weekly", "how long" by "18 weeks".
_ANSWER_SHAPES = [
    (re.compile(r"\bhow\s+often\b|\bfrequen", re.I),
     re.compile(r"\b(?:daily|weekly|fortnightly|monthly|quarterly|annually|yearly|\d+-(?:weekly|monthly)|every\s+\w+\s+(?:days?|weeks?|months?)|(?:once|twice|\w+\s+times)\s+a)\b", re.I)),
    (re.compile(r"\bhow\s+long\b", re.I), re.compile(r"\b\d+\s*(?:working\s+)?(?:days?|weeks?|months?|years?|hours?)\b", re.I)),
]


def _speaks_of(text: str, ask: Analysis, others: list[Analysis]) -> bool:
    """A drafted text speaks of an ask when it uses a word that ask has of its own, not one it shares with the other
    asks of its sentence ("EHE Lead." names the lead, not the lead's contact details), or answers it in the shape it
    asks for ("how often do the meetings take place": "each meet weekly")."""
    shared = {t for o in others for t in o.terms}
    own = [t for t in ask.terms if t not in shared] or list(ask.terms)
    if set(own) & set(terms(text)):
        return True
    return any(asks.search(ask.text) and shape.search(text) for asks, shape in _ANSWER_SHAPES)


def _per_ask(label: str, a: Analysis, whole: Verdict, query: str, inp: EngineInput, embed: Embed, cfg: ExtractiveConfig,
             avoid: frozenset[int]) -> list[_Section]:
    """A sentence with several asks: each ask gets its own evidence and verdict (its measure is no longer diluted by
    the others). An ask the whole sentence's answer already speaks of is answered by it; the sections returned are
    that answer and each other ask, or the whole sentence alone when it answers every ask or no ask is answered."""
    asks = analyse_asks(a, inp.received)
    if len(asks) < 2:
        return [_Section(label, whole)]
    said = re.sub(r"\[\d+\]", " ", "\n".join(render(whole, inp.passages, label))) if whole.kind == ANSWERED else ""
    left = [ask for ask in asks if not (said and _speaks_of(said, ask, [o for o in asks if o is not ask]))]
    if not left:
        return [_Section(label, whole)]
    out: list[_Section] = [_Section(label, whole)] if said else []
    for ask in left:
        used = avoid | frozenset(i for s in out if s.verdict.kind == ANSWERED for i in s.verdict.passages_used)
        ask_text = ask_query(ask.text, a.text)
        sims = inp.ask_similarity.get(ask_text)
        own = replace(inp, passages=[replace(p, similarity=max(p.similarity, sims.get(p.unit.id, 0.0))) for p in inp.passages]) if sims else inp
        if inp.analysis is not None and inp.analysis.reads_on:
            ask_text = f"{inp.analysis.reads_on}\n{ask_text}"
        verdict = _decide_for(ask, ask_text, own, embed, cfg, used)
        others = [o for o in asks if o is not ask]
        if verdict.kind == ANSWERED and not _speaks_of("\n".join(_render_items(verdict.items, ask, inp.passages)), ask, others):
            # An ask with few words of its own ("how can they be contacted") matched loosely: a past answer that never
            # speaks of what the ask names is not its answer.
            differs = ["its answer does not speak of what this ask names"]
            verdict = Verdict(RELATED, ask, nearest=verdict.items[:2], differs=differs, reason=differs[0])
        out.append(_Section(label, verdict, ask.text.strip(" ,.?")))
    if any(s.verdict.kind == ANSWERED for s in out):
        return out
    # No ask answered on its own: the sentence as a whole (figures of another period or measure gathered ask by ask
    # would only add near misses: "UASC in unregulated placements" for "UASC in your care now").
    return [_Section(label, whole)]


def _ask_lines(sections: list[_Section], passages: list[Passage]) -> list[str]:
    """The asks of one sentence drafted together: the answered ones' items (each once), then a note on each other."""
    lines: list[str] = []
    seen: set[str] = set()
    for s in sections:
        if s.verdict.kind != ANSWERED:
            continue
        items = [i for i in s.verdict.items if i.key not in seen]
        seen |= {i.key for i in items}
        lines += _render_items(items, s.verdict.analysis, passages)
    for s in sections:
        if s.verdict.kind == ANSWERED:
            continue
        rendered = render(s.verdict, passages, s.label, s.ask)
        lines += rendered or [f"Note for the officer{f' on ({s.label})' if s.label else ''} on “{s.ask}”: no past answer or policy passage gives this; please check with the service."]
    return lines


def draft_extractive(inp: EngineInput, embed: Embed, cfg: ExtractiveConfig) -> EngineOutput:
    analysis = inp.analysis or analyse_question(inp.question, inp.received)
    passages = inp.passages
    groups: list[list[_Section]] = []  # per question or sub-part: its verdict, or one per ask of its sentence
    for label, a in sections(analysis):
        if a is analysis and analysis.parts and not asks_something(analysis):
            continue  # "For 2021/22, please provide:" only frames its sub-parts
        query = a.text if a is analysis else f"{part_lead(analysis.text)}\n{a.text}"
        if analysis.reads_on:  # "How many requests came from parents?" is compared with past questions as read on
            query = f"{analysis.reads_on}\n{query}"
        used = frozenset(i for g in groups for s in g if s.verdict.kind == ANSWERED for i in s.verdict.passages_used)
        whole = _decide_for(a, query, inp, embed, cfg, used)
        groups.append(_per_ask(label, a, whole, a.text if a is analysis else query, inp, embed, cfg, used))
    verdicts = [(s.label, s.verdict) for g in groups for s in g]
    records = [record(s.verdict, passages, s.label, s.ask) for g in groups for s in g]
    # An ask drafted with another period's figures is flagged as such (other_period); these have nothing drafted as
    # their answer, or only a reply to a differently worded question for the officer to check.
    unanswered = [s.ask for g in groups for s in g if s.ask and s.verdict.kind in (RELATED, NONE)]
    lines: list[str] = []
    for g in groups:
        label = g[0].label
        if len(g) > 1:
            lines += _label_lines(label, _ask_lines(g, passages))
            continue
        v = g[0].verdict
        part_lines = render(v, passages, label)
        if part_lines:
            part_lines += [f"Note for the officer{f' on ({label})' if label else ''}: {n}." for n in v.notes]
        if not part_lines and label:
            part_lines = [f"Note for the officer on ({label}): no past answer or policy passage answers this part; please check with the service."]
        lines += _label_lines(label, part_lines)
    asked_one_by_one = any(len(g) > 1 for g in groups)
    kinds = [v.kind for _, v in verdicts]
    used = [s.key for _, v in verdicts if v.kind == ANSWERED for s in v.items]
    if not verdicts:
        return EngineOutput(answer=NO_EVIDENCE_NOTE, status=Status.NEEDS_REVIEW, reason="The question asks nothing that could be analysed.")
    if all(k == NONE for k in kinds):
        return EngineOutput(answer=NO_EVIDENCE_NOTE, status=Status.NEEDS_REVIEW, reason="No close past answer or policy passage.", verdicts=kinds, verdict_records=records)
    judged = unanswered if asked_one_by_one else None
    if all(k == ANSWERED for k in kinds):
        return EngineOutput(answer="\n".join(lines), reason=" ".join(dict.fromkeys(v.reason for _, v in verdicts)), verdicts=kinds, verdict_records=records, evidence=used, unanswered=judged)
    def why(v: Verdict) -> str:  # an other-period reason names itself ("figures to update for the period asked …")
        return v.reason if v.kind == OTHER_PERIOD and v.reason.startswith(OTHER_PERIOD_REASON) else f"{v.kind.replace('_', ' ')}: {v.reason}"

    named = [(s.label, s.ask, s.verdict) for g in groups for s in g if s.verdict.kind != ANSWERED]
    reasons = [f"({label}) {why(v)}" if label and not ask else f"“{ask}”: {why(v)}" if ask else _upper_first(why(v)) for label, ask, v in named]
    if unanswered:
        reasons = [f"The question also asks for {'; '.join(f'“{a}”' for a in unanswered)}, which no past answer gives as asked."] + reasons
    figures_to_update = any(v.kind == OTHER_PERIOD and v.analysis.period_bound and not v.in_words for _, v in verdicts)
    if figures_to_update and not reasons[0].lower().startswith(OTHER_PERIOD_REASON):
        reasons.insert(0, OTHER_PERIOD_REASON.capitalize() + ".")
    return EngineOutput(answer="\n".join(lines), status=Status.NEEDS_REVIEW, reason=" ".join(reasons), verdicts=kinds, verdict_records=records, evidence=used, unanswered=judged)


def extractive_engine(embed: Embed, cfg: ExtractiveConfig | None = None) -> Runnable:
    config = cfg or ExtractiveConfig()
    return RunnableLambda(lambda inp: draft_extractive(inp, embed, config), name="extractive")
