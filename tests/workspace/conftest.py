"""Fixtures of the workspace tests: an app in-process with accounts, and a signed-in client."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.workspace.accounts import ALL_RIGHTS, Accounts, Right, open_accounts
from store import Settings
from tests.api.conftest import AppClient, api_settings

from ..servers import free_port, stop, wait_for

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


@pytest.fixture
def workspace(tmp_path: Path) -> Iterator[Workspace]:
    settings = api_settings(workspace_dir=str(tmp_path / "workspace"))
    accounts = open_accounts(settings)
    make_accounts(accounts)
    accounts.close()
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
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TSR_")}
    tsr = str(Path(sys.executable).with_name("tsr"))
    process = subprocess.Popen([tsr, "serve", "--store", str(location), "--port", str(port)],
                               env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(f"{base}/health", process)
        yield base, token
    finally:
        stop(process)
