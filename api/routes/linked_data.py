"""`/id/{type}/{key}`: every IRI the ingest mints dereferences here. Browsers get a page
(labels, properties with their ontology labels, links to related entities, provenance);
machines get JSON-LD or Turtle by content negotiation. 404 for an IRI nobody minted."""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

from fastapi import APIRouter, HTTPException, Path, Request, Response
from pyoxigraph import Literal, NamedNode, Triple

from store.namespaces import RDF, SKOS, TSR, DataIris

from ..deps import get_settings_of
from ..named_queries import shipped_queries
from ..resources.documents import (
    GRAPH_FORMATS,
    JSON_LD,
    N_TRIPLES,
    RDF_RESPONSES,
    RDF_XML,
    TURTLE,
    entity_response,
)
from ..resources.entity_cache import kept_or_built
from ..resources.framing import choose_language
from ..resources.model_docs import local_name, model_docs, page_of
from ..resources.negotiation import LANG_QUERY, Language, choose_media_type, reader_language
from ..resources.neighbourhood import incoming_headers, neighbourhood
from ..resources.pages import render_page
from ..resources.running import run_query

router = APIRouter(tags=["linked data"])
HTML = "text/html"
OFFERED = (HTML, JSON_LD, "application/json", TURTLE, N_TRIPLES, RDF_XML)
KINDS = ("actor", "project", "output", "partnership", "participation", "funding", "programme",
         "observation", "transformation", "membership", "network")
# `/id/actor/KEY.ttl`: a suffix asks for a format, for clients that cannot send Accept
SUFFIXES = {".ttl": TURTLE, ".jsonld": JSON_LD, ".nt": N_TRIPLES, ".rdf": RDF_XML}
# a key local to a source carries its namespace: `tsr-example~co3-sols`
_KEY = re.compile(r"[a-z0-9][a-z0-9~-]{0,299}")
NAME_PROPERTIES = (TSR + "name", TSR + "title", SKOS + "prefLabel", TSR + "code",
                   SKOS + "notation")
_RESPONSES = {**RDF_RESPONSES, 200: {
    "description": "HTML for browsers; JSON-LD, Turtle, N-Triples or RDF/XML by Accept "
                   "or by a suffix of the key (.jsonld, .ttl, .nt, .rdf).",
    "content": {**RDF_RESPONSES[200]["content"], HTML: {"schema": {"type": "string"}}}},
    404: {"description": "No such entity (or not visible to this reader)."}}


@router.get("/id/{kind}/{key}", summary="Dereference a minted IRI", response_class=Response,
            responses=_RESPONSES)
async def entity(
    request: Request,
    kind: str = Path(description="Entity type: " + ", ".join(KINDS)),
    key: str = Path(description="The entity's key (lower-case letters, digits, '-' and '~'), "
                    "optionally with a format suffix: " + ", ".join(SUFFIXES)),
    lang: Language | None = LANG_QUERY,
) -> Response:
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
    language = reader_language(request, lang)

    def build() -> Response:
        found = neighbourhood(request, iri, as_statements=media not in (HTML, *GRAPH_FORMATS),
                              lang=language)
        if found.empty:
            raise HTTPException(404, f"no {kind} {key!r} in the data")
        headers = incoming_headers(request, found)
        if media != HTML:
            return entity_response(request, found.triples, iri, lang=language, media=media,
                                   headers=headers, grouped=found.grouped)
        response = _page(request, iri, choose_language(found.triples, language), language,
                         base, cut_at=get_settings_of(request).incoming_limit if found.cut
                         else None)
        response.headers.update(headers)
        return response

    return await kept_or_built(request, ("api-entity", iri.value, language, media), build)


