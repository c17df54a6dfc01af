"""VoID/DCAT description, dumps, health and the home page."""

from __future__ import annotations

import gzip
import re

import markupsafe
import pyoxigraph
import pytest
import rdflib

from api.portal.routes import query as editor_page

from .conftest import PUBLIC_GRAPH, WRITER, AppClient, bindings, sparql

pytestmark = pytest.mark.on_engines  # the app on every engine (conftest.py)


VOID = rdflib.Namespace("http://rdfs.org/ns/void#")
DCAT = rdflib.Namespace("http://www.w3.org/ns/dcat#")


def test_void_description(api: AppClient) -> None:
    response = api.get("/.well-known/void", headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    graph = rdflib.Graph().parse(data=response.text, format="turtle")
    dataset = rdflib.URIRef("http://testserver/.well-known/void#dataset")
    assert (dataset, VOID.sparqlEndpoint, rdflib.URIRef("http://testserver/sparql")) in graph
    assert (dataset, rdflib.namespace.DCTERMS.license,
            rdflib.URIRef("https://creativecommons.org/licenses/by/4.0/")) in graph
    dumps = set(graph.objects(dataset, VOID.dataDump))
    assert rdflib.URIRef("http://testserver/dumps/tsr.nq.gz") in dumps
    vocabularies = {str(v) for v in graph.objects(dataset, VOID.vocabulary)}
    assert "https://w3id.org/tsr-observatory/ontology#" in vocabularies
    per_graph = {str(graph.value(subset, rdflib.URIRef(
        "http://www.w3.org/ns/sparql-service-description#name"))): int(graph.value(
            subset, VOID.triples)) for subset in graph.objects(dataset, VOID.subset)}
    count = f"SELECT (COUNT(*) AS ?n) {{ GRAPH <{PUBLIC_GRAPH.value}> {{ ?s ?p ?o }} }}"
    assert per_graph[PUBLIC_GRAPH.value] == int(bindings(sparql(api, count))[0]["n"])
    assert int(graph.value(dataset, VOID.triples)) == sum(per_graph.values())
    as_jsonld = api.get("/.well-known/void", params={"format": "jsonld"})
    assert len(list(pyoxigraph.parse(as_jsonld.content, pyoxigraph.RdfFormat.JSON_LD))) == len(
        graph)


def test_void_with_a_urn_predicate(fresh_api: AppClient) -> None:
    """A statement whose predicate is a URN (no `/` or `#`) is a vocabulary `urn:...:`."""
    graph = "https://data.tsr-observatory.org/graph/source/urn-terms"
    update = f"INSERT DATA {{ GRAPH <{graph}> {{ <urn:x:a> <urn:example:weight> 3 }} }}"
    assert fresh_api.post("/sparql", data={"update": update}, headers=WRITER).status_code == 204
    response = fresh_api.get("/.well-known/void", headers={"Accept": "text/turtle"})
    assert response.status_code == 200, response.text
    described = rdflib.Graph().parse(data=response.text, format="turtle")
    dataset = rdflib.URIRef("http://testserver/.well-known/void#dataset")
    assert rdflib.URIRef("urn:example:") in set(described.objects(dataset, VOID.vocabulary))


def test_nquads_dump_keeps_graphs(api: AppClient) -> None:
    response = api.get("/dumps/tsr.nq.gz")
    assert response.headers["content-type"] == "application/gzip"
    quads = list(pyoxigraph.parse(gzip.decompress(response.content),
                                  pyoxigraph.RdfFormat.N_QUADS))
    in_source = [q for q in quads if q.graph_name == PUBLIC_GRAPH]
    count = f"SELECT (COUNT(*) AS ?n) {{ GRAPH <{PUBLIC_GRAPH.value}> {{ ?s ?p ?o }} }}"
    assert len(in_source) == int(bindings(sparql(api, count))[0]["n"])


def test_health(api: AppClient) -> None:
    assert api.get("/health").json()["status"] == "ok"


def test_health_counts_the_store_once_per_change(fresh_api: AppClient) -> None:
    """The size is counted in the background, once per store state (a count reads every
    quad), and again after a write."""
    fresh_api.get("/health")  # starts the count
    counter = fresh_api.app.state.services.quad_count
    assert counter.fresh().every == fresh_api.app.state.store.count() > 1000
    builds = counter.builds
    first = fresh_api.get("/health").json()
    assert first["quads"] == counter.fresh().public
    assert fresh_api.get("/health").json()["quads"] == first["quads"]
    assert counter.builds == builds, "counted again without a write"
    response = fresh_api.post("/sparql", data={"update": (
        "INSERT DATA { GRAPH <urn:tsr:test> { <urn:a> <urn:b> <urn:c> } }")}, headers=WRITER)
    assert response.status_code in (200, 204), response.text
    fresh_api.get("/health")  # finds the count stale: null now, or the new one
    assert counter.fresh().public == first["quads"] + 1
    assert fresh_api.get("/health").json()["quads"] == first["quads"] + 1


def test_query_page_has_editor_or_fallback(api: AppClient) -> None:
    page = api.get("/query").text
    if editor_page.editor_installed():
        assert '<script src="/static/yasgui/yasgui.min.js"></script>' in page
        asset = api.get("/static/yasgui/yasgui.min.js")
        assert asset.status_code == 200 and asset.headers["content-type"].startswith(
            "text/javascript")
    else:
        assert "L’éditeur SPARQL n’est pas installé" in page
    # the gallery lists every example by name, with its French title by default
    for example in editor_page.example_queries():
        assert f'<li data-example="{example.name}">' in page
        assert str(markupsafe.escape(example.summary_fr)) in page
    assert 'data-example="api-actors"' not in page
    assert api.get("/static/yasgui/package.json").status_code == 404
    assert api.get("/docs").status_code == 200


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
def test_api_docs_work_offline(api: AppClient, path: str) -> None:
    """The documentation pages load their scripts and styles from this server, not a CDN."""
    page = api.get(path)
    assert page.status_code == 200
    assets = re.findall(r'(?:src|href)="([^"]+)"', page.text) + re.findall(
        r"(?:src|href)='([^']+)'", page.text)
    assert assets and all(asset.startswith("/") for asset in assets), assets
    assert "cdn." not in page.text and "fonts.googleapis" not in page.text
    for asset in assets:
        if asset.endswith((".js", ".css")):
            assert api.get(asset).status_code == 200, asset


def test_query_page_fallback_without_assets(api: AppClient, monkeypatch: object) -> None:
    monkeypatch.setattr(editor_page, "YASGUI_BUILD",  # type: ignore[attr-defined]
                        editor_page.YASGUI_BUILD / "missing")
    page = api.get("/query", params={"lang": "en"}).text
    assert "run npm ci in api/ui" in page
    assert '<form action="/sparql" method="post" class="plain-query">' in page
    assert api.get("/static/yasgui/yasgui.min.js").status_code == 404
