"""API benchmark: requests/s, p50 and p99 with 16 concurrent clients on ~1M triples.

    python bench/api.py [--quick] [--copies 220] [--seconds 10] [--clients 16]

Synthesises a store in the shape of the example dataset (bench/synthetic.py: the example's
entities re-minted with fresh identifiers until about a million triples, plus the model
graph), then measures in one run:

* `tsr serve` (this API): entity GET (`/api/actors/{id}` and `/id/actor/{key}`), a
  filtered list, a search, a point-lookup SELECT on `/sparql` and the analytical mix (every
  competency query `queries/cq*.rq`, its `#+ default:` parameters bound with VALUES);
* a second `tsr serve` that keeps no entity response (TSR_ENTITY_CACHE_BYTES=0): the entity
  GET when every document is built (the first server keeps the ones already asked for);
* `oxigraph serve --union-default-graph` on the same data: the same SPARQL;
* a minimal FastAPI app on pyoxigraph (the floors for a Python front): `/sparql` runs the
  query and returns the serialised results; `/entity` runs the entity GET's own query
  (`queries/api-entity.rq`, the actor bound) and returns the graph as JSON-LD, without the
  API's framing, labels or access checks.

Before measuring, it waits until the tsr servers have built what they build on their own
after starting (the label, browse and quad-count indexes): the workloads measure a server
that has settled, and the start-up cost is printed apart.

It also times each competency query alone (one client, best of three) on both servers, so a
query that is slow on the engine itself shows as such. A workload whose requests fail or
time out is reported as such and the run goes on. `--quick`: 20 copies, 4 s each.

The clients are bench/http_client.py on uvloop, not httpx: httpx took 1.2-1.8 ms of CPU a
request, about one of the machine's two cores at the entity GET's rate, and capped every
server near the same throughput (oxigraph serve's point lookups: 860 req/s through httpx,
7,100 with this client).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import random
import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from api.named_queries import load_named_queries  # noqa: E402
from bench.campaign.process_tree import children  # noqa: E402
from bench.http_client import Client  # noqa: E402
from bench.serving import (  # noqa: E402
    BASE,
    bench_options,
    parse_bench_options,
    settle,
    start,
    start_tsr,
    synthesised_stores,
)
from store.sparql_text import with_values  # noqa: E402
from tests.servers import free_port, oxigraph_binary  # noqa: E402

OUT = ROOT / "bench" / "out" / "api"
CLIENT_TIMEOUT = 300  # seconds: some competency queries take seconds at this size
Request = tuple[str, dict[str, str]]
RequestMaker = Callable[[random.Random], Request]
NextRequest = Callable[[random.Random], Request | None]  # None: the workload is done
Workload = tuple[str, str, Callable[[float], NextRequest]]  # name, server, requests
ENTITY_API = "entity GET /api/actors/{id}"
ENTITY_ID = "entity GET /id/actor/{key}"
ENTITY_FLOOR = "entity floor: minimal FastAPI route, api-entity.rq as JSON-LD"
ENTITY_UNKEPT = "entity GET /api/actors/{id}, nothing kept (TSR_ENTITY_CACHE_BYTES=0)"
POINT_TSR = "point lookup: tsr /sparql"
POINT_FLOOR = "point lookup: minimal FastAPI route"
POINT_OXIGRAPH = "point lookup: oxigraph serve"
MIX_TSR = "analytical mix: tsr /sparql"
MIX_OXIGRAPH = "analytical mix: oxigraph serve"


MINIMAL_APP = '''
import os, io
from pathlib import Path
from fastapi import FastAPI, Query
from fastapi.responses import Response
from pyoxigraph import NamedNode, QueryResultsFormat, RdfFormat, Store, Variable
# opened for writing, as `tsr serve` opens its store (a read-only open reads about 20%
# cheaper per entity GET: that difference is the store's mode, not the Python front)
store = Store(os.environ["BENCH_STORE"])
ENTITY_QUERY = Path(os.environ["BENCH_ENTITY_QUERY"]).read_text(encoding="utf-8")
app = FastAPI()

@app.get("/sparql")
def sparql(query: str = Query(...)) -> Response:
    out = io.BytesIO()
    store.query(query, use_default_graph_as_union=True).serialize(out, QueryResultsFormat.JSON)
    return Response(out.getvalue(), media_type="application/sparql-results+json")

@app.get("/entity")
def entity(iri: str = Query(...)) -> Response:
    out = io.BytesIO()
    store.query(ENTITY_QUERY, use_default_graph_as_union=True,
                substitutions={Variable("_item"): NamedNode(iri)}).serialize(out, RdfFormat.JSON_LD)
    return Response(out.getvalue(), media_type="application/ld+json")
'''


def for_seconds(make_request: RequestMaker, seconds: float) -> NextRequest:
    """Requests from `make_request` until `seconds` have passed."""
    deadline = time.monotonic() + seconds
    return lambda rng: make_request(rng) if time.monotonic() < deadline else None


def each_of(requests: list[Request]) -> NextRequest:
    """Each request once, shared by all clients: a fixed amount of work, so that two servers
    given the same list did the same work (a time window over queries that take seconds
    would measure mostly which queries happened to be in flight at its end)."""
    pending = list(reversed(requests))
    return lambda rng: pending.pop() if pending else None


_WINDOWS = itertools.count()  # each measured window draws keys of its own


@dataclass
class Window:
    """What one measured stretch of requests gave."""
    latencies: list[float]  # seconds, of the answered requests (any status)
    seconds: float
    errors: int  # non-200 answers
    timeouts: int  # requests with no answer within CLIENT_TIMEOUT


async def measure(next_request: NextRequest, clients: int) -> Window:
    """Run `clients` concurrent clients until `next_request` says the workload is done."""
    latencies: list[float] = []
    errors = timeouts = 0
    # fresh random streams per window: replaying a window's keys in the next one would turn
    # every request of the second into one the server answered a moment ago
    first_seed = next(_WINDOWS) * clients

    async def worker(seed: int) -> None:
        nonlocal errors, timeouts
        rng = random.Random(seed)
        clients: dict[str, Client] = {}  # one kept-alive connection per server
        while (request := next_request(rng)) is not None:
            url, params = request
            parts = urlsplit(url)
            client = clients.setdefault(parts.netloc, Client(f"http://{parts.netloc}", {
                "Accept": "application/sparql-results+json, application/ld+json"}))
            started = time.perf_counter()
            try:
                async with asyncio.timeout(CLIENT_TIMEOUT):
                    status, _ = await client.get(parts.path, params)
            except TimeoutError:
                timeouts += 1
                continue
            latencies.append(time.perf_counter() - started)
            if status != 200:
                errors += 1
        for client in clients.values():
            client.close()

    started = time.monotonic()
    await asyncio.gather(*(worker(first_seed + number) for number in range(clients)))
    return Window(latencies, time.monotonic() - started, errors, timeouts)


@dataclass
class Tally:
    """A workload's windows added up."""
    latencies: list[float] = field(default_factory=list)
    seconds: float = 0.0
    errors: int = 0
    timeouts: int = 0
    cpu_seconds: float = 0.0  # the serving process's and its children's, over the windows
    kept: int = 0  # tsr: answers that were kept entity responses
    asked: int = 0  # tsr: entity answers, kept or built

    def add(self, window: Window) -> None:
        self.latencies += window.latencies
        self.seconds += window.seconds
        self.errors += window.errors
        self.timeouts += window.timeouts

    @property
    def requests(self) -> int:
        return len(self.latencies)

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, share: float) -> float:
        ordered = sorted(self.latencies) or [float("nan")]
        return ordered[max(0, int(len(ordered) * share) - 1)] * 1000


