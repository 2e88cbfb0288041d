"""Sign-in: bcrypt password hashes (never plain passwords in settings) and a limit on failed attempts.

The limit counts failures per user name and per client address inside a sliding window; while either is over
the limit every attempt fails without checking the password, so guessing costs the attacker the whole window.
"""
from __future__ import annotations

import threading
import time
from collections import defaultdict, deque
from typing import Callable, Iterable

from functools import lru_cache

import bcrypt

from assistant.settings import User


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    """A hash to check against when the name is unknown, so a wrong name costs as long as a wrong password."""
    return bcrypt.hashpw(b"no such user", bcrypt.gensalt(rounds=12)).decode()


def hash_password(password: str, rounds: int = 12) -> str:
    if not password:
        raise ValueError("The password is empty.")
    if len(password.encode()) > 72:
        raise ValueError("The password is longer than 72 bytes, the most bcrypt uses: choose a shorter one.")
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=rounds)).decode()


def verify_password(password: str, hashed: str) -> bool:
    try:
        return bcrypt.checkpw(password.encode()[:72], hashed.encode())
    except ValueError:  # not a bcrypt hash
        return False


def check_users(users: Iterable[User]) -> None:
    """Refuse settings that hold a password itself rather than its hash, or a user with neither."""
    for user in users:
        if user.password and not user.password_hash:
            raise ValueError(
                f"User '{user.username}' has a plain password in the settings: store its hash instead "
                "(`foi hash-password` prints one) as password_hash."
            )
        if not user.password_hash.startswith(("$2a$", "$2b$", "$2y$")):
            raise ValueError(f"User '{user.username}' has no bcrypt password_hash (`foi hash-password` prints one).")


class SignInGuard:
    """Failed sign-ins per key (a user name, a client address) in a sliding window."""

    def __init__(self, max_failures: int = 5, window_seconds: float = 300.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.max_failures = max_failures
        self.window = window_seconds
        self.clock = clock
        self._failures: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def _recent(self, key: str) -> deque[float]:
        now = self.clock()
        stamps = self._failures[key]
        while stamps and now - stamps[0] > self.window:
            stamps.popleft()
        return stamps

    def blocked(self, key: str) -> bool:
        with self._lock:
            return len(self._recent(key)) >= self.max_failures

    def failed(self, key: str) -> None:
        with self._lock:
            self._recent(key).append(self.clock())

    def succeeded(self, key: str) -> None:
        with self._lock:
            self._failures.pop(key, None)


def make_checker(users: Iterable[User], guard: SignInGuard) -> Callable[[str, str], bool]:
    """The function the app's sign-in form calls: bcrypt check, throttled per user name."""
    by_name = {u.username: u for u in users}

    def check(username: str, password: str) -> bool:
        key = f"user:{username}"
        if guard.blocked(key):
            return False
        record = by_name.get(username)
        ok = verify_password(password, record.password_hash if record else _dummy_hash()) and record is not None
        if ok:
            guard.succeeded(key)
        else:
            guard.failed(key)
        return ok

    return check


class Sessions:
    """Bearer tokens for the HTTP API: random, kept only in memory, ended by sign-out or after an idle time.

    A token in a header (never a cookie) is not sent by a browser on its own, so another site cannot make a
    signed-in officer's browser act through the API (no CSRF)."""

    def __init__(self, idle_seconds: float = 8 * 3600, clock: Callable[[], float] = time.monotonic) -> None:
        self.idle = idle_seconds
        self.clock = clock
        self._tokens: dict[str, tuple[str, float]] = {}
        self._lock = threading.Lock()

    def start(self, username: str) -> str:
        import secrets

        token = secrets.token_urlsafe(32)
        with self._lock:
            self._tokens[token] = (username, self.clock())
        return token

    def user(self, token: str) -> str | None:
        """The user a token belongs to (and its idle clock restarted); None when unknown or expired."""
        now = self.clock()
        with self._lock:
            found = self._tokens.get(token)
            if found is None:
                return None
            username, last = found
            if now - last > self.idle:
                del self._tokens[token]
                return None
            self._tokens[token] = (username, now)
            return username

    def end(self, token: str) -> bool:
        with self._lock:
            return self._tokens.pop(token, None) is not None
