"""The reply letter: one structure built from the drafts, rendered as Markdown (Jinja2) or Word (python-docx).

Two copies exist. The requester copy is what the council sends: it must never carry citation markers, flags,
internal notes or an unfinished answer. The reviewer copy is the same letter with the evidence behind each
answer, for checking before sending.
"""
from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml
from docx import Document
from docx.shared import RGBColor
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from assistant.exemptions import ExemptionLibrary
from assistant.exemptions import load as load_exemptions
from assistant.models import Citation, Draft, Flag, Status

Copy = Literal["requester", "reviewer"]

DEFAULT_TEMPLATES = Path(__file__).resolve().parent.parent / "prompts" / "letter"
NOTE_PREFIX = "note for the officer"

_MARKER_RE = re.compile(r"[ \t]*\[\d+(?:\s*[,–-]\s*\d+)*\]")
_SPACE_BEFORE_PUNCT_RE = re.compile(r"[ \t]+([.,;:!?)])")
_TEMPLATE_SYNTAX_RE = re.compile(r"[ \t]*(?:\{\{|\}\}|\{%|%\}|\{#|#\})[ \t]*")
_URL_RE = re.compile(r"(?:https?://|www\.)[^\s<>\"]+", re.IGNORECASE)
_BULLET_RE = re.compile(r"^\s*(?:[-*•])\s+")


@dataclass
class LetterContext:
    council: str
    reference: str
    received: date
    reply_date: date
    requester: str = ""
    officer: str = "Information Governance Officer"
    review_contact: str = "the Information Governance team"


@dataclass
class SourceItem:
    marker: int
    title: str
    reference: str
    date: str
    quote: str


@dataclass
class QuestionSection:
    number: str
    heading: str
    text: str
    parts: list[tuple[str, str]]
    answer: str
    placeholder: bool
    status: str = ""
    status_reason: str = ""
    exemptions: list[str] = field(default_factory=list)
    sources: list[SourceItem] = field(default_factory=list)
    flags: list[Flag] = field(default_factory=list)


@dataclass
class RefusalSection:
    id: str
    heading: str
    kind_label: str
    paragraphs: list[str]
    public_interest: str = ""


@dataclass
class Letter:
    """Everything both renderers need, already filtered for the copy it is for."""

    copy: Copy
    banner: str
    council: str
    title: str
    received_line: str
    reply_line: str
    salutation: str
    opening: str
    questions: list[QuestionSection]
    refusals_intro: str
    refusals: list[RefusalSection]
    advice: list[str]
    review: str
    complaint: str
    complaint_address: list[str]
    closing: str
    officer: str
    labels: dict[str, str]


# ---------------------------------------------------------------------------------------------- text helpers


def defang(text: str) -> str:
    """Remove template delimiters from untrusted text so it can never be read as template code."""
    return _TEMPLATE_SYNTAX_RE.sub(" ", text or "")


def strip_markers(text: str) -> str:
    """Requester text: drop "[1]"-style citation markers and the spaces they leave before punctuation."""
    text = _MARKER_RE.sub("", text)
    text = _SPACE_BEFORE_PUNCT_RE.sub(r"\1", text)
    return re.sub(r"(?<=\S)[ \t]{2,}(?=\S)", " ", text).strip()  # keeps "  " hard breaks at line ends


def is_unfinished(answer: str) -> bool:
    """An empty answer, or one that is still an internal note, is not fit to send."""
    stripped = re.sub(r"^[\W_]+", "", answer or "")
    return not stripped or stripped.lower().startswith(NOTE_PREFIX)


def format_date(value: date) -> str:
    return f"{value.day} {value:%B %Y}"


def _question_list(numbers: list[str]) -> str:
    if len(numbers) == 1:
        return f"question {numbers[0]}"
    return f"questions {', '.join(numbers[:-1])} and {numbers[-1]}"


def _first_url(text: str) -> str:
    match = _URL_RE.search(text)
    return match[0].rstrip(".,;:)") if match else ""


# ---------------------------------------------------------------------------------------------- configuration


@lru_cache(maxsize=4)
def _wording(templates_dir: Path) -> dict[str, Any]:
    return yaml.safe_load((templates_dir / "wording.yaml").read_text(encoding="utf-8"))