def _page(request: Request, iri: NamedNode, triples: list[Triple], lang: str,
          base: str, *, cut_at: int | None) -> Response:
    docs = model_docs()
    names = _names(triples)
    view = _Viewer(names, lang, base)
    forward: dict[str, list[Any]] = defaultdict(list)
    incoming: dict[str, list[Any]] = defaultdict(list)
    types = []
    for triple in triples:
        if triple.subject == iri:
            if triple.predicate.value == RDF + "type":
                types.append(view.term(triple.object))
            else:
                forward[triple.predicate.value].append(view.term(triple.object))
        elif triple.object == iri and triple.predicate.value != RDF + "type":
            incoming[triple.predicate.value].append(view.term(triple.subject))

    def rows(grouped: dict[str, list[Any]]) -> list[dict[str, Any]]:
        return [{"iri": p, "href": page_of(p, base), "label": docs.label(p, lang) or
                 local_name(p), "values": sorted(values, key=lambda v: v["text"])}
                for p, values in sorted(grouped.items(),
                                        key=lambda item: docs.label(item[0], lang) or item[0])]

    path = page_of(iri.value, base)
    return render_page(
        "entity.html", lang, title=names.get(iri.value, local_name(iri.value)), iri=iri.value,
        types=types, properties=rows(forward), incoming=rows(incoming), cut_at=cut_at,
        provenance=_provenance(request, iri, lang),
        alternates=[{"type": JSON_LD, "href": f"/api/queries/api-entity?item={iri.value}",
                     "name": "JSON-LD"},
                    {"type": TURTLE, "href": path + ".ttl", "name": "Turtle"},
                    {"type": N_TRIPLES, "href": path + ".nt", "name": "N-Triples"},
                    {"type": RDF_XML, "href": path + ".rdf", "name": "RDF/XML"}])


class _Viewer:
    """How one RDF term shows on a page: its label, and a link when it has a page."""

    def __init__(self, names: dict[str, str], lang: str, base: str) -> None:
        self.names, self.lang, self.base = names, lang, base

    def term(self, term: Any) -> dict[str, str | None]:
        if isinstance(term, NamedNode):
            text = self.names.get(term.value) or model_docs().label(term.value, self.lang)
            if text is None and term.value.startswith(self.base):
                text = local_name(term.value)  # a minted key reads better than the IRI
            return {"text": text or term.value, "href": page_of(term.value, self.base),
                    "note": None}
        if isinstance(term, Literal):
            note = term.language or (None if term.datatype.value.endswith("#string")
                                     else local_name(term.datatype.value))
            return {"text": term.value, "href": None, "note": note}
        return {"text": str(term), "href": None, "note": None}


def _names(triples: list[Triple]) -> dict[str, str]:
    """The best display name of every resource the triples name (name, title, label...)."""
    found: dict[str, tuple[int, str]] = {}
    for triple in triples:
        if triple.predicate.value in NAME_PROPERTIES and isinstance(triple.object, Literal):
            rank = NAME_PROPERTIES.index(triple.predicate.value)
            subject = triple.subject.value if isinstance(triple.subject, NamedNode) else ""
            if subject not in found or rank < found[subject][0]:
                found[subject] = (rank, triple.object.value)
    return {subject: name for subject, (_, name) in found.items()}


def _provenance(request: Request, iri: NamedNode, lang: str) -> list[dict[str, Any]]:
    """Per source graph: what the provenance graphs say about the graph, its load and the
    resource (file, sheet, row, dates...): all of it that exists."""
    docs = model_docs()
    sources: dict[str, list[dict[str, str]]] = {}
    for row in run_query(request, shipped_queries()["api-provenance"], {"_item": iri}):
        rows = sources.setdefault(row["graph"].value, [])
        if row["property"] is None:
            continue
        prop, value, about = row["property"].value, row["value"], row["about"]
        rows.append({
            "about": local_name(about.value) if isinstance(about, NamedNode) else "_",
            "iri": prop, "label": docs.label(prop, lang) or local_name(prop),
            "value": value.value if isinstance(value, NamedNode | Literal) else str(value)})
    return [{"graph": graph, "rows": rows} for graph, rows in sorted(sources.items())]
