"""The reply letter: one structure built from the drafts, rendered as Markdown (Jinja2) or Word (python-docx).

Two copies exist. The requester copy is what the council sends: it never carries citation markers, flags or
internal notes, and while any answer is unfinished it opens with a warning to the officer instead of a statement
of what the council holds. The reviewer copy is the same letter with the evidence behind each answer, statuses and
flags in plain words, for checking before sending.

Every piece of text that comes from a request, a requester, the corpus or a user is escaped for Markdown when the
letter is built (`assistant.markup`), so both renderers only ever see it as text.
"""
from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Sequence

import yaml
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from assistant.exemptions import ExemptionLibrary
from assistant.exemptions import load as load_exemptions
from assistant.markup import LABEL_LINE_RE, escape_inline, escape_markdown, markdown_tokens, parse_inline
from assistant.models import Citation, Draft, Status
from assistant.settings import default_prompts_dir
from assistant.wording import EXEMPTION_KIND_WORDS, flag_words, status_words, without_scores

if TYPE_CHECKING:
    from assistant.cases import Resolution
    from assistant.settings import Settings

Copy = Literal["requester", "reviewer"]

DEFAULT_TEMPLATES = default_prompts_dir() / "letter"
PLACEHOLDER_RE = re.compile(r"\[[^\]\n]{0,80}\bto be (?:completed|written|confirmed)\b[^\]\n]{0,80}\]", re.IGNORECASE)
# Statuses under which an answer gives the requester information (or says where it is published).
RELEASED = frozenset({Status.PROVIDED, Status.PARTLY_PROVIDED, Status.PUBLISHED_ELSEWHERE})

_MARKER_RE = re.compile(r"[ \t]*\[\d+(?:\s*[,–-]\s*\d+)*\]")
_SPACE_BEFORE_PUNCT_RE = re.compile(r"[ \t]+([.,;:!?)])")
_TEMPLATE_SYNTAX_RE = re.compile(r"[ \t]*(?:\{\{|\}\}|\{%|%\}|\{#|#\})[ \t]*")
_URL_RE = re.compile(r"(?:https?://|www\.)[^\s<>\"\]\[()]+", re.IGNORECASE)
_INLINE_SPACE_RE = re.compile(r"[ \t]{2,}")
_NOTE_LINE_RE = re.compile(
    r"^[\W_]*?(?P<label>\(?\s*(?:\d{1,3}[a-z]?|[a-z]|[ivx]{1,5})\s*\))?[\W_]*note for the officer\b", re.IGNORECASE
)


@dataclass
class LetterContext:
    council: str
    reference: str
    received: date
    reply_date: date
    requester: str = ""
    officer: str = "Information Governance Officer"
    review_contact: str = "the Information Governance team"
    foi_team: str = ""
    foi_email: str = ""
    foi_address: str = ""
    review_email: str = ""
    review_address: str = ""

    @classmethod
    def from_settings(
        cls, settings: "Settings", *, reference: str, received: date, reply_date: date, requester: str = ""
    ) -> "LetterContext":
        """The council's name and contact details come from the one settings object."""
        return cls(
            council=settings.council,
            reference=reference,
            received=received,
            reply_date=reply_date,
            requester=requester,
            officer=settings.officer_title,
            review_contact=settings.review_contact,
            foi_team=settings.foi_team,
            foi_email=settings.foi_email,
            foi_address=settings.foi_address,
            review_email=settings.review_email,
            review_address=settings.review_address,
        )


@dataclass
class SourceItem:
    marker: int
    title: str
    reference: str
    date: str
    quote: str


@dataclass
class FlagItem:
    label: str
    message: str
    resolved: str = ""


@dataclass
class QuestionSection:
    number: str
    heading: str
    text: str
    parts: list[tuple[str, str]]
    answer: str
    placeholder: bool
    lead_label: str = ""
    unfinished: bool = False
    status: str = ""
    status_reason: str = ""
    exemptions: list[str] = field(default_factory=list)
    sources: list[SourceItem] = field(default_factory=list)
    flags: list[FlagItem] = field(default_factory=list)


