"""Remote backend: any SPARQL 1.1 store over HTTP (Query, Update, Graph Store Protocol).

Tested against a real `oxigraph serve`; the same requests suit Fuseki, GraphDB, Virtuoso or
Neptune. Guarantees: SELECT results and dumps are parsed from the response as it arrives
(never held whole); `update` is as atomic as the server makes one request (Oxigraph:
atomic); `replace_graph` is one Graph Store PUT, atomic on servers that apply a request in
one transaction (Oxigraph does). Graph names are always given explicitly.
"""

from __future__ import annotations

import io
import itertools
import re
import uuid
from collections.abc import Iterable, Iterator
from itertools import islice
from typing import IO, Any
from urllib.parse import urlencode

import httpx
from pyoxigraph import (
    DefaultGraph,
    NamedNode,
    Quad,
    QueryBoolean,
    QueryResultsFormat,
    QuerySolutions,
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
    QueryTimeout,
    Store,
    StoreError,
    StoreFault,
    StoreUnreachable,
    UpdateText,
    count_of,
    counts_as_write,
)
from .engines import PROFILES, EngineProfile, profile_for_server
from .lazy_results import RemoteResults
from .namespaces import STAGING_PREFIX
from .sparql_text import (
    calls_wrapped,
    query_form,
    trailing_values_inside,
    with_binds,
    with_values,
    without_dataset_clauses,
)

_RESULTS_JSON = "application/sparql-results+json"
_NTRIPLES = "application/n-triples"
_CHUNK_TRIPLES = 20_000
# a graph that is never written: names an empty part of a dataset
_NO_GRAPH = NamedNode(f"{STAGING_PREFIX}no-graph")


