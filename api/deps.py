"""Request-scoped helpers every router uses: the store, who the reader is, what it may see."""

from __future__ import annotations

import hmac
from collections.abc import Callable

from fastapi import Request

from store import Settings, Store

# the workspace's check of an admin's API token (registered on the app's state)
AdminCheck = Callable[[str], bool]


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
    return sees_restricted(get_settings_of(request), bearer_token(request), admin_check(request))


def sees_restricted(settings: Settings, token: str | None, admin: AdminCheck | None) -> bool:
    """`may_see_restricted` for a bearer `token` (`admin`: the workspace's check of its
    admins' tokens, if any)."""
    if token_matches(token, settings.read_token) or token_matches(token, settings.write_token):
        return True
    return is_admin(token, admin)


def admin_check(request: Request) -> AdminCheck | None:
    """The workspace's check of an admin's API token (it registers it on the app's state;
    these act as the write and read tokens do), or None without a workspace."""
    check: AdminCheck | None = getattr(request.app.state, "admin_token", None)
    return check


def admin_token(request: Request, token: str | None) -> bool:
    """Is `token` a workspace admin's API token?"""
    return is_admin(token, admin_check(request))


def is_admin(token: str | None, admin: AdminCheck | None) -> bool:
    return token is not None and admin is not None and bool(admin(token))
