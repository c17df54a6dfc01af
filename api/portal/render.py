"""Portal pages: the Jinja2 templates of `api/portal/templates`, in the reader's language.

Every page extends `layout.html` (header with the navigation, the search box and the
language switch; footer with the licence). A route calls `render(request, "x.html",
title=..., section=..., **values)`; the template gets `lang`, `t` (interface strings),
`label` (model labels in the page language), `switch_url` and `url_for_lang`.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse

from .i18n import COOKIE, Translator, asked_language, label, page_language

# the navigation: (section, path, string key); a page names its section to be marked current
NAVIGATION = (
    ("home", "/", "nav.home"),
    ("indicators", "/indicators", "nav.indicators"),
    ("browse", "/browse", "nav.browse"),
    ("queries", "/query", "nav.queries"),
    ("data", "/data", "nav.data"),
)
# a year: the reader chose a language, the next pages keep it
COOKIE_SECONDS = 365 * 24 * 3600


@cache
def environment() -> Environment:
    env = Environment(loader=PackageLoader("api.portal", "templates"),
                      autoescape=select_autoescape(["html"]), undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["number"] = format_number
    return env


def format_number(value: Any, lang: str = "fr", digits: int = 0) -> str:
    """A number as the page's language writes it: `12 345,5` in French, `12,345.5` in English.

    >>> format_number(12345.5, "fr", 1), format_number(12345.5, "en", 1)
    ('12\u202f345,5', '12,345.5')
    """
    if value is None or value == "":
        return ""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    text = f"{number:,.{digits}f}"
    if lang == "fr":
        text = text.replace(",", "\u202f").replace(".", ",")
    return text


def url_for_lang(request: Request, lang: str) -> str:
    """This page's URL (path and query) with `lang` set, for the language switch."""
    query = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
    query.append(("lang", lang))
    from urllib.parse import urlencode
    return f"{request.url.path}?{urlencode(query)}"


def render(request: Request, template: str, *, title: str, section: str = "",
           status_code: int = 200, lang: str | None = None, **values: Any) -> HTMLResponse:
    """The page `template` in the reader's language (`page_language`)."""
    lang = lang or page_language(request)
    html = render_html(request, template, title=title, section=section, lang=lang, **values)
    return respond(request, html, lang, status_code)


def render_html(request: Request, template: str, *, title: str, section: str, lang: str,
                **values: Any) -> str:
    other = "en" if lang == "fr" else "fr"
    return environment().get_template(template).render(
        request=request, lang=lang, other_lang=other, t=Translator(lang),
        label=lambda iri: label(iri, lang), navigation=NAVIGATION, section=section,
        switch_url=url_for_lang(request, other), title=title,
        number=lambda value, digits=0: format_number(value, lang, digits), **values)


def respond(request: Request, html: str, lang: str, status_code: int = 200) -> HTMLResponse:
    """A rendered page as the response: its language headers, and the language cookie when
    the reader chose one with `?lang=`."""
    response = HTMLResponse(html, status_code=status_code, headers={
        "Content-Language": lang, "Vary": "Accept-Language, Cookie"})
    if asked_language(request) and request.cookies.get(COOKIE) != lang:
        response.set_cookie(COOKIE, lang, max_age=COOKIE_SECONDS, samesite="lax", httponly=True)
    return response
