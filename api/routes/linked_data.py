"""`/id/{type}/{key}`: every IRI the ingest mints dereferences here. Browsers get the
portal's page written for people (api/portal/entity_page.py); machines get JSON-LD or
Turtle by content negotiation. 404 for an IRI nobody minted."""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, HTTPException, Request, Response
from fastapi.exceptions import RequestValidationError
from pyoxigraph import NamedNode

from store.namespaces import DataIris

from ..deps import get_settings_of
from ..portal.entity_page import entity_page
from ..portal.i18n import page_language
from ..resources.documents import (
    GRAPH_FORMATS,
    JSON_LD,
    N_TRIPLES,
    RDF_RESPONSES,
    RDF_XML,
    TURTLE,
    entity_response,
)
from ..resources.entity_cache import entity_get as entity_of
from ..resources.entity_cache import kept_or_built
from ..resources.framing import choose_language
from ..resources.negotiation import (
    LANG_PARAMETER,
    choose_media_type,
    query_language,
    reader_language,
)
from ..resources.neighbourhood import incoming_headers, labels_service, neighbourhood
from ..resources.running import Reader
from ..sparql.direct import INVALID_PARAMETERS, DirectRoute

router = APIRouter(tags=["linked data"])
HTML = "text/html"
OFFERED = (HTML, JSON_LD, "application/json", TURTLE, N_TRIPLES, RDF_XML)
KINDS = ("actor", "project", "output", "partnership", "participation", "funding", "programme",
         "observation", "transformation", "membership", "network")
# `/id/actor/KEY.ttl`: a suffix asks for a format, for clients that cannot send Accept
SUFFIXES = {".ttl": TURTLE, ".jsonld": JSON_LD, ".nt": N_TRIPLES, ".rdf": RDF_XML}
# a key local to a source carries its namespace: `tsr-example~co3-sols`
_KEY = re.compile(r"[a-z0-9][a-z0-9~-]{0,299}")
_RESPONSES = {**RDF_RESPONSES, 200: {
    "description": "HTML for browsers; JSON-LD, Turtle, N-Triples or RDF/XML by Accept "
                   "or by a suffix of the key (.jsonld, .ttl, .nt, .rdf).",
    "content": {**RDF_RESPONSES[200]["content"], HTML: {"schema": {"type": "string"}}}},
    404: {"description": "No such entity (or not visible to this reader)."}}


async def entity(request: Request) -> Response:
    # a DirectRoute (api/sparql/direct.py): the most requested page of all reads its own
    # parameters, without FastAPI's dependency solving (no docstring: it would be the
    # OpenAPI description)
    problems: list[dict[str, Any]] = []
    lang = query_language(request, problems)
    if problems:
        raise RequestValidationError(problems)
    kind: str = request.path_params["kind"]
    key: str = request.path_params["key"]
    labels = await labels_service(request)
    entity_get = await entity_of(request)
    # checked here, not by the path's pattern: what was never minted is a 404 for everyone,
    # not a validation error
    if kind not in KINDS:
        raise HTTPException(404, f"no such IRI: /id/{kind}/{key} is not an entity type "
                                 f"({', '.join(KINDS)})")
    stem, dot, extension = key.rpartition(".")
    media = SUFFIXES.get(dot + extension) if dot else None
    if media is not None:
        key = stem
    else:
        media = choose_media_type(request.headers.get("accept"), OFFERED)
        if media is None:
            raise HTTPException(406, "acceptable media types here: " + ", ".join(OFFERED))
    if not _KEY.fullmatch(key):
        raise HTTPException(404, f"no {kind} {key!r} in the data")
    base = DataIris(get_settings_of(request).base_iri).base
    iri = NamedNode(f"{base}id/{kind}/{key}")
    # the portal's page follows the portal's language (?lang=, then its cookie...)
    language = page_language(request) if media == HTML else reader_language(request, lang)

    def build(who: Reader) -> Response:
        found = neighbourhood(who, labels, iri,
                              as_statements=media not in (HTML, *GRAPH_FORMATS), lang=language)
        if found.empty:
            raise HTTPException(404, f"no {kind} {key!r} in the data")
        limit = who.settings.incoming_limit
        headers = incoming_headers(found, limit)
        if media != HTML:
            return entity_response(request, found.triples, iri, lang=language, media=media,
                                   headers=headers, grouped=found.grouped)
        response = entity_page(request, who, iri, kind, choose_language(found.triples, language),
                               language, base, cut_at=limit if found.cut else None)
        response.headers.update(headers)
        return response

    return await kept_or_built(entity_get, ("api-entity", iri.value, language, media), build)


router.add_api_route(
    "/id/{kind}/{key}", entity, methods=["GET"], summary="Dereference a minted IRI",
    response_class=Response, responses={**_RESPONSES, 422: INVALID_PARAMETERS},
    route_class_override=DirectRoute, openapi_extra={"parameters": [
        {"name": "kind", "in": "path", "required": True, "schema": {"type": "string"},
         "description": "Entity type: " + ", ".join(KINDS)},
        {"name": "key", "in": "path", "required": True, "schema": {"type": "string"},
         "description": "The entity's key (lower-case letters, digits, '-' and '~'), "
                        "optionally with a format suffix: " + ", ".join(SUFFIXES)},
        LANG_PARAMETER]})
