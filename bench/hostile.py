"""The hostile campaign of issue 14 as one repeatable command: a real `tsr serve` on an
on-disk store (the example workbook plus a restricted source), a local listener that
counts the connections the server makes to it, and requests and files meant to crash,
wedge or trick it. Prints, per category, the cases tried and the failures; the details go
to bench/out/hostile.json.

    python bench/hostile.py                 # everything (the torture alone takes a while)
    python bench/hostile.py --quick         # a short version of each category
    python bench/hostile.py --only a,c      # some categories
    python bench/hostile.py --kills 200     # kills of the torture (f)

Categories:

a. parser crashes: queries and updates nested 5,000 and 10,000 deep (parentheses, `{ }`,
   OPTIONAL, collections, `[ ]`, subqueries, negations): each must get an answer below 500
   (a 4xx, or a 200 for a deep but valid form) and the server live on;
b. runaway queries (cartesian sorts and COUNTs, 20 cartesian COUNTs at once, nested paths,
   REGEX over big strings, large VALUES, nested BIND(CONCAT)): each must get its 503 at the
   deadline (TSR_QUERY_TIMEOUT, set to 4 s here); the processes of the server's tree that
   were there at the deadline must stop using CPU within 1 s of it (under 0.1 core 1-2 s
   after it, and under 0.02 if they stay runnable, as a runaway does on contended cores; a
   worker started later to replace a killed one is not the runaway); no process of it may
   grow past the memory budget (TSR_QUERY_MEMORY_BYTES when the server has that setting,
   else the budget below, for the record); and /sparql must answer a light query after;
c. SERVICE and LOAD escapes (comments ended by a carriage return, \\u escapes, case,
   prefixes, BASE, variables, subqueries, updates, other spellings of the loopback
   address): a failure is any connection the listener receives;
d. event-loop stalls (a 50,000-character /reconcile name, 1 MB query bodies): the worst
   latency of a light request sent every 20 ms meanwhile, a failure above 0.5 s;
e. hostile files through `tsr ingest` (XML entity bomb, external entities, an XLSX that
   unpacks to hundreds of MB, an ODS bomb, not a zip, a 20 MB cell): one line on stderr,
   exit code 2, within 120 s and 1 GB, no connection to the listener;
f. the torture (bench/torture.py): real `tsr ingest` processes killed, the store checked;
g. 64 clients for 60 s of mixed load, 5% of it pathological, twice: back to back (the
   p99 of light queries against the same clients' light-only run: 64 clients that never
   pause saturate the server by themselves) and paced (0.5 s pauses, one before the first
   request too: against the idle server, measured just before); 5xx answers other than
   503, crashes, wedges (no light answer for 15 s, or /sparql silent after the run).

Categories that depend on other work of issue 14 (worker processes for queries, SERVICE
on the parse, the depth guard, reconciliation off the loop) show failures until it lands:
the campaign runs against whatever the tree holds.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.http_client import Client  # noqa: E402
from bench.torture import report as torture_report  # noqa: E402
from bench.torture import run_torture  # noqa: E402
from tests.servers import free_port, wait_for  # noqa: E402

TSR = str(Path(sys.executable).with_name("tsr"))
OUT = ROOT / "bench" / "out"
EXAMPLE = ROOT / "examples" / "tsr-example.xlsx"
WRITE_TOKEN, READ_TOKEN = "hostile-write", "hostile-read"
QUERY_TIMEOUT = 4.0
BUDGET = 2 * 1024**3  # bytes: the memory budget asked of a query worker (or noted, if none)
SAFETY_RSS = 6 * 1024**3  # the harness restarts a server whose tree grows past this
CLK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")
SECRET_ROWS = "Nom;Type d'acteur;Région\nOrganisation très secrète;Association;Bretagne\n"


# -- the server's process tree, from /proc -------------------------------------------------

def _stat(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text[text.rindex(")") + 2:].split()  # fields from the 3rd (state) on


def tree(root: int) -> list[int]:
    """`root` and its descendants."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (fields := _stat(int(entry))) is not None:
            children.setdefault(int(fields[1]), []).append(int(entry))
    found, pending = [], [root]
    while pending:
        pid = pending.pop()
        found.append(pid)
        pending += children.get(pid, [])
    return found


def cpu_seconds(root: int) -> float:
    """CPU time of the tree, its reaped children's included (so killing a worker does not
    make the total go back)."""
    total = 0
    for pid in tree(root):
        if (fields := _stat(pid)) is not None:
            total += sum(int(value) for value in fields[11:15])  # utime stime cutime cstime
    return total / CLK


def cpu_by_process(root: int, only: set[int] | None = None) -> dict[int, float]:
    """CPU seconds (user + system) of each process of the tree, or of those in `only`."""
    found = {}
    for pid in tree(root):
        if (only is None or pid in only) and (fields := _stat(pid)) is not None:
            found[pid] = (int(fields[11]) + int(fields[12])) / CLK
    return found


