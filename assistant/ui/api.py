"""The JSON API under /api: what an officer and a reviewer do in the workspace, for scripts and other systems.

A thin shell like the screens: every handler calls the case store or the drafting jobs, where roles, versions and
segregation of duties are enforced. Sign-in is the app's own (bcrypt, the failed-attempt limit) and gives a bearer
token that is sent in a header, never a cookie, so another site cannot act through a signed-in browser. Bodies
are JSON only, bounded in size, and checked field by field; every refusal is a JSON object with an `error` in
plain words and a 4xx status, never a traceback. Without users (sign-in off, loopback only) every call acts as
the local account, as the screens do.

    POST /api/login                                  {"username", "password"} → {"token", "username", "role"}
    POST /api/logout                                 {}
    GET  /api/me
    GET  /api/cases[?state=in_review]
    POST /api/cases                                  {"request_text", "reference"?, "received"?, "requester"?}
    GET  /api/cases/{id}
    POST /api/cases/{id}/draft                       {"wait_seconds"?: 0–300}
    PUT  /api/cases/{id}/answers/{number}            {"answer", "version"}            409 when version is stale
    POST /api/cases/{id}/submit                      {}
    POST /api/cases/{id}/answers/{number}/review     {"decision", "comment"?, "version"}  409 when stale
"""
from __future__ import annotations

import json
import logging
import time
from dataclasses import asdict
from typing import Annotated, Any, Callable, Literal

from fastapi import Path as PathParam

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

from assistant.cases import AccessDenied, Case, EditConflict, EditWouldBeLost, NotFound, WrongState
from assistant.signin import Sessions
from assistant.ui.context import AppContext, Viewer, _local_user

log = logging.getLogger("assistant.api")

MAX_WAIT_SECONDS = 300
#: A case id in an address: SQLite integers are 64-bit, so larger numbers are refused as bad input, not a crash.
CaseId = Annotated[int, PathParam(ge=1, le=2**62)]
JSON_TYPE = "application/json"