@dataclass
class RefusalSection:
    id: str
    heading: str
    kind_label: str
    paragraphs: list[str]
    public_interest: str = ""


@dataclass
class Letter:
    """Everything both renderers need, already filtered for the copy it is for and escaped for Markdown."""

    copy: Copy
    banner: str
    warning: str
    council: str
    contact_lines: list[str]
    title: str
    reference_line: str
    received_line: str
    reply_line: str
    salutation: str
    opening: str
    questions: list[QuestionSection]
    refusals_intro: str
    refusals: list[RefusalSection]
    advice: list[str]
    review: str
    review_address: list[str]
    complaint: str
    complaint_address: list[str]
    closing: str
    signature: list[str]
    labels: dict[str, str]
    author: str = ""
    plain_title: str = ""


# ---------------------------------------------------------------------------------------------- text helpers


def defang(text: str) -> str:
    """Remove template delimiters from untrusted text so it can never be read as template code."""
    return _TEMPLATE_SYNTAX_RE.sub(" ", text or "")


def strip_markers(text: str) -> str:
    """Requester text: drop "[1]"-style citation markers and the spaces they leave before punctuation."""
    text = _MARKER_RE.sub("", text)
    text = _SPACE_BEFORE_PUNCT_RE.sub(r"\1", text)
    return re.sub(r"(?<=\S)[ \t]{2,}(?=\S)", " ", text).strip()  # keeps "  " hard breaks at line ends


def _note_line(line: str) -> re.Match[str] | None:
    return _NOTE_LINE_RE.match(line)


def is_unfinished(answer: str) -> bool:
    """An empty answer, one holding an internal note (anywhere), or one holding a "[… to be completed …]" gap."""
    stripped = re.sub(r"^[\W_]+", "", answer or "")
    lines = (answer or "").splitlines()
    return not stripped or any(_note_line(line) for line in lines) or bool(PLACEHOLDER_RE.search(answer or ""))


def without_notes(answer: str, placeholder: str) -> str:
    """The requester's text: every internal note, from its line to the next sub-part label ("(c)"), becomes the
    placeholder, so nothing meant for the officer (nearest evidence, reasons, figures to update) is ever sent."""
    out: list[str] = []
    in_note = False
    for line in (answer or "").splitlines():
        note = _note_line(line)
        if note:
            out.append(f"{note['label']} {placeholder}" if note["label"] else placeholder)
            in_note = True
        elif LABEL_LINE_RE.match(line):
            out.append(line)
            in_note = False
        elif not in_note:
            out.append(line)
    return "\n".join(out)


def needs_officer(draft: Draft) -> bool:
    """Not ready to send: the answer is unfinished or its status still says it needs review."""
    return draft.status == Status.NEEDS_REVIEW or is_unfinished(draft.answer)


def format_date(value: date) -> str:
    return f"{value.day} {value:%B %Y}"


def _question_list(numbers: list[str]) -> str:
    if len(numbers) == 1:
        return f"question {numbers[0]}"
    return f"questions {', '.join(numbers[:-1])} and {numbers[-1]}"


def _first_url(text: str) -> str:
    match = _URL_RE.search(text)
    return match[0].rstrip(".,;:)") if match else ""


def _lines(text: str) -> list[str]:
    """An address written on one line ("County Offices, Newland, Lincoln, LN1 1YL") or several, as lines."""
    return [part.strip() for part in re.split(r"[\n,]", text or "") if part.strip()]


def _part_label(number: str, label: str) -> str:
    """"7" and "b" → "7b": the label as the requester wrote it, with its question number."""
    label = label.strip().strip("()").strip()
    return label if label.startswith(number) else f"{number}{label}"


def _implied_first_label(parts: list[tuple[str, str]]) -> str:
    """"7a) … 7b) … 7c) …": the question text is part a when its parts start at b (or ii, or 2)."""
    if not parts:
        return ""
    first = parts[0][0].strip().strip("()").lower()
    return {"b": "a", "ii": "i", "2": "1"}.get(first, "")


