"""Who may do what: anonymous visitors reach nothing, coordinators only their sources, and
a form posted from another site is refused."""

from __future__ import annotations

import html
import re

from fastapi.routing import APIRoute

from api.workspace.application import workspace_app
from api.workspace.web import csrf_protected

from .conftest import COORDINATOR, NEIGHBOUR, OTHER_PREFIX, Workspace, csrf_of
from .workbooks import EXAMPLE

# the only routes an anonymous visitor may use: the sign-in page and its form
PUBLIC = {("GET", "/workspace/login"), ("POST", "/workspace/login")}


def _routes(workspace: Workspace) -> list[tuple[str, str]]:
    """Every (method, path) of the workspace application, path parameters filled in."""
    found = []
    for route in workspace_app(workspace.app.app).routes:
        assert isinstance(route, APIRoute), route
        # each checks the CSRF token of its unsafe requests
        assert csrf_protected in [d.call for d in route.dependant.dependencies], route.path
        path = re.sub(r"\{[^}]+\}", "x", route.path)
        found += [(method, path) for method in sorted(route.methods or ()) if method != "HEAD"]
    return found


def test_an_anonymous_visitor_reaches_no_workspace_page_or_action(workspace: Workspace) -> None:
    routes = _routes(workspace)
    assert len(routes) >= 14  # pages and actions; a new route is checked the day it is added
    app = workspace.app
    for method, path in routes:
        if (method, path) in PUBLIC:
            continue
        if method == "GET":
            page = app.get(path)
            assert page.status_code == 303, (method, path, page.status_code)
            assert page.headers["location"].startswith("/workspace/login?next="), path
            assert app.get(path, headers={"Accept": "application/json"}).status_code == 401
        else:
            # with a form and its fields, without a session: refused before any work
            sent = app.request(method, path, data={"source": "reseau-a/x", "csrftoken": "x",
                                                   "name": "x", "password": "x" * 12})
            assert sent.status_code in (401, 403), (method, path, sent.status_code)
            by_token = app.request(method, path, headers={"Authorization": "Bearer tsr_forged"})
            assert by_token.status_code == 401, (method, path, by_token.status_code)
    assert not (workspace.folder / "uploads").exists() or not any(
        (workspace.folder / "uploads").iterdir())


def test_a_coordinator_cannot_touch_a_source_outside_their_rights(workspace: Workspace) -> None:
    app = workspace.app
    # the neighbour publishes a source of theirs
    assert workspace.sign_in(*NEIGHBOUR).status_code == 303
    theirs = OTHER_PREFIX + "annuaire"
    job = workspace.upload(EXAMPLE, theirs).headers["location"]
    assert workspace.wait(job)["state"] == "checked"
    assert workspace.form(job + "/publish", {}, page=job).status_code == 303
    assert workspace.wait(job)["state"] == "published"
    version = app.app.state.workspace.history.versions(theirs)[0].id
    # without the right `restrict`, the neighbour cannot publish a source as restricted
    hidden = workspace.upload(EXAMPLE, OTHER_PREFIX + "cachee", restricted="1")
    hidden_job = hidden.headers["location"]
    assert workspace.wait(hidden_job)["state"] == "checked"
    refused = workspace.form(hidden_job + "/publish", {}, page=hidden_job)
    assert refused.status_code == 403 and "« restrict »" in html.unescape(refused.text)
    workspace.sign_out()
    # the coordinator of reseau-a/ may not upload, restore, withdraw or read it
    assert workspace.sign_in(*COORDINATOR).status_code == 303
    refused = workspace.upload(EXAMPLE, theirs)
    assert refused.status_code == 403
    assert "n'a pas le droit « load » sur la source « reseau-b/annuaire »" in html.unescape(refused.text)
    assert workspace.upload(EXAMPLE, "reseau-ab/x").status_code == 403  # a prefix is a folder
    assert workspace.form("/workspace/sources/restore",
                          {"source": theirs, "version": version}).status_code == 403
    assert workspace.form("/workspace/sources/withdraw", {"source": theirs}).status_code == 403
    assert app.get(f"/workspace/sources/{theirs}").status_code == 403
    assert app.get(job).status_code == 400  # another account's upload does not exist for them
    assert workspace.form(job + "/publish", {}).status_code == 400
    assert app.get("/workspace/accounts").status_code == 403  # admins only
    assert theirs not in app.get("/workspace/").text
    # nothing changed
    assert app.app.state.workspace.history.versions(theirs)[0].id == version
    assert app.get("/id/actor/siren-810079194", headers={"Accept": "text/html"}).status_code == 200


def test_a_forged_cross_site_form_post_is_refused(workspace: Workspace) -> None:
    app = workspace.app
    assert workspace.sign_in(*COORDINATOR).status_code == 303
    source = "reseau-a/cible"
    job = workspace.upload(EXAMPLE, source).headers["location"]
    workspace.wait(job)
    assert workspace.form(job + "/publish", {}, page=job).status_code == 303
    assert workspace.wait(job)["state"] == "published"
    token = csrf_of(app.get("/workspace/"))
    # the session cookie rides along (as a browser without SameSite would send it), but the
    # forged form cannot know the page's token
    for forged in ({"source": source}, {"source": source, "csrftoken": "guessed"}):
        sent = app.post("/workspace/sources/withdraw", data=forged)
        assert sent.status_code == 403, forged
        assert "CSRF check failed" in sent.text
    # the right token, sent by a page of another site (the browser says so)
    sent = app.post("/workspace/sources/withdraw", data={"source": source, "csrftoken": token},
                    headers={"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"})
    assert sent.status_code == 403
    # a multipart upload without the token
    sent = app.post("/workspace/uploads", data={"source": source},
                    files={"file": (EXAMPLE.name, EXAMPLE.read_bytes())})
    assert sent.status_code == 403
    assert app.get("/id/actor/siren-810079194", headers={"Accept": "text/html"}).status_code == 200
    # the same form from the workspace's own page goes through
    assert workspace.form("/workspace/sources/withdraw", {"source": source}).status_code == 303
