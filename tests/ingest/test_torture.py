"""The short torture run (bench/torture.py): real `tsr ingest` processes (first loads and
replacements, single-transaction and staged) and the recovery of a store they left, killed
with SIGKILL at the commit point, just after it, at the first and last engine writes and on
a clock; after each kill the store reopens with exactly the old or the new state of the
source and a PROV record that matches it, and no staging graph."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.torture import report, run_torture


@pytest.mark.slow
def test_fifteen_kills_leave_the_old_or_the_new_source(tmp_path: Path) -> None:
    lines: list[str] = []
    summary = run_torture(tmp_path, kills=15, jobs=2, tiny=True, say=lines.append)
    figures = report(summary, say=lines.append)
    assert figures["failures"] == 0, "\n".join(lines)
    assert figures["kills"] >= 15
    scenarios = figures["scenarios"]
    assert set(scenarios) == {"first-small", "replace-small", "first-large", "replace-large",
                              "recovery"}
    for name in ("replace-small", "replace-large"):  # killed on both sides of the commit
        assert scenarios[name]["old"] >= 1 and scenarios[name]["new"] >= 1, "\n".join(lines)