# ---------------------------------------------------------------------------------------------- configuration


@lru_cache(maxsize=4)
def _wording(templates_dir: Path) -> dict[str, Any]:
    return yaml.safe_load((templates_dir / "wording.yaml").read_text(encoding="utf-8"))


@lru_cache(maxsize=4)
def _environment(templates_dir: Path) -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(templates_dir)),
        autoescape=False,  # Markdown output; untrusted text arrives already escaped for Markdown, as data
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["oneline"] = lambda text: " ".join(str(text).split())
    env.filters["quote"] = _md_quote
    return env


def _md_quote(text: str) -> str:
    return "\n".join(f"> {line}" if line.strip() else ">" for line in str(text).split("\n"))


_WORDING_ENV = Environment(autoescape=False, undefined=StrictUndefined)


def _fill(template: str, **variables: Any) -> str:
    """Render one piece of standard wording (trusted) with the letter's variables (escaped data)."""
    text = _WORDING_ENV.from_string(template).render(**variables)
    return "\n".join(_INLINE_SPACE_RE.sub(" ", line).strip() for line in text.strip().split("\n"))


# ---------------------------------------------------------------------------------------------- building


def _opening_kind(drafts: list[Draft], library: ExemptionLibrary) -> str:
    """What the opening may claim, from the final statuses: never that the council holds what no answer gives."""
    statuses = [d.status for d in drafts]
    if any(needs_officer(d) for d in drafts):
        return "pending"
    if all(s == Status.PROVIDED for s in statuses):
        return "all_provided"
    if all("s12" in _canonical_exemptions(d, library) for d in drafts):
        return "refused_cost"
    if any(s in RELEASED for s in statuses):
        return "some_held"
    if all(s in (Status.NOT_HELD, Status.REDIRECTED) for s in statuses):
        return "none_held"
    return "none_released"


def _canonical_exemptions(draft: Draft, library: ExemptionLibrary) -> list[str]:
    return list(dict.fromkeys(library.normalise(e) or e.strip() for e in draft.exemptions if e.strip()))


def _exemption_words(ex_id: str, library: ExemptionLibrary) -> str:
    try:
        return library.get(ex_id).heading
    except KeyError:
        return ex_id


def _question_section(
    draft: Draft,
    copy: Copy,
    labels: dict[str, Any],
    library: ExemptionLibrary,
    resolutions: Sequence[Resolution] = (),
) -> QuestionSection:
    q = draft.question
    number = escape_inline(defang(q.number))
    raw_answer = defang(draft.answer).strip()
    unfinished = is_unfinished(raw_answer)
    if copy == "requester":
        placeholder = _plain(labels["placeholder"])
        answer = escape_markdown(strip_markers(without_notes(raw_answer, placeholder))) if raw_answer else ""
        answer = answer or labels["placeholder"]
    else:
        answer = escape_markdown(raw_answer) if raw_answer else labels["placeholder"]
    lead = _implied_first_label(q.parts)
    section = QuestionSection(
        number=number,
        heading=_fill(labels["question_heading"], number=number),
        text=escape_markdown(defang(q.text).strip()),
        parts=[(escape_inline(_part_label(q.number, label)), escape_inline(defang(text))) for label, text in q.parts],
        answer=answer,
        placeholder=unfinished,
        lead_label=escape_inline(_part_label(q.number, lead)) if lead else "",
        unfinished=needs_officer(draft),
    )
    if copy == "reviewer":
        section.status = escape_inline(status_words(draft.status))
        section.status_reason = escape_inline(without_scores(defang(draft.status_reason)))
        section.exemptions = [escape_inline(_exemption_words(e, library)) for e in _canonical_exemptions(draft, library)]
        section.sources = [_source(c) for c in sorted(draft.citations, key=lambda c: c.marker)]
        section.flags = [
            FlagItem(
                escape_inline(flag_words(f.kind)),
                escape_inline(without_scores(defang(f.message))),
                _resolved_words(draft.question.number, f.kind, f.message, resolutions, labels),
            )
            for f in draft.flags
        ]
    return section


