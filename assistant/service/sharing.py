"""A service return added to the shared corpus, only when the officer chooses to.

A return is kept with its case; figures a service returns are often worth re-using, so an officer (who also holds
a corpus role) may add one to the corpus. It goes through the normal corpus upload (`assistant.uploads.add_files`:
role check, copies and spoofed references refused, the index unchanged when it fails) as a Markdown document that
says where it came from: the service, the date returned, the FOI case, who added it and when. The case records
the choice in its activity.
"""
from __future__ import annotations

import re
import shutil
import tempfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import yaml

from assistant.index import corpus_actor
from assistant.service.returns import return_title

def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", (text or "").lower()).strip("-")[:60] or "return"


def document_name(case_reference: str, area: str, received: Any) -> str:
    """The corpus file name (and so the document id) of a return: case, service and date."""
    return f"service-return-{slug(case_reference)}-{slug(area)}-{received:%Y-%m-%d}.md"


def return_document(ret: Any, case_reference: str, user: str, at: datetime) -> str:
    """The return as a corpus policy document: front matter with its provenance, then one bullet per item.

    Items are data: each is one bullet line, so no item can start a line of its own (a heading, a table, front
    matter or the '## Request' layout of a past decision)."""
    title = f"{return_title(ret.area, ret.received)} (FOI {case_reference})"
    meta = {
        "title": title,
        "published": ret.received.isoformat(),
        "owner": ret.area,
        "source_case": f"FOI {case_reference}",
        "added_from_case_by": user,
        "added_from_case_at": at.isoformat(timespec="seconds"),
    }
    lines = [
        "---",
        yaml.safe_dump(meta, allow_unicode=True, sort_keys=False).strip(),
        "---",
        "",
        f"# {title}",
        "",
        f"Figures returned by {ret.area} on {ret.received:%-d %B %Y} for FOI request {case_reference}, "
        f"added to the corpus by {user} on {at:%-d %B %Y}.",
        "",
    ]
    lines += [f"* {' '.join(str(item).split())}" for item in ret.items]
    return "\n".join(lines) + "\n"


class ShareRefused(ValueError):
    """The return cannot be added to the corpus; the message says why and nothing was changed."""


def share_return(store: Any, index: Any, case_id: int, return_id: int, user: str, *, now: datetime | None = None) -> str:
    """Add one of the case's returns to the shared corpus as `user`; returns the new document id.

    Checked before anything is written: the user may act for the case (the store) and change the corpus (the
    index's corpus roles); the return belongs to the case; it is not in the corpus already."""
    from assistant.uploads import add_files, uploads_dir

    actor = store.service_actor(user)
    corpus_actor(index.settings, actor)  # CorpusAccessDenied without a corpus role, before anything is written
    case = store.get_case(case_id)
    ret = next((r for r in store.service_returns(case_id) if r.id == int(return_id)), None)
    if ret is None:
        raise ShareRefused(f"Case {case.reference} has no service return {return_id}.")
    name = document_name(case.reference, ret.area, ret.received)
    doc_id = Path(name).stem
    if (uploads_dir(index.settings) / name).exists() or any(d["doc_id"] == doc_id for d in index.documents()):
        raise ShareRefused(f"The {return_title(ret.area, ret.received)} of FOI {case.reference} is already in the corpus ({doc_id}).")
    when = now or datetime.now(timezone.utc)
    work = Path(tempfile.mkdtemp(prefix="share-", dir=Path(index.settings.data_dir)))
    try:
        path = work / name
        path.write_text(return_document(ret, case.reference, actor, when), encoding="utf-8")
        path.chmod(0o600)
        result = add_files(index, [path], user=actor)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if not result.added:
        reasons = "; ".join(f.reason for f in result.report.failures) or "it could not be indexed"
        raise ShareRefused(f"The return was not added to the corpus: {reasons}.")
    store.record_return_shared(case_id, ret.id, doc_id, actor)
    return doc_id
