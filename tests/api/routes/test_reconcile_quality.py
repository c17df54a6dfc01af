"""Reconciliation quality on a test set: exact names, names with typos and without their
accents, acronyms, identifiers, titles and DOIs of outputs, and nonsense; then `suggest`
with a type, and data extension as OpenRefine asks for it."""

from __future__ import annotations

import json
from typing import Any

import pytest

from store.reconciliation.scoring import MIN_SCORE
from tests.api.conftest import AppClient

ATELIER = "actor/siren-810079194"  # Atelier des Savoirs Partagés
ASCOR = "actor/siren-810791905"  # Association Santé Communautaire et Recherche (ASCOR)
FONDATION = "actor/siren-810395954"  # Fondation Recherche et Solidarités Rurales
VALOMBRE = "actor/siren-813246790"  # Université de Valombre
UNIT = "actor/rnsr-219066159k"
ARTICLE = "output/doi-10-5555-tsr-2001"

# (query, the first candidate, is it a match)
FOUND = [
    # exact names, and the same without accents or in other case
    ("Atelier des Savoirs Partagés", ATELIER, True),
    ("Université de Valombre", VALOMBRE, True),
    ("Fondation Recherche et Solidarités Rurales", FONDATION, True),
    ("FONDATION RECHERCHE ET SOLIDARITES RURALES", FONDATION, True),
    ("atelier des savoirs partages", ATELIER, True),
    # typos, a missing word: the right one first, not a sure match
    ("Universite de Valombr", VALOMBRE, False),
    ("Fondation Recherche Solidarite Rurale", FONDATION, False),
    ("Atelier des Savoir Partages", ATELIER, False),
    ("Association Sante Communautaire Recherche", ASCOR, False),
    # acronyms
    ("ASCOR", ASCOR, True),
    # identifiers: SIREN, SIRET, RNA, ROR (bare and as a URL), RNSR, Wikidata
    ("810079194", ATELIER, True),
    ("SIREN 810791905", ASCOR, True),
    ("81079190500013", ASCOR, True),
    ("W131047290", ASCOR, True),
    ("0ttsskx25", FONDATION, True),
    ("https://ror.org/0tycvg175", VALOMBRE, True),
    ("219066159K", UNIT, True),
    ("Q130000104", ASCOR, True),
    # spaced as people write them, after the scheme's name or not, with or without a colon
    ("810 791 905", ASCOR, True),
    ("SIREN 810 791 905", ASCOR, True),
    ("SIRET 810 791 905 00013", ASCOR, True),
    ("siret : 810 791 905 00013", ASCOR, True),
    ("RNSR: 219066159K", UNIT, True),
    ("Wikidata Q130000104", ASCOR, True),
    ("ROR https://ror.org/0tycvg175", VALOMBRE, True),
    # outputs: by DOI (bare, as a URL, upper case) and by title
    ("10.5555/tsr.2001", ARTICLE, True),
    ("https://doi.org/10.5555/TSR.2001", ARTICLE, True),
    ("doi:10.5555/tsr.2001", ARTICLE, True),
    ("DOI 10.5555/tsr.2001", ARTICLE, True),
    ("Article n°1 : Sols vivants : diagnostics paysans et analyses de laboratoire", ARTICLE, True),
]
NONSENSE = ["Zyxwvut Qqqq", "blorp fnord glarb", "xqzv", "Lorem ipsum dolor sit amet",
            "12", "Q1"]


def reconcile(api: AppClient, queries: dict[str, Any]) -> dict[str, Any]:
    response = api.post("/reconcile", data={"queries": json.dumps(queries)})
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def test_the_right_entity_comes_first(api: AppClient) -> None:
    answers = reconcile(api, {f"q{i}": {"query": text, "limit": 5}
                              for i, (text, _, _) in enumerate(FOUND)})
    wrong = []
    for i, (text, expected, match) in enumerate(FOUND):
        results = answers[f"q{i}"]["result"]
        first = results[0] if results else {}
        if (first.get("id"), first.get("match")) != (expected, match):
            wrong.append((text, expected, match, [(c["id"], c["score"], c["match"])
                                                  for c in results[:3]]))
        elif match:
            assert first["score"] == 100.0
            # a sure match is alone at the top: nothing else scored as high is a match
            assert not any(c["match"] for c in results[1:]), text
        else:
            assert MIN_SCORE <= first["score"] < 100, text
    assert wrong == []


