"""The officer's steps with the service, over one case in the store: prepare, record sent, attach a return, redraft.

The app and any script call these; each step checks its input and the acting user in the store, and a return that
cannot be read is refused before anything is stored.
"""
from __future__ import annotations

from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import Any, Mapping, Sequence

from assistant.drafting.pipeline import follow_chain
from assistant.readers import ReadError, limits_for
from assistant.models import Draft
from assistant.service.redraft import (
    RedraftProposal,
    Resolution,
    accept,
    record_resolutions,
    redraft,
    resolved_flags,
    with_resolved_flags,
)
from assistant.service.requests import ServiceRequest, build_service_requests, needs_service
from assistant.service.returns import ServiceReturn, read_return_file, read_return_text, return_passages


def prepare(
    store: Any,
    settings: Any,
    case_id: int,
    *,
    sent_on: date | None = None,
    picked: Sequence[str] = (),
    left_out: Sequence[str] = (),
    areas: Mapping[str, str] | None = None,
    recipients: Mapping[str, str] | None = None,
) -> list[ServiceRequest]:
    """The service requests for a case as they would go today (nothing is recorded)."""
    case = store.get_case(case_id)
    sent_on = sent_on or date.today()
    return build_service_requests(
        case.reference,
        case.drafts,
        sent_on=sent_on,
        working_days=settings.service_reply_working_days,
        picked=picked,
        left_out=left_out,
        areas=areas,
        recipients=recipients,
        received=case.received,
        requester_due=case.deadline(sent_on).due,
    )


def export_request(settings: Any, case_id: int, request: ServiceRequest) -> tuple[str, Path]:
    """(email text, path of the .docx) for one request; the file is private to this account like other exports."""
    from assistant.export import exports_root, file_stem, private_folder, write_private
    from assistant.service.requests import docx_bytes, email_text

    signature = dict(council=settings.council, team=settings.foi_team, team_email=settings.foi_email)
    folder = private_folder(exports_root(settings) / f"case-{case_id}")
    path = folder / f"{file_stem(request.case_reference)}-service-request-{file_stem(request.area)}.docx"
    write_private(path, docx_bytes(request, **signature))
    return email_text(request, **signature), path


def record_sent(store: Any, case_id: int, request: ServiceRequest, user: str) -> int:
    """The officer sent this request (by email, or the .docx): the case records to whom, when and by when."""
    return store.record_service_request(
        case_id,
        area=request.area,
        questions=[asdict(q) for q in request.questions],
        sent_on=request.sent_on,
        due=request.due,
        user=user,
        recipient=request.recipient,
    )


def attach_return(
    store: Any,
    settings: Any,
    case_id: int,
    *,
    area: str,
    received: date,
    user: str,
    name: str = "",
    data: bytes | None = None,
    text: str = "",
    request_id: int | None = None,
) -> tuple[int, ServiceReturn]:
    """Read a returned file (or pasted text) and keep it with the case; ReadError (nothing stored) when unusable."""
    if data is not None:
        if len(data) > settings.max_file_bytes:
            raise ReadError(f"'{name}' is {len(data) / 1e6:.1f} MB, over the {settings.max_file_bytes / 1e6:.0f} MB limit")
        ret = read_return_file(name, data, area=area, received=received, limits=limits_for(settings))
    else:
        ret = read_return_text(text, area=area, received=received)
    if request_id is None:  # the return answers the open request to that area, when there is exactly one
        open_ones = [r for r in store.service_requests(case_id) if r.answered_at is None and r.area == ret.area]
        request_id = open_ones[0].id if len(open_ones) == 1 else None
    return_id = store.add_service_return(
        case_id, area=ret.area, received=ret.received, text=ret.text, items=ret.items, user=user,
        source_name=ret.source_name, request_id=request_id,
    )
    # the return's passages become sources of every answer of the case, so an officer's edit can cite them
    stored = [r for r in store.service_returns(case_id) if r.id == return_id]
    store.add_sources(case_id, return_passages(stored, case_id))
    return return_id, ret


def case_return_passages(store: Any, case_id: int) -> list:
    return return_passages(store.service_returns(case_id), case_id)


def periods_sent(store: Any, case_id: int) -> dict[str, str]:
    """Question number → the period the service was asked for, from the requests recorded as sent."""
    asked: dict[str, str] = {}
    for request in store.service_requests(case_id):
        for q in request.questions:
            asked[str(q.get("number"))] = str(q.get("period", ""))
    return asked


def redraft_case(drafter: Any, store: Any, case_id: int) -> list[RedraftProposal]:
    """Proposals for the questions sent to a service (or needing one) that the case's returns answer."""
    case = store.get_case(case_id)
    passages = case_return_passages(store, case_id)
    if not passages:
        return []
    asked = periods_sent(store, case_id)
    out = []
    for draft in case.drafts:
        number = draft.question.number
        if number not in asked and not needs_service(draft, case.received):
            continue
        proposal = redraft(drafter, draft, passages, received=case.received, period=asked.get(number, ""))
        if proposal is not None and proposal.new_answer.strip() != draft.answer.strip():
            out.append(proposal)
    return out


def accept_redraft(store: Any, case_id: int, proposal: RedraftProposal, user: str) -> None:
    accept(store, case_id, proposal, user)


def regenerate(drafter: Any, store: Any, case_id: int, number: str) -> tuple[Draft, list[Resolution]]:
    """Regenerate one answer with the case's service returns as citable sources beside the corpus.

    When the corpus still answers only another period (or not at all) and a return answers the question, the
    answer is drafted from the return exactly as "Redraft from the returns" does, and kept only if it passes
    every check. Returns the draft and the flags of the current answer the return resolves (with the reason);
    nothing is stored here (see `save_regenerated`)."""
    case = store.get_case(case_id)
    current = case.draft(number)
    returns = case_return_passages(store, case_id)
    asked = [d.question for d in case.drafts]  # a follow-on question is drafted again with the one it follows
    follows = dict(zip([q.number for q in asked], follow_chain(asked))).get(number)
    fresh = drafter.draft_question(current.question, engine=case.engine, exclude=case.exclude,
                                   received=case.received, sources=returns, follows=follows, everything=asked)
    if not returns or not needs_service(fresh, case.received):
        return fresh, []
    proposal = redraft(drafter, fresh, returns, received=case.received, period=periods_sent(store, case_id).get(number, ""))
    if proposal is None or not proposal.passes_checks:
        return fresh, []
    resolved = resolved_flags(current.flags, proposal.draft.flags, proposal.source_title)
    return with_resolved_flags(proposal.draft, resolved), resolved


def save_regenerated(
    store: Any, case_id: int, draft: Draft, resolved: Sequence[Resolution], user: str, *,
    expected_version: int | None = None, replace_edit: bool = False,
) -> bool:
    """Store a regenerated answer (a new version unless it says the same) and resolve the flags its return answered."""
    changed = store.replace_draft(case_id, draft, user, expected_version=expected_version, replace_edit=replace_edit)
    if changed:
        record_resolutions(store, case_id, draft.question.number, resolved, user)
    return changed
