"""The browse index answers as the named queries browse-{kind}.rq and browse-{kind}-facets.rq
do, on the example data with a restricted source: for anonymous readers and token holders,
with and without filters."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from pyoxigraph import Literal, NamedNode

from api.named_queries import shipped_queries
from api.resources.browse_index import KINDS, BrowseIndex, View
from api.resources.store_state import StoreState
from store.access import visible_graphs
from store.namespaces import DataIris
from tests.api.conftest import READER, SECRET_ACTOR, AppClient, api_settings, serving_app

IRIS = DataIris(api_settings().base_iri)
# filters each kind is tried with (query parameter values, as a page's links send them)
FILTERS: dict[str, list[dict[str, str]]] = {
    "actors": [{}, {"sector": "TSRActor"}, {"region": "84"}, {"type": "association"},
               {"programme": "co3"}, {"sector": "ESRActor", "research_field": "social-sciences"},
               {"department": "69", "legal_form": "association-1901"}],
    "projects": [{}, {"programme": "co3"}, {"year": "2023"}, {"status": "ongoing"},
                 {"participation_level": "co-created", "region": "76"}],
    "outputs": [{}, {"year": "2023"}, {"type": "report"}, {"programme": "co3"}],
    "partnerships": [{}, {"year": "2023"}, {"type": "research-agreement"}, {"programme": "co3"}],
}


@pytest.fixture(scope="module")
def api() -> Iterator[AppClient]:
    yield from serving_app()


def view_of(api: AppClient, *, restricted: bool) -> View:
    store = api.app.state.store
    index = BrowseIndex(StoreState(store, IRIS))
    graphs = visible_graphs(store, IRIS, include_restricted=restricted)
    return index.fresh().view([graph.value for graph in graphs])


def chosen_terms(kind: str, params: dict[str, str]) -> dict[str, str]:
    """The index's keys for request values: the RDF terms the named query binds."""
    bound = shipped_queries()[f"browse-{kind}"].bindings(dict(params), IRIS.base)
    return {name[1:]: term.value for name, term in bound.items()
            if isinstance(term, NamedNode | Literal)}


def rows(api: AppClient, name: str, params: dict[str, str], headers: dict[str, str]
         ) -> list[dict[str, Any]]:
    response = api.get(f"/api/queries/{name}", params=params, headers=headers)
    assert response.status_code == 200, response.text
    return [{key: term["value"] for key, term in row.items()}
            for row in response.json()["results"]["bindings"]]


@pytest.mark.parametrize("restricted", [False, True], ids=["anonymous", "read-token"])
@pytest.mark.parametrize("kind", list(KINDS))
def test_lists_and_counts_are_the_named_queries_answers(api: AppClient, kind: str,
                                                        restricted: bool) -> None:
    view = view_of(api, restricted=restricted).kinds[kind]
    headers = READER if restricted else {}
    for params in FILTERS[kind]:
        selected = view.select(chosen_terms(kind, params))
        listed = [view.items[n] for n in view.page(selected, 0, 10_000)]
        expected = [row["item"] for row in rows(api, f"browse-{kind}", params, headers)]
        assert listed == expected, params
        counts = {(facet, value, count) for facet, values in view.counts(selected).items()
                  for value, count in values}
        answered = {(row["facet"], row["value"], int(row["count"]))
                    for row in rows(api, f"browse-{kind}-facets", params, headers)}
        assert counts == answered, params
    assert any(params and view.select(chosen_terms(kind, params)) for params in FILTERS[kind])


def test_a_restricted_actor_is_listed_only_for_the_token(api: AppClient) -> None:
    public = view_of(api, restricted=False).kinds["actors"]
    everything = view_of(api, restricted=True).kinds["actors"]
    assert SECRET_ACTOR.value not in public.position
    assert SECRET_ACTOR.value in everything.position
    assert len(everything.items) == len(public.items) + 1


def test_pages_of_a_bit_set() -> None:
    from api.resources.browse_index import bit_set, set_bits
    bits = bit_set([1, 5, 9, 200, 201, 4000])
    assert set_bits(bits, 0, 3) == [1, 5, 9]
    assert set_bits(bits, 3, 10) == [200, 201, 4000]
    assert set_bits(bits, 5, 1) == [4000]
    assert set_bits(bits, 6, 5) == []
    assert set_bits(0, 0, 5) == []
