"""Coordinators' accounts, their rights on sources, and their API tokens.

Kept in a SQLite file of the workspace folder (beside the store, see `workspace_folder`),
not in the graph: everything in the graph can reach the public through /sparql and the
dumps unless a rule hides it, and a password hash or a token must never be one mistaken
query away. SQLite is in the standard library, transactional, and several processes may
use one file (`tsr user add` while `tsr serve` runs).

Passwords are stored only as argon2id hashes (argon2-cffi); API tokens only as SHA-256
digests (a token is 32 random bytes: no dictionary can guess it, so a slow hash buys
nothing and would cost every scripted request).

Rights are granted on a source name or a prefix of names: `reseau-a/` covers every source
whose name starts with it, `reseau-a/projets` that source (and `reseau-a/projets/...`),
`*` every source. Admins have every right on every source and manage the accounts.

>>> accounts = Accounts(":memory:")
>>> _ = accounts.add("alice", "a long passphrase", grants={"reseau-a/": {Right.load}})
>>> accounts.verify("alice", "a long passphrase").may(Right.load, "reseau-a/projets")
True
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import secrets
import sqlite3
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from store.rdf_files import BadInputError
from store.settings import Settings

MIN_PASSWORD = 10
_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,62}$")
_HASHER = PasswordHasher()
# a hash of a password nobody has, verified when the account does not exist, so that a
# wrong name takes as long as a wrong password (no telling which names exist)
_DUMMY_HASH = _HASHER.hash(secrets.token_hex(16))


class Right(Enum):
    load = "load"          # publish a source that does not exist yet
    replace = "replace"    # publish over an existing source, restore a previous version
    withdraw = "withdraw"  # remove a source
    restrict = "restrict"  # publish a source as restricted (not public), or lift that


ALL_RIGHTS = frozenset(Right)


def covers(prefix: str, source: str) -> bool:
    """Does a grant on `prefix` cover the source named `source`?

    >>> covers("reseau-a/", "reseau-a/projets"), covers("reseau-a", "reseau-a/projets")
    (True, True)
    >>> covers("reseau-a", "reseau-ab/projets"), covers("*", "x")
    (False, True)
    """
    if prefix == "*" or source == prefix:
        return True
    return source.startswith(prefix if prefix.endswith("/") else prefix + "/")


@dataclass(frozen=True)
class Account:
    name: str
    admin: bool
    active: bool
    grants: Mapping[str, frozenset[Right]] = field(default_factory=dict)
    session_version: int = 0

    def may(self, right: Right, source: str) -> bool:
        if not self.active:
            return False
        if self.admin:
            return True
        return any(right in rights and covers(prefix, source)
                   for prefix, rights in self.grants.items())

    def may_any(self, source: str) -> bool:
        return any(self.may(right, source) for right in Right)

    @property
    def prefixes(self) -> list[str]:
        return ["*"] if self.admin else sorted(self.grants)


def parse_grant(text: str) -> tuple[str, frozenset[Right]]:
    """`PREFIX=load,replace` (or `PREFIX` alone: every right) as given to `tsr user add`."""
    prefix, _, listed = text.partition("=")
    prefix = prefix.strip()
    if not prefix:
        raise BadInputError(f"grant {text!r}: give a source name or prefix, e.g. reseau-a/=load")
    if not listed.strip():
        return prefix, ALL_RIGHTS
    rights = set()
    for word in listed.split(","):
        try:
            rights.add(Right(word.strip()))
        except ValueError:
            known = ", ".join(r.value for r in Right)
            raise BadInputError(f"grant {text!r}: unknown right {word.strip()!r} "
                                f"(rights: {known})") from None
    return prefix, frozenset(rights)


_SCHEMA = """
CREATE TABLE IF NOT EXISTS accounts (
    name TEXT PRIMARY KEY,
    password_hash TEXT NOT NULL,
    admin INTEGER NOT NULL DEFAULT 0,
    active INTEGER NOT NULL DEFAULT 1,
    session_version INTEGER NOT NULL DEFAULT 0,
    grants TEXT NOT NULL DEFAULT '{}',
    created TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS tokens (
    digest TEXT PRIMARY KEY,
    account TEXT NOT NULL REFERENCES accounts(name),
    label TEXT NOT NULL,
    created TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS secrets (name TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


def _now() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Accounts:
    """The accounts database (one SQLite file; `:memory:` for a throw-away one)."""

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        # one connection shared by the server's threads, under a lock: SQLite calls are
        # short, and a connection per thread would hold the file open many times
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._lock = threading.Lock()
        with self._lock:
            self._db.execute("PRAGMA busy_timeout = 5000")
            if self.path != ":memory:":
                self._db.execute("PRAGMA journal_mode = WAL")
            self._db.executescript(_SCHEMA)
        if self.path != ":memory:":
            Path(self.path).chmod(0o600)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # -- accounts --------------------------------------------------------------------------
    def add(self, name: str, password: str, *, admin: bool = False,
            grants: Mapping[str, Iterable[Right]] | None = None) -> Account:
        if not _NAME.match(name):
            raise BadInputError(f"account name {name!r}: 2 to 63 lower-case letters, digits, "
                                "'.', '_' or '-', starting with a letter or digit")
        _check_password(password)
        stored = {prefix: sorted(Right(r).value for r in rights)
                  for prefix, rights in (grants or {}).items()}
        with self._lock:
            try:
                self._db.execute(
                    "INSERT INTO accounts (name, password_hash, admin, grants, created) "
                    "VALUES (?, ?, ?, ?, ?)",
                    (name, _HASHER.hash(password), int(admin), json.dumps(stored), _now()))
            except sqlite3.IntegrityError:
                raise BadInputError(f"an account named {name!r} exists already") from None
        found = self.get(name)
        assert found is not None
        return found

    def get(self, name: str) -> Account | None:
        with self._lock:
            row = self._db.execute(
                "SELECT name, admin, active, grants, session_version FROM accounts "
                "WHERE name = ?", (name,)).fetchone()
        return _account(row) if row else None

    def all(self) -> list[Account]:
        with self._lock:
            rows = self._db.execute(
                "SELECT name, admin, active, grants, session_version FROM accounts "
                "ORDER BY name").fetchall()
        return [_account(row) for row in rows]

    def verify(self, name: str, password: str) -> Account | None:
        """The active account with this name and password, else None (same time either way)."""
        with self._lock:
            row = self._db.execute("SELECT password_hash FROM accounts WHERE name = ?",
                                   (name,)).fetchone()
        stored = row[0] if row else _DUMMY_HASH
        try:
            _HASHER.verify(stored, password)
        except (VerificationError, InvalidHashError):
            return None
        if row is None:
            return None
        if _HASHER.check_needs_rehash(stored):
            with self._lock:
                self._db.execute("UPDATE accounts SET password_hash = ? WHERE name = ?",
                                 (_HASHER.hash(password), name))
        account = self.get(name)
        return account if account is not None and account.active else None

    def set_active(self, name: str, active: bool) -> Account:
        """Disable (or enable again) an account; disabling ends its sessions and tokens
        refuse it (they are kept, and work again if it is enabled)."""
        with self._lock:
            changed = self._db.execute(
                "UPDATE accounts SET active = ?, session_version = session_version + 1 "
                "WHERE name = ?", (int(active), name)).rowcount
        if not changed:
            raise BadInputError(f"no account named {name!r}")
        found = self.get(name)
        assert found is not None
        return found

    def set_password(self, name: str, password: str) -> None:
        _check_password(password)
        with self._lock:
            changed = self._db.execute(
                "UPDATE accounts SET password_hash = ?, session_version = session_version + 1 "
                "WHERE name = ?", (_HASHER.hash(password), name)).rowcount
        if not changed:
            raise BadInputError(f"no account named {name!r}")

    def grant(self, name: str, prefix: str, rights: Iterable[Right]) -> Account:
        """Set the rights of `name` on `prefix` (an empty set removes the grant)."""
        account = self.get(name)
        if account is None:
            raise BadInputError(f"no account named {name!r}")
        grants = {p: sorted(r.value for r in rs) for p, rs in account.grants.items()}
        wanted = sorted(Right(r).value for r in rights)
        if wanted:
            grants[prefix] = wanted
        else:
            grants.pop(prefix, None)
        with self._lock:
            self._db.execute("UPDATE accounts SET grants = ? WHERE name = ?",
                             (json.dumps(grants), name))
        found = self.get(name)
        assert found is not None
        return found

    # -- API tokens --------------------------------------------------------------------------
    def new_token(self, name: str, label: str = "") -> str:
        """A new API token for `name`, shown once; only its digest is kept."""
        if self.get(name) is None:
            raise BadInputError(f"no account named {name!r}")
        token = "tsr_" + secrets.token_urlsafe(32)
        with self._lock:
            self._db.execute("INSERT INTO tokens (digest, account, label, created) "
                             "VALUES (?, ?, ?, ?)", (_digest(token), name, label, _now()))
        return token

    def token_account(self, token: str) -> Account | None:
        """The active account a token belongs to, else None."""
        if not token.startswith("tsr_"):
            return None
        with self._lock:
            row = self._db.execute("SELECT account FROM tokens WHERE digest = ?",
                                   (_digest(token),)).fetchone()
        if row is None:
            return None
        account = self.get(row[0])
        return account if account is not None and account.active else None

    def tokens(self, name: str) -> list[tuple[str, str]]:
        """(label, created) of each token of `name`."""
        with self._lock:
            return [(r[0], r[1]) for r in self._db.execute(
                "SELECT label, created FROM tokens WHERE account = ? ORDER BY created",
                (name,))]

    # -- the secret that signs session and CSRF cookies ----------------------------------------
    def signing_secret(self) -> str:
        """Made once and kept, so that sessions outlive a restart of the server."""
        with self._lock:
            self._db.execute("INSERT OR IGNORE INTO secrets (name, value) VALUES (?, ?)",
                             ("session", secrets.token_urlsafe(48)))
            row = self._db.execute("SELECT value FROM secrets WHERE name = 'session'").fetchone()
        return str(row[0])


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise BadInputError(f"a password needs at least {MIN_PASSWORD} characters")


def _account(row: tuple) -> Account:
    name, admin, active, grants, version = row
    parsed = {prefix: frozenset(Right(r) for r in rights)
              for prefix, rights in json.loads(grants).items()}
    return Account(name, bool(admin), bool(active), parsed, int(version))


def workspace_folder(settings: Settings) -> Path:
    """Where the workspace keeps its accounts, uploads and published files: the setting
    `workspace_dir`, else beside an on-disk store (`data/store` -> `data/store.workspace`),
    else `./data/workspace`."""
    if settings.workspace_dir:
        return Path(settings.workspace_dir)
    if settings.backend_kind == "disk":
        store = Path(settings.store).absolute()
        return store.with_name(store.name + ".workspace")
    return Path("data/workspace")


def open_accounts(settings: Settings) -> Accounts:
    return Accounts(workspace_folder(settings) / "accounts.sqlite")
