"""Home and indicators pages: the figures shown are the named queries' answers, kept until
the store changes."""

from __future__ import annotations

import re

from ..api.conftest import WRITER, AppClient


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
    kept = dict(api.app.state.services.published_answers._kept)
    api.get("/")
    assert all(api.app.state.services.published_answers._kept[key][1] is table
               for key, (_, table) in kept.items()), "the second view computed its figures again"
    update = ("PREFIX tsr: <https://w3id.org/tsr-observatory/ontology#> INSERT DATA { GRAPH "
              "<urn:tsr:test-portal> { <urn:tsr:programme-x> a tsr:Programme } }")
    assert api.post("/sparql", data={"update": update}, headers=WRITER).status_code in (200, 204)
    after = shown_key_figures(api.get("/").text)
    assert after["programmes"] == before["programmes"] + 1
    api.post("/sparql", data={"update": "DROP GRAPH <urn:tsr:test-portal>"}, headers=WRITER)
    assert shown_key_figures(api.get("/").text) == before


def test_indicators_page_measure_choice(api: AppClient) -> None:
    page = api.get("/indicators", params={"measure": "budget", "lang": "en"})
    assert page.status_code == 200
    assert '<option value="budget" selected>' in page.text
    assert api.get("/indicators", params={"measure": "nothing"}).status_code == 422
    for dimension in ("region", "actorType", "investmentForm"):
        assert f'href="/api/queries/portal-indicators?format=csv&amp;dimension={dimension}' in page.text
