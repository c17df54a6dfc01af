"""`/api/queries/{name}`: one route per queries/*.rq, parameters from the header, every
results format; a new file is a new route."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from importlib.resources import files
from pathlib import Path

import pytest
from pyoxigraph import RdfFormat, parse

from api.named_queries import load_named_queries, parse_named_query
from api.routes.named_queries import query_router
from store.model import query_files
from store.rdf_files import BadInputError
from tests.api.conftest import AppClient, api_settings

# a tuned twin (`{name}.tuned.rq`) runs in place of its plain query: not a route of its own
NAMES = sorted(f.name.removesuffix(".rq") for f in query_files()
               if not f.name.endswith(".tuned.rq"))
TWINNED = sorted(f.name.removesuffix(".tuned.rq") for f in query_files()
                 if f.name.endswith(".tuned.rq"))
ATELIER = "https://data.tsr-observatory.org/id/actor/siren-810079194"


@pytest.mark.filterwarnings("ignore:Duplicate Operation ID")
def test_every_query_file_has_its_route(api: AppClient) -> None:
    paths = set(api.app.openapi()["paths"])
    assert NAMES and {f"/api/queries/{name}" for name in NAMES} <= paths


@pytest.mark.filterwarnings("ignore:Duplicate Operation ID")
def test_openapi_documents_each_query_and_its_parameters(api: AppClient) -> None:
    spec = api.app.openapi()
    operation = spec["paths"]["/api/queries/api-actors"]["get"]
    assert operation["summary"] == "Actors, sorted by name, with optional filters"
    names = {p["name"] for p in operation["parameters"]}
    assert {"format", "type", "legal_form", "region", "investment_form", "partner"} <= names
    assert "SELECT ?item" in operation["description"]


@pytest.mark.parametrize("name", [n for n in NAMES
                                  if "SERVICE" not in load_named_queries().get(n).text])
def test_every_local_query_answers_with_its_defaults(api: AppClient, name: str) -> None:
    query = load_named_queries()[name]
    params = {p.name: ATELIER for p in query.params if p.required and p.default is None}
    response = api.get(f"/api/queries/{name}", params=params)
    assert response.status_code == 200, response.text


def test_select_results_in_every_format(api: AppClient) -> None:
    url = "/api/queries/api-actors"
    scop = {"legal_form": "scop"}
    as_json = api.get(url, params=scop).json()
    ids = sorted(row["item"]["value"] for row in as_json["results"]["bindings"])
    assert ids
    xml = ET.fromstring(api.get(url, params={**scop, "format": "xml"}).content)
    namespace = "{http://www.w3.org/2005/sparql-results#}"
    assert sorted(uri.text or "" for uri in xml.iter(f"{namespace}uri")) == ids
    as_csv = api.get(url, params=scop, headers={"Accept": "text/csv"})
    assert as_csv.headers["content-type"].startswith("text/csv")
    assert sorted(row["item"] for row in csv.DictReader(io.StringIO(as_csv.text))) == ids
    as_tsv = api.get(url, params=scop,
                     headers={"Accept": "text/tab-separated-values"}).text.splitlines()
    assert sorted(line.split("\t")[0].strip("<>") for line in as_tsv[1:]) == ids


def test_graph_results_as_turtle_and_jsonld(api: AppClient) -> None:
    url = "/api/queries/api-describe"
    turtle = {(q.subject, q.predicate, q.object)
              for q in parse(api.get(url, params={"item": ATELIER}).content, RdfFormat.TURTLE)}
    jsonld = {(q.subject, q.predicate, q.object)
              for q in parse(api.get(url, params={"item": ATELIER, "format": "jsonld"}).content,
                             RdfFormat.JSON_LD)}
    assert turtle and turtle == jsonld
    wrong = api.get(url, params={"item": ATELIER, "format": "csv"})
    assert wrong.status_code == 406  # as /sparql answers format=csv for a graph
    assert wrong.json()["detail"] == ("format csv does not fit this query's result; use one "
                                      "of turtle, ntriples, rdfxml, jsonld")


def test_parameter_errors_are_one_clear_line(api: AppClient) -> None:
    missing = api.get("/api/queries/api-describe")
    assert missing.status_code == 422
    bad = api.get("/api/queries/api-describe", params={"item": "not an iri"})
    assert bad.status_code == 400
    assert bad.json()["detail"] == "parameter item: 'not an iri' is not a valid IRI"


def test_a_new_query_file_is_a_new_route(tmp_path: Path) -> None:
    new = tmp_path / "count-actors.rq"
    new.write_text("#+ summary: How many actors\n#+ param: min integer optional At least\n"
                   "PREFIX tsr: <https://w3id.org/tsr-observatory/ontology#>\n"
                   "SELECT (COUNT(?a) AS ?n) WHERE { ?a tsr:name ?name "
                   "FILTER(!BOUND(?_min) || 1 >= ?_min) }\n", encoding="utf-8")
    client = AppClient(api_settings(), data=False)
    try:
        client.app.include_router(query_router(load_named_queries([new]).values()))
        response = client.get("/api/queries/count-actors", params={"min": "1"})
        assert response.status_code == 200, response.text
        assert json.loads(response.text)["results"]["bindings"][0]["n"]["value"] == "0"
        assert client.get("/api/queries/count-actors", params={"min": "x"}).status_code == 422
    finally:
        client.close()


@pytest.mark.filterwarnings("ignore:Duplicate Operation ID")
def test_a_tuned_twin_runs_in_place_of_its_plain_query(api: AppClient) -> None:
    assert TWINNED
    queries = load_named_queries()
    assert set(queries) == set(NAMES)
    paths = api.app.openapi()["paths"]
    assert not [path for path in paths if path.endswith(".tuned")]
    for name in TWINNED:
        query = queries[name]
        plain = (files("queries") / f"{name}.rq").read_text(encoding="utf-8")
        tuned = (files("queries") / f"{name}.tuned.rq").read_text(encoding="utf-8")
        assert (query.text, query.readable_text, query.tuned) == (tuned, plain, True)
        description = paths[f"/api/queries/{name}"]["get"]["description"]
        assert plain.strip() in description
        assert f"a tuned twin (`queries/{name}.tuned.rq`, the same rows) runs" in description


def _pair(tmp_path: Path, plain_header: str, twin_header: str) -> list[Path]:
    plain, twin = tmp_path / "count.rq", tmp_path / "count.tuned.rq"
    plain.write_text(f"{plain_header}\nSELECT ?s WHERE {{ ?s ?p ?o }}\n", encoding="utf-8")
    twin.write_text(f"{twin_header}\nSELECT ?s WHERE {{ ?s ?p ?o }} LIMIT 9\n", encoding="utf-8")
    return [plain, twin]


def test_a_twin_pairs_with_its_plain_query_and_the_same_header(tmp_path: Path) -> None:
    both = _pair(tmp_path, "#+ summary: Subjects", "#+ summary: Subjects")
    query = load_named_queries(both)["count"]
    assert list(load_named_queries(both)) == ["count"]
    assert query.text.endswith("LIMIT 9\n") and "LIMIT" not in query.readable_text
    assert load_named_queries(both[:1])["count"].tuned is False
    with pytest.raises(BadInputError, match=r"^queries/count.tuned.rq: its `#\+` header "
                       r"differs from count.rq's$"):
        load_named_queries(_pair(tmp_path, "#+ summary: Subjects", "#+ summary: Others"))
    with pytest.raises(BadInputError, match=r"^queries/count.tuned.rq: a tuned twin without "
                       r"its plain query count.rq$"):
        load_named_queries(both[1:])


@pytest.mark.parametrize(("header", "message"), [
    ("#+ param: x nosuchtype optional X", "unknown parameter type 'nosuchtype'"),
    ("#+ param: format string optional X", "'format' cannot be a parameter name"),
    ("#+ param: x string sometimes X", "write `#+ param: name type required|optional"),
    ("#+ colour: blue", "unknown header key 'colour'"),
])
def test_bad_headers_name_the_file_and_line(header: str, message: str) -> None:
    with pytest.raises(BadInputError) as error:
        parse_named_query("q", f"{header}\nSELECT * WHERE {{ ?s ?p ?_x }}")
    assert str(error.value).startswith("q.rq line 1: ")
    assert message in str(error.value)


def _federated_route(tmp_path: Path, target: str) -> Path:
    query = tmp_path / "remote-labels.rq"
    query.write_text("#+ summary: Labels from a remote endpoint\n"
                     f"SELECT ?s ?label WHERE {{ SERVICE <{target}> {{ ?s ?p ?label }} }}\n",
                     encoding="utf-8")
    return query


def test_named_query_calling_a_service_off_the_allow_list_is_refused(tmp_path: Path) -> None:
    query = _federated_route(tmp_path, "http://127.0.0.1:9/sparql")
    client = AppClient(api_settings(service_allowlist=[]), data=False)
    try:
        client.app.include_router(query_router(load_named_queries([query]).values()))
        response = client.get("/api/queries/remote-labels")
        assert response.status_code == 400
        assert response.json()["detail"] == (
            "query remote-labels: SERVICE <http://127.0.0.1:9/sparql> is not on this server's "
            "allow-list (allowed: none); no request was made")
    finally:
        client.close()


def test_named_query_whose_service_fails_is_a_502(tmp_path: Path) -> None:
    from tests.servers import free_port

    target = f"http://127.0.0.1:{free_port()}/sparql"  # nothing listens there
    query = _federated_route(tmp_path, target)
    client = AppClient(api_settings(service_allowlist=[target]), data=False)
    try:
        client.app.include_router(query_router(load_named_queries([query]).values()))
        response = client.get("/api/queries/remote-labels")
        assert response.status_code == 502
        assert response.json()["detail"].startswith(
            "query remote-labels: a SERVICE endpoint failed: ")
    finally:
        client.close()


pytestmark = pytest.mark.on_engines  # the app on every engine (tests/api/conftest.py)
