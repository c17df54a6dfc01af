"""Home and indicators pages: the figures shown are the named queries' answers, kept until
the store changes."""

from __future__ import annotations

import re
from importlib.resources import as_file, files
from typing import Any

import pytest
from pyoxigraph import NamedNode, Quad, RdfFormat

from api.named_queries import shipped_queries
from store.namespaces import RDF, TSR

from ..api.conftest import PUBLIC_GRAPH, WRITER, AppClient, api_settings

TEST_GRAPH = NamedNode("urn:tsr:test-portal")
RDF_TYPE = NamedNode(RDF + "type")
PROGRAMME = NamedNode(TSR + "Programme")


def shown_key_figures(page: str) -> dict[str, int]:
    return {name: int(value) for name, value in re.findall(
        r'<li data-figure="(\w+)"><span class="value" data-value="(\d+)">', page)}


def test_home_shows_the_key_figures_of_the_named_query(api: AppClient) -> None:
    answer = api.get("/api/queries/portal-key-figures",
                     headers={"Accept": "application/sparql-results+json"}).json()
    expected = {b["figure"]["value"]: int(b["count"]["value"]) for b in answer["results"]["bindings"]}
    for lang in ("fr", "en"):
        page = api.get("/", params={"lang": lang}).text
        assert shown_key_figures(page) == expected
    assert expected["tsrActors"] == 40  # the restricted survey's actor is not counted


def test_home_map_and_its_table(api: AppClient) -> None:
    page = api.get("/", params={"lang": "en"}).text
    assert '<svg id="map-region" class="map"' in page and '<svg id="map-department"' in page
    # Auvergne-Rhône-Alpes: 7 TSR actors, its departments coloured with that count
    assert 'data-code="84" data-actors="7"' in page
    assert re.search(r'<tr data-code="84"><th scope="row">Auvergne-Rhône-Alpes</th>'
                     r'<td class="num" data-value="7">7</td>', page)
    assert 'data-code="75" data-actors="' in page  # Paris, a department


def test_figures_are_kept_until_the_store_changes(api: AppClient) -> None:
    before = shown_key_figures(api.get("/").text)
    store = api.app.state.store
    # a programme written into the engine beneath the store's interface: the data changed,
    # but not the store's change mark, so the kept figures are still those shown
    # (into the example's graph: the graphs a reader sees are listed once per mark too)
    hidden = Quad(NamedNode("urn:tsr:programme-y"), RDF_TYPE, PROGRAMME, PUBLIC_GRAPH)
    store.oxigraph.add(hidden)
    try:
        assert bool(store.query(f"ASK {{ GRAPH <{PUBLIC_GRAPH.value}> {{ {hidden.subject} a "
                                f"<{PROGRAMME.value}> }} }}"))
        assert shown_key_figures(api.get("/").text) == before, "the second view computed its figures again"
        # a write through the API moves the mark: the figures are computed again, with both
        update = (f"INSERT DATA {{ GRAPH <{TEST_GRAPH.value}> {{ <urn:tsr:programme-x> a "
                  f"<{PROGRAMME.value}> }} }}")
        assert api.post("/sparql", data={"update": update}, headers=WRITER).status_code in (200, 204)
        after = shown_key_figures(api.get("/").text)
        assert after["programmes"] == before["programmes"] + 2
    finally:
        for drop in (f"DROP GRAPH <{TEST_GRAPH.value}>", f"DELETE DATA {{ GRAPH "
                     f"<{PUBLIC_GRAPH.value}> {{ {hidden.subject} a <{PROGRAMME.value}> }} }}"):
            api.post("/sparql", data={"update": drop}, headers=WRITER)
    assert shown_key_figures(api.get("/").text) == before


def test_indicators_page_measure_choice(api: AppClient) -> None:
    page = api.get("/indicators", params={"measure": "budget", "lang": "en"})
    assert page.status_code == 200
    assert '<option value="budget" selected>' in page.text
    assert api.get("/indicators", params={"measure": "nothing"}).status_code == 422
    for dimension in ("region", "actorType", "investmentForm"):
        assert f'href="/api/queries/portal-indicators?format=csv&amp;dimension={dimension}' in page.text


def test_home_asks_a_published_aggregate_once_when_no_source_is_restricted(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """With no restricted source, the public rows of `portal-indicators` are its rows over
    every graph: the first view asks the store once, not twice."""
    client = AppClient(api_settings(), data=False)
    try:
        store = client.app.state.store
        with as_file(files("examples") / "tsr-example.ttl") as path, path.open("rb") as source:
            store.load(source, RdfFormat.TURTLE,
                       NamedNode("https://data.tsr-observatory.org/graph/source/example"))
        asked: list[str] = []
        query = store.query

        def counted(sparql: str, *args: Any, **kwargs: Any) -> Any:
            asked.append(sparql)
            return query(sparql, *args, **kwargs)

        monkeypatch.setattr(store, "query", counted)
        page = client.get("/", params={"lang": "fr"})
        assert page.status_code == 200 and 'data-figure="tsrActors"' in page.text
        assert asked.count(shipped_queries()["portal-indicators"].text) == 1
        assert asked.count(shipped_queries()["portal-key-figures"].text) == 1
    finally:
        client.close()
