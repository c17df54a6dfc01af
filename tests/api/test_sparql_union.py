"""When the reader may see every graph, /sparql queries the engine's union default graph
(api/sparql/dataset.py): the answers must be those of the explicit graph list, and a graph
that appears later (restricted, or still loading) must never slip into the union."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pyoxigraph import Literal, NamedNode, Quad, RdfFormat, Triple

from store.namespaces import STAGING_PREFIX, TSR

from .conftest import (
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
    sparql,
)

NAME = NamedNode(f"{TSR}name")
COUNT_NAMES = f"SELECT (COUNT(*) AS ?n) WHERE {{ ?s <{TSR}name> ?o }}"
SECRET_NAME_QUERY = f"SELECT ?o WHERE {{ <{SECRET_ACTOR.value}> <{TSR}name> ?o }}"


@pytest.fixture
def public_only() -> Iterator[AppClient]:
    client = AppClient(api_settings(), data=False)
    with EXAMPLE.open("rb") as handle:
        client.app.state.store.load(handle, RdfFormat.TURTLE, PUBLIC_GRAPH)
    try:
        yield client
    finally:
        client.close()


def count(api: AppClient, headers: dict[str, str] | None = None) -> int:
    return int(bindings(sparql(api, COUNT_NAMES, headers))[0]["n"])


def test_the_union_answers_as_the_graph_list_does(public_only: AppClient) -> None:
    store = public_only.app.state.store
    expected = sum(1 for _ in store.oxigraph.quads_for_pattern(None, NAME, None, PUBLIC_GRAPH))
    assert count(public_only) == expected > 0
    cached = public_only.app.state.services.visible_graphs._cached[False]
    assert cached.whole_store == frozenset({PUBLIC_GRAPH})
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
        store.oxigraph.add(Quad(SECRET_ACTOR, NAME, Literal("Organisation secrète"),
                                SECRET_GRAPH))
        assert bindings(sparql(public_only, SECRET_NAME_QUERY)) == []
        assert count(public_only) == before
    finally:
        store.note_write()
    # the write done, its graph (not marked restricted) is public, and seen at once
    assert bindings(sparql(public_only, SECRET_NAME_QUERY)) == [{"o": "Organisation secrète"}]
