"""`tsr link hal`: publications of actors linked to HAL structures, added as outputs.

Actors with a `tsr:halStructure`, a `tsr:rnsr` or a `tsr:ror` are looked up in HAL's search
API (Solr-style JSON, `response.docs`), one actor at a time, paged with `cursorMark`::

    q=*:*&fq=structId_i:(1001) OR structRnsrIdExt_s:"200212345X" OR structRorIdExt_s:…

Each document becomes an output `{base}id/output/doi-…` (else `hal-…`), unless an output
with the same DOI or HAL id exists already: then only the missing HAL id, the author and
the `owl:sameAs <https://hal.science/{halId}>` are added to it. A DOI carried by two HAL
documents, or a HAL id matching two outputs, goes to review and is not added.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
from pyoxigraph import Literal, NamedNode, Triple

from store import Store
from store.namespaces import RDF, RDFS, TSR, TSRV, XSD, DataIris, slug

from .polite import (
    LinkServiceError,
    PoliteCaller,
    TransientFailure,
    is_transient_status,
    retry_after_seconds,
)
from .records import Link, LinkRun, same_as, save_run
from .review import SEVERAL_EXTERNAL, SEVERAL_LOCAL, ReviewItem
from .subjects import Subject, graphs_except, read_actors, read_outputs

HAL_DOCUMENT = "https://hal.science/"
FIELDS = ("halId_s,doiId_s,title_s,producedDateY_i,docType_s,structId_i,"
          "structRnsrIdExt_s,structRorIdExt_s")
PAGE_ROWS = 100
# HAL document types -> the observatory's output-type notations; others: grey literature
DOC_TYPES = {
    "ART": "article", "COMM": "conference-paper", "POSTER": "conference-paper",
    "OUV": "book", "COUV": "book-chapter", "DOUV": "book", "THESE": "thesis", "HDR": "thesis",
    "REPORT": "report", "SOFTWARE": "software", "DATA": "dataset", "VIDEO": "audiovisual",
    "SON": "audiovisual", "POLICYBRIEF": "policy-brief", "LECTURE": "educational-resource",
}


@dataclass
class HalResult:
    run: LinkRun
    review: list[ReviewItem]
    requests: int
    retries: int
    documents: int = 0
    new_outputs: int = 0
    triples: int = 0


@dataclass
class _Document:
    hal_id: str
    doi: str | None
    title: str | None
    year: int | None
    doc_type: str | None
    authors: dict[str, tuple[Subject, str, str]]  # actor IRI -> (actor, rule, matched value)


def link_hal(store: Store, iris: DataIris, *, api_url: str, user_agent: str,
             requests_per_second: float, timeout: float = 60.0, attempts: int = 5,
             rows: int = PAGE_ROWS, write: bool = True) -> HalResult:
    run = LinkRun("hal", api_url, iris)
    graphs = graphs_except(store, run.graph)
    actors = [a for a in read_actors(store, graphs).values()
              if any(a.ids.get(k) for k in ("halStructure", "rnsr", "ror"))]
    outputs = read_outputs(store, graphs).values()
    caller = PoliteCaller(f"HAL API {api_url}", requests_per_second=requests_per_second,
                          attempts=attempts)
    documents: dict[str, _Document] = {}
    with httpx.Client(timeout=timeout, headers={"User-Agent": user_agent}) as client:
        search = _HalSearch(client, api_url, caller, rows)
        for actor in sorted(actors, key=lambda a: a.iri.value):
            for doc in search.documents(actor):
                _collect(documents, doc, actor)
    review = _add_documents(run, iris, documents, list(outputs))
    run.reviewed = len(review)
    result = HalResult(run, review, caller.requests_sent, caller.retries, len(documents),
                       sum(1 for t in run.extra if t.predicate.value == RDF + "type"))
    if write:
        result.triples = save_run(store, run)
    return result


class _HalSearch:
    def __init__(self, client: httpx.Client, api_url: str, caller: PoliteCaller, rows: int) -> None:
        self.client, self.api_url, self.caller, self.rows = client, api_url, caller, rows

    def documents(self, actor: Subject) -> Iterator[dict[str, Any]]:
        cursor = "*"
        while True:
            params = {"q": "*:*", "fq": _filter(actor), "fl": FIELDS, "rows": str(self.rows),
                      "sort": "docid asc", "cursorMark": cursor, "wt": "json"}
            page = self.caller.call(lambda p=params: self._get(p))  # type: ignore[misc]
            docs, following, size = _docs_of(page, self.api_url)
            yield from docs
            # a short page is the last one: no need to ask for the empty page after it
            if size < self.rows or not following or following == cursor:
                return
            cursor = following

    def _get(self, params: dict[str, str]) -> Any:
        try:
            response = self.client.get(self.api_url, params=params)
        except httpx.TimeoutException:
            raise TransientFailure(f"no answer within {self.client.timeout.read:g} s") from None
        except (httpx.RemoteProtocolError, httpx.ReadError):
            raise TransientFailure("connection closed by the server") from None
        except httpx.HTTPError as error:
            raise TransientFailure(f"cannot connect: {error}") from None
        if is_transient_status(response.status_code):
            raise TransientFailure(f"HTTP {response.status_code}",
                                   retry_after_seconds(response.headers.get("Retry-After")))
        if response.status_code >= 400:
            raise LinkServiceError(f"HAL API {self.api_url} answered HTTP {response.status_code}")
        try:
            return json.loads(response.content)
        except ValueError:
            raise TransientFailure("malformed JSON answer") from None


def _filter(actor: Subject) -> str:
    clauses = [f"structId_i:{value}" for value in sorted(actor.ids.get("halStructure", ()))
               if value.isdigit()]
    clauses += [f"structRnsrIdExt_s:{json.dumps(v)}" for v in sorted(actor.ids.get("rnsr", ()))]
    for value in sorted(actor.ids.get("ror", ())):
        clauses += [f"structRorIdExt_s:{json.dumps(value)}",
                    f"structRorIdExt_s:{json.dumps('https://ror.org/' + value)}"]
    return " OR ".join(clauses)


def _docs_of(page: Any, api_url: str) -> tuple[list[dict[str, Any]], str | None, int]:
    try:
        docs = page["response"]["docs"]
        if not isinstance(docs, list):
            raise TypeError
    except (KeyError, TypeError):
        raise LinkServiceError(f"HAL API {api_url} answered JSON without response.docs") from None
    usable = [d for d in docs if isinstance(d, dict) and d.get("halId_s")]
    return usable, page.get("nextCursorMark"), len(docs)


def _collect(documents: dict[str, _Document], doc: dict[str, Any], actor: Subject) -> None:
    hal_id = str(doc["halId_s"]).strip().lower()
    entry = documents.get(hal_id)
    if entry is None:
        doi = doc.get("doiId_s")
        entry = documents[hal_id] = _Document(
            hal_id, str(doi).strip().lower() if doi else None, _first(doc.get("title_s")),
            _int(doc.get("producedDateY_i")), _first(doc.get("docType_s")), {})
    entry.authors[actor.iri.value] = (actor, *_rule(doc, actor))


def _rule(doc: dict[str, Any], actor: Subject) -> tuple[str, str]:
    structures = {str(v) for v in _as_list(doc.get("structId_i"))}
    for value in sorted(actor.ids.get("halStructure", ())):
        if value in structures:
            return "hal:structId", value
    rnsr = {str(v).upper() for v in _as_list(doc.get("structRnsrIdExt_s"))}
    for value in sorted(actor.ids.get("rnsr", ())):
        if value.upper() in rnsr:
            return "hal:rnsr", value
    value = actor.first("ror") or actor.first("halStructure") or actor.first("rnsr") or ""
    return "hal:ror", value


def _add_documents(run: LinkRun, iris: DataIris, documents: dict[str, _Document],
                   outputs: list[Subject]) -> list[ReviewItem]:
    by_doi: dict[str, list[Subject]] = defaultdict(list)
    by_hal: dict[str, list[Subject]] = defaultdict(list)
    for output in outputs:
        for doi in output.ids.get("doi", ()):
            by_doi[doi.lower()].append(output)
        for hal_id in output.ids.get("halId", ()):
            by_hal[hal_id.lower()].append(output)
    hal_ids_by_doi: dict[str, set[str]] = defaultdict(set)
    for doc in documents.values():
        if doc.doi:
            hal_ids_by_doi[doc.doi].add(doc.hal_id)
    review: list[ReviewItem] = []
    for doc in sorted(documents.values(), key=lambda d: d.hal_id):
        first_actor = next(iter(doc.authors.values()))[0]
        if doc.doi and len(hal_ids_by_doi[doc.doi]) > 1:
            if doc.hal_id != min(hal_ids_by_doi[doc.doi]):
                continue  # reported once, with its first document
            review.append(ReviewItem("hal", first_actor.iri.value, first_actor.label,
                                     f"doi={doc.doi}", tuple(sorted(
                                         HAL_DOCUMENT + h for h in hal_ids_by_doi[doc.doi])),
                                     "hal:doi", SEVERAL_EXTERNAL))
            continue
        existing = {o.iri.value: o for o in by_hal.get(doc.hal_id, [])}
        if doc.doi:
            existing.update({o.iri.value: o for o in by_doi.get(doc.doi, [])})
        if len(existing) > 1:
            review.append(ReviewItem("hal", HAL_DOCUMENT + doc.hal_id, doc.title or "",
                                     f"halId={doc.hal_id}", tuple(sorted(existing)),
                                     "hal:dedup", SEVERAL_LOCAL))
            continue
        if existing:
            target = next(iter(existing.values()))
            _link_existing(run, target, doc)
        else:
            target = Subject(iris.entity("output", _output_key(doc)))
            run.extra += _new_output(target.iri, doc)
        for actor, rule, value in doc.authors.values():
            prop = "halStructure" if rule == "hal:structId" else rule.removeprefix("hal:")
            run.links.append(Link(target.iri, NamedNode(TSR + "author"), actor.iri, rule,
                                  NamedNode(TSR + prop), value))
        run.links += same_as(target.iri, NamedNode(HAL_DOCUMENT + doc.hal_id), "hal:halId",
                             NamedNode(TSR + "halId"), doc.hal_id)
    return review


def _link_existing(run: LinkRun, output: Subject, doc: _Document) -> None:
    if doc.hal_id not in {h.lower() for h in output.ids.get("halId", ())}:
        rule, prop, value = ("hal:doi", "doi", doc.doi or "")
        run.links.append(Link(output.iri, NamedNode(TSR + "halId"), Literal(doc.hal_id), rule,
                              NamedNode(TSR + prop), value))


def _output_key(doc: _Document) -> str:
    return f"doi-{slug(doc.doi)}" if doc.doi else f"hal-{slug(doc.hal_id)}"


def _new_output(iri: NamedNode, doc: _Document) -> list[Triple]:
    triples = [Triple(iri, NamedNode(RDF + "type"), NamedNode(TSR + "Output")),
               Triple(iri, NamedNode(TSR + "halId"), Literal(doc.hal_id))]
    if doc.title:
        triples.append(Triple(iri, NamedNode(TSR + "title"), Literal(doc.title)))
        triples.append(Triple(iri, NamedNode(RDFS + "label"), Literal(doc.title)))
    if doc.doi:
        triples.append(Triple(iri, NamedNode(TSR + "doi"), Literal(doc.doi)))
    if doc.year:
        triples.append(Triple(iri, NamedNode(TSR + "year"),
                              Literal(str(doc.year), datatype=NamedNode(XSD + "gYear"))))
    notation = DOC_TYPES.get((doc.doc_type or "").upper(), "grey-literature")
    triples.append(Triple(iri, NamedNode(TSR + "outputType"),
                          NamedNode(f"{TSRV}output-type/{notation}")))
    return triples


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _first(value: Any) -> str | None:
    values = _as_list(value)
    return str(values[0]).strip() if values else None


def _int(value: Any) -> int | None:
    try:
        return int(_first(value) or "")
    except ValueError:
        return None
