"""The portal's home page (`/`): what the observatory knows, at a glance.

Each block names the query it comes from (`figures.py`); the figures are kept until the
store changes, so the page costs a template rendering per view.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import HTMLResponse

from ...confidentiality import Answers
from ...resources.running import ReaderOf
from .. import figures
from ..figures import Figures
from ..i18n import Translator, page_language
from ..kept_pages import Pages, kept_page
from ..maps import choropleth
from ..render import render_html, respond

router = APIRouter(tags=["pages"])

HOME_FIGURES = ("tsrActors", "esrActors", "otherActors", "projects", "tsrEsrProjects",
                "tsrEsrPartnerships", "outputs", "programmes")
HOME_MEASURES = ("jobsFTE", "researchJobsFTE", "phdCount", "budget", "researchBudget")


@router.get("/", summary="Portal home page (HTML, French by default, ?lang=en)",
            response_class=HTMLResponse)
def home(request: Request, pages: Pages, answers: Answers, who: ReaderOf) -> HTMLResponse:
    lang = page_language(request)
    html = kept_page(pages, who, "home", lang, request.query_params.multi_items(),
                     lambda: _render(request, Figures(answers, who), lang))
    return respond(request, html, lang)


def _render(request: Request, seen: Figures, lang: str) -> str:
    t = Translator(lang)
    yearly = figures.indicator_rows(seen, lang, "total")
    territories = figures.territories(seen, lang)
    return render_html(
        request, "home.html", lang=lang, title=t("home.title"), section="home",
        key_figures=figures.key_figures(seen), figure_names=HOME_FIGURES,
        yearly=yearly, latest=yearly[-1] if yearly else None, home_measures=HOME_MEASURES,
        measures=figures.MEASURES, money=figures.MONEY,
        sector_types=[row for row in figures.sector_types(seen, lang)
                      if row.values["sector"] == "tsr"],
        territories=territories,
        region_map=choropleth("region", territories["region"], lang),
        department_map=choropleth("department", territories["department"], lang),
        loads=figures.loads(seen)[:5])
