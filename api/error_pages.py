"""Errors as a page for browsers, as JSON (or the SPARQL protocol's plain text) for everyone
else.

A person who follows a wrong link gets a readable page in their language, with the same
status; a program gets JSON (`{"detail": "one line"}`, an invalid parameter's 422 too) or
the one-line text of the SPARQL endpoints (api/sparql/errors.py), which it can read. A browser is a client
whose Accept prefers text/html to JSON.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from store import StoreError

from .portal.i18n import page_language
from .portal.render import render
from .resources.negotiation import choose_media_type
from .sparql.execution import log_failure, store_failure

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
    return _prefers_html(request.headers.get("accept"))


def _prefers_html(accept: str | None) -> bool:
    return bool(accept) and choose_media_type(accept, ("application/json", "text/html")) == (
        "text/html")


def _page(request: Request, status: int, message: str,
          headers: Mapping[str, str] | None = None) -> Response:
    lang = page_language(request)
    english, french = _TITLES.get(status, ("Error", "Erreur"))
    # in the portal's layout (header, navigation, search box, language switch)
    response = render(request, "error.html", lang=lang, status_code=status,
                      title=f"{status} · {french if lang == 'fr' else english}", message=message)
    response.headers.update(headers or {})
    return response


async def _http_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, HTTPException)
    if not wants_html(request):
        return await http_exception_handler(request, error)
    return _page(request, error.status_code, str(error.detail), error.headers)


async def _store_failed(request: Request, error: Exception) -> Response:
    """A store's failure no route answered itself (VoID, /health, dumps, /reconcile, the
    Graph Store GET...), and the store's own failures (StoreFault, 502) on every route: the
    answer of the one table (api/sparql/execution.py `store_failure`), its message one
    line, and one log line for a failure of the server's side, never a traceback."""
    failure = store_failure(error)
    log_failure(f"{request.method} {request.url.path}", failure)
    return await _http_error(request, HTTPException(failure.status, failure.message,
                                                    failure.headers or None))


async def _invalid_request(request: Request, error: Exception) -> Response:
    """A parameter of the wrong form (`page=abc`), or a required one missing: 422, its
    message one line as every other client error's (not FastAPI's list of pydantic
    errors), the same words on the page and in `{"detail": ...}`."""
    assert isinstance(error, RequestValidationError)
    message = "; ".join(_describe(problem) for problem in error.errors())
    if not wants_html(request):
        return JSONResponse({"detail": message}, status_code=422)
    return _page(request, 422, message)


def _describe(problem: dict[str, Any]) -> str:
    where = ".".join(str(part) for part in problem.get("loc", ())[1:]) or "request"
    return " ".join(f"{where}: {problem.get('msg', 'invalid')}".split())  # one line


# the 422 answer as the OpenAPI document describes it (FastAPI's own describes a list)
_VALIDATION_ERROR = {
    "title": "HTTPValidationError", "type": "object", "required": ["detail"],
    "properties": {"detail": {
        "title": "Detail", "type": "string",
        "description": "What is wrong, in one line: each parameter's name and problem "
                       "(`page: Input should be a valid integer...`), separated by `; `.",
    }},
}


def _with_one_line_validation_errors(app: FastAPI) -> None:
    """The OpenAPI document's 422 answers as `_invalid_request` gives them."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schemas = generate().get("components", {}).get("schemas", {})
            if "HTTPValidationError" in schemas:
                schemas["HTTPValidationError"] = _VALIDATION_ERROR
                schemas.pop("ValidationError", None)  # referred to by the list only
        return app.openapi_schema or generate()

    app.openapi = openapi  # type: ignore[method-assign]


class PlainErrorsAsPages:
    """The SPARQL endpoints' one-line text errors (`/sparql`, `/store`, VoID, dumps), as a
    page for a browser; untouched for everyone else (the request's Accept decides before
    any response is looked at)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not _prefers_html(_accept(scope)):
            await self.app(scope, receive, send)
            return
        start: Message | None = None
        body = bytearray()

        async def as_page(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                content_type = Headers(raw=message["headers"]).get("content-type", "")
                if message["status"] >= 400 and content_type.startswith("text/plain"):
                    start = message  # held until the body, which becomes the page
                    return
            elif message["type"] == "http.response.body" and start is not None:
                body.extend(message.get("body", b""))
                if message.get("more_body", False):
                    return
                kept = {name: value for name, value in Headers(raw=start["headers"]).items()
                        if name.lower() in ("www-authenticate", "allow", "retry-after")}
                page = _page(Request(scope), start["status"],
                             body.decode("utf-8", "replace").strip(), kept)
                await page(scope, receive, send)
                return
            await send(message)

        await self.app(scope, receive, as_page)


def _accept(scope: Scope) -> str | None:
    """The Accept header when it names text/html (a cheap test on every request: programs
    rarely send it), else None."""
    for name, value in scope["headers"]:
        if name == b"accept":
            return value.decode("latin-1") if b"text/html" in value else None
    return None


def install_error_answers(app: FastAPI) -> None:
    """The answers to an HTTP error (404...), a parameter of the wrong form (422) and a
    store's failure (the one table), each one line, a page for a browser: the API's, and
    the workspace's (its own application, api/workspace)."""
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _invalid_request)
    app.add_exception_handler(StoreError, _store_failed)


def install_error_pages(app: FastAPI) -> None:
    install_error_answers(app)
    _with_one_line_validation_errors(app)
    app.add_middleware(PlainErrorsAsPages)
