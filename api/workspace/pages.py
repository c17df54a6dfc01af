"""Workspace pages: Jinja2 templates in the reader's language (French by default)."""

from __future__ import annotations

import json
import secrets
from functools import cache
from importlib.resources import files
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse

LANGUAGES = ("fr", "en")


def page_language(request: Request) -> str:
    """`?lang=`, then the `lang` cookie, then Accept-Language, then French."""
    asked = request.query_params.get("lang")
    if asked in LANGUAGES:
        return asked
    remembered = request.cookies.get("lang")
    if remembered in LANGUAGES:
        return remembered
    for part in request.headers.get("accept-language", "").split(","):
        primary = part.split(";")[0].strip().split("-")[0].lower()
        if primary in LANGUAGES:
            return primary
    return "fr"


@cache
def strings(lang: str) -> dict[str, str]:
    text = files(__package__).joinpath("i18n", f"{lang}.json").read_text(encoding="utf-8")
    loaded: dict[str, str] = json.loads(text)
    return loaded


class Translator:
    def __init__(self, lang: str) -> None:
        self.lang = lang
        self._strings = strings(lang)

    def __call__(self, key: str, **values: object) -> str:
        text = self._strings.get(key, key)
        return text.format(**values) if values else text


@cache
def environment() -> Environment:
    return Environment(loader=PackageLoader("api.workspace", "templates"),
                       autoescape=select_autoescape(["html"]), undefined=StrictUndefined,
                       trim_blocks=True, lstrip_blocks=True)


def csrf_token(request: Request) -> str:
    """The CSRF token the forms of this page send back: a random value kept in the signed
    session (the synchronizer token pattern; web.py checks it on every unsafe request)."""
    token = request.session.get("csrf")
    if not isinstance(token, str):
        token = request.session["csrf"] = secrets.token_urlsafe(32)
    return token


def render(request: Request, template: str, *, title: str, status_code: int = 200,
           **values: Any) -> HTMLResponse:
    lang = page_language(request)
    other = "en" if lang == "fr" else "fr"
    html = environment().get_template(template).render(
        request=request, lang=lang, other_lang=other, t=Translator(lang), title=title,
        csrf=csrf_token(request), account=values.pop("account", None), **values)
    response = HTMLResponse(html, status_code=status_code, headers={
        "Content-Language": lang, "Cache-Control": "no-store",
        "Vary": "Accept-Language, Cookie"})
    if request.query_params.get("lang") in LANGUAGES:
        response.set_cookie("lang", lang, max_age=365 * 24 * 3600, samesite="lax",
                            httponly=True)
    return response
