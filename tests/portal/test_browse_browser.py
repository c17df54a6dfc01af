"""The browse pages in a real headless Chromium against `tsr serve`: what the page shows
(rows, counts per facet value) is what the named queries answer, in French and English;
axe finds no serious or critical violation; a phone's width needs no horizontal scroll.
Screenshots of each page kind and language go to build/screenshots/."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Browser, Page

from ..api.conftest import served  # noqa: F401 - the fixture: `tsr serve` over the test data
from ..browser import axe_violations, chromium, screenshot

PAGES = {  # page kind: (path, the named query's parameters)
    "browse-actors": ("/browse/actors", {"sector": "TSRActor"}),
    "browse-projects": ("/browse/projects", {"programme": "co3"}),
    "browse-outputs": ("/browse/outputs", {}),
    "browse-partnerships": ("/browse/partnerships", {}),
}
PHONE = {"width": 375, "height": 740}


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as opened:
        yield opened


def named(base: str, name: str, params: dict[str, str]) -> list[dict[str, str]]:
    response = httpx.get(f"{base}/api/queries/{name}", params=params, timeout=30)
    assert response.status_code == 200, response.text
    return [{key: term["value"] for key, term in row.items()}
            for row in response.json()["results"]["bindings"]]


def open_page(browser: Browser, url: str, width: int = 1280) -> Page:
    page = browser.new_page(viewport={"width": width, "height": 900})
    response = page.goto(url)
    assert response is not None and response.status == 200, url
    return page


def no_horizontal_scroll(page: Page) -> None:
    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], f"the page is {widths[0]} px wide in a {widths[1]} px window"


@pytest.mark.parametrize("lang", ["fr", "en"])
@pytest.mark.parametrize("kind", list(PAGES))
def test_a_list_shows_the_named_queries_answers(browser: Browser, served: str,  # noqa: F811
                                                kind: str, lang: str) -> None:
    path, params = PAGES[kind]
    listed = kind.removeprefix("browse-")
    url = f"{served}{path}?" + "&".join(f"{k}={v}" for k, v in {**params, "lang": lang}.items())
    page = open_page(browser, url)
    try:
        assert page.get_attribute("html", "lang") == lang
        expected = named(served, f"browse-{listed}", params)
        total = page.inner_text("h1 .total")
        assert str(len(expected)) in total.replace("\u202f", "").replace(",", "")
        first_rows = page.eval_on_selector_all(
            "table.list tbody th a", "links => links.map(a => a.getAttribute('href'))")
        assert [href.split("?")[0] for href in first_rows] == [
            "/" + row["item"].split("/", 3)[3] for row in expected[:len(first_rows)]]
        # every facet value shown with its count, as the facets query counts it
        counts = {(row["facet"], int(row["count"])) for row in
                  named(served, f"browse-{listed}-facets", params)}
        shown = page.eval_on_selector_all(
            ".facet", "sections => sections.flatMap(s => [...s.querySelectorAll('li')].map("
            "li => [s.id.slice(6), li.querySelector('.count').textContent]))")
        assert shown
        for facet, count in shown:
            assert (facet, int(count.replace("\u202f", "").replace(",", ""))) in counts
        assert axe_violations(page) == []
        screenshot(page, f"{kind}-{lang}")
        page.set_viewport_size(PHONE)
        no_horizontal_scroll(page)
        screenshot(page, f"{kind}-{lang}-phone")
    finally:
        page.close()


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_search_and_overview(browser: Browser, served: str, lang: str) -> None:  # noqa: F811
    page = open_page(browser, f"{served}/browse?lang={lang}")
    try:
        assert axe_violations(page) == []
        screenshot(page, f"browse-home-{lang}")
        # the header's search box, as a visitor uses it
        page.fill("#site-search", "atelier")
        page.press("#site-search", "Enter")
        page.wait_for_load_state()
        assert "q=atelier" in page.url
        found = named(served, "api-search", {"q": "atelier"})
        rows = page.eval_on_selector_all("table.list tbody th a", "links => links.length")
        assert rows == min(len(found), 25)
        assert axe_violations(page) == []
        screenshot(page, f"browse-search-{lang}")
        page.set_viewport_size(PHONE)
        no_horizontal_scroll(page)
    finally:
        page.close()


# Real processes (servers, the CLI, a browser) or stores loaded for the module: out of the
# edit-test loop, `pytest -m "not slow"`; CI runs every test
pytestmark = pytest.mark.slow
