"""Portal benchmark: each page kind's requests/s, p50 and p95 with 16 clients on ~1M triples.

    python bench/portal.py [--quick] [--copies 220] [--seconds 8] [--clients 16] [--reuse-store]

Synthesises the store bench/api.py uses (bench/synthetic.py: the example's entities copied
until about a million triples, with the model graph), serves it with `tsr serve`, then in
one run measures, with the same clients, a baseline (`/health` and the entity GET
`/api/actors/{id}`) and the portal's page kinds: home (fr, en), indicators (two measures),
the query page with an example bound, the data page, and an HTML error page. Figures are
printed with their ratio to the baselines measured in the same run, so a loaded machine
moves both.

Home and indicators are rendered from answers computed once per store change
(api/confidentiality.py, api/portal/kept_pages.py): the first view after the server started
pays for the named queries, and that time is printed on its own ("first view").
"""

from __future__ import annotations

import argparse
import asyncio
import random
import shutil
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.api import Tally, Window, actor_keys, for_seconds  # noqa: E402
from bench.http_client import Client  # noqa: E402
from bench.serving import (  # noqa: E402
    bench_options,
    parse_bench_options,
    served_tsr,
    synthesised_stores,
)

OUT = ROOT / "bench" / "out" / "portal"
PAGES = {  # name: (path, expected status)
    "home (fr)": ("/?lang=fr", 200),
    "home (en)": ("/?lang=en", 200),
    "indicators (jobs)": ("/indicators?lang=fr", 200),
    "indicators (budget, en)": ("/indicators?lang=en&measure=budget", 200),
    "query page, cq04 bound": ("/query?example=cq04-jobs-by-year&lang=fr", 200),
    "data page": ("/data?lang=fr", 200),
    "error page (404)": ("/no/such/page?lang=fr", 404),
}
HTML = {"Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8"}


async def measure(base: str, make: object, seconds: float, clients: int, expected: int,
                  headers: dict[str, str]) -> Window:
    latencies: list[float] = []
    errors = 0
    next_request = for_seconds(make, seconds)  # type: ignore[arg-type]

    async def worker(seed: int) -> None:
        nonlocal errors
        rng = random.Random(seed)
        client = Client(base, headers)
        try:
            while (request := next_request(rng)) is not None:
                path, params = request
                started = time.perf_counter()
                status, _ = await client.get(path, params)
                latencies.append(time.perf_counter() - started)
                if status != expected:
                    errors += 1
        finally:
            client.close()

    started = time.monotonic()
    await asyncio.gather(*(worker(seed) for seed in range(clients)))
    return Window(latencies, time.monotonic() - started, errors, 0)


def path_and_params(path: str) -> tuple[str, dict[str, str]]:
    route, _, query = path.partition("?")
    return route, dict(pair.split("=", 1) for pair in query.split("&") if pair)


def main() -> None:
    parser = bench_options(__doc__, seconds=8, quick="20 copies, 3 s per workload")
    parser.add_argument("--reuse-store", action="store_true",
                        help="serve the store the previous run loaded (same --copies)")
    args = parse_bench_options(parser)
    if args.quick:
        args.copies, args.seconds = 20, 3
    store = OUT / "tsr"
    synthesised_stores(OUT, args.copies, [store], reuse=args.reuse_store)
    try:
        with served_tsr(store, cwd=OUT) as (base, _):
            run(args, base)
    finally:
        shutil.rmtree(OUT / "dumps", ignore_errors=True)


def run(args: argparse.Namespace, base: str) -> None:
    keys = actor_keys(base)
    print(f"{len(keys)} actors", flush=True)
    for name in ("home (fr)", "indicators (jobs)"):
        started = time.perf_counter()
        response = httpx.get(base + PAGES[name][0], headers=HTML, timeout=600)
        print(f"first view of {name}: {time.perf_counter() - started:.2f} s "
              f"(status {response.status_code}, {len(response.content):,} bytes)", flush=True)
    workloads: list[tuple[str, object, int, dict[str, str]]] = [
        ("baseline: /health", lambda rng: ("/health", {}), 200, {}),
        ("baseline: entity GET /api/actors/{id}",
         lambda rng: (f"/api/actors/{rng.choice(keys)}", {}), 200,
         {"Accept": "application/ld+json"}),
    ]
    for name, (path, status) in PAGES.items():
        route, params = path_and_params(path)
        workloads.append((name, lambda rng, r=route, p=params: (r, p), status, HTML))
    results: dict[str, Tally] = {}
    for name, make, status, headers in workloads:
        # a short warm-up with the same requests, then the measured stretch
        asyncio.run(measure(base, make, 1, args.clients, status, headers))
        tally = Tally()
        tally.add(asyncio.run(measure(base, make, args.seconds, args.clients, status, headers)))
        results[name] = tally
        print(f"  {name}: {tally.rps:,.0f} req/s", flush=True)
    health = results["baseline: /health"].rps
    entity = results["baseline: entity GET /api/actors/{id}"].rps
    print(f"\n{args.clients} clients, {args.seconds:g} s each\n")
    print("| workload | req/s | p50 ms | p95 ms | x entity GET | x /health | errors |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, tally in results.items():
        print(f"| {name} | {tally.rps:,.0f} | {tally.percentile(0.50):.1f} | "
              f"{tally.percentile(0.95):.1f} | {tally.rps / entity:.2f} | "
              f"{tally.rps / health:.2f} | {tally.errors} |")
    slow = [name for name, tally in results.items() if tally.percentile(0.95) >= 100]
    print("\np95 < 100 ms on every page kind" if not slow else f"\np95 >= 100 ms: {slow}")


if __name__ == "__main__":
    main()
