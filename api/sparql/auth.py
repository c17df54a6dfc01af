"""The write token: SPARQL Update and the Graph Store Protocol need it."""

from __future__ import annotations

from fastapi import Request

from ..deps import admin_token, bearer_token, get_settings_of, token_matches
from .errors import ProtocolError

CHALLENGE = 'Bearer realm="tsr-observatory"'


def require_write_token(request: Request) -> None:
    """401 (with WWW-Authenticate) without a token, 403 with a token that is not the write one."""
    token = bearer_token(request)
    if token is None:
        raise ProtocolError(
            401, "this operation changes the data: send the write token as "
            "'Authorization: Bearer <token>'", {"WWW-Authenticate": CHALLENGE})
    settings = get_settings_of(request)
    if admin_token(request, token):  # a workspace admin's API token
        return
    if settings.write_token is None:
        raise ProtocolError(403, "writes are disabled on this server (no write token is set)")
    if not token_matches(token, settings.write_token):
        raise ProtocolError(403, "this token does not allow writes",
                            {"WWW-Authenticate": CHALLENGE + ', error="insufficient_scope"'})
