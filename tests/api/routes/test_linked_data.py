"""`/id/{type}/{key}`: pages for browsers, JSON-LD and Turtle for machines, 404 otherwise;
ontology and vocabulary IRIs documented in fr and en; the published context."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from pyoxigraph import NamedNode, RdfFormat, Triple, parse

from tests.api.conftest import READER, SECRET_KEY, SECRET_NAME, AppClient

from .jsonld_check import jsonld_triples, turtle_triples, visible_data

pytestmark = pytest.mark.on_engines  # the app on every engine (conftest.py)


ATELIER_PATH = "/id/actor/siren-810079194"
ATELIER = "https://data.tsr-observatory.org" + ATELIER_PATH
BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: dict[str, str] = {}
        self.ids: set[str] = set()
        self._href: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if found.get("id"):
            self.ids.add(found["id"] or "")
        if tag == "a":
            self._href = found.get("href")

    def handle_data(self, data: str) -> None:
        if self._href and data.strip():
            self.links.setdefault(data.strip(), self._href)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a":
            self._href = None


def _parse(html: str) -> _Links:
    parser = _Links()
    parser.feed(html)
    return parser


def test_a_browser_gets_a_readable_page(api: AppClient) -> None:
    """The portal's page for people (tests/portal/test_entity_* read it in a browser)."""
    response = api.get(ATELIER_PATH, headers=BROWSER)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = _parse(response.text)
    assert "<h1>Atelier des Savoirs Partagés</h1>" in response.text
    # properties carry the ontology's labels; values are labelled and link to their pages
    assert re.search(r"<dt>Forme juridique</dt><dd><a href=\"/vocab/legal-form\?lang=fr"
                     r"#association-1901\">Association loi 1901</a>", response.text)
    # resources pointing to the actor are listed by name, never by key
    assert page.links["Réseau national Tiers secteur de la recherche – ESR (exemple)"] == (
        "/id/network/reseau-tsr-esr?lang=fr")
    assert "siren-810079194--reseau-tsr-esr--2024" not in page.links
    # provenance in one line: the file, the sheet and row, the load's day; details folded
    text = response.text
    assert re.search(r"Source : fichier tsr-example\.xlsx, feuille Acteurs, ligne 2, "
                     r"chargé le \d+ \w+ \d{4}\.", text)
    assert "graph/source/tsr-example" in text and "<details>" in text
    assert re.search(r"startedAtTime.{0,300}\d{4}-\d\d-\d\dT", text, re.S)
    english = api.get(ATELIER_PATH + "?lang=en", headers=BROWSER)
    assert "<dt>Legal form</dt>" in english.text
    api.client.cookies.clear()


RDF_TYPES = ["application/ld+json", "text/turtle", "application/n-triples", "application/rdf+xml"]


def _triples(response: Any, media_type: str) -> set[Triple]:
    if media_type == "application/ld+json":
        return jsonld_triples(response.json())  # read by pyld, as an app would
    return {Triple(q.subject, q.predicate, q.object)
            for q in parse(response.content, RdfFormat.from_media_type(media_type))}


@pytest.mark.parametrize("accept", RDF_TYPES)
def test_machines_get_the_same_true_triples(api: AppClient, accept: str) -> None:
    response = api.get(ATELIER_PATH, headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == accept
    triples = _triples(response, accept)
    assert triples <= visible_data(api)
    assert any(t.subject == NamedNode(ATELIER) for t in triples)
    if accept != "application/ld+json":  # the graph formats carry the very same triples
        assert triples == turtle_triples(api.get(ATELIER_PATH, headers={
            "Accept": "text/turtle"}).content)


@pytest.mark.parametrize(("suffix", "media_type"), [
    (".ttl", "text/turtle"), (".jsonld", "application/ld+json"),
    (".nt", "application/n-triples"), (".rdf", "application/rdf+xml")])
def test_a_suffix_chooses_the_format(api: AppClient, suffix: str, media_type: str) -> None:
    """`curl …/id/actor/KEY.ttl` works without an Accept header, and wins over one."""
    response = api.get(ATELIER_PATH + suffix, headers=BROWSER)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].split(";")[0] == media_type
    by_accept = api.get(ATELIER_PATH, headers={"Accept": media_type})
    assert _triples(response, media_type) == _triples(by_accept, media_type)


