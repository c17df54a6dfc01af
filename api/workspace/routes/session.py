"""Sign in and sign out; the workspace's home page; the blank templates."""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

from fastapi import APIRouter, Form, Request
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.responses import FileResponse, RedirectResponse, Response

from ingest.mapping_spec import bundled_mappings
from ingest.sources import list_sources
from store.namespaces import DataIris

from ..pages import Translator, page_language, render
from ..web import PROTECTED, SignedIn, workspace

router = APIRouter(dependencies=PROTECTED)
# sign-in attempts are slowed down a little (argon2 already costs ~50 ms each)
_FAILED_DELAY = 0.5


def _safe_next(target: str) -> str:
    """Only a workspace path: never an address elsewhere (no open redirect)."""
    return target if target.startswith("/workspace") and "//" not in target else "/workspace/"


@router.get("/workspace/login")
async def login_page(request: Request, next: str = "/workspace/") -> Response:
    t = Translator(page_language(request))
    return render(request, "login.html", title=t("ws.login_title"), next=_safe_next(next),
                  failed=False)


@router.post("/workspace/login")
async def login(request: Request, name: str = Form(...), password: str = Form(...),
                next: str = Form("/workspace/")) -> Response:
    accounts = workspace(request).accounts
    account = await run_in_threadpool(accounts.verify, name.strip(), password)
    if account is None:
        await asyncio.sleep(_FAILED_DELAY)
        t = Translator(page_language(request))
        return render(request, "login.html", title=t("ws.login_title"),
                      next=_safe_next(next), failed=True, status_code=401)
    request.session.clear()
    request.session.update({"account": account.name, "version": account.session_version})
    return RedirectResponse(_safe_next(next), status_code=303)


@router.post("/workspace/logout")
async def logout(request: Request, account: SignedIn) -> Response:
    request.session.clear()
    return RedirectResponse("/workspace/login", status_code=303)


@router.get("/workspace")
@router.get("/workspace/")
def home(request: Request, account: SignedIn) -> Response:
    ws = workspace(request)
    sources = [s for s in list_sources(ws.store, DataIris(ws.settings.base_iri))
               if account.may_any(s.name)]
    prefixes = account.prefixes
    suggested = next((p for p in prefixes if p.endswith("/")), "")
    t = Translator(page_language(request))
    return render(request, "home.html", title=t("ws.home_title"), account=account,
                  sources=sources, prefixes=prefixes, suggested=suggested,
                  mappings=bundled_mappings(), jobs=ws.jobs.of(account.name))


@router.get("/workspace/template.{fmt}")
def template(request: Request, account: SignedIn, fmt: str, template_lang: str = "fr") -> Response:
    from ingest.template import write_template

    if fmt not in ("xlsx", "ods") or template_lang not in ("fr", "en"):
        return Response(status_code=404)
    folder = Path(tempfile.mkdtemp(prefix="tsr-template-"))
    name = ("modele-observatoire-tsr" if template_lang == "fr" else "tsr-observatory-template")
    path = folder / f"{name}.{fmt}"
    write_template(path, template_lang)
    return FileResponse(path, filename=path.name,
                        background=BackgroundTask(_remove, folder))


def _remove(folder: Path) -> None:
    import shutil

    shutil.rmtree(folder, ignore_errors=True)
