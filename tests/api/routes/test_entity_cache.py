"""Entity responses are kept until the store changes (api/resources/entity_cache.py): a
kept response must never outlive a write, cross from a token holder to an anonymous reader,
or answer for another language, media type or address; ETags and 304s follow the body."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextvars
import gc
import threading
from collections.abc import Hashable

import anyio
import anyio.to_thread
import pytest
from fastapi import Response

from api.resources.entity_cache import (
    ENTITY_THREAD_NAME,
    EntityGet,
    EntityResponses,
    KeptResponse,
    kept_or_built,
)
from store.namespaces import TSR
from tests.api.conftest import (
    READER,
    SECRET_GRAPH,
    WRITER,
    AppClient,
    api_settings,
    serving_on,
)

ATELIER = "/api/actors/siren-810079194"
ATELIER_ID = "/id/actor/siren-810079194"
ATELIER_IRI = "https://data.tsr-observatory.org/id/actor/siren-810079194"
JSON_LD = {"Accept": "application/ld+json"}
# the body as built: gzipped on the way, its strong tag is made weak (api/compression.py)
PLAIN = {"Accept-Encoding": "identity"}


def update(api: AppClient, text: str) -> None:
    response = api.post("/sparql", data={"update": text}, headers=WRITER)
    assert response.status_code in (200, 204), response.text


def counts(api: AppClient) -> tuple[int, int]:
    cache = api.app.state.services.entity_responses
    return cache.hits, cache.misses


def test_a_second_get_is_kept_with_the_same_body_and_etag(fresh_api: AppClient) -> None:
    first = fresh_api.get(ATELIER, headers=PLAIN)
    hits, misses = counts(fresh_api)
    second = fresh_api.get(ATELIER, headers=PLAIN)
    assert first.status_code == second.status_code == 200
    assert counts(fresh_api) == (hits + 1, misses)
    assert second.content == first.content
    assert second.headers["etag"] == first.headers["etag"]
    assert second.headers["content-type"] == first.headers["content-type"]
    assert second.headers["content-language"] == "fr"
    assert second.headers["etag"].startswith('"') and len(second.headers["etag"]) == 34
    health = fresh_api.get("/health").json()["entity_responses"]
    assert (health["hits"], health["misses"]) == (hits + 1, misses)
    assert health["kept"] >= 1 and health["bytes"] > len(first.content)


def test_if_none_match_gives_304_without_a_body(fresh_api: AppClient) -> None:
    etag = fresh_api.get(ATELIER, headers=PLAIN).headers["etag"]
    for header in (etag, f"W/{etag}", f'"other", {etag}', "*"):
        response = fresh_api.get(ATELIER, headers={**PLAIN, "If-None-Match": header})
        assert response.status_code == 304, header
        assert response.content == b""
        assert response.headers["etag"] == etag
        assert response.headers["vary"].startswith("Accept, Accept-Language")
    assert fresh_api.get(ATELIER, headers={"If-None-Match": '"other"'}).status_code == 200


def test_with_nothing_kept_each_answer_has_the_same_etag_and_304s(
        fresh_api: AppClient, request: pytest.FixtureRequest) -> None:
    """TSR_ENTITY_CACHE_BYTES=0: every document is built, and tagged as a kept one is (by
    another app with the same data on the same engine)."""
    kept = fresh_api.get(ATELIER, headers=PLAIN)
    engine = request.node.callspec.params["fresh_api"]
    for client in serving_on(request, engine, entity_cache_bytes=0):
        built = client.get(ATELIER, headers=PLAIN)
        assert built.status_code == 200 and built.content == kept.content
        assert built.headers["etag"] == kept.headers["etag"]
        etag = built.headers["etag"]
        not_modified = client.get(ATELIER, headers={"If-None-Match": f"W/{etag}"})
        assert not_modified.status_code == 304 and not_modified.content == b""
        # the tag as this client holds it: weak, as its gzipped 200 gave it (httpx
        # accepts gzip; api/compression.py)
        assert not_modified.headers["etag"] == f"W/{etag}"
        plain = client.get(ATELIER, headers={**PLAIN, "If-None-Match": f"W/{etag}"})
        assert plain.status_code == 304 and plain.headers["etag"] == etag
        assert not_modified.headers["content-language"] == "fr"
        assert client.get(ATELIER, headers={"If-None-Match": '"other"'}).status_code == 200
        missing = client.get("/api/actors/siren-000000000")
        assert missing.status_code == 404 and "etag" not in missing.headers


def test_a_write_drops_what_was_kept(fresh_api: AppClient) -> None:
    before = fresh_api.get(ATELIER)
    assert before.json()["name"] == "Atelier des Savoirs Partagés"
    update(fresh_api, f"""DELETE {{ GRAPH ?g {{ <{ATELIER_IRI}> <{TSR}name> ?name }} }}
        INSERT {{ GRAPH ?g {{ <{ATELIER_IRI}> <{TSR}name> "Atelier renommé" }} }}
        WHERE {{ GRAPH ?g {{ <{ATELIER_IRI}> <{TSR}name> ?name }} }}""")
    after = fresh_api.get(ATELIER, headers={"If-None-Match": before.headers["etag"]})
    assert after.status_code == 200
    assert after.json()["name"] == "Atelier renommé"
    assert after.headers["etag"] != before.headers["etag"]
    assert fresh_api.get(ATELIER_ID, headers=JSON_LD).json()["name"] == "Atelier renommé"


def test_a_token_holders_document_never_reaches_an_anonymous_reader(
        fresh_api: AppClient) -> None:
    update(fresh_api, f"""INSERT DATA {{ GRAPH <{SECRET_GRAPH.value}> {{
        <{ATELIER_IRI}> <{TSR}description> "Note confidentielle" }} }}""")
    for path, headers in ((ATELIER, {}), (ATELIER_ID, JSON_LD)):
        assert "Note confidentielle" not in fresh_api.get(path, headers=headers).text
        with_token = fresh_api.get(path, headers={**headers, **READER})
        assert "Note confidentielle" in with_token.text
        anonymous = fresh_api.get(path, headers=headers)
        assert "Note confidentielle" not in anonymous.text
        assert anonymous.headers["etag"] != with_token.headers["etag"]


def test_language_media_type_and_address_each_have_their_own_response(
        fresh_api: AppClient) -> None:
    french = fresh_api.get(ATELIER)
    english = fresh_api.get(ATELIER, params={"lang": "en"})
    assert english.headers["content-language"] == "en"
    assert english.json()["legalForm"]["prefLabel"] != french.json()["legalForm"]["prefLabel"]
    turtle = fresh_api.get(ATELIER, headers={"Accept": "text/turtle"})
    assert turtle.headers["content-type"].startswith("text/turtle")
    page = fresh_api.get(ATELIER_ID, headers={"Accept": "text/html"})
    assert page.headers["content-type"].startswith("text/html")
    elsewhere = fresh_api.get(ATELIER, headers={"Host": "mirror.example.org"})
    assert elsewhere.json()["@context"] == "http://mirror.example.org/context.jsonld"
    assert french.json()["@context"] == "http://testserver/context.jsonld"
    tags = {response.headers["etag"] for response in (french, english, turtle, page, elsewhere)}
    assert len(tags) == 5


def test_a_missing_entity_is_not_kept(fresh_api: AppClient) -> None:
    for _ in range(2):
        response = fresh_api.get("/api/actors/no-such-actor")
        assert response.status_code == 404
        assert "etag" not in response.headers
    assert counts(fresh_api)[0] == 0


def _kept(size: int) -> KeptResponse:
    return KeptResponse(b"x" * size, "application/ld+json", (), '"tag"')


def test_the_budget_drops_the_least_recently_used() -> None:
    cache = EntityResponses(budget=8 * 1400)
    mark, moved = (0, 0), (1, 0)
    keys: list[Hashable] = [("entity", number) for number in range(10)]
    for key in keys[:8]:
        assert cache.get(key, mark) is None
        cache.put(key, mark, _kept(1000))
    assert cache.get(keys[0], mark) is not None  # now the most recently used
    for key in keys[8:]:
        cache.put(key, mark, _kept(1000))
    assert cache.get(keys[0], mark) is not None
    assert cache.get(keys[1], mark) is None and cache.get(keys[2], mark) is None
    cache.put(("big",), mark, _kept(1400))  # over an eighth of the budget: not kept
    assert cache.get(("big",), mark) is None
    # the store moved: nothing kept before answers
    assert cache.get(keys[0], moved) is None
    cache.put(keys[3], mark, _kept(10))  # built before the move: not kept
    assert cache.get(keys[3], moved) is None
    assert isinstance(Response(b"x").body, bytes)


def test_kept_responses_leave_the_garbage_collector_alone(fresh_api: AppClient) -> None:
    """Thousands of kept responses must not lengthen the collector's passes (as objects they
    would, and its pauses show in the p99): after a few passes it tracks none of them."""
    for path in (ATELIER, ATELIER_ID, "/api/projects/tsr-example~co3-habitat"):
        assert fresh_api.get(path, headers=JSON_LD).status_code == 200
    fresh_api.app.state.services.labels.index.fresh()  # its build ends by freezing what lives then
    gc.unfreeze()  # (as a snapshot build may have done: frozen objects are never scanned)
    for _ in range(3):  # a pass may look at a tuple before the tuples inside it
        gc.collect()
    kept = fresh_api.app.state.services.entity_responses._kept
    assert len(kept) == 2  # /api/actors/{id} and /id/actor/{key} share the JSON-LD document
    assert not any(gc.is_tracked(key) or gc.is_tracked(entry) for key, entry in kept.items())


def test_entity_gets_have_threads_of_their_own(fresh_api: AppClient) -> None:
    """With every thread of the pool the plain routes share taken (slow lists, named
    queries), a list waits and an entity GET is still answered."""
    loop = fresh_api._loop

    async def take_every_shared_thread() -> tuple[anyio.CapacityLimiter, list[object]]:
        shared = anyio.to_thread.current_default_thread_limiter()
        holders = [object() for _ in range(int(shared.total_tokens))]
        for holder in holders:
            await shared.acquire_on_behalf_of(holder)
        return shared, holders

    async def give_them_back(shared: anyio.CapacityLimiter, holders: list[object]) -> None:
        for holder in holders:
            shared.release_on_behalf_of(holder)

    shared, holders = asyncio.run_coroutine_threadsafe(take_every_shared_thread(), loop).result()
    waiting_list = asyncio.run_coroutine_threadsafe(fresh_api.client.get("/api/actors"), loop)
    try:
        entity = asyncio.run_coroutine_threadsafe(
            fresh_api.client.get(ATELIER), loop).result(timeout=20)
        assert entity.status_code == 200 and entity.json()["name"]
        with pytest.raises(concurrent.futures.TimeoutError):
            waiting_list.result(timeout=1)
    finally:
        asyncio.run_coroutine_threadsafe(give_them_back(shared, holders), loop).result()
    assert waiting_list.result(timeout=20).status_code == 200


def test_entity_threads_stop_with_the_app() -> None:
    """The threads that built entity GETs end when the app stops (an app per test server
    would leave them behind otherwise), and a build after that is refused."""
    before = set(threading.enumerate())
    api = AppClient(api_settings(entity_cache_bytes=0))
    try:
        assert api.get(ATELIER).status_code == 200
        builders = [thread for thread in set(threading.enumerate()) - before
                    if thread.name.startswith(ENTITY_THREAD_NAME)]
        assert builders and all(thread.is_alive() for thread in builders)
        responses = api.app.state.services.entity_responses
    finally:
        api.close()
    assert not any(thread.is_alive() for thread in builders)
    with pytest.raises(RuntimeError, match="shutdown"):
        responses.threads.submit(print)


REQUESTER: contextvars.ContextVar[str] = contextvars.ContextVar("requester", default="")


def test_a_build_sees_the_requests_context_variables() -> None:
    """The build runs in its thread with the context of the request that asked for it, as
    work handed to a thread by anyio does (a variable set for the request reaches it)."""
    responses = EntityResponses(0, threads=1)

    class Asker:
        def resolve(self) -> str:
            return "reader"

    def build(who: object) -> Response:
        return Response(f"{who} for {REQUESTER.get()}".encode(), media_type="text/plain")

    async def one_request() -> Response:
        REQUESTER.set("request 1")
        get = EntityGet(responses, Asker(), "http://testserver/", None)  # type: ignore[arg-type]
        return await kept_or_built(get, ("key",), build)

    try:
        response = asyncio.run(one_request())
    finally:
        responses.close()
    assert response.body == b"reader for request 1"
    assert response.headers["etag"].startswith('"')


pytestmark = pytest.mark.on_engines  # the app on every engine (tests/api/conftest.py)