def competency_queries() -> dict[str, str]:
    """Every competency query as the server runs it (its tuned twin where there is one),
    its parameters bound to their `#+ default:` values."""
    return {name: with_values(query.text, query.bindings({}, BASE))
            for name, query in load_named_queries().items() if name.startswith("cq")}


def plain_twins() -> dict[str, str]:
    """The plain texts of the competency queries that have a tuned twin (`--plain-texts`):
    timed beside their twins, they show what each twin buys."""
    return {f"{name} (plain text)": with_values(query.readable_text, query.bindings({}, BASE))
            for name, query in load_named_queries().items()
            if name.startswith("cq") and query.tuned}


def time_alone(urls: dict[str, str], pids: dict[str, int], queries: dict[str, str]) -> None:
    """Each query alone, best of three, on both servers: what the engine itself costs, in
    wall time and in the server's CPU (tsr's with its query workers'). The servers take
    turns at each try, so that the machine's drift falls on both alike."""
    print("\n| competency query (alone, best of 3) | rows | tsr /sparql ms | tsr CPU ms "
          "| oxigraph serve ms | oxigraph CPU ms |\n|---|---:|---:|---:|---:|---:|")
    servers = (("tsr", "/sparql"), ("oxigraph", "/query"))
    with httpx.Client(timeout=CLIENT_TIMEOUT) as client:
        for name, text in queries.items():
            best = {server: (float("inf"), float("inf")) for server, _ in servers}
            failures: dict[str, str] = {}
            rows = "?"
            for _ in range(3):
                for server, path in servers:
                    if server in failures:
                        continue
                    cpu_before, started = cpu_seconds(pids[server]), time.perf_counter()
                    try:
                        response = client.get(urls[server] + path, params={"query": text},
                                              headers={"Accept": "application/sparql-results+json"})
                    except httpx.TimeoutException:
                        failures[server] = f"timed out after {CLIENT_TIMEOUT} s"
                        continue
                    wall = time.perf_counter() - started
                    cpu = cpu_seconds(pids[server]) - cpu_before
                    if response.status_code != 200:
                        failures[server] = f"HTTP {response.status_code}: {response.text[:120]}"
                        continue
                    rows = str(len(response.json()["results"]["bindings"]))
                    best[server] = (min(best[server][0], wall), min(best[server][1], cpu))
            cells = [cell for server, _ in servers for cell in (
                (failures[server], "") if server in failures else
                (f"{best[server][0] * 1000:.1f}", f"{best[server][1] * 1000:.0f}"))]
            print(f"| {name} | {rows} | {' | '.join(cells)} |", flush=True)


