"""What the API, browse and portal benchmarks share: their common options, the synthesised
store (bench/synthetic.py) bulk-loaded into each server's directory, and servers started and
waited for.

Each script stays one command (`python bench/api.py --quick`...); this module only holds
the steps they all take.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.synthetic import synthesise  # noqa: E402
from tests.servers import free_port, stop, wait_for  # noqa: E402

BASE = "https://data.tsr-observatory.org/"
TSR = str(Path(sys.executable).with_name("tsr"))
# every benchmark's `tsr serve`: queries may take minutes at a million triples, and an
# access log line per request would cost the server what the benchmark measures
SERVE_SETTINGS = {"TSR_QUERY_TIMEOUT": "300", "TSR_ACCESS_LOG": "false"}


def bench_options(doc: str, *, seconds: float, quick: str) -> argparse.ArgumentParser:
    """The options every one of these benchmarks takes (its own are added by the caller):
    `--quick` (its help: `quick`), `--copies`, `--seconds`, `--clients`."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help=quick)
    parser.add_argument("--copies", type=int, default=220,
                        help="copies of the example's entities (220: about a million triples)")
    parser.add_argument("--seconds", type=float, default=seconds,
                        help="measured seconds per workload")
    parser.add_argument("--clients", type=int, default=16)
    return parser


def parse_bench_options(parser: argparse.ArgumentParser) -> argparse.Namespace:
    """The parsed options, with the clients' event loop on uvloop (`clients_on_uvloop`)."""
    args = parser.parse_args()
    clients_on_uvloop()
    return args


def clients_on_uvloop() -> None:
    """Run the clients' event loops on uvloop where it exists: the load generator's own
    CPU counts, since the machine's cores are shared with the servers, and so does the
    time an answer waits in the clients' process before it is read."""
    try:
        import uvloop
    except ImportError:  # pragma: no cover - not on Windows
        return
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())


def load(directory: Path, data: Path) -> None:
    """Bulk-load the N-Quads file `data` into a fresh on-disk store at `directory`."""
    from pyoxigraph import RdfFormat, Store

    shutil.rmtree(directory, ignore_errors=True)
    store = Store(str(directory))
    store.bulk_load(path=str(data), format=RdfFormat.N_QUADS)
    store.flush()
    del store


def synthesised_stores(out: Path, copies: int, stores: Sequence[Path], *,
                       reuse: bool = False) -> None:
    """The synthetic dataset of `copies` copies loaded into each of `stores`; with `reuse`,
    the stores a previous run loaded (when they are all there) are served as they are."""
    out.mkdir(parents=True, exist_ok=True)
    if reuse and all(store.is_dir() for store in stores):
        return
    data = out / "data.nq"
    triples = synthesise(ROOT / "examples" / "tsr-example.ttl", copies, data, BASE)
    print(f"synthesised {triples} triples ({copies} copies of the example entities, and the "
          "model graph)", flush=True)
    for store in stores:
        load(store, data)
    data.unlink()


def start(command: list[str], url: str, env: dict[str, str] | None = None, *,
          cwd: Path | None = None) -> subprocess.Popen[bytes]:
    """Start a server (this process's environment with `env` added) and wait until `url`
    answers."""
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               env={**os.environ, **(env or {})}, cwd=cwd)
    try:
        wait_for(url, process, seconds=180)
    except BaseException:
        stop(process)
        raise
    return process


def settle(pids: Sequence[int], *, quiet_cpu: float = 0.05, longest: float = 300.0) -> float:
    """Wait until none of the processes `pids` uses more than `quiet_cpu` seconds of CPU in a
    second (at most `longest` seconds); the seconds waited. `tsr serve` builds its label and
    browse indexes in the background once it answers (20 s and more of one core at a million
    triples): measured meanwhile, every request competed with that start-up work."""
    started = time.monotonic()

    def used() -> float:
        total = 0
        for pid in pids:
            fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
            total += int(fields[11]) + int(fields[12])
        return total / os.sysconf("SC_CLK_TCK")

    before = used()
    while time.monotonic() - started < longest:
        time.sleep(1.0)
        now = used()
        if now - before <= quiet_cpu * len(pids):
            break
        before = now
    return time.monotonic() - started


def start_tsr(store: Path, env: dict[str, str] | None = None, *,
              cwd: Path | None = None) -> tuple[str, subprocess.Popen[bytes]]:
    """`tsr serve` on `store` on a free port, with SERVE_SETTINGS and `env`; (its URL, the
    process) once /health answers."""
    url = f"http://127.0.0.1:{free_port()}"
    process = start([TSR, "serve", "--store", str(store), "--port", url.rsplit(":", 1)[1]],
                    url + "/health", {**SERVE_SETTINGS, **(env or {})}, cwd=cwd)
    return url, process


@contextmanager
def served_tsr(store: Path, env: dict[str, str] | None = None, *,
               cwd: Path | None = None) -> Iterator[tuple[str, int]]:
    """`start_tsr` for a `with` block: yields (URL, pid), stops the server after (killed
    if a query keeps it past 20 s)."""
    url, process = start_tsr(store, env, cwd=cwd)
    try:
        yield url, process.pid
    finally:
        stop(process)
