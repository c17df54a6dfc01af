"""What every workspace route uses: who is asking (session or API token), what they may
do, the CSRF check, and the answers to a refusal."""

from __future__ import annotations

import hmac
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response

from ..deps import bearer_token
from .accounts import Account, Right
from .pages import Translator, page_language, render
from .state import Workspace, workspace_of


class NotSignedIn(Exception):
    """No session (or an ended one) and no valid API token."""


class CsrfFailed(Exception):
    """An unsafe request without the session's CSRF token (a forged cross-site form)."""


class Forbidden(Exception):
    """Signed in, but without the right asked for."""

    def __init__(self, key: str, **values: str) -> None:
        super().__init__(key)
        self.key = key
        self.values = values


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


async def csrf_protected(request: Request) -> None:
    """Every unsafe request of the workspace (a dependency of the whole application, so
    that no route can forget it): a script's API token stands alone (no cookie is read);
    otherwise the form's `csrftoken` must be the one the signed session holds, and a
    browser that says the request comes from another site (Fetch Metadata) is refused."""
    if request.method in SAFE_METHODS or bearer_token(request) is not None:
        return
    if request.headers.get("sec-fetch-site", "same-origin") not in ("same-origin", "none"):
        raise CsrfFailed()
    expected = request.session.get("csrf")
    sent = (await request.form()).get("csrftoken") \
        if request.headers.get("content-type", "").startswith(
            ("application/x-www-form-urlencoded", "multipart/form-data")) else None
    if not isinstance(expected, str) or not isinstance(sent, str) or \
            not hmac.compare_digest(sent.encode(), expected.encode()):
        raise CsrfFailed()


# every router of the workspace is made with these (a test checks each route has them)
PROTECTED = [Depends(csrf_protected)]


async def csrf_failed(request: Request, error: Exception) -> Response:
    return PlainTextResponse(
        "403: this form was not sent from the workspace's own page (CSRF check failed); "
        "reload the page and send it again\n", status_code=403)


def workspace(request: Request) -> Workspace:
    return workspace_of(request.app.state.main)


def signed_in(request: Request) -> Account:
    """The account asking: by its API token when the request carries one (scripts), else
    by the session cookie. A disabled account, or a session older than the account's last
    password change or disabling, is refused."""
    accounts = workspace(request).accounts
    token = bearer_token(request)
    if token is not None:
        account = accounts.token_account(token)
        if account is None:
            raise NotSignedIn()
        return account
    name = request.session.get("account")
    account = accounts.get(name) if isinstance(name, str) else None
    if account is None or not account.active or \
            account.session_version != request.session.get("version"):
        request.session.clear()
        raise NotSignedIn()
    return account


SignedIn = Annotated[Account, Depends(signed_in)]


def require(account: Account, right: Right, source: str) -> None:
    if not account.may(right, source):
        raise Forbidden("ws.forbidden", right=right.value, source=source)


def require_admin(account: Account) -> None:
    if not account.admin:
        raise Forbidden("ws.admin_only")


def wants_json(request: Request) -> bool:
    return "application/json" in request.headers.get("accept", "")


async def not_signed_in(request: Request, error: Exception) -> Response:
    if request.method in ("GET", "HEAD") and not wants_json(request):
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/workspace/login?next={quote(target)}", status_code=303)
    return PlainTextResponse("401: sign in to the workspace first (or send an API token "
                             "as 'Authorization: Bearer <token>')\n", status_code=401,
                             headers={"WWW-Authenticate": 'Bearer realm="tsr-workspace"'})


async def forbidden(request: Request, error: Exception) -> Response:
    assert isinstance(error, Forbidden)
    t = Translator(page_language(request))
    message = t(error.key, **error.values)
    if wants_json(request):
        return PlainTextResponse(f"403: {message}\n", status_code=403)
    return render(request, "message.html", title="403", message=message, status_code=403)


async def bad_input(request: Request, error: Exception) -> Response:
    t = Translator(page_language(request))
    message = t("ws.bad_input", message=str(error))
    if wants_json(request):
        return PlainTextResponse(f"400: {error}\n", status_code=400)
    return render(request, "message.html", title="400", message=message, status_code=400)
