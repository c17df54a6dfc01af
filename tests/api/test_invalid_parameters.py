"""A parameter of the wrong form, or a required one missing: 422 with one line, as every
other client error (issue 14), for programs (`{"detail": "..."}`, before: FastAPI's list of
pydantic errors) and browsers (a page with the same words), and the OpenAPI document says
so."""

from __future__ import annotations

import json

import pytest

from tests.api.conftest import AppClient


@pytest.mark.parametrize(("path", "detail"), [
    ("/api/actors?page=abc",
     "page: Input should be a valid integer, unable to parse string as an integer"),
    ("/api/actors?page=0", "page: Input should be greater than or equal to 1"),
    ("/api/queries/cq04-jobs-by-year?from_year=abc",
     "from_year: String should match pattern '^[+-]?\\d{1,18}$'"),
    ("/api/search", "q: Field required"),
    ("/api/queries/api-describe", "item: Field required"),
    # the entity routes check their own parameters (a DirectRoute), in the same words
    ("/api/actors/BAD", "id: String should match pattern '^[a-z0-9][a-z0-9~-]*$'"),
    ("/api/actors/x%0A", "id: String should match pattern '^[a-z0-9][a-z0-9~-]*$'"),
    ("/api/projects/" + "a" * 301, "id: String should have at most 300 characters"),
    ("/api/vocabularies/x?lang=de", "lang: Input should be 'fr' or 'en'"),
    ("/api/actors/x?lang=fr&lang=", "lang: Input should be 'fr' or 'en'"),
    ("/api/actors/-x?lang=es", "id: String should match pattern '^[a-z0-9][a-z0-9~-]*$'; "
                               "lang: Input should be 'fr' or 'en'"),
    ("/id/actor/siren-810079194?lang=de", "lang: Input should be 'fr' or 'en'"),
    ("/id/nothing/x.ttl?lang=", "lang: Input should be 'fr' or 'en'"),  # before the 404
])
def test_an_invalid_parameter_is_422_in_one_line(api: AppClient, path: str,
                                                 detail: str) -> None:
    response = api.get(path, headers={"Accept": "application/json"})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"detail": detail}
    page = api.get(path, headers={"Accept": "text/html", "Accept-Language": "en"})
    assert page.status_code == 422
    assert page.headers["content-type"].startswith("text/html")
    assert "<h1>422 · Invalid parameter</h1>" in page.text
    assert detail.replace("'", "&#39;") in page.text


def test_two_invalid_parameters_are_one_line(api: AppClient) -> None:
    response = api.get("/api/queries/cq04-jobs-by-year",
                       params={"from_year": "abc", "to_year": "x"})
    assert response.status_code == 422
    assert response.json() == {"detail": "from_year: String should match pattern "
                                          "'^[+-]?\\d{1,18}$'; to_year: String should match "
                                          "pattern '^[+-]?\\d{1,18}$'"}


def test_the_openapi_document_describes_the_one_line(api: AppClient) -> None:
    document = api.get("/openapi.json").json()
    schemas = document["components"]["schemas"]
    assert schemas["HTTPValidationError"]["properties"]["detail"]["type"] == "string"
    assert "ValidationError" not in schemas
    assert "#/components/schemas/ValidationError\"" not in json.dumps(document)
    answer = document["paths"]["/api/actors"]["get"]["responses"]["422"]
    assert answer["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/HTTPValidationError"}


def test_the_id_route_declares_what_it_reads(api: AppClient) -> None:
    operation = api.get("/openapi.json").json()["paths"]["/id/{kind}/{key}"]["get"]
    declared = {parameter["name"]: parameter for parameter in operation["parameters"]}
    assert [declared[name]["in"] for name in ("kind", "key", "lang")] == [
        "path", "path", "query"]
    assert "network" in declared["kind"]["description"]
    assert declared["lang"]["schema"] == {"type": "string", "enum": ["fr", "en"]}
    assert "description" not in operation  # the endpoint's comment is not published
    assert set(operation["responses"]) == {"200", "400", "404", "406", "422"}


@pytest.mark.parametrize("path", ["/api/actors/{id}", "/api/projects/{id}",
                                  "/api/vocabularies/{id}"])
def test_the_entity_routes_declare_what_they_check(api: AppClient, path: str) -> None:
    """The fuzzer (test_openapi_fuzz.py) and clients read the parameters here; the entity
    routes check them in the endpoint, so the document must still say what is allowed."""
    operation = api.get("/openapi.json").json()["paths"][path]["get"]
    declared = {parameter["name"]: parameter for parameter in operation["parameters"]}
    assert declared["id"]["in"] == "path"
    assert declared["id"]["required"] is True
    assert declared["id"]["schema"] == {"type": "string", "pattern": "^[a-z0-9][a-z0-9~-]*$",
                                        "maxLength": 300}
    assert declared["lang"]["in"] == "query"
    assert declared["lang"]["required"] is False
    assert declared["lang"]["schema"] == {"type": "string", "enum": ["fr", "en"]}
    assert operation["responses"]["422"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/HTTPValidationError"}


def test_lang_wins_over_accept_language(api: AppClient) -> None:
    french = api.get("/api/actors/siren-810079194", params={"lang": "fr"},
                     headers={"Accept-Language": "en", "Accept": "application/json"})
    assert french.status_code == 200
    assert french.headers["content-language"] == "fr"
    assert french.json()["legalForm"]["prefLabel"] == {"fr": "Association loi 1901"}
