"""Load corpus files into retrieval units: decisions become question–answer pairs, policies heading-aware chunks.

Loading is all-or-nothing per file: a bad file is reported with its reason and contributes no units, so the
index never holds half a document.
"""
from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Iterable, Iterator

from assistant.chunking import chunk_blocks
from assistant.decisions import ParsedDecision, is_page_copy, is_structured_decision, parse_date, parse_page_copy, parse_structured
from assistant.models import DocType, Unit
from assistant.readers import (
    SUPPORTED_SUFFIXES,
    TEXT_SUFFIXES,
    ReadError,
    decode_text,
    limits_for,
    read_checked_bytes,
    read_file,
    split_front_matter,
)
from assistant.settings import Settings

IGNORED_NAMES = {"readme.md", "license", "license.md", ".gitkeep"}


@dataclass
class Failure:
    path: str
    reason: str
    # "read" (the file could not be used: its earlier units stay), "duplicate" (another document owns its id or
    # reference: it must never stand in the index), "refused" (a link out of the corpus, a bad name: nothing kept)
    kind: str = "read"

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


@dataclass
class LoadReport:
    units: list[Unit] = field(default_factory=list)
    documents: int = 0
    failures: list[Failure] = field(default_factory=list)
    loaded_paths: set[str] = field(default_factory=set)


def doc_id_for(path: Path) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", path.stem).strip("-").lower()


def content_id(*parts: str) -> str:
    """Ids derive from content, so an unchanged unit keeps its id and re-ingest can skip it."""
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()
    return digest[:24]


def display_path(path: Path | str) -> str:
    """A path safe to print: bytes that are not UTF-8 (a name from another system) shown as U+FFFD."""
    return os.fsencode(str(path)).decode("utf-8", "replace")


def source_of(path: Path) -> str:
    """The absolute path as found, not resolved: a link is recorded as itself, so removing it removes its units."""
    return os.path.abspath(path)


def check_path(path: Path, root: Path | None) -> str | None:
    """Why a corpus file must not be read, or None: a name that is not UTF-8, a link leading out of the corpus."""
    try:
        str(path).encode("utf-8")
    except UnicodeEncodeError:
        return "the file name is not valid UTF-8 text (written on another system?): rename the file and ingest again"
    if root is not None and root.is_dir():
        real_root = root.resolve()
        try:
            target = path.resolve(strict=True)
        except (OSError, RuntimeError):
            return "a link to a file that does not exist"
        if target != real_root and real_root not in target.parents:
            return "a link to a file outside the corpus folder: refused (copy the file into the corpus instead)"
    return None


def iter_files(paths: Iterable[Path]) -> Iterator[tuple[Path, Path | None]]:
    """(file, the folder it was found under) for files under the given paths, skipping hidden and '_'-prefixed
    folders (sources, build inputs) and READMEs."""
    for root in paths:
        if root.is_file():
            yield root, None
            continue
        if not root.exists():
            raise FileNotFoundError(f"{root} does not exist")
        for path in sorted(root.rglob("*")):
            rel = path.relative_to(root)
            if any(part.startswith((".", "_")) for part in rel.parts):
                continue
            if (path.is_file() or path.is_symlink()) and path.name.lower() not in IGNORED_NAMES:
                yield path, root


def load_paths(
    paths: Iterable[Path],
    settings: Settings,
    owners: dict[str, str] | None = None,
    found: list[tuple[Path, Path | None]] | None = None,
) -> LoadReport:
    """Units of every usable file. `owners` (document id -> the existing file that holds it in the index, see
    `sources.claimants`) keeps an id with that file: another file with the same name elsewhere is refused, whatever
    order it is read in. `found`: the files of `paths` when the caller has walked them already."""
    report = LoadReport()
    ids_seen: dict[str, Path] = {}
    owners = owners or {}
    files = list(found) if found is not None else list(iter_files(paths))
    # The registered owner of an id is read first, so a newcomer with the same name can never displace it.
    files.sort(key=lambda item: 0 if owners.get(_safe_doc_id(item[0])) == source_of(item[0]) else 1)
    for path, root in files:
        problem = check_path(path, root)
        if problem:
            report.failures.append(Failure(display_path(path), problem, "refused"))
            continue
        if path.suffix.lower() not in SUPPORTED_SUFFIXES:
            report.failures.append(Failure(str(path), f"unsupported file type '{path.suffix or path.name}'"))
            continue
        # Citations, exclusions and the corpus view name documents by id, so two files may not share one.
        doc_id = doc_id_for(path)
        other = ids_seen.get(doc_id)
        if other is not None:
            if other.resolve() != path.resolve():  # else the same file reached twice: read it once
                report.failures.append(
                    Failure(str(path), f"document id '{doc_id}' is already used by {other}: rename one of the files", "duplicate")
                )
            continue
        owner = owners.get(doc_id)
        if owner and owner != source_of(path) and Path(owner).exists():
            report.failures.append(
                Failure(
                    str(path),
                    f"document id '{doc_id}' is already used by {owner}, which is in the corpus index: rename one "
                    "of the files (or delete the one that should not be there and ingest again)",
                    "duplicate",
                )
            )
            continue
        ids_seen[doc_id] = path
        try:
            units = load_file(path, settings)
        except ReadError as exc:
            report.failures.append(Failure(str(path), str(exc)))
            continue
        if not units:
            report.failures.append(Failure(str(path), "no usable text was found"))
            continue
        report.documents += 1
        report.units.extend(units)
        report.loaded_paths.add(source_of(path))
    return report


