"""Running a named query for a request: the reader's graphs, its parameters as RDF terms."""

from __future__ import annotations

import inspect
import keyword
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Query, Request
from pyoxigraph import NamedNode

from store import Settings, Store, StoreError
from store.base import StoreFault, Term
from store.isolation import QUERY_CLIENT

from ..deps import AdminCheck, admin_check, bearer_token, get_settings_of, get_store, sees_restricted
from ..named_queries import NamedQuery, ParameterValueError, QueryParam
from ..sparql.dataset import ReaderView, VisibleGraphs, request_dataset, visibility
from ..sparql.execution import client_key, log_failure, query_pool, store_failure
from .store_state import StoreMark, StoreState, request_mark, store_state


@dataclass(frozen=True)
class Reader:
    """One request's reader, as the functions below the routes use it (resolved once by
    `reader`, a dependency): the store and settings, whether they see restricted sources,
    their graphs, the store's mark read before any data, and who shares the query workers."""
    store: Store
    settings: Settings
    sees_all: bool
    view: ReaderView  # the graphs they may read
    graphs: list[NamedNode] | None  # the same for the engine: None when the whole store
    mark: StoreMark
    client: str
    visibility: VisibleGraphs  # the app's cache of each kind of reader's graphs

    def run(self, query: NamedQuery, bindings: Mapping[str, Term], *,
            isolated: bool = False) -> Any:
        """Results of `query` over the graphs this reader may see (its FROM / FROM NAMED
        graphs among them, as on /sparql); 400 for a bad query.

        Runs in a worker thread: it may touch the store. `isolated`: the client's
        parameters may make it costly (a named query; a curated list or the search, whose
        filters can make the list's query run for minutes): on a store with query workers
        the query runs in one of them, stopped at the query timeout (503) or over the
        memory budget. The entity pages and labels run in this process (point reads by
        IRI, faster without the process hop)."""
        default_graph, named_graphs = dataset_of(query, self.view.graphs, self.graphs)
        return self.run_over(query, bindings, default_graph, named_graphs, isolated=isolated)

    def run_over(self, query: NamedQuery, bindings: Mapping[str, Term],
                 default_graph: list[NamedNode] | None, named_graphs: list[NamedNode] | None,
                 *, isolated: bool = False) -> Any:
        """`run_query_over` for this reader."""
        return run_query_over(self.store, self.settings, self.client, query, bindings,
                              default_graph, named_graphs, isolated=isolated)

    def listed_again(self) -> Reader:
        """This reader with its graphs listed anew (the store may have gained a graph since
        they were listed: another process's ingest into a remote store, say)."""
        view = self.visibility.listed_again(self.store, self.settings, self.sees_all)
        return replace(self, view=view, graphs=engine_graphs(view, self.store))

    def every_graph(self) -> list[NamedNode] | None:
        """Every graph, restricted ones included (None: the whole store)."""
        view = self.visibility.view_of(self.store, self.settings, include_restricted=True)
        return engine_graphs(view, self.store)


@dataclass(frozen=True)
class ReaderSource:
    """What one request's reader is resolved from, read from the request and the app's
    services without touching the store (so on the event loop): `resolve` then reads the
    store, in the thread that reads the data."""
    store: Store
    settings: Settings
    token: str | None  # the bearer token, if any
    admin: AdminCheck | None  # the workspace's check of its admins' tokens
    client: str
    visibility: VisibleGraphs
    state: StoreState

    @property
    def sees_all(self) -> bool:
        """Does this reader see restricted sources? (A workspace token is looked up.)"""
        return sees_restricted(self.settings, self.token, self.admin)

    def view(self) -> ReaderView:
        """The graphs this reader may see, as the visibility service keeps them (no mark
        read: for a route that reads no kept data)."""
        return self.visibility.view_of(self.store, self.settings, self.sees_all)

    def resolve(self, mark: StoreMark | None = None) -> Reader:
        """The reader. `mark`: the store's mark if the request read it already (the ETag
        middleware does); else it is read here, before the reader's graphs are listed."""
        if mark is None:
            mark = self.state.mark()
        sees_all = self.sees_all  # once: a workspace token is a lookup
        view = self.visibility.view_of(self.store, self.settings, sees_all)
        return Reader(self.store, self.settings, sees_all, view, engine_graphs(view, self.store),
                      mark, self.client, self.visibility)


def engine_graphs(view: ReaderView, store: Store) -> list[NamedNode] | None:
    """The graphs of `view` as the engine reads them: None when they are the whole store
    (the engine's union is then the same dataset, and several times cheaper: see
    api/sparql/dataset.py)."""
    return None if view.is_whole_store(store) else view.graphs


