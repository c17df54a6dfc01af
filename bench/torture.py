"""Torture: SIGKILL real `tsr ingest` processes, and the recovery of the store they leave,
hundreds of times; after each kill, open the store in a fresh process and check that the
source holds exactly its old state or its new one, with a PROV record that matches it.

    python bench/torture.py                  # 200 kills or more, every scenario
    python bench/torture.py --kills 15       # a short run (the test suite runs one)
    python bench/torture.py --jobs 1 --seed 7

Scenarios (CSV files of actors written here, one source named `acteurs`):

* `first-small`: first load of 1,000 rows (9,000 triples: one transaction);
* `replace-small`: 1,000 rows replaced by 1,500 (13,500 triples, staged like every
  replacement);
* `first-large`: first load of 6,000 rows (54,000 triples: over the 50,000 at which the
  embedded store bulk-loads under a journal note);
* `replace-large`: 6,000 rows replaced by 7,000 (63,000 triples; 6,000 actors keep their
  IRIs, their names change);
* `recovery`: `tsr sources` opening a store left by a replacement killed just after its
  commit point (the open rolls it forward), itself killed.

Kills come two ways. *At each step*: the process runs `tsr` through a wrapper that kills it
with SIGKILL just before its k-th write call to the engine (Oxigraph), for every k of an
uninterrupted run (the run before the first write, the commit point, every step of the
roll-forward; `--kills` small: the steps around the commit point only). *On a clock*: a real
`tsr` process (the installed command, no wrapper) killed at a time spread evenly over an
uninterrupted run's length (stratified random), to land inside long engine calls too.

After each kill a fresh process opens the store (this runs the recovery) and reports: the
source graph's triple count and a digest of its sorted N-Triples; the current load of its
PROV record (`prov:wasGeneratedBy`: its triple count and file checksum); the hidden
(staging) graphs left. A kill passes when the graph and the record are both exactly the old
state or both exactly the new one (a first load's old state: no graph and no record), the
record's count equals the graph's, and no hidden graph is left. Results go to
bench/out/torture.json.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TSR = str(Path(sys.executable).with_name("tsr"))
SOURCE = "acteurs"
OUT = ROOT / "bench" / "out"
# engine calls that write (pyoxigraph.Store methods)
WRITES = {"update", "extend", "bulk_extend", "bulk_load", "load", "add", "remove",
          "remove_graph", "clear_graph", "add_graph", "clear"}
CHECK_TIMEOUT = 600  # a loaded machine's recovery of a big replacement can take minutes


# -- input files ---------------------------------------------------------------------------

def actors_csv(path: Path, rows: int, tag: str) -> Path:
    """`rows` actors with SIRENs 100000000 + i (so two versions share their IRIs) and a
    name that says which version wrote it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = ["Nom;Type d'acteur;SIREN;Commune;Date de création"]
    lines += [f"Association {tag} n°{i};Association;{100000000 + i:09d};Lyon;01/02/2003"
              for i in range(rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# -- the wrapped `tsr` that kills itself before its k-th engine write ----------------------

def child_main(kill_before: int, args: list[str]) -> None:
    """Run `tsr ARGS` in this process, every Oxigraph store it opens wrapped so that the
    process dies by SIGKILL just before write call number `kill_before` (-1: never). On a
    normal exit, print the writes made (name, and whether an update carries a PROV record)
    as one `torture-writes` line on stderr."""
    import store.embedded as embedded

    if os.environ.get("TORTURE_SMALL_REPLACE"):  # tiny files, staged like big ones
        embedded._SMALL_REPLACE = int(os.environ["TORTURE_SMALL_REPLACE"])
    real = embedded.OxStore
    writes: list[str] = []

    class KillingStore:
        def __init__(self, inner: Any) -> None:
            self._inner = inner

        def __len__(self) -> int:
            return len(self._inner)

        def __getattr__(self, name: str) -> Any:
            attribute = getattr(self._inner, name)
            if name not in WRITES:
                return attribute

            def write(*call_args: Any, **kwargs: Any) -> Any:
                if len(writes) == kill_before:
                    os.kill(os.getpid(), signal.SIGKILL)
                text = call_args[0] if call_args and isinstance(call_args[0], str) else ""
                writes.append(name + (":prov" if "/id/load/" in text else ""))  # a load record
                return attribute(*call_args, **kwargs)

            return write

    embedded.OxStore = lambda *a, **k: KillingStore(real(*a, **k))  # type: ignore[misc]
    sys.argv = ["tsr", *args]
    from cli.main import main

    try:
        main()
    finally:
        print("torture-writes " + json.dumps(writes), file=sys.stderr)


# -- the check, in a process of its own ----------------------------------------------------

def check_main(location: str, graph_iri: str) -> None:
    """Open the store (running its recovery) and print its state as one JSON line."""
    sys.path.insert(0, str(ROOT))
    from pyoxigraph import NamedNode

    from ingest.sources import list_sources
    from store import Settings, open_store
    from store.namespaces import PROV, STAGING_PREFIX, DataIris

    started = time.perf_counter()
    settings = Settings(store=location)
    with open_store(settings) as store:
        opened = time.perf_counter() - started
        engine = store.oxigraph  # type: ignore[attr-defined]
        graph = NamedNode(graph_iri)
        lines = sorted(str(q.triple) for q in engine.quads_for_pattern(None, None, None, graph))
        sources = [s for s in list_sources(store, DataIris(settings.base_iri), graph)]
        links = list(store.query(f"SELECT ?l WHERE {{ GRAPH ?log {{ {graph} "
                                 f"<{PROV}wasGeneratedBy> ?l }} }}", default_graph=None))
        hidden = sorted(n.value for n in engine.named_graphs()
                        if n.value.startswith(STAGING_PREFIX))
    print(json.dumps({
        "count": len(lines),
        "digest": hashlib.sha256("\n".join(lines).encode()).hexdigest()[:16],
        "prov": [[s.triples, s.sha256] for s in sources],
        "links": len(links),
        "hidden": hidden,
        "open_seconds": round(opened, 2),
    }))


def check(location: Path, graph_iri: str) -> dict[str, Any]:
    result = subprocess.run([sys.executable, __file__, "_check", str(location), graph_iri],
                            capture_output=True, text=True, timeout=CHECK_TIMEOUT, check=False)
    if result.returncode != 0:
        return {"error": (result.stderr.strip().splitlines() or ["?"])[-1][:300]}
    state: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return state


# -- scenarios -----------------------------------------------------------------------------

@dataclass
class Scenario:
    name: str
    base: Path | None  # the store before (None: no store yet)
    args: list[str]  # the `tsr` command, without --store
    old: dict[str, Any] = field(default_factory=dict)  # expected states
    new: dict[str, Any] = field(default_factory=dict)
    writes: list[str] = field(default_factory=list)  # of an uninterrupted run
    seconds: float = 0.0  # an uninterrupted run's length

    @property
    def commit(self) -> int:
        """Index of the write that carries the PROV record: the commit point."""
        return next(i for i, w in enumerate(self.writes) if w.endswith(":prov"))


@dataclass
class Kill:
    scenario: str
    how: str  # "step k/n" or "clock t/T s"
    outcome: str  # old, new, or FAIL
    detail: str = ""
    open_seconds: float = 0.0


def tsr_args(args: list[str], location: Path) -> list[str]:
    return [*args, "--store", str(location)]


def fresh_copy(scenario: Scenario, work: Path, label: str) -> Path:
    target = Path(tempfile.mkdtemp(prefix=f"{scenario.name}-{label}-", dir=work)) / "store"
    if scenario.base is not None:
        shutil.copytree(scenario.base, target)
    return target


def run_wrapped(scenario: Scenario, location: Path, kill_before: int) -> tuple[int, list[str]]:
    result = subprocess.run(
        [sys.executable, __file__, "_child", str(kill_before), *tsr_args(scenario.args, location)],
        capture_output=True, text=True, timeout=CHECK_TIMEOUT, check=False)
    writes: list[str] = []
    for line in result.stderr.splitlines():
        if line.startswith("torture-writes "):
            writes = json.loads(line.removeprefix("torture-writes "))
    if result.returncode not in (0, -signal.SIGKILL):
        raise SystemExit(f"{scenario.name}: tsr {' '.join(scenario.args)} failed: "
                         f"{result.stderr[-600:]}")
    return result.returncode, writes


def judge(scenario: Scenario, state: dict[str, Any]) -> tuple[str, str]:
    """old / new, or FAIL with what was wrong."""
    if "error" in state:
        return "FAIL", f"the store did not open: {state['error']}"
    if state["hidden"]:
        return "FAIL", f"hidden graphs left: {state['hidden']}"
    if any(triples != state["count"] for triples, _ in state["prov"]):
        return "FAIL", f"the record says {state['prov']}, the graph holds {state['count']}"
    for label in ("new", "old"):  # (the recovery's two are the same: new)
        expected = getattr(scenario, label)
        keys = ("count", "digest", "prov", "links")
        if all(state[k] == expected[k] for k in keys):
            return label, ""
    return "FAIL", (f"graph {state['count']} triples ({state['digest']}), record {state['prov']}"
                    f" ({state['links']} links); old {scenario.old['count']} "
                    f"{scenario.old['prov']}, new {scenario.new['count']} {scenario.new['prov']}")


ROWS = (1_000, 1_500, 6_000, 7_000)  # small v1, v2, large v1, v2 (9 triples a row)


def prepare(work: Path, graph_holder: dict[str, str], rows: tuple[int, ...] = ROWS,
            ) -> list[Scenario]:
    """Write the files, build the base stores, and run each scenario once uninterrupted
    (its write calls, its length, its new state)."""
    files = {name: actors_csv(work / "files" / f"v{i + 1}" / "Acteurs.csv", count, f"v{i + 1}")
             for i, (name, count) in enumerate(zip(
                 ("small-v1", "small-v2", "large-v1", "large-v2"), rows, strict=True))}

    def ingest(name: str) -> list[str]:
        return ["ingest", str(files[name]), "--source", SOURCE]

    bases = work / "bases"
    for name in ("small-v1", "large-v1"):
        subprocess.run([TSR, *tsr_args(ingest(name), bases / name)], check=True,
                       capture_output=True, timeout=CHECK_TIMEOUT)
    scenarios = [
        Scenario("first-small", None, ingest("small-v1")),
        Scenario("replace-small", bases / "small-v1", ingest("small-v2")),
        Scenario("first-large", None, ingest("large-v1")),
        Scenario("replace-large", bases / "large-v1", ingest("large-v2")),
    ]
    graph = ""
    for scenario in scenarios:
        location = fresh_copy(scenario, work, "calibrate")
        started = time.perf_counter()
        code, scenario.writes = run_wrapped(scenario, location, -1)
        scenario.seconds = time.perf_counter() - started
        assert code == 0
        if not graph:
            graph = _source_graph(location)
        scenario.new = check(location, graph)
        scenario.old = check(scenario.base, graph) if scenario.base else {
            "count": 0, "digest": hashlib.sha256(b"").hexdigest()[:16], "prov": [], "links": 0}
        shutil.rmtree(location.parent)
    # the recovery: a replacement killed just after its commit point, reopened by `tsr sources`
    replace = scenarios[-1]
    crashed = bases / "committed"
    shutil.copytree(replace.base or bases / "large-v1", crashed)
    code, _ = run_wrapped(Scenario("x", crashed, replace.args), crashed, replace.commit + 1)
    assert code == -signal.SIGKILL
    recovery = Scenario("recovery", crashed, ["sources"], old=replace.new, new=replace.new)
    location = fresh_copy(recovery, work, "calibrate")
    started = time.perf_counter()
    _, recovery.writes = run_wrapped(recovery, location, -1)
    recovery.seconds = time.perf_counter() - started
    shutil.rmtree(location.parent)
    scenarios.append(recovery)
    graph_holder["graph"] = graph
    return scenarios


def _source_graph(location: Path) -> str:
    result = subprocess.run([TSR, "sources", "--store", str(location)], capture_output=True,
                            text=True, check=True, timeout=CHECK_TIMEOUT)
    return next(word for word in result.stdout.split() if word.startswith("http"))


def step_kills(scenario: Scenario, budget: int | None) -> list[int]:
    """Every write call of the run, or (`budget`) the ones around the commit point first."""
    steps = list(range(len(scenario.writes)))
    if budget is None:
        return steps
    if scenario.name == "recovery":
        return steps[:budget]
    around = [scenario.commit, scenario.commit + 1, 0, len(steps) - 1]
    return list(dict.fromkeys(s for s in around if 0 <= s < len(steps)))[:budget]


def kill_at_step(scenario: Scenario, step: int, work: Path, graph: str) -> Kill:
    location = fresh_copy(scenario, work, f"step{step}")
    code, _ = run_wrapped(scenario, location, step)
    how = f"step {step + 1}/{len(scenario.writes)} ({scenario.writes[step]})"
    if code != -signal.SIGKILL:
        return Kill(scenario.name, how, "FAIL", f"exit {code}, not killed")
    return _checked(scenario, how, location, graph)


def kill_on_clock(scenario: Scenario, when: float, work: Path, graph: str) -> Kill | None:
    """A real `tsr` process killed `when` seconds after it started; None if it ended first."""
    location = fresh_copy(scenario, work, "clock")
    process = subprocess.Popen([TSR, *tsr_args(scenario.args, location)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        process.wait(timeout=when)
        shutil.rmtree(location.parent)
        return None  # finished first: not a kill
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGKILL)
        process.wait()
    how = f"clock {when:.2f}/{scenario.seconds:.1f} s"
    return _checked(scenario, how, location, graph)


def _checked(scenario: Scenario, how: str, location: Path, graph: str) -> Kill:
    state = check(location, graph)
    outcome, detail = judge(scenario, state)
    if outcome != "FAIL":
        shutil.rmtree(location.parent)
    else:
        detail += f" (store kept in {location})"
    return Kill(scenario.name, how, outcome, detail, state.get("open_seconds", 0.0))


@dataclass
class Summary:
    kills: list[Kill]
    seconds: float

    @property
    def failures(self) -> list[Kill]:
        return [k for k in self.kills if k.outcome == "FAIL"]


def run_torture(work: Path, kills: int = 200, jobs: int = 2, seed: int = 14,
                say: Callable[[str], None] = print, tiny: bool = False) -> Summary:
    """At least `kills` kills over every scenario; see the module's docstring.

    `tiny` (the test suite's short run): files of 100-400 rows, and the wrapped processes
    stage above 1,500 triples instead of 50,000, so the "large" paths run in a second; the
    clock kills' real `tsr` keeps its threshold (its first load is then one transaction)."""
    started = time.perf_counter()
    rng = random.Random(seed)
    if tiny:
        os.environ["TORTURE_SMALL_REPLACE"] = "1500"
    try:
        return _run(work, kills, jobs, rng, say, tiny, started)
    finally:
        os.environ.pop("TORTURE_SMALL_REPLACE", None)


def _run(work: Path, kills: int, jobs: int, rng: random.Random, say: Callable[[str], None],
         tiny: bool, started: float) -> Summary:
    holder: dict[str, str] = {}
    scenarios = prepare(work, holder, (100, 150, 300, 400) if tiny else ROWS)
    graph = holder["graph"]
    for s in scenarios:
        say(f"  {s.name}: {len(s.writes)} engine writes, {s.seconds:.1f} s uninterrupted, "
            f"commit at write {s.commit + 1 if s.name != 'recovery' else '-'}")
    quick = kills < 60
    steps = [(s, k) for s in scenarios
             for k in step_kills(s, 2 if quick else None)]
    results: list[Kill] = []
    lock = threading.Lock()

    def record(kill: Kill | None) -> None:
        if kill is None:
            return
        with lock:
            results.append(kill)
            if kill.outcome == "FAIL":
                say(f"  FAIL {kill.scenario} {kill.how}: {kill.detail}")
            if len(results) % 25 == 0:
                say(f"  {len(results)} kills, {sum(k.outcome == 'FAIL' for k in results)} "
                    f"failed, {(time.perf_counter() - started) / 60:.0f} min")

    with ThreadPoolExecutor(max_workers=jobs) as pool:
        for future in [pool.submit(kill_at_step, s, k, work, graph) for s, k in steps]:
            record(future.result())
        # clock kills until the total is reached, spread evenly over each run's length
        round_number = 0
        while len(results) < kills:
            missing = kills - len(results)
            per_scenario = max(1, -(-missing // len(scenarios)))
            plan = []
            for s in scenarios:
                for i in range(per_scenario):
                    plan.append((s, (i + rng.random()) / per_scenario * s.seconds))
            rng.shuffle(plan)
            futures = [pool.submit(kill_on_clock, s, when, work, graph) for s, when in plan]
            for future in futures:
                record(future.result())
            round_number += 1
            if round_number > 6:
                break
    return Summary(results, time.perf_counter() - started)


def report(summary: Summary, say: Callable[[str], None] = print) -> dict[str, Any]:
    by_scenario: dict[str, dict[str, Any]] = {}
    for kill in summary.kills:
        row = by_scenario.setdefault(kill.scenario, {"kills": 0, "old": 0, "new": 0, "FAIL": 0,
                                                     "max_open_seconds": 0.0})
        row["kills"] += 1
        row[kill.outcome] += 1
        row["max_open_seconds"] = max(row["max_open_seconds"], kill.open_seconds)
    say(f"{'scenario':<15}{'kills':>7}{'old':>6}{'new':>6}{'failed':>8}{'slowest open':>14}")
    for name, row in by_scenario.items():
        say(f"{name:<15}{row['kills']:>7}{row['old']:>6}{row['new']:>6}{row['FAIL']:>8}"
            f"{row['max_open_seconds']:>12.1f} s")
    total = len(summary.kills)
    say(f"{'total':<15}{total:>7}{'':>12}{len(summary.failures):>8}   "
        f"({summary.seconds / 60:.1f} min)")
    return {"scenarios": by_scenario, "kills": total, "failures": len(summary.failures),
            "seconds": round(summary.seconds, 1),
            "failed": [asdict(k) for k in summary.failures]}


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "_child":
        sys.path.insert(0, str(ROOT))
        child_main(int(sys.argv[2]), sys.argv[3:])
        return
    if len(sys.argv) > 1 and sys.argv[1] == "_check":
        check_main(sys.argv[2], sys.argv[3])
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kills", type=int, default=200, help="at least this many kills")
    parser.add_argument("--jobs", type=int, default=2, help="kills run side by side")
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    options = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="tsr-torture-"))
    try:
        print(f"torture: {options.kills} kills or more, work folder {work}")
        summary = run_torture(work, options.kills, options.jobs, options.seed)
        figures = report(summary)
        OUT.mkdir(parents=True, exist_ok=True)
        (OUT / "torture.json").write_text(json.dumps(figures, indent=2), encoding="utf-8")
        print(f"results: {OUT / 'torture.json'}")
    finally:
        if not options.keep and not any(True for _ in work.glob("*/store")):
            shutil.rmtree(work, ignore_errors=True)
    raise SystemExit(1 if summary.failures else 0)


if __name__ == "__main__":
    main()
