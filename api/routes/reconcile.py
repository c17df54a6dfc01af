"""`/reconcile`: the W3C Entity Reconciliation Service API (v0.2, what OpenRefine speaks).

* `GET /reconcile`: the service manifest; with `queries=…` it answers them (as POST does).
* `POST /reconcile` (form field `queries`, a JSON object of queries): candidates per query,
  `{"q0": {"result": [{"id", "name", "type", "score", "match", "description"}]}}`.
* `GET /reconcile/preview?id=…`: a small HTML card of one actor.
* `GET /reconcile/suggest/{entity|type|property}?prefix=…`: auto-completion (`type=` keeps
  the entities of that type).
* Data extension: `GET /reconcile/properties?type=…` proposes properties; `extend=` (a JSON
  object `{"ids": [...], "properties": [{"id": ...}]}`, by GET or POST form) answers their
  values, `{"meta": [...], "rows": {id: {property: [{"str": ...}]}}}`.

Actors are found by name, acronym or identifier (SIREN, SIRET, RNA, RNSR, ROR...), outputs
by title or DOI / HAL id (store/reconciliation/scoring.py).

Entity ids are the minted IRIs without `{base}id/` (`actor/siren-812345674`), so OpenRefine's
view URL is the API's `/id/{{id}}`. Only the graphs the reader may see are searched.
"""

from __future__ import annotations

import html
import json
from typing import Any
from urllib.parse import parse_qs

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse
from starlette.concurrency import run_in_threadpool

from store.namespaces import TSR, DataIris
from store.reconciliation.scoring import (
    EXTENSION_NAMES,
    PROPERTY_NAMES,
    ActorRecord,
    extend,
    reconcile,
    suggest,
)

from ..deps import get_settings_of
from ..resources.reconcile_entities import ReconcileEntities
from ..resources.running import reader_source

router = APIRouter(prefix="/reconcile", tags=["reconciliation"])

ACTOR_TYPES = ("Actor", "TSROrganisation", "TSRActor", "ESROrganisation", "ResearchUnit",
               "IndependentResearcher", "IntermediaryStructure", "Funder", "PublicAuthority",
               "Organisation", "ESRActor", "Output")
# What data extension proposes for outputs; actors get the others
OUTPUT_PROPERTIES = ("title", "doi", "halId", "wikidata")
MAX_QUERIES = 500
# Matching compares a name with every actor's names; the longest real names are a few
# hundred characters; matching costs the square of the length (a 1,000-character name
# took 0.26 s against the example data, a 50,000-character one 14 s on the event loop).
MAX_NAME_CHARS = 300
# About a tenth of a second of CPU per 300 characters: a batch stays within seconds
# (OpenRefine sends 10 to 50 names of some tens of characters).
MAX_BATCH_CHARS = 10_000


@router.get("", summary="Reconciliation service manifest, or answers to `queries` / `extend`")
def manifest_or_queries(request: Request, queries: str | None = None,
                        extend: str | None = None) -> JSONResponse:
    if queries is not None:
        return JSONResponse(_answer(request, queries))
    if extend is not None:
        return JSONResponse(_extension(request, extend))
    settings = get_settings_of(request)
    api = settings.api_url
    reconcile_url = f"{api}/reconcile"
    return JSONResponse({
        "versions": ["0.2"],
        "name": "TSR Observatory actors",
        "identifierSpace": f"{DataIris(settings.base_iri).base}id/",
        "schemaSpace": TSR,
        "defaultTypes": [{"id": TSR + "Actor", "name": "Actor"}],
        "view": {"url": f"{api}/id/{{{{id}}}}"},
        "preview": {"url": f"{reconcile_url}/preview?id={{{{id}}}}", "width": 400,
                    "height": 140},
        "suggest": {
            kind: {"service_url": reconcile_url, "service_path": f"/suggest/{kind}"}
            for kind in ("entity", "type", "property")
        },
        "extend": {
            "propose_properties": {"service_url": reconcile_url,
                                   "service_path": "/properties"},
            "property_settings": [],
        },
        "batch_size": 50,
        "documentation": f"{api}/docs#/reconciliation",
    })


