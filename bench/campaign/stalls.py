"""d. Event-loop stalls: a light request's worst latency while a heavy one is read."""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import urlencode

import httpx

from .harness import Case, Server
from .process_tree import cpu_by_process


def probe_latency(server: Server, action: Callable[[], Any], seconds_before: float = 1.0,
                  light: str = "/health") -> tuple[float, float, Any]:
    """Worst latency of a light GET of `light` sent every 20 ms while `action` runs, the p99
    before it, and what `action` returned."""
    latencies: list[tuple[float, float]] = []
    stop = threading.Event()

    def probe() -> None:
        with httpx.Client(timeout=60) as client:
            while not stop.is_set():
                started = time.perf_counter()
                with contextlib.suppress(httpx.HTTPError):
                    client.get(f"{server.base}{light}")
                latencies.append((started, time.perf_counter() - started))
                time.sleep(0.02)

    prober = threading.Thread(target=probe)
    prober.start()
    time.sleep(seconds_before)
    began = time.perf_counter()
    result = action()
    ended = time.perf_counter()
    time.sleep(0.3)
    stop.set()
    prober.join()
    before = sorted(lat for at, lat in latencies if at < began) or [0.0]
    during = [lat for at, lat in latencies if began <= at <= ended + 0.3] or [0.0]
    return max(during), before[int(len(before) * 0.99) - 1 if len(before) > 1 else 0], result


def category_d(server: Server, quick: bool) -> list[Case]:
    name_50k = "Association " + "x" * 49_988
    heavy: dict[str, Callable[[], Any]] = {
        "/reconcile, a 50,000-character name": lambda: httpx.post(
            f"{server.base}/reconcile", data={"queries": json.dumps({"q0": {"query": name_50k}})},
            timeout=120).status_code,
        "/reconcile, 20 names of 5,000 characters": lambda: httpx.post(
            f"{server.base}/reconcile", data={"queries": json.dumps(
                {f"q{i}": {"query": f"Association {i} " + "y" * 5_000} for i in range(20)})},
            timeout=120).status_code,
        "/reconcile, 33 names of 290 characters (the largest batch accepted)": lambda: httpx.post(
            f"{server.base}/reconcile", data={"queries": json.dumps(
                {f"q{i}": {"query": (f"Association {i} " + "ab " * 100)[:290]}
                 for i in range(33)})},
            timeout=120).status_code,
        "/sparql, a 1 MB query body": lambda: httpx.post(
            f"{server.base}/sparql", content=("#" + "z" * 1_000_000 + "\nASK {}").encode(),
            headers={"Content-Type": "application/sparql-query"}, timeout=120).status_code,
        "/sparql, a 1 MB form body": lambda: httpx.post(
            f"{server.base}/sparql", data={"query": "#" + "z" * 1_000_000 + "\nASK {}"},
            timeout=120).status_code,
        "/sparql, a 1 MB VALUES query": lambda: httpx.post(
            f"{server.base}/sparql", content=("SELECT (COUNT(*) AS ?n) { VALUES ?x { " + " ".join(
                f'"{i:07d}"' for i in range(110_000)) + " } }").encode(),
            headers={"Content-Type": "application/sparql-query"}, timeout=120).status_code,
    }
    if quick:
        del heavy["/reconcile, 20 names of 5,000 characters"]
    cases = []
    for name, action in heavy.items():
        cases.append(_stall_case(server, name, action))
    # the SERVICE/LOAD check parses a text that mentions either word (api/sparql/calls.py):
    # dense expressions are its slowest input (an IN list of 4,000 numbers, 8 KB: about 5 s
    # of pyparsing); the light request is a point lookup on /sparql
    dense = "ASK { FILTER(1 IN (1" + ",1" * 4078 + ")) } # service"
    lookup = "/sparql?" + urlencode({"query": f"SELECT ?p ?o WHERE {{ <{_some_subject(server)}> "
                                              "?p ?o } LIMIT 50"})
    for clients in (1, 4):
        cases.append(_stall_case(
            server, f"/sparql, {clients} x an 8 KB IN list that mentions SERVICE (the calls' "
            "parse); light request: a point lookup on /sparql",
            lambda clients=clients: _at_once(clients, lambda: httpx.post(
                f"{server.base}/sparql", data={"query": dense}, timeout=120).status_code),
            light=lookup))
    return cases


def _stall_case(server: Server, name: str, action: Callable[[], Any],
                light: str = "/health") -> Case:
    cpu_before = _own_cpu(server)
    worst, idle_p99, status = probe_latency(server, action, light=light)
    cpu = _own_cpu(server) - cpu_before  # the server process's, not its workers'
    crashed = server.ensure()
    ok = worst <= 0.5 and not crashed
    return Case("d", name, ok, f"light request worst {worst * 1000:.0f} ms (idle p99 "
                f"{idle_p99 * 1000:.0f} ms); server process CPU {cpu:.2f} s; answer {status}"
                + ("; the server died" if crashed else ""),
                {"worst_ms": round(worst * 1000), "idle_p99_ms": round(idle_p99 * 1000),
                 "server_cpu_s": round(cpu, 2)})


def _own_cpu(server: Server) -> float:
    return cpu_by_process(server.pid, {server.pid}).get(server.pid, 0.0)


def _at_once(count: int, action: Callable[[], Any]) -> Any:
    """`action` run by `count` threads at once: its one result, or the list of them."""
    if count == 1:
        return action()
    with ThreadPoolExecutor(count) as threads:
        return sorted(threads.map(lambda _: action(), range(count)), key=str)


def _some_subject(server: Server) -> str:
    answer = httpx.get(f"{server.base}/sparql", params={"query": "SELECT ?s { ?s ?p ?o } LIMIT 1"},
                       headers={"Accept": "application/sparql-results+json"}, timeout=60)
    return str(answer.json()["results"]["bindings"][0]["s"]["value"])