@pytest.mark.parametrize("path", ["/id/foo/bar", "/id/actor/Not A Key", "/id/actor/x.exe",
                                  "/id/actor/siren-000000000", "/id/actor/siren-000000000.ttl"])
def test_what_was_never_minted_is_a_404_in_one_line(api: AppClient, path: str) -> None:
    response = api.get(path)
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/json"
    detail = response.json()["detail"]
    assert isinstance(detail, str) and "\n" not in detail


def test_unknown_and_hidden_entities_are_404(api: AppClient) -> None:
    unknown = api.get("/id/actor/siren-000000000")
    assert unknown.status_code == 404
    assert unknown.json()["detail"] == "no actor 'siren-000000000' in the data"
    assert api.get("/id/nosuchtype/x").json()["detail"] == (
        "no such IRI: /id/nosuchtype/x is not an entity type (actor, project, output, "
        "partnership, participation, funding, programme, observation, transformation, "
        "membership, network)")
    secret = f"/id/actor/{SECRET_KEY}"
    assert api.get(secret, headers=BROWSER).status_code == 404
    seen = api.get(secret, headers={**BROWSER, **READER})
    assert seen.status_code == 200 and SECRET_NAME in seen.text


def test_ontology_iris_resolve_to_documentation_in_both_languages(api: AppClient) -> None:
    french = api.get("/ontology", headers=BROWSER)
    assert french.status_code == 200
    page = _parse(french.text)
    assert {"Actor", "legalForm", "Partnership"} <= page.ids
    assert "Forme juridique" in french.text or "forme juridique" in french.text
    english = api.get("/ontology", params={"lang": "en"}, headers=BROWSER)
    assert "legal form" in english.text
    turtle = api.get("/ontology", headers={"Accept": "text/turtle"})
    assert (NamedNode("https://w3id.org/tsr-observatory/ontology#Actor") in
            {t.subject for t in turtle_triples(turtle.content)})


def test_vocabulary_iris_resolve_to_their_scheme_page(api: AppClient) -> None:
    scheme = api.get("/vocab/legal-form", params={"lang": "en"}, headers=BROWSER)
    assert scheme.status_code == 200
    assert "scop" in _parse(scheme.text).ids
    assert "Association (1901 law)" in scheme.text
    concept = api.get("/vocab/legal-form/scop", follow_redirects=False)
    assert concept.status_code == 303
    assert concept.headers["location"] == "/vocab/legal-form#scop"
    assert api.get("/vocab/no-such-scheme", headers=BROWSER).status_code == 404
    index = api.get("/vocab", headers=BROWSER)
    assert _parse(index.text).links["Formes juridiques"] == "/vocab/legal-form?lang=fr"
    turtle = api.get("/vocab", headers={"Accept": "text/turtle"})
    assert (NamedNode("https://w3id.org/tsr-observatory/vocab/legal-form") in
            {t.subject for t in turtle_triples(turtle.content)})
    refused = api.get("/vocab", headers={"Accept": "application/json"})
    assert refused.status_code == 406
    assert refused.json()["detail"] == "acceptable media types here: text/html, text/turtle"


def test_the_published_context_is_served(api: AppClient) -> None:
    response = api.get("/context.jsonld")
    assert response.headers["content-type"].startswith("application/ld+json")
    assert response.json()["@context"]["name"] == "tsr:name"
    shipped = Path(__file__).parents[3] / "ontology" / "context.jsonld"
    assert json.loads(response.content) == json.loads(shipped.read_text(encoding="utf-8"))