@lru_cache(maxsize=4)
def _environment(templates_dir: Path) -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(templates_dir)),
        autoescape=False,  # Markdown output; untrusted text is defanged and passed as data instead
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["md"] = _md_text
    env.filters["oneline"] = lambda text: " ".join(str(text).split())
    env.filters["quote"] = _md_quote
    return env


def _md_quote(text: str) -> str:
    return "\n".join(f"> {line}" if line.strip() else ">" for line in _md_text(text).split("\n"))


def _md_text(text: str) -> str:
    """Text is already Markdown (single line breaks are soft wraps); only line endings are normalised."""
    return str(text).replace("\r\n", "\n").replace("\r", "\n")


_WORDING_ENV = Environment(autoescape=False, undefined=StrictUndefined)


def _fill(template: str, **variables: Any) -> str:
    """Render one piece of standard wording (trusted) with the letter's variables (data)."""
    text = _WORDING_ENV.from_string(template).render(**variables)
    return "\n".join(re.sub(r"[ \t]{2,}", " ", line).strip() for line in text.strip().split("\n"))


# ---------------------------------------------------------------------------------------------- building


def _opening_kind(drafts: list[Draft], library: ExemptionLibrary) -> str:
    statuses = [d.status for d in drafts]
    if all(s == Status.PROVIDED for s in statuses):
        return "all_provided"
    if all(s in (Status.NOT_HELD, Status.REDIRECTED) for s in statuses):
        return "none_held"
    if all("s12" in _canonical_exemptions(d, library) for d in drafts):
        return "refused_cost"
    return "some_held"


def _canonical_exemptions(draft: Draft, library: ExemptionLibrary) -> list[str]:
    return list(dict.fromkeys(library.normalise(e) or e.strip() for e in draft.exemptions if e.strip()))


def _question_section(draft: Draft, copy: Copy, labels: dict[str, Any], library: ExemptionLibrary) -> QuestionSection:
    q = draft.question
    answer = defang(draft.answer).strip()
    unfinished = is_unfinished(answer)
    if copy == "requester":
        answer = labels["placeholder"] if unfinished else strip_markers(answer)
    section = QuestionSection(
        number=defang(q.number),
        heading=_fill(labels["question_heading"], number=defang(q.number)),
        text=defang(q.text).strip(),
        parts=[(defang(label), defang(text).strip()) for label, text in q.parts],
        answer=answer or labels["placeholder"],
        placeholder=unfinished,
    )
    if copy == "reviewer":
        section.status = draft.status.value
        section.status_reason = defang(draft.status_reason)
        section.exemptions = _canonical_exemptions(draft, library)
        section.sources = [_source(c) for c in sorted(draft.citations, key=lambda c: c.marker)]
        section.flags = [Flag(defang(f.kind), defang(f.message)) for f in draft.flags]
    return section


def _source(citation: Citation) -> SourceItem:
    return SourceItem(
        marker=citation.marker,
        title=defang(citation.title),
        reference=defang(citation.reference),
        date=defang(str(citation.date or "")),
        quote=defang(citation.quote),
    )


def _refusals(
    drafts: list[Draft], ctx: LetterContext, labels: dict[str, Any], library: ExemptionLibrary
) -> tuple[list[RefusalSection], list[str]]:
    """One refusal paragraph per exemption used anywhere, with the drafts' own reasons where they give one."""
    used: dict[str, list[Draft]] = {}
    for draft in drafts:
        for ex_id in _canonical_exemptions(draft, library):
            used.setdefault(ex_id, []).append(draft)
    sections, advice = [], []
    for ex_id, users in used.items():
        numbers = list(dict.fromkeys(defang(d.question.number) for d in users))
        questions = _question_list(numbers)
        reasons = []
        for draft in users:
            if is_unfinished(draft.answer):
                continue
            sentence = library.explanation(ex_id, draft.answer)
            if sentence:
                reasons.append(strip_markers(defang(sentence)))
        reason = " ".join(dict.fromkeys(reasons))
        try:
            ex = library.get(ex_id)
        except KeyError:
            text = _fill(labels["unknown_exemption"], questions=questions, exemption=defang(ex_id), reason=reason)
            sections.append(RefusalSection(defang(ex_id), defang(ex_id), "not in the exemption list", [text]))
            continue
        link = next((u for u in (_first_url(d.answer) for d in users) if u), "")
        paragraph = ex.render_refusal(reason=reason, questions=questions, council=ctx.council, link=link)
        kind_label = {True: "absolute", False: "qualified"}.get(ex.absolute, ex.kind.replace("_", " "))
        sections.append(
            RefusalSection(
                id=ex.id,
                heading=f"{ex.heading} ({questions})",
                kind_label=kind_label,
                paragraphs=[paragraph],
                public_interest=ex.render_public_interest(council=ctx.council) if ex.qualified else "",
            )
        )
        if ex.advice:
            advice.append(ex.render_advice(council=ctx.council))
    return sections, advice


