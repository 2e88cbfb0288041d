"""Verify citations after drafting: never trust a marker, a figure or a name because a model wrote it.

Each sentence of a draft is checked against the passages its [n] markers cite: markers must resolve to retrieved
passages; every figure, date and name in the sentence must appear in them; the wording must overlap enough; and a
'held' sentence must not rest on a 'not held' passage (or the reverse). The best-matching sentences of each cited
passage become the quote a reviewer sees.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable, Sequence

from assistant.models import Citation, Flag, Passage
from assistant.text import figures, split_sentences, words

MARKER = re.compile(r"\s?\[(\d{1,3})\]")
_STOP = frozenset(
    "a an and are as at be been being by for from had has have he her his i in into is it its of on or our per "
    "she so than that the their them then there these they this those to was we were which who will with within "
    "would you your can could may might also any all each other such only very more most some what when where how "
    "do does did please provide number numbers information request council council's lincolnshire lcc".split()
)
_NEGATION = re.compile(r"\b(not|no|none|nil|never|unable|cannot|can't|don't|doesn't|isn't|aren't|wasn't|haven't|hasn't|without)\b|n't\b", re.I)
_HELD_WORDS = re.compile(r"\b(held|hold|holds|record|records|recorded|available|exist|exists|have|has)\b", re.I)
_MONTHS = "january february march april may june july august september october november december".split()
_BOILERPLATE = re.compile(
    r"^(note for the officer|please (?:see|find)|i (?:can confirm|have detailed)|yours|dear|thank you|kind regards|"
    r"the (?:most recent )?(?:figures|answer) we hold in past replies)",
    re.I,
)
# Capitalised words that are not names worth checking.
_COMMON_CAPS = frozenset(
    "the a an in on of at for and or but yes no this that these those there it its we our they their "
    "however where when what which who how please question answer note council".split()
)

Embed = Callable[[list[str]], list[list[float]]]


@dataclass
class SentenceCheck:
    sentence: str
    markers: list[int]
    supported: bool
    score: float
    reasons: list[str] = field(default_factory=list)
    quote: str = ""
    boilerplate: bool = False


@dataclass
class CheckResult:
    answer: str
    citations: list[Citation]
    sentences: list[SentenceCheck]
    flags: list[Flag]

    @property
    def unsupported(self) -> list[SentenceCheck]:
        return [s for s in self.sentences if not s.supported and not s.boilerplate]


def content_words(text: str) -> list[str]:
    return [w for w in words(text) if w not in _STOP and len(w) > 1]


def _stem(word: str) -> str:
    for suffix in ("ing", "ed", "es", "s", "ly"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def lexical_support(sentence: str, passage: str) -> float:
    """Share of the sentence's content words (lightly stemmed) that the passage contains."""
    mine = {_stem(w) for w in content_words(sentence)}
    if not mine:
        return 1.0
    theirs = {_stem(w) for w in content_words(passage)}
    return len(mine & theirs) / len(mine)


def entities(sentence: str) -> list[str]:
    """Capitalised words after the first word: names of people, bodies and places a draft must not invent."""
    tokens = re.findall(r"[A-Za-z][\w'’&-]*", sentence)
    out = []
    for i, tok in enumerate(tokens):
        if i == 0 or not tok[0].isupper() or tok.lower() in _COMMON_CAPS or tok.lower() in _MONTHS:
            continue
        if len(tok) < 3 and not tok.isupper():
            continue
        out.append(tok)
    return out


def dates_in(sentence: str) -> list[str]:
    return [m.lower() for m in re.findall(r"\b(" + "|".join(_MONTHS) + r")\b", sentence, re.I)]


def negated(text: str) -> bool:
    return bool(_NEGATION.search(text))


def strip_markers(text: str) -> str:
    return re.sub(r"\s+([.,;:!?])", r"\1", MARKER.sub("", text)).strip()


def best_quote(sentence: str, passage_text: str) -> tuple[str, float]:
    """The passage sentence (or two adjacent sentences) that best covers the draft sentence, verbatim."""
    candidates = split_sentences(passage_text) or [passage_text]
    spans: list[tuple[int, int]] = []
    cursor = 0
    for cand in candidates:
        start = passage_text.find(cand, cursor)
        if start < 0:
            start = cursor
        spans.append((start, start + len(cand)))
        cursor = start + len(cand)
    best, best_score = candidates[0], -1.0
    for i, (start, end) in enumerate(spans):
        windows = [passage_text[start:end]]
        if i + 1 < len(spans):
            windows.append(passage_text[start : spans[i + 1][1]])
        for window in windows:
            score = lexical_support(sentence, window) - 0.001 * len(window.split()) / 50
            if score > best_score:
                best, best_score = window, score
    return best, max(0.0, best_score)


