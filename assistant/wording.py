"""Plain words for the codes the pipeline uses (statuses, flag kinds), in one place for the letter, the reviewer
pack and the app, so no officer or reviewer ever reads `not_held` or `stale_source`.
"""
from __future__ import annotations

from typing import Any
import re

from assistant.models import Status

_SCORE_RE = re.compile(r",?\s*\(?\b(?:match|sim|similarity|score|cosine)\s*[=:]?\s*\d*\.\d+\)?", re.IGNORECASE)

STATUS_WORDS: dict[str, str] = {
    Status.PROVIDED.value: "Provided",
    Status.PARTLY_PROVIDED.value: "Partly provided",
    Status.NOT_HELD.value: "Not held",
    Status.EXEMPT.value: "Exempt (refused)",
    Status.PUBLISHED_ELSEWHERE.value: "Published elsewhere (s21)",
    Status.REDIRECTED.value: "Redirected to another body",
    Status.NEEDS_REVIEW.value: "Needs review",
}

FLAG_WORDS: dict[str, str] = {
    "unsupported": "Sentence not supported by its source",
    "invalid_citation": "Citation points to no source",
    "figure_not_in_source": "Figure found in no source",
    "stale_source": "Source may be out of date",
    "small_numbers": "Small numbers of people (consider s40(2))",
    "personal_data": "Possible personal data",
    "exemption_unexplained": "Exemption named without its reason",
    "instruction_ignored": "Instruction-like text set aside",
    "instruction_in_source": "Source reads like an instruction (not used)",
    "no_evidence": "No supporting evidence found",
    "needs_review": "Needs the officer to decide",
    "passage_instruction": "Instruction-like text in a source",
    "undated_source": "Source has no date",
    "figure_mismatch": "Figure not for the measure or period asked",
    "other_period": "Figures or answer for another period",
    "ask_not_answered": "Part of the question not answered",
    "repeated_evidence": "Same evidence as another question",
}

EXEMPTION_KIND_WORDS: dict[str, str] = {
    "absolute": "absolute exemption (no public interest test)",
    "qualified": "qualified exemption (public interest test)",
    "refusal_ground": "refusal ground",
    "outcome": "outcome",
}


def humanise(code: str) -> str:
    """A code nobody has worded yet, made readable rather than shown raw ("some_code" → "Some code")."""
    text = " ".join(str(code).replace("_", " ").replace("-", " ").split())
    return text[:1].upper() + text[1:]


def status_words(status: Status | str) -> str:
    code = status.value if isinstance(status, Status) else str(status)
    return STATUS_WORDS.get(code) or humanise(code)


def flag_words(kind: str) -> str:
    return FLAG_WORDS.get(kind) or humanise(kind)


#: The case lifecycle (assistant.cases.STATES) in words.
CASE_STATE_WORDS: dict[str, str] = {
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

#: How a version of an answer came about (assistant.cases.VERSION_KINDS), as a verb phrase: "<who> drafted again".
VERSION_KIND_WORDS: dict[str, str] = {
    "drafted": "drafted",
    "edited": "edited",
    "regenerated": "drafted again",
    "revised": "revised on instruction",
    "restored": "restored an earlier version",
    "status": "changed the status",
    "exemptions": "changed the exemptions",
    "redrafted": "redrafted from the service's figures",
}


def state_words(state: str) -> str:
    return CASE_STATE_WORDS.get(state) or humanise(state)


def version_kind_words(kind: str) -> str:
    return VERSION_KIND_WORDS.get(kind) or humanise(kind).lower()


def flags_to_show(draft: Any) -> list[Any]:
    """A draft's flags as a reviewer should read them: a needs-review answer's reason first, never an empty list."""
    from assistant.models import Flag

    flags = list(draft.flags)
    if draft.status is Status.NEEDS_REVIEW:
        reason = (draft.status_reason or "").strip() or "The draft could not settle this question from the sources."
        flags.insert(0, Flag("needs_review", reason))
    return flags
def without_scores(text: str) -> str:
    """Officer-facing text without the raw numbers of the matching ("…, match 0.79." → "….")."""
    cleaned = _SCORE_RE.sub("", str(text or ""))
    return re.sub(r"\s+([.,;:])", r"\1", cleaned).strip()