def _safe_doc_id(path: Path) -> str:
    try:
        return doc_id_for(path)
    except Exception:  # pragma: no cover - defensive: sorting must not fail on an odd name
        return ""


def load_file(path: Path, settings: Settings) -> list[Unit]:
    source = source_of(path)
    doc_id = doc_id_for(path)
    data = read_checked_bytes(path, max_bytes=settings.max_file_bytes)
    if path.suffix.lower() in TEXT_SUFFIXES:
        text = decode_text(data)
        meta, body = split_front_matter(text)
        if is_structured_decision(meta, body):
            return decision_units(parse_structured(text), doc_id, source)
        if is_page_copy(text):
            return decision_units(parse_page_copy(text), doc_id, source)
    return policy_units(path, doc_id, source, settings, data)


def decision_units(parsed: ParsedDecision, doc_id: str, source: str) -> list[Unit]:
    extra = {k: parsed.meta[k] for k in ("outcome", "exemptions", "illustrative", "source_url", "personal_data_test", "service_area") if k in parsed.meta}
    common = dict(
        doc_id=doc_id,
        doc_type=DocType.DECISION,
        title=parsed.title,
        source_path=source,
        reference=parsed.reference,
        received=parsed.received,
        decided=parsed.decided,
    )
    units: list[Unit] = []
    for pair, lead in zip(parsed.pairs, lead_questions([p.question for p in parsed.pairs])):
        text = f"Question {', '.join(pair.labels)}: {pair.question}\nAnswer: {pair.answer}"
        led = {"lead_question": lead} if lead else {}
        units.append(
            Unit(
                id=content_id(doc_id, "qa", *pair.labels, text, *led.values()),
                text=text,
                question_numbers=pair.labels,
                question=pair.question,
                answer=pair.answer,
                extra={**extra, **evidence_meta(pair.answer, pair.question, parsed), **led},
                **common,
            )
        )
    for i, general in enumerate(parsed.general):
        units.append(
            Unit(
                id=content_id(doc_id, "general", str(i), general),
                text=general,
                answer=general,
                extra={**extra, **evidence_meta(general, "", parsed)},
                **common,
            )
        )
    return units


# A past question that leans on the one before it without the follow-on wording: "What percentage are placed
# inside and outside the area?", "Please describe those monitoring mechanisms".
_LEANS_ON = re.compile(r"\b(?:these|those)\b|^\s*(?:what|how)\s+(?:percentage|share|proportion|many|much)\s+(?:are|were|is|was|have|has)\b", re.I)


def lead_questions(questions: list[str]) -> list[str]:
    """For each past question of a reply, the question it reads on from ('' when it stands alone): the last one
    before it that stands alone. It is indexed with it, so "How many of these requests were refused?" is found by
    a search for refused EHC needs assessment requests."""
    from assistant.drafting.analysis import is_follow_on

    out: list[str] = []
    lead = ""
    for question in questions:
        opening = question.strip().split("\n", 1)[0]  # "those" in a sub-part refers within its own question
        follows = bool(lead) and (is_follow_on(opening, lead) or bool(_LEANS_ON.search(opening)))
        out.append(lead if follows else "")
        if not follows:
            lead = question
    return out


def evidence_meta(answer: str, question: str, parsed: ParsedDecision) -> dict[str, str]:
    """Periods on the evidence side, read once at ingest: each sentence, list item and table row of the answer
    with the period it states (else its past question's, else the one the response's opening gives for its
    figures, else as at the decision date; undated when there is no date), and the period the past question (or
    its request's scope lines) asked."""
    from assistant.drafting.evidence import EVIDENCE_VERSION, items_from_answer, items_json
    from assistant.drafting.periods import periods_in

    ref = parsed.received or parsed.decided
    asked = (periods_in(question, ref) if question else []) or periods_in(parsed.scope, ref)
    items = items_from_answer(
        answer, question=question, scope=parsed.scope, opening=parsed.opening, received=parsed.received, decided=parsed.decided
    )
    return {
        "evidence": items_json(items),
        "evidence_version": EVIDENCE_VERSION,
        "question_period": max(asked, key=lambda p: p.days).to_text() if asked else "",
    }


def policy_units(path: Path, doc_id: str, source: str, settings: Settings, data: bytes | None = None) -> list[Unit]:
    result = read_file(path, max_bytes=settings.max_file_bytes, data=data, limits=limits_for(settings))
    title = str(result.meta.get("title") or next((b.text for b in result.blocks if b.level), "") or path.stem)
    published: date | None = parse_date(result.meta.get("published"))
    extra = {"published": published} if published else {}
    for key in ("owner", "illustrative", "personal_data_test", "source_url", "source_case"):  # source_case: a shared service return
        if key in result.meta:
            extra[key] = result.meta[key]
    chunks = chunk_blocks(result.blocks, min_words=settings.chunk_min_words, max_words=settings.chunk_max_words)
    return [
        Unit(
            id=content_id(doc_id, "chunk", str(i), chunk.text),
            doc_id=doc_id,
            doc_type=DocType.POLICY,
            title=title,
            text=chunk.text,
            source_path=source,
            reference=str(result.meta.get("reference") or ""),
            heading_path=chunk.heading_path,
            extra=dict(extra),
        )
        for i, chunk in enumerate(chunks)
    ]