def check_sentence(
    sentence: str,
    cited: Sequence[Passage],
    *,
    threshold: float,
    similarity: float | None = None,
) -> SentenceCheck:
    """Decide whether the cited passages support the sentence; the reasons say why not."""
    plain = strip_markers(sentence)
    markers = [int(m) for m in MARKER.findall(sentence)]
    check = SentenceCheck(sentence=plain, markers=markers, supported=False, score=0.0)
    if is_boilerplate(plain):
        check.boilerplate = True
        check.supported = True
        return check
    if not cited:
        check.reasons.append("no citation")
        return check
    evidence = "\n".join(source_text(p) for p in cited)
    evidence_flat = evidence.lower().replace(",", "")
    missing_figures = [f for f in figures(plain) if f.lower().lstrip("£") not in evidence_flat]
    if missing_figures:
        check.reasons.append(f"figure not in the cited source: {', '.join(missing_figures)}")
    evidence_lower = evidence.lower()
    missing_names = [e for e in entities(plain) if e.lower() not in evidence_lower]
    if missing_names:
        check.reasons.append(f"name not in the cited source: {', '.join(missing_names[:4])}")
    missing_dates = [d for d in dates_in(plain) if d not in evidence_lower]
    if missing_dates:
        check.reasons.append(f"date not in the cited source: {', '.join(missing_dates)}")
    quote, lexical = max((best_quote(plain, quotable(p)) for p in cited), key=lambda q: q[1])
    # A sentence may restate the past question it answers ("How many boys had a plan? 411.") or a table's headers.
    lexical = max([lexical] + [lexical_support(plain, p.unit.text) for p in cited if p.unit.question])
    check.quote = quote
    score = max(lexical, similarity) if similarity is not None else lexical
    check.score = round(score, 3)
    if score < threshold:
        check.reasons.append(f"too little overlap with the cited source ({score:.2f} < {threshold:.2f})")
    if _HELD_WORDS.search(plain) and _HELD_WORDS.search(quote) and negated(plain) != negated(quote):
        check.reasons.append("says the opposite of the cited source (held / not held)")
    check.supported = not check.reasons
    return check


def is_boilerplate(sentence: str) -> bool:
    """Courtesy lines and notes to the officer carry no claim, so they need no citation."""
    return bool(_BOILERPLATE.match(sentence.strip())) or not content_words(sentence)


def check_draft(
    answer: str,
    passages: Sequence[Passage],
    *,
    threshold: float = 0.5,
    drop_unsupported: bool = False,
    embed: Embed | None = None,
) -> CheckResult:
    """Check every sentence of a draft; markers refer to `passages` by 1-based position."""
    by_marker = {i + 1: p for i, p in enumerate(passages)}
    flags: list[Flag] = []
    kept_lines: list[str] = []
    checks: list[SentenceCheck] = []
    quotes: dict[int, list[str]] = {}
    lines_in = answer.split("\n")
    note_lines = {i for i, line in enumerate(lines_in) if _BOILERPLATE.match(line.strip()) and line.strip().lower().startswith("note for the officer")}
    raw_sentences = [(line_no, s) for line_no, line in enumerate(lines_in) for s in split_sentences(line)]
    cleaned: list[tuple[int, str, list[Passage]]] = []
    for line_no, sentence in raw_sentences:
        bad = [int(m) for m in MARKER.findall(sentence) if int(m) not in by_marker]
        if bad:
            flags.append(
                Flag("invalid_citation", f"Removed marker(s) {', '.join(f'[{b}]' for b in bad)}: no such source was retrieved.")
            )
            sentence = MARKER.sub(lambda m: m.group(0) if int(m.group(1)) in by_marker else "", sentence)
        cited = [by_marker[int(m)] for m in dict.fromkeys(MARKER.findall(sentence))]
        cleaned.append((line_no, sentence, cited))
    sims = _similarities(cleaned, embed, threshold)
    lines: dict[int, list[str]] = {}
    kept_markers: set[int] = set()
    for (line_no, sentence, cited), sim in zip(cleaned, sims):
        check = check_sentence(sentence, cited, threshold=threshold, similarity=sim)
        if line_no in note_lines and not cited:
            check.boilerplate, check.supported, check.reasons = True, True, []
        checks.append(check)
        if not check.supported and not check.boilerplate:
            reason = "; ".join(check.reasons)
            flags.append(Flag("unsupported", f"“{_short(check.sentence)}” — {reason}."))
            if drop_unsupported:
                continue
        kept_markers.update(m for m in check.markers if m in by_marker)
        for m in check.markers:
            if m in by_marker and check.quote:
                best, _ = best_quote(check.sentence, quotable(by_marker[m]))
                quotes.setdefault(m, [])
                if best not in quotes[m]:
                    quotes[m].append(best)
        lines.setdefault(line_no, []).append(sentence.strip())
    for line_no in sorted(lines):
        kept_lines.append(" ".join(lines[line_no]))
    flags = list({(f.kind, f.message): f for f in flags}.values())
    citations = [
        make_citation(m, by_marker[m], " … ".join(quotes.get(m, [])) or best_quote("", quotable(by_marker[m]))[0])
        for m in sorted(kept_markers)
    ]
    return CheckResult(answer="\n".join(kept_lines).strip(), citations=citations, sentences=checks, flags=flags)


