"""Statistical confidentiality: an aggregate over fewer than k actors (or over 1..k-1 actors
of restricted sources) never reaches an anonymous reader, through a page, the curated API,
a published named query or its CSV; the read token shows it."""

from __future__ import annotations

import csv
import io
import re

from api.named_queries import shipped_queries

from ..api.conftest import READER, AppClient

REGION = "https://w3id.org/tsr-observatory/vocab/region/"
SUPPRESSED = "secret statistique"


def csv_rows(api: AppClient, headers: dict[str, str] | None = None, **params: str) -> list[dict[str, str]]:
    response = api.get("/api/queries/portal-indicators", params={"format": "csv", **params},
                       headers=headers or {})
    assert response.status_code == 200, response.text
    return list(csv.DictReader(io.StringIO(response.text)))


def row(rows: list[dict[str, str]], dimension: str, value: str, year: str) -> dict[str, str]:
    found = [r for r in rows if r["dimension"] == dimension and r["value"] == value and r["year"] == year]
    assert len(found) == 1, (dimension, value, year, len(found))
    return found[0]


def test_the_query_is_marked_as_a_published_aggregate() -> None:
    query = shipped_queries()["portal-indicators"]
    assert query.published[0] == "actors" and "jobsFTE" in query.published


def test_named_query_and_its_csv(api: AppClient) -> None:
    anonymous = csv_rows(api)
    reader = csv_rows(api, READER)
    # 5 actors in Auvergne-Rhône-Alpes in 2025, 2 of them only in a restricted source
    small_restricted = row(anonymous, "region", REGION + "84", "2025")
    assert small_restricted["actors"] == "5" and small_restricted["jobsFTE"] == SUPPRESSED
    assert small_restricted["budget"] == SUPPRESSED
    assert row(reader, "region", REGION + "84", "2025")["jobsFTE"] == "38"  # 12+7+5+6+8
    # one actor (restricted) in Bretagne in 2025: fewer than k
    assert row(anonymous, "region", REGION + "53", "2025")["jobsFTE"] == SUPPRESSED
    assert row(reader, "region", REGION + "53", "2025")["jobsFTE"] == "4"
    # 6 actors in 2025, 3 of them restricted: published, restricted figures included
    total = row(anonymous, "total", "https://w3id.org/tsr-observatory/ontology#TSRActor", "2025")
    assert total["actors"] == "6" and total["jobsFTE"] == "42"
    # the example data's small groups: one actor in La Réunion (04)
    assert all(r["jobsFTE"] == SUPPRESSED for r in anonymous
               if r["dimension"] == "region" and r["value"] == REGION + "04")
    assert all(r["jobsFTE"] != SUPPRESSED for r in reader)
    # no anonymous row with values comes from fewer than 3 actors
    assert all(int(r["actors"]) >= 3 for r in anonymous if r["jobsFTE"] != SUPPRESSED)


def test_named_query_as_json(api: AppClient) -> None:
    answer = api.get("/api/queries/portal-indicators", params={"dimension": "region"},
                     headers={"Accept": "application/sparql-results+json"}).json()
    cells = [b["jobsFTE"] for b in answer["results"]["bindings"]
             if b["value"]["value"] == REGION + "53" and b["year"]["value"] == "2025"]
    assert cells == [{"type": "literal", "value": SUPPRESSED, "xml:lang": "fr"}]


def test_curated_api(api: AppClient) -> None:
    anonymous = api.get("/api/indicators/aggregates", params={"dimension": "region"}).json()
    assert anonymous["confidentialityThreshold"] == 3
    bretagne = [r for r in anonymous["rows"] if r["value"] == REGION + "53" and r["year"] == 2025]
    assert bretagne == [{**bretagne[0], "suppressed": True, "jobsFTE": SUPPRESSED}]
    assert all(r["actors"] >= 3 for r in anonymous["rows"] if not r["suppressed"])
    reader = api.get("/api/indicators/aggregates", params={"dimension": "region"},
                     headers=READER).json()
    bretagne = [r for r in reader["rows"] if r["value"] == REGION + "53" and r["year"] == 2025]
    assert bretagne[0]["suppressed"] is False and bretagne[0]["jobsFTE"] == 4
    assert api.get("/api/indicators/aggregates", params={"dimension": "x"}).status_code == 422


def test_individual_restricted_observations_stay_restricted(api: AppClient) -> None:
    anonymous = api.get("/api/indicators", params={"year": "2025"}).json()
    reader = api.get("/api/indicators", params={"year": "2025"}, headers=READER).json()
    assert anonymous["total"] == 3 and reader["total"] == 6


def page_cell(page: str, value_iri: str, column: int) -> str:
    found = re.search(rf'<tr data-value-iri="{re.escape(value_iri)}">(.*?)</tr>', page, re.S)
    assert found, value_iri
    cells = re.findall(r"<td[^>]*>(.*?)</td>", found.group(1), re.S)
    return cells[column].strip()


def test_pages(api: AppClient) -> None:
    for lang, notice in (("fr", SUPPRESSED), ("en", "suppressed (statistical confidentiality)")):
        page = api.get("/indicators", params={"lang": lang}).text
        # columns: 2022, 2023, 2024, 2025, actors in 2025
        assert page_cell(page, REGION + "84", 3) == notice
        assert page_cell(page, REGION + "53", 3) == notice
        home = api.get("/", params={"lang": lang}).text
        assert 'data-value="38"' not in home
        reader_page = api.get("/indicators", params={"lang": lang}, headers=READER).text
        assert page_cell(reader_page, REGION + "84", 3) == "38"
        assert page_cell(reader_page, REGION + "53", 3) == "4"
        assert notice not in page_cell(reader_page, REGION + "04", 0)
