"""A source's published versions: restore one in one step, or withdraw the source."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from starlette.responses import RedirectResponse, Response

from ingest.history import current_load, restore
from ingest.load import drop_source
from ingest.pipeline import IngestRejected
from ingest.sources import list_sources
from store.namespaces import DataIris
from store.rdf_files import BadInputError

from ..accounts import Right
from ..pages import Translator, page_language, render
from ..web import PROTECTED, SignedIn, require, workspace

router = APIRouter(dependencies=PROTECTED)


@router.get("/workspace/sources/{name:path}")
def source_page(request: Request, account: SignedIn, name: str, done: str = "") -> Response:
    if not account.may_any(name):
        require(account, Right.load, name)
    ws = workspace(request)
    iris = DataIris(ws.settings.base_iri)
    graph = iris.source_graph(name)
    current = next(iter(list_sources(ws.store, iris, graph)), None)
    t = Translator(page_language(request))
    versions = ws.history.versions(name)
    when = {v.id: v.published_at for v in versions}  # a version is shown by its date
    restored = request.query_params.get("version", "")
    messages = {"restored": t("ws.restored", version=when.get(restored, restored)),
                "withdrawn": t("ws.withdrawn", name=name)}
    return render(request, "source.html", title=t("ws.source_title", name=name),
                  account=account, name=name, current=current,
                  current_load=current_load(ws.store, iris, graph) if current else "",
                  versions=versions, when=when, done=messages.get(done, ""),
                  may_replace=account.may(Right.replace, name),
                  may_withdraw=account.may(Right.withdraw, name))


@router.post("/workspace/sources/restore")
def restore_version(request: Request, account: SignedIn, source: str = Form(...),
                    version: str = Form(...)) -> Response:
    ws = workspace(request)
    require(account, Right.replace, source)
    kept = ws.history.get(source, version)
    if kept.restricted:
        require(account, Right.restrict, source)
    try:
        with ws.writing:
            _, new = restore(ws.store, ws.settings, ws.history, source, version,
                             account=account.name, lang=page_language(request))
            ws.shown()
    except IngestRejected as rejected:
        first = next((v for o in rejected.outcomes for v in o.violations), None)
        raise BadInputError("this version no longer fits the data loaded since: " + (
            first.message(page_language(request)) if first else "")) from None
    return RedirectResponse(f"/workspace/sources/{quote(source)}?done=restored&version="
                            f"{quote(new.restored_from)}", status_code=303)


@router.post("/workspace/sources/withdraw")
def withdraw(request: Request, account: SignedIn, source: str = Form(...)) -> Response:
    ws = workspace(request)
    require(account, Right.withdraw, source)
    iris = DataIris(ws.settings.base_iri)
    graph = iris.source_graph(source)
    with ws.writing:
        if not list_sources(ws.store, iris, graph):
            raise BadInputError(f"source {source!r} is not loaded")
        drop_source(ws.store, iris, graph, agent=account.name)
        ws.shown()
    return RedirectResponse(f"/workspace/sources/{quote(source)}?done=withdrawn",
                            status_code=303)
