"""Browse and search benchmark: the portal's filtered lists and search against the entity GET,
in requests/s with 16 concurrent clients on ~1M triples, measured in the same run.

    python bench/browse.py [--quick] [--copies 220] [--seconds 12] [--clients 16]

The store is the one bench/api.py synthesises (bench/synthetic.py: the example's entities
re-minted until about a million triples, plus the model graph), loaded once into its own
directory (`--reuse-store` serves the previous run's). One `tsr serve`, and in turns of short
windows (so the machine's drift falls on every workload alike):

* entity GET `/api/actors/{id}` (JSON-LD): the issue's yardstick, keys drawn at random;
* the entity page `/id/actor/{key}` (HTML, the portal's page for people);
* filtered list `/browse/actors?…`: a region and an actor type drawn from the data, a page
  of the first two: 360 distinct pages, kept once built until the store changes;
* the same lists, each request distinct (a `per_page` from 10 to 99 is drawn too: about
  81,000 combinations of the first five pages, nearly all built from the index);
* search `/browse?q=…` over words of the data, a page of the first three;
* the same lists as downloads, `/browse/actors.csv?region=…` (a whole filtered list each).

It prints requests/s, p50/p95/p99, the server's CPU per request, the share of answers that
were kept pages (the server's /health counts), and each workload's ratio to the entity GET.
The first requests after start wait for the browse and search indexes (built once per store
change, timed here through the first /browse/actors answer); the warm-up absorbs them.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.api import (  # noqa: E402
    Tally,
    actor_keys,
    cpu_seconds,
    for_seconds,
    kept_counts,
    measure,
)
from bench.serving import (  # noqa: E402
    bench_options,
    parse_bench_options,
    served_tsr,
    synthesised_stores,
)

OUT = ROOT / "bench" / "out" / "browse"
REGIONS = ("84", "53", "11", "76", "75", "52", "93", "44", "32", "27", "28", "24", "94", "01",
           "02", "03", "04", "06", "00")
TYPES = ("association", "cooperative", "research-third-place", "university", "research-unit",
         "foundation", "ess-company", "collective", "science-shop", "funder")
WORDS = ("atelier", "sols", "eau", "savoirs", "recherche", "habitat", "jardins", "santé",
         "numérique", "810079194", "collectif", "fondation")
ENTITY = "entity GET /api/actors/{id}"


def main() -> None:
    parser = bench_options(__doc__, seconds=12, quick="20 copies, 4 s per workload")
    parser.add_argument("--windows", type=int, default=4,
                        help="turns each workload takes with the others (--seconds in all)")
    parser.add_argument("--warm-up", type=float, default=3)
    parser.add_argument("--reuse-store", action="store_true",
                        help="serve the store the previous run loaded (same --copies)")
    args = parse_bench_options(parser)
    if args.quick:
        args.copies, args.seconds, args.warm_up, args.windows = 20, 4, 1, 2
    store = OUT / "store"
    synthesised_stores(OUT, args.copies, [store], reuse=args.reuse_store)
    with served_tsr(store) as (url, pid):
        run(args, url, pid)


def run(args: argparse.Namespace, url: str, pid: int) -> None:
    keys = actor_keys(url)
    print(f"{len(keys)} actors", flush=True)
    started = time.perf_counter()
    first = httpx.get(url + "/browse/actors", timeout=300)
    print(f"first /browse/actors (builds the browse index and the reader's view): "
          f"{time.perf_counter() - started:.2f} s, HTTP {first.status_code}", flush=True)
    started = time.perf_counter()
    first = httpx.get(url + "/browse", params={"q": "atelier"}, timeout=300)
    print(f"first /browse?q=atelier (builds the search index): "
          f"{time.perf_counter() - started:.2f} s, HTTP {first.status_code}", flush=True)

    def entity(rng: random.Random) -> tuple[str, dict[str, str]]:
        return f"{url}/api/actors/{rng.choice(keys)}", {}

    def entity_page(rng: random.Random) -> tuple[str, dict[str, str]]:
        return f"{url}/id/actor/{rng.choice(keys)}", {}

    def listed(rng: random.Random) -> tuple[str, dict[str, str]]:
        return f"{url}/browse/actors", {"region": rng.choice(REGIONS), "type": rng.choice(TYPES),
                                        "page": str(rng.randint(1, 2))}

    def listed_distinct(rng: random.Random) -> tuple[str, dict[str, str]]:
        return f"{url}/browse/actors", {"region": rng.choice(REGIONS), "type": rng.choice(TYPES),
                                        "page": str(rng.randint(1, 5)),
                                        "per_page": str(rng.randint(10, 99))}

    def searched(rng: random.Random) -> tuple[str, dict[str, str]]:
        return f"{url}/browse", {"q": rng.choice(WORDS), "page": str(rng.randint(1, 3))}

    def exported(rng: random.Random) -> tuple[str, dict[str, str]]:
        return f"{url}/browse/actors.csv", {"region": rng.choice(REGIONS),
                                            "type": rng.choice(TYPES)}

    workloads = [(ENTITY, entity), ("entity page /id/actor/{key} (HTML)", entity_page),
                 ("filtered list /browse/actors?region=&type=&page=", listed),
                 ("filtered list, every request distinct (+per_page=10..99)", listed_distinct),
                 ("search /browse?q=&page=", searched),
                 ("download /browse/actors.csv?region=&type=", exported)]
    print(f"\n{args.clients} concurrent clients, {args.warm_up:g} s of warm-up per workload, "
          f"then {args.windows} windows of {args.seconds / args.windows:g} s taking turns "
          "(order reversed each round). Kept: the share of answers that were kept responses.\n")
    for _, make in workloads:
        asyncio.run(measure(for_seconds(make, args.warm_up), args.clients))
    results: dict[str, Tally] = {}
    for number in range(args.windows):
        for name, make in (workloads if number % 2 == 0 else workloads[::-1]):
            tally = results.setdefault(name, Tally())
            before = kept_counts(url)
            cpu_before = cpu_seconds(pid)
            tally.add(asyncio.run(measure(for_seconds(make, args.seconds / args.windows),
                                          args.clients)))
            tally.cpu_seconds += cpu_seconds(pid) - cpu_before
            hits, misses = kept_counts(url)
            tally.kept += hits - before[0]
            tally.asked += hits + misses - sum(before)
    print("| workload | requests | requests/s | p50 ms | p95 ms | p99 ms | server CPU ms/request "
          "| kept | non-200 | ratio to entity GET |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    base_rps = results[ENTITY].rps
    for name, _ in workloads:
        tally = results[name]
        kept = f"{tally.kept / tally.asked:.0%}" if tally.asked else "–"
        ratio = f"{tally.rps / base_rps:.2f}x" if base_rps else "–"
        print(f"| {name} | {tally.requests} | {tally.rps:.1f} | {tally.percentile(0.5):.1f} "
              f"| {tally.percentile(0.95):.1f} | {tally.percentile(0.99):.1f} "
              f"| {tally.cpu_seconds * 1000 / max(1, tally.requests):.2f} | {kept} "
              f"| {tally.errors + tally.timeouts} | {ratio} |", flush=True)
    print("\ntarget (issue 16): the filtered list and search at least 0.5x the entity GET")


if __name__ == "__main__":
    main()
