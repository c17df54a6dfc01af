"""When the reader may see every graph, /sparql queries the engine's union default graph
(api/sparql/dataset.py): the answers must be those of the explicit graph list, and a graph
that appears later (restricted, or still loading) must never slip into the union.

On every engine (the `on_engines` marker): a remote store lists no graph names cheaply, so
the union shortcut is the embedded store's alone; there the answers, and the hiding of a
graph that appears behind the cache, must be the same through the explicit graph list."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pyoxigraph import Literal, NamedNode, Quad, RdfFormat, Triple

from store import open_store
from store.namespaces import STAGING_PREFIX, TSR
from store.remote import RemoteStore
from tests.conftest import empty_remote_env, remote_settings

from .conftest import (
    ENGINES,
    EXAMPLE,
    IRIS,
    PUBLIC_GRAPH,
    READER,
    RESTRICTED_LOG,
    SECRET_ACTOR,
    SECRET_GRAPH,
    AppClient,
    api_settings,
    bindings,
    engine_of,
    load_test_data,
    sparql,
)

NAME = NamedNode(f"{TSR}name")
COUNT_NAMES = f"SELECT (COUNT(*) AS ?n) WHERE {{ ?s <{TSR}name> ?o }}"
SECRET_NAME_QUERY = f"SELECT ?o WHERE {{ <{SECRET_ACTOR.value}> <{TSR}name> ?o }}"


pytestmark = pytest.mark.on_engines  # the app on every engine (conftest.py)


@pytest.fixture(params=ENGINES)
def public_only(request: pytest.FixtureRequest) -> Iterator[AppClient]:
    """The app on one engine, its store holding the example in one public graph only."""
    engine = request.param
    if engine == "memory":
        client = AppClient(api_settings(), data=False)
    else:
        env = empty_remote_env(request, engine)
        client = AppClient(api_settings(store="remote", query_url=env["TSR_QUERY_URL"],
                                        update_url=env["TSR_UPDATE_URL"],
                                        graph_store_url=env["TSR_GRAPH_STORE_URL"]),
                           data=False)
    with EXAMPLE.open("rb") as handle:
        client.app.state.store.load(handle, RdfFormat.TURTLE, PUBLIC_GRAPH)
    try:
        yield client
    finally:
        client.close()
        if engine != "memory":  # the session's server, left as the other modules expect it
            with open_store(remote_settings(empty_remote_env(request, engine))) as store:
                load_test_data(store)


def add_behind_the_app(api: AppClient, quad: Quad) -> None:
    """Write `quad` where the app's store object is not told: into the embedded store's
    engine itself, or through a second client of the remote engine (as another process
    would)."""
    store = api.app.state.store
    if engine_of(api) == "memory":
        store.oxigraph.add(quad)
        return
    with RemoteStore(store.query_url, store.update_url, store.graph_store_url) as other:
        other.add([Triple(quad.subject, quad.predicate, quad.object)], quad.graph_name)


def count(api: AppClient, headers: dict[str, str] | None = None) -> int:
    return int(bindings(sparql(api, COUNT_NAMES, headers))[0]["n"])


def test_the_union_answers_as_the_graph_list_does(public_only: AppClient) -> None:
    store = public_only.app.state.store
    expected = int(next(iter(store.query(COUNT_NAMES, default_graph=[PUBLIC_GRAPH])))["n"].value)
    assert count(public_only) == expected > 0
    cached = public_only.app.state.services.visible_graphs._cached[False]
    # the union shortcut needs the graph names listed cheaply: the embedded store's alone
    on_the_union = engine_of(public_only) == "memory"
    assert cached.whole_store == (frozenset({PUBLIC_GRAPH}) if on_the_union else None)
    rows = bindings(sparql(public_only, "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"))
    assert rows == [{"g": PUBLIC_GRAPH.value}]


def test_a_restricted_graph_added_behind_the_cache_stays_hidden(public_only: AppClient) -> None:
    before = count(public_only)  # the cache now says: this reader sees the whole store
    store = public_only.app.state.store
    # written straight into the store: the API's cache is not told
    store.add([Triple(SECRET_ACTOR, NAME, Literal("Organisation secrète"))], SECRET_GRAPH)
    store.add([Triple(SECRET_GRAPH, NamedNode(f"{TSR}restricted"), Literal(True))],
              RESTRICTED_LOG)
    assert bindings(sparql(public_only, SECRET_NAME_QUERY)) == []
    assert count(public_only) == before
    assert bindings(sparql(public_only, "SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
                           )) == [{"g": PUBLIC_GRAPH.value}]
    assert bindings(sparql(public_only, SECRET_NAME_QUERY, READER)) == [
        {"o": "Organisation secrète"}]


def test_a_staging_graph_never_reaches_the_union(public_only: AppClient) -> None:
    before = count(public_only)
    staging = NamedNode(f"{STAGING_PREFIX}load-1")
    public_only.app.state.store.add(
        [Triple(NamedNode(f"{IRIS.base}id/actor/half-loaded"), NAME, Literal("x"))], staging)
    assert count(public_only) == before
    assert count(public_only, READER) == before


def test_a_first_load_under_way_reaches_no_reader(public_only: AppClient) -> None:
    """A big first load fills its graph under a journal note "G loading" and commits by
    removing the note with its PROV record (EmbeddedStore.replace_graph): until then no
    reader sees any of it, through the union, GRAPH ?g or an explicit graph list."""
    before, before_restricted = count(public_only), count(public_only, READER)
    arriving = NamedNode(f"{IRIS.base}graph/source/arriving")
    note = Quad(arriving, NamedNode(f"{STAGING_PREFIX}loading"), Literal(True),
                NamedNode(f"{STAGING_PREFIX}journal"))
    add_behind_the_app(public_only, note)
    add_behind_the_app(public_only, Quad(NamedNode(f"{IRIS.base}id/actor/arriving"), NAME,
                                         Literal("Atelier en chargement"), arriving))
    store = public_only.app.state.store
    # a write through the app (no name in it): the readers' graphs are listed again
    store.add([Triple(SECRET_ACTOR, NamedNode("http://example.org/unrelated"), Literal("x"))],
              PUBLIC_GRAPH)
    assert count(public_only) == before
    assert count(public_only, READER) == before_restricted
    graphs = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
    assert arriving.value not in [row["g"] for row in bindings(sparql(public_only, graphs))]
    assert arriving.value not in [row["g"] for row in bindings(sparql(public_only, graphs,
                                                                      READER))]
    # the commit: the note goes, and the graph is there for every reader
    store.update(f"DELETE DATA {{ GRAPH <{note.graph_name.value}> {{ <{arriving.value}> "
                 f"<{note.predicate.value}> true }} }}")
    assert count(public_only) == before + 1
    assert count(public_only, READER) == before_restricted + 1


def test_a_graph_appearing_during_a_write_never_reaches_the_union(
        public_only: AppClient) -> None:
    """The check that the union is still the reader's dataset is skipped while no write has
    started since it last held; a write under way (a bulk load between two batches) must
    make it look again."""
    before = count(public_only)
    count(public_only)  # the listing has now confirmed the whole store at this write count
    store = public_only.app.state.store
    store.begin_write()
    try:
        # what a bulk load does between its batches: quads in a graph nobody was told about
        add_behind_the_app(public_only, Quad(SECRET_ACTOR, NAME,
                                             Literal("Organisation secrète"), SECRET_GRAPH))
        assert bindings(sparql(public_only, SECRET_NAME_QUERY)) == []
        assert count(public_only) == before
    finally:
        store.note_write()
    # the write done, its graph (not marked restricted) is public, and seen at once
    assert bindings(sparql(public_only, SECRET_NAME_QUERY)) == [{"o": "Organisation secrète"}]
