"""The query page (`/query`): a gallery of example queries (bilingual titles and descriptions
from their `#+` headers) and the SPARQL editor (YASGUI). `/query?example=NAME` opens that
named query in the editor with its parameters bound in a VALUES block, exactly as
`/api/queries/NAME` binds them, so running it on /sparql gives the API's rows.

YASGUI comes from npm (`api/ui/package.json`) and is served from the installed package under
`/static/yasgui/`; no CDN is involved when the page runs. Without those files (npm was not
run) the page still works: a plain query form, and a line saying how to get the editor.
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Query, Request
from markupsafe import Markup
from starlette.responses import FileResponse, HTMLResponse

from store.sparql_text import with_values

from ...deps import get_settings_of
from ...named_queries import NamedQuery, ParameterValueError, shipped_queries
from ...resources.running import ReaderOf
from ..i18n import Translator, page_language
from ..kept_pages import Pages, kept_page
from ..render import render_html, respond

router = APIRouter(tags=["pages"])

YASGUI_BUILD = (Path(__file__).resolve().parent.parent.parent
                / "ui/node_modules/@zazuko/yasgui/build")
# Only these files leave the package: nothing else under node_modules is served.
YASGUI_FILES = {"yasgui.min.js": "text/javascript", "yasgui.min.css": "text/css"}


def example_queries() -> list[NamedQuery]:
    """The gallery: the competency queries (`cq*`) and the portal's figures (`portal-*`), in
    file order; the curated routes' own queries (`api-*`, `browse-*`) and those calling
    outside services are left out."""
    return [query for name, query in shipped_queries().items()
            if name.startswith(GALLERY_PREFIXES) and not query.facts.service_targets]


GALLERY_PREFIXES = ("cq", "portal-")


def editor_installed() -> bool:
    return all((YASGUI_BUILD / name).is_file() for name in YASGUI_FILES)


def bound_text(request: Request, query: NamedQuery, lang: str) -> tuple[str, dict[str, str]]:
    """The query's text with its parameters bound in a VALUES block, as /api/queries binds
    them: the values in the URL, else the `#+ default:` ones (a `lang` parameter defaults
    to the page's language); and the values used, for the form and the API link."""
    values: dict[str, str] = {}
    for param in query.params:
        given = request.query_params.get(param.name)
        if param.name == "lang" and not given:
            given = lang
        if given:
            values[param.name] = given
        elif param.default:
            values[param.name] = param.default
    try:
        bindings = query.bindings(dict(values), get_settings_of(request).base_iri)
    except ParameterValueError as error:
        raise HTTPException(400, str(error)) from None
    # the plain text, the one to read and edit (a tuned twin runs behind /api/queries)
    return with_values(query.readable_text, bindings), values


@router.get("/query", summary="Query page: the example gallery and the SPARQL editor",
            response_class=HTMLResponse)
def query_page(request: Request, pages: Pages, who: ReaderOf,
               example: str | None = Query(None, description="A named query to open in "
                                           "the editor, its parameters bound (from the URL, "
                                           "else their defaults)")) -> HTMLResponse:
    lang = page_language(request)
    gallery = example_queries()
    chosen = None
    if example is not None:
        chosen = shipped_queries().get(example)
        if chosen is None or chosen not in gallery:
            raise HTTPException(404, f"no example query named {example!r}")
    if chosen is not None:
        text, values = bound_text(request, chosen, lang)
    else:
        text, values = DEFAULT_QUERY, {}
    # `</` inside a script would end it; JSON with escaped slashes cannot
    payload = Markup(json.dumps(text).replace("</", "<\\/"))
    # the gallery makes this the longest portal page to render: kept per query string
    html = kept_page(pages, who, "query", lang, request.query_params.multi_items(),
                     lambda: render_html(
        request, "query.html", lang=lang, title=Translator(lang)("query.title"),
        section="queries", editor=editor_installed(), gallery=gallery, chosen=chosen,
        values=values, query_json=payload, query_text_bound=text,
        api_link=api_link(chosen, values) if chosen else ""))
    return respond(request, html, lang)


DEFAULT_QUERY = """PREFIX tsr: <https://w3id.org/tsr-observatory/ontology#>
SELECT ?class (COUNT(?entity) AS ?entities)
WHERE { ?entity a ?class . FILTER (STRSTARTS(STR(?class), STR(tsr:))) }
GROUP BY ?class
ORDER BY DESC(?entities)
"""


def api_link(query: NamedQuery, values: dict[str, str]) -> str:
    return f"/api/queries/{query.name}" + ("?" + urlencode(values) if values else "")


@router.get("/static/yasgui/{name}", summary="SPARQL editor assets", include_in_schema=False)
def yasgui_asset(name: str) -> FileResponse:
    if name not in YASGUI_FILES or not editor_installed():
        raise HTTPException(404, f"no such asset: {name}")
    return FileResponse(YASGUI_BUILD / name, media_type=YASGUI_FILES[name],
                        headers={"Cache-Control": "public, max-age=86400"})
