"""Content negotiation (`Accept`) and the reader's language (`lang=`, `Accept-Language`)."""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

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
