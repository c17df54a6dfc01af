"""The portal's pages (home, indicators, query, data, error) in a real headless Chromium
against `tsr serve`: the figures shown are the named queries' answers in French and English,
statistical confidentiality holds in the browser and the read token lifts it, an example of
the gallery run in the editor gives the API's rows, axe finds no serious or critical
violation, a phone's width needs no horizontal scroll. Screenshots of each page kind,
language and width go to build/screenshots/portal-*.png."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page

from ..api.conftest import READER
from ..browser import axe_violations, chromium, screenshot

PAGES = {  # page kind: (path, HTTP status)
    "home": ("/", 200),
    "indicators": ("/indicators", 200),
    "query": ("/query?example=cq04-jobs-by-year", 200),
    "data": ("/data", 200),
    "error": ("/no/such/page", 404),
}
PHONE = {"width": 375, "height": 740}
SUPPRESSED = {"fr": "secret statistique", "en": "suppressed (statistical confidentiality)"}
REGION = "https://w3id.org/tsr-observatory/vocab/region/"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as opened:
        yield opened


def open_page(browser: Browser, url: str, status: int = 200, width: int = 1280,
              headers: dict[str, str] | None = None) -> Page:
    context = browser.new_context(viewport={"width": width, "height": 900},
                                  extra_http_headers=headers or {})
    page = context.new_page()
    response = page.goto(url)
    assert response is not None and response.status == status, url
    page.wait_for_load_state("load")
    return page


def close(page: Page) -> None:
    page.context.close()


def named(base: str, name: str, headers: dict[str, str] | None = None,
          **params: str) -> list[dict[str, Any]]:
    response = httpx.get(f"{base}/api/queries/{name}", params={"format": "json", **params},
                         headers=headers or {}, timeout=30)
    assert response.status_code == 200, response.text
    return [{key: term["value"] for key, term in row.items()}
            for row in response.json()["results"]["bindings"]]


def shown_number(text: str) -> float:
    """A number as a page writes it: `12 345,5` (fr) or `12,345.5` (en), maybe with €."""
    text = text.replace("€", "").strip()
    if "," in text and "." not in text and re.search(r",\d{1,2}$", text):
        text = text.replace("\u202f", "").replace("\xa0", "").replace(" ", "").replace(",", ".")
    return float(re.sub(r"[\u202f\xa0 ,]", "", text))


@pytest.mark.parametrize("lang", ["fr", "en"])
@pytest.mark.parametrize("kind", list(PAGES))
def test_page_kind_is_accessible_and_fits_a_phone(browser: Browser, served_portal: str,
                                                  kind: str, lang: str) -> None:
    path, status = PAGES[kind]
    url = f"{served_portal}{path}{'&' if '?' in path else '?'}lang={lang}"
    for width, suffix in ((1280, ""), (PHONE["width"], "-phone")):
        page = open_page(browser, url, status, width)
        try:
            assert page.get_attribute("html", "lang") == lang
            if kind in ("home", "indicators"):
                page.wait_for_selector(".chart canvas")  # the charts drew (progressive)
            if kind == "query":
                page.wait_for_selector("#yasgui .CodeMirror")
            screenshot(page, f"portal-{kind}-{lang}{suffix}")
            assert axe_violations(page) == [], f"{kind} ({lang}, {width} px)"
            widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
            assert widths[0] <= widths[1], (
                f"{kind} ({lang}) is {widths[0]} px wide in a {widths[1]} px window")
        finally:
            close(page)


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_home_figures_are_the_named_queries_answers(browser: Browser, served_portal: str,
                                                    lang: str) -> None:
    page = open_page(browser, f"{served_portal}/?lang={lang}")
    try:
        shown = page.eval_on_selector_all(
            "#key-figures li", "items => items.map(li => [li.dataset.figure, "
            "li.querySelector('.value').textContent])")
        expected = {row["figure"]: int(row["count"]) for row in named(served_portal,
                                                                      "portal-key-figures")}
        assert {name: shown_number(text) for name, text in shown} == expected
        # the yearly table: each measure of each year as the published aggregate gives it
        rows = {row["year"]: row for row in named(served_portal, "portal-indicators",
                                                  dimension="total", lang=lang)}
        table = page.eval_on_selector_all(
            "#yearly tbody tr", "trs => trs.map(tr => [tr.querySelector('th').textContent, "
            "Array.from(tr.querySelectorAll('td')).map(td => td.textContent.trim())])")
        measures = ["jobsFTE", "researchJobsFTE", "phdCount", "volunteers", "budget",
                    "researchBudget", "publicFunding", "privateFunding"]
        assert [year for year, _ in table] == sorted(rows)
        for year, cells in table:
            for measure, text in zip(measures, cells, strict=True):
                assert shown_number(text) == pytest.approx(float(rows[year][measure])), (year, measure)
        # the region map and its table: TSR actors per region
        territories = named(served_portal, "portal-actors-by-territory", lang=lang)
        regions = {row["code"]: int(row["actors"]) for row in territories if row["level"] == "region"}
        mapped = dict(page.eval_on_selector_all(
            "#territory-region tbody tr", "trs => trs.map(tr => [tr.dataset.code, "
            "tr.querySelector('td').textContent])"))
        assert {code: shown_number(text) for code, text in mapped.items()} == regions
        painted = page.eval_on_selector_all(
            "#map-region path[data-code='84']", "ps => ps.map(p => p.dataset.actors)")
        assert painted and set(painted) == {str(regions["84"])}
    finally:
        close(page)


def region_cells(page: Page, region: str) -> list[str]:
    return page.eval_on_selector_all(
        f"#indicators-region tr[data-value-iri='{REGION}{region}'] td",
        "tds => tds.map(td => td.textContent.trim())")


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_indicators_suppressed_for_the_public_shown_with_the_token(browser: Browser,
                                                                   served_portal: str,
                                                                   lang: str) -> None:
    public = open_page(browser, f"{served_portal}/indicators?lang={lang}")
    try:
        rows = named(served_portal, "portal-indicators", dimension="region", lang=lang)
        years = sorted({row["year"] for row in rows})
        for row in rows:
            cells = region_cells(public, row["value"].rsplit("/", 1)[-1])
            text = cells[years.index(row["year"])]
            if row["jobsFTE"] == "secret statistique":
                assert text == SUPPRESSED[lang], row
            else:
                assert int(row["actors"]) >= 3
                assert shown_number(text) == pytest.approx(float(row["jobsFTE"])), row
        assert region_cells(public, "84")[years.index("2025")] == SUPPRESSED[lang]
        assert "38" not in public.content().split('region/84"')[1].split("</tr>")[0]
    finally:
        close(public)
    reader = open_page(browser, f"{served_portal}/indicators?lang={lang}", headers=READER)
    try:
        assert shown_number(region_cells(reader, "84")[years.index("2025")]) == 38
        assert shown_number(region_cells(reader, "53")[years.index("2025")]) == 4
    finally:
        close(reader)


@pytest.mark.parametrize("example", ["cq04-jobs-by-year", "cq01-tsr-actors-by-type-legal-form-region",
                                     "portal-key-figures"])
def test_gallery_example_run_in_the_editor_gives_the_api_rows(browser: Browser,
                                                              served_portal: str,
                                                              example: str) -> None:
    page = open_page(browser, f"{served_portal}/query?example={example}&lang=en")
    try:
        page.wait_for_selector("#yasgui .CodeMirror")
        bindings = page.evaluate("""async () => {
            const tab = yasgui.getTab();
            try { await tab.getYasqe().query(); } catch (e) { return "query failed: " + e; }
            for (let i = 0; i < 100 && !(tab.getYasr() && tab.getYasr().results); i++) {
                await new Promise(resolve => setTimeout(resolve, 100));
            }
            return tab.getYasr().results.getBindings().map(
                row => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, v.value])));
        }""")
        expected = named(served_portal, example,
                         **({"lang": "en"} if example.startswith("cq01") else {}))
        assert len(bindings) == len(expected) > 0
        key = sorted
        assert key(map(repr, (sorted(r.items()) for r in bindings))) == key(
            map(repr, (sorted(r.items()) for r in expected)))
    finally:
        close(page)


# Real processes (servers, the CLI, a browser) or stores loaded for the module: out of the
# edit-test loop, `pytest -m "not slow"`; CI runs every test
pytestmark = pytest.mark.slow
