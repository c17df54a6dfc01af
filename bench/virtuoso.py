"""The embedded store and Virtuoso through the remote backend, side by side in one run: a
load of the benchmark's synthetic data (`tsr load`, the observatory's own path on each
backend), then the analytical mix (every competency query as the server runs it, its tuned
twin where there is one, or `--plain-texts`; its `#+ default:` parameters bound by the
store as the API binds them), run in turn on each store, `--rounds` times.

    python bench/virtuoso.py                  # 220 copies: about a million quads
    python bench/virtuoso.py --copies 5       # a quick run

Virtuoso is Debian's 7.2 (`apt-get install virtuoso-opensource`), started here in a
temporary directory as tests/servers.py starts it, with `--buffers` 8 KiB pages of cache.

Each query may run `--query-timeout` seconds on each engine, then counts as timed out
(its rows unknown): on the embedded store it runs in a query worker process (as `tsr
serve` runs the queries clients send) that is killed at the deadline; on Virtuoso the
backend stops waiting and the engine itself stops the query a few seconds later (its
MaxQueryExecutionTime). Rows are counted: an engine that answers differently shows.

The load figures are each process's own: `tsr load` (wall, CPU, peak memory), and for
Virtuoso also the server's CPU during the load and its peak memory since it started.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from api.named_queries import shipped_queries  # noqa: E402
from bench.synthetic import synthesise  # noqa: E402
from store import Settings, Store, StoreError, open_store  # noqa: E402
from store.isolation import QueryTimeout, isolate  # noqa: E402
from tests.servers import virtuoso_env, virtuoso_server  # noqa: E402

BASE = "https://data.tsr-observatory.org/"
TSR = str(Path(sys.executable).with_name("tsr"))
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass
class Run:
    seconds: float
    rows: int | None  # None: no answer
    failure: str = ""  # "timeout", or the error's first words


def competency_queries(plain: bool) -> dict[str, tuple[str, dict]]:
    """Every competency query as the server runs it (its tuned twin where there is one),
    or its plain text (`--plain-texts`), with its parameters at their `#+ default:` values."""
    return {name: (query.readable_text if plain else query.text, query.bindings({}, BASE))
            for name, query in sorted(shipped_queries().items()) if name.startswith("cq")}


def server_process(location: Path) -> int:
    """The pid of the Virtuoso that runs in `location` (its lock file names it)."""
    for line in (location / "virtuoso.lck").read_text().splitlines():
        if line.startswith("VIRT_PID="):
            return int(line.removeprefix("VIRT_PID="))
    raise SystemExit("no VIRT_PID in Virtuoso's lock file")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime + stime


def peak_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def timed_load(env: dict[str, str], data: Path) -> tuple[float, float, float]:
    """`tsr load data.nq` in its own process: wall seconds, CPU seconds and peak MiB of
    that process (a remote engine's own work is not in them)."""
    started = time.perf_counter()
    process = subprocess.Popen([TSR, "load", str(data)], env={**os.environ, **env},
                               stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"tsr load failed ({process.returncode})")
    wall = time.perf_counter() - started
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def run_once(store: Store, text: str, bindings: dict, limit: float) -> Run:
    started = time.perf_counter()
    try:
        rows: int | None = sum(1 for _ in store.query(text, bindings, timeout=limit))
        failure = ""
    except QueryTimeout:
        rows, failure = None, "timeout"
    except StoreError as error:
        rows = None
        failure = "timeout" if "did not answer in time" in str(error) else str(error)[:60]
    return Run(time.perf_counter() - started, rows, failure)


def mix(store: Store, queries: dict[str, tuple[str, dict]], rounds: int, limit: float,
        label: str) -> dict[str, list[Run]]:
    """Each query `rounds` times on one store; a query that timed out is not run again."""
    runs: dict[str, list[Run]] = {name: [] for name in queries}
    for _ in range(rounds):
        for name, (text, bindings) in queries.items():
            if runs[name] and runs[name][-1].failure:
                continue
            run = run_once(store, text, bindings, limit)
            runs[name].append(run)
            shown = run.failure or f"{run.rows} rows"
            print(f"  {label} {name}: {run.seconds * 1000:,.0f} ms, {shown}", flush=True)
    return runs


def cells(runs: list[Run], limit: float) -> tuple[str, str, float | None]:
    """(ms, rows, best seconds) of one query on one engine: the best answered run."""
    answered = [run for run in runs if not run.failure]
    if not answered:
        failure = runs[-1].failure
        return (f"timeout ({limit:.0f} s)" if failure == "timeout" else f"error: {failure}"), "?", None
    best = min(answered, key=lambda run: run.seconds)
    return f"{best.seconds * 1000:,.0f}", str(best.rows), best.seconds


def report(loads: dict[str, tuple[float, float, float]], server: tuple[float, float],
           results: dict[str, dict[str, list[Run]]], rounds: int, limit: float) -> None:
    print("\n| load of the synthetic data (`tsr load`) | wall s | CPU s (tsr) | peak MiB (tsr) "
          "| CPU s (server) | peak MiB (server) |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, (wall, cpu, peak) in loads.items():
        extra = (f"{server[0]:.1f} | {server[1]:,.0f}" if name == "Virtuoso"
                 else "(in `tsr`) | (in `tsr`)")
        print(f"| {name} | {wall:.1f} | {cpu:.1f} | {peak:,.0f} | {extra} |")
    embedded, virtuoso = results["embedded"], results["Virtuoso"]
    print(f"\n| competency query (best of {rounds}) | embedded ms | rows | Virtuoso ms | rows |")
    print("|---|---:|---:|---:|---:|")
    both = [0.0, 0.0]
    answered = {"embedded": 0, "Virtuoso": 0}
    for query in embedded:
        left, right = cells(embedded[query], limit), cells(virtuoso[query], limit)
        answered["embedded"] += left[2] is not None
        answered["Virtuoso"] += right[2] is not None
        if left[2] is not None and right[2] is not None:
            both[0] += left[2]
            both[1] += right[2]
        print(f"| {query} | {left[0]} | {left[1]} | {right[0]} | {right[1]} |")
    ratio = f"{both[1] / both[0]:.2f}" if both[0] else "n/a"
    print(f"\nanswered within {limit:.0f} s: embedded {answered['embedded']} of {len(embedded)}, "
          f"Virtuoso {answered['Virtuoso']} of {len(virtuoso)}; the queries both answered, "
          f"best times summed: embedded {both[0]:.2f} s, Virtuoso {both[1]:.2f} s "
          f"(Virtuoso / embedded: {ratio})", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=220)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--buffers", type=int, default=170_000,
                        help="Virtuoso's NumberOfBuffers (8 KiB pages): 1.3 GiB by default")
    parser.add_argument("--query-timeout", type=float, default=60.0)
    parser.add_argument("--plain-texts", action="store_true",
                        help="run the queries' plain texts, not their tuned twins")
    args = parser.parse_args()
    limit = args.query_timeout
    queries = competency_queries(args.plain_texts)
    with tempfile.TemporaryDirectory(prefix="tsr-bench-virtuoso-") as tmp:
        work = Path(tmp)
        data = work / "data.nq"
        quads = synthesise(ROOT / "examples" / "tsr-example.ttl", args.copies, data, BASE)
        print(f"synthesised {quads:,} quads ({args.copies} copies)", flush=True)
        (work / "embedded").mkdir()
        with virtuoso_server(work / "virtuoso", buffers=args.buffers, max_rows=100_000_000,
                             max_seconds=int(limit) + 5) as base:
            remote_env = {**virtuoso_env(base), "TSR_ENGINE": "virtuoso",
                          "TSR_REMOTE_TIMEOUT": str(max(limit, 600.0))}
            pid = server_process(work / "virtuoso")
            loads = {"embedded": timed_load({"TSR_STORE": str(work / "embedded")}, data)}
            before = cpu_seconds(pid)
            loads["Virtuoso"] = timed_load(remote_env, data)
            server = (cpu_seconds(pid) - before, peak_mib(pid))
            print(f"loads done: {loads}, Virtuoso server {server}", flush=True)
            settings = Settings(store=str(work / "embedded"), query_workers=1)
            with open_store(settings) as embedded:  # closing it stops its worker
                isolate(embedded, settings)  # queries in a worker killed at the deadline
                results = {"embedded": mix(embedded, queries, args.rounds, limit, "embedded")}
            with open_store(Settings(store="remote", engine="virtuoso", remote_timeout=limit,
                                     query_url=remote_env["TSR_QUERY_URL"],
                                     update_url=remote_env["TSR_UPDATE_URL"],
                                     graph_store_url=remote_env["TSR_GRAPH_STORE_URL"])) as remote:
                results["Virtuoso"] = mix(remote, queries, args.rounds, limit, "Virtuoso")
    report(loads, server, results, args.rounds, limit)


if __name__ == "__main__":
    main()