def runnable_threads(root: int, only: set[int] | None = None) -> int:
    """Threads of the tree (or of its processes in `only`) running or waiting for a core
    (state R): on a machine whose cores are shared, a runaway may get little CPU, but it
    stays runnable."""
    count = 0
    for pid in tree(root):
        if only is not None and pid not in only:
            continue
        with contextlib.suppress(OSError):
            for tid in os.listdir(f"/proc/{pid}/task"):
                with contextlib.suppress(OSError):
                    text = Path(f"/proc/{pid}/task/{tid}/stat").read_text()
                    count += text[text.rindex(")") + 2] == "R"
    return count


def biggest_rss(root: int) -> int:
    """The largest resident size of one process of the tree, in bytes."""
    sizes = [int(fields[21]) * PAGE for pid in tree(root) if (fields := _stat(pid)) is not None]
    return max(sizes, default=0)


# -- the listener that counts outgoing connections -----------------------------------------

class Listener:
    """A loopback TCP server that counts connections and answers each with an empty SPARQL
    result (so a SERVICE call that gets through succeeds, as an attacker's would)."""

    def __init__(self) -> None:
        self.socket = socket.socket()
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(64)
        self.port = self.socket.getsockname()[1]
        self.count = 0
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self.socket.accept()
            except OSError:
                return
            self.count += 1
            with connection:
                connection.settimeout(1)
                try:
                    connection.recv(65536)
                    body = b'{"head":{"vars":[]},"results":{"bindings":[]}}'
                    connection.sendall(
                        b"HTTP/1.1 200 OK\r\nContent-Type: application/sparql-results+json\r\n"
                        + f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
                        + body)
                except OSError:
                    pass

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/sparql"


# -- the server ----------------------------------------------------------------------------

class Server:
    def __init__(self, store: Path, env: dict[str, str]) -> None:
        self.store, self.env = store, env
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None
        self.crashes = 0  # exits the harness did not cause
        self.restarts = 0  # restarts the harness had to do (a runaway it could not wait for)
        self.log = store.parent / "serve.log"

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [TSR, "serve", "--store", str(self.store), "--port", str(self.port)],
                stdout=log, stderr=log, env={**os.environ, **self.env})
        wait_for(f"{self.base}/health", self.process, seconds=120)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            for pid in reversed(tree(self.process.pid)[1:]):
                _kill(pid)
            self.process.kill()
            self.process.wait()

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def ensure(self) -> bool:
        """Start it again if it died; True if it had died (a crash)."""
        if self.alive():
            return False
        self.crashes += 1
        self.start()
        return True

    def restart(self) -> None:
        self.restarts += 1
        self.stop()
        self.start()

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def light_ok(self, seconds: float = 5.0) -> bool:
        """/sparql answers a light query with 200 within `seconds`."""
        try:
            answer = httpx.get(f"{self.base}/sparql", params={"query": "ASK { ?s ?p ?o }"},
                               timeout=seconds)
        except httpx.HTTPError:
            return False
        return answer.status_code == 200


def _kill(pid: int) -> None:
    with contextlib.suppress(OSError):
        os.kill(pid, 9)


@dataclass
class Case:
    category: str
    name: str
    ok: bool
    detail: str = ""
    figures: dict[str, Any] = field(default_factory=dict)


LAST_ANSWER: dict[str, str] = {"text": ""}  # the start of the last answer's body