def reader_source(request: Request) -> ReaderSource:
    """The request's `ReaderSource` (no store access)."""
    return ReaderSource(get_store(request), get_settings_of(request), bearer_token(request),
                        admin_check(request), client_key(request), visibility(request),
                        store_state(request))


def reader(request: Request) -> Reader:
    """The request's reader (a dependency: `Depends(reader)`), with the store's mark read
    once per request (`request_mark`). It reads the store: resolve it before the data is
    read, in a worker thread."""
    return reader_source(request).resolve(request_mark(request))


# a route's argument: `who: ReaderOf` (FastAPI resolves it from the request)
ReaderOf = Annotated[Reader, Depends(reader)]


def run_query_over(store: Store, settings: Settings, client: str, query: NamedQuery,
                   bindings: Mapping[str, Term], default_graph: list[NamedNode] | None,
                   named_graphs: list[NamedNode] | None, *, isolated: bool = False) -> Any:
    """`Reader.run` over the given graphs (None: the whole store) rather than the reader's:
    published aggregates are computed over restricted sources too (api/confidentiality.py).
    `client`: who shares the query workers fairly with others."""
    # a timeout sends the query to a worker (embedded store with a pool), or bounds the
    # HTTP call (remote store)
    timeout = settings.query_timeout if isolated or query_pool(store) is None else None
    QUERY_CLIENT.set(client)  # in this worker thread's own context
    try:
        return store.query(query.text, bindings, default_graph=default_graph,
                           named_graphs=named_graphs, timeout=timeout)
    except StoreFault:
        raise  # the store's failure, not the query's: the app's handler answers 502
    except StoreError as error:
        raise query_failure(query, error) from None


def query_failure(query: NamedQuery, error: BaseException) -> HTTPException:
    """The answer to `query`'s failure, as /sparql gives it (`store_failure`), naming the
    query."""
    failure = store_failure(error, service_calls=bool(query.facts.service_targets))
    log_failure(f"query {query.name}", failure)
    return HTTPException(failure.status, f"query {query.name}: {failure.message}",
                         failure.headers or None)


def dataset_of(query: NamedQuery, visible: list[NamedNode], graphs: list[NamedNode] | None
               ) -> tuple[list[NamedNode] | None, list[NamedNode] | None]:
    """The default and named graphs `query` reads for a reader who sees `visible`
    (`graphs`: the same, or None when they are the whole store): its FROM / FROM NAMED
    graphs among those, as on /sparql; without them, the reader's graphs, as named graphs
    too (so GRAPH ?g stays within them)."""
    if not query.facts.names_dataset:
        return graphs, graphs
    dataset = request_dataset(query.facts, [], [], visible)
    return dataset.default_graph, dataset.named_graphs


def bind(query: NamedQuery, values: Mapping[str, str | None], base_iri: str) -> dict[str, Term]:
    """Request values as RDF terms (`base_iri`: the settings'); 400 with the user's mistake
    in one line."""
    try:
        return dict(query.bindings(dict(values), base_iri))
    except ParameterValueError as error:
        raise HTTPException(400, str(error)) from None


def query_parameters(query: NamedQuery) -> list[inspect.Parameter]:
    """The query's parameters as FastAPI query parameters (so OpenAPI documents them)."""
    return [_parameter(param) for param in query.params]


def python_name(name: str) -> str:
    """The handler argument for a query parameter (`class` is a Python keyword)."""
    return f"{name}_" if keyword.iskeyword(name) else name


def request_values(query: NamedQuery, arguments: Mapping[str, Any]) -> dict[str, str | None]:
    """The handler's keyword arguments back under the query's parameter names."""
    return {param.name: arguments.get(python_name(param.name)) for param in query.params}


def _parameter(param: QueryParam) -> inspect.Parameter:
    description = f"{param.description} ({param.kind_text})".strip()
    default: Any = Query(
        ... if param.required and param.default is None else param.default,
        description=description, pattern=param.pattern,
        examples=[param.default] if param.default else None,
        alias=param.name if python_name(param.name) != param.name else None,
    )
    annotation = str if param.required and param.default is None else str | None
    return inspect.Parameter(python_name(param.name), inspect.Parameter.KEYWORD_ONLY, default=default,
                             annotation=annotation)


def with_signature(function: Callable[..., Any], parameters: list[inspect.Parameter]) -> None:
    """Give `function` (which takes **kwargs) the explicit signature FastAPI reads."""
    function.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
