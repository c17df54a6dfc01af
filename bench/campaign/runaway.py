"""b. Runaway queries: stopped at the deadline, their CPU and memory released."""

from __future__ import annotations

import threading
import time
from typing import Any

from .harness import QUERY_TIMEOUT, SAFETY_RSS, Case, Server, doubled_concat, post_sparql
from .process_tree import biggest_rss, cpu_by_process, runnable_threads, tree


def runaway_queries(quick: bool) -> dict[str, tuple[str, int]]:
    """name -> (query, how many sent at once)."""
    values = " ".join(str(i) for i in range(20_000))
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
        # 128 MiB: within the budget, and on a quiet machine within the deadline too
        "26 nested BIND(CONCAT)": (doubled_concat(26), 1),
        # 2 GiB: past the budget whatever the machine
        "30 nested BIND(CONCAT)": (doubled_concat(30), 1),
    }
    if quick:
        for name in ("cartesian COUNT", "large VALUES x VALUES"):
            del cases[name]
    return cases


def watch_runaway(server: Server, query: str, copies: int) -> dict[str, Any]:
    """Send `copies` at once; follow the tree's CPU and memory until 3 s past the deadline
    (longer if it keeps working, up to 30 s, then the harness restarts the server)."""
    statuses: list[int | str] = []
    seconds: list[float] = []

    def send() -> None:
        status, took = post_sparql(server, query, timeout=120)
        statuses.append(status)
        seconds.append(took)

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
    figures["slowest_answer_s"] = round(max(seconds, default=0.0), 2)
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
        # a query the worker finishes within the deadline and the budget is no runaway:
        # its whole answer is a 200 (the deadline covers the answer's last byte)
        answered = figures["statuses"] == ["200"] and figures["slowest_answer_s"] <= QUERY_TIMEOUT
        if figures["statuses"] != ["503"] and not answered:
            problems.append(f"answers {figures['statuses']} after {figures['slowest_answer_s']} "
                            "s, neither 503 nor a whole answer within the deadline")
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
        outcome = (f"200 in {figures['slowest_answer_s']} s" if answered else "503") + (
            f", CPU {figures['cpu_cores_1_to_2_s_after_deadline']} cores after the deadline, "
            f"{figures['peak_rss_mb']} MB")
        cases.append(Case("b", name, not problems, "; ".join(problems) or outcome, figures))
    return cases