def build_letter(
    ctx: LetterContext,
    drafts: list[Draft],
    copy: Copy,
    *,
    library: ExemptionLibrary | None = None,
    templates_dir: str | Path | None = None,
) -> Letter:
    """The letter's content for one copy; both renderers read only this."""
    if copy not in ("requester", "reviewer"):
        raise ValueError(f"copy must be 'requester' or 'reviewer', not {copy!r}")
    if not drafts:
        raise ValueError("a letter needs at least one answered question")
    library = library or load_exemptions()
    wording = _wording(Path(templates_dir or DEFAULT_TEMPLATES).resolve())
    variables = {
        "council": defang(ctx.council),
        "reference": defang(ctx.reference),
        "received": format_date(ctx.received),
        "reply_date": format_date(ctx.reply_date),
        "requester": defang(ctx.requester).strip(),
        "officer": defang(ctx.officer),
        "review_contact": defang(ctx.review_contact),
    }
    labels = {k: v for k, v in wording.items() if isinstance(v, str)}
    refusals, advice = _refusals(drafts, ctx, labels, library)
    needs_s17 = any(r.kind_label != "outcome" for r in refusals)
    return Letter(
        copy=copy,
        banner=_fill(wording["banner"], **variables) if copy == "reviewer" else "",
        council=variables["council"],
        title=_fill(wording["title"], **variables),
        received_line=_fill(wording["received_line"], **variables),
        reply_line=_fill(wording["reply_line"], **variables),
        salutation=_fill(wording["salutation"], **variables),
        opening=_fill(wording["opening"][_opening_kind(drafts, library)], **variables),
        questions=[_question_section(d, copy, labels, library) for d in drafts],
        refusals_intro=_fill(wording["refusals_intro"], **variables) if needs_s17 else "",
        refusals=refusals,
        advice=list(dict.fromkeys(advice)),
        review=_fill(wording["review"], **variables),
        complaint=_fill(wording["complaint"], **variables),
        complaint_address=[_fill(line, **variables) for line in wording["complaint_address"]],
        closing=_fill(wording["closing"], **variables),
        officer=variables["officer"],
        labels=labels,
    )


# ---------------------------------------------------------------------------------------------- rendering


def render_letter(
    ctx: LetterContext,
    drafts: list[Draft],
    copy: Copy,
    *,
    library: ExemptionLibrary | None = None,
    templates_dir: str | Path | None = None,
) -> str:
    """The letter as Markdown, from `prompts/letter/<copy>.md.j2`."""
    directory = Path(templates_dir or DEFAULT_TEMPLATES).resolve()
    letter = build_letter(ctx, drafts, copy, library=library, templates_dir=directory)
    text = _environment(directory).get_template(f"{copy}.md.j2").render(L=letter)
    text = re.sub(r"\n[ \t]*(?:\n[ \t]*){2,}", "\n\n", text)
    return text.strip() + "\n"


