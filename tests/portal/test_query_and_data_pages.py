"""The query page (gallery, examples opened with their parameters bound), the data page and
the error pages in the portal's layout."""

from __future__ import annotations

import csv
import io
import re
from html import unescape
from urllib.parse import urlencode

from api.named_queries import shipped_queries
from api.portal.routes.query import example_queries

from ..api.conftest import AppClient


def bound_query(page: str) -> str:
    found = re.search(r'<textarea id="query-text" name="query" rows="16">(.*?)</textarea>', page, re.S)
    assert found
    return unescape(found.group(1))


def csv_answer(response_text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response_text)))


def test_gallery_lists_the_examples_in_both_languages(api: AppClient) -> None:
    names = [q.name for q in example_queries()]
    assert "cq04-jobs-by-year" in names and "portal-indicators" in names
    assert not any(n.startswith(("api-", "browse-", "federated-")) for n in names)
    french = api.get("/query").text
    english = api.get("/query", params={"lang": "en"}).text
    cq04 = shipped_queries()["cq04-jobs-by-year"]
    assert "Emplois (ETP), emplois de recherche" in french and cq04.summary_fr.startswith("Emplois")
    assert cq04.summary in unescape(english)
    assert "tabsList" not in french  # no tab per query any more


def test_an_example_opens_with_its_parameters_bound(api: AppClient) -> None:
    page = api.get("/query", params={"example": "cq04-jobs-by-year"}).text
    text = bound_query(page)
    assert "VALUES (?_from_year ?_to_year)" in text
    # the editor's query on /sparql gives the rows of /api/queries/cq04-jobs-by-year
    through_sparql = api.post("/sparql", data={"query": text, "format": "csv"})
    through_api = api.get("/api/queries/cq04-jobs-by-year", params={"format": "csv"})
    assert through_sparql.status_code == through_api.status_code == 200
    rows = csv_answer(through_api.text)
    assert len(rows) == 4 and csv_answer(through_sparql.text) == rows  # header + 2022..2024
    # with other values from the form
    page = api.get("/query", params={"example": "cq04-jobs-by-year", "from_year": "2023",
                                     "to_year": "2024"}).text
    assert 'href="/api/queries/cq04-jobs-by-year?from_year=2023&amp;to_year=2024"' in page
    rows = csv_answer(api.post("/sparql", data={"query": bound_query(page), "format": "csv"}).text)
    assert [r[0] for r in rows[1:]] == ["2023", "2024"]


def test_every_example_gives_the_api_rows(api: AppClient) -> None:
    for query in example_queries():
        if query.published:
            continue  # computed over restricted sources too through the API (see the note)
        text = bound_query(api.get("/query", params={"example": query.name, "lang": "fr"}).text)
        via_api = api.get(f"/api/queries/{query.name}", params={"format": "csv", "lang": "fr"}
                          if any(p.name == "lang" for p in query.params) else {"format": "csv"})
        via_sparql = api.post("/sparql", data={"query": text, "format": "csv"})
        assert via_api.status_code == via_sparql.status_code == 200, query.name
        assert sorted(csv_answer(via_sparql.text)) == sorted(csv_answer(via_api.text)), query.name


def test_a_tuned_example_shows_its_plain_text_and_says_a_twin_runs(api: AppClient) -> None:
    query = shipped_queries()["cq11-actors-within-two-hops"]
    assert query.tuned
    page = api.get("/query", params={"example": query.name, "lang": "en"}).text
    head = bound_query(page).split("WHERE")[0]  # VALUES binds the parameters after WHERE
    assert head == query.readable_text.split("WHERE")[0] != query.text.split("WHERE")[0]
    assert "through the API a tuned twin of it runs (the same rows" in unescape(page)
    assert not shipped_queries()["cq08-organisational-transformations"].tuned
    plain = api.get("/query", params={"example": "cq08-organisational-transformations",
                                      "lang": "en"}).text
    assert "tuned twin" not in plain


def test_unknown_example_and_bad_parameter(api: AppClient) -> None:
    assert api.get("/query", params={"example": "api-actors"}).status_code == 404
    bad = api.get("/query", params={"example": "cq04-jobs-by-year", "from_year": "x"},
                  headers={"Accept": "text/html"})
    assert bad.status_code == 400 and "from_year" in bad.text
    assert '<nav aria-label="Navigation principale">' in bad.text


def test_data_page(api: AppClient) -> None:
    page = api.get("/data", params={"lang": "en"}).text
    assert 'href="/dumps/tsr.nq.gz" download' in page and 'href="/dumps/tsr.ttl" download' in page
    assert "known after the first download" in page
    assert "tsr-example.xlsx" in page and "public-2025" in page
    assert "restricted-2025" not in page  # a restricted load is not shown to everyone
    graph = "https://data.tsr-observatory.org/graph/source/tsr-example"
    assert f'href="/store?{urlencode({"graph": graph, "format": "turtle"})}"'.replace(
        "&", "&amp;") in page
    assert api.get("/store", params={"graph": graph, "format": "turtle"}).status_code == 200
    # once downloaded, the dump's size is known
    dump = api.get("/dumps/tsr.ttl")
    assert dump.status_code == 200
    page = api.get("/data", params={"lang": "en"}).text
    assert "known after the first download" in page.split('href="/dumps/tsr.ttl"')[0]
    size_cell = page.split('href="/dumps/tsr.ttl" download>Turtle</a></th><td>')[1].split("</td>")[0]
    assert size_cell.endswith(("KiB", "MiB")), size_cell
    for link in ("/.well-known/void?format=turtle", "/.well-known/void?format=jsonld", "/docs",
                 "/context.jsonld"):
        assert api.get(link).status_code == 200, link


def test_error_pages_in_the_portal_layout(api: AppClient) -> None:
    page = api.get("/nowhere", headers={"Accept": "text/html", "Accept-Language": "en"})
    assert page.status_code == 404
    assert "<title>404 · Not found · TSR Observatory</title>" in page.text
    assert 'href="/nowhere?lang=fr" hreflang="fr"' in page.text  # the language switch
    french = api.get("/nowhere", headers={"Accept": "text/html"})
    assert "404 · Page introuvable" in french.text and '<html lang="fr">' in french.text
    # programs keep their JSON
    assert api.get("/nowhere").json() == {"detail": "Not Found"}
