"""HTML pages from the Jinja2 templates in api/templates, in French or English."""

from __future__ import annotations

from functools import cache
from typing import Any

from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, select_autoescape


@cache
def _environment() -> Environment:
    return Environment(loader=PackageLoader("api", "templates"),
                       autoescape=select_autoescape(["html"]))


def render_page(template: str, lang: str, status_code: int = 200, **values: Any) -> HTMLResponse:
    """Render `template`; `t(english, french)` in templates picks the reader's language."""
    def t(english: str, french: str) -> str:
        return french if lang == "fr" else english

    values.setdefault("alternates", [])
    html = _environment().get_template(template).render(lang=lang, t=t, **values)
    return HTMLResponse(html, status_code=status_code,
                        headers={"Content-Language": lang, "Vary": "Accept, Accept-Language"})
