"""The indicators page (`/indicators`): the Data Cube by year, region, actor type and form
of investment, as tables (charts drawn from them when scripts run), each with its CSV and
the named query behind it. Statistical confidentiality applies (api/confidentiality.py)."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from starlette.responses import HTMLResponse

from ...confidentiality import Answers
from ...resources.running import ReaderOf
from .. import figures
from ..figures import Figures
from ..i18n import Translator, page_language
from ..kept_pages import Pages, kept_page
from ..render import render_html, respond

router = APIRouter(tags=["pages"])


@router.get("/indicators", summary="Indicators page (HTML)", response_class=HTMLResponse)
def indicators(request: Request, pages: Pages, answers: Answers, who: ReaderOf,
               measure: str = Query("jobsFTE", pattern="^(" + "|".join(figures.MEASURES) + ")$",
                                    description="The measure shown by region, actor type and "
                                    "form of investment")) -> HTMLResponse:
    lang = page_language(request)
    html = kept_page(pages, who, "indicators", lang, request.query_params.multi_items(),
                     lambda: _render(request, Figures(answers, who), lang, measure))
    return respond(request, html, lang)


def _render(request: Request, seen: Figures, lang: str, measure: str) -> str:
    t = Translator(lang)
    tables = []
    for dimension in figures.DIMENSIONS[1:]:
        years, values = figures.by_value_and_year(figures.indicator_rows(seen, lang, dimension))
        tables.append((dimension, years, values))
    return render_html(
        request, "indicators.html", lang=lang, title=t("indicators.title"), section="indicators",
        yearly=figures.indicator_rows(seen, lang, "total"), measures=figures.MEASURES,
        money=figures.MONEY, measure=measure, tables=tables,
        threshold=seen.reader.settings.confidentiality_threshold)
