"""The home page: a SPARQL editor (YASGUI) with the competency queries as example tabs.

YASGUI comes from npm (`api/ui/package.json`) and is served from the installed package under
`/static/yasgui/`; no CDN is involved when the page runs. Without those files (npm was not
run) the page still works: a plain query form, and a line saying how to get the editor.
"""

from __future__ import annotations

import json
from html import escape
from importlib.resources import as_file
from pathlib import Path

from fastapi import APIRouter, HTTPException
from starlette.responses import FileResponse, HTMLResponse

from store.model import query_files

router = APIRouter(tags=["pages"])

YASGUI_BUILD = Path(__file__).resolve().parent.parent / "ui/node_modules/@zazuko/yasgui/build"
# Only these files leave the package: nothing else under node_modules is served.
YASGUI_FILES = {"yasgui.min.js": "text/javascript", "yasgui.min.css": "text/css"}


def example_queries() -> list[tuple[str, str]]:
    """(title, text) of each competency query `queries/cq*.rq`, in file order."""
    examples = []
    for resource in query_files():
        if not resource.name.startswith("cq"):
            continue
        with as_file(resource) as path:
            text = path.read_text(encoding="utf-8")
        title = resource.name.removesuffix(".rq")
        for line in text.splitlines():
            if line.startswith("#+ summary:"):
                title = f"{title}: {line.partition(':')[2].strip()}"
                break
        examples.append((title, text))
    return examples


def editor_installed() -> bool:
    return all((YASGUI_BUILD / name).is_file() for name in YASGUI_FILES)


_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>TSR Observatory: SPARQL</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
{head}
<style>body{{font-family:system-ui,sans-serif;margin:1rem 2rem}} nav a{{margin-right:1rem}}
textarea{{width:100%;font-family:monospace}}</style>
</head><body>
<h1>TSR Observatory graph</h1>
<nav><a href="/sparql">SPARQL endpoint</a><a href="/docs">API (OpenAPI)</a>
<a href="/.well-known/void">Dataset description</a><a href="/dumps/tsr.nq.gz">Dump (N-Quads)</a>
<a href="/dumps/tsr.ttl">Dump (Turtle)</a></nav>
{body}
</body></html>
"""

_EDITOR = """<div id="yasgui"></div>
<script src="/static/yasgui/yasgui.min.js"></script>
<script>
const examples = {examples};
const yasgui = new Yasgui(document.getElementById("yasgui"), {{
  requestConfig: {{ endpoint: "/sparql", method: "POST" }},
  copyEndpointOnNewTab: true, persistenceId: null
}});
for (const [name, query] of examples) {{
  yasgui.addTab(false, {{ name: name, yasqe: {{ value: query }},
                          requestConfig: {{ endpoint: "/sparql", method: "POST" }} }});
}}
</script>"""

_FALLBACK = """<p class="notice"><strong>The SPARQL editor is not installed</strong>: its files
come from npm; run <code>npm ci</code> in <code>api/ui</code>, then reinstall the package.
This plain form queries the same endpoint.</p>
<form action="/sparql" method="post">
<textarea name="query" rows="16">{query}</textarea>
<p><label>Format <select name="format"><option>json</option><option>xml</option>
<option>csv</option><option>tsv</option><option>turtle</option><option>jsonld</option>
</select></label> <button type="submit">Run</button></p></form>
{listing}"""


@router.get("/", summary="Home page with the SPARQL editor", response_class=HTMLResponse)
def home() -> HTMLResponse:
    examples = example_queries()
    if editor_installed():
        head = '<link rel="stylesheet" href="/static/yasgui/yasgui.min.css">'
        # `</` inside a script would end it; JSON with escaped slashes cannot
        payload = json.dumps(examples).replace("</", "<\\/")
        return HTMLResponse(_PAGE.format(head=head, body=_EDITOR.format(examples=payload)))
    first = examples[0][1] if examples else "SELECT * WHERE { ?s ?p ?o } LIMIT 10"
    listing = "".join(f"<h3>{escape(title)}</h3><pre>{escape(text)}</pre>"
                      for title, text in examples)
    body = _FALLBACK.format(query=escape(first), listing=listing)
    return HTMLResponse(_PAGE.format(head="", body=body))


@router.get("/static/yasgui/{name}", summary="SPARQL editor assets", include_in_schema=False)
def yasgui_asset(name: str) -> FileResponse:
    if name not in YASGUI_FILES or not editor_installed():
        raise HTTPException(404, f"no such asset: {name}")
    return FileResponse(YASGUI_BUILD / name, media_type=YASGUI_FILES[name],
                        headers={"Cache-Control": "public, max-age=86400"})
