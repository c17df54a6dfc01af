"""The SPARQL editor page (`/query`): YASGUI with the competency queries as examples.

YASGUI comes from npm (`api/ui/package.json`) and is served from the installed package under
`/static/yasgui/`; no CDN is involved when the page runs. Without those files (npm was not
run) the page still works: a plain query form, and a line saying how to get the editor.
"""

from __future__ import annotations

import json
from pathlib import Path

from fastapi import APIRouter, HTTPException, Request
from markupsafe import Markup
from starlette.responses import FileResponse, HTMLResponse

from ...named_queries import shipped_queries
from ..i18n import Translator, page_language
from ..render import render

router = APIRouter(tags=["pages"])

YASGUI_BUILD = (Path(__file__).resolve().parent.parent.parent
                / "ui/node_modules/@zazuko/yasgui/build")
# Only these files leave the package: nothing else under node_modules is served.
YASGUI_FILES = {"yasgui.min.js": "text/javascript", "yasgui.min.css": "text/css"}


def example_queries() -> list[tuple[str, str]]:
    """(title, text) of each competency query `queries/cq*.rq`, in file order; the title
    is the file name and the `#+ summary:` its header gives (api/named_queries.py reads it)."""
    return [(f"{name}: {query.summary}" if query.summary else name, query.text)
            for name, query in shipped_queries().items() if name.startswith("cq")]


def editor_installed() -> bool:
    return all((YASGUI_BUILD / name).is_file() for name in YASGUI_FILES)


@router.get("/query", summary="SPARQL editor page", response_class=HTMLResponse)
def query_page(request: Request) -> HTMLResponse:
    lang = page_language(request)
    examples = example_queries()
    # `</` inside a script would end it; JSON with escaped slashes cannot
    payload = Markup(json.dumps(examples).replace("</", "<\\/"))
    first = examples[0][1] if examples else "SELECT * WHERE { ?s ?p ?o } LIMIT 10"
    return render(request, "query.html", lang=lang, title=Translator(lang)("query.title"),
                  section="queries", editor=editor_installed(), examples=examples,
                  examples_json=payload, first_query=first)


@router.get("/static/yasgui/{name}", summary="SPARQL editor assets", include_in_schema=False)
def yasgui_asset(name: str) -> FileResponse:
    if name not in YASGUI_FILES or not editor_installed():
        raise HTTPException(404, f"no such asset: {name}")
    return FileResponse(YASGUI_BUILD / name, media_type=YASGUI_FILES[name],
                        headers={"Cache-Control": "public, max-age=86400"})
