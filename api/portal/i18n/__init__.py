"""The portal's languages: which one a page is written in, and its interface strings.

French is the default. A page's language is, in this order: `?lang=fr|en` (which the page
then remembers in a cookie), the `lang` cookie, the first of fr/en in Accept-Language,
French. Interface strings live in one JSON file per language next to this module
(`fr.json`, `en.json`, the same keys in both: a test checks it); labels of the ontology's
classes and of the vocabularies' concepts come from the model itself (`label`).
"""

from __future__ import annotations

import json
from functools import cache
from importlib.resources import files

from starlette.requests import Request

from ...resources.model_docs import model_docs
from ...resources.negotiation import accepted

LANGUAGES = ("fr", "en")
DEFAULT = "fr"
COOKIE = "lang"


def asked_language(request: Request) -> str | None:
    """The language the query string asks for (`?lang=`), if it is one we write."""
    asked = request.query_params.get("lang")
    return asked if asked in LANGUAGES else None


def page_language(request: Request) -> str:
    """`?lang=`, then the `lang` cookie, then Accept-Language, then French."""
    asked = asked_language(request)
    if asked:
        return asked
    remembered = request.cookies.get(COOKIE)
    if remembered in LANGUAGES:
        return remembered
    for media, quality in accepted(request.headers.get("accept-language", "")):
        primary = media.split("-")[0].lower()
        if quality > 0 and primary in LANGUAGES:
            return primary
    return DEFAULT


@cache
def strings(lang: str) -> dict[str, str]:
    """The interface strings of `lang` (read once from `i18n/{lang}.json`)."""
    text = files(__package__).joinpath(f"{lang}.json").read_text(encoding="utf-8")
    loaded: dict[str, str] = json.loads(text)
    return loaded


class Translator:
    """`t("nav.home")` gives the string in the page's language; `t("x", n=3)` fills `{n}`.

    A key missing from the file shows as the key itself (visible on the page, and the test
    comparing fr.json with en.json catches it) rather than failing the whole page.
    """

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self._strings = strings(lang)

    def __call__(self, key: str, **values: object) -> str:
        text = self._strings.get(key, key)
        return text.format(**values) if values else text


def label(iri: str, lang: str) -> str:
    """The label of an ontology class or property, or of a vocabulary concept, in `lang`
    (the other language, then the IRI's last segment, when it has none)."""
    found = model_docs().label(iri, lang)
    return found if found is not None else iri.rstrip("/#").rsplit("/", 1)[-1].rsplit("#", 1)[-1]