def _resolved_words(
    number: str, kind: str, message: str, resolutions: Sequence[Resolution], labels: dict[str, Any]
) -> str:
    """'Resolved by … on …: why' for the latest resolution of exactly this flag, else ''."""
    found = [r for r in resolutions if r.number == number and r.kind == kind and r.message == message]
    if not found:
        return ""
    r = found[-1]
    try:
        when = format_date(datetime.fromisoformat(r.at).date())
    except ValueError:
        when = escape_inline(defang(r.at))
    return _fill(
        labels["resolved_line"],
        user=escape_inline(defang(r.user)),
        date=when,
        reason=escape_inline(without_scores(defang(r.reason))),
    )


def _source(citation: Citation) -> SourceItem:
    return SourceItem(
        marker=citation.marker,
        title=escape_inline(defang(citation.title)),
        reference=escape_inline(defang(citation.reference)),
        date=escape_inline(defang(str(citation.date or ""))),
        quote=escape_inline(defang(citation.quote)),
    )


def _refusals(
    drafts: list[Draft], council: str, labels: dict[str, Any], library: ExemptionLibrary
) -> tuple[list[RefusalSection], list[str]]:
    """One refusal paragraph per exemption used anywhere, with the drafts' own reasons where they give one."""
    used: dict[str, list[Draft]] = {}
    for draft in drafts:
        for ex_id in _canonical_exemptions(draft, library):
            used.setdefault(ex_id, []).append(draft)
    sections, advice = [], []
    for ex_id, users in used.items():
        numbers = list(dict.fromkeys(escape_inline(defang(d.question.number)) for d in users))
        questions = _question_list(numbers)
        reasons = []
        for draft in users:
            if is_unfinished(draft.answer):
                continue
            sentence = library.explanation(ex_id, draft.answer)
            if sentence:
                reasons.append(escape_inline(strip_markers(defang(sentence))))
        reason = " ".join(dict.fromkeys(reasons))
        safe_id = escape_inline(defang(ex_id))
        try:
            ex = library.get(ex_id)
        except KeyError:
            text = _fill(labels["unknown_exemption"], questions=questions, exemption=safe_id, reason=reason)
            sections.append(RefusalSection(safe_id, safe_id, labels["unknown_exemption_kind"], [text]))
            continue
        link = next((u for u in (_first_url(defang(d.answer)) for d in users) if u), "")
        paragraph = ex.render_refusal(reason=reason, questions=questions, council=council, link=escape_inline(link))
        kind = {True: "absolute", False: "qualified"}.get(ex.absolute, ex.kind)
        sections.append(
            RefusalSection(
                id=ex.id,
                heading=f"{ex.heading} ({questions})",
                kind_label=EXEMPTION_KIND_WORDS.get(kind, kind.replace("_", " ")),
                paragraphs=[paragraph],
                public_interest=ex.render_public_interest(council=council) if ex.qualified else "",
            )
        )
        if ex.advice:
            advice.append(ex.render_advice(council=council))
    return sections, advice


