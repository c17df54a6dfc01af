"""The dataset description (VoID + DCAT at `/.well-known/void`) and the dumps.

Both show only the graphs the reader may see: public ones, or all with the read token.
Dumps stream: N-Quads compressed with gzip (graphs kept), and Turtle (their union).
"""

from __future__ import annotations

import gzip
from collections.abc import Callable
from email.utils import formatdate
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pyoxigraph import BlankNode, Literal, NamedNode, Quad, Triple
from starlette.concurrency import run_in_threadpool
from starlette.responses import FileResponse, Response

from store import Store
from store.namespaces import DCAT, DCTERMS, RDF, VOID, XSD

from ..conditional import if_none_match
from ..deps import get_settings_of, get_store
from ..resources.dump_files import dump_files
from ..resources.running import ReaderSource, reader_source
from ..resources.store_state import graphs_key, request_mark
from ..sparql.dataset import EMPTY_GRAPH
from ..sparql.description import public_base
from ..sparql.errors import ProtocolError
from ..sparql.execution import ChunkWriter, QueryTimeout, query_runner, respond
from ..sparql.negotiation import GRAPH_TYPES, NQUADS, NotAcceptable, choose
from ..sparql.writers import Cap, write_graph

router = APIRouter(tags=["dataset"])

# The licence of the published data (the ontology states the same one).
DATA_LICENCE = "https://creativecommons.org/licenses/by/4.0/"
DUMPS = {
    "nquads": ("/dumps/tsr.nq.gz", "application/n-quads", "application/gzip"),
    "turtle": ("/dumps/tsr.ttl", "text/turtle", None),
}
# Dumps can be long; their deadline is for the first bytes only, like a query's.
_ALL = Cap(2**63)


def _namespace(iri: str) -> str:
    """What a term's IRI extends: up to its last `#` or `/`, or its last `:` for a URN
    (`urn:isbn:123` -> `urn:isbn:`), so that the namespace is an absolute IRI too."""
    cut = max(iri.rfind("#"), iri.rfind("/"))
    if cut < 0:
        cut = iri.rfind(":")
    return iri[: cut + 1]


def _vocabularies(store: Store, graphs: list[NamedNode]) -> list[str]:
    if not graphs:
        return []
    rows = store.query("SELECT DISTINCT ?term WHERE { { ?s ?term ?o } UNION { ?s a ?term } }",
                       default_graph=graphs, named_graphs=graphs)
    return sorted({_namespace(row["term"].value) for row in rows
                   if isinstance(row["term"], NamedNode)})


def _description(reader: ReaderSource, base: str) -> list[Triple]:
    store = reader.store
    visible = reader.view().graphs
    shown = {graph.value for graph in visible}
    counts = [info for info in store.graphs() if info.name.value in shown]
    dataset = NamedNode(f"{base}/.well-known/void#dataset")
    service = NamedNode(f"{base}/sparql")

    def iri(namespace: str, name: str) -> NamedNode:
        return NamedNode(namespace + name)

    a = NamedNode(RDF + "type")
    total = Literal(str(sum(info.triples for info in counts)), datatype=NamedNode(XSD + "integer"))
    triples = [
        Triple(dataset, a, iri(VOID, "Dataset")), Triple(dataset, a, iri(DCAT, "Dataset")),
        Triple(dataset, iri(DCTERMS, "title"), Literal("TSR Observatory graph", language="en")),
        Triple(dataset, iri(DCTERMS, "title"),
               Literal("Graphe de l'observatoire du tiers secteur de la recherche", language="fr")),
        Triple(dataset, iri(DCTERMS, "license"), NamedNode(DATA_LICENCE)),
        Triple(dataset, iri(VOID, "sparqlEndpoint"), service),
        Triple(dataset, iri(VOID, "triples"), total),
        Triple(service, a, iri(DCAT, "DataService")),
        Triple(service, iri(DCAT, "endpointURL"), service),
        Triple(service, iri(DCAT, "servesDataset"), dataset),
        Triple(dataset, iri(DCAT, "accessService"), service),
    ]
    for kind, (path, media_type, compression) in DUMPS.items():
        url = NamedNode(base + path)
        distribution = NamedNode(f"{base}/.well-known/void#dump-{kind}")
        triples += [
            Triple(dataset, iri(VOID, "dataDump"), url),
            Triple(dataset, iri(DCAT, "distribution"), distribution),
            Triple(distribution, a, iri(DCAT, "Distribution")),
            Triple(distribution, iri(DCAT, "downloadURL"), url),
            Triple(distribution, iri(DCAT, "mediaType"),
                   NamedNode(f"https://www.iana.org/assignments/media-types/{media_type}")),
            Triple(distribution, iri(DCTERMS, "license"), NamedNode(DATA_LICENCE)),
        ]
        if compression:
            triples.append(Triple(distribution, iri(DCAT, "compressFormat"), NamedNode(
                f"https://www.iana.org/assignments/media-types/{compression}")))
    for namespace in _vocabularies(store, visible):
        triples.append(Triple(dataset, iri(VOID, "vocabulary"), NamedNode(namespace)))
    for number, info in enumerate(counts):
        subset = BlankNode(f"subset{number}")  # named, so the same data gives the same bytes
        triples += [
            Triple(dataset, iri(VOID, "subset"), subset),
            Triple(subset, a, iri(VOID, "Dataset")),
            Triple(subset, iri(VOID, "triples"),
                   Literal(str(info.triples), datatype=NamedNode(XSD + "integer"))),
            Triple(subset, NamedNode("http://www.w3.org/ns/sparql-service-description#name"),
                   info.name),
        ]
    return triples


