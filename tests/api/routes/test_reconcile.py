"""`/reconcile` plays OpenRefine's requests; answers are checked against JSON Schemas
written from the W3C Reconciliation Service API (v0.2) specification."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest
from pyoxigraph import NamedNode, Triple

from store.namespaces import RDF, TSR
from tests.api.conftest import READER, SECRET_ACTOR, SECRET_GRAPH, SECRET_NAME, AppClient

NAMED = {"type": "object", "required": ["id", "name"],
         "properties": {"id": {"type": "string", "minLength": 1}, "name": {"type": "string"}}}
SERVICE = {"type": "object", "required": ["service_url"],
           "properties": {"service_url": {"type": "string", "format": "uri"},
                          "service_path": {"type": "string"}}}
MANIFEST_SCHEMA = {
    "type": "object",
    "required": ["versions", "name", "identifierSpace", "schemaSpace"],
    "properties": {
        "versions": {"type": "array", "minItems": 1, "items": {"type": "string"}},
        "name": {"type": "string"},
        "identifierSpace": {"type": "string", "format": "uri"},
        "schemaSpace": {"type": "string", "format": "uri"},
        "defaultTypes": {"type": "array", "items": NAMED},
        "view": {"type": "object", "required": ["url"],
                 "properties": {"url": {"type": "string", "pattern": r"\{\{id\}\}"}}},
        "preview": {"type": "object", "required": ["url", "width", "height"],
                    "properties": {"url": {"type": "string", "pattern": r"\{\{id\}\}"},
                                   "width": {"type": "integer"},
                                   "height": {"type": "integer"}}},
        "suggest": {"type": "object",
                    "properties": {"entity": SERVICE, "type": SERVICE, "property": SERVICE}},
        "batch_size": {"type": "integer", "minimum": 1},
    },
}
CANDIDATE = {
    "type": "object", "required": ["id", "name", "score", "match"],
    "properties": {"id": {"type": "string"}, "name": {"type": "string"},
                   "score": {"type": "number"}, "match": {"type": "boolean"},
                   "description": {"type": "string"},
                   "type": {"type": "array", "items": NAMED}},
}
RESULTS_SCHEMA = {
    "type": "object",
    "additionalProperties": {
        "type": "object", "required": ["result"],
        "properties": {"result": {"type": "array", "items": CANDIDATE}},
    },
}
SUGGEST_SCHEMA = {
    "type": "object", "required": ["result"],
    "properties": {"result": {"type": "array", "items": {
        **NAMED, "properties": {**NAMED["properties"], "description": {"type": "string"},
                                "notable": {"type": "array"}}}}},
}
ATELIER = "actor/siren-810079194"


def valid(document: Any, schema: dict[str, Any]) -> Any:
    jsonschema.validate(document, schema, format_checker=jsonschema.FormatChecker())
    return document


def reconcile(api: AppClient, queries: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    # OpenRefine posts the batch as an urlencoded form field `queries`
    response = api.post("/reconcile", data={"queries": json.dumps(queries)}, **kwargs)
    assert response.status_code == 200, response.text
    return valid(response.json(), RESULTS_SCHEMA)  # type: ignore[no-any-return]


def test_manifest(api: AppClient) -> None:
    response = api.get("/reconcile")
    assert response.status_code == 200
    manifest = valid(response.json(), MANIFEST_SCHEMA)
    assert manifest["versions"] == ["0.2"]
    assert manifest["view"]["url"] == "http://testserver/id/{{id}}"
    assert manifest["identifierSpace"] == "https://data.tsr-observatory.org/id/"


def test_batch_of_names_finds_typed_candidates(api: AppClient) -> None:
    answers = reconcile(api, {
        "q0": {"query": "Atelier des Savoirs Partagés", "limit": 3},
        "q1": {"query": "atelier savoirs partages"},
        "q2": {"query": "Zyxwvut Qqqq"},
    })
    first = answers["q0"]["result"][0]
    assert (first["id"], first["score"], first["match"]) == (ATELIER, 100.0, True)
    assert {"id": "https://w3id.org/tsr-observatory/ontology#TSROrganisation",
            "name": "TSROrganisation"} in first["type"]
    assert "SIREN 810079194" in first["description"]
    assert len(answers["q0"]["result"]) <= 3
    loose = answers["q1"]["result"][0]
    assert loose["id"] == ATELIER and 60 <= loose["score"] < 100 and not loose["match"]
    assert answers["q2"]["result"] == []


def test_property_constraints_decide(api: AppClient) -> None:
    answers = reconcile(api, {
        "by_siren": {"query": "Atelier Savoirs",
                     "properties": [{"pid": "siren", "v": "810079194"}]},
        "by_rna": {"query": "", "properties": [{"pid": "rna", "v": ["w690104729"]}]},
        "right_region": {"query": "Atelier des Savoirs", "limit": 10,
                         "properties": [{"pid": "region", "v": "84"}]},
        "wrong_region": {"query": "Atelier des Savoirs", "limit": 10, "properties": [
            {"pid": "region", "v": {"id": "https://w3id.org/tsr-observatory/vocab/region/11"}}]},
    })
    for key in ("by_siren", "by_rna"):
        best = answers[key]["result"][0]
        assert (best["id"], best["score"], best["match"]) == (ATELIER, 100.0, True)
    right = answers["right_region"]["result"][0]
    assert right["id"] == ATELIER
    wrong = next(c for c in answers["wrong_region"]["result"] if c["id"] == ATELIER)
    assert right["score"] - wrong["score"] == pytest.approx(25)
    # an actor of region 11 with a similar name now comes first
    assert answers["wrong_region"]["result"][0]["id"] != ATELIER


def test_type_filter(api: AppClient) -> None:
    unit = "https://w3id.org/tsr-observatory/ontology#ResearchUnit"
    answers = reconcile(api, {"q0": {"query": "Laboratoire", "type": unit, "limit": 10}})
    results = answers["q0"]["result"]
    assert results
    assert all(unit in {t["id"] for t in r["type"]} for r in results)


def test_restricted_actors_need_the_read_token(api: AppClient) -> None:
    # the restricted source's actor, typed as actors are
    api.app.state.store.add([Triple(SECRET_ACTOR, NamedNode(RDF + "type"),
                                    NamedNode(TSR + "TSROrganisation"))], SECRET_GRAPH)
    query = {"q0": {"query": SECRET_NAME}}
    assert not any(c["name"] == SECRET_NAME for c in reconcile(api, query)["q0"]["result"])
    seen = reconcile(api, query, headers=READER)["q0"]["result"]
    assert seen[0]["name"] == SECRET_NAME


def test_queries_by_get_as_older_clients_send_them(api: AppClient) -> None:
    batch = {"q0": {"query": "Atelier des Savoirs Partagés"}}
    response = api.get("/reconcile", params={"queries": json.dumps(batch)})
    assert valid(response.json(), RESULTS_SCHEMA)["q0"]["result"][0]["id"] == ATELIER


def test_preview(api: AppClient) -> None:
    response = api.get("/reconcile/preview", params={"id": ATELIER})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "<strong>Atelier des Savoirs Partagés</strong>" in response.text
    assert "<li>SIREN: 810079194</li>" in response.text
    missing = api.get("/reconcile/preview", params={"id": "actor/nobody"})
    assert missing.status_code == 404


@pytest.mark.parametrize(("kind", "prefix", "expected"), [
    ("entity", "Atelier des Sav", ATELIER),
    ("type", "research", "https://w3id.org/tsr-observatory/ontology#ResearchUnit"),
    ("property", "sir", "siren"),
])
def test_suggest(api: AppClient, kind: str, prefix: str, expected: str) -> None:
    response = api.get(f"/reconcile/suggest/{kind}", params={"prefix": prefix})
    assert response.status_code == 200
    ids = [item["id"] for item in valid(response.json(), SUGGEST_SCHEMA)["result"]]
    assert ids[0] == expected


@pytest.mark.parametrize(("body", "message"), [
    ({"queries": "{not json"}, "`queries` is not valid JSON: "),
    ({"queries": "[1, 2]"}, "`queries` must be a JSON object of query objects"),
    ({"other": "x"}, "the form field `queries` (a JSON object) is missing"),
])
def test_bad_batches_are_400_with_the_reason(api: AppClient, body: dict[str, str],
                                             message: str) -> None:
    response = api.post("/reconcile", data=body)
    assert response.status_code == 400
    assert response.json()["detail"].startswith(message)


pytestmark = pytest.mark.on_engines  # the app on every engine (tests/api/conftest.py)
