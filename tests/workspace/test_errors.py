"""The workspace answers a client's error and a store's failure as the API does (its
handlers, api/error_pages.py): an unknown page is a 404, a parameter of the wrong form or
missing a 422 in one line, a store's failure the answer of the one table (a remote store
sending garbage: 502), with one log line and never a traceback; a page for a browser,
`{"detail": ...}` for a program."""

from __future__ import annotations

import logging
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from api.workspace.accounts import open_accounts
from tests.api.conftest import NGINX_PAGE, AppClient, api_settings, app_then_answering

from .conftest import COORDINATOR, PREFIX, Workspace

JSON = {"Accept": "application/json"}
BROWSER = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}


def test_a_form_without_a_field_is_a_422_in_one_line(workspace: Workspace) -> None:
    """Before: FastAPI's list of pydantic errors, to a browser too."""
    workspace.sign_in(*COORDINATOR)
    program = workspace.form("/workspace/sources/withdraw", {}, headers=JSON)
    assert program.status_code == 422
    assert program.json() == {"detail": "source: Field required"}
    browser = workspace.form("/workspace/sources/withdraw", {}, headers=BROWSER)
    assert browser.status_code == 422
    assert browser.headers["content-type"].startswith("text/html")
    assert "source: Field required" in browser.text


def test_an_unknown_page_is_a_404_page_for_a_browser(workspace: Workspace) -> None:
    """As the API answers (before: FastAPI's JSON to a browser too)."""
    page = workspace.app.get("/workspace/nothing-here", headers=BROWSER)
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert "404" in page.text
    program = workspace.app.get("/workspace/nothing-here", headers=JSON)
    assert program.status_code == 404 and program.json() == {"detail": "Not Found"}


@pytest.fixture
def on_garbage(tmp_path: Path, made_accounts: Path) -> Iterator[tuple[AppClient, str]]:
    """The app on a remote store whose server now answers HTML pages, and a coordinator's
    API token."""
    folder = tmp_path / "workspace"
    folder.mkdir()
    shutil.copyfile(made_accounts, folder / made_accounts.name)
    accounts = open_accounts(api_settings(workspace_dir=str(folder)))
    token = accounts.new_token(COORDINATOR[0], "script")
    accounts.close()
    for client in app_then_answering(NGINX_PAGE, workspace_dir=str(folder)):
        yield client, token


def test_a_store_failure_is_a_502_in_one_line(on_garbage: tuple[AppClient, str],
                                              caplog: pytest.LogCaptureFixture) -> None:
    """Before: a 500 "Internal Server Error" with a traceback in the log."""
    app, token = on_garbage
    signed = {"Authorization": f"Bearer {token}"}
    path = f"/workspace/sources/{PREFIX}survey"
    with caplog.at_level(logging.INFO):
        response = app.get(path, headers={**signed, **JSON})
    assert response.status_code == 502, response.text
    detail = response.json()["detail"]
    assert detail.startswith("remote store sent unreadable results: Parser error at line 1")
    assert "\n" not in detail
    failures = [record for record in caplog.records if record.name == "uvicorn.error"]
    assert [record.getMessage() for record in failures] == [f"GET {path}: 502 {detail}"]
    assert not any(record.exc_info for record in caplog.records)
    page = app.get(path, headers={**signed, **BROWSER})
    assert page.status_code == 502
    assert page.headers["content-type"].startswith("text/html")
    assert "remote store sent unreadable results" in page.text