class ApiError(Exception):
    """A refusal the client should see: its HTTP status and a message in plain words (plus optional fields)."""

    def __init__(self, status: int, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.extra = extra


def respond(content: Any, status: int = 200) -> JSONResponse:
    """JSON, never cached (cases hold personal data)."""
    return JSONResponse(content, status_code=status, headers={"Cache-Control": "no-store"})


def error_response(exc: ApiError) -> JSONResponse:
    return respond({"error": exc.message, **exc.extra}, exc.status)


def library_error(exc: Exception) -> ApiError:
    """The store's and drafter's refusals as HTTP statuses: who may not, what is missing, what changed meanwhile."""
    if isinstance(exc, EditConflict):
        return ApiError(409, str(exc), conflict=True, current_version=exc.current_version,
                        current_user=exc.current_user, current_at=exc.current_at)
    if isinstance(exc, (EditWouldBeLost, WrongState)):
        return ApiError(409, str(exc))
    if isinstance(exc, AccessDenied):
        return ApiError(403, str(exc))
    if isinstance(exc, NotFound):
        return ApiError(404, str(exc))
    return ApiError(400, str(exc))


# -- request bodies ---------------------------------------------------------------------------------------------
class Body(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    @field_validator("*")
    @classmethod
    def _no_binary(cls, value: Any) -> Any:
        if isinstance(value, str) and "\x00" in value:
            raise ValueError("contains binary data (NUL characters): send plain text")
        return value


class Empty(Body):
    pass


class Login(Body):
    username: str = Field(min_length=1, max_length=200)
    password: str = Field(min_length=1, max_length=1000)


class NewCase(Body):
    request_text: str = Field(min_length=1)
    reference: str = Field(default="", max_length=200)
    received: str | None = Field(default=None, max_length=40, description="YYYY-MM-DD; default today")
    requester: str = Field(default="", max_length=300)


class DraftRun(Body):
    wait_seconds: float = Field(default=0, ge=0, le=MAX_WAIT_SECONDS)


class AnswerEdit(Body):
    answer: str
    version: int = Field(ge=1, description="the version the edit was made on")


class Decision(Body):
    decision: Literal["approved", "returned"]
    comment: str = Field(default="", max_length=10_000)
    version: int = Field(ge=1, description="the version the reviewer was shown")


async def read_body(request: Request, model: type[Body], limit: int) -> Any:
    """The request's JSON body as `model`, refusing other content types, oversize bodies and malformed JSON."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != JSON_TYPE:
        raise ApiError(415, f"Send the body as JSON with 'Content-Type: {JSON_TYPE}' (an empty request is {{}}).")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise ApiError(413, f"The body is {int(declared):,} bytes; the most accepted is {limit:,}.")
    raw = bytearray()
    async for chunk in request.stream():
        raw.extend(chunk)
        if len(raw) > limit:
            raise ApiError(413, f"The body is over {limit:,} bytes, the most accepted.")
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ApiError(400, "The body is not UTF-8 text: send JSON.") from None
    except json.JSONDecodeError as exc:
        raise ApiError(400, f"The body is not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno}).") from None
    if not isinstance(data, dict):
        raise ApiError(400, "The body must be a JSON object ({...}).")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg']}" for e in exc.errors())
        raise ApiError(400, f"The body was refused: {problems}.") from None


# -- what the API returns -------------------------------------------------------------------------------------------
def case_json(case: Case, job: Any = None) -> dict[str, Any]:
    deadline = case.deadline()
    answers = []
    for draft in case.drafts:
        number = draft.question.number
        meta = case.meta[number]
        latest = case.latest_review(number)
        answers.append(
            {
                "number": number,
                "question": draft.question.text,
                "answer": draft.answer,
                "status": draft.status.value,
                "status_reason": draft.status_reason,
                "exemptions": list(draft.exemptions),
                "flags": [asdict(f) for f in draft.flags],
                "citations": [asdict(c) for c in draft.citations],
                "version": meta.version,
                "version_kind": meta.kind,
                "updated_by": meta.updated_by,
                "updated_at": meta.updated_at,
                "review_state": case.review_state(number),
                "latest_review": asdict(latest) if latest else None,
            }
        )
    return {
        "id": case.id,
        "reference": case.reference,
        "received": case.received.isoformat(),
        "requester": case.requester,
        "request_text": case.request_text,
        "engine": case.engine,
        "state": case.state,
        "state_reason": case.state_reason,
        "created_by": case.created_by,
        "created_at": case.created_at,
        "due": deadline.due.isoformat(),
        "days_remaining": deadline.days_remaining,
        "drafting": job_json(job),
        "answers": answers,
    }


def job_json(job: Any) -> dict[str, Any] | None:
    if job is None:
        return None
    return {"running": not job.finished, "done": job.done, "total": job.total, "error": job.error or None}


# -- the routes -------------------------------------------------------------------------------------------------------
def make_api(ctx: AppContext) -> Any:
    """The /api router over the app's context (settings, case store, drafting jobs, sign-in)."""
    from fastapi import APIRouter

    router = APIRouter(prefix="/api")
    sessions = Sessions(ctx.settings.api_session_idle_seconds)
    limit = ctx.settings.api_max_body_bytes

    def viewer(request: Request) -> Viewer:
        if not ctx.auth_enabled:
            return Viewer(_local_user(), "admin")
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise ApiError(401, "Sign in first: POST /api/login, then send the token as 'Authorization: Bearer <token>'.")
        username = sessions.user(token.strip())
        record = ctx.user_record(username) if username else None
        if record is None:
            raise ApiError(401, "The sign-in has ended or the token is not known: sign in again.")
        return Viewer(record.username, record.role)

    async def call(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """A library call off the event loop, its refusals turned into HTTP statuses."""
        try:
            return await run_in_threadpool(fn, *args, **kwargs)
        except ApiError:
            raise
        except ValueError as exc:  # AccessDenied, EditConflict, NotFound, WrongState, RequestError are ValueErrors
            raise library_error(exc) from None

    def number_of(number: str) -> str:
        number = number.strip()
        if not number or len(number) > 20:
            raise ApiError(400, "The question number is missing or too long.")
        return number

    @router.post("/login")
    async def login(request: Request) -> Response:
        body = await read_body(request, Login, limit)
        if not ctx.auth_enabled:
            return respond({"token": None, "username": _local_user(), "role": "admin", "sign_in": "off"})
        if not await run_in_threadpool(ctx.check_password, body.username, body.password):
            raise ApiError(401, "Wrong user name or password, or too many failed attempts: wait a few minutes.")
        record = ctx.user_record(body.username)
        assert record is not None  # the password check passed
        return respond({"token": sessions.start(record.username), "username": record.username, "role": record.role,
                        "idle_timeout_seconds": ctx.settings.api_session_idle_seconds})

    @router.post("/logout")
    async def logout(request: Request) -> Response:
        await read_body(request, Empty, limit)
        viewer(request)
        sessions.end(request.headers.get("authorization", "").partition(" ")[2].strip())
        return respond({"signed_out": True})

    @router.get("/me")
    async def me(request: Request) -> Response:
        who = viewer(request)
        return respond({"username": who.username, "role": who.role, "sign_in": "on" if ctx.auth_enabled else "off"})

    @router.get("/cases")
    async def list_cases(request: Request, state: str | None = None) -> Response:
        viewer(request)
        rows = await call(ctx.store.list_cases, state=state or None)
        return respond([{**asdict(r), "received": r.received.isoformat(), "due": r.due.isoformat(),
                         "sent_on": r.sent_on.isoformat() if r.sent_on else None} for r in rows])

    @router.post("/cases")
    async def create_case(request: Request) -> Response:
        who = viewer(request)
        body = await read_body(request, NewCase, limit)
        if len(body.request_text) > ctx.settings.max_request_chars:
            raise ApiError(413, f"The request is {len(body.request_text):,} characters; the most accepted is "
                                f"{ctx.settings.max_request_chars:,}.")
        case_id = await call(ctx.store.create_case, body.request_text, reference=body.reference,
                             received=body.received or None, requester=body.requester, created_by=who.username)
        case = await call(ctx.store.get_case, case_id)
        return respond(case_json(case), 201)

    @router.get("/cases/{case_id}")
    async def get_case(request: Request, case_id: CaseId) -> Response:
        viewer(request)
        case = await call(ctx.store.get_case, case_id)
        return respond(case_json(case, ctx.jobs.get(case_id)))

    @router.post("/cases/{case_id}/draft")
    async def draft(request: Request, case_id: CaseId) -> Response:
        """Start drafting the questions not drafted yet (in the background, as in the app); wait up to N seconds."""
        who = viewer(request)
        body = await read_body(request, DraftRun, limit)
        case = await call(ctx.store.get_case, case_id)
        if not case.is_open:
            raise ApiError(409, f"The case is {case.state}: it can no longer be changed.")
        if not ctx.store.can(who.username, "edit"):
            raise ApiError(403, f"{who.username} ({who.role}) cannot draft answers.")
        job = await call(ctx.jobs.start, case_id, who.username)
        deadline = time.monotonic() + body.wait_seconds
        while not job.finished and time.monotonic() < deadline:
            await run_in_threadpool(job.wait, job.done, min(1.0, max(0.0, deadline - time.monotonic())))
        case = await call(ctx.store.get_case, case_id)
        return respond(case_json(case, job), 200 if job.finished else 202)

    @router.put("/cases/{case_id}/answers/{number}")
    async def edit_answer(request: Request, case_id: CaseId, number: str) -> Response:
        """A person's edit made on the version they saw, re-checked against its sources; 409 if it changed since."""
        who = viewer(request)
        body = await read_body(request, AnswerEdit, limit)
        number = number_of(number)
        if len(body.answer) > ctx.settings.max_request_chars:
            raise ApiError(413, f"The answer is over {ctx.settings.max_request_chars:,} characters.")
        case = await call(ctx.store.get_case, case_id)
        current = await call(case.draft, number)
        citations = flags = None
        try:  # as in the app: a failed re-check must not lose the edit
            checked = await run_in_threadpool(ctx.drafter.recheck, current, body.answer, received=case.received)
            citations, flags = checked.citations, checked.flags
        except Exception:
            log.exception("re-check of case %s question %s failed; saving the edit unchecked", case_id, number)
        changed = await call(ctx.store.update_answer, case_id, number, body.answer, who.username,
                             expected_version=body.version, citations=citations, flags=flags)
        case = await call(ctx.store.get_case, case_id)
        # the store moved the answer from the version seen to the next one, in one transaction
        version = body.version + 1 if changed else case.meta[number].version
        return respond({"changed": changed, "version": version, "answer": body.answer, "case_state": case.state,
                        "flags": [asdict(f) for f in (flags if flags is not None else case.draft(number).flags)]})

    @router.post("/cases/{case_id}/submit")
    async def submit(request: Request, case_id: CaseId) -> Response:
        who = viewer(request)
        await read_body(request, Empty, limit)
        state = await call(ctx.store.submit_for_review, case_id, who.username)
        return respond({"id": case_id, "state": state})

    @router.post("/cases/{case_id}/answers/{number}/review")
    async def review(request: Request, case_id: CaseId, number: str) -> Response:
        """Approve or return the version the reviewer saw; refused when it changed or when they wrote it."""
        who = viewer(request)
        body = await read_body(request, Decision, limit)
        number = number_of(number)
        decided = await call(ctx.store.review, case_id, number, body.decision, body.comment, who.username,
                             version=body.version)
        case = await call(ctx.store.get_case, case_id)
        return respond({**asdict(decided), "case_state": case.state})

    @router.api_route("/{rest:path}", methods=["GET", "POST", "PUT", "DELETE", "PATCH"])
    async def unknown(rest: str) -> Response:
        raise ApiError(404, f"There is no API address /api/{rest}.")

    return router


def install(app: Any, ctx: AppContext) -> None:
    """Add the API to the FastAPI app (before the workspace is mounted at '/', so /api is answered here)."""
    from fastapi.exceptions import RequestValidationError

    app.include_router(make_api(ctx))
    app.add_exception_handler(ApiError, lambda _request, exc: error_response(exc))

    def invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        where = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
        return error_response(ApiError(400, f"The address or query was refused: {where}."))

    def failed(request: Request, exc: Exception) -> Response:
        log.error("%s %s failed", request.method, request.url.path, exc_info=exc)
        if not request.url.path.startswith("/api/"):
            return PlainTextResponse("Internal server error: the details are in the server's log.", status_code=500)
        return error_response(ApiError(500, "The server could not complete the request; the error is in its log."))

    app.add_exception_handler(RequestValidationError, invalid)
    app.add_exception_handler(Exception, failed)