@router.get("/.well-known/void", summary="Dataset description (VoID and DCAT)",
            response_class=Response)
async def void_description(
    request: Request, format: Annotated[str | None, Query()] = None,
) -> Response:
    try:
        media = choose(GRAPH_TYPES, request.headers.get("accept"), format)
    except NotAcceptable as error:
        return ProtocolError(406, str(error)).response()
    triples = await run_in_threadpool(_description, reader_source(request), public_base(request))
    chunks: list[bytes] = []

    class Collect:
        def write(self, data: bytes) -> None:
            chunks.append(data)

    write_graph(triples, media, Collect(), _ALL)
    return Response(b"".join(chunks), media_type=media.content_type, headers={"Vary": "Accept"})


# A dump's writer: the store, the graphs the reader may see, the binary output.
DumpWriter = Callable[[Store, list[NamedNode], Any], None]


async def _dump(request: Request, name: str, write: DumpWriter, media_type: str,
                filename: str) -> Response:
    """The dump of the graphs the reader may see: its kept file (with Range requests) when
    written since the store last changed, else streamed as it is written and kept
    (resources/dump_files.py)."""
    store = get_store(request)
    graphs = (await run_in_threadpool(reader_source(request).view)).graphs

    def write_to(output: Any) -> None:
        write(store, graphs, output)

    headers = {"Content-Disposition": f'attachment; filename="{filename}"'}
    files = dump_files(request)
    key = (name, graphs_key(graphs))
    mark = await run_in_threadpool(request_mark, request)  # before the data is read
    kept = files.get(key, mark)
    if kept is None and "range" in request.headers:
        kept = await run_in_threadpool(files.write, key, mark, write_to)
    if kept is not None:
        # the file's strong tag: If-Range (a strong comparison, Starlette's FileResponse)
        # resumes with 206 only while the same bytes are kept; its Last-Modified too
        stat = await run_in_threadpool(kept.path.stat)
        tagged = {**headers, "ETag": kept.etag}
        if if_none_match(request.headers.get("if-none-match"), kept.etag):
            return Response(status_code=304, headers={
                "ETag": kept.etag, "Last-Modified": formatdate(stat.st_mtime, usegmt=True)})
        return FileResponse(kept.path, media_type=media_type, headers=tagged, stat_result=stat)

    def produce(writer: ChunkWriter) -> None:
        with files.copying(key, mark, writer) as output:
            write_to(output)

    settings = get_settings_of(request)
    try:
        first, rest = await query_runner(request.app.state).start(
            produce, settings.query_timeout)
    except QueryTimeout as error:
        return ProtocolError(503, str(error)).response()
    return respond(first, rest, media_type, {**headers, "Accept-Ranges": "bytes"})


def _write_nquads(store: Store, graphs: list[NamedNode], output: Any) -> None:
    with gzip.GzipFile(fileobj=output, mode="wb", mtime=0) as packed:
        for graph in graphs:
            triples = store.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }",
                                  default_graph=[graph])
            quads = (Quad(t.subject, t.predicate, t.object, graph) for t in triples)
            write_graph(quads, NQUADS, packed, _ALL)


def _write_turtle(store: Store, graphs: list[NamedNode], output: Any) -> None:
    triples = store.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }",
                          default_graph=graphs or [EMPTY_GRAPH])
    write_graph(triples, GRAPH_TYPES[0], output, _ALL)


@router.get("/dumps/tsr.nq.gz", summary="Dump of the visible graphs, N-Quads, gzip",
            response_class=Response)
async def dump_nquads(request: Request) -> Response:
    return await _dump(request, "nquads", _write_nquads, "application/gzip", "tsr.nq.gz")


@router.get("/dumps/tsr.ttl", summary="Dump of the visible graphs merged, Turtle",
            response_class=Response)
async def dump_turtle(request: Request) -> Response:
    return await _dump(request, "turtle", _write_turtle, "text/turtle; charset=utf-8", "tsr.ttl")
