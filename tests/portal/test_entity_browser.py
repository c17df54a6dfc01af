"""The pages of /id/ in a real headless Chromium against `tsr serve`: name and kind first,
the facts the store holds (read back with SPARQL), identifiers linking to their registers,
alternates and schema.org markup in the head, provenance behind a toggle; axe finds no
serious or critical violation; a phone's width needs no horizontal scroll. Screenshots of
each page kind and language go to build/screenshots/."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Browser, Page

from ..api.conftest import served  # noqa: F401 - the fixture: `tsr serve` over the test data
from ..browser import axe_violations, chromium, screenshot

BASE = "https://data.tsr-observatory.org"
TSR = "https://w3id.org/tsr-observatory/ontology#"
PAGES = {  # page kind: the entity's path
    "actor": "/id/actor/siren-810079194",
    "project": "/id/project/tsr-example~co3-sols",
    "output": "/id/output/doi-10-5555-tsr-2058",
    "programme": "/id/programme/co3",
    "network": "/id/network/reseau-tsr-esr",
    "partnership": None,  # the first partnership of the actor, found in the test
}
PHONE = {"width": 375, "height": 740}


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as opened:
        yield opened


def select(base: str, query: str) -> list[dict[str, str]]:
    response = httpx.get(f"{base}/sparql", params={"query": query}, timeout=30,
                         headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 200, response.text
    return [{key: term["value"] for key, term in row.items()}
            for row in response.json()["results"]["bindings"]]


def number(text: str) -> float:
    cleaned = text.replace("\u202f", "").replace("\xa0", "").replace("€", "").strip()
    if "," in cleaned and "." not in cleaned and len(cleaned.split(",")[-1]) != 3:
        cleaned = cleaned.replace(",", ".")  # a French decimal comma
    return float(cleaned.replace(",", ""))


def path_of(kind: str, base: str) -> str:
    found = PAGES[kind]
    if found is None:
        rows = select(base, f"SELECT ?p WHERE {{ ?p <{TSR}actor> <{BASE}{PAGES['actor']}> ; "
                      f"a <{TSR}Partnership> }} ORDER BY ?p LIMIT 1")
        found = rows[0]["p"].removeprefix(BASE)
    return found


def open_page(browser: Browser, url: str) -> Page:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    response = page.goto(url)
    assert response is not None and response.status == 200, url
    return page


@pytest.mark.parametrize("lang", ["fr", "en"])
@pytest.mark.parametrize("kind", list(PAGES))
def test_each_page_kind_reads_for_people(browser: Browser, served: str,  # noqa: F811
                                         kind: str, lang: str) -> None:
    path = path_of(kind, served)
    iri = BASE + path
    page = open_page(browser, f"{served}{path}?lang={lang}")
    try:
        assert page.get_attribute("html", "lang") == lang
        heading = page.inner_text("h1")
        names = select(served, f"SELECT ?n WHERE {{ <{iri}> <{TSR}name>|<{TSR}title> ?n }}")
        if names:
            assert heading.startswith(names[0]["n"])
        assert "/id/" not in heading and "~" not in heading  # a name, never a key
        # the head links the same IRI as Turtle and JSON-LD, and carries schema.org markup
        alternates = page.eval_on_selector_all(
            "link[rel=alternate][type]", "links => links.map(l => [l.type, l.getAttribute('href')])")
        assert ["text/turtle", path + ".ttl"] in alternates
        assert ["application/ld+json", path + ".jsonld"] in alternates
        markup = json.loads(page.inner_text("script[type='application/ld+json']"))
        assert markup["@context"] == "https://schema.org" and markup["@id"] == iri
        # nothing in the page's links is a raw key where a name belongs
        texts = page.eval_on_selector_all("main a[href^='/id/']", "links => links.map(a => a.textContent)")
        assert all("~" not in text and not text.startswith("siren-") for text in texts), texts
        # provenance in one line, its details folded
        line = page.inner_text(".provenance p")
        assert "tsr-example.xlsx" in line
        assert page.eval_on_selector(".provenance details", "d => d.open") is False
        assert axe_violations(page) == []
        screenshot(page, f"entity-{kind}-{lang}")
        page.set_viewport_size(PHONE)
        page.wait_for_timeout(300)  # the chart follows its box's new width
        widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert widths[0] <= widths[1], f"{widths[0]} px wide in a {widths[1]} px window"
        screenshot(page, f"entity-{kind}-{lang}-phone")
    finally:
        page.close()


def busiest_actor(base: str) -> str:
    """The actor with a SIREN taking part in the most projects."""
    return select(base, f"SELECT ?a (COUNT(?x) AS ?n) WHERE {{ ?x a <{TSR}Participation> ; "
                  f"<{TSR}actor> ?a . ?a <{TSR}siren> ?siren }} GROUP BY ?a ORDER BY DESC(?n) ?a "
                  "LIMIT 1")[0]["a"]


@pytest.mark.parametrize("which", ["atelier", "busiest"])
def test_an_actor_page_shows_what_the_store_holds(browser: Browser, served: str,  # noqa: F811
                                                  which: str) -> None:
    iri = BASE + PAGES["actor"] if which == "atelier" else busiest_actor(served)
    page = open_page(browser, f"{served}{iri.removeprefix(BASE)}?lang=fr")
    try:
        # identifiers link to their registers
        siren = select(served, f"SELECT ?v WHERE {{ <{iri}> <{TSR}siren> ?v }}")[0]["v"]
        assert page.get_attribute(f"ul.identifiers a:text-is('{siren}')", "href") == (
            f"https://annuaire-entreprises.data.gouv.fr/entreprise/{siren}")
        # the indicators: a column per year, the jobs as the observations say
        observed = select(served, f"SELECT ?year ?jobs WHERE {{ ?o <{TSR}actor> <{iri}> ; "
                          f"<{TSR}year> ?year ; <{TSR}jobsFTE> ?jobs }} ORDER BY ?year")
        years = page.eval_on_selector_all(".indicators thead th.num",
                                          "cells => cells.map(c => c.textContent)")
        assert years == [row["year"] for row in observed]
        jobs = page.eval_on_selector_all(".indicators tbody tr:first-child td",
                                         "cells => cells.map(c => c.textContent)")
        assert [number(cell) for cell in jobs] == [float(row["jobs"]) for row in observed]
        if len(observed) > 1:  # the chart (Chart.js from npm) is drawn over the table
            page.wait_for_selector("#indicator-chart canvas[role=img]", state="visible")
            assert page.get_attribute("#indicator-chart canvas", "aria-label")
        if which == "busiest":
            screenshot(page, "entity-actor-with-projects-fr")
        # projects with their roles, partners, outputs, memberships: as many rows as records
        for section, query in (
                ("projects", f"?x <{TSR}actor> <{iri}> ; a <{TSR}Participation>"),
                ("partnerships", f"?x <{TSR}actor>|<{TSR}partner> <{iri}> ; a <{TSR}Partnership>"),
                ("outputs", f"?x <{TSR}author> <{iri}>"),
                ("memberships", f"?x <{TSR}actor> <{iri}> ; a <{TSR}Membership>")):
            expected = len(select(served, f"SELECT DISTINCT ?x WHERE {{ {query} }}"))
            shown = page.eval_on_selector_all(
                f"#{section}-title ~ div tbody tr", "rows => rows.length") if expected else 0
            assert shown == expected, section
        roles = page.eval_on_selector_all("#projects-title ~ div tbody td:nth-child(2)",
                                          "cells => cells.map(c => c.textContent)")
        assert all(role.strip() for role in roles)
        assert roles or which == "atelier"
        transformations = select(served, f"SELECT ?d WHERE {{ ?x <{TSR}actor> <{iri}> ; "
                                 f"a <{TSR}Transformation> ; <{TSR}date> ?d }} ORDER BY ?d")
        shown = page.eval_on_selector_all("ol.timeline time", "t => t.map(x => x.getAttribute('datetime'))")
        assert shown == [row["d"] for row in transformations]
    finally:
        page.close()


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_a_concept_page_counts_what_has_it(browser: Browser, served: str,  # noqa: F811
                                           lang: str) -> None:
    page = open_page(browser, f"{served}/vocab/region/84?lang={lang}")
    try:
        assert page.inner_text("h1") == "Auvergne-Rhône-Alpes"
        links = page.eval_on_selector_all(
            "table.records a", "links => links.map(a => [a.getAttribute('href'), a.textContent])")
        counts = {}
        for kind in ("actors", "projects"):
            response = httpx.get(f"{served}/api/queries/browse-{kind}-facets", timeout=30)
            for row in response.json()["results"]["bindings"]:
                if row["value"]["value"] == "https://w3id.org/tsr-observatory/vocab/region/84":
                    counts[f"/browse/{kind}?{row['facet']['value']}=84&lang={lang}"] = row["count"]["value"]
        assert counts and dict(links) == counts
        assert axe_violations(page) == []
        screenshot(page, f"entity-concept-{lang}")
        page.set_viewport_size(PHONE)
        widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert widths[0] <= widths[1]
    finally:
        page.close()


# Real processes (servers, the CLI, a browser) or stores loaded for the module: out of the
# edit-test loop, `pytest -m "not slow"`; CI runs every test
pytestmark = pytest.mark.slow
