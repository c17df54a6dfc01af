"""The browse pages: `/browse` (the lists, or search results with `?q=`), `/browse/{kind}`
(a list with its facets, counts and pages) and `/browse/{kind}.csv|.xlsx` (the whole
filtered list). Everything comes from the browse index (api/resources/browse_index.py),
held to the named queries `browse-{kind}` and `browse-{kind}-facets`, and the search
index (`api-search`); each page links the named query that reproduces it.

Pages are kept until the store changes, as entity documents are (entity_cache.py): a list
with the same filters, page and language is then a lookup.
"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from starlette.responses import HTMLResponse, Response

from ...resources.browse_index import KINDS
from ...resources.entity_cache import EntityGetOf, kept_or_built
from ...resources.running import Reader
from ..browse import (
    IndexesOf,
    browse_page,
    columns,
    export_rows,
    kind_tabs,
    reader_view,
    search_page,
)
from ..export import CSV, XLSX, csv_bytes, xlsx_bytes
from ..i18n import Translator, page_language
from ..render import render

router = APIRouter(tags=["pages"])
EXPORTS = {"csv": CSV, "xlsx": XLSX}


def _key(request: Request, lang: str) -> tuple[str, ...]:
    """What a page depends on besides the store and the reader's graphs."""
    return ("portal-browse", request.url.path, str(sorted(request.query_params.multi_items())),
            lang)


@router.get("/browse", summary="Browse and search (HTML page)", response_class=HTMLResponse)
async def browse_home(request: Request, entity_get: EntityGetOf, indexes: IndexesOf
                      ) -> Response:
    lang = page_language(request)
    text = request.query_params.get("q", "").strip()

    def build(who: Reader) -> Response:
        t = Translator(lang)
        if text:
            found = search_page(request, who, indexes, text, lang)
            return render(request, "browse_search.html", lang=lang, section="browse",
                          title=t("browse.search_heading", q=text), found=found,
                          query_text=text)
        view = reader_view(indexes.lists, who)
        return render(request, "browse_home.html", lang=lang, section="browse",
                      title=t("browse.title"), kinds=kind_tabs(view, lang, None))

    return await kept_or_built(entity_get, _key(request, lang), build)


@router.get("/browse/{name}", summary="A list with facets (HTML), or its export (.csv, .xlsx)",
            response_class=HTMLResponse)
async def browse_list(request: Request, name: str, entity_get: EntityGetOf,
                      indexes: IndexesOf) -> Response:
    stem, _, suffix = name.partition(".")
    kind = KINDS.get(stem)
    if kind is None or (suffix and suffix not in EXPORTS):
        raise HTTPException(404, f"no list {name!r}: the lists are {', '.join(KINDS)} "
                                 "(and .csv or .xlsx for their downloads)")
    lang = page_language(request)

    def build(who: Reader) -> Response:
        t = Translator(lang)
        if suffix:
            headers, rows = export_rows(request, who, indexes, kind, lang)
            filename = f"tsr-{kind.name}.{suffix}"
            body = (csv_bytes(headers, rows) if suffix == "csv"
                    else xlsx_bytes(headers, rows, t(f"browse.kind.{kind.name}")))
            return Response(body, media_type=EXPORTS[suffix], headers={
                "Content-Disposition": f'attachment; filename="{filename}"',
                "Content-Language": lang})
        page = browse_page(request, who, indexes, kind, lang)
        return render(request, "browse.html", lang=lang, section="browse",
                      title=t(f"browse.kind.{kind.name}"), page=page,
                      columns=[t(f"browse.column.first.{kind.name}"), *columns(kind, t)])

    return await kept_or_built(entity_get, _key(request, lang), build)