@pytest.mark.parametrize(("path", "status", "text"), [
    ("/id/foo/bar", 404, "is not an entity type"),
    ("/id/actor/siren-000000000", 404, "no actor &#39;siren-000000000&#39; in the data"),
    ("/api/actors/nobody", 404, ""),
    ("/nowhere", 404, "Not Found"),
    ("/api/actors?page=zero", 422, "page"),
])
def test_a_browser_gets_an_error_page_a_program_gets_json(api: AppClient, path: str,
                                                          status: int, text: str) -> None:
    page = api.get(path, headers={**BROWSER, "Accept-Language": "en"})
    assert page.status_code == status
    assert page.headers["content-type"].startswith("text/html")
    assert f"<h1>{status} · " in page.text and text in page.text
    assert 'href="/?lang=en"' in page.text
    french = api.get(path, headers=BROWSER)
    assert french.status_code == status and 'lang="fr"' in french.text
    for accept in (None, "*/*", "application/json", "application/ld+json"):
        machine = api.get(path, headers={"Accept": accept} if accept else {})
        assert machine.status_code == status
        assert machine.headers["content-type"] == "application/json"
        assert "detail" in machine.json()


@pytest.mark.parametrize(("path", "status", "text"), [
    ("/sparql?query=SELECT", 400, "malformed query"),
    ("/store?graph=not%20an%20iri", 400, "is not a valid IRI"),
    ("/store?graph=urn:x:nothing", 404, "no graph &lt;urn:x:nothing&gt; in the store"),
])
def test_a_browser_gets_a_page_for_sparql_errors_a_client_the_text(
        api: AppClient, path: str, status: int, text: str) -> None:
    page = api.get(path, headers=BROWSER)
    assert page.status_code == status
    assert page.headers["content-type"].startswith("text/html")
    assert text in page.text and f"<h1>{status} · " in page.text
    for accept in ("*/*", "application/json"):
        client = api.get(path, headers={"Accept": accept})
        assert client.status_code == status
        assert client.headers["content-type"].startswith("text/plain")
        assert text.replace("&lt;", "<").replace("&gt;", ">") in client.text


def _varies_on(response: Any) -> set[str]:
    return {name.strip().lower() for name in response.headers.get("vary", "").split(",")}


def test_both_answers_of_an_entity_iri_vary_on_accept(api: AppClient) -> None:
    """A shared cache keys what it keeps on the headers Vary names: the page, kept without
    Accept there, was handed to an RDF client of the same URL."""
    page = api.get(ATELIER_PATH, headers=BROWSER)
    turtle = api.get(ATELIER_PATH, headers={"Accept": "text/turtle"})
    jsonld = api.get(ATELIER_PATH, headers={"Accept": "application/ld+json"})
    assert page.headers["content-type"].startswith("text/html")
    assert turtle.headers["content-type"].startswith("text/turtle")
    assert jsonld.headers["content-type"].startswith("application/ld+json")
    for response in (page, turtle, jsonld):
        assert response.status_code == 200
        assert {"accept", "accept-language"} <= _varies_on(response), response.headers
    assert "cookie" in _varies_on(page)  # the language the reader chose


@pytest.mark.parametrize("path", [
    ATELIER_PATH, "/id/actor/siren-000000000", "/id/foo/bar", "/ontology", "/vocab",
    "/vocab/legal-form", "/api/actors", "/api/actors/siren-810079194", "/api/actors/nobody",
    "/api/queries/cq04-jobs-by-year", "/.well-known/void", "/sparql?query=ASK%20%7B%7D",
    "/sparql?query=SELECT", "/nowhere",
])
def test_every_answer_of_a_negotiated_url_varies_on_accept(api: AppClient, path: str) -> None:
    """Pages, RDF, JSON, SPARQL results, and the errors (a page for a browser, JSON or text
    for a program), refusals (406) included."""
    kinds = set()
    for accept in (BROWSER["Accept"], "text/turtle", "application/ld+json",
                   "application/json", "application/sparql-results+json", "*/*"):
        response = api.get(path, headers={"Accept": accept})
        kinds.add((response.status_code, response.headers.get("content-type", "")))
        assert "accept" in _varies_on(response), (accept, response.status_code,
                                                  response.headers)
    assert len(kinds) > 1  # the URL's answer does depend on Accept
