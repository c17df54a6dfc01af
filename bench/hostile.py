"""The hostile campaign of issue 14 as one repeatable command: a real `tsr serve` on an
on-disk store (the example workbook plus a restricted source), a local listener that
counts the connections the server makes to it, and requests and files meant to crash,
wedge or trick it. Prints, per category, the cases tried and the failures; the details go
to bench/out/hostile.json.

    python bench/hostile.py                 # everything (the torture alone takes a while)
    python bench/hostile.py --quick         # a short version of each category
    python bench/hostile.py --only a,c      # some categories
    python bench/hostile.py --kills 200     # kills of the torture (f)

Categories (one module each in bench/campaign/, with the harness they share):

a. parser crashes: queries and updates nested 5,000 and 10,000 deep (parentheses, `{ }`,
   OPTIONAL, collections, `[ ]`, subqueries, negations): each must get an answer below 500
   (a 4xx, or a 200 for a deep but valid form) and the server live on;
b. runaway queries (cartesian sorts and COUNTs, 20 cartesian COUNTs at once, nested paths,
   REGEX over big strings, large VALUES, nested BIND(CONCAT) to 128 MiB and to 2 GiB): each
   must get its 503 at the deadline (TSR_QUERY_TIMEOUT, set to 4 s here), or its whole
   answer within it (a query the worker finishes within the deadline and the budget is no
   runaway: the 128 MiB value on a quiet machine); the processes of the server's tree that
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
   503, crashes, wedges (no light answer for 15 s, or /sparql silent after the run);
   light answers timed by the load's own clients and by a probe in a process of its own
   (bench/campaign/probe.py, one light query every 50 ms), each against its own reference.

Categories that depend on other work of issue 14 (worker processes for queries, SERVICE
on the parse, the depth guard, reconciliation off the loop) show failures until it lands:
the campaign runs against whatever the tree holds.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.campaign.escapes import category_c  # noqa: E402
from bench.campaign.files import category_e  # noqa: E402
from bench.campaign.harness import (  # noqa: E402
    BUDGET,
    EXAMPLE,
    QUERY_TIMEOUT,
    READ_TOKEN,
    TSR,
    WRITE_TOKEN,
    Case,
    Listener,
    Server,
)
from bench.campaign.mixed_load import category_g  # noqa: E402
from bench.campaign.parser_crashes import category_a  # noqa: E402
from bench.campaign.runaway import category_b  # noqa: E402
from bench.campaign.stalls import category_d  # noqa: E402
from bench.serving import parse_bench_options  # noqa: E402
from bench.torture import report as torture_report  # noqa: E402
from bench.torture import run_torture  # noqa: E402

OUT = ROOT / "bench" / "out"
SECRET_ROWS = "Nom;Type d'acteur;Région\nOrganisation très secrète;Association;Bretagne\n"


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
    options = parse_bench_options(parser)
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