def test_nonsense_gets_no_candidate(api: AppClient) -> None:
    answers = reconcile(api, {f"q{i}": {"query": text} for i, text in enumerate(NONSENSE)})
    assert {text: answers[f"q{i}"]["result"] for i, text in enumerate(NONSENSE)} == {
        text: [] for text in NONSENSE}


def test_names_sharing_only_common_words_do_not_match(api: AppClient) -> None:
    # "Université de Lyon" shares "Université de" with "Université de Valombre" (80 by the
    # whole strings): it is not a candidate, let alone a match
    results = reconcile(api, {"q0": {"query": "Université de Lyon", "limit": 10}})["q0"]["result"]
    assert all(c["score"] >= MIN_SCORE and not c["match"] for c in results)
    assert VALOMBRE not in {c["id"] for c in results}


def test_suggest_honours_its_type(api: AppClient) -> None:
    def suggested(**params: str) -> list[str]:
        response = api.get("/reconcile/suggest/entity", params={"prefix": "Valombre", **params})
        assert response.status_code == 200, response.text
        return [item["name"] for item in response.json()["result"]]

    every = suggested()
    assert {"Université de Valombre", "Association des Jardins Partagés de Valombre"} <= set(every)
    assert "Université de Valombre" not in suggested(type="TSROrganisation")
    assert suggested(type="https://w3id.org/tsr-observatory/ontology#ESROrganisation") == [
        "Université de Valombre"]


def test_manifest_offers_data_extension(api: AppClient) -> None:
    manifest = api.get("/reconcile").json()
    assert manifest["extend"]["propose_properties"] == {
        "service_url": "http://testserver/reconcile", "service_path": "/properties"}
    proposed = api.get("/reconcile/properties",
                       params={"type": "https://w3id.org/tsr-observatory/ontology#Actor"}).json()
    ids = [p["id"] for p in proposed["properties"]]
    assert {"name", "acronym", "siren", "rnsr", "ror", "region"} <= set(ids)
    assert "doi" not in ids
    outputs = api.get("/reconcile/properties", params={"type": "Output", "limit": 2}).json()
    assert [p["id"] for p in outputs["properties"]] == ["title", "doi"]


@pytest.mark.parametrize("method", ["POST", "GET"])
def test_data_extension_returns_the_values_asked_for(api: AppClient, method: str) -> None:
    wanted = {"ids": [ATELIER, ASCOR, ARTICLE, "actor/nobody"],
              "properties": [{"id": "siren"}, {"id": "acronym"}, {"id": "region"},
                             {"id": "doi"}]}
    if method == "POST":  # as OpenRefine sends it
        response = api.post("/reconcile", data={"extend": json.dumps(wanted)})
    else:
        response = api.get("/reconcile", params={"extend": json.dumps(wanted)})
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["meta"] == [{"id": "siren", "name": "SIREN"}, {"id": "acronym", "name": "Acronym"},
                              {"id": "region", "name": "Region"}, {"id": "doi", "name": "DOI"}]
    rows = answer["rows"]
    assert rows[ASCOR] == {"siren": [{"str": "810791905"}], "acronym": [{"str": "ASCOR"}],
                           "region": [{"str": "Provence-Alpes-Côte d'Azur"}], "doi": []}
    assert rows[ATELIER]["acronym"] == [] and rows[ATELIER]["siren"] == [{"str": "810079194"}]
    assert rows[ARTICLE]["doi"] == [{"str": "10.5555/tsr.2001"}]
    assert rows["actor/nobody"] == {"siren": [], "acronym": [], "region": [], "doi": []}


@pytest.mark.parametrize(("extend", "message"), [
    ("{not json", "`extend` is not valid JSON: "),
    ('{"ids": "x", "properties": []}', "`extend` must be {\"ids\": [entity ids]"),
    ('{"ids": [], "properties": [{"id": "colour"}]}', "unknown property 'colour'"),
])
def test_bad_extension_is_400(api: AppClient, extend: str, message: str) -> None:
    response = api.post("/reconcile", data={"extend": extend})
    assert response.status_code == 400
    assert response.json()["detail"].startswith(message)


pytestmark = pytest.mark.on_engines  # the app on every engine (tests/api/conftest.py)
