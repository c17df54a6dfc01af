"""g. Mixed load: 64 clients, 5% pathological queries, back to back and paced."""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import os
import random
import subprocess
import sys
import time
from dataclasses import dataclass, field
from typing import Any

import httpx

from bench.http_client import Client
from bench.serving import clients_on_uvloop

from .harness import ROOT, Case, Server, doubled_concat


def actor_iris(server: Server) -> list[str]:
    for _ in range(10):  # the query workers may still be starting (a 503 until then)
        answer = httpx.get(f"{server.base}/sparql", params={
            "query": "SELECT DISTINCT ?a WHERE { ?a a <https://w3id.org/tsr-observatory/"
                     "ontology#Actor> } LIMIT 200"},
            headers={"Accept": "application/sparql-results+json"}, timeout=60)
        if answer.status_code == 200:
            break
        time.sleep(2)
    answer.raise_for_status()
    return [b["a"]["value"] for b in answer.json()["results"]["bindings"]]


PATHOLOGICAL = [
    "SELECT (COUNT(*) AS ?n) { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }",
    "SELECT * { ?a ?b ?c . ?d ?e ?f } ORDER BY ?c ?f LIMIT 1",
    "ASK { FILTER(" + "(" * 2_000 + "1" + ")" * 2_000 + ") }",
    doubled_concat(20),
    "SELECT (COUNT(*) AS ?n) { ?a (!<urn:x>)*/(!<urn:y>)* ?b }",
]


@dataclass
class LoadResult:
    light: list[float] = field(default_factory=list)
    light_ok_times: list[float] = field(default_factory=list)
    statuses: dict[str, int] = field(default_factory=dict)
    timeouts: int = 0


# clients per load-generating process: one process holding 64 connections made an answer
# wait in its event loop behind the others' (counted as the server's time)
CLIENTS_PER_PROCESS = 16


