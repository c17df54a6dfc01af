"""The data page (`/data`): downloads (whole-store dumps and each source), the load history
from the PROV records (named query `portal-data-loads`), the dataset description and the
offline API documentation."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Request
from starlette.responses import HTMLResponse

from ...confidentiality import Answers
from ...resources.dump_files import dump_files
from ...resources.running import ReaderOf
from ...resources.store_state import graphs_key
from .. import figures
from ..i18n import Translator, page_language
from ..render import render

router = APIRouter(tags=["pages"])

DUMPS = (("nquads", "/dumps/tsr.nq.gz", "N-Quads (gzip)"), ("turtle", "/dumps/tsr.ttl", "Turtle"))
LICENCE = "https://creativecommons.org/licenses/by/4.0/"


@router.get("/data", summary="Data page: downloads, load history, dataset description (HTML)",
            response_class=HTMLResponse)
def data_page(request: Request, answers: Answers, who: ReaderOf) -> HTMLResponse:
    lang = page_language(request)
    loads = figures.loads(figures.Figures(answers, who))
    files = dump_files(request)
    dumps = []
    for name, path, label in DUMPS:
        kept = files.get((name, graphs_key(who.view.graphs)), who.mark)
        dumps.append({"path": path, "label": label,
                      "size": kept.path.stat().st_size if kept is not None else None})
    latest: dict[str, figures.Row] = {}
    for row in loads:  # newest first: the first load of each graph is its current content
        latest.setdefault(str(row.values["graph"]), row)
    sources = [{"row": row, "download": "/store?" + urlencode({"graph": graph, "format": "turtle"})}
               for graph, row in latest.items()]
    last_change = loads[0].values.get("ended") if loads else None
    return render(request, "data.html", lang=lang, title=Translator(lang)("data.title"),
                  section="data", dumps=dumps, sources=sources, loads=loads,
                  last_change=last_change, licence=LICENCE)