def build_letter(
    ctx: LetterContext,
    drafts: list[Draft],
    copy: Copy,
    *,
    library: ExemptionLibrary | None = None,
    templates_dir: str | Path | None = None,
    resolutions: Sequence[Resolution] = (),
) -> Letter:
    """The letter's content for one copy; both renderers read only this."""
    if copy not in ("requester", "reviewer"):
        raise ValueError(f"copy must be 'requester' or 'reviewer', not {copy!r}")
    if not drafts:
        raise ValueError("a letter needs at least one answered question")
    library = library or load_exemptions()
    wording = _wording(Path(templates_dir or DEFAULT_TEMPLATES).resolve())
    pending = [escape_inline(defang(d.question.number)) for d in drafts if needs_officer(d)]
    variables = {
        "council": escape_inline(defang(ctx.council)),
        "reference": escape_inline(defang(ctx.reference)),
        "received": format_date(ctx.received),
        "reply_date": format_date(ctx.reply_date),
        "requester": escape_inline(defang(ctx.requester)),
        "officer": escape_inline(defang(ctx.officer)),
        "review_contact": escape_inline(defang(ctx.review_contact)),
        "foi_team": escape_inline(defang(ctx.foi_team)),
        "foi_email": escape_inline(defang(ctx.foi_email)),
        "review_email": escape_inline(defang(ctx.review_email or ctx.foi_email)),
        "pending": _question_list(pending) if pending else "",
        "pending_count": len(pending),
    }
    labels = {k: v for k, v in wording.items() if isinstance(v, str)}
    refusals, advice = _refusals(drafts, variables["council"], labels, library)
    needs_s17 = any(r.kind_label != "outcome" for r in refusals)
    foi_address = [escape_inline(defang(line)) for line in _lines(ctx.foi_address)]
    review_address = [escape_inline(defang(line)) for line in _lines(ctx.review_address or ctx.foi_address)]
    contact = [variables["foi_team"], *foi_address]
    if variables["foi_email"]:
        contact.append(_fill(wording["email_line"], email=variables["foi_email"]))
    review_lines = [variables["review_contact"][:1].upper() + variables["review_contact"][1:], *review_address]
    if variables["review_email"]:
        review_lines.append(_fill(wording["email_line"], email=variables["review_email"]))
    signature = [variables["officer"], variables["foi_team"], variables["council"]]
    return Letter(
        copy=copy,
        banner=_fill(wording["banner"], **variables) if copy == "reviewer" else "",
        warning=_fill(wording["unfinished_warning"], **variables) if pending else "",
        council=variables["council"],
        contact_lines=[line for line in contact if line],
        title=_fill(wording["title"], **variables),
        reference_line=_fill(wording["reference_line"], **variables),
        received_line=_fill(wording["received_line"], **variables),
        reply_line=_fill(wording["reply_line"], **variables),
        salutation=_fill(wording["salutation"], **variables),
        opening=_fill(wording["opening"][_opening_kind(drafts, library)], **variables),
        questions=[_question_section(d, copy, labels, library, resolutions) for d in drafts],
        refusals_intro=_fill(wording["refusals_intro"], **variables) if needs_s17 else "",
        refusals=refusals,
        advice=list(dict.fromkeys(advice)),
        review=_fill(wording["review"], **variables),
        review_address=[line for line in review_lines if line],
        complaint=_fill(wording["complaint"], **variables),
        complaint_address=[_fill(line, **variables) for line in wording["complaint_address"]],
        closing=_fill(wording["closing"], **variables),
        signature=[line for line in signature if line],
        labels=labels,
        author=_fill(wording["author"], **{k: _plain(v) if isinstance(v, str) else v for k, v in variables.items()}).strip(" ,"),
        plain_title=_plain(_fill(wording["title"], **variables)),
    )


# ---------------------------------------------------------------------------------------------- Markdown


def render_letter(
    ctx: LetterContext,
    drafts: list[Draft],
    copy: Copy,
    *,
    library: ExemptionLibrary | None = None,
    templates_dir: str | Path | None = None,
    resolutions: Sequence[Resolution] = (),
) -> str:
    """The letter as Markdown, from `prompts/letter/<copy>.md.j2`."""
    directory = Path(templates_dir or DEFAULT_TEMPLATES).resolve()
    letter = build_letter(ctx, drafts, copy, library=library, templates_dir=directory, resolutions=resolutions)
    text = _environment(directory).get_template(f"{copy}.md.j2").render(L=letter)
    text = re.sub(r"\n[ \t]*(?:\n[ \t]*){2,}", "\n\n", text)
    return text.strip() + "\n"


# ---------------------------------------------------------------------------------------------- Word

