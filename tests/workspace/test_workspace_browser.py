"""The coordinators' workspace in a real headless Chromium against `tsr serve` on a disk
store: a coordinator signs in, uploads a workbook with errors and reads them in the page,
uploads the corrected file, reads the preview, publishes, sees the change on the public
side, restores the previous version and signs out; a form posted by another site is
refused. Screenshots go to build/screenshots/workspace-*.png."""

from __future__ import annotations

import html
import time
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page

from ..browser import axe_violations, chromium, screenshot
from .conftest import ADMIN, COORDINATOR, PREFIX
from .workbooks import (
    BAD_RNA,
    BAD_TYPE,
    EXAMPLE,
    FIRST_ACTOR_NAME,
    FIRST_ACTOR_PATH,
    RENAMED,
    corrected,
    with_errors,
)

SOURCE = PREFIX + "enquete-2024"
pytestmark = pytest.mark.slow


def publish_by_script(base: str, token: str, file: Path) -> None:
    """What a script does with its account's API token: upload, wait, publish, wait."""
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    with httpx.Client(base_url=base, headers=headers, timeout=60) as client:
        sent = client.post("/workspace/uploads", data={"source": SOURCE},
                           files={"file": (file.name, file.read_bytes())})
        assert sent.status_code == 202, sent.text
        job = f"/workspace/uploads/{sent.json()['id']}"
        for action in ("check", "publish"):
            deadline = time.monotonic() + 120
            while (state := client.get(job).json())["state"] in ("checking", "publishing"):
                assert time.monotonic() < deadline, state
                time.sleep(0.2)
            if action == "check":
                assert state["state"] == "checked", state["error"]
                assert state["violations"] == [], state
                assert client.post(f"{job}/publish").status_code == 202
        assert state["state"] == "published", state


def wait_for_text(page: Page, selector: str, seconds: float = 120) -> str:
    """The text of `selector` once the page (which reloads itself while it works) shows it."""
    page.wait_for_selector(selector, timeout=seconds * 1000)
    return page.inner_text(selector)


def test_a_coordinator_checks_fixes_publishes_and_restores(served: tuple[str, str],
                                                          tmp_path: Path) -> None:
    base, token = served
    publish_by_script(base, token, EXAMPLE)  # the version in place before today's work
    with chromium() as browser:
        context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
        page = context.new_page()
        # signing in
        page.goto(f"{base}/workspace/")
        assert page.url.startswith(f"{base}/workspace/login")
        assert axe_violations(page) == []
        screenshot(page, "workspace-login-fr")
        page.fill("#name", COORDINATOR[0])
        page.fill("#password", COORDINATOR[1])
        page.click("button[type=submit] >> text=Se connecter")
        page.wait_for_url(f"{base}/workspace/")
        assert "Connecté : coord" in page.inner_text(".workspace-bar")
        assert SOURCE in page.inner_text("table")
        assert axe_violations(page) == []
        screenshot(page, "workspace-home-fr")
        # a workbook with two errors: read in the page, by sheet and column
        page.fill("#source", SOURCE)
        page.set_input_files("#file", str(with_errors(tmp_path / "enquete-2024.xlsx")))
        page.click("button >> text=Vérifier")
        report = wait_for_text(page, "#errors-title")
        assert report == "2 erreur(s)"
        tables = page.inner_text("main")
        assert "Feuille « Acteurs », colonne « RNA »" in tables
        assert BAD_RNA in tables and BAD_TYPE in tables
        assert "W suivi de 9 chiffres ou lettres majuscules" in tables
        assert page.locator("#publish").count() == 0
        assert axe_violations(page) == []
        screenshot(page, "workspace-errors-fr")
        page.click("a.lang")  # the same report in English
        english = page.inner_text("main")
        assert "Sheet 'Acteurs', column 'RNA'" in english
        assert "'Actor type': required; a single value;" in english
        screenshot(page, "workspace-errors-en")
        with page.expect_download() as download:
            page.click("text=Download the annotated workbook")
        assert download.value.suggested_filename == "enquete-2024.report-en.xlsx"
        page.click("#discard")
        page.wait_for_url(f"{base}/workspace/")
        page.goto(f"{base}/workspace/?lang=fr")
        # the corrected file: its preview, then publish
        page.fill("#source", SOURCE)
        page.set_input_files("#file", str(corrected(tmp_path / "enquete-2024.xlsx")))
        page.click("button >> text=Vérifier")
        wait_for_text(page, "#valid")
        rows = {page.inner_text(f"table.difference tbody tr:nth-child({n}) th"):
                page.locator(f"table.difference tbody tr:nth-child({n}) td") for n in (1, 2, 3)}
        assert [rows[kind].first.inner_text() for kind in ("Ajoutées", "Modifiées", "Retirées")
                ] == ["0", "1", "0"]
        changed = rows["Modifiées"].last.inner_text()
        assert RENAMED in changed and "propriétés modifiées : name" in changed
        assert axe_violations(page) == []
        screenshot(page, "workspace-preview-fr")
        page.click("#publish")
        assert "est remplacée" in wait_for_text(page, "#published")
        screenshot(page, "workspace-published-fr")
        # the public side shows it
        public = context.new_page()
        public.goto(f"{base}{FIRST_ACTOR_PATH}?lang=fr")
        assert RENAMED in public.inner_text("main")
        screenshot(public, "workspace-public-after-publish")
        # a page of another site posts a form to the workspace: refused, nothing changes
        evil = context.new_page()
        evil.set_content(f'<form method="post" action="{base}/workspace/sources/withdraw">'
                         f'<input name="source" value="{SOURCE}"></form>')
        with evil.expect_navigation() as forged:
            evil.evaluate("document.forms[0].submit()")
        assert forged.value is not None and forged.value.status == 403
        # the history: restore the previous version in one step
        page.goto(f"{base}/workspace/sources/{SOURCE}")
        assert page.locator("button.restore").count() == 1
        screenshot(page, "workspace-history-fr")
        page.click("button.restore")
        assert "restaurée" in wait_for_text(page, "#done")
        assert axe_violations(page) == []
        screenshot(page, "workspace-restored-fr")
        public.goto(f"{base}{FIRST_ACTOR_PATH}?lang=fr")
        shown = public.inner_text("main")
        assert FIRST_ACTOR_NAME in shown and RENAMED not in shown
        # signing out
        page.click("#sign-out")
        page.wait_for_url(f"{base}/workspace/login")
        page.goto(f"{base}/workspace/")
        assert page.url.startswith(f"{base}/workspace/login")
        # an admin's page of accounts
        page.fill("#name", ADMIN[0])
        page.fill("#password", ADMIN[1])
        page.click("button[type=submit] >> text=Se connecter")
        page.wait_for_url(f"{base}/workspace/")
        page.click("a >> text=Comptes")
        assert "reseau-a/: load, replace, restrict, withdraw" in page.inner_text("table")
        assert axe_violations(page) == []
        screenshot(page, "workspace-accounts-fr")
    # three versions kept, each attributed to the coordinator
    versions = httpx.get(f"{base}/workspace/sources/{SOURCE}", timeout=30,
                         headers={"Authorization": f"Bearer {token}"}).text
    assert html.unescape(versions).count(COORDINATOR[0]) >= 3
