"""The curated JSON-LD routes on the example dataset: honest RDF, filters, pages, languages,
Turtle, and restricted sources hidden from anonymous readers."""

from __future__ import annotations

import pytest
from pyoxigraph import Literal, NamedNode

from store.namespaces import SKOS, TSR, TSRV
from tests.api.conftest import (
    READER,
    SECRET_GRAPH,
    SECRET_KEY,
    SECRET_NAME,
    WRITER,
    AppClient,
)

from .jsonld_check import jsonld_triples, turtle_triples, visible_data, without_page

# the app on every engine (conftest.py); a store loaded for the module: out of the edit-test
# loop, `pytest -m "not slow"`; CI runs every test
pytestmark = [pytest.mark.on_engines, pytest.mark.slow]


DATA = "https://data.tsr-observatory.org/id/"
ASSOCIATION = f"{TSRV}legal-form/association-1901"
ATELIER = DATA + "actor/siren-810079194"
HYDRA = "http://www.w3.org/ns/hydra/core#"
CURATED = [
    "/api/actors?per_page=5",
    "/api/actors?legal_form=association-1901&region=84",
    "/api/actors?type=university&per_page=1&page=2",
    "/api/actors?partner=siren-810079194",
    "/api/actors/siren-810079194",
    "/api/actors/siren-810079194?lang=en",
    "/api/projects?programme=co3",
    "/api/projects?year=2021&per_page=4",
    "/api/projects/tsr-example~co3-habitat",
    "/api/publications?year=2022",
    "/api/publications?type=report&per_page=5",
    "/api/partnerships?actor=siren-810079194",
    "/api/indicators?year=2023&per_page=5",
    "/api/vocabularies",
    "/api/vocabularies/legal-form?lang=en",
    "/api/search?q=SAVOIRS%20PARTAGES",
]


@pytest.fixture(scope="module")
def data(api: AppClient) -> set:
    return visible_data(api)


@pytest.mark.parametrize("url", CURATED)
def test_every_curated_response_is_true_rdf(api: AppClient, data: set, url: str) -> None:
    response = api.get(url)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/ld+json")
    document = response.json()
    triples = jsonld_triples(document)
    about_data = without_page(triples, document)
    assert about_data, "the response says nothing about the data"
    assert about_data <= data, sorted(map(str, about_data - data))[:5]
    # the same request asking for Turtle gives the same triples
    turtle = api.get(url, headers={"Accept": "text/turtle"})
    assert turtle.status_code == 200
    assert turtle.headers["content-type"].startswith("text/turtle")
    assert turtle_triples(turtle.content) == triples


def test_keys_come_from_the_published_context(api: AppClient) -> None:
    actor = api.get("/api/actors/siren-810079194").json()
    assert actor["@context"] == "http://testserver/context.jsonld"
    assert actor["id"] == ATELIER
    assert actor["name"] == "Atelier des Savoirs Partagés"
    assert actor["siren"] == "810079194"
    assert actor["legalForm"]["prefLabel"] == {"fr": "Association loi 1901"}
    assert {item["id"] for item in actor["outputs"]}, "outputs come through the reverse term"
    assert "TSROrganisation" in actor["type"]


def test_labels_follow_lang_then_accept_language(api: AppClient) -> None:
    english = api.get("/api/actors/siren-810079194?lang=en").json()
    assert english["legalForm"]["prefLabel"] == {"en": "Association (1901 law)"}
    by_header = api.get("/api/actors/siren-810079194",
                        headers={"Accept-Language": "en-GB,en;q=0.9,fr;q=0.5"})
    assert by_header.headers["content-language"] == "en"
    assert by_header.json()["legalForm"]["prefLabel"] == {"en": "Association (1901 law)"}
    french = api.get("/api/actors/siren-810079194", headers={"Accept-Language": "de"})
    assert french.json()["legalForm"]["prefLabel"] == {"fr": "Association loi 1901"}