_FONT = "Arial"
_RED = RGBColor(0xB0, 0x00, 0x20)
_INDENT = Mm(6.3)


def _plain(markdown_inline: str) -> str:
    """The text a line of escaped Markdown shows (for headings and document properties)."""
    return "".join(child.content for child in parse_inline(markdown_inline) if child.type in ("text", "code_inline"))


def _add_inline(paragraph: Any, markdown_inline: str, *, bold: bool = False, italic: bool = False) -> None:
    """Runs for one inline piece of Markdown: text, emphasis and line breaks; nothing else exists in it."""
    state = {"bold": bold, "italic": italic}
    for child in parse_inline(markdown_inline):
        if child.type in ("text", "code_inline"):
            run = paragraph.add_run(child.content)
            run.bold, run.italic = state["bold"] or None, state["italic"] or None
            if child.type == "code_inline":
                run.font.name = "Courier New"
        elif child.type == "softbreak":
            paragraph.add_run(" ")
        elif child.type == "hardbreak":
            paragraph.add_run().add_break()
        elif child.type in ("strong_open", "strong_close"):
            state["bold"] = bold or child.type == "strong_open"
        elif child.type in ("em_open", "em_close"):
            state["italic"] = italic or child.type == "em_open"


def _add_markdown(doc: Any, markdown: str, *, italic: bool = False, indent: int = 0) -> None:
    """Escaped Markdown as Word paragraphs: paragraphs, bullet and numbered lists (nested), quotes, headings.

    Lists become real Word lists ("List Bullet") and end where the Markdown list ends, so a bullet never takes
    in the paragraph after it; numbered items keep the number the text gave them.
    """
    lists: list[dict[str, Any]] = []
    quote = indent
    item_started = False
    heading = False
    for token in markdown_tokens(markdown):
        kind = token.type
        if kind == "bullet_list_open":
            lists.append({"ordered": False, "n": 0, "mark": ""})
        elif kind == "ordered_list_open":
            lists.append({"ordered": True, "n": int(token.attrGet("start") or 1) - 1, "mark": token.markup})
        elif kind in ("bullet_list_close", "ordered_list_close"):
            lists.pop()
        elif kind == "list_item_open":
            lists[-1]["n"] += 1
            item_started = True
        elif kind == "blockquote_open":
            quote += 1
        elif kind == "blockquote_close":
            quote -= 1
        elif kind == "heading_open":
            heading = True
        elif kind == "heading_close":
            heading = False
        elif kind in ("fence", "code_block"):
            paragraph = doc.add_paragraph()
            paragraph.paragraph_format.left_indent = _INDENT * (quote + len(lists))
            run = paragraph.add_run(token.content.rstrip("\n"))
            run.font.name = "Courier New"
        elif kind == "inline":
            paragraph = _list_paragraph(doc, lists, item_started) if lists else doc.add_paragraph()
            if lists and lists[-1]["ordered"] and item_started:
                paragraph.add_run(f"{lists[-1]['n']}{lists[-1]['mark']}\t")
            if quote:
                paragraph.paragraph_format.left_indent = _INDENT * (quote + len(lists))
            item_started = False
            _add_inline(paragraph, token.content, bold=heading, italic=italic)


def _list_paragraph(doc: Any, lists: list[dict[str, Any]], first: bool) -> Any:
    depth = len(lists)
    if not first:  # a second paragraph inside one item
        paragraph = doc.add_paragraph(style="List Continue" if depth == 1 else "List Continue 2")
        return paragraph
    if lists[-1]["ordered"]:
        paragraph = doc.add_paragraph()
        fmt = paragraph.paragraph_format
        fmt.left_indent = _INDENT * depth
        fmt.first_line_indent = -_INDENT
        fmt.tab_stops.add_tab_stop(_INDENT * depth)
        fmt.space_after = Pt(2)
        return paragraph
    return doc.add_paragraph(style="List Bullet" if depth == 1 else "List Bullet 2")


