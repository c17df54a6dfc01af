"""Fixtures of the workspace tests: an app in-process with accounts, and a signed-in client."""

from __future__ import annotations

import re
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.workspace.accounts import ALL_RIGHTS, Accounts, Right, open_accounts
from store import Settings
from tests.api.conftest import AppClient, api_settings

from ..servers import served_app

COORDINATOR = ("coord", "coordinator passphrase")
NEIGHBOUR = ("voisin", "neighbour passphrase")
ADMIN = ("root", "administrator passphrase")
PREFIX = "reseau-a/"
OTHER_PREFIX = "reseau-b/"


def csrf_of(page: httpx.Response) -> str:
    found = re.search(r'name="csrftoken" value="([^"]+)"', page.text)
    assert found, f"no CSRF field in {page.url}"
    return found.group(1)


def make_accounts(accounts: Accounts) -> None:
    accounts.add(*COORDINATOR, grants={PREFIX: ALL_RIGHTS})
    accounts.add(*NEIGHBOUR, grants={OTHER_PREFIX: {Right.load, Right.replace}})
    accounts.add(*ADMIN, admin=True)


class Workspace:
    """The app in-process, and helpers to act as a signed-in coordinator."""

    def __init__(self, app: AppClient, folder: Path) -> None:
        self.app = app
        self.folder = folder

    def sign_in(self, name: str, password: str) -> httpx.Response:
        page = self.app.get("/workspace/login")
        return self.app.post("/workspace/login", data={
            "csrftoken": csrf_of(page), "name": name, "password": password,
            "next": "/workspace/"})

    def sign_out(self) -> None:
        home = self.app.get("/workspace/")
        if home.status_code == 200:
            self.app.post("/workspace/logout", data={"csrftoken": csrf_of(home)})
        self.app.client.cookies.clear()

    def form(self, path: str, data: dict[str, str], page: str = "/workspace/",
             **kwargs: Any) -> httpx.Response:
        token = csrf_of(self.app.get(page))
        return self.app.post(path, data={"csrftoken": token, **data}, **kwargs)

    def upload(self, file: Path, source: str, **data: str) -> httpx.Response:
        return self.form("/workspace/uploads", {"source": source, **data},
                         files={"file": (file.name, file.read_bytes())})

    def wait(self, job_path: str, seconds: float = 120) -> dict[str, Any]:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            state: dict[str, Any] = self.app.get(
                job_path, headers={"Accept": "application/json"}).json()
            if state["state"] not in ("checking", "publishing"):
                return state
            time.sleep(0.2)
        raise AssertionError(f"{job_path} still busy after {seconds} s")


@pytest.fixture(scope="session")
def made_accounts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The accounts of `make_accounts`, made once (each password hash costs a third of a
    second by design); each workspace starts from a copy of the file."""
    folder = tmp_path_factory.mktemp("accounts")
    accounts = open_accounts(api_settings(workspace_dir=str(folder)))
    make_accounts(accounts)
    accounts.close()
    return folder / "accounts.sqlite"


@pytest.fixture
def workspace(tmp_path: Path, made_accounts: Path) -> Iterator[Workspace]:
    settings = api_settings(workspace_dir=str(tmp_path / "workspace"))
    (tmp_path / "workspace").mkdir()
    shutil.copyfile(made_accounts, tmp_path / "workspace" / made_accounts.name)
    app = AppClient(settings, data=False)
    try:
        yield Workspace(app, tmp_path / "workspace")
    finally:
        app.close()


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """`tsr serve` on an empty disk store with one coordinator; yields (URL, their token)."""
    location = tmp_path / "store"
    accounts = open_accounts(Settings(store=str(location)))
    accounts.add(*COORDINATOR, grants={PREFIX: ALL_RIGHTS})
    accounts.add(*ADMIN, admin=True)
    token = accounts.new_token(COORDINATOR[0], "script")
    accounts.close()
    with served_app(location) as server:
        yield server.base, token
