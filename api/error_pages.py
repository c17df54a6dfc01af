"""Errors as a page for browsers, as JSON for everyone else.

A person who follows a wrong link gets a readable page in their language, with the same
status; a program keeps FastAPI's JSON bodies (`{"detail": ...}`), which it can parse. A
browser is a client whose Accept prefers text/html to JSON.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exception_handlers import (
    http_exception_handler,
    request_validation_exception_handler,
)
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.responses import Response

from .resources.negotiation import LANGUAGES, choose_media_type, reader_language
from .resources.pages import render_page

_TITLES = {
    400: ("Bad request", "Requête incorrecte"),
    401: ("Authentication needed", "Authentification requise"),
    403: ("Not allowed", "Accès refusé"),
    404: ("Not found", "Page introuvable"),
    405: ("Method not allowed", "Méthode non autorisée"),
    406: ("No acceptable format", "Aucun format acceptable"),
    422: ("Invalid parameter", "Paramètre invalide"),
}


def wants_html(request: Request) -> bool:
    accept = request.headers.get("accept")
    return bool(accept) and choose_media_type(accept, ("application/json", "text/html")) == (
        "text/html")


def _page(request: Request, status: int, message: str,
          headers: Mapping[str, str] | None = None) -> Response:
    asked = request.query_params.get("lang")
    lang = asked if asked in LANGUAGES else reader_language(request)
    english, french = _TITLES.get(status, ("Error", "Erreur"))
    response = render_page("error.html", lang, status_code=status,
                           title=f"{status} · {french if lang == 'fr' else english}",
                           message=message)
    response.headers.update(headers or {})
    return response


async def _http_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, HTTPException)
    if not wants_html(request):
        return await http_exception_handler(request, error)
    return _page(request, error.status_code, str(error.detail), error.headers)


async def _invalid_request(request: Request, error: Exception) -> Response:
    assert isinstance(error, RequestValidationError)
    if not wants_html(request):
        return await request_validation_exception_handler(request, error)
    return _page(request, 422, "; ".join(_describe(problem) for problem in error.errors()))


def _describe(problem: dict[str, Any]) -> str:
    where = ".".join(str(part) for part in problem.get("loc", ())[1:]) or "request"
    return f"{where}: {problem.get('msg', 'invalid')}"


def install_error_pages(app: FastAPI) -> None:
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _invalid_request)
