"""The app's HTTP edge: which hosts and origins it answers, the security headers it sends, and the sign-in throttle.

Gradio serves the workspace; this wraps it in a FastAPI app so every response carries a Content-Security-Policy
that loads nothing from elsewhere, a request naming a foreign Host or Origin is refused, and repeated failed
sign-ins from one address are slowed to a stop.
"""
from __future__ import annotations

import ipaddress
import logging
from typing import Any, Iterable
from urllib.parse import urlsplit

from starlette.middleware.base import BaseHTTPMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

from assistant.signin import SignInGuard

log = logging.getLogger("assistant.app")

#: Everything from this server only: Gradio needs inline scripts/styles and eval (its HTML components run code
#: through Function()), images may be data:/blob: URLs it makes itself; nothing remote, no framing, no plugins.
CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self' 'unsafe-inline' 'unsafe-eval'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "media-src 'self' blob:",
        "worker-src 'self' blob:",
        "frame-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")


def is_loopback(host: str) -> bool:
    host = host.strip("[]")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_listen(host: str, users_configured: bool) -> None:
    """Without users nobody signs in and everyone acts as the local account: that is only safe on loopback."""
    if not users_configured and not is_loopback(host):
        raise SystemExit(
            f"Refusing to listen on {host}: no users are configured, so sign-in is off and anyone who can reach the "
            "app could read and change every case. Configure users (FOI_USERS with password hashes) or listen on "
            "127.0.0.1."
        )


def allowed_hosts(listen_host: str, extra: Iterable[str] = ()) -> set[str]:
    """Host names a browser may use to reach the app: loopback names, the listening address, configured extras."""
    hosts = {*LOOPBACK_NAMES, *(h.lower() for h in extra)}
    if listen_host not in ("0.0.0.0", "::"):
        hosts.add(listen_host.lower().strip("[]"))
    return hosts


def _host_name(value: str) -> str:
    try:
        return (urlsplit(f"//{value}").hostname or "").lower()
    except ValueError:
        return ""


class EdgeMiddleware(BaseHTTPMiddleware):
    """Host/Origin allow-list, security headers on every response, and a per-address sign-in throttle."""

    def __init__(self, app: Any, hosts: set[str], guard: SignInGuard) -> None:
        super().__init__(app)
        self.hosts = hosts
        self.guard = guard

    async def dispatch(self, request: Request, call_next: Any) -> Response:
        host = _host_name(request.headers.get("host", ""))
        if host not in self.hosts:
            return self._refuse(request, f"Unknown host '{host}'.", 421)
        origin = request.headers.get("origin")
        if origin and origin != "null":
            parts = urlsplit(origin)
            if parts.scheme not in ("http", "https") or (parts.hostname or "").lower() not in self.hosts:
                return self._refuse(request, "Requests from another site are refused.", 403)
        signing_in = request.method == "POST" and request.url.path.rstrip("/").endswith("/login")
        client = f"addr:{request.client.host if request.client else 'unknown'}"
        if signing_in and self.guard.blocked(client):
            log.warning("sign-in throttled for %s", client)
            return self._refuse(request, "Too many failed sign-ins: wait a few minutes.", 429)
        response = await call_next(request)
        if signing_in:
            if response.status_code >= 400:
                self.guard.failed(client)
            else:
                self.guard.succeeded(client)
        return self._headers(response)

    def _refuse(self, request: Request, message: str, status: int) -> Response:
        """A refusal in plain words: JSON for the API, text for the workspace."""
        if request.url.path.startswith("/api/"):
            return self._headers(JSONResponse({"error": message}, status_code=status))
        return self._headers(PlainTextResponse(message, status_code=status))

    @staticmethod
    def _headers(response: Response) -> Response:
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response


def make_server_app(demo: Any, ctx: Any, host: str, extra_hosts: Iterable[str] = (), **mount: Any) -> Any:
    """A FastAPI app serving the JSON API at '/api' and the Blocks at '/', behind the edge middleware."""
    import fastapi
    import gradio as gr

    from assistant.ui import api

    app = fastapi.FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    app.add_middleware(EdgeMiddleware, hosts=allowed_hosts(host, extra_hosts), guard=ctx.guard)
    api.install(app, ctx)  # /api/... before the workspace at '/', so the API answers its own addresses
    return gr.mount_gradio_app(app, demo, path="/", **mount)