def main() -> None:
    parser = bench_options(__doc__, seconds=12, quick="20 copies, 4 s per workload in 2 windows")
    parser.add_argument("--windows", type=int, default=4,
                        help="turns each workload takes with those it is compared with")
    parser.add_argument("--warm-up", type=float, default=3,
                        help="seconds of the same requests before each timed workload (the "
                        "server's label and search indexes are built in the background then)")
    parser.add_argument("--mix-rounds", type=int, default=2,
                        help="the analytical mix sends every competency query this many times")
    parser.add_argument("--only", help="comma-separated words: run only the workloads whose "
                        "name holds one of them (e.g. 'entity,point'; 'alone': the "
                        "competency queries each alone, which a full run does last)")
    parser.add_argument("--plain-texts", action="store_true",
                        help="also time the plain text of each competency query that runs a "
                        "tuned twin (alone, best of 3; some take minutes)")
    parser.add_argument("--reuse-stores", action="store_true",
                        help="serve the stores the previous run loaded (same --copies)")
    args = parse_bench_options(parser)
    if args.quick:
        args.copies, args.seconds, args.warm_up, args.windows = 20, 4, 1, 2
    synthesised_stores(OUT, args.copies, [OUT / name for name in ("tsr", "oxigraph", "minimal")],
                       reuse=args.reuse_stores)
    # the same store for the server that keeps no entity response (a store is opened by
    # one process only)
    shutil.rmtree(OUT / "tsr-unkept", ignore_errors=True)
    shutil.copytree(OUT / "tsr", OUT / "tsr-unkept")
    (OUT / "minimal_app.py").write_text(MINIMAL_APP)
    bin_dir = Path(sys.executable).parent
    names = ("tsr", "tsr-unkept", "oxigraph", "minimal")
    ports = {name: free_port() for name in ("oxigraph", "minimal")}
    tsr_env = {"TSR_QUERY_TIMEOUT": str(CLIENT_TIMEOUT), "TSR_RESULT_LIMIT": "1000000"}
    urls: dict[str, str] = {}
    processes = []
    for name, env in (("tsr", tsr_env), ("tsr-unkept", {**tsr_env, "TSR_ENTITY_CACHE_BYTES": "0"})):
        urls[name], process = start_tsr(OUT / name, env, cwd=OUT)
        processes.append(process)
    urls.update({name: f"http://127.0.0.1:{port}" for name, port in ports.items()})
    processes += [
        # the floors run without an access log too (uvicorn at --log-level warning)
        start([oxigraph_binary(), "serve", "--location", str(OUT / "oxigraph"), "--bind",
               f"127.0.0.1:{ports['oxigraph']}", "--union-default-graph"],
              urls["oxigraph"] + "/query?query=ASK%7B%7D", cwd=OUT),
        start([str(bin_dir / "uvicorn"), "minimal_app:app", "--port", str(ports["minimal"]),
               "--log-level", "warning"], urls["minimal"] + "/sparql?query=ASK%7B%7D",
              {"BENCH_STORE": str(OUT / "minimal"),
               "BENCH_ENTITY_QUERY": str(ROOT / "queries" / "api-entity.rq")}, cwd=OUT),
    ]
    pids = {name: process.pid for name, process in zip(names, processes, strict=True)}
    for name in ("tsr", "tsr-unkept"):
        httpx.get(urls[name] + "/health", timeout=CLIENT_TIMEOUT)  # starts its quad count
    # at 10 million triples the browse index alone takes minutes to build
    waited = settle([pids["tsr"], pids["tsr-unkept"]], longest=1800)
    print(f"tsr serve's start-up work (its indexes) done after {waited:.0f} s", flush=True)
    try:
        run(args, urls, pids)
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=30)


