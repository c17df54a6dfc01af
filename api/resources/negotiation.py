"""Content negotiation (`Accept`) and the reader's language (`lang=`, `Accept-Language`)."""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from typing import Any

from fastapi import Query, Request
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header

from ..sparql.negotiation import best_offer

LANGUAGES = ("fr", "en")
DEFAULT_LANGUAGE = "fr"


class Language(StrEnum):
    fr = "fr"
    en = "en"


def accepted(header: str) -> list[tuple[str, float]]:
    """Values of an Accept-style header with their q, best first (Werkzeug's parser).

    >>> accepted("text/html;q=0.5, text/turtle")
    [('text/turtle', 1), ('text/html', 0.5)]
    """
    return [(value.lower(), quality) for value, quality in parse_accept_header(header)]


def choose_media_type(header: str | None, offered: Sequence[str]) -> str | None:
    """The offered type the client prefers, the first offered one when it says nothing,
    None when it accepts none of them (then answer 406). The same negotiation as /sparql
    (api/sparql/negotiation.py).

    >>> choose_media_type("text/turtle;q=0.9, application/ld+json", ["text/html", "text/turtle",
    ...                   "application/ld+json"])
    'application/ld+json'
    >>> choose_media_type("text/*", ["application/ld+json", "text/turtle"])
    'text/turtle'
    """
    if not header or not header.strip():
        return offered[0]
    return best_offer(header, tuple(offered))


def reader_language(request: Request, lang: Language | None = None) -> str:
    """`lang=` wins, then the first supported language of Accept-Language, then French."""
    if lang is not None:
        return lang.value
    header = request.headers.get("accept-language", "")
    chosen = parse_accept_header(header, LanguageAccept).best_match(LANGUAGES) if header else None
    return chosen or DEFAULT_LANGUAGE


LANG_QUERY = Query(None, description="Language of labels: fr (default) or en; without it, "
                   "the first of fr/en in Accept-Language.")


# `lang` in the OpenAPI document of a route that reads it itself (`query_language`)
LANG_PARAMETER: dict[str, Any] = {
    "name": "lang", "in": "query", "required": False, "description": LANG_QUERY.description,
    "schema": {"type": "string", "enum": [language.value for language in Language]}}
_LANGUAGES = " or ".join(repr(language.value) for language in Language)


def query_language(request: Request, problems: list[dict[str, Any]]) -> Language | None:
    """The query's `lang` (the last one given) for a route that reads its own parameters
    (a DirectRoute): a value that is no language adds to `problems` what FastAPI's check
    said (pydantic's words), for the route's RequestValidationError."""
    given = request.query_params.get("lang")
    if given is None:
        return None
    if given in Language.__members__:
        return Language(given)
    problems.append({"loc": ("query", "lang"), "type": "enum",
                     "msg": f"Input should be {_LANGUAGES}"})
    return None
