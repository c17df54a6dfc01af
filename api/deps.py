"""Request-scoped helpers every router uses: the store, who the reader is, what it may see."""

from __future__ import annotations

import hmac

from fastapi import Request
from pyoxigraph import NamedNode

from store import Settings, Store
from store.access import visible_graphs
from store.namespaces import DataIris


def get_store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def get_settings_of(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def token_matches(given: str | None, expected: object) -> bool:
    """Constant-time comparison with a SecretStr setting; False when either is unset."""
    if given is None or expected is None:
        return False
    secret = expected.get_secret_value()  # type: ignore[attr-defined]
    return hmac.compare_digest(given.encode(), secret.encode())


def may_see_restricted(request: Request) -> bool:
    """The read token (or the write token, or a workspace admin's API token) shows
    restricted sources."""
    settings = get_settings_of(request)
    token = bearer_token(request)
    if token_matches(token, settings.read_token) or token_matches(token, settings.write_token):
        return True
    return admin_token(request, token)


def admin_token(request: Request, token: str | None) -> bool:
    """Is `token` a workspace admin's API token? (The workspace registers the check on the
    app's state; these act as the write and read tokens do.)"""
    check = getattr(request.app.state, "admin_token", None)
    return token is not None and check is not None and bool(check(token))


def reader_graphs(request: Request) -> list[NamedNode]:
    """The named graphs this request may read: the public ones, or all with a read token."""
    settings = get_settings_of(request)
    return visible_graphs(get_store(request), DataIris(settings.base_iri),
                          include_restricted=may_see_restricted(request))
