"""A real headless Chromium driven by Playwright, for the page tests.

Playwright's own browser downloads are not used: it drives the system Chromium that `.ci/run`
installs from Debian. Screenshots go to `build/screenshots/` (or `$TSR_SCREENSHOTS`), one file per
page kind and language, so a person can look at what the test saw.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import Browser, Page, sync_playwright

REPO = Path(__file__).resolve().parent.parent
AXE_SCRIPT = REPO / "api" / "ui" / "node_modules" / "axe-core" / "axe.min.js"


def chromium_path() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    assert found, "chromium is missing: .ci/run installs it (apt-get install chromium)"
    return found


@contextmanager
def chromium() -> Iterator[Browser]:
    """One headless browser; pages are opened with `browser.new_page(locale=...)`."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_path(),
            args=["--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--disable-background-networking", "--disable-component-update"])
        try:
            yield browser
        finally:
            browser.close()


def screenshots_dir() -> Path:
    folder = Path(os.environ.get("TSR_SCREENSHOTS", REPO / "build" / "screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def screenshot(page: Page, name: str) -> Path:
    """Write a full-page PNG named `name.png` and return its path."""
    path = screenshots_dir() / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def axe_violations(page: Page, impacts: tuple[str, ...] = ("serious", "critical")) -> list[str]:
    """Run axe-core (installed from npm in api/ui) in the page; one line per violation kept."""
    assert AXE_SCRIPT.exists(), "axe-core is missing: run `npm ci` in api/ui"
    page.add_script_tag(path=str(AXE_SCRIPT))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [f"{v['impact']}: {v['id']}: {v['help']} ({len(v['nodes'])} nodes, e.g. "
            f"{v['nodes'][0]['target']})"
            for v in result["violations"] if v.get("impact") in impacts]
