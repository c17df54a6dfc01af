"""HEAD on every GET route of the app: the GET's status and headers, no body."""

from __future__ import annotations

import re
import time

import httpx
import pytest
from starlette.routing import Route

from .conftest import READER, AppClient, api_settings

# A value for each path parameter, and the query a route needs to answer 200.
PATH_VALUES = {
    "kind": "actor", "key": "siren-810079194", "id": "siren-810079194",
    "name": "yasgui.min.js", "scheme": "legal-form", "notation": "9220",
}
ATELIER = "https://data.tsr-observatory.org/id/actor/siren-810079194"
FULL_PATHS = {
    **{f"/api/queries/{name}": f"/api/queries/{name}?item={ATELIER}"
       for name in ("api-describe", "api-entity", "api-labels", "api-provenance")},
    "/api/queries/api-search": "/api/queries/api-search?q=atelier",
    "/api/projects/{id}": "/api/projects/tsr-example~co3-habitat",
    "/api/vocabularies/{id}": "/api/vocabularies/legal-form",
    "/sparql": "/sparql?query=SELECT%20*%20%7B%3Fs%20%3Fp%20%3Fo%7D%20LIMIT%203",
    "/store": "/store?default",
    "/reconcile/preview": "/reconcile/preview?id=actor/siren-810079194",
    "/api/search": "/api/search?q=atelier",
    "/browse/{name}": "/browse/actors",
    "/static/portal/{name}": "/static/portal/portal.css",
}
# the body as sent (not gzipped), to compare its length with Content-Length
HEADERS = {**READER, "Accept-Encoding": "identity"}
# headers that may differ between two answers to the same request; a query's answer is
# sent whole (with its length) when it is ready at once, else streamed (without): which
# one depends on the machine's load, so the length is checked against the body instead
VOLATILE = {"date", "server-timing", "content-length"}


def get_paths(api: AppClient) -> list[str]:
    paths = []
    for route in api.app.routes:
        if not isinstance(route, Route) or "GET" not in (route.methods or ()):
            continue
        path = FULL_PATHS.get(route.path) or re.sub(
            r"\{(\w+)\}", lambda found: PATH_VALUES[found.group(1)], route.path)
        paths.append(path)
    return paths


def _headers(response: httpx.Response) -> dict[str, str]:
    return {name: value for name, value in response.headers.items() if name not in VOLATILE}


def test_every_get_route_answers_head(api: AppClient) -> None:
    paths = get_paths(api)
    assert len(paths) > 60 and "/id/actor/siren-810079194" in paths
    for path in paths:
        if path.startswith("/dumps/") or path == "/health":
            # the first GET of a dump streams, the next ones send its file; the first
            # /health starts the count in the background (null until it is ready)
            api.get(path, headers=HEADERS)
            time.sleep(0.5 if path == "/health" else 0)
        got = api.get(path, headers=HEADERS, follow_redirects=False)
        assert got.status_code in (200, 303), (path, got.status_code, got.text[:200])
        head = api.request("HEAD", path, headers=HEADERS, follow_redirects=False)
        assert head.status_code == got.status_code, path
        assert head.content == b"", path
        assert _headers(head) == _headers(got), path
        # /health's body changes from one request to the next (uptime)
        if "content-length" in head.headers and path != "/health":
            assert int(head.headers["content-length"]) == len(got.content), path


@pytest.mark.parametrize("path", ["/api/actors/nobody", "/id/actor/nobody", "/nowhere"])
def test_head_of_a_missing_resource_is_its_get_status(api: AppClient, path: str) -> None:
    head = api.request("HEAD", path)
    assert head.status_code == api.get(path).status_code == 404
    assert head.content == b""


def test_head_of_a_long_result_stops_at_the_headers() -> None:
    """Once the empty body is sent the response is complete, the server reports the client
    gone, and the streamed result stops: in-process (httpx's ASGI transport waits for the
    app to finish) a HEAD of a 300,000-row result takes a fraction of its GET."""
    client = AppClient(api_settings(result_limit=1_000_000))
    try:
        rows = ("SELECT ?a ?d { {SELECT ?a {?a ?b ?c} LIMIT 300} "
                "{SELECT ?d {?d ?e ?f} LIMIT 1000} }")
        params = {"query": rows}
        accept = {"Accept": "text/tab-separated-values"}
        started = time.monotonic()
        head = client.request("HEAD", "/sparql", params=params, headers=accept)
        head_seconds = time.monotonic() - started
        started = time.monotonic()
        got = client.get("/sparql", params=params, headers=accept)
        get_seconds = time.monotonic() - started
        assert head.status_code == got.status_code == 200 and head.content == b""
        assert got.content.count(b"\n") == 300_001
        assert head_seconds < get_seconds / 3, (head_seconds, get_seconds)
    finally:
        client.close()
