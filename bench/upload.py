"""Benchmark of the workspace's background check: 16 clients read the API of a running
`tsr serve` while a 100,000-row upload is checked, against the same clients without it.

    python bench/upload.py                  # 100,000 rows, 16 clients
    python bench/upload.py --rows 20000     # a quick run

Steps, all real processes on this machine: an on-disk store with the example workbook
(`tsr ingest`), a coordinator account and its API token (`tsr user`), `tsr serve`; then
(1) the readers alone for `--seconds`, (2) the readers while a script uploads the CSV
(the template's Acteurs sheet, as bench/ingest.py writes it) and waits for its check,
(3) the readers alone again. Readers ask, in turn, a page of `/api/actors`, an actor's
`/id/` document (JSON-LD) and a small SPARQL SELECT. Printed: requests, p50 and p99 per
phase, the check's time and rows, and p99 during the upload over p99 without it (the
mean of phases 1 and 3, which frame it).
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))
from tests.servers import free_port, stop, wait_for  # noqa: E402

TSR = str(Path(sys.executable).with_name("tsr"))
SPARQL = "SELECT ?a ?n WHERE { ?a a <https://w3id.org/tsr-observatory/ontology#TSRActor> ; " \
         "<https://w3id.org/tsr-observatory/ontology#name> ?n } LIMIT 10"


def _write_csv() -> object:
    """bench/ingest.py's writer of template-format actors (not importable by name: the
    `ingest` package has it)."""
    spec = importlib.util.spec_from_file_location("bench_ingest", HERE / "ingest.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.write_csv


def prepare(work: Path, rows: int) -> tuple[Path, str, Path]:
    store = work / "store"
    subprocess.run([TSR, "ingest", str(REPO / "examples" / "tsr-example.xlsx"), "--source",
                    "tsr-example", "--store", str(store)], check=True, capture_output=True)
    subprocess.run([TSR, "user", "add", "bench", "--grant", "bench/", "--password-stdin",
                    "--store", str(store)], input=b"a benchmark passphrase\n", check=True,
                   capture_output=True)
    token = subprocess.run([TSR, "user", "token", "bench", "--store", str(store)], check=True,
                           capture_output=True, text=True).stdout.strip()
    upload = work / "acteurs.csv"
    _write_csv()(upload, rows)  # type: ignore[operator]
    return store, token, upload


async def readers(base: str, clients: int, keys: list[str], stop_when: asyncio.Event
                  ) -> list[float]:
    latencies: list[float] = []

    async def reader(seed: int) -> None:
        rng = random.Random(seed)
        async with httpx.AsyncClient(base_url=base, timeout=60) as client:
            turn = seed
            while not stop_when.is_set():
                turn += 1
                kind = turn % 3
                started = time.perf_counter()
                if kind == 0:
                    response = await client.get("/api/actors", params={
                        "page": rng.randint(1, 4), "per_page": 10},
                        headers={"Accept": "application/ld+json"})
                elif kind == 1:
                    response = await client.get(f"/id/actor/{rng.choice(keys)}",
                                                headers={"Accept": "application/ld+json"})
                else:
                    response = await client.get("/sparql", params={"query": SPARQL}, headers={
                        "Accept": "application/sparql-results+json"})
                latencies.append(time.perf_counter() - started)
                if response.status_code != 200:
                    raise RuntimeError(f"{response.request.url}: {response.status_code}")

    tasks = [asyncio.create_task(reader(n)) for n in range(clients)]
    await asyncio.gather(*tasks)
    return latencies


async def phase(base: str, clients: int, keys: list[str], seconds: float) -> list[float]:
    done = asyncio.Event()
    asyncio.get_running_loop().call_later(seconds, done.set)
    return await readers(base, clients, keys, done)


async def with_upload(base: str, clients: int, keys: list[str], token: str, upload: Path,
                      ) -> tuple[list[float], float, dict]:
    done = asyncio.Event()
    reading = asyncio.create_task(readers(base, clients, keys, done))
    await asyncio.sleep(2)  # the readers are under way
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    started = time.monotonic()
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=300) as client:
        sent = await client.post("/workspace/uploads", data={"source": "bench/acteurs"},
                                 files={"file": (upload.name, upload.read_bytes())})
        assert sent.status_code == 202, sent.text
        job = f"/workspace/uploads/{sent.json()['id']}"
        while (state := (await client.get(job)).json())["state"] == "checking":
            await asyncio.sleep(0.5)
    checked = time.monotonic() - started
    done.set()
    return await reading, checked, state


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, int(len(ordered) * share) - 1)] * 1000


def line(name: str, values: list[float], seconds: float) -> str:
    return (f"{name:<22} {len(values):>7} requests {len(values) / seconds:>7.0f} req/s   "
            f"p50 {percentile(values, 0.5):>7.1f} ms   p99 {percentile(values, 0.99):>7.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=30.0,
                        help="length of each phase without the upload")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="tsr-bench-upload-") as folder:
        work = Path(folder)
        store, token, upload = prepare(work, args.rows)
        size = upload.stat().st_size
        port = free_port()
        env = {**{k: v for k, v in os.environ.items() if not k.startswith("TSR_")},
               "TSR_ACCESS_LOG": "false"}
        server = subprocess.Popen([TSR, "serve", "--store", str(store), "--port", str(port)],
                                  env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        base = f"http://127.0.0.1:{port}"
        try:
            wait_for(f"{base}/health", server, seconds=120)
            listed = httpx.get(f"{base}/api/actors", params={"per_page": 50},
                               headers={"Accept": "application/ld+json"}, timeout=60).text
            keys = sorted(set(part.split('"')[0] for part in
                              listed.split("/id/actor/")[1:]))[:40] or ["siren-810079194"]
            asyncio.run(phase(base, args.clients, keys, 15))  # warm-up: caches, workers
            before = asyncio.run(phase(base, args.clients, keys, args.seconds))
            started = time.monotonic()
            during, checked, state = asyncio.run(
                with_upload(base, args.clients, keys, token, upload))
            during_seconds = time.monotonic() - started
            after = asyncio.run(phase(base, args.clients, keys, args.seconds))
        finally:
            stop(server)
    print(f"upload: {args.rows:,} rows ({size / 2**20:.1f} MiB CSV) checked "
          f"in {checked:.1f} s, state {state['state']}, {state['rows']:,} rows read, "
          f"{len(state.get('violations', []))} violations")
    print(line("readers, before", before, args.seconds))
    print(line("readers, during check", during, during_seconds))
    print(line("readers, after", after, args.seconds))
    baseline = statistics.mean([percentile(before, 0.99), percentile(after, 0.99)])
    ratio = percentile(during, 0.99) / baseline
    print(f"p99 during the check / p99 without it: {percentile(during, 0.99):.1f} / "
          f"{baseline:.1f} ms = {ratio:.2f}x (target: within 2x)")


if __name__ == "__main__":
    main()
