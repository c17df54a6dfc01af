"""The latency probe of category g: light queries at a fixed low rate, from a process of
its own.

The load's 64 clients share four Python processes and their event loops: a light answer
that arrives while its loop is busy with other clients' answers waits there, and the wait
counts as the server's. The probe sends one light query every `interval` seconds on its
own connection (a fixed schedule: a late answer delays the next send, never adds sends),
so what it measures is the server's answer under the load, not the load generator's
queue. It prints the latencies (seconds) as JSON.

It stands for a client on another machine, so it asks for the short time slices the
server has (store/scheduling.py): on these two shared cores its own wake-up, when an
answer arrives, would otherwise wait behind the load generator's processes and the
runaways' workers, and that wait counted as the server's (README, hostile campaign g).

    python -m bench.campaign.probe BASE SECONDS INTERVAL IRI [IRI ...]
"""

from __future__ import annotations

import asyncio
import json
import random
import sys
import time

from bench.http_client import Client
from bench.serving import clients_on_uvloop
from store.scheduling import serve_with_short_slices

LIGHT = "SELECT ?p ?o WHERE {{ <{iri}> ?p ?o }} LIMIT 50"  # the load's light query


async def probe(base: str, seconds: float, interval: float, iris: list[str]) -> list[float]:
    rng = random.Random(7)
    client = Client(base, {"Accept": "application/sparql-results+json"})
    latencies: list[float] = []
    start = time.monotonic()
    next_send = start
    while next_send < start + seconds:
        await asyncio.sleep(max(0.0, next_send - time.monotonic()))
        began = time.perf_counter()
        try:
            async with asyncio.timeout(60):
                status, _ = await client.get("/sparql", {"query": LIGHT.format(
                    iri=rng.choice(iris))})
        except (TimeoutError, OSError):
            status = 0
            client.close()
        if status == 200:
            latencies.append(time.perf_counter() - began)
        next_send += interval
    client.close()
    return latencies[1:]  # the first opened the connection


def main() -> None:
    base, seconds, interval, iris = (sys.argv[1], float(sys.argv[2]), float(sys.argv[3]),
                                     sys.argv[4:])
    clients_on_uvloop()
    serve_with_short_slices()
    print(json.dumps(asyncio.run(probe(base, seconds, interval, iris))))


if __name__ == "__main__":
    main()
