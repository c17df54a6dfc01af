"""The curated lists keep their ordered items between requests: pages and totals stay those
of the named query, each kind of reader has its own list, and a write is seen at once."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from pyoxigraph import NamedNode

from api.named_queries import shipped_queries
from api.resources.ordered_items import Item, OrderedItems, list_key
from api.resources.store_state import StoreState
from store.access import visible_graphs
from store.namespaces import TSR
from tests.api.conftest import (
    IRIS,
    PUBLIC_GRAPH,
    READER,
    SECRET_ACTOR,
    WRITER,
    AppClient,
)

FIRST_ACTOR = IRIS.entity("actor", "name-aaa-premiere")


def ids(api: AppClient, url: str, **kwargs: object) -> tuple[list[str], int]:
    response = api.get(url, **kwargs)  # type: ignore[arg-type]
    assert response.status_code == 200, response.text
    body = response.json()
    return [item["id"] for item in body["items"]], body["total"]


def test_every_page_is_a_slice_of_the_named_query(fresh_api: AppClient) -> None:
    store = fresh_api.app.state.store
    public = visible_graphs(store, IRIS, include_restricted=False)
    rows = store.query(shipped_queries()["api-actors"].text, default_graph=public,
                       named_graphs=public)
    expected = [row["item"].value for row in rows]
    pages = [ids(fresh_api, "/api/actors", params={"per_page": 7, "page": n})
             for n in range(1, len(expected) // 7 + 2)]
    assert [iri for page, _ in pages for iri in page] == expected
    assert {total for _, total in pages} == {len(expected)}
    assert fresh_api.app.state.services.ordered_items.reads == 1  # one read served every page


def test_each_kind_of_reader_has_its_own_list(fresh_api: AppClient) -> None:
    anonymous, public_total = ids(fresh_api, "/api/actors", params={"per_page": 100})
    reader, reader_total = ids(fresh_api, "/api/actors", params={"per_page": 100},
                               headers=READER)
    assert SECRET_ACTOR.value not in anonymous and SECRET_ACTOR.value in reader
    assert reader_total == public_total + 1
    assert SECRET_ACTOR.value not in ids(fresh_api, "/api/actors",
                                         params={"per_page": 100})[0]


def test_a_write_is_seen_by_the_next_page(fresh_api: AppClient) -> None:
    before, total = ids(fresh_api, "/api/actors")
    insert = (f"INSERT DATA {{ GRAPH {PUBLIC_GRAPH} {{ {FIRST_ACTOR} a <{TSR}Actor> , <{TSR}TSRActor> ; "
              f"<{TSR}name> \"AAA première\" }} }}")
    assert fresh_api.post("/sparql", data={"update": insert}, headers=WRITER).status_code == 204
    after, new_total = ids(fresh_api, "/api/actors")
    assert new_total == total + 1
    assert after[0] == FIRST_ACTOR.value and after[1:] == before[:-1]
    # removing the actor removes its statements
    delete = f"DELETE WHERE {{ GRAPH {PUBLIC_GRAPH} {{ {FIRST_ACTOR} ?p ?o }} }}"
    assert fresh_api.post("/sparql", data={"update": delete}, headers=WRITER).status_code == 204
    assert ids(fresh_api, "/api/actors") == (before, total)


def test_lists_beyond_the_budget_are_dropped_least_recently_used_first(
        fresh_api: AppClient) -> None:
    lists = OrderedItems(budget=6)
    mark = StoreState(fresh_api.app.state.store, IRIS).mark()
    three: list[Item] = [NamedNode(f"http://example.org/{n}") for n in range(3)]
    reads: list[str] = []

    def reader(name: str) -> Callable[[], list[Item]]:
        def read() -> list[Item]:
            reads.append(name)
            return list(three)
        return read

    for name in ("a", "b", "a", "c", "a", "b"):
        assert lists.get(list_key(name, {}, None), mark, reader(name)) == three
    # two lists fit: c pushes out b (a was used since), then b pushes out c
    assert reads == ["a", "b", "c", "b"]


pytestmark = pytest.mark.on_engines  # the app on every engine (tests/api/conftest.py)
