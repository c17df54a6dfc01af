"""The gate: requests under /workspace go to the workspace application, others to the API.

The workspace application is built at its first request, wrapped (outermost first) in
the upload size cap and the signed session cookie (Starlette's SessionMiddleware, signed
with itsdangerous: HttpOnly, SameSite=Lax, Secure when `secure_cookies` or an https
`public_url` says so). The session also holds the CSRF token every form sends back
(web.py, `csrf_protected`).
"""

from __future__ import annotations

import threading
from typing import Any

from fastapi import FastAPI
from starlette.middleware.sessions import SessionMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from store import Settings

from ..limits import BodySizeLimit

PREFIX = "/workspace"
SESSION_COOKIE = "tsr_session"
SESSION_SECONDS = 8 * 3600  # a working day; then sign in again


def under_workspace(path: str) -> bool:
    return path == PREFIX or path.startswith(PREFIX + "/")


class WorkspaceGate:
    def __init__(self, app: ASGIApp, main: FastAPI, settings: Settings) -> None:
        self.app = app
        self.main = main
        self.settings = settings
        self._workspace: ASGIApp | None = None
        self._lock = threading.Lock()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and under_workspace(scope["path"]):
            await self._application()(scope, receive, send)
            return
        await self.app(scope, receive, send)

    def _application(self) -> ASGIApp:
        if self._workspace is None:
            with self._lock:
                if self._workspace is None:
                    self._workspace = build(self.main, self.settings)
        return self._workspace


def build(main: FastAPI, settings: Settings) -> ASGIApp:
    from .application import workspace_app
    from .state import workspace_of

    secret = workspace_of(main).accounts.signing_secret()
    secure = settings.cookies_secure
    application: Any = workspace_app(main)
    application = SessionMiddleware(
        application, secret_key=secret, session_cookie=SESSION_COOKIE,
        max_age=SESSION_SECONDS, path=PREFIX, same_site="lax", https_only=secure)
    return BodySizeLimit(application, max_bytes=settings.max_upload_bytes)
