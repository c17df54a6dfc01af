"""The store interface that ingest/, api/ and the CLI use, whatever the backend.

Results are pyoxigraph objects on every backend: ``QuerySolutions`` for SELECT (an
iterator: rows are produced as they are read, never all held in memory), ``QueryBoolean``
for ASK, ``QueryTriples`` or an iterator of ``Triple`` for CONSTRUCT/DESCRIBE. The
embedded store's own solutions and triples come read through ``lazy_results.Results``
(the same iteration, ``variables`` and ``serialize``, with the engine's errors as this
module's kinds): ``lazy_results.is_solutions`` tells a SELECT's answer, not isinstance.
"""

from __future__ import annotations

import abc
import functools
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import IO, Any, Concatenate, ParamSpec, TypeVar

from pyoxigraph import BlankNode, Literal, NamedNode, Quad, RdfFormat, Triple

from .namespaces import STAGING_PREFIX

Term = NamedNode | BlankNode | Literal
Bindings = Mapping[str, Term]
# A SPARQL Update to commit with a replacement, or a function giving it once the triples
# have been consumed (a load's provenance record counts them).
UpdateText = str | Callable[[], str] | None


class StoreError(Exception):
    """A store operation failed; the message is one line for the user."""


def first_line(error: BaseException) -> str:
    """An error's message as one line for a user or a log: its first line (an engine's
    message may go on with the query text), or its type's name when it has none."""
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


class StoreFault(StoreError):
    """The store's server failed on its side: it answered an error of its own, an answer
    that cannot be read or not all of it, or nothing in time (not the request's fault: the
    API answers 502)."""


class StoreUnreachable(StoreFault):
    """The store's server could not be reached (the API answers 502)."""


class QueryStopped(StoreError):
    """The query was refused or stopped before it answered (the server goes on)."""


class QueryTimeout(QueryStopped):
    """The query waited or ran past its deadline (HTTP 503): stopped in its worker on an
    embedded store, or not answered in time by a remote one."""


class QuerySyntaxError(StoreError):
    """The SPARQL text does not parse; the message carries the parser's position."""


class QueryRefused(StoreError):
    """A well-formed query the engine will not evaluate as written (an unbound SERVICE
    variable, a value it cannot bind): the query's fault, answered 400."""


class QueryIOError(StoreError, OSError):
    """An I/O error met while a query ran: pyoxigraph reports a failed SERVICE call this
    way, as it does the disk's (the API answers 502 for a query that calls SERVICE, else
    500)."""


class UnwritableAnswer(StoreError):
    """The answer cannot be written in the requested format (JSON-LD of an RDF 1.2 triple
    term): another format can carry it, so the API answers 406."""

    @classmethod
    def because(cls, format_name: str, reason: str,
                others: str = "text/turtle, application/n-triples") -> UnwritableAnswer:
        """The refusal as every writer words it: the format, why, and what to ask for."""
        return cls(f"the answer cannot be written as {format_name}: {reason}; ask for "
                   f"another format ({others})")


class UpdateRefused(StoreError):
    """A well-formed update the store will not apply as written: DROP or CLEAR of a graph
    that does not exist (without SILENT), CREATE of one that does, LOAD of a document that
    is not RDF. The message names the graph or document."""


class StoreBusyError(StoreError):
    """Another process owns the embedded store for writing."""


@dataclass(frozen=True)
class Capabilities:
    """What a backend does beyond the interface's common ground: ingest/ and api/ ask
    these, never the backend's class.

    Query timeouts (`Store.query(timeout=...)`), for the record: the embedded store with
    query isolation (on disk, the default) runs the query in a worker process killed at the
    deadline (store/isolation.py); the remote store bounds the HTTP call by it; the
    in-memory store (and a disk store with isolation off) cannot stop the engine, so the
    API's runner stops waiting at the deadline and answers 503 (api/sparql/execution.py),
    and the query ends with its next row written.
    """

    # replace_graph and stage take N-Triples text (store.embedded.NTriples) and bulk-load
    # it, and replace_graph commits under a journal: a first load streams in one pass
    text_loads: bool = False
    # `writes` is a complete change mark read in memory: this process is the only writer
    # (a remote store can be written by others, so its mark needs a query)
    local_change_mark: bool = False
    # `checkpoint(path)` writes a copy another process can open read-only (a store on disk)
    checkpoints: bool = False
    # a CONSTRUCT's triples come in its solutions' order, each solution's together (the
    # standard gives a graph no order: Virtuoso's answer mixes them)
    constructs_in_solution_order: bool = False