def test_list_items_show_the_labels_of_what_they_name(fresh_api: AppClient) -> None:
    """A page's items embed the labels of the resources they point to (read from the label
    index, not by the describe query), in the language asked, never from a restricted
    source for an anonymous reader."""
    fresh_api.post("/sparql", headers=WRITER, data={"update": f"""INSERT DATA {{
        GRAPH <{SECRET_GRAPH.value}> {{ <{ASSOCIATION}> <{SKOS}prefLabel> "Libellé caché"@fr }}
    }}"""}).raise_for_status()
    fresh_api.app.state.services.labels.index.fresh()  # the index, built now (else known labels)
    for headers, lang, expected in (({}, "fr", ["Association loi 1901"]),
                                    ({}, "en", ["Association (1901 law)"]),
                                    (READER, "fr", ["Association loi 1901", "Libellé caché"])):
        page = fresh_api.get("/api/actors", params={"lang": lang, "per_page": 100},
                             headers=headers).json()
        atelier = next(item for item in page["items"] if item["id"] == ATELIER)
        label = atelier["legalForm"]["prefLabel"][lang]
        assert sorted([label] if isinstance(label, str) else label) == expected, headers
        kinds = {item["actorType"]["id"]: item["actorType"] for item in page["items"]}
        assert all("prefLabel" in kind for kind in kinds.values())


def test_pages_have_totals_links_and_link_headers(api: AppClient, data: set) -> None:
    actors = {t.subject for t in data if t.predicate == NamedNode(TSR + "name")
              and t.subject.value.startswith(DATA + "actor/")}
    first = api.get("/api/actors?per_page=7").json()
    assert first["total"] == len(actors)
    assert "prev" not in first
    seen: list[str] = []
    url: str | None = "/api/actors?per_page=7"
    while url:
        response = api.get(url)
        page = response.json()
        seen += [item["id"] for item in page["items"]]
        assert page["total"] == len(actors)
        if "next" in page:
            assert f'<{page["next"]}>; rel="next"' in response.headers["link"]
        url = page.get("next")
    assert len(seen) == len(set(seen)) == len(actors)
    second = api.get("/api/actors?per_page=7&page=2").json()
    assert second["prev"] == "http://testserver/api/actors?page=1&per_page=7"
    assert second["items"][0]["id"] == seen[7]


def test_filters_select_what_they_say(api: AppClient, data: set) -> None:
    page = api.get("/api/actors?legal_form=scop&per_page=100").json()
    scop = NamedNode(TSRV + "legal-form/scop")
    expected = {t.subject.value for t in data
                if t.predicate == NamedNode(TSR + "legalForm") and t.object == scop}
    assert expected and {item["id"] for item in page["items"]} == expected
    outputs = api.get("/api/publications?year=2022&per_page=100").json()["items"]
    assert outputs and all(item["year"] == "2022" for item in outputs)


@pytest.mark.parametrize("text", ["savoirs partages", "SAVOIRS PARTAGÉS", "Atelier des Sav",
                                  "810079194"])
def test_search_ignores_case_and_accents_and_finds_identifiers(api: AppClient,
                                                                text: str) -> None:
    found = api.get("/api/search", params={"q": text}).json()
    assert ATELIER in [item["id"] for item in found["items"]]


def test_restricted_sources_stay_hidden_from_anonymous_readers(api: AppClient) -> None:
    anonymous = api.get("/api/search", params={"q": "secrete"}).json()
    assert anonymous["total"] == 0
    reader = api.get("/api/search", params={"q": "secrete"}, headers=READER).json()
    assert reader["total"] == 1
    assert reader["items"][0]["name"] == SECRET_NAME
    hidden = api.get(f"/api/actors/{SECRET_KEY}")
    assert hidden.status_code == 404
    assert api.get(f"/api/actors/{SECRET_KEY}", headers=READER).status_code == 200


def test_errors_say_what_is_wrong(api: AppClient) -> None:
    missing = api.get("/api/actors/siren-000000000")
    assert missing.status_code == 404
    assert missing.json()["detail"] == "no actor 'siren-000000000' in the data"
    assert api.get("/api/publications?year=20x").status_code == 422
    bad_iri = api.get("/api/search", params={"q": "x", "class": "http://a b"})
    assert bad_iri.status_code == 400
    assert bad_iri.json()["detail"] == "parameter class: 'http://a b' is not a valid IRI"
    refused = api.get("/api/actors", headers={"Accept": "image/png"})
    assert refused.status_code == 406


def test_a_literal_filter_value_is_bound_not_pasted(api: AppClient) -> None:
    sneaky = '" } UNION { ?item ?p ?o } #'
    response = api.get("/api/search", params={"q": sneaky})
    assert response.status_code == 200
    assert response.json()["total"] == 0
    assert Literal(sneaky).value == sneaky

