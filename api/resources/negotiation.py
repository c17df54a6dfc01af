"""Content negotiation (`Accept`) and the reader's language (`lang=`, `Accept-Language`)."""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

from fastapi import Query, Request

LANGUAGES = ("fr", "en")
DEFAULT_LANGUAGE = "fr"


class Language(StrEnum):
    fr = "fr"
    en = "en"


def accepted(header: str) -> list[tuple[str, float]]:
    """Media ranges of an Accept header with their q, best first (stable for ties).

    >>> accepted("text/html;q=0.5, text/turtle")
    [('text/turtle', 1.0), ('text/html', 0.5)]
    """
    ranges = []
    for index, part in enumerate(header.split(",")):
        media, *params = (piece.strip() for piece in part.split(";"))
        if not media:
            continue
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = max(0.0, min(1.0, float(value)))
                except ValueError:
                    quality = 0.0
        ranges.append((index, media.lower(), quality))
    ranges.sort(key=lambda r: (-r[2], r[0]))
    return [(media, quality) for _, media, quality in ranges]


def choose_media_type(header: str | None, offered: Sequence[str]) -> str | None:
    """The offered type the client prefers, the first offered one when it says nothing,
    None when it accepts none of them (then answer 406).

    >>> choose_media_type("text/turtle;q=0.9, application/ld+json", ["text/html", "text/turtle",
    ...                   "application/ld+json"])
    'application/ld+json'
    >>> choose_media_type("text/*", ["application/ld+json", "text/turtle"])
    'text/turtle'
    """
    if not header or not header.strip():
        return offered[0]
    best: tuple[float, int, str] | None = None
    for position, candidate in enumerate(offered):
        quality = _quality(candidate, accepted(header))
        if quality > 0 and (best is None or (quality, -position) > (best[0], -best[1])):
            best = (quality, position, candidate)
    return best[2] if best else None


def _quality(candidate: str, ranges: list[tuple[str, float]]) -> float:
    kind = candidate.split("/")[0]
    specific = [(3 if media == candidate else 2 if media == f"{kind}/*" else 1, quality)
                for media, quality in ranges if media in (candidate, f"{kind}/*", "*/*")]
    return max(specific)[1] if specific else 0.0


def reader_language(request: Request, lang: Language | None = None) -> str:
    """`lang=` wins, then the first supported language of Accept-Language, then French."""
    if lang is not None:
        return lang.value
    for media, quality in accepted(request.headers.get("accept-language", "")):
        primary = media.split("-")[0]
        if quality > 0 and primary in LANGUAGES:
            return primary
    return DEFAULT_LANGUAGE


LANG_QUERY = Query(None, description="Language of labels: fr (default) or en; without it, "
                   "the first of fr/en in Accept-Language.")