def actor_keys(url: str) -> list[str]:
    """Keys of the store's actors (the synthetic ones included), read through the API."""
    response = httpx.get(url + "/sparql", timeout=CLIENT_TIMEOUT, params={"query": (
        "SELECT ?a WHERE { ?a a <https://w3id.org/tsr-observatory/ontology#Actor> }")},
        headers={"Accept": "application/sparql-results+json"})
    prefix = f"{BASE}id/actor/"
    return [row["a"]["value"].removeprefix(prefix)
            for row in response.json()["results"]["bindings"]]


def cpu_seconds(pid: int) -> float:
    """User + system CPU time the process has used so far (Linux /proc), with that of its
    child processes (tsr's query workers): those running, and those that ended."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    ticks = sum(int(value) for value in fields[11:15])
    for child in children(pid):
        try:
            child_fields = Path(f"/proc/{child}/stat").read_text().rpartition(")")[2].split()
        except OSError:  # ended meanwhile: counted in the parent's once waited for
            continue
        ticks += int(child_fields[11]) + int(child_fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def kept_counts(url: str) -> tuple[int, int]:
    """Hits and misses of the server's kept entity responses so far (from /health)."""
    kept = httpx.get(url + "/health", timeout=CLIENT_TIMEOUT).json()["entity_responses"]
    return kept["hits"], kept["misses"]