def _add_text(doc: Any, text: str) -> None:
    """Add Markdown-style text to Word the way Markdown reads it.

    A blank line starts a paragraph, "- " lines become bullets, a single line break is a soft wrap unless the line
    ends with two spaces or is a table row, so hard-wrapped answers do not come out as broken lines.
    """
    for block in re.split(r"\n[ \t]*\n", _md_text(text).strip()):
        paragraph: list[str] = []
        style: str | None = None

        def flush() -> None:
            nonlocal paragraph, style
            if paragraph:
                doc.add_paragraph("".join(paragraph).strip(), style=style)
            paragraph, style = [], None

        for line in block.split("\n"):
            if _BULLET_RE.match(line):
                flush()
                paragraph, style = [_BULLET_RE.sub("", line).strip()], "List Bullet"
                continue
            hard = line.endswith("  ") or line.lstrip().startswith("|")
            if paragraph and not paragraph[-1].endswith("\n"):
                paragraph.append(" ")
            paragraph.append(line.strip() + ("\n" if hard else ""))
        flush()


def letter_docx(
    ctx: LetterContext,
    drafts: list[Draft],
    copy: Copy,
    *,
    library: ExemptionLibrary | None = None,
    templates_dir: str | Path | None = None,
) -> bytes:
    """The letter as a Word document, built from the same content as the Markdown."""
    letter = build_letter(ctx, drafts, copy, library=library, templates_dir=templates_dir)
    labels = letter.labels
    doc = Document()
    doc.core_properties.title = letter.title[:255]  # Word keeps at most 255 characters in a property
    if letter.banner:
        run = doc.add_paragraph().add_run(letter.banner)
        run.bold = True
        run.font.color.rgb = RGBColor(0xC0, 0x00, 0x00)
    doc.add_heading(letter.council, level=1)
    doc.add_heading(letter.title, level=2)
    doc.add_paragraph(f"{letter.received_line}\n{letter.reply_line}")
    doc.add_paragraph(letter.salutation)
    _add_text(doc, letter.opening)

    doc.add_heading(labels["questions_heading"], level=2)
    for q in letter.questions:
        doc.add_heading(q.heading, level=3)
        question = doc.add_paragraph()
        question.add_run(q.text).italic = True
        for label, text in q.parts:
            doc.add_paragraph().add_run(f"{label}) {text}").italic = True
        _add_text(doc, q.answer)
        if letter.copy == "reviewer":
            status = f"{labels['status_label']}: {q.status}" + (f" ({q.status_reason})" if q.status_reason else "")
            if q.exemptions:
                status += f"\n{labels['exemptions_label']}: {', '.join(q.exemptions)}"
            if q.placeholder:
                status += f"\n{labels['placeholder_note']}"
            doc.add_paragraph(status)
            doc.add_paragraph().add_run(f"{labels['sources_label']}:").bold = True
            for s in q.sources:
                details = ", ".join(x for x in (s.title, s.reference, s.date) if x)
                doc.add_paragraph(f"[{s.marker}] {details}: “{s.quote}”", style="List Bullet")
            if not q.sources:
                doc.add_paragraph(labels["no_sources"])
            if q.flags:
                doc.add_paragraph().add_run(f"{labels['flags_label']}:").bold = True
                for f in q.flags:
                    doc.add_paragraph(f"{f.kind}: {f.message}", style="List Bullet")

    if letter.refusals:
        doc.add_heading(labels["refusals_heading"], level=2)
        if letter.refusals_intro:
            _add_text(doc, letter.refusals_intro)
        for r in letter.refusals:
            doc.add_heading(r.heading, level=3)
            if letter.copy == "reviewer":
                doc.add_paragraph().add_run(f"{r.id} ({r.kind_label})").italic = True
            for paragraph in r.paragraphs:
                _add_text(doc, paragraph)
            if r.public_interest:
                doc.add_heading(labels["public_interest_heading"], level=4)
                _add_text(doc, r.public_interest)
    if letter.advice:
        doc.add_heading(labels["advice_heading"], level=2)
        for paragraph in letter.advice:
            _add_text(doc, paragraph)
    doc.add_heading(labels["review_heading"], level=2)
    _add_text(doc, letter.review)
    doc.add_heading(labels["complaint_heading"], level=2)
    _add_text(doc, letter.complaint)
    doc.add_paragraph("\n".join(letter.complaint_address))
    doc.add_paragraph(letter.closing)
    doc.add_paragraph(f"{letter.officer}\n{letter.council}")

    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()
