"""The portal's home page (`/`): what the observatory knows, at a glance."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import HTMLResponse

from ..i18n import Translator, page_language
from ..render import render

router = APIRouter(tags=["pages"])


@router.get("/", summary="Portal home page (HTML, French by default, ?lang=en)",
            response_class=HTMLResponse)
def home(request: Request) -> HTMLResponse:
    lang = page_language(request)
    return render(request, "home.html", lang=lang, title=Translator(lang)("home.title"),
                  section="home")