def _add_lines(doc: Any, lines: list[str], *, bold_first: bool = False, align: Any = None, size: float | None = None) -> Any:
    """Lines (an address, a signature) as one paragraph with line breaks."""
    paragraph = doc.add_paragraph()
    for i, line in enumerate(lines):
        if i:
            paragraph.add_run().add_break()
        _add_inline(paragraph, line, bold=bold_first and i == 0)
    if align is not None:
        paragraph.alignment = align
    if size:
        for run in paragraph.runs:
            run.font.size = Pt(size)
    return paragraph


def _add_heading(doc: Any, text: str, level: int) -> None:
    heading = doc.add_heading(level=level)
    _add_inline(heading, text)


def _page_number_footer(section: Any, text: str) -> None:
    paragraph = section.footer.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = paragraph.add_run(f"{text} – page ")
    run.font.size = Pt(9)
    field_run = paragraph.add_run()
    field_run.font.size = Pt(9)
    begin, instr, end = OxmlElement("w:fldChar"), OxmlElement("w:instrText"), OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    instr.set(qn("xml:space"), "preserve")
    instr.text = "PAGE"
    end.set(qn("w:fldCharType"), "end")
    for element in (begin, instr, end):
        field_run._r.append(element)


def _styled_document() -> Any:
    """A4 portrait with 25 mm margins, Arial, black headings: a letter a UK council can print and send."""
    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin = section.right_margin = Mm(25)
    section.top_margin, section.bottom_margin = Mm(20), Mm(20)
    normal = doc.styles["Normal"]
    normal.font.name = _FONT
    normal.font.size = Pt(11)
    normal.element.rPr.rFonts.set(qn("w:eastAsia"), _FONT)
    normal.paragraph_format.space_after = Pt(6)
    for name, size in (("Title", 20), ("Heading 1", 16), ("Heading 2", 13), ("Heading 3", 11.5), ("Heading 4", 11)):
        style = doc.styles[name]
        style.font.name = _FONT
        style.font.size = Pt(size)
        style.font.color.rgb = RGBColor(0, 0, 0)
        fonts = style.element.rPr.rFonts
        for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
            fonts.attrib.pop(qn(theme), None)  # the theme font would win over the one set here
    return doc


def _set_properties(doc: Any, letter: Letter, created: datetime) -> None:
    """Author, title and dates a records system files the letter by (Word allows 255 characters in each)."""
    props = doc.core_properties
    props.author = letter.author[:255]
    props.last_modified_by = letter.author[:255]
    props.title = letter.plain_title[:255]
    props.subject = letter.labels["subject"]
    props.keywords = "Freedom of Information"
    props.category = letter.labels["category_" + letter.copy]
    props.comments = ""
    props.created = created
    props.modified = created
    props.revision = 1


