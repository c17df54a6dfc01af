"""The browse pages in-process: facet links, counts and rows as the named queries give them,
exports parsed, bad parameters refused in one line, restricted items hidden."""

from __future__ import annotations

import csv
import io
import re
from html.parser import HTMLParser
from typing import Any

import pytest
from openpyxl import load_workbook

from ..api.conftest import READER, SECRET_NAME, AppClient


def named_rows(api: AppClient, name: str, params: dict[str, str],
               headers: dict[str, str] | None = None) -> list[dict[str, str]]:
    response = api.get(f"/api/queries/{name}", params=params, headers=headers or {})
    assert response.status_code == 200, response.text
    return [{key: term["value"] for key, term in row.items()}
            for row in response.json()["results"]["bindings"]]


class _Links(HTMLParser):
    """The list's row links (th scope=row > a) and the facet values with their counts."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[str] = []
        self.facets: dict[str, list[tuple[str, int]]] = {}
        self._in_row_th = self._in_facet_li = False
        self._facet: str | None = None
        self._text = ""
        self._count = ""
        self._in_count = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "th" and found.get("scope") == "row":
            self._in_row_th = True
        elif tag == "a" and self._in_row_th and found.get("href"):
            self.rows.append((found["href"] or "").split("?")[0])
        elif tag == "section" and (found.get("id") or "").startswith("facet-"):
            self._facet = (found["id"] or "")[6:]
            self.facets[self._facet] = []
        elif tag == "li" and self._facet:
            self._in_facet_li, self._text, self._count = True, "", ""
        elif tag == "span" and self._in_facet_li and found.get("class") == "count":
            self._in_count = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "th":
            self._in_row_th = False
        elif tag == "span":
            self._in_count = False
        elif tag == "li" and self._in_facet_li and self._facet:
            self.facets[self._facet].append(
                (self._text.strip(), int(re.sub(r"\D", "", self._count))))
            self._in_facet_li = False
        elif tag == "section":
            self._facet = None

    def handle_data(self, data: str) -> None:
        if self._in_count:
            self._count += data
        elif self._in_facet_li:
            self._text += data


def parsed(html: str) -> _Links:
    parser = _Links()
    parser.feed(html)
    return parser


@pytest.mark.parametrize(("kind", "params"), [
    ("actors", {}), ("actors", {"region": "84"}), ("actors", {"sector": "TSRActor", "type": "association"}),
    ("projects", {"programme": "co3"}), ("outputs", {"year": "2023"}),
    ("partnerships", {"type": "research-agreement"}), ("actors", {"q": "atelier"})])
def test_rows_and_counts_are_the_named_queries(api: AppClient, kind: str,
                                               params: dict[str, str]) -> None:
    page = api.get(f"/browse/{kind}", params={**params, "per_page": "100", "all": "department"})
    assert page.status_code == 200, page.text
    shown = parsed(page.text)
    expected = [row["item"] for row in named_rows(api, f"browse-{kind}", params)]
    assert expected, "a filter that selects nothing tests little"
    assert shown.rows == ["/" + iri.split("/", 3)[3] for iri in expected]
    counts = named_rows(api, f"browse-{kind}-facets", params)
    for facet, values in shown.facets.items():
        if facet == "department" or len(values) < 10:  # shown whole
            assert sorted(count for _, count in values) == sorted(
                int(row["count"]) for row in counts if row["facet"] == facet), facet
    assert f'/api/queries/browse-{kind}' in page.text  # the page names its query


def test_a_facet_link_filters_the_list(api: AppClient) -> None:
    page = api.get("/browse/actors", params={"lang": "fr"})
    link = re.search(r'<a href="(/browse/actors\?[^"]*region=84[^"]*)">Auvergne-Rhône-Alpes</a> '
                     r'<span class="count">(\d+)</span>', page.text)
    assert link, "the region facet shows Auvergne-Rhône-Alpes with its count"
    filtered = api.get(link.group(1).replace("&amp;", "&"))
    assert len(parsed(filtered.text).rows) == int(link.group(2))
    assert "Région : Auvergne-Rhône-Alpes" in filtered.text  # the chosen filter, removable


def test_restricted_actors_only_with_the_token(api: AppClient) -> None:
    assert SECRET_NAME not in api.get("/browse/actors", params={"per_page": "100"}).text
    assert SECRET_NAME in api.get("/browse/actors", params={"per_page": "100"},
                                  headers=READER).text
    assert SECRET_NAME not in api.get("/browse/actors.csv").text
    assert SECRET_NAME not in api.get("/browse", params={"q": "secrète"}).text


def test_csv_and_xlsx_hold_the_filtered_list(api: AppClient) -> None:
    params = {"sector": "TSRActor", "region": "53", "lang": "fr"}
    expected = [row["item"] for row in named_rows(
        api, "browse-actors", {k: v for k, v in params.items() if k != "lang"})]
    assert expected
    as_csv = api.get("/browse/actors.csv", params=params)
    assert as_csv.headers["content-type"].startswith("text/csv")
    table = list(csv.reader(io.StringIO(as_csv.content.decode("utf-8-sig"))))
    assert table[0] == ["IRI", "Nom", "Type", "Région", "Département"]
    assert [row[0] for row in table[1:]] == expected
    assert {row[3] for row in table[1:]} == {"Bretagne"}
    book = load_workbook(io.BytesIO(api.get("/browse/actors.xlsx", params=params).content))
    sheet = book.active
    assert sheet is not None and sheet.title == "Acteurs"
    cells: list[list[Any]] = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert cells == table


def test_search_counts_by_kind_are_the_search_query(api: AppClient) -> None:
    page = api.get("/browse", params={"q": "atelier", "lang": "en"})
    assert page.status_code == 200
    found = named_rows(api, "api-search", {"q": "atelier"})
    assert f"{len(found)} results" in page.text
    actors = named_rows(api, "api-search", {"q": "atelier", "class": "Actor"})
    assert re.search(rf'Actors <span class="count">{len(actors)}</span>', page.text)


@pytest.mark.parametrize("url", ["/browse/actors?region=a%20b%3Cx", "/browse/actors?page=0",
                                 "/browse/actors?per_page=1000", "/browse/projects?year=20x4",
                                 "/browse/elephants"])
def test_bad_parameters_are_one_line(api: AppClient, url: str) -> None:
    response = api.get(url, headers={"Accept": "application/json"})
    if "region" in url:  # an unknown concept: a valid filter that selects nothing
        assert response.status_code == 200
        return
    assert response.status_code in (400, 404)
    assert "\n" not in response.json()["detail"]