@router.post("", summary="Reconcile a batch of queries (form field `queries`)")
async def answer_queries(request: Request) -> JSONResponse:
    body = await request.body()
    # decoding, parsing and matching take CPU in proportion to the batch: in a worker
    # thread, so the event loop keeps answering every other route meanwhile
    return JSONResponse(await run_in_threadpool(_answer_body, request, body))


def _answer_body(request: Request, raw: bytes) -> dict[str, Any]:
    body = raw.decode("utf-8", "replace")
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("application/json"):
        text = body
    else:
        form = parse_qs(body, keep_blank_values=True)
        if "queries" not in form and "extend" in form:
            return _extension(request, form["extend"][0])
        if "queries" not in form:
            raise HTTPException(400, "the form field `queries` (a JSON object) is missing")
        text = form["queries"][0]
    return _answer(request, text)


def _extension(request: Request, text: str) -> dict[str, Any]:
    """Data extension: the values of the wanted properties for the given entities."""
    try:
        wanted = json.loads(text)
    except ValueError as error:
        raise HTTPException(400, f"`extend` is not valid JSON: {error}") from None
    ids, properties = (wanted.get("ids"), wanted.get("properties")) if isinstance(
        wanted, dict) else (None, None)
    if not isinstance(ids, list) or not isinstance(properties, list) or not all(
            isinstance(i, str) for i in ids) or not all(
            isinstance(p, dict) and isinstance(p.get("id"), str) for p in properties):
        raise HTTPException(400, "`extend` must be {\"ids\": [entity ids], "
                                 "\"properties\": [{\"id\": property id}]}")
    if len(ids) > MAX_QUERIES:
        raise HTTPException(400, f"at most {MAX_QUERIES} ids per request")
    pids = [p["id"].removeprefix(TSR) for p in properties]
    unknown = [pid for pid in pids if pid not in EXTENSION_NAMES]
    if unknown:
        raise HTTPException(400, f"unknown property {unknown[0]!r}; /reconcile/properties "
                                 "lists them")
    base = f"{DataIris(get_settings_of(request).base_iri).base}id/"
    rows = extend((base + i for i in ids), pids, _actors(request))
    return {"meta": [{"id": pid, "name": EXTENSION_NAMES[pid]} for pid in pids],
            "rows": {i: rows[base + i] for i in ids}}


@router.get("/properties", summary="Properties data extension can add, for a type")
def propose_properties(type: str = Query(TSR + "Actor", description="Type id"),  # noqa: A002
                       limit: int = Query(50, ge=1, le=100)) -> dict[str, Any]:
    outputs = type.removeprefix(TSR) == "Output"
    pids = list(OUTPUT_PROPERTIES) if outputs else [
        pid for pid in EXTENSION_NAMES if pid not in OUTPUT_PROPERTIES or pid == "wikidata"]
    return {"type": type, "properties": [{"id": pid, "name": EXTENSION_NAMES[pid]}
                                         for pid in pids[:limit]]}


def _answer(request: Request, text: str) -> dict[str, Any]:
    try:
        queries = json.loads(text)
    except ValueError as error:
        raise HTTPException(400, f"`queries` is not valid JSON: {error}") from None
    if not isinstance(queries, dict) or not all(isinstance(q, dict) for q in queries.values()):
        raise HTTPException(400, "`queries` must be a JSON object of query objects")
    if len(queries) > MAX_QUERIES:
        raise HTTPException(400, f"at most {MAX_QUERIES} queries per request")
    total = 0
    for key, query in queries.items():
        name = query.get("query")
        if isinstance(name, str) and len(name) > MAX_NAME_CHARS:
            raise HTTPException(400, f"query {key}: the name is {len(name):,} characters long; "
                                     f"names of at most {MAX_NAME_CHARS:,} are matched")
        total += len(name) if isinstance(name, str) else 0
    if total > MAX_BATCH_CHARS:
        raise HTTPException(400, f"the batch's names hold {total:,} characters; at most "
                                 f"{MAX_BATCH_CHARS:,} per request: send smaller batches")
    actors = list(_actors(request).values())
    iris = DataIris(get_settings_of(request).base_iri)
    return {key: {"result": [_candidate(s.actor, iris, s.score, s.match)
                             for s in reconcile(query, actors)]}
            for key, query in queries.items()}