def run(args: argparse.Namespace, urls: dict[str, str], pids: dict[str, int]) -> None:
    keys = actor_keys(urls["tsr"])
    print(f"{len(keys)} actors", flush=True)

    def point(base: str, path: str) -> RequestMaker:
        def request(rng: random.Random) -> tuple[str, dict[str, str]]:
            iri = f"{BASE}id/actor/{rng.choice(keys)}"
            return base + path, {"query": f"SELECT ?p ?o WHERE {{ <{iri}> ?p ?o }}"}
        return request

    mix = competency_queries()
    texts = list(mix.values())

    # the same shuffled list of queries for both servers
    batch = texts * args.mix_rounds
    random.Random(0).shuffle(batch)

    def analytical(base: str, path: str) -> Callable[[float], NextRequest]:
        return lambda seconds: each_of([(base + path, {"query": text}) for text in batch])

    def timed(make_request: RequestMaker) -> Callable[[float], NextRequest]:
        return lambda seconds: for_seconds(make_request, seconds)

    tsr, unkept, minimal = urls["tsr"], urls["tsr-unkept"], urls["minimal"]
    # Workloads compared with each other take turns in short windows (the order reversed
    # each round), so that the machine's drift over a run (±20% here) falls on all of them
    # alike; the analytical mix takes turns whole, twice on each server.
    groups: list[list[Workload]] = [
        [(ENTITY_API, "tsr", timed(lambda rng: (f"{tsr}/api/actors/{rng.choice(keys)}", {}))),
         (ENTITY_ID, "tsr", timed(lambda rng: (f"{tsr}/id/actor/{rng.choice(keys)}", {}))),
         (ENTITY_UNKEPT, "tsr-unkept", timed(
             lambda rng: (f"{unkept}/api/actors/{rng.choice(keys)}", {}))),
         (ENTITY_FLOOR, "minimal", timed(lambda rng: (
             f"{minimal}/entity", {"iri": f"{BASE}id/actor/{rng.choice(keys)}"})))],
        [("filtered list /api/actors?region=…", "tsr", timed(lambda rng: (
            f"{tsr}/api/actors", {"region": rng.choice(["84", "53", "11", "76"])})))],
        [("search /api/search?q=…", "tsr", timed(lambda rng: (f"{tsr}/api/search", {
            "q": rng.choice(["atelier", "sols", "eau", "savoirs", "810079194"])})))],
        [(POINT_TSR, "tsr", timed(point(tsr, "/sparql"))),
         (POINT_FLOOR, "minimal", timed(point(minimal, "/sparql"))),
         (POINT_OXIGRAPH, "oxigraph", timed(point(urls["oxigraph"], "/query")))],
        [(MIX_TSR, "tsr", analytical(tsr, "/sparql")),
         (MIX_OXIGRAPH, "oxigraph", analytical(urls["oxigraph"], "/query"))],
    ]
    if args.only:
        wanted = [word.strip() for word in args.only.split(",") if word.strip()]
        groups = [[entry for entry in group if any(word in entry[0] for word in wanted)]
                  for group in groups]
    print(f"\n{args.clients} concurrent clients (one kept-alive connection each, "
          f"bench/http_client.py). Each workload: {args.warm_up:g} s of warm-up, then "
          f"{args.windows} windows of {args.seconds / args.windows:g} s taking turns with the "
          f"workloads it is compared with ({args.seconds:g} s in all; client timeout "
          f"{CLIENT_TIMEOUT} s). Entity keys: uniformly at random among the {len(keys)} "
          "actors, fresh in every window. Kept: the share of tsr's entity answers that were "
          "kept responses (its /health counts). The analytical mix: the "
          f"{len(texts)} competency queries {args.mix_rounds} times each, in the same "
          "shuffled order on both servers, no warm-up, twice on each, alternating. Server "
          "CPU: the serving process's user + system time, with its child processes' (tsr's "
          "query workers), over the requests it answered "
          "(what a request costs the server, whatever else the machine runs)\n")
    print("| workload | requests | requests/s | p50 ms | p99 ms | server CPU ms/request "
          "| kept | non-200 | timed out |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    results: dict[str, Tally] = {}
    for group in (group for group in groups if group):
        try:
            whole = group[0][0] in (MIX_TSR, MIX_OXIGRAPH)
            if not whole:
                for _, _, workload in group:
                    asyncio.run(measure(workload(args.warm_up), args.clients))
            for number in range(2 if whole else args.windows):
                for name, server, workload in (group if number % 2 == 0 else group[::-1]):
                    tally = results.setdefault(name, Tally())
                    counts_before = kept_counts(urls[server]) if server.startswith("tsr") \
                        else None
                    cpu_before = cpu_seconds(pids[server])
                    tally.add(asyncio.run(measure(workload(args.seconds / args.windows),
                                                  args.clients)))
                    tally.cpu_seconds += cpu_seconds(pids[server]) - cpu_before
                    if counts_before is not None:
                        hits, misses = kept_counts(urls[server])
                        tally.kept += hits - counts_before[0]
                        tally.asked += hits + misses - sum(counts_before)
        except Exception as error:  # noqa: BLE001 - one failed workload must not end the run
            print(f"| {group[0][0]} … | failed: {type(error).__name__}: {error} | | | | | | | |",
                  flush=True)
            continue
        for name, _, _ in group:
            tally = results[name]
            kept = f"{tally.kept / tally.asked:.0%}" if tally.asked else "–"
            print(f"| {name} | {tally.requests} | {tally.rps:.1f} | {tally.percentile(0.5):.1f} "
                  f"| {tally.percentile(0.99):.1f} "
                  f"| {tally.cpu_seconds * 1000 / max(1, tally.requests):.2f} | {kept} "
                  f"| {tally.errors} | {tally.timeouts} |", flush=True)

    def ratio(name: str, baseline: str) -> str:
        if name not in results or baseline not in results or not results[baseline].rps:
            return "not measured"
        return f"{results[name].rps / results[baseline].rps:.2f}x"

    print("\n| ratio (requests/s) | measured | target |\n|---|---:|---:|")
    print(f"| /sparql point lookup / minimal route | {ratio(POINT_TSR, POINT_FLOOR)} | >= 0.7x |")
    for entity in (ENTITY_API, ENTITY_ID, ENTITY_UNKEPT):
        for floor in (POINT_FLOOR, ENTITY_FLOOR):
            print(f"| {entity} / {floor} | {ratio(entity, floor)} | >= 0.7x |")
    print(f"| analytical mix (both passes): /sparql / oxigraph serve | "
          f"{ratio(MIX_TSR, MIX_OXIGRAPH)} | >= 0.7x |")
    for entity in (ENTITY_API, ENTITY_ID, ENTITY_UNKEPT):
        if entity in results:
            print(f"{entity}: p99 {results[entity].percentile(0.99):.1f} ms (target < 50 ms)")
    if not args.only or "alone" in args.only.split(","):
        time_alone(urls, pids, {**mix, **plain_twins()} if args.plain_texts else mix)


if __name__ == "__main__":
    main()