def source_text(passage: Passage) -> str:
    """What figures, names and dates are checked against: the unit's text, the date of the reply it is from and the
    periods its reply gives for its figures (its request's "figures from 1 January 2018 to 30 June 2023", its
    opening's "a snapshot at 1 November 2023"), which a drafted figure carries as its label."""
    from assistant.drafting.evidence import items_of  # drafting reads the periods; the check only quotes them

    u = passage.unit
    text = f"{u.text}\n{u.date.day} {u.date:%B %Y}" if u.date else u.text
    labels = dict.fromkeys(i.period.label for i in items_of(u) if i.period and i.period_source in ("question", "response"))
    return "\n".join([text, *labels])


def quotable(passage: Passage) -> str:
    """The text a quote may come from: a past answer, not the question it answered."""
    return passage.unit.answer or passage.unit.text


def make_citation(marker: int, passage: Passage, quote: str) -> Citation:
    u = passage.unit
    return Citation(
        marker=marker,
        source_id=u.id,
        doc_id=u.doc_id,
        title=u.title,
        reference=u.reference,
        date=u.date.isoformat() if u.date else "",
        quote=quote,
    )


def _similarities(
    cleaned: list[tuple[int, str, list[Passage]]], embed: Embed | None, threshold: float
) -> list[float | None]:
    """Embedding similarity of each sentence to its best cited-passage sentence, in one batch.

    Only sentences that the wording check alone does not already support need it, which keeps re-used
    (verbatim) answers cheap to check.
    """
    if embed is None:
        return [None] * len(cleaned)
    pairs: list[tuple[int, str]] = []
    for i, (_, sentence, cited) in enumerate(cleaned):
        plain = strip_markers(sentence)
        if not cited or max(best_quote(plain, quotable(p))[1] for p in cited) >= threshold:
            continue
        for p in cited:
            for cand in split_sentences(quotable(p)):
                pairs.append((i, cand))
    if not pairs:
        return [None] * len(cleaned)
    texts = [strip_markers(s) for _, s, _ in cleaned] + [c for _, c in pairs]
    vectors = embed(texts)
    n = len(cleaned)
    best: list[float | None] = [None] * n
    for j, (i, _) in enumerate(pairs):
        sim = sum(a * b for a, b in zip(vectors[i], vectors[n + j]))
        best[i] = sim if best[i] is None or sim > best[i] else best[i]
    return best


def _short(text: str, n: int = 90) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


SOURCE_IN_WORDS = re.compile(r"\bsource (\d+)(?=[);])")


def renumber(answer: str, citations: list[Citation], passages: Sequence[Passage]) -> tuple[str, list[Citation], list[Passage]]:
    """Number markers 1, 2, 3 … in order of first appearance, and reorder passages to match.

    Engines cite passages by retrieval position; a reader expects [1] to be the first source mentioned.
    """
    order: list[int] = []
    for m in MARKER.findall(answer):
        n = int(m)
        if n not in order and 1 <= n <= len(passages):
            order.append(n)
    mapping = {old: new for new, old in enumerate(order, start=1)}
    rest = [i for i in range(1, len(passages) + 1) if i not in mapping]
    for i in rest:
        mapping[i] = len(mapping) + 1
    text = MARKER.sub(lambda m: f" [{mapping.get(int(m.group(1)), int(m.group(1)))}]", answer)
    # A note names a source in words ("(source 7)"): it must point at the same passage as the markers do.
    text = SOURCE_IN_WORDS.sub(lambda m: f"source {mapping.get(int(m.group(1)), int(m.group(1)))}", text)
    new_passages = [passages[old - 1] for old in sorted(mapping, key=mapping.get)]
    new_citations = sorted(
        (Citation(**{**c.__dict__, "marker": mapping.get(c.marker, c.marker)}) for c in citations), key=lambda c: c.marker
    )
    return text, new_citations, new_passages
