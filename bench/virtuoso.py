"""The embedded store and Virtuoso through the remote backend, side by side in one run: a
load of the benchmark's synthetic data (`tsr load`, the observatory's own path on each
backend), then the analytical mix (every competency query, its `#+ default:` parameters
bound with VALUES, run in turn on each store, `--rounds` times).

    python bench/virtuoso.py                  # 220 copies: about a million quads
    python bench/virtuoso.py --copies 20      # a quick run

Virtuoso is Debian's 7.2 (`apt-get install virtuoso-opensource`), started here in a
temporary directory as tests/servers.py starts it, with `--buffers` 8 KiB pages of cache.
A query that has not answered after `--query-timeout` seconds is counted as such (its
rows then unknown). Rows are counted too: an engine that answers differently shows.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.api import competency_queries  # noqa: E402
from bench.synthetic import synthesise  # noqa: E402
from store import Settings, StoreError, open_store  # noqa: E402
from tests.servers import virtuoso_env, virtuoso_server  # noqa: E402

BASE = "https://data.tsr-observatory.org/"
TSR = str(Path(sys.executable).with_name("tsr"))


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


def mix(settings: Settings, queries: dict[str, str], rounds: int,
        limit: float) -> dict[str, list[tuple[float, int | None]]]:
    """Each query `rounds` times: (seconds, rows) per run; rows None when it timed out."""
    times: dict[str, list[tuple[float, int | None]]] = {name: [] for name in queries}
    with open_store(settings) as store:
        for _ in range(rounds):
            for name, text in queries.items():
                started = time.perf_counter()
                try:
                    rows: int | None = sum(1 for _ in store.query(text, timeout=limit))
                except StoreError:
                    rows = None
                times[name].append((time.perf_counter() - started, rows))
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=220)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--buffers", type=int, default=170_000,
                        help="Virtuoso's NumberOfBuffers (8 KiB pages): 1.3 GiB by default")
    parser.add_argument("--query-timeout", type=float, default=120.0)
    args = parser.parse_args()
    queries = competency_queries()
    with tempfile.TemporaryDirectory(prefix="tsr-bench-virtuoso-") as tmp:
        work = Path(tmp)
        data = work / "data.nq"
        quads = synthesise(ROOT / "examples" / "tsr-example.ttl", args.copies, data, BASE)
        print(f"synthesised {quads:,} quads ({args.copies} copies)", flush=True)
        embedded_env = {"TSR_STORE": str(work / "embedded")}
        (work / "embedded").mkdir()
        with virtuoso_server(work / "virtuoso", buffers=args.buffers,
                             max_rows=100_000_000) as base:
            remote_env = {**virtuoso_env(base), "TSR_ENGINE": "virtuoso",
                          "TSR_REMOTE_TIMEOUT": str(args.query_timeout)}
            loads = {"embedded": timed_load(embedded_env, data),
                     "Virtuoso": timed_load(remote_env, data)}
            print("\n| load of the synthetic data (`tsr load`) | wall s | CPU s (tsr) | peak MiB (tsr) |")
            print("|---|---:|---:|---:|")
            for name, (wall, cpu, peak) in loads.items():
                print(f"| {name} | {wall:.1f} | {cpu:.1f} | {peak:.0f} |", flush=True)
            settings = {
                "embedded": Settings(store=str(work / "embedded"), query_isolation=False),
                "Virtuoso": Settings(store="remote", engine="virtuoso",
                                     remote_timeout=args.query_timeout,
                                     query_url=remote_env["TSR_QUERY_URL"],
                                     update_url=remote_env["TSR_UPDATE_URL"],
                                     graph_store_url=remote_env["TSR_GRAPH_STORE_URL"]),
            }
            results = {name: mix(s, queries, args.rounds, args.query_timeout)
                       for name, s in settings.items()}
    print(f"\n| competency query (best of {args.rounds}) | embedded ms | rows "
          "| Virtuoso ms | rows |")
    print("|---|---:|---:|---:|---:|")
    totals = {name: 0.0 for name in results}
    for query in queries:
        cells = []
        for name, runs in results.items():
            best, rows = min(runs)
            totals[name] += sum(seconds for seconds, _ in runs)
            shown = f"over {args.query_timeout:.0f} s" if rows is None else f"{best * 1000:,.0f}"
            cells += [shown, "?" if rows is None else str(rows)]
        print(f"| {query} | " + " | ".join(cells) + " |", flush=True)
    print(f"\nwhole mix ({len(queries)} queries x {args.rounds}): "
          + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in totals.items()))


if __name__ == "__main__":
    main()