def letter_docx(
    ctx: LetterContext,
    drafts: list[Draft],
    copy: Copy,
    *,
    library: ExemptionLibrary | None = None,
    templates_dir: str | Path | None = None,
    resolutions: Sequence[Resolution] = (),
    created: datetime | None = None,
) -> bytes:
    """The letter as an A4 Word document, built from the same content as the Markdown."""
    letter = build_letter(ctx, drafts, copy, library=library, templates_dir=templates_dir, resolutions=resolutions)
    labels = letter.labels
    doc = _styled_document()
    _set_properties(doc, letter, (created or datetime.now(timezone.utc)).replace(microsecond=0))
    _page_number_footer(doc.sections[0], letter.plain_title)

    if letter.banner:
        _warning(doc, letter.banner)
    if letter.warning:
        _warning(doc, letter.warning)
    head = doc.add_paragraph()
    _add_inline(head, letter.council, bold=True)
    head.runs[0].font.size = Pt(18) if head.runs else None
    _add_lines(doc, letter.contact_lines, size=10)
    _add_lines(doc, [letter.reference_line, letter.received_line, letter.reply_line])
    _add_inline(doc.add_paragraph(), letter.salutation)
    _add_heading(doc, letter.title, 1)
    _add_markdown(doc, letter.opening)

    _add_heading(doc, labels["questions_heading"], 2)
    for q in letter.questions:
        _add_heading(doc, q.heading, 3)
        _add_markdown(doc, (f"{q.lead_label}) " if q.lead_label else "") + q.text, italic=True, indent=1)
        for i, (label, text) in enumerate(q.parts):
            part = doc.add_paragraph()
            part.paragraph_format.left_indent = _INDENT
            part.paragraph_format.space_after = Pt(2 if i < len(q.parts) - 1 else 8)
            _add_inline(part, f"{label}) {text}", italic=True)
        _add_markdown(doc, q.answer)
        if letter.copy == "reviewer":
            _reviewer_details(doc, q, labels)

    if letter.refusals:
        _add_heading(doc, labels["refusals_heading"], 2)
        if letter.refusals_intro:
            _add_markdown(doc, letter.refusals_intro)
        for r in letter.refusals:
            _add_heading(doc, r.heading, 3)
            if letter.copy == "reviewer":
                _add_inline(doc.add_paragraph(), f"{r.id}: {r.kind_label}", italic=True)
            for paragraph in r.paragraphs:
                _add_markdown(doc, paragraph)
            if r.public_interest:
                _add_heading(doc, labels["public_interest_heading"], 4)
                _add_markdown(doc, r.public_interest)
    if letter.advice:
        _add_heading(doc, labels["advice_heading"], 2)
        for paragraph in letter.advice:
            _add_markdown(doc, paragraph)
    _add_heading(doc, labels["review_heading"], 2)
    _add_markdown(doc, letter.review)
    _add_lines(doc, letter.review_address).paragraph_format.left_indent = _INDENT
    _add_heading(doc, labels["complaint_heading"], 2)
    _add_markdown(doc, letter.complaint)
    _add_lines(doc, letter.complaint_address).paragraph_format.left_indent = _INDENT
    _add_inline(doc.add_paragraph(), letter.closing)
    _add_lines(doc, letter.signature)

    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def _warning(doc: Any, text: str) -> None:
    paragraph = doc.add_paragraph()
    _add_inline(paragraph, text, bold=True)
    for run in paragraph.runs:
        run.font.color.rgb = _RED
    border = OxmlElement("w:pBdr")
    for side in ("top", "left", "bottom", "right"):
        edge = OxmlElement(f"w:{side}")
        edge.set(qn("w:val"), "single")
        edge.set(qn("w:sz"), "12")
        edge.set(qn("w:space"), "4")
        edge.set(qn("w:color"), "B00020")
        border.append(edge)
    paragraph._p.get_or_add_pPr().append(border)


def _reviewer_details(doc: Any, q: QuestionSection, labels: dict[str, str]) -> None:
    status = doc.add_paragraph()
    _add_inline(status, f"{labels['status_label']}: ", bold=True)
    _add_inline(status, q.status + (f" – {q.status_reason}" if q.status_reason else ""))
    if q.exemptions:
        line = doc.add_paragraph()
        _add_inline(line, f"{labels['exemptions_label']}: ", bold=True)
        _add_inline(line, "; ".join(q.exemptions))
    if q.placeholder:
        _add_inline(doc.add_paragraph(), labels["placeholder_note"], italic=True)
    _add_inline(doc.add_paragraph(), f"{labels['sources_label']}:", bold=True)
    for s in q.sources:
        details = ", ".join(x for x in (s.title, s.reference, s.date) if x)
        _add_inline(doc.add_paragraph(style="List Bullet"), f"[{s.marker}] {details}: “{s.quote}”")
    if not q.sources:
        _add_inline(doc.add_paragraph(), labels["no_sources"])
    if q.flags:
        _add_inline(doc.add_paragraph(), f"{labels['flags_label']}:", bold=True)
        for f in q.flags:
            _add_inline(doc.add_paragraph(style="List Bullet"), f"{f.label}: {f.message}" + (f" ({f.resolved})" if f.resolved else ""))
