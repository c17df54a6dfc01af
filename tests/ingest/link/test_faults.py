"""Endpoints that misbehave: the linkers retry within bounds, honour Retry-After, then fail
with one clear line, and the previous links graph stays as it was."""

from __future__ import annotations

import time

import pytest
from click.testing import CliRunner

from cli.main import cli
from ingest.link import link_hal, link_wikidata
from ingest.link.polite import LinkServiceError, PoliteCaller, TransientFailure
from store import Store

from .conftest import (
    IRIS,
    ScriptedServer,
    hal_answer,
    hal_documents,
    load_observatory,
    proxy_to,
    triples_of,
)

POLITE = {"user_agent": "tsr-test/1", "requests_per_second": 50.0, "timeout": 2.0,
          "attempts": 3}


def wikidata(store: Store, url: str) -> object:
    return link_wikidata(store, IRIS, endpoint=f"{url}/query", **POLITE)  # type: ignore[arg-type]


def hal(store: Store, url: str) -> object:
    return link_hal(store, IRIS, api_url=f"{url}/search/", **POLITE)  # type: ignore[arg-type]


@pytest.mark.parametrize("fault", ["500", "503", "malformed", "timeout", "close"])
def test_wikidata_recovers_from_one_fault(observatory: Store, wikidata_base: str,
                                          fault: str) -> None:
    with ScriptedServer(proxy_to(wikidata_base)) as server:
        server.script = [fault]
        result = wikidata(observatory, server.url)
    assert result.retries == 1  # type: ignore[attr-defined]
    assert len(triples_of(observatory, IRIS.links_graph("wikidata"))) > 0


def test_retry_after_is_honoured(observatory: Store, wikidata_base: str) -> None:
    with ScriptedServer(proxy_to(wikidata_base)) as server:
        server.script = ["429"]
        wikidata(observatory, server.url)
    first, second = server.requests[0]["time"], server.requests[1]["time"]
    assert second - first >= 0.95  # the fixture's Retry-After: 1


FAILURES = {
    "500": "HTTP 500", "malformed": "malformed JSON answer",
    "timeout": "no answer within 2 s", "close": "connection closed by the server",
}


@pytest.mark.parametrize("fault", sorted(FAILURES))
def test_wikidata_gives_up_after_bounded_attempts(observatory: Store, wikidata_base: str,
                                                  fault: str) -> None:
    with ScriptedServer(proxy_to(wikidata_base)) as server:
        wikidata(observatory, server.url)
        before = triples_of(observatory, IRIS.links_graph("wikidata"))
        server.script = [fault] * 10
        count = len(server.requests)
        with pytest.raises(LinkServiceError) as raised:
            wikidata(observatory, server.url)
    assert str(raised.value) == (f"Wikidata endpoint {server.url}/query failed after 3 "
                                 f"attempts: {FAILURES[fault]}")
    assert len(server.requests) - count == 3
    assert triples_of(observatory, IRIS.links_graph("wikidata")) == before


@pytest.mark.parametrize("fault", sorted(FAILURES))
def test_hal_gives_up_and_keeps_the_previous_graph(observatory: Store, fault: str) -> None:
    with ScriptedServer(hal_answer(hal_documents())) as server:
        hal(observatory, server.url)
        before = triples_of(observatory, IRIS.links_graph("hal"))
        assert before
        server.script = [fault] * 10
        with pytest.raises(LinkServiceError) as raised:
            hal(observatory, server.url)
    assert str(raised.value) == (f"HAL API {server.url}/search/ failed after 3 attempts: "
                                 f"{FAILURES[fault]}")
    assert triples_of(observatory, IRIS.links_graph("hal")) == before


def test_hal_recovers_from_429_and_a_dropped_connection(observatory: Store) -> None:
    with ScriptedServer(hal_answer(hal_documents())) as server:
        server.script = ["429", "close"]
        result = hal(observatory, server.url)
    assert result.retries == 2  # type: ignore[attr-defined]
    assert result.documents == 7  # type: ignore[attr-defined]


def test_too_long_retry_after_stops_at_once() -> None:
    waits: list[float] = []
    caller = PoliteCaller("Service X", requests_per_second=1000, sleep=waits.append)

    def busy() -> None:
        raise TransientFailure("HTTP 429", retry_after=3600)

    with pytest.raises(LinkServiceError, match=r"^Service X asks to wait 3600 s \(Retry-After\)"):
        caller.call(busy)
    assert caller.requests_sent == 1


def test_backoff_doubles_between_attempts() -> None:
    waits: list[float] = []
    caller = PoliteCaller("Service X", requests_per_second=1000, attempts=4,
                          first_backoff=0.5, sleep=waits.append)

    def down() -> None:
        raise TransientFailure("HTTP 503")

    with pytest.raises(LinkServiceError):
        caller.call(down)
    assert [w for w in waits if w >= 0.5] == [0.5, 1.0, 2.0]


def test_cli_failure_is_one_line_exit_1_and_keeps_links(tmp_path, wikidata_base) -> None:  # type: ignore[no-untyped-def]
    store_dir = tmp_path / "store"
    runner = CliRunner()
    from store import Settings, open_store

    with open_store(Settings(store=str(store_dir))) as store:
        load_observatory(store)
    with ScriptedServer(proxy_to(wikidata_base)) as server:
        env = {"TSR_WIKIDATA_ENDPOINT": f"{server.url}/query",
               "TSR_LINK_REQUESTS_PER_SECOND": "50"}
        ok = runner.invoke(cli, ["link", "wikidata", "--store", str(store_dir)], env=env)
        assert ok.exit_code == 0, ok.output
        assert ok.stderr.startswith("wikidata: 6 linked, 3 left for review")
        with open_store(Settings(store=str(store_dir))) as store:
            before = triples_of(store, IRIS.links_graph("wikidata"))
        server.script = ["500"] * 10
        started = time.monotonic()
        failed = runner.invoke(cli, ["link", "wikidata", "--store", str(store_dir),
                                     "--attempts", "2"], env=env)
    assert failed.exit_code == 1
    assert failed.stderr == (f"tsr: error: Wikidata endpoint {server.url}/query failed after "
                             "2 attempts: HTTP 500\n")
    assert time.monotonic() - started < 10
    with open_store(Settings(store=str(store_dir))) as store:
        assert triples_of(store, IRIS.links_graph("wikidata")) == before


# Real processes (servers, the CLI, a browser) or stores loaded for the module: out of the
# edit-test loop, `pytest -m "not slow"`; CI runs every test
pytestmark = pytest.mark.slow