@router.get("/preview", response_class=HTMLResponse, summary="HTML card of one actor")
def preview(request: Request, id: str = Query(..., description="Entity id")) -> HTMLResponse:
    iris = DataIris(get_settings_of(request).base_iri)
    actor = _actors(request).get(f"{iris.base}id/{id}")
    if actor is None:
        raise HTTPException(404, f"no actor {id!r}")
    facts = [f"{PROPERTY_NAMES[name]}: {', '.join(sorted(actor.shown[name]))}"
             for name in ("siren", "rna", "rnsr", "ror", "wikidata") if actor.shown.get(name)]
    types = ", ".join(sorted(_type_name(t) for t in actor.types))
    items = "".join(f"<li>{html.escape(fact)}</li>" for fact in facts)
    return HTMLResponse(
        "<!DOCTYPE html><html lang=\"fr\"><head><meta charset=\"utf-8\"><title>"
        f"{html.escape(actor.name)}</title></head><body style=\"font:13px sans-serif\">"
        f"<strong>{html.escape(actor.name)}</strong><div>{html.escape(types)}</div>"
        f"<ul>{items}</ul></body></html>")


@router.get("/suggest/entity", summary="Entities whose name starts with `prefix`")
def suggest_entity(request: Request, prefix: str = "", cursor: int = 0,
                   type: list[str] = Query([], description="Keep entities of this type "  # noqa: A002, B008
                                           "(a type id or name; repeatable)")) -> dict[str, Any]:
    if len(prefix) > MAX_NAME_CHARS:
        raise HTTPException(400, f"the prefix is {len(prefix):,} characters long; "
                                 f"at most {MAX_NAME_CHARS:,} are matched")
    iris = DataIris(get_settings_of(request).base_iri)
    types = [t if t.startswith(("http://", "https://")) else TSR + t for t in type]
    found = suggest(prefix, _actors(request).values(), limit=cursor + 10, types=types)[cursor:]
    return {"result": [{"id": _entity_id(a, iris), "name": a.name,
                        "description": _description(a)} for a in found]}


@router.get("/suggest/type", summary="Actor types matching `prefix`")
def suggest_type(prefix: str = "") -> dict[str, Any]:
    wanted = prefix.lower()
    return {"result": [{"id": TSR + name, "name": name} for name in ACTOR_TYPES
                       if wanted in name.lower()]}


@router.get("/suggest/property", summary="Properties usable as constraints")
def suggest_property(prefix: str = "") -> dict[str, Any]:
    wanted = prefix.lower()
    return {"result": [{"id": pid, "name": label} for pid, label in PROPERTY_NAMES.items()
                       if wanted in pid.lower() or wanted in label.lower()]}


def _actors(request: Request) -> dict[str, ActorRecord]:
    entities: ReconcileEntities = request.app.state.services.reconcile_entities
    return entities.of(reader_source(request).view().graphs)


def _candidate(actor: ActorRecord, iris: DataIris, score: float, match: bool) -> dict[str, Any]:
    return {"id": _entity_id(actor, iris), "name": actor.name,
            "type": [{"id": t, "name": _type_name(t)} for t in sorted(actor.types)],
            "score": round(score, 1), "match": match, "description": _description(actor)}


def _entity_id(actor: ActorRecord, iris: DataIris) -> str:
    return actor.iri.removeprefix(f"{iris.base}id/")


def _type_name(iri: str) -> str:
    return iri.removeprefix(TSR)


def _description(actor: ActorRecord) -> str:
    ids = [f"{PROPERTY_NAMES[n]} {sorted(actor.shown[n])[0]}"
           for n in ("siren", "rna", "rnsr", "ror") if actor.shown.get(n)]
    return "; ".join(ids)