class RemoteStore(Store):
    kind = "remote"

    def __init__(
        self, query_url: str, update_url: str, graph_store_url: str, timeout: float = 60.0,
        user_agent: str = "tsr-observatory", engine: str | None = None,
    ) -> None:
        self.query_url, self.update_url, self.graph_store_url = query_url, update_url, graph_store_url
        self.location = query_url
        self._client = httpx.Client(timeout=timeout, headers={"User-Agent": user_agent})
        self._engine: EngineProfile | None = PROFILES[engine] if engine else None

    @property
    def engine(self) -> EngineProfile:
        """The engine's profile: as set, or told by the query endpoint's Server header."""
        if self._engine is None:
            response = self._send("GET", self.query_url, params={"query": "ASK {}"},
                                  headers={"Accept": _RESULTS_JSON})
            self._engine = profile_for_server(response.headers.get("server"))
        return self._engine

    def _hidden(self, graph: NamedNode) -> bool:
        return graph.value.startswith(STAGING_PREFIX) or self.engine.is_system_graph(graph.value)

    # -- queries ---------------------------------------------------------------------------
    def _execute(self, sparql: str, bindings: Bindings | None,
                 default_graph: list[NamedNode] | None, named_graphs: list[NamedNode] | None,
                 timeout: float | None) -> Any:
        try:
            form = query_form(sparql)
            bind = with_binds if bindings and self.engine.parameters_as_bind else with_values
            text = bind(sparql, bindings or {})
        except ValueError as error:
            raise QuerySyntaxError(str(error)) from None
        if default_graph is None or named_graphs is None:
            # Name the graphs explicitly so that any server gives the same answer: the default
            # graph is the union of all graphs, and all graphs stay reachable with GRAPH.
            # (A request naming only default graphs would otherwise have no named graph.)
            # (Graphs being staged included, as on the embedded store; not the engine's own.)
            every_graph = self._every_graph()
            default_graph = every_graph if default_graph is None else default_graph
            named_graphs = every_graph if named_graphs is None else named_graphs
        return self._query(text, form, default_graph, named_graphs, timeout)

    def graph_names(self) -> list[NamedNode]:
        return [name for name in self._every_graph() if not name.value.startswith(STAGING_PREFIX)]

    def _every_graph(self) -> list[NamedNode]:
        rows = self._query(self.engine.graph_listing, "SELECT", None, None, None)
        return [row["g"] for row in rows if not self.engine.is_system_graph(row["g"].value)]

    def graphs(self) -> list[GraphInfo]:
        solutions = self._query(
            "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g",
            "SELECT", None, None, None,
        )
        return [GraphInfo(row["g"], int(row["n"].value)) for row in solutions
                if not self._hidden(row["g"])]

    def _query(
        self, text: str, form: str, default_graph: list[NamedNode] | None,
        named_graphs: list[NamedNode] | None, timeout: float | None,
    ) -> Any:
        if form != "SELECT" and self.engine.trailing_values_in_select_only:
            text = trailing_values_inside(text)
        rewrapped = self.engine.rewrapped_calls
        if rewrapped and any(name in text.upper() for name in rewrapped):
            text = calls_wrapped(text, rewrapped)
        explicit = default_graph is not None or named_graphs is not None
        if explicit and self.engine.merges_protocol_dataset:
            text = without_dataset_clauses(text)
            default_graph, named_graphs = default_graph or [_NO_GRAPH], named_graphs or [_NO_GRAPH]
        data: list[tuple[str, str]] = [("query", text)]
        data += [("default-graph-uri", g.value) for g in default_graph or []]
        data += [("named-graph-uri", g.value) for g in named_graphs or []]
        accept = _RESULTS_JSON if form in ("SELECT", "ASK") else _NTRIPLES
        response = self._send(
            "POST", self.query_url, content=urlencode(data).encode("ascii"), timeout=timeout,
            headers={"Accept": accept, "Content-Type": "application/x-www-form-urlencoded"},
            stream=True,
        )
        cut_at = self.engine.truncation_header and response.headers.get(self.engine.truncation_header)
        if cut_at:
            response.close()
            raise StoreFault(f"remote store cut the answer at its limit of {cut_at} rows "
                             f"(raise it on the server: {self.engine.name} profile)")
        reader = _reader(response, self.engine.results_rewrites if form == "SELECT" else ())
        try:
            if form in ("SELECT", "ASK"):
                results = parse_query_results(reader, QueryResultsFormat.JSON)
                if form == "ASK" and isinstance(results, QuerySolutions):
                    return _boolean_from_rows(RemoteResults(results))
                return results if isinstance(results, QueryBoolean) else RemoteResults(results)
            # the rows and triples parsed as they stream in: a failure past the first is
            # met reading them (store/lazy_results.py)
            return RemoteResults(Triple(q.subject, q.predicate, q.object)
                                 for q in parse(reader, RdfFormat.N_TRIPLES))
        except SyntaxError as error:
            reader.close()
            raise StoreFault(f"remote store sent unreadable results: {error}") from None

    # -- writes ----------------------------------------------------------------------------
    @counts_as_write
    def update(self, sparql: str) -> None:
        self._send("POST", self.update_url, content=sparql.encode("utf-8"),
                   headers={"Content-Type": "application/sparql-update"})

    @counts_as_write
    def add(self, triples: Iterable[Triple], graph: NamedNode) -> None:
        self._send_triples("POST", {"graph": graph.value}, triples)

    @counts_as_write
    def replace_graph(self, graph: NamedNode, triples: Iterable[Triple], *,
                      with_update: UpdateText = None) -> None:
        if self.engine.chunked_request_bodies or graph.value.startswith(STAGING_PREFIX):
            self._send_triples("PUT", {"graph": graph.value}, triples)
        else:
            pieces = _ntriples_chunks(triples)
            first = next(pieces, b"")
            second = next(pieces, None)
            if second is None:  # one piece: one PUT, atomic
                self._send("PUT", self.graph_store_url, params={"graph": graph.value},
                           content=first, headers={"Content-Type": _NTRIPLES})
            else:  # pieces into a hidden graph, then one update swaps it in
                staging = NamedNode(f"{STAGING_PREFIX}{uuid.uuid4()}")
                try:
                    for piece in itertools.chain([first, second], pieces):
                        self._send("POST", self.graph_store_url,
                                   params={"graph": staging.value}, content=piece,
                                   headers={"Content-Type": _NTRIPLES})
                    extra = with_update() if callable(with_update) else with_update
                    self.update(f"DROP SILENT GRAPH {graph} ;\nADD SILENT {staging} TO {graph}"
                                + (f" ;\n{extra}" if extra else ""))
                finally:
                    self.update(f"DROP SILENT GRAPH {staging}")
                return
        extra = with_update() if callable(with_update) else with_update
        if extra:
            self.update(extra)

    def _send_triples(self, method: str, params: dict[str, str], triples: Iterable[Triple]) -> None:
        """Send triples to the Graph Store: as one streamed request, or, to an engine that
        does not read chunked bodies, as pieces of known length (the first with `method`,
        the others added with POST)."""
        headers = {"Content-Type": _NTRIPLES}
        if self.engine.chunked_request_bodies:
            self._send(method, self.graph_store_url, params=params,
                       content=_ntriples_chunks(triples), headers=headers)
            return
        sent = False
        for piece in _ntriples_chunks(triples):
            self._send("POST" if sent else method, self.graph_store_url, params=params,
                       content=piece, headers=headers)
            sent = True
        if not sent and method == "PUT":
            self._send(method, self.graph_store_url, params=params, content=b"", headers=headers)

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
                    elif self.engine.union_default_graph:
                        raise StoreError(f"{self.engine.name} has no default graph of its own: "
                                         "name a graph for these triples")
                    else:
                        self._send_triples("POST", {"default": ""}, triples)
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
        expected = self.count(graph) if self.engine.silent_row_limit else None
        response = self._send("GET", self.graph_store_url, params={"graph": graph.value},
                              headers={"Accept": _NTRIPLES}, stream=True, missing_ok=True)
        if response is None:
            return
        read = 0
        for quad in parse(_reader(response), RdfFormat.N_TRIPLES):
            read += 1
            yield Triple(quad.subject, quad.predicate, quad.object)
        if expected is not None and read < expected:
            raise StoreFault(f"remote store sent {read} of the {expected} triples of {graph}: "
                             f"its row limit is too low ({self.engine.name} profile)")

    def _all_quads(self) -> Iterator[Quad]:
        for info in self.graphs():
            for triple in self._graph_triples(info.name):
                yield Quad(triple.subject, triple.predicate, triple.object, info.name)

    def count(self, graph: NamedNode | None = None) -> int:
        if graph is not None:
            text = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH {graph} {{ ?s ?p ?o }} }}"
        elif self.engine.union_default_graph:  # no triples outside the named graphs
            return sum(info.triples for info in self.graphs())
        else:
            text = ("SELECT (COUNT(*) AS ?n) WHERE { { ?s ?p ?o } UNION "
                    "{ GRAPH ?g { ?s ?p ?o } FILTER(!STRSTARTS(STR(?g), \"" + STAGING_PREFIX + "\")) } }")
        return count_of(self._query(text, "SELECT", None, None, None),
                        f"the remote store at {self.location}")

    def clear(self) -> None:
        """Remove every graph but the engine's own, and empty the default graph."""
        if not self.engine.system_graphs:
            self.update("DROP SILENT ALL")
            return
        operations = [f"DROP SILENT GRAPH {name}" for name in self._every_graph()]
        if not self.engine.union_default_graph:
            operations.append("CLEAR SILENT DEFAULT")
        if operations:
            self.update(" ;\n".join(operations))

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
            if timeout is not None:  # a query's deadline: 503 like the embedded store's
                raise QueryTimeout(
                    f"the remote store did not answer within {timeout:g} s, the server's "
                    "query timeout; simplify the query or add a LIMIT") from None
            raise StoreFault(f"remote store at {url} did not answer in time") from None
        except httpx.HTTPError as error:
            raise StoreUnreachable(f"cannot reach remote store at {url}: {error}") from None
        if missing_ok and response.status_code == 404:
            response.close()
            return None
        if response.status_code >= 400:
            body = response.read().decode("utf-8", "replace").strip()
            response.close()
            message = body.splitlines()[0] if body else response.reason_phrase
            if response.status_code == 400:
                raise QuerySyntaxError(message)
            # any other refusal is of a request this server made (its URL, credentials or
            # format), not one the client can mend: the store's failure
            raise StoreFault(f"remote store at {url} answered {response.status_code}: {message}")
        return response


