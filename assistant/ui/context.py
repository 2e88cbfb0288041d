"""What every view shares: settings, the drafting pipeline, the case store, and who is signed in."""
from __future__ import annotations

import getpass
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.cases import PERMISSIONS, CaseStore
from assistant.settings import Settings, User
from assistant.signin import SignInGuard, make_checker

REVIEW_ROLES = PERMISSIONS["review"]


@dataclass
class Viewer:
    username: str
    role: str

    @property
    def can_review(self) -> bool:
        return self.role in REVIEW_ROLES

    @property
    def can_open(self) -> bool:
        return self.role in PERMISSIONS["open"]


@dataclass
class AppContext:
    settings: Settings
    drafter: Any  # assistant.drafting.Drafter; typed loosely so tests can pass a stand-in
    store: CaseStore
    jobs: Any = None  # assistant.ui.jobs.DraftJobs, made in __post_init__
    guard: SignInGuard = field(default=None)  # type: ignore[assignment]

    def __post_init__(self) -> None:
        if self.guard is None:
            self.guard = SignInGuard(self.settings.sign_in_max_failures, self.settings.sign_in_window_seconds)
        self._check = make_checker(self.settings.users, self.guard)
        if self.jobs is None:
            from assistant.ui.jobs import DraftJobs

            self.jobs = DraftJobs(self.drafter, self.store)

    @property
    def index(self) -> Any:
        return self.drafter.index

    @property
    def auth_enabled(self) -> bool:
        return bool(self.settings.users)

    @property
    def exports_dir(self) -> Path:
        return (self.settings.data_dir / "exports").resolve()

    @property
    def uploads_dir(self) -> Path:
        from assistant.uploads import uploads_dir

        return uploads_dir(self.settings)

    def user_record(self, username: str | None) -> User | None:
        return next((u for u in self.settings.users if u.username == username), None)

    def viewer(self, request: Any) -> Viewer:
        """The signed-in user; without sign-in (a loopback-only, one-person install) the local account with every right."""
        username = getattr(request, "username", None) if request is not None else None
        if not self.auth_enabled:
            return Viewer(username or _local_user(), "admin")
        record = self.user_record(username)
        if record is None:  # cannot happen behind auth=, but never grant rights to an unknown name
            return Viewer(username or "anonymous", "none")
        return Viewer(record.username, record.role)

    def check_password(self, username: str, password: str) -> bool:
        """bcrypt check of the password, refused without checking while the name has too many recent failures."""
        return self._check(username, password)


def _local_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # pragma: no cover - no login name in some containers
        return "local"


def open_case(ctx: AppContext, state: dict | None, empty_message: str) -> Any:
    """The case a view is showing, with its header; or a message (no case open, or it cannot be read) and None.

    Must be called inside a `gr.render` function."""
    import gradio as gr

    from assistant.ui import html

    case_id = (state or {}).get("id")
    if not case_id:
        gr.Markdown(empty_message)
        return None
    try:
        case = ctx.store.get_case(case_id)
    except ValueError as exc:
        gr.Markdown(f"⚠️ {html.md_escape(str(exc))}")
        return None
    gr.HTML(html.case_header(case))
    return case
