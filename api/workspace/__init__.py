"""The coordinators' workspace (issue 17): accounts, upload and check, preview and publish,
history and rollback, under `/workspace`.

It is its own small ASGI application behind a gate (`gate.py`): the public API's
middleware (CORS for every origin, the 10 MiB body cap, caching) does not apply to it, and
its own (signed session cookie, CSRF check on every form, the upload size cap) does not
cost the public routes anything.
"""

from __future__ import annotations

from fastapi import FastAPI

from store import Settings

from .gate import PREFIX, WorkspaceGate


def install_workspace(app: FastAPI, settings: Settings) -> None:
    """Put the workspace in front of `app` (call it last: the gate is the outermost layer)."""
    from .state import admin_token

    app.add_middleware(WorkspaceGate, main=app, settings=settings)
    app.state.admin_token = lambda token: admin_token(app, token)


__all__ = ["PREFIX", "install_workspace"]
