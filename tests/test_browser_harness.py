"""The page-test harness itself: Playwright drives the system Chromium and axe-core runs in it."""

from __future__ import annotations

import pytest

from .browser import axe_violations, chromium


def test_axe_finds_a_missing_alt_text_and_a_missing_lang() -> None:
    with chromium() as browser:
        page = browser.new_page()
        page.set_content("<html><body><img src='data:image/png;base64,iVBORw0KGgo='>"
                         "<p>Bonjour</p></body></html>")
        found = axe_violations(page, impacts=("serious", "critical"))
    assert any("image-alt" in line for line in found), found
    assert any("html-has-lang" in line for line in found), found


def test_axe_passes_a_plain_accessible_page() -> None:
    with chromium() as browser:
        page = browser.new_page()
        page.set_content("<!doctype html><html lang='fr'><head><title>Essai</title></head>"
                         "<body><main><h1>Essai</h1><p>Bonjour</p></main></body></html>")
        assert page.inner_text("h1") == "Essai"
        assert axe_violations(page) == []


# Real processes (servers, the CLI, a browser) or stores loaded for the module: out of the
# edit-test loop, `pytest -m "not slow"`; CI runs every test
pytestmark = pytest.mark.slow