def _boolean_from_rows(rows: Iterable[Any]) -> QueryBoolean:
    """An ASK answered as a SELECT (Virtuoso: one row binding `__ASK_RETVAL` to 1 when
    true, no row when false), as the boolean the standard format gives."""
    true = any(value is not None and value.value not in ("0", "false")
               for row in rows for value in row)
    text = b'{"head": {}, "boolean": ' + (b"true" if true else b"false") + b"}"
    answer = parse_query_results(text, QueryResultsFormat.JSON)
    assert isinstance(answer, QueryBoolean)
    return answer


def _rewritten(chunks: Iterator[bytes], rewrites: tuple[tuple[bytes, bytes], ...]
               ) -> Iterator[bytes]:
    """The chunks with each (pattern, replacement) applied; the last 200 bytes are held
    back until the next chunk comes, so a match split between two chunks is still whole."""
    patterns = [(re.compile(pattern), replacement) for pattern, replacement in rewrites]
    held = b""
    for chunk in chunks:
        text = held + chunk
        for pattern, replacement in patterns:
            text = pattern.sub(replacement, text)
        held, text = text[-200:], text[:-200]
        if text:
            yield text
    for pattern, replacement in patterns:
        held = pattern.sub(replacement, held)
    if held:
        yield held


def _ntriples_chunks(triples: Iterable[Triple]) -> Iterator[bytes]:
    iterator = iter(triples)
    while chunk := list(islice(iterator, _CHUNK_TRIPLES)):
        yield "".join(f"{t.subject} {t.predicate} {t.object} .\n" for t in chunk).encode("utf-8")


def _reader(response: httpx.Response,
            rewrites: tuple[tuple[bytes, bytes], ...] = ()) -> io.BufferedReader:
    return io.BufferedReader(_ResponseReader(response, rewrites), buffer_size=64 * 1024)


class _ResponseReader(io.RawIOBase):
    """A streamed httpx response as a file, closed as soon as it is read to the end, with
    the engine profile's rewrites applied as it streams through."""

    def __init__(self, response: httpx.Response,
                 rewrites: tuple[tuple[bytes, bytes], ...] = ()) -> None:
        self._response = response
        self._chunks: Iterator[bytes] = response.iter_bytes()
        if rewrites:
            self._chunks = _rewritten(self._chunks, rewrites)
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
