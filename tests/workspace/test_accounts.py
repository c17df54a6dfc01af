"""Accounts: argon2 hashes only, the `tsr user` commands, sessions, cookies and API tokens."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from argon2 import PasswordHasher

from api.workspace.accounts import Accounts, Right
from tests.api.conftest import AppClient, api_settings

from .conftest import ADMIN, COORDINATOR, Workspace, csrf_of

TSR = str(Path(sys.executable).with_name("tsr"))


def test_only_an_argon2_hash_of_the_password_is_stored(tmp_path: Path) -> None:
    database = tmp_path / "accounts.sqlite"
    accounts = Accounts(database)
    password = "correct horse battery staple"
    accounts.add("alice", password, grants={"reseau-a/": {Right.load}})
    accounts.close()
    written = b"".join(p.read_bytes() for p in tmp_path.iterdir())
    assert password.encode() not in written
    import sqlite3

    [(stored,)] = sqlite3.connect(database).execute("SELECT password_hash FROM accounts")
    assert stored.startswith("$argon2id$")
    assert PasswordHasher().verify(stored, password)
    accounts = Accounts(database)
    assert accounts.verify("alice", password) is not None
    assert accounts.verify("alice", password + "!") is None
    assert accounts.verify("nobody", password) is None
    token = accounts.new_token("alice")
    assert token.encode() not in b"".join(p.read_bytes() for p in tmp_path.iterdir())
    assert accounts.token_account(token).name == "alice"  # type: ignore[union-attr]


def _tsr(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([TSR, *args], input=stdin, capture_output=True, text=True,
                          timeout=60)


def test_tsr_user_add_list_disable(tmp_path: Path) -> None:
    store = ["--store", str(tmp_path / "store")]
    added = _tsr("user", "add", "alice", "--grant", "reseau-a/=load,replace",
                 "--password-stdin", *store, stdin="a long passphrase\n")
    assert added.returncode == 0, added.stderr
    assert added.stderr.strip() == "alice: account added (reseau-a/=load,replace)"
    assert _tsr("user", "add", "root", "--admin", "--password-stdin", *store,
                stdin="another passphrase\n").returncode == 0
    listed = _tsr("user", "list", *store)
    assert listed.stdout.splitlines() == ["alice\tactive\treseau-a/=load,replace",
                                          "root\tactive\tadmin"]
    assert _tsr("user", "disable", "alice", *store).returncode == 0
    assert _tsr("user", "list", *store).stdout.splitlines()[0] == "alice\tdisabled\treseau-a/=load,replace"
    # mistakes: one line, exit code 2
    unknown = _tsr("user", "disable", "bob", *store)
    assert (unknown.returncode, unknown.stderr) == (2, "tsr: error: no account named 'bob'\n")
    short = _tsr("user", "add", "carol", "--password-stdin", *store, stdin="short\n")
    assert short.returncode == 2
    assert short.stderr == "tsr: error: a password needs at least 10 characters\n"
    bad_right = _tsr("user", "add", "dave", "--grant", "x/=read", "--password-stdin", *store,
                     stdin="a long passphrase\n")
    assert bad_right.returncode == 2 and "unknown right 'read'" in bad_right.stderr
    # the accounts live beside the store, never in it
    assert (tmp_path / "store.workspace" / "accounts.sqlite").is_file()
    assert not (tmp_path / "store").exists()


def test_sign_in_sign_out_and_a_disabled_account(workspace: Workspace) -> None:
    app = workspace.app
    refused = workspace.sign_in(COORDINATOR[0], "wrong password!")
    assert refused.status_code == 401
    assert "Nom de compte ou mot de passe incorrect." in refused.text
    signed = workspace.sign_in(*COORDINATOR)
    assert (signed.status_code, signed.headers["location"]) == (303, "/workspace/")
    cookie = signed.headers["set-cookie"].lower()
    for flag in ("httponly", "samesite=lax", "path=/workspace"):
        assert flag in cookie
    assert "secure" not in cookie  # http://testserver
    home = app.get("/workspace/")
    assert home.status_code == 200 and "Connecté : coord" in home.text
    # an admin disables the account: its session ends at once
    from api.workspace.accounts import open_accounts

    accounts = open_accounts(app.app.state.settings)
    accounts.set_active(COORDINATOR[0], False)
    gone = app.get("/workspace/")
    assert (gone.status_code, gone.headers["location"]) == (303, "/workspace/login?next=/workspace/")
    assert workspace.sign_in(*COORDINATOR).status_code == 401
    accounts.set_active(COORDINATOR[0], True)
    assert workspace.sign_in(*COORDINATOR).status_code == 303
    home = app.get("/workspace/")
    out = app.post("/workspace/logout", data={"csrftoken": csrf_of(home)})
    assert out.status_code == 303
    assert app.get("/workspace/").status_code == 303


def test_cookies_are_secure_over_https(tmp_path: Path) -> None:
    settings = api_settings(workspace_dir=str(tmp_path / "ws"),
                            public_url="https://data.example.org")
    app = AppClient(settings, data=False)
    try:
        page = app.get("/workspace/login")
        assert "secure" in page.headers["set-cookie"].lower().split("; ")
    finally:
        app.close()


def test_api_tokens_of_accounts(workspace: Workspace, tmp_path: Path) -> None:
    from api.workspace.accounts import open_accounts

    accounts = open_accounts(workspace.app.app.state.settings)
    coordinator = {"Authorization": f"Bearer {accounts.new_token(COORDINATOR[0])}"}
    admin = {"Authorization": f"Bearer {accounts.new_token(ADMIN[0])}"}
    app = workspace.app
    # a script uploads with its token, no cookie, no CSRF field
    from .workbooks import EXAMPLE

    sent = app.post("/workspace/uploads", data={"source": "reseau-a/script"},
                    files={"file": (EXAMPLE.name, EXAMPLE.read_bytes())},
                    headers={**coordinator, "Accept": "application/json"})
    assert sent.status_code == 202, sent.text
    assert sent.json()["state"] == "checking"
    # an admin's token writes as the write token does; a coordinator's does not
    update = "INSERT DATA { GRAPH <urn:x:g> { <urn:x:s> <urn:x:p> 1 } }"
    assert app.post("/sparql", data={"update": update}, headers=admin).status_code in (200, 204)
    assert app.post("/sparql", data={"update": update}, headers=coordinator).status_code == 403
    assert app.get("/workspace/", headers={"Authorization": "Bearer tsr_nonsense",
                                           "Accept": "application/json"}).status_code == 401
    # the old single write token keeps working
    assert app.post("/sparql", data={"update": update},
                    headers={"Authorization": "Bearer write-secret"}).status_code in (200, 204)


def test_the_accounts_page_is_for_admins(workspace: Workspace) -> None:
    app = workspace.app
    assert workspace.sign_in(*ADMIN).status_code == 303
    page = app.get("/workspace/accounts")
    assert page.status_code == 200 and "voisin" in page.text
    added = workspace.form("/workspace/accounts", {
        "name": "nouveau", "password": "a new passphrase", "grants": "reseau-c/=load,replace"},
        page="/workspace/accounts")
    assert added.status_code == 200 and "Compte « nouveau » ajouté." in added.text
    token_page = workspace.form("/workspace/accounts/token", {"name": "nouveau"},
                                page="/workspace/accounts")
    token = re.search(r'id="new-token">([^<]+)<', token_page.text)
    assert token is not None
    disabled = workspace.form("/workspace/accounts/active", {"name": "nouveau", "active": "0"},
                              page="/workspace/accounts")
    assert disabled.status_code == 200
    from api.workspace.accounts import open_accounts

    accounts = open_accounts(app.app.state.settings)
    found = accounts.get("nouveau")
    assert found is not None and not found.active
    assert found.grants == {"reseau-c/": frozenset({Right.load, Right.replace})}
    assert accounts.token_account(token.group(1)) is None  # disabled: its token stops too
    myself = workspace.form("/workspace/accounts/active", {"name": ADMIN[0], "active": "0"},
                            page="/workspace/accounts")
    assert myself.status_code == 400 and accounts.get(ADMIN[0]).active  # type: ignore[union-attr]
    workspace.sign_out()
    assert workspace.sign_in(*COORDINATOR).status_code == 303
    assert app.get("/workspace/accounts").status_code == 403
    assert workspace.form("/workspace/accounts", {"name": "intrus", "password": "x" * 12,
                                                  "admin": "1"}).status_code == 403
    assert accounts.get("intrus") is None


# Real processes (servers, the CLI, a browser) or stores loaded for the module: out of the
# edit-test loop, `pytest -m "not slow"`; CI runs every test
pytestmark = pytest.mark.slow
