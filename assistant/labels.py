"""Plain words for the codes the pipeline and the case store use: one place, read by the app and the exports.

Officers never see `not_held`, `stale_source` or `in_review`; they see what the code means.
"""
from __future__ import annotations

from typing import Sequence

from assistant.models import Draft, Flag, Status

STATUS_LABELS: dict[str, str] = {
    Status.PROVIDED.value: "Provided",
    Status.PARTLY_PROVIDED.value: "Partly provided",
    Status.NOT_HELD.value: "Not held",
    Status.EXEMPT.value: "Exempt (refused)",
    Status.PUBLISHED_ELSEWHERE.value: "Published elsewhere (s21)",
    Status.REDIRECTED.value: "Redirected to another body",
    Status.NEEDS_REVIEW.value: "Needs review",
}

FLAG_LABELS: dict[str, str] = {
    "needs_review": "Needs the officer to decide",
    "unsupported": "Sentence not backed by its source",
    "invalid_citation": "Citation to a source that was not found",
    "figure_not_in_source": "Figure not found in any source",
    "stale_source": "Source may be out of date",
    "small_numbers": "Small numbers of people (s40(2)?)",
    "personal_data": "Possible personal data",
    "exemption_unexplained": "Exemption named without a reason",
    "instruction_ignored": "Instruction-like text treated as data",
    "passage_instruction": "Instruction-like text in a source",
}

CASE_STATE_LABELS: dict[str, str] = {
    "new": "New",
    "drafting": "Drafting",
    "in_review": "In review",
    "returned": "Returned to the officer",
    "approved": "Approved",
    "sent": "Sent",
    "closed": "Closed",
    "withdrawn": "Withdrawn",
    "cancelled": "Cancelled",
}

VERSION_KIND_LABELS: dict[str, str] = {
    "drafted": "drafted",
    "edited": "edited",
    "regenerated": "drafted again",
    "revised": "revised on instruction",
    "restored": "restored an earlier version",
    "status": "changed the status",
    "exemptions": "changed the exemptions",
}

REVIEW_LABELS: dict[str, str] = {"approved": "Approved", "returned": "Returned", "pending": "Not reviewed yet"}


def status_label(status: Status | str) -> str:
    value = status.value if isinstance(status, Status) else str(status)
    return STATUS_LABELS.get(value, value.replace("_", " ").capitalize())


def flag_label(kind: str) -> str:
    return FLAG_LABELS.get(kind, kind.replace("_", " ").capitalize())


def state_label(state: str) -> str:
    return CASE_STATE_LABELS.get(state, state.replace("_", " ").capitalize())


def flags_to_show(draft: Draft) -> list[Flag]:
    """The draft's flags as a reviewer should read them: a needs_review answer's reason first, never an empty list."""
    flags = list(draft.flags)
    if draft.status is Status.NEEDS_REVIEW:
        reason = draft.status_reason.strip() or "The draft could not settle this question from the sources."
        flags.insert(0, Flag("needs_review", reason))
    return flags


def flag_lines(flags: Sequence[Flag]) -> list[str]:
    """'Label: message' lines for text exports."""
    return [f"{flag_label(f.kind)}: {f.message}" for f in flags]
