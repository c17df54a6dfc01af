"""The accounts page (admins): add an account, disable or enable one, give it a token."""

from __future__ import annotations

from fastapi import APIRouter, Form, Request
from starlette.responses import Response

from store.rdf_files import BadInputError

from ..accounts import Account, parse_grant
from ..pages import Translator, page_language, render
from ..web import PROTECTED, SignedIn, require_admin, workspace

router = APIRouter(dependencies=PROTECTED)


def _page(request: Request, account: Account, **values: str) -> Response:
    t = Translator(page_language(request))
    return render(request, "accounts.html", title=t("ws.accounts"), account=account,
                  accounts=workspace(request).accounts.all(),
                  new_token=values.get("new_token", ""), done=values.get("done", ""))


@router.get("/workspace/accounts")
def accounts_page(request: Request, account: SignedIn) -> Response:
    require_admin(account)
    return _page(request, account)


@router.post("/workspace/accounts")
def add_account(request: Request, account: SignedIn, name: str = Form(...), password: str = Form(...),
                grants: str = Form(""), admin: str = Form("")) -> Response:
    require_admin(account)
    parsed = dict(parse_grant(g) for g in grants.split())
    added = workspace(request).accounts.add(name.strip(), password, admin=admin == "1",
                                            grants=parsed)
    t = Translator(page_language(request))
    return _page(request, account, done=t("ws.account_added", name=added.name))


@router.post("/workspace/accounts/active")
def set_active(request: Request, account: SignedIn, name: str = Form(...),
               active: str = Form(...)) -> Response:
    require_admin(account)
    if name == account.name and active != "1":
        raise BadInputError("an admin cannot disable their own account here "
                            "(another admin can, or tsr user disable)")
    workspace(request).accounts.set_active(name, active == "1")
    t = Translator(page_language(request))
    return _page(request, account, done=t("ws.account_changed", name=name))


@router.post("/workspace/accounts/token")
def new_token(request: Request, account: SignedIn, name: str = Form(...)) -> Response:
    require_admin(account)
    token = workspace(request).accounts.new_token(name, label=f"page, by {account.name}")
    return _page(request, account, new_token=token)
