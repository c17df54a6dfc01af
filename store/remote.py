"""Remote backend: any SPARQL 1.1 store over HTTP (Query, Update, Graph Store Protocol).

Tested against a real `oxigraph serve`; the same requests suit Fuseki, GraphDB, Virtuoso or
Neptune. Guarantees: SELECT results and dumps are parsed from the response as it arrives
(never held whole); `update` is as atomic as the server makes one request (Oxigraph:
atomic); `replace_graph` is one Graph Store PUT, atomic on servers that apply a request in
one transaction (Oxigraph does). Graph names are always given explicitly.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from itertools import islice
from typing import IO, Any
from urllib.parse import urlencode

import httpx
from pyoxigraph import (
    DefaultGraph,
    NamedNode,
    Quad,
    QueryResultsFormat,
    RdfFormat,
    Triple,
    parse,
    parse_query_results,
    serialize,
)

from .base import (
    Bindings,
    GraphInfo,
    QuerySyntaxError,
    Store,
    StoreError,
    UpdateText,
    counts_as_write,
)
from .namespaces import STAGING_PREFIX
from .sparql_text import query_form, with_values

_RESULTS_JSON = "application/sparql-results+json"
_NTRIPLES = "application/n-triples"
_CHUNK_TRIPLES = 20_000


class RemoteStore(Store):
    kind = "remote"

    def __init__(
        self, query_url: str, update_url: str, graph_store_url: str, timeout: float = 60.0,
        user_agent: str = "tsr-observatory",
    ) -> None:
        self.query_url, self.update_url, self.graph_store_url = query_url, update_url, graph_store_url
        self.location = query_url
        self._client = httpx.Client(timeout=timeout, headers={"User-Agent": user_agent})

    # -- queries ---------------------------------------------------------------------------
    def query(
        self,
        sparql: str,
        bindings: Bindings | None = None,
        *,
        default_graph: list[NamedNode] | None = None,
        named_graphs: list[NamedNode] | None = None,
        timeout: float | None = None,
    ) -> Any:
        try:
            form = query_form(sparql)
            text = with_values(sparql, bindings or {})
        except ValueError as error:
            raise QuerySyntaxError(str(error)) from None
        if default_graph is None or named_graphs is None:
            # Name the graphs explicitly so that any server gives the same answer: the default
            # graph is the union of all graphs, and all graphs stay reachable with GRAPH.
            # (A request naming only default graphs would otherwise have no named graph.)
            every_graph = self.graph_names()
            default_graph = every_graph if default_graph is None else default_graph
            named_graphs = every_graph if named_graphs is None else named_graphs
        return self._query(text, form, default_graph, named_graphs, timeout)

    def graph_names(self) -> list[NamedNode]:
        rows = self._query("SELECT DISTINCT ?g WHERE { GRAPH ?g { } } ORDER BY ?g",
                           "SELECT", None, None, None)
        return [row["g"] for row in rows if not row["g"].value.startswith(STAGING_PREFIX)]

    def graphs(self) -> list[GraphInfo]:
        solutions = self._query(
            "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g",
            "SELECT", None, None, None,
        )
        return [
            GraphInfo(row["g"], int(row["n"].value)) for row in solutions
            if not row["g"].value.startswith(STAGING_PREFIX)
        ]

    def _query(
        self, text: str, form: str, default_graph: list[NamedNode] | None,
        named_graphs: list[NamedNode] | None, timeout: float | None,
    ) -> Any:
        data: list[tuple[str, str]] = [("query", text)]
        data += [("default-graph-uri", g.value) for g in default_graph or []]
        data += [("named-graph-uri", g.value) for g in named_graphs or []]
        accept = _RESULTS_JSON if form in ("SELECT", "ASK") else _NTRIPLES
        response = self._send(
            "POST", self.query_url, content=urlencode(data).encode("ascii"), timeout=timeout,
            headers={"Accept": accept, "Content-Type": "application/x-www-form-urlencoded"},
            stream=True,
        )
        reader = _reader(response)
        try:
            if form in ("SELECT", "ASK"):
                return parse_query_results(reader, QueryResultsFormat.JSON)
            return (Triple(q.subject, q.predicate, q.object)
                    for q in parse(reader, RdfFormat.N_TRIPLES))
        except SyntaxError as error:
            reader.close()
            raise StoreError(f"remote store sent unreadable results: {error}") from None

    # -- writes ----------------------------------------------------------------------------
    @counts_as_write
    def update(self, sparql: str) -> None:
        self._send("POST", self.update_url, content=sparql.encode("utf-8"),
                   headers={"Content-Type": "application/sparql-update"})

    @counts_as_write
    def add(self, triples: Iterable[Triple], graph: NamedNode) -> None:
        self._send("POST", self.graph_store_url, params={"graph": graph.value},
                   content=_ntriples_chunks(triples), headers={"Content-Type": _NTRIPLES})

    @counts_as_write
    def replace_graph(self, graph: NamedNode, triples: Iterable[Triple], *,
                      with_update: UpdateText = None) -> None:
        self._send("PUT", self.graph_store_url, params={"graph": graph.value},
                   content=_ntriples_chunks(triples), headers={"Content-Type": _NTRIPLES})
        extra = with_update() if callable(with_update) else with_update
        if extra:
            self.update(extra)

    @counts_as_write
    def drop_graph(self, graph: NamedNode) -> None:
        self.update(f"DROP SILENT GRAPH {graph}")

    @counts_as_write
    def load(self, source: IO[bytes], format: RdfFormat, graph: NamedNode | None) -> int:
        # Parse once to the end before sending anything, so a broken file writes nothing.
        try:
            for _ in parse(source, format):
                pass
        except SyntaxError as error:
            raise StoreError(f"not valid {format.name}: {error}") from None
        source.seek(0)
        total = 0
        quads = parse(source, format)
        try:
            while chunk := list(islice(quads, _CHUNK_TRIPLES)):
                by_graph: dict[str, list[Triple]] = {}
                for quad in chunk:
                    name = graph if graph is not None else quad.graph_name
                    key = "" if isinstance(name, DefaultGraph) else name.value
                    by_graph.setdefault(key, []).append(Triple(quad.subject, quad.predicate, quad.object))
                for key, triples in by_graph.items():
                    if key:
                        self.add(triples, NamedNode(key))
                    else:
                        self._send("POST", self.graph_store_url, params={"default": ""},
                                   content=_ntriples_chunks(triples),
                                   headers={"Content-Type": _NTRIPLES})
                total += len(chunk)
        except SyntaxError as error:
            raise StoreError(f"not valid {format.name}: {error}") from None
        return total

    # -- reads -----------------------------------------------------------------------------
    def dump(self, output: IO[bytes], format: RdfFormat, graph: NamedNode | None = None) -> None:
        if graph is not None:
            serialize(self._graph_triples(graph), output, format)
        elif format.supports_datasets:
            serialize(self._all_quads(), output, format)
        else:
            serialize(self.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"), output, format)

    def _graph_triples(self, graph: NamedNode) -> Iterator[Triple]:
        response = self._send("GET", self.graph_store_url, params={"graph": graph.value},
                              headers={"Accept": _NTRIPLES}, stream=True, missing_ok=True)
        if response is None:
            return
        for quad in parse(_reader(response), RdfFormat.N_TRIPLES):
            yield Triple(quad.subject, quad.predicate, quad.object)

    def _all_quads(self) -> Iterator[Quad]:
        for info in self.graphs():
            for triple in self._graph_triples(info.name):
                yield Quad(triple.subject, triple.predicate, triple.object, info.name)

    def count(self, graph: NamedNode | None = None) -> int:
        if graph is not None:
            text = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH {graph} {{ ?s ?p ?o }} }}"
        else:
            text = ("SELECT (COUNT(*) AS ?n) WHERE { { ?s ?p ?o } UNION "
                    "{ GRAPH ?g { ?s ?p ?o } FILTER(!STRSTARTS(STR(?g), \"" + STAGING_PREFIX + "\")) } }")
        rows = list(self._query(text, "SELECT", None, None, None))
        return int(rows[0]["n"].value)

    def close(self) -> None:
        self._client.close()

    # -- HTTP ------------------------------------------------------------------------------
    def _send(self, method: str, url: str, *, stream: bool = False, missing_ok: bool = False,
              timeout: float | None = None, **kwargs: Any) -> Any:
        request = self._client.build_request(
            method, url, timeout=timeout if timeout is not None else httpx.USE_CLIENT_DEFAULT,
            **kwargs,
        )
        try:
            response = self._client.send(request, stream=stream)
        except httpx.TimeoutException:
            raise StoreError(f"remote store at {url} did not answer in time") from None
        except httpx.HTTPError as error:
            raise StoreError(f"cannot reach remote store at {url}: {error}") from None
        if missing_ok and response.status_code == 404:
            response.close()
            return None
        if response.status_code >= 400:
            body = response.read().decode("utf-8", "replace").strip()
            response.close()
            message = body.splitlines()[0] if body else response.reason_phrase
            if response.status_code == 400:
                raise QuerySyntaxError(message)
            raise StoreError(f"remote store at {url} answered {response.status_code}: {message}")
        return response


def _ntriples_chunks(triples: Iterable[Triple]) -> Iterator[bytes]:
    iterator = iter(triples)
    while chunk := list(islice(iterator, _CHUNK_TRIPLES)):
        yield "".join(f"{t.subject} {t.predicate} {t.object} .\n" for t in chunk).encode("utf-8")


def _reader(response: httpx.Response) -> io.BufferedReader:
    return io.BufferedReader(_ResponseReader(response), buffer_size=64 * 1024)


class _ResponseReader(io.RawIOBase):
    """A streamed httpx response as a file, closed as soon as it is read to the end."""

    def __init__(self, response: httpx.Response) -> None:
        self._response = response
        self._chunks = response.iter_bytes()
        self._pending = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self._pending:
            try:
                self._pending = next(self._chunks)
            except StopIteration:
                # release the connection now; the file object itself stays readable (EOF)
                self._response.close()
                return 0
            except httpx.HTTPError as error:
                self.close()
                raise OSError(f"remote store connection failed: {error}") from None
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size

    def close(self) -> None:
        if not self.closed:
            self._response.close()
        super().close()