def spread_load(server: Server, iris: list[str], clients: int, seconds: float,
                pathological_share: float, think: float = 0.0) -> LoadResult:
    """`load` with its clients spread over processes of CLIENTS_PER_PROCESS, as 64 people
    on their own machines would be: each process runs its share from the same instant
    (their monotonic clocks are the system's), and their results are merged."""
    processes = max(1, -(-clients // CLIENTS_PER_PROCESS))
    if processes == 1:
        return asyncio.run(load(server.base, iris, clients, seconds, pathological_share, think))
    start = time.monotonic() + 3.0  # every process started and its imports done by then
    shares = [clients // processes + (i < clients % processes) for i in range(processes)]
    context = multiprocessing.get_context("spawn")  # the campaign's process has threads
    with context.Pool(processes) as pool:
        parts = pool.starmap(_load_process, [
            (server.base, iris, share, seconds, pathological_share, think, start, index)
            for index, share in enumerate(shares)])
    merged = LoadResult()
    for part in parts:
        merged.light += part.light
        merged.light_ok_times += part.light_ok_times
        merged.timeouts += part.timeouts
        for status, count in part.statuses.items():
            merged.statuses[status] = merged.statuses.get(status, 0) + count
    return merged


def _load_process(base: str, iris: list[str], clients: int, seconds: float,
                  pathological_share: float, think: float, start: float,
                  index: int) -> LoadResult:
    clients_on_uvloop()
    time.sleep(max(0.0, start - time.monotonic()))
    return asyncio.run(load(base, iris, clients, seconds, pathological_share, think,
                            first_seed=index * 1000))


async def load(base: str, iris: list[str], clients: int, seconds: float,
               pathological_share: float, think: float = 0.0,
               first_seed: int = 0) -> LoadResult:
    """`clients` that each send a request as soon as the last one is answered, or after a
    pause of `think` seconds on average (exponential: people reading, not a flood).

    Paced clients also begin with such a pause, as if they had been reading already: 64
    clients sending their first request in the same millisecond are a burst no paced load
    has again, and that one burst alone (64 requests queued at once, 100-150 ms for the
    last of them) was 2% of a 60-second run's light answers, so it made the p99."""
    result = LoadResult()
    deadline = time.monotonic() + seconds

    async def worker(seed: int) -> None:
        rng = random.Random(seed)
        client = Client(base, {"Accept": "application/sparql-results+json"})
        if think:
            await asyncio.sleep(rng.expovariate(1 / think))
        while time.monotonic() < deadline:
            heavy = rng.random() < pathological_share
            if heavy:
                params = {"query": rng.choice(PATHOLOGICAL)}
            else:
                params = {"query": f"SELECT ?p ?o WHERE {{ <{rng.choice(iris)}> ?p ?o }} LIMIT 50"}
            started = time.perf_counter()
            try:
                async with asyncio.timeout(60):
                    status, _ = await client.get("/sparql", params)
            except (TimeoutError, OSError, asyncio.IncompleteReadError, Exception):
                result.timeouts += 1
                client.close()
                continue
            took = time.perf_counter() - started
            key = str(status)
            result.statuses[key] = result.statuses.get(key, 0) + 1
            if not heavy:
                result.light.append(took)
                if status == 200:
                    result.light_ok_times.append(time.monotonic())
            if think:
                await asyncio.sleep(rng.expovariate(1 / think))
        client.close()

    await asyncio.gather(*(worker(first_seed + i) for i in range(clients)))
    return result


def p99(values: list[float]) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


def longest_gap(times: list[float], start: float, end: float) -> float:
    marks = [start, *sorted(times), end]
    return max(b - a for a, b in zip(marks, marks[1:], strict=False))


THINK_SECONDS = 0.5  # the paced run's mean pause between a client's requests
PROBE_INTERVAL = 0.05  # seconds between two of the probe's light queries (bench/campaign/probe.py)


class Probe:
    """The latency probe (bench/campaign/probe.py) in a process of its own, for `seconds`."""

    def __init__(self, server: Server, iris: list[str], seconds: float) -> None:
        self._process = subprocess.Popen(
            [sys.executable, "-m", "bench.campaign.probe", server.base, str(seconds),
             str(PROBE_INTERVAL), *iris[:50]], cwd=ROOT, stdout=subprocess.PIPE)

    def latencies(self) -> list[float]:
        out, _ = self._process.communicate(timeout=300)
        found: list[float] = json.loads(out or b"[]")
        return found


def probed(server: Server, iris: list[str], seconds: float, run: Any) -> tuple[Any, list[float]]:
    """What `run()` returns, and the probe's latencies over the same `seconds`."""
    probe = Probe(server, iris, seconds)
    return run(), probe.latencies()


def category_g(server: Server, quick: bool) -> list[Case]:
    """Two runs of the same clients: back to back (each sends its next request when the
    last is answered: 64 of them saturate the server, so light queries queue behind each
    other even without a pathological one: their p99 is judged against the same clients'
    light-only run), and paced (a pause after each answer: the light load alone leaves
    the server mostly idle, so light queries are judged against the idle server).

    The machine may be shared: each run measures the idle server again just before its
    own runs (one client back to back; for the paced run, CLIENTS_PER_PROCESS clients that
    pause as the load's do), so that the ratios compare figures taken under
    the same outside load, and it prints the load averages (`os.getloadavg`) it ran at.

    Light answers are timed twice, each against its own reference: by the load's clients
    themselves (in processes of CLIENTS_PER_PROCESS: an answer may wait in its process's
    event loop behind other clients' answers, and the wait counts as the server's), and
    by a probe in a process of its own, one light query every PROBE_INTERVAL on its own
    connection, in every phase (idle, light-only, mixed). Both must stay under 2x."""
    clients, seconds = (16, 15.0) if quick else (64, 60.0)
    iris = actor_iris(server)
    # the probe's idle p99 is the 12th slowest of 1,200 answers: in 10 s (200 answers) it
    # was the 2nd slowest, and varied from 3 to 9 ms between runs; over 30 s, 2.4 to 4.3 ms
    idle_seconds = 5.0 if quick else 60.0
    cases = _mixed_run(server, iris, idle_seconds, clients, seconds, 0.0)
    return cases + _mixed_run(server, iris, idle_seconds, clients, seconds, THINK_SECONDS)


def _mixed_run(server: Server, iris: list[str], idle_seconds: float, clients: int,
               seconds: float, think: float) -> list[Case]:
    loads = [os.getloadavg()[0]]
    probe_idle = Probe(server, iris, idle_seconds).latencies()
    # the clients' own reference on the idle server: paced clients are timed against
    # clients that pause as they do (a process of CLIENTS_PER_PROCESS of them, 32 light
    # queries a second: a few hundredths of a core), whose answers wake a sleeping process
    # as theirs do; one client back to back, a process that never sleeps, was a third faster
    idle = spread_load(server, iris, CLIENTS_PER_PROCESS if think else 1, idle_seconds, 0.0,
                       think)
    light_only, probe_light_only = probed(server, iris, seconds / 3, lambda: spread_load(
        server, iris, clients, seconds / 3, 0.0, think))
    loads.append(os.getloadavg()[0])
    started = time.monotonic()
    mixed, probe_mixed = probed(server, iris, seconds, lambda: spread_load(
        server, iris, clients, seconds, 0.05, think))
    ended = time.monotonic()
    loads.append(os.getloadavg()[0])
    crashed = server.ensure()
    after = server.light_ok(10)
    gap = longest_gap(mixed.light_ok_times, started, ended)
    errors = sum(n for status, n in mixed.statuses.items()
                 if status.startswith("5") and status != "503")
    ratio = p99(mixed.light) / p99(idle.light)
    figures = {
        "clients": clients, "seconds": seconds, "think_seconds": think,
        "light_answers": len(mixed.light),
        "idle_p99_ms": round(p99(idle.light) * 1000, 1),
        "light_only_p99_ms": round(p99(light_only.light) * 1000, 1),
        "mixed_light_p99_ms": round(p99(mixed.light) * 1000, 1),
        "p99_ratio_to_idle": round(ratio, 1),
        "p99_ratio_to_light_only": round(p99(mixed.light) / p99(light_only.light), 1),
        "statuses": mixed.statuses, "client_timeouts": mixed.timeouts,
        "longest_gap_without_light_200_s": round(gap, 1),
        "load_averages": [round(value, 1) for value in loads],
        "probe_idle_p99_ms": round(p99(probe_idle) * 1000, 1),
        "probe_light_only_p99_ms": round(p99(probe_light_only) * 1000, 1),
        "probe_mixed_p99_ms": round(p99(probe_mixed) * 1000, 1),
        "probe_answers": [len(probe_idle), len(probe_light_only), len(probe_mixed)],
    }
    paced = f"paced ({think:g} s pauses)" if think else "back to back"
    probe_ratio = p99(probe_mixed) / p99(probe_idle if think else probe_light_only)
    to_light_only = p99(mixed.light) / p99(light_only.light)
    detail = (f"{figures['mixed_light_p99_ms']} ms against {figures['idle_p99_ms']} ms idle "
              f"(x{figures['p99_ratio_to_idle']}) and {figures['light_only_p99_ms']} ms for "
              f"the same clients without pathological queries "
              f"(x{figures['p99_ratio_to_light_only']}); {len(mixed.light)} light answers; "
              f"load {min(loads):.1f}-{max(loads):.1f}; probe (its own process, one light "
              f"query every {PROBE_INTERVAL * 1000:g} ms): idle {figures['probe_idle_p99_ms']}, "
              f"light-only {figures['probe_light_only_p99_ms']}, mixed "
              f"{figures['probe_mixed_p99_ms']} ms")
    checks = [
        Case("g", f"{paced}: p99 of light queries under 2x "
             + ("idle" if think else "the light-only run"),
             (ratio if think else to_light_only) < 2, detail, figures),
        Case("g", f"{paced}: the probe's p99 under 2x its own "
             + ("idle p99" if think else "p99 in the light-only run"),
             probe_ratio < 2, f"{figures['probe_mixed_p99_ms']} ms against "
             f"{figures['probe_idle_p99_ms'] if think else figures['probe_light_only_p99_ms']}"
             f" ms (x{probe_ratio:.1f}); {len(probe_mixed)} probe answers"),
        Case("g", f"{paced}: no 5xx but 503", errors == 0, f"{errors} ({mixed.statuses})"),
        Case("g", f"{paced}: no crash", not crashed, "the server died" if crashed else "alive"),
        Case("g", f"{paced}: no wedge", gap < 15 and after,
             f"longest stretch without a light 200: {gap:.1f} s; /sparql after: "
             f"{'200' if after else 'silent'}"),
    ]
    return checks
