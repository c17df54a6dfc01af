"""Workspace pages: the portal's templates and languages (api/portal), with what every
workspace page adds: the account, the CSRF token of its forms, no caching."""

from __future__ import annotations

import secrets
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse

from ..portal.i18n import Translator, page_language
from ..portal.render import render as render_portal

__all__ = ["Translator", "csrf_token", "page_language", "render"]


def csrf_token(request: Request) -> str:
    """The CSRF token the forms of this page send back: a random value kept in the signed
    session (the synchronizer token pattern; web.py checks it on every unsafe request)."""
    token = request.session.get("csrf")
    if not isinstance(token, str):
        token = request.session["csrf"] = secrets.token_urlsafe(32)
    return token


def _short(iri: str) -> str:
    return iri.rstrip("/#").rsplit("/", 1)[-1].rsplit("#", 1)[-1]


def render(request: Request, template: str, *, title: str, status_code: int = 200,
           **values: Any) -> HTMLResponse:
    """`workspace/{template}` in the page's language, never kept by a cache."""
    base: str = request.app.state.main.state.settings.base_iri
    values.setdefault("account", None)
    response = render_portal(
        request, f"workspace/{template}", title=title, status_code=status_code,
        csrf=csrf_token(request),
        short_names=lambda iris: ", ".join(_short(i) for i in iris),
        public_path=lambda iri: "/" + iri[len(base):] if iri.startswith(base) else iri,
        **values)
    response.headers["Cache-Control"] = "no-store"
    return response


