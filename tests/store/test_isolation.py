"""Queries in worker processes (store/isolation.py): stopped at their deadline, a crash or an
allocation failure takes only the worker, checkpoints follow the store's writes."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from pyoxigraph import Literal, NamedNode, QuerySolutions, Triple

from store.base import StoreBusyError
from store.checkpoints import CHECKPOINTS
from store.embedded import EmbeddedStore
from store.isolation import (
    PoolBusy,
    QueryOverBudget,
    QueryPool,
    QueryTimeout,
    QueryTooDeep,
)
from store.scheduling import SERVER_CORE, ServerCore
from store.served_checkpoint import open_served_checkpoint

GRAPH = NamedNode("http://example.org/graph")
CARTESIAN_SORT = "SELECT * { ?a ?b ?c . ?d ?e ?f } ORDER BY ?c ?f LIMIT 1"
DEEP = "ASK { FILTER(" + "(" * 6000 + "1" + ")" * 6000 + ") }"
# 26 doublings of a 2-character string: 128 MiB, then copies of it in every step
CONCAT_BOMB = ('SELECT (STRLEN(?x26) AS ?n) { BIND("ab" AS ?x0) '
               + " ".join(f"BIND(CONCAT(?x{i}, ?x{i}) AS ?x{i + 1})" for i in range(26)) + " }")


def _triples(count: int) -> list[Triple]:
    return [Triple(NamedNode(f"http://example.org/s{i}"), NamedNode(f"http://example.org/p{i % 7}"),
                   Literal(i)) for i in range(count)]


@contextmanager
def _pooled_store(tmp_path: Path, *, triples: int = 3000, workers: int = 2,
                  memory_bytes: int = 1024**3, queue: int = 2, per_client: int = 1,
                  light_workers: int = 0, server_core: ServerCore = SERVER_CORE
                  ) -> Iterator[EmbeddedStore]:
    """An on-disk store of `triples` triples whose queries with a timeout run in a pool of
    query workers (the rest: QueryPool's options), its workers ready; closed after."""
    opened = EmbeddedStore(str(tmp_path / "store"))
    try:
        opened.add(_triples(triples), GRAPH)
        opened.pool = QueryPool(opened, workers=workers, memory_bytes=memory_bytes, queue=queue,
                                per_client=per_client, light_workers=light_workers,
                                server_core=server_core)
        _wait_ready(opened.pool)
        yield opened
    finally:
        opened.close()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[EmbeddedStore]:
    with _pooled_store(tmp_path) as opened:
        yield opened


def _wait_ready(pool: QueryPool, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while pool.stats().busy != 0 or len(pool._alive) < pool.size:
        assert time.monotonic() < deadline, "query workers did not start"
        time.sleep(0.05)


def test_query_with_timeout_runs_in_a_worker_and_gives_the_same_results(
        store: EmbeddedStore) -> None:
    isolated = store.query("SELECT ?o { <http://example.org/s5> ?p ?o }", timeout=10)
    assert isinstance(isolated, QuerySolutions)
    assert [row["o"] for row in isolated] == [Literal(5)]
    assert store.query("ASK { ?s ?p 2999 }", timeout=10) is True
    bound = store.query("SELECT ?p { ?_s ?p ?o }", {"_s": NamedNode("http://example.org/s8")},
                        timeout=10)
    assert [row["p"] for row in bound] == [NamedNode("http://example.org/p1")]
    graph = store.query("CONSTRUCT WHERE { <http://example.org/s1> ?p ?o }", timeout=10)
    assert list(graph) == [Triple(NamedNode("http://example.org/s1"),
                                  NamedNode("http://example.org/p1"), Literal(1))]


def test_runaway_query_is_killed_at_its_deadline(store: EmbeddedStore) -> None:
    assert store.pool is not None
    started = time.monotonic()
    with pytest.raises((QueryTimeout, QueryOverBudget)):
        store.query(CARTESIAN_SORT, timeout=1.5)
    assert time.monotonic() - started < 2.5
    # the worker that ran it is gone (its CPU and memory with it); others answer at once
    assert store.query("ASK { ?s ?p 1 }", timeout=5) is True
    _wait_ready(store.pool)


def test_engine_crash_costs_a_worker_not_the_process(store: EmbeddedStore) -> None:
    assert store.pool is not None
    with pytest.raises(QueryTooDeep, match="nest"):
        store.query(DEEP, timeout=10)
    assert store.query("ASK { ?s ?p 1 }", timeout=10) is True
    _wait_ready(store.pool)
    assert len(store.pool._alive) == 2


@pytest.mark.slow
def test_memory_budget_stops_a_query(tmp_path: Path) -> None:
    with _pooled_store(tmp_path, triples=10, workers=1, memory_bytes=512 * 1024**2) as small:
        with pytest.raises(QueryOverBudget, match="512 MiB, the server's memory budget"):
            small.query(CONCAT_BOMB, timeout=25)
        assert small.query("ASK { ?s ?p 1 }", timeout=10) is True


def test_queries_see_every_write_and_old_checkpoints_go(store: EmbeddedStore) -> None:
    new = NamedNode("http://example.org/new")
    assert store.query(f"ASK {{ {new} ?p ?o }}", timeout=10) is False
    store.add([Triple(new, NamedNode("http://example.org/p"), Literal(1))], GRAPH)
    assert store.query(f"ASK {{ {new} ?p ?o }}", timeout=10) is True
    store.update(f"DELETE DATA {{ GRAPH {GRAPH} {{ {new} <http://example.org/p> 1 }} }}")
    assert store.query(f"ASK {{ {new} ?p ?o }}", timeout=10) is False
    # at most one checkpoint per worker, and the current one
    checkpoints = list((Path(store.location) / CHECKPOINTS).iterdir())
    assert 1 <= len(checkpoints) <= 3


def test_full_queue_is_refused_at_once(store: EmbeddedStore) -> None:
    assert store.pool is not None
    pool = store.pool
    import threading

    errors: list[BaseException] = []

    def heavy() -> None:
        try:
            pool.run("store.query_worker:write_results",
                     ("SELECT (COUNT(*) AS ?n) { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }", None, None,
                      None), lambda data: None, deadline=time.monotonic() + 3, client="heavy")
        except BaseException as error:  # noqa: BLE001 - collected for the assertions
            errors.append(error)

    threads = [threading.Thread(target=heavy) for _ in range(4)]
    for thread in threads:
        thread.start()
        time.sleep(0.1)
    # one running (its client's share), two waiting (the queue), one refused at once
    time.sleep(0.3)
    stats = pool.stats()
    assert (stats.busy, stats.queued) == (1, 2)
    assert any(isinstance(error, PoolBusy) for error in errors)
    # another client still gets the free worker
    assert store.query("ASK { ?s ?p 1 }", timeout=5) is True
    for thread in threads:
        thread.join()
    assert sorted(type(error).__name__ for error in errors) == [
        "PoolBusy", "QueryTimeout", "QueryTimeout", "QueryTimeout"]


CARTESIAN_COUNT = "SELECT (COUNT(*) AS ?n) { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
# cheap for a subject the store lacks, a runaway for one it holds: one shape
LOOKUP_THEN_COUNT = "SELECT (COUNT(*) AS ?n) {{ <{}> ?p ?o . ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }}"


def _lanes(pool: QueryPool) -> list[bool]:
    with pool._condition:
        return sorted(worker.light for worker in pool._alive)


def _heavy(pool: QueryPool, client: str, errors: list[BaseException], seconds: float,
           query: str = CARTESIAN_COUNT) -> None:
    try:
        pool.run("store.query_worker:write_results", (query, None, None, None),
                 lambda data: None, deadline=time.monotonic() + seconds, client=client,
                 query=query)
    except BaseException as error:  # noqa: BLE001 - collected for the assertions
        errors.append(error)


def test_light_queries_do_not_wait_behind_heavy_ones(tmp_path: Path) -> None:
    import threading
    with _pooled_store(tmp_path, workers=3, queue=4, light_workers=1) as opened:
        pool = opened.pool
        assert pool is not None
        assert _lanes(pool) == [False, False, True]
        # a point lookup's shape is learned light on its first run (an ordinary worker)
        assert [row["o"] for row in opened.query(
            "SELECT ?o { <http://example.org/s5> ?p ?o }", timeout=10)] == [Literal(5)]
        errors: list[BaseException] = []
        threads = [threading.Thread(target=_heavy, args=(pool, f"heavy{n}", errors, 4))
                   for n in range(3)]
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 5
        while pool.stats().busy < 2 or pool.stats().queued < 1:
            assert time.monotonic() < deadline
            time.sleep(0.02)
        # every ordinary worker runs a runaway, another waits: a lookup of the light shape
        # (another resource) is answered at once by the light worker
        started = time.monotonic()
        rows = opened.query("SELECT ?o { <http://example.org/s7> ?p ?o }", timeout=10)
        assert [row["o"] for row in rows] == [Literal(7)]
        assert time.monotonic() - started < 1.0
        # a query of a shape never seen waits for an ordinary worker like the runaways
        assert pool.stats().busy == 2
        for thread in threads:
            thread.join()
        assert sorted(type(error).__name__ for error in errors) == ["QueryTimeout"] * 3


def test_a_light_shape_that_runs_long_leaves_the_lane(tmp_path: Path) -> None:
    from store.isolation import query_shape
    with _pooled_store(tmp_path, workers=2, queue=4, per_client=2,
                       light_workers=1) as opened:
        pool = opened.pool
        assert pool is not None
        cheap = LOOKUP_THEN_COUNT.format("http://example.org/none")
        assert next(iter(opened.query(cheap, timeout=10)))["n"] == Literal(0)
        shape = query_shape(cheap)
        assert pool._shapes.light(shape)
        import threading
        errors: list[BaseException] = []
        runaway = threading.Thread(target=_heavy, args=(
            pool, "someone", errors, 12, LOOKUP_THEN_COUNT.format("http://example.org/s1")))
        runaway.start()
        # past its CPU allowance the runaway's worker leaves the light lane, which gets a
        # new worker while the runaway goes on
        deadline = time.monotonic() + 11
        while _lanes(pool) != [False, False, True] or pool.stats().ready != 2:
            assert time.monotonic() < deadline, _lanes(pool)
            time.sleep(0.05)
        assert not pool._shapes.light(shape)
        assert runaway.is_alive()
        started = time.monotonic()
        assert next(iter(opened.query(cheap, timeout=10)))["n"] == Literal(0)
        assert time.monotonic() - started < 1
        runaway.join()
        assert [type(error).__name__ for error in errors] == ["QueryTimeout"]
        # heavy for good, even after a cheap run; the lanes are as they were (the extra
        # ordinary worker retired)
        opened.query(cheap, timeout=10)
        assert not pool._shapes.light(shape)
        _wait_ready(pool)
        assert _lanes(pool) == [False, True]


def _cores_of(pool: QueryPool) -> dict[bool, list[set[int]]]:
    """The cores each worker may run on, by lane (light?)."""
    with pool._condition:
        workers = list(pool._alive)
    cores: dict[bool, list[set[int]]] = {True: [], False: []}
    for worker in workers:
        cores[worker.light].append(os.sched_getaffinity(worker.process.pid))
    return cores


def _until(condition: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.02)


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="one core: none to keep free")
def test_ordinary_workers_keep_off_the_servers_core_while_it_answers(tmp_path: Path) -> None:
    every = os.sched_getaffinity(0)
    back = every - {min(every)}
    server_core = ServerCore(hold=0.5)
    with _pooled_store(tmp_path, workers=3, queue=4, light_workers=1,
                       server_core=server_core) as opened:
        pool = opened.pool
        assert pool is not None
        # queries in the workers alone (the analytical mix): every core for every worker
        opened.query(CARTESIAN_COUNT.replace(" . ?g ?h ?i", ""), timeout=10)
        assert _cores_of(pool) == {True: [every], False: [every, every]}
        # the server answers a request itself: the ordinary workers leave it a core, the
        # light lane's worker keeps them all
        pool.answering()
        _until(lambda: _cores_of(pool) == {True: [every], False: [back, back]}, 2,
               "the ordinary workers did not leave the server's core")
        # a worker started meanwhile (a runaway's, killed at its deadline) leaves it too
        import threading
        lookups_done = threading.Event()

        def lookups() -> None:
            while not lookups_done.wait(0.1):
                pool.answering()

        answering = threading.Thread(target=lookups)
        answering.start()
        try:
            errors: list[BaseException] = []
            _heavy(pool, "someone", errors, 0.5)
            assert [type(error).__name__ for error in errors] == ["QueryTimeout"]
            _wait_ready(pool)
            assert _cores_of(pool) == {True: [every], False: [back, back]}
        finally:
            lookups_done.set()
            answering.join()
        # the server answered nothing for half a second: every core again
        _until(lambda: _cores_of(pool) == {True: [every], False: [every, every]}, 3,
               "the ordinary workers did not get the server's core back")


# Real processes (servers, the CLI, a browser) or stores loaded for the module: out of the
# edit-test loop, `pytest -m "not slow"`; CI runs every test
pytestmark = pytest.mark.slow


def test_a_write_shown_to_readers_is_in_the_served_checkpoint_at_once(
        store: EmbeddedStore) -> None:
    """`show_writes_to_readers` publishes a checkpoint holding the write that just returned
    (without it, the commands reading beside the server wait for the next query or for
    the refresh a second later)."""
    new = NamedNode("http://example.org/shown")
    store.add([Triple(new, NamedNode("http://example.org/p"), Literal(1))], GRAPH)
    store.show_writes_to_readers()
    reader = open_served_checkpoint(store.location, StoreBusyError("held by a server"))
    try:
        assert bool(reader.query(f"ASK {{ {new} ?p ?o }}")) is True
    finally:
        reader.close()
    assert store.query(f"ASK {{ {new} ?p ?o }}", timeout=10) is True