@dataclass(frozen=True)
class GraphInfo:
    name: NamedNode
    triples: int


class Store(abc.ABC):
    """One RDF dataset: named graphs plus a default graph."""

    kind: str
    location: str
    # Writes made through this object, counted once each has returned (or failed, which
    # may have changed part of a remote store): caches of derived data (the search index)
    # compare it with the count they were built at. Other processes' writes are not seen.
    writes: int = 0
    # Writes under way: until they end, graphs may appear or go at any moment, so nothing
    # derived from the graph list holds (see ReaderView.is_whole_store in the API).
    writing: int = 0
    capabilities = Capabilities()

    def begin_write(self) -> None:
        with _WRITES_LOCK:
            self.writing += 1

    def note_write(self) -> None:
        """A write has ended (returned or failed)."""
        with _WRITES_LOCK:
            self.writes += 1
            self.writing -= 1

    def quiet_since(self, writes: int) -> bool:
        """No write has started since `writes` was read (and none is under way)."""
        with _WRITES_LOCK:
            return self.writing == 0 and self.writes == writes

    def query(
        self,
        sparql: str,
        bindings: Bindings | None = None,
        *,
        default_graph: list[NamedNode] | None = None,
        named_graphs: list[NamedNode] | None = None,
        timeout: float | None = None,
    ) -> Any:
        """Run a query. Without `default_graph`, the default graph is the union of all graphs.
        The call every caller makes; each backend answers it in `_execute`."""
        return self._execute(sparql, bindings, default_graph, named_graphs, timeout)

    @abc.abstractmethod
    def _execute(self, sparql: str, bindings: Bindings | None,
                 default_graph: list[NamedNode] | None, named_graphs: list[NamedNode] | None,
                 timeout: float | None) -> Any:
        """The backend's answer to `query` (arguments as there, all given)."""

    @abc.abstractmethod
    def update(self, sparql: str) -> None:
        """Run a SPARQL 1.1 Update, all of it or nothing."""

    @abc.abstractmethod
    def add(self, triples: Iterable[Triple], graph: NamedNode) -> None:
        """Add triples to a named graph."""

    @abc.abstractmethod
    def replace_graph(self, graph: NamedNode, triples: Iterable[Triple], *,
                      with_update: UpdateText = None) -> None:
        """Make `graph` hold exactly `triples`; readers see the old graph or the new one.

        `with_update` is a SPARQL Update (e.g. the provenance record of the load) committed
        with the replacement: atomically on the embedded store; right after it, remotely.
        """

    @abc.abstractmethod
    def drop_graph(self, graph: NamedNode) -> None:
        """Remove a named graph (no error if it does not exist)."""

    @abc.abstractmethod
    def load(self, source: IO[bytes], format: RdfFormat, graph: NamedNode | None) -> int:
        """Parse RDF and add it; triples go to `graph`, quads keep their graph. Returns count."""

    @abc.abstractmethod
    def dump(self, output: IO[bytes], format: RdfFormat, graph: NamedNode | None = None) -> None:
        """Serialise one graph, or the whole dataset for quad formats."""

    @abc.abstractmethod
    def count(self, graph: NamedNode | None = None) -> int:
        """Number of quads in the store, or of triples in one graph."""

    def query_count(self, sparql: str, *, default_graph: list[NamedNode] | None = None,
                    named_graphs: list[NamedNode] | None = None) -> int:
        """The `?n` that a `SELECT (COUNT(...) AS ?n)` query answers (`count_of`)."""
        return count_of(self.query(sparql, default_graph=default_graph,
                                   named_graphs=named_graphs),
                        f"the {self.kind} store at {self.location}")

    def graphs(self) -> list[GraphInfo]:
        """Named graphs with their triple counts, sorted by name."""
        solutions = self.query(
            "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g"
        )
        return [GraphInfo(row["g"], int(row["n"].value)) for row in solutions
                if not row["g"].value.startswith(STAGING_PREFIX)]

    def graph_names(self) -> list[NamedNode]:
        """Named graphs, sorted, without counting their triples (cheap; hidden ones left out)."""
        rows = self.query("SELECT DISTINCT ?g WHERE { GRAPH ?g { } } ORDER BY ?g",
                          default_graph=[], named_graphs=None)
        return [row["g"] for row in rows if not row["g"].value.startswith(STAGING_PREFIX)]

    def every_graph_name(self) -> list[NamedNode] | None:
        """Every named graph, staging ones included, when the backend lists them cheaply
        (the embedded store); None otherwise."""
        return None

    def checkpoint(self, path: str) -> None:
        """Write a consistent copy of the store to the new directory `path`, for another
        process to open read-only (only where `capabilities.checkpoints`)."""
        raise StoreError(f"a {self.kind} store cannot write a checkpoint")

    def stage(self, staging: NamedNode, triples: Iterable[Triple]) -> None:
        """Write triples into a hidden staging graph (not atomic: nobody reads it)."""
        self.replace_graph(staging, triples)

    def commit_staged(self, staging: NamedNode, graph: NamedNode, *,
                      with_update: UpdateText = None) -> None:
        """Make `graph` hold what `stage` wrote into `staging`, with `with_update` (e.g. the
        load's provenance record): here one SPARQL update, then the staging graph dropped
        (outside the swap: it is hidden, and dropped at the next open if the process dies)."""
        extra = with_update() if callable(with_update) else with_update
        self.update(f"DROP SILENT GRAPH {graph} ;\nADD SILENT {staging} TO {graph}"
                    + (f" ;\n{extra}" if extra else ""))
        self.drop_graph(staging)

    def share_with_readers(self) -> None:  # noqa: B027 - optional hook
        """This process will read the store while it writes it (a server): a write that
        passes through states no reader may see must hide them (EmbeddedStore does)."""

    def show_writes_to_readers(self) -> None:  # noqa: B027 - optional hook
        """Make every write that has returned visible now to the readers beside this
        object: an embedded store's query workers and the commands that read beside a
        server (store/served_checkpoint.py). Nothing to do where readers see each write
        as it returns."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release files or connections."""

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def count_of(rows: Iterable[Any], store: str) -> int:
    """The `?n` of a COUNT query's answer, read from its one row. A COUNT answers one row
    whatever the data, so an answer without it (no row, `?n` unbound or not a number) is
    the store's failure (`store` names it): a StoreFault, in one line."""
    row = next(iter(rows), None)
    answered = row is not None
    count = None if row is None else row["n"]
    # pyoxigraph's results must die on the thread that made them, not with the frames of
    # the error on the event loop
    del rows, row
    why = ("no row" if not answered else "?n unbound" if count is None
           else None if count.value.isdigit() else f"?n is {count}")
    if why is not None or count is None:
        raise StoreFault(f"{store} answered a COUNT without its count ({why})")
    return int(count.value)


_WRITES_LOCK = threading.Lock()
_Params = ParamSpec("_Params")
_Result = TypeVar("_Result")
_AnyStore = TypeVar("_AnyStore", bound=Store)


def counts_as_write(
    method: Callable[Concatenate[_AnyStore, _Params], _Result],
) -> Callable[Concatenate[_AnyStore, _Params], _Result]:
    """Mark a store method that writes: `store.writing` counts it while it runs, and
    `store.writes` goes up when it returns or fails."""
    @functools.wraps(method)
    def counted(self: _AnyStore, *args: _Params.args, **kwargs: _Params.kwargs) -> _Result:
        self.begin_write()
        try:
            return method(self, *args, **kwargs)
        finally:
            self.note_write()
    return counted


def as_quads(triples: Iterable[Triple | Quad], graph: NamedNode) -> Iterator[Quad]:
    for triple in triples:
        yield Quad(triple.subject, triple.predicate, triple.object, graph)
