"""Conditional GETs (ETag, 304) on lists, named queries, the dataset description and the
dumps; gzip for clients that accept it."""

from __future__ import annotations

import gzip
import json
import re

import httpx
import pytest

from .conftest import READER, WRITER, AppClient

CACHEABLE = ["/api/actors", "/api/actors?per_page=5&lang=en", "/api/projects", "/api/search?q=atelier",
             "/api/queries/cq01-tsr-actors-by-type-legal-form-region",
             "/api/queries/cq04-jobs-by-year?from_year=2022&to_year=2024",
             "/.well-known/void", "/dumps/tsr.ttl", "/dumps/tsr.nq.gz", "/context.jsonld",
             "/ontology", "/vocab/legal-form"]
PLAIN = {"Accept-Encoding": "identity"}


@pytest.mark.parametrize("path", CACHEABLE)
def test_etag_and_304(api: AppClient, path: str) -> None:
    first = api.get(path, headers=PLAIN)
    assert first.status_code == 200, first.text
    etag = first.headers["etag"]
    assert etag.startswith('W/"')
    again = api.get(path, headers={**PLAIN, "If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == etag
    listed = api.get(path, headers={**PLAIN, "If-None-Match": f'"other", {etag}'})
    assert listed.status_code == 304
    # another representation or another reader: another tag, and the full answer
    for other in ({"Accept-Language": "en"}, READER):
        changed = api.get(path, headers={**PLAIN, **other, "If-None-Match": etag})
        assert changed.status_code == 200 and changed.headers["etag"] != etag


def test_a_write_changes_every_tag(fresh_api: AppClient) -> None:
    tags = {path: fresh_api.get(path).headers["etag"] for path in CACHEABLE}
    update = ("INSERT DATA { GRAPH <https://data.tsr-observatory.org/graph/source/etag> "
              "{ <urn:x:a> <urn:x:p> 1 } }")
    assert fresh_api.post("/sparql", data={"update": update}, headers=WRITER).status_code == 204
    for path, etag in tags.items():
        after = fresh_api.get(path, headers={"If-None-Match": etag})
        assert after.status_code == 200, path
        assert after.headers["etag"] != etag


def test_entities_keep_their_body_digest(api: AppClient) -> None:
    response = api.get("/api/actors/siren-810079194", headers=PLAIN)
    assert response.headers["etag"].startswith('"')  # strong: resources/entity_cache.py


def test_a_gzipped_entity_carries_its_tag_weak(api: AppClient) -> None:
    """Other bytes than the document its strong tag names: weak, and still a 304."""
    plain = api.get("/api/actors/siren-810079194", headers=PLAIN)
    packed = api.get("/api/actors/siren-810079194", headers={"Accept-Encoding": "gzip"})
    assert packed.headers["content-encoding"] == "gzip"
    assert packed.headers["etag"] == "W/" + plain.headers["etag"]
    again = api.get("/api/actors/siren-810079194", headers={
        "Accept-Encoding": "gzip", "If-None-Match": packed.headers["etag"]})
    assert again.status_code == 304
    # RFC 9110 15.4.5: the 304 carries the tag of the 200 it stands for (before: the
    # strong one, which this client never got)
    assert again.headers["etag"] == packed.headers["etag"]
    # a client that holds the plain answer's strong tag gets it back, weak or not
    held = api.get("/api/actors/siren-810079194", headers={
        "Accept-Encoding": "gzip", "If-None-Match": plain.headers["etag"]})
    assert held.status_code == 304 and held.headers["etag"] == plain.headers["etag"]


def test_gzip_when_accepted_and_large_enough(api: AppClient) -> None:
    plain = api.get("/api/actors?per_page=100", headers=PLAIN)
    packed = api.get("/api/actors?per_page=100", headers={"Accept-Encoding": "gzip"})
    assert plain.headers.get("content-encoding") is None
    assert packed.headers["content-encoding"] == "gzip"
    assert "Accept-Encoding" in packed.headers["vary"]
    assert packed.content == plain.content  # httpx decoded it
    assert packed.headers["etag"] == plain.headers["etag"]
    small = api.get("/health", headers={"Accept-Encoding": "gzip"})
    assert small.headers.get("content-encoding") is None
    dump = api.get("/dumps/tsr.nq.gz", headers={"Accept-Encoding": "gzip"})
    assert dump.headers.get("content-encoding") is None  # gzip already, not twice
    assert gzip.decompress(dump.content).startswith(b"<")


@pytest.fixture(scope="module")
def capped() -> AppClient:
    from .conftest import api_settings
    client = AppClient(api_settings(result_limit=5))
    yield client  # type: ignore[misc]
    client.close()


def test_a_gzipped_stream_keeps_the_row_cap(capped: AppClient) -> None:
    response = capped.get("/sparql", params={"query": "SELECT * { ?s ?p ?o }"}, headers={
        "Accept": "application/sparql-results+json", "Accept-Encoding": "gzip"})
    assert response.headers["content-encoding"] == "gzip"
    result = json.loads(response.content)
    assert len(result["results"]["bindings"]) == 5 and result["truncated"]["limit"] == 5


def test_compressed_size_of_100_actors(served: str) -> None:
    """Through uvicorn: the 100-actor page, plain and gzipped (printed with -s)."""
    url = f"{served}/api/actors?per_page=100"
    plain = httpx.get(url, headers=PLAIN, timeout=30)
    packed = httpx.get(url, headers={"Accept-Encoding": "gzip"}, timeout=30)
    raw = int(packed.headers["content-length"])
    print(f"100 actors: {len(plain.content)} bytes plain, {raw} gzipped")
    assert packed.headers["content-encoding"] == "gzip" and packed.content == plain.content
    assert raw < len(plain.content) / 4


@pytest.mark.parametrize("path", ["/dumps/tsr.ttl", "/dumps/tsr.nq.gz"])
def test_dumps_answer_range_requests(fresh_api: AppClient, path: str) -> None:
    # no file kept yet: a Range request writes the dump first
    part = fresh_api.get(path, headers={**PLAIN, "Range": "bytes=0-99"})
    assert part.status_code == 206
    whole = fresh_api.get(path, headers=PLAIN)
    assert whole.status_code == 200 and whole.headers["accept-ranges"] == "bytes"
    size = len(whole.content)
    assert int(whole.headers["content-length"]) == size > 1000
    assert part.headers["content-range"] == f"bytes 0-99/{size}"
    assert part.content == whole.content[:100]
    rest = fresh_api.get(path, headers={**PLAIN, "Range": "bytes=100-"})
    assert rest.status_code == 206 and part.content + rest.content == whole.content
    beyond = fresh_api.get(path, headers={**PLAIN, "Range": f"bytes={size}-"})
    assert beyond.status_code == 416 and beyond.headers["content-range"] == f"bytes */{size}"


def test_a_dump_streams_first_then_is_served_from_its_file(fresh_api: AppClient) -> None:
    streamed = fresh_api.get("/dumps/tsr.ttl", headers=PLAIN)
    assert "content-length" not in streamed.headers  # written as it was read
    kept = fresh_api.get("/dumps/tsr.ttl", headers=PLAIN)
    assert kept.headers["content-length"] == str(len(streamed.content))
    assert kept.content == streamed.content
    # the streamed answer's tag names the store's mark, the kept file's its bytes
    assert streamed.headers["etag"].startswith('W/"') and kept.headers["etag"].startswith('"')
    assert fresh_api.get("/dumps/tsr.ttl", headers={
        **PLAIN, "If-None-Match": streamed.headers["etag"]}).status_code == 304
    update = ("INSERT DATA { GRAPH <https://data.tsr-observatory.org/graph/source/later> "
              "{ <urn:x:later> <urn:x:p> 'added later' } }")
    assert fresh_api.post("/sparql", data={"update": update}, headers=WRITER).status_code == 204
    after = fresh_api.get("/dumps/tsr.ttl", headers={**PLAIN, "Range": "bytes=0-"})
    assert after.status_code == 206 and b"added later" in after.content
    reader = fresh_api.get("/dumps/tsr.ttl", headers={**PLAIN, **READER})
    assert reader.content != after.content  # the restricted graphs are another dump


@pytest.mark.parametrize("path", ["/dumps/tsr.ttl", "/dumps/tsr.nq.gz"])
def test_a_kept_dump_resumes_with_if_range(fresh_api: AppClient, path: str) -> None:
    """RFC 9110 13.1.5: If-Range takes a strong validator. The kept file's tag is a digest
    of its bytes, with its time as Last-Modified: the same bytes resume (206), another
    dump (the store changed) comes whole (200)."""
    streamed = fresh_api.get(path, headers=PLAIN)
    assert streamed.headers["etag"].startswith('W/"')  # its digest is not known yet
    whole = fresh_api.get(path, headers=PLAIN)
    etag, modified = whole.headers["etag"], whole.headers["last-modified"]
    assert re.fullmatch(r'"[0-9a-f]{32}"', etag) and modified.endswith(" GMT")
    assert whole.content == streamed.content
    for validator in (etag, modified):
        part = fresh_api.get(path, headers={**PLAIN, "Range": "bytes=100-", "If-Range": validator})
        assert part.status_code == 206, validator
        assert part.headers["content-range"] == f"bytes 100-{len(whole.content) - 1}/{len(whole.content)}"
        assert part.content == whole.content[100:] and part.headers["etag"] == etag
    # a weak tag, the streamed answer's or the kept one's made weak, never resumes
    for validator in (streamed.headers["etag"], f"W/{etag}", '"0123"'):
        again = fresh_api.get(path, headers={**PLAIN, "Range": "bytes=100-", "If-Range": validator})
        assert again.status_code == 200 and again.content == whole.content, validator
    # If-None-Match: weak comparison, either tag
    for validator in (etag, f"W/{etag}", f'"other", {etag}', streamed.headers["etag"]):
        unchanged = fresh_api.get(path, headers={**PLAIN, "If-None-Match": validator})
        assert unchanged.status_code == 304 and unchanged.content == b"", validator
    assert fresh_api.get(path, headers={**PLAIN, "If-None-Match": etag}).headers["etag"] == etag
    update = ("INSERT DATA { GRAPH <https://data.tsr-observatory.org/graph/source/later> "
              "{ <urn:x:later> <urn:x:p> 'added later' } }")
    assert fresh_api.post("/sparql", data={"update": update}, headers=WRITER).status_code == 204
    resumed = fresh_api.get(path, headers={**PLAIN, "Range": "bytes=100-", "If-Range": etag})
    assert resumed.status_code == 200 and resumed.content != whole.content
    assert resumed.headers["etag"] != etag
    assert fresh_api.get(path, headers={**PLAIN, "If-None-Match": etag}).status_code == 200


def test_a_gzipped_dump_carries_its_tag_weak(fresh_api: AppClient) -> None:
    """Compressed on the way, the Turtle dump is other bytes than the kept file: its tag is
    weak (If-None-Match matches it, If-Range does not)."""
    fresh_api.get("/dumps/tsr.ttl", headers=PLAIN)  # written and kept
    plain = fresh_api.get("/dumps/tsr.ttl", headers=PLAIN)
    packed = fresh_api.get("/dumps/tsr.ttl", headers={"Accept-Encoding": "gzip"})
    assert packed.headers["content-encoding"] == "gzip" and packed.content == plain.content
    assert packed.headers["etag"] == f"W/{plain.headers['etag']}"
    unchanged = fresh_api.get("/dumps/tsr.ttl", headers={
        "Accept-Encoding": "gzip", "If-None-Match": packed.headers["etag"]})
    assert unchanged.status_code == 304
    assert unchanged.headers["etag"] == packed.headers["etag"]  # before: the strong one


def test_a_gzip_dump_keeps_its_strong_tag_in_both_answers(fresh_api: AppClient) -> None:
    """The N-Quads dump is gzip already: never compressed again, its tag stays strong in
    the 200 and in the 304 to a client that accepts gzip."""
    fresh_api.get("/dumps/tsr.nq.gz", headers=PLAIN)  # written and kept
    whole = fresh_api.get("/dumps/tsr.nq.gz", headers={"Accept-Encoding": "gzip"})
    assert "content-encoding" not in whole.headers and whole.headers["etag"].startswith('"')
    unchanged = fresh_api.get("/dumps/tsr.nq.gz", headers={
        "Accept-Encoding": "gzip", "If-None-Match": whole.headers["etag"]})
    assert unchanged.status_code == 304 and unchanged.headers["etag"] == whole.headers["etag"]


def test_a_cut_download_resumes_from_a_real_server(served: str) -> None:
    """Through uvicorn: a download read in part and cut, then resumed where it stopped,
    gives the bytes of one whole download."""
    url = f"{served}/dumps/tsr.ttl"
    httpx.get(url, headers=PLAIN, timeout=60)  # the first one writes the file
    received = bytearray()
    with httpx.stream("GET", url, headers=PLAIN, timeout=60) as response:
        etag, size = response.headers["etag"], int(response.headers["content-length"])
        for chunk in response.iter_raw(1000):
            received.extend(chunk)
            break  # the connection is cut here
    rest = httpx.get(url, timeout=60, headers={
        **PLAIN, "Range": f"bytes={len(received)}-", "If-Range": etag})
    assert rest.status_code == 206
    assert rest.headers["content-range"] == f"bytes {len(received)}-{size - 1}/{size}"
    assert bytes(received) + rest.content == httpx.get(url, headers=PLAIN, timeout=60).content


def test_named_queries_that_ask_another_endpoint_get_no_mark_etag() -> None:
    """A SERVICE query's answer is not the store's alone: the mark cannot validate it."""
    from api.conditional import _federated_queries

    assert _federated_queries() == {"federated-wikidata-coordinates",
                                    "federated-wikidata-descriptions"}


# the app on every engine (tests/api/conftest.py); real processes (servers, the CLI, a
# browser) or stores loaded for the module: out of the edit-test loop, `pytest -m "not
# slow"`; CI runs every test
pytestmark = [pytest.mark.on_engines, pytest.mark.slow]