def post_sparql(server: Server, text: str, *, update: bool = False, token: str | None = None,
                timeout: float = 60) -> tuple[int | str, float]:
    """Status (or the error's name) and seconds of a POST form to /sparql."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    started = time.perf_counter()
    try:
        answer = httpx.post(f"{server.base}/sparql", data={"update" if update else "query": text},
                            headers=headers, timeout=timeout)
        status: int | str = answer.status_code
        LAST_ANSWER["text"] = " ".join(answer.text[:90].split())
    except httpx.HTTPError as error:
        status = type(error).__name__
        LAST_ANSWER["text"] = ""
    return status, time.perf_counter() - started


# -- a. parser crashes ---------------------------------------------------------------------

def deep_queries(depth: int) -> dict[str, tuple[str, bool]]:
    n = depth
    return {
        "FILTER((((…1)))))": ("ASK { FILTER(" + "(" * n + "1" + ")" * n + ") }", False),
        "{ { { … } } }": ("SELECT * WHERE " + "{ " * n + "}" * n, False),
        "OPTIONAL { OPTIONAL { … } }": (
            "SELECT * { " + "OPTIONAL { " * n + "?s ?p ?o " + "} " * n + "}", False),
        "collection ((((…))))": ("SELECT * { ?s ?p " + "(" * n + "1" + ")" * n + " }", False),
        "[ :p [ :p … ] ]": ("SELECT * { ?s ?p " + "[ <urn:p> " * n + "1" + " ]" * n + " }", False),
        "subqueries": ("SELECT * { " + "{ SELECT * WHERE " * n + "{ ?s ?p ?o }" + " }" * n + " }",
                       False),
        "unary !!!!…": ("ASK { FILTER(" + "!" * n + "true) }", False),
        "update INSERT DATA (((…)))": (
            "INSERT DATA { GRAPH <urn:hostile> { <urn:s> <urn:p> " + "(" * n + "1" + ")" * n
            + " } }", True),
    }


def category_a(server: Server, quick: bool) -> list[Case]:
    cases = []
    for depth in (5_000,) if quick else (5_000, 10_000):
        for name, (text, update) in deep_queries(depth).items():
            status, seconds = post_sparql(server, text, update=update,
                                          token=WRITE_TOKEN if update else None, timeout=60)
            crashed = server.ensure()
            # refused (4xx) or answered (a deep but valid form): either way, not a crash
            ok = isinstance(status, int) and status < 500 and not crashed
            detail = "the server died" if crashed else f"{status} in {seconds:.2f} s"
            cases.append(Case("a", f"{name} x{depth}", ok, detail))
    return cases


# -- b. runaway queries --------------------------------------------------------------------

def runaway_queries(quick: bool) -> dict[str, tuple[str, int]]:
    """name -> (query, how many sent at once)."""
    values = " ".join(str(i) for i in range(20_000))
    concat = "".join(f" BIND(CONCAT(?x{i}, ?x{i}) AS ?x{i + 1})" for i in range(26))
    cases = {
        "cartesian ORDER BY": ("SELECT * { ?a ?b ?c . ?d ?e ?f } ORDER BY ?c ?f LIMIT 1", 1),
        "cartesian COUNT": ("SELECT (COUNT(*) AS ?n) { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }", 1),
        "20 cartesian COUNTs at once": (
            "SELECT (COUNT(*) AS ?n) { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }", 20),
        "nested property paths": (
            "SELECT (COUNT(*) AS ?n) { ?a (!<urn:x>)*/(!<urn:y>)*/(!<urn:z>)* ?b . "
            "?b (!<urn:x>|^!<urn:x>)* ?c }", 1),
        "REGEX over big strings": (
            "SELECT (COUNT(*) AS ?n) { ?a ?b ?c . ?d ?e ?f "
            'FILTER(REGEX(CONCAT(STR(?c), STR(?f), STR(?c), STR(?f)), "(.*a){12}x")) }', 1),
        "large VALUES x VALUES": (
            f"SELECT (COUNT(*) AS ?n) {{ VALUES ?x {{ {values} }} VALUES ?y {{ {values} }} }}", 1),
        "26 nested BIND(CONCAT)": (f'SELECT ?x26 {{ BIND("ab" AS ?x0){concat} }}', 1),
    }
    if quick:
        for name in ("cartesian COUNT", "large VALUES x VALUES"):
            del cases[name]
    return cases


def watch_runaway(server: Server, query: str, copies: int) -> dict[str, Any]:
    """Send `copies` at once; follow the tree's CPU and memory until 3 s past the deadline
    (longer if it keeps working, up to 30 s, then the harness restarts the server)."""
    statuses: list[int | str] = []

    def send() -> None:
        statuses.append(post_sparql(server, query, timeout=120)[0])

    started = time.monotonic()
    threads = [threading.Thread(target=send) for _ in range(copies)]
    for thread in threads:
        thread.start()
    deadline = started + QUERY_TIMEOUT
    peak = 0
    # after the deadline, only the processes that were there at the deadline are watched: a
    # worker started to replace a killed one is not the runaway (its start-up costs CPU)
    at_deadline: set[int] | None = None
    samples: list[tuple[float, dict[int, float]]] = []  # (time since start, CPU by process)
    running: list[tuple[float, int]] = []  # (time since start, runnable threads)
    while time.monotonic() < deadline + 30:
        if not server.alive():
            break
        now = time.monotonic() - started
        if at_deadline is None and now >= QUERY_TIMEOUT:
            at_deadline = set(tree(server.pid))
        samples.append((now, cpu_by_process(server.pid, at_deadline)))
        running.append((now, runnable_threads(server.pid, at_deadline)))
        peak = max(peak, biggest_rss(server.pid))
        if peak > SAFETY_RSS:
            break
        if now > QUERY_TIMEOUT + 3 and _busy(running, now - 1, now) < 0.2:
            break
        time.sleep(0.1)
    after = _rate(samples, QUERY_TIMEOUT + 1, QUERY_TIMEOUT + 2)
    busy_after = _busy(running, QUERY_TIMEOUT + 1, QUERY_TIMEOUT + 2)
    last = samples[-1][0] if samples else 0.0
    still = _busy(running, last - 1, last)
    figures = {"cpu_cores_1_to_2_s_after_deadline": round(after, 2),
               "busy_share_1_to_2_s_after_deadline": round(busy_after, 2),
               "peak_rss_mb": round(peak / 2**20), "seconds_watched": round(last, 1)}
    crashed = not server.alive()
    if crashed:
        server.ensure()
    elif still >= 0.2 or peak > SAFETY_RSS:
        server.restart()  # the runaway would not stop: the next case needs the machine
        figures["restarted_by_harness"] = True
    for thread in threads:
        thread.join(timeout=120)
    figures["statuses"] = sorted({str(s) for s in statuses})
    figures["crashed"] = crashed
    return figures


def _busy(running: list[tuple[float, int]], start: float, end: float) -> float:
    """Share of the samples between `start` and `end` that found a runnable thread."""
    inside = [n for at, n in running if start <= at <= end]
    return sum(1 for n in inside if n) / len(inside) if inside else 0.0


def _rate(samples: list[tuple[float, dict[int, float]]], start: float, end: float) -> float:
    """Cores the watched processes used between `start` and `end` (seconds since the case
    began), counting those alive at both ends."""
    inside = [s for s in samples if start <= s[0] <= end]
    if len(inside) < 2:
        return 0.0
    (first_at, first), (last_at, last) = inside[0], inside[-1]
    used = sum(last[pid] - first[pid] for pid in last if pid in first)
    return used / max(last_at - first_at, 1e-6)


def category_b(server: Server, quick: bool, budget: int) -> list[Case]:
    cases = []
    for name, (query, copies) in runaway_queries(quick).items():
        figures = watch_runaway(server, query, copies)
        answered_light = server.light_ok()
        figures["light_query_after"] = answered_light
        problems = []
        if figures["crashed"]:
            problems.append("the server died")
        if figures["statuses"] != ["503"]:
            problems.append(f"answers {figures['statuses']}, not 503")
        cores = figures["cpu_cores_1_to_2_s_after_deadline"]
        busy = figures["busy_share_1_to_2_s_after_deadline"]
        # CPU used is the measure; "runnable" counts only when the cores are contended (a
        # runaway then gets a sliver of CPU but stays runnable), not for a process that
        # shows R while it exits and uses none
        if cores >= 0.1 or (busy >= 0.5 and cores >= 0.02) or figures.get(
                "restarted_by_harness"):
            problems.append(
                f"CPU not stopped (1-2 s after the deadline: runnable in "
                f"{figures['busy_share_1_to_2_s_after_deadline']:.0%} of samples, "
                f"{figures['cpu_cores_1_to_2_s_after_deadline']} cores)"
                + ("; the harness restarted the server" if figures.get("restarted_by_harness")
                   else ""))
        if figures["peak_rss_mb"] * 2**20 > budget:
            problems.append(f"{figures['peak_rss_mb']} MB, over the budget")
        if not answered_light:
            problems.append("/sparql silent afterwards")
        cases.append(Case("b", name, not problems, "; ".join(problems) or
                          f"503, CPU {figures['cpu_cores_1_to_2_s_after_deadline']} cores "
                          f"after the deadline, {figures['peak_rss_mb']} MB", figures))
    return cases


# -- c. SERVICE and LOAD escapes -----------------------------------------------------------

def escapes(listener: Listener) -> dict[str, tuple[str, str | None]]:
    """name -> (text, None for a query or "update")."""
    url = listener.url
    port = listener.port
    pattern = "{ ?s ?p ?o }"
    h_escaped = "\\u0068" + url[1:]
    return {
        "plain SERVICE": (f"SELECT * {{ SERVICE <{url}> {pattern} }}", None),
        "comment ended by CR": (f"SELECT * {{ #x\rSERVICE <{url}> {pattern} }}", None),
        "comment ended by CR, lower case": (f"SELECT * {{ #x\rservice <{url}> {pattern} }}", None),
        "\\u escape in the IRI": (f"SELECT * {{ SERVICE <{h_escaped}> {pattern} }}", None),
        "\\u escape of the last character": (
            f"SELECT * {{ SERVICE <{url[:-1]}\\u0{ord(url[-1]):03X}> {pattern} }}", None),
        "mixed case": (f"SELECT * {{ SeRvIcE <{url}> {pattern} }}", None),
        "SERVICE SILENT": (f"SELECT * {{ SERVICE SILENT <{url}> {pattern} }}", None),
        "tab and comment between": (f"SELECT * {{ SERVICE\t#c\n<{url}> {pattern} }}", None),
        "prefixed name": (f"PREFIX l: <{url[:-6]}> SELECT * {{ SERVICE l:sparql {pattern} }}",
                          None),
        "relative IRI under BASE": (f"BASE <{url}> SELECT * {{ SERVICE <> {pattern} }}", None),
        "variable bound by VALUES": (
            f"SELECT * {{ VALUES ?e {{ <{url}> }} SERVICE ?e {pattern} }}", None),
        "in a subquery": (f"SELECT * {{ {{ SELECT * {{ SERVICE <{url}> {pattern} }} }} }}", None),
        "in OPTIONAL": (f"SELECT * {{ OPTIONAL {{ SERVICE <{url}> {pattern} }} }}", None),
        "in FILTER EXISTS": (f"ASK {{ FILTER EXISTS {{ SERVICE <{url}> {pattern} }} }}", None),
        "in MINUS": (f"SELECT * {{ ?a ?b ?c MINUS {{ SERVICE <{url}> {pattern} }} }}", None),
        "localhost": (f"SELECT * {{ SERVICE <http://localhost:{port}/sparql> {pattern} }}", None),
        "decimal address": (f"SELECT * {{ SERVICE <http://2130706433:{port}/sparql> {pattern} }}",
                            None),
        "127.1": (f"SELECT * {{ SERVICE <http://127.1:{port}/sparql> {pattern} }}", None),
        "CONSTRUCT": (f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ SERVICE <{url}> {pattern} }}", None),
        "update WHERE SERVICE": (
            f"INSERT {{ GRAPH <urn:hostile> {{ ?s ?p ?o }} }} WHERE {{ SERVICE <{url}> {pattern} }}",
            "update"),
        "update, comment ended by CR": (
            f"INSERT {{ GRAPH <urn:hostile> {{ ?s ?p ?o }} }} WHERE {{ #x\rSERVICE <{url}> "
            f"{pattern} }}", "update"),
        "LOAD": (f"LOAD <{url}>", "update"),
        "LOAD SILENT INTO GRAPH": (f"LOAD SILENT <{url}> INTO GRAPH <urn:hostile>", "update"),
        "LOAD, \\u escape": (f"LOAD <{h_escaped}>", "update"),
    }


def category_c(server: Server, listener: Listener, allowed: Listener, quick: bool,
               ) -> list[Case]:
    cases = []
    for name, (text, kind) in escapes(listener).items():
        before = listener.count
        token = WRITE_TOKEN if kind else None
        status, _ = post_sparql(server, text, update=kind == "update", token=token, timeout=30)
        get_status: int | str = "-"
        if kind is None and not quick:  # the GET form too
            try:
                get_status = httpx.get(f"{server.base}/sparql", params={"query": text},
                                       timeout=30).status_code
            except httpx.HTTPError as error:
                get_status = type(error).__name__
        time.sleep(0.3)
        connections = listener.count - before
        crashed = server.ensure()
        cases.append(Case("c", name, connections == 0 and not crashed,
                          f"{connections} connection(s); POST {status}, GET {get_status}"
                          + ("; the server died" if crashed else "")
                          + (f" ({LAST_ANSWER['text']})" if status != 200 else ""),
                          {"connections": connections}))
    # the control: an endpoint on the allow-list is called, so the listeners do count
    before = allowed.count
    status, _ = post_sparql(server, f"SELECT * {{ SERVICE <{allowed.url}> {{ ?s ?p ?o }} }}")
    time.sleep(0.3)
    cases.append(Case("c", "control: SERVICE to an allowed endpoint connects",
                      allowed.count > before, f"{allowed.count - before} connection(s); {status}"))
    return cases


# -- d. event-loop stalls ------------------------------------------------------------------

def probe_latency(server: Server, action: Callable[[], Any], seconds_before: float = 1.0,
                  ) -> tuple[float, float, Any]:
    """Worst latency of a light GET sent every 20 ms while `action` runs in a thread, the
    p99 before it, and what `action` returned."""
    latencies: list[tuple[float, float]] = []
    stop = threading.Event()

    def probe() -> None:
        with httpx.Client(timeout=60) as client:
            while not stop.is_set():
                started = time.perf_counter()
                with contextlib.suppress(httpx.HTTPError):
                    client.get(f"{server.base}/health")
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
        worst, idle_p99, status = probe_latency(server, action)
        crashed = server.ensure()
        ok = worst <= 0.5 and not crashed
        cases.append(Case("d", name, ok, f"light request worst {worst * 1000:.0f} ms (idle p99 "
                          f"{idle_p99 * 1000:.0f} ms); answer {status}"
                          + ("; the server died" if crashed else ""),
                          {"worst_ms": round(worst * 1000), "idle_p99_ms": round(idle_p99 * 1000)}))
    return cases


# -- e. hostile files ----------------------------------------------------------------------

def _replace_in_zip(source: Path, target: Path, replacements: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(
            target, "w", zipfile.ZIP_DEFLATED) as out:
        for item in original.infolist():
            out.writestr(item, replacements.get(item.filename, original.read(item.filename)))
    return target


ACTORS_SHEET = "xl/worksheets/sheet2.xml"  # the example's "Acteurs" sheet (inline strings)
LAUGHS = ('<!DOCTYPE worksheet [<!ENTITY a "lol">' + "".join(
    f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(9)) + "]>")


def _actors_sheet(doctype: str, first_name: str) -> bytes:
    """The example's Acteurs sheet with `doctype` before it and the first actor's name
    replaced by `first_name` (an entity reference)."""
    with zipfile.ZipFile(EXAMPLE) as book:
        xml = book.read(ACTORS_SHEET).decode()
    cell = xml.index('<c r="A2"')
    start = xml.index("<t>", cell) + 3
    end = xml.index("</t>", start)
    return (doctype + xml[:start] + first_name + xml[end:]).encode()


def _bomb_sheet(writer: Any, megabytes: int) -> None:
    """The Acteurs sheet's header, then `megabytes` MB of rows of one repeated cell."""
    with zipfile.ZipFile(EXAMPLE) as book:
        xml = book.read(ACTORS_SHEET).decode()
    header_end = xml.index("</row>") + len("</row>")
    writer.write(xml[:header_end].encode())
    block = b'<row><c t="inlineStr"><is><t>Association</t></is></c></row>'
    chunk = block * (1_048_576 // len(block))
    for _ in range(megabytes):
        writer.write(chunk)
    writer.write(b"</sheetData></worksheet>")


def hostile_files(folder: Path, listener: Listener, quick: bool) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    external = '<!DOCTYPE worksheet [<!ENTITY e SYSTEM "{}">]>'
    files = {
        "XLSX, entity bomb (billion laughs)": _replace_in_zip(
            EXAMPLE, folder / "laughs.xlsx", {ACTORS_SHEET: _actors_sheet(LAUGHS, "&j;")}),
        "XLSX, external entity (file)": _replace_in_zip(
            EXAMPLE, folder / "xxe-file.xlsx",
            {ACTORS_SHEET: _actors_sheet(external.format("file:///etc/passwd"), "&e;")}),
        "XLSX, external entity (http, the listener)": _replace_in_zip(
            EXAMPLE, folder / "xxe-http.xlsx", {ACTORS_SHEET: _actors_sheet(
                external.format(f"http://127.0.0.1:{listener.port}/x"), "&e;")}),
    }
    size_mb = 100 if quick else 400
    bomb = folder / "unpacks-big.xlsx"
    with zipfile.ZipFile(EXAMPLE) as original, zipfile.ZipFile(
            bomb, "w", zipfile.ZIP_DEFLATED) as out:
        for item in original.infolist():
            if item.filename != ACTORS_SHEET:
                out.writestr(item, original.read(item.filename))
                continue
            with out.open(ACTORS_SHEET, "w") as writer:
                _bomb_sheet(writer, size_mb)
    files[f"XLSX of {bomb.stat().st_size // 1024} KB that unpacks to {size_mb} MB"] = bomb
    ods = folder / "laughs.ods"
    with zipfile.ZipFile(ods, "w") as out:
        out.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        out.writestr("META-INF/manifest.xml", '<?xml version="1.0"?><manifest:manifest '
                     'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0">'
                     '<manifest:file-entry manifest:full-path="/" manifest:media-type="application'
                     '/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-'
                     'path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>')
        out.writestr("content.xml", LAUGHS.replace("worksheet", "office:document-content")
                     + '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:'
                     'xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:'
                     'table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0">'
                     '<office:body><office:spreadsheet><table:table table:name="Acteurs">'
                     "<table:table-row><table:table-cell><text:p>Nom</text:p></table:table-cell>"
                     "</table:table-row><table:table-row><table:table-cell><text:p>&j;</text:p>"
                     "</table:table-cell></table:table-row></table:table></office:spreadsheet>"
                     "</office:body></office:document-content>")
    files["ODS, entity bomb"] = ods
    garbage = folder / "not-a-zip.xlsx"
    garbage.write_bytes(os.urandom(4096))
    files["XLSX that is not a zip"] = garbage
    big_cell = folder / "big-cell.csv"
    big_cell.write_text("Nom;Type d'acteur\n" + "A" * 20_000_000 + ";Association\n",
                        encoding="utf-8")
    files["CSV with a 20 MB cell"] = big_cell
    return files


def category_e(work: Path, listener: Listener, quick: bool) -> list[Case]:
    cases = []
    store = work / "files-store"
    for name, path in hostile_files(work / "files", listener, quick).items():
        before = listener.count
        started = time.perf_counter()
        code, peak, out, err = run_measured([TSR, "ingest", str(path), "--store", str(store)],
                                            work / "ingest-output", timeout=120)
        seconds = time.perf_counter() - started
        text = err.decode(errors="replace").strip()
        lines = [line for line in text.splitlines() if line.strip()]
        connections = listener.count - before
        problems = []
        if seconds >= 120:
            problems.append("still running after 120 s")
        if "Traceback" in text:
            problems.append(f"a traceback of {len(lines)} lines")
        if code != 2:
            problems.append(f"exit code {code}")
        if connections:
            problems.append(f"{connections} connection(s) to the listener")
        if peak > 2**30:
            problems.append(f"peak memory {peak // 2**20} MB")
        if b"root:" in out + err:
            problems.append("/etc/passwd in the output")
        cases.append(Case("e", name, not problems, "; ".join(problems) or
                          f"exit 2 in {seconds:.1f} s: {lines[-1][:120] if lines else ''}",
                          {"exit": code, "seconds": round(seconds, 1), "stderr_lines": len(lines),
                           "peak_mb": peak // 2**20}))
    return cases


def run_measured(command: list[str], folder: Path, timeout: float,
                 ) -> tuple[int, int, bytes, bytes]:
    """Exit code, peak resident size (bytes), stdout and stderr of `command`; killed after
    `timeout` seconds."""
    folder.mkdir(parents=True, exist_ok=True)
    out_path, err_path = folder / "out", folder / "err"
    with out_path.open("wb") as out, err_path.open("wb") as err:
        process = subprocess.Popen(command, stdout=out, stderr=err)
        deadline = time.monotonic() + timeout
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                process.kill()
            time.sleep(0.05)
    process.returncode = os.waitstatus_to_exitcode(status)
    return (process.returncode, usage.ru_maxrss * 1024, out_path.read_bytes(),
            err_path.read_bytes())


# -- g. mixed load -------------------------------------------------------------------------

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
    'SELECT ?x20 { BIND("ab" AS ?x0)' + "".join(
        f" BIND(CONCAT(?x{i}, ?x{i}) AS ?x{i + 1})" for i in range(20)) + " }",
    "SELECT (COUNT(*) AS ?n) { ?a (!<urn:x>)*/(!<urn:y>)* ?b }",
]


@dataclass
class LoadResult:
    light: list[float] = field(default_factory=list)
    light_ok_times: list[float] = field(default_factory=list)
    statuses: dict[str, int] = field(default_factory=dict)
    timeouts: int = 0


async def load(server: Server, iris: list[str], clients: int, seconds: float,
               pathological_share: float, think: float = 0.0) -> LoadResult:
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
        client = Client(server.base, {"Accept": "application/sparql-results+json"})
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

    await asyncio.gather(*(worker(i) for i in range(clients)))
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


def category_g(server: Server, quick: bool) -> list[Case]:
    """Two runs of the same clients: back to back (each sends its next request when the
    last is answered: 64 of them saturate the server, so light queries queue behind each
    other even without a pathological one: their p99 is judged against the same clients'
    light-only run), and paced (a pause after each answer: the light load alone leaves
    the server mostly idle, so light queries are judged against the idle server).

    The machine may be shared: each run measures the idle server again just before its
    own runs (one client, back to back), so that the ratios compare figures taken under
    the same outside load, and it prints the load averages (`os.getloadavg`) it ran at."""
    clients, seconds = (16, 15.0) if quick else (64, 60.0)
    iris = actor_iris(server)
    idle_seconds = 5.0 if quick else 10.0
    cases = _mixed_run(server, iris, idle_seconds, clients, seconds, 0.0)
    return cases + _mixed_run(server, iris, idle_seconds, clients, seconds, THINK_SECONDS)


def _mixed_run(server: Server, iris: list[str], idle_seconds: float, clients: int,
               seconds: float, think: float) -> list[Case]:
    loads = [os.getloadavg()[0]]
    idle = asyncio.run(load(server, iris, 1, idle_seconds, 0.0))
    light_only = asyncio.run(load(server, iris, clients, seconds / 3, 0.0, think))
    loads.append(os.getloadavg()[0])
    started = time.monotonic()
    mixed = asyncio.run(load(server, iris, clients, seconds, 0.05, think))
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
    }
    paced = f"paced ({think:g} s pauses)" if think else "back to back"
    to_light_only = p99(mixed.light) / p99(light_only.light)
    detail = (f"{figures['mixed_light_p99_ms']} ms against {figures['idle_p99_ms']} ms idle "
              f"(x{figures['p99_ratio_to_idle']}) and {figures['light_only_p99_ms']} ms for "
              f"the same clients without pathological queries "
              f"(x{figures['p99_ratio_to_light_only']}); {len(mixed.light)} light answers; "
              f"load {min(loads):.1f}-{max(loads):.1f}")
    checks = [
        Case("g", f"{paced}: p99 of light queries under 2x "
             + ("idle" if think else "the light-only run"),
             (ratio if think else to_light_only) < 2, detail, figures),
        Case("g", f"{paced}: no 5xx but 503", errors == 0, f"{errors} ({mixed.statuses})"),
        Case("g", f"{paced}: no crash", not crashed, "the server died" if crashed else "alive"),
        Case("g", f"{paced}: no wedge", gap < 15 and after,
             f"longest stretch without a light 200: {gap:.1f} s; /sparql after: "
             f"{'200' if after else 'silent'}"),
    ]
    return checks


# -- the run -------------------------------------------------------------------------------

def setting_names() -> set[str]:
    result = subprocess.run([TSR, "info", "--store", "memory"], capture_output=True, text=True,
                            check=False, timeout=120)
    return {word for word in result.stdout.split() if word.startswith("TSR_")}


def prepare_store(work: Path) -> Path:
    store = work / "store"
    subprocess.run([TSR, "ingest", str(EXAMPLE), "--source", "tsr-example", "--store", str(store)],
                   check=True, capture_output=True, timeout=600)
    secret = work / "secret.csv"
    secret.write_text(SECRET_ROWS, encoding="utf-8")
    subprocess.run([TSR, "ingest", str(secret), "--restricted", "--source", "secret",
                    "--store", str(store)], check=True, capture_output=True, timeout=600)
    return store


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a short version of each category")
    parser.add_argument("--only", default="abcdefg", help="categories to run, e.g. a,c,g")
    parser.add_argument("--kills", type=int, default=None,
                        help="torture kills (default 200; 15 on tiny files with --quick)")
    options = parser.parse_args()
    only = {c for c in options.only if c.isalpha()}
    work = Path(tempfile.mkdtemp(prefix="tsr-hostile-"))
    listener = Listener()
    allowed = Listener()  # on the allow-list: the control of category c
    settings = setting_names()
    budget_setting = "TSR_QUERY_MEMORY_BYTES" in settings
    env = {"TSR_QUERY_TIMEOUT": str(QUERY_TIMEOUT), "TSR_WRITE_TOKEN": WRITE_TOKEN,
           "TSR_READ_TOKEN": READ_TOKEN, "TSR_ACCESS_LOG": "false",
           "TSR_SERVICE_ALLOWLIST": f"https://query.wikidata.org/sparql,{allowed.url}"}
    if budget_setting:
        env["TSR_QUERY_MEMORY_BYTES"] = str(BUDGET)
    print(f"hostile campaign: work folder {work}; listener on port {listener.port}; query "
          f"timeout {QUERY_TIMEOUT:g} s; memory budget {BUDGET // 2**20} MB "
          + ("(TSR_QUERY_MEMORY_BYTES)" if budget_setting else
             "(no such setting in this tree: the figure is only compared)"))
    cases: list[Case] = []
    server: Server | None = None
    started = time.monotonic()
    try:
        if only & set("abcdg"):
            server = Server(prepare_store(work), env)
            server.start()
        runs: list[tuple[str, str, Callable[[], list[Case]]]] = [
            ("a", "parser crashes", lambda: category_a(server, options.quick)),  # type: ignore[arg-type]
            ("b", "runaway queries", lambda: category_b(server, options.quick, BUDGET)),  # type: ignore[arg-type]
            ("c", "SERVICE/LOAD escapes", lambda: category_c(server, listener, allowed, options.quick)),  # type: ignore[arg-type]
            ("d", "event-loop stalls", lambda: category_d(server, options.quick)),  # type: ignore[arg-type]
            ("e", "hostile files", lambda: category_e(work, listener, options.quick)),
            ("f", "kill -9 torture", lambda: category_f(work, options)),
            ("g", "mixed load", lambda: category_g(server, options.quick)),  # type: ignore[arg-type]
        ]
        summary = []
        for key, title, run in runs:
            if key not in only:
                continue
            began = time.monotonic()
            found = run()
            cases += found
            failed = [c for c in found if not c.ok]
            summary.append((key, title, len(found), len(failed), time.monotonic() - began))
            print(f"\n{key}. {title}: {len(found)} cases, {len(failed)} failed "
                  f"({time.monotonic() - began:.0f} s)")
            for case in found:
                if not case.ok or len(found) <= 40:  # the torture's kills: failures only
                    print(f"   {'ok  ' if case.ok else 'FAIL'} {case.name}: {case.detail}")
    finally:
        if server is not None:
            server.stop()
    print(f"\n{'category':<26}{'cases':>7}{'failed':>8}")
    for key, title, tried, failed, _ in summary:
        print(f"{key + '. ' + title:<26}{tried:>7}{failed:>8}")
    if server is not None:
        print(f"server crashes: {server.crashes}; restarts by the harness (runaways that did "
              f"not stop): {server.restarts}; outgoing connections: {listener.count}")
    OUT.mkdir(parents=True, exist_ok=True)
    result = {"quick": options.quick, "seconds": round(time.monotonic() - started),
              "summary": [{"category": k, "title": t, "cases": n, "failed": f}
                          for k, t, n, f, _ in summary],
              "server_crashes": server.crashes if server else None,
              "harness_restarts": server.restarts if server else None,
              "listener_connections": listener.count,
              "cases": [asdict(c) for c in cases]}
    (OUT / "hostile.json").write_text(json.dumps(result, indent=2), encoding="utf-8")
    print(f"results: {OUT / 'hostile.json'}")
    shutil.rmtree(work, ignore_errors=True)


def category_f(work: Path, options: argparse.Namespace) -> list[Case]:
    kills = options.kills or (15 if options.quick else 200)
    lines: list[str] = []
    summary = run_torture(work / "torture", kills=kills, jobs=2,
                          tiny=options.quick and options.kills is None, say=lines.append)
    figures = torture_report(summary, say=lines.append)
    for line in lines:
        print("   " + line)
    cases = [Case("f", f"{kill.scenario} {kill.how}", kill.outcome != "FAIL",
                  kill.outcome + (f": {kill.detail}" if kill.detail else ""))
             for kill in summary.kills]
    if cases:
        cases[0].figures = {k: v for k, v in figures.items() if k != "failed"}
    return cases


if __name__ == "__main__":
    main()
