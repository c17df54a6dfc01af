"""The server's process tree, read from /proc: its processes, their CPU, their memory."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

CLK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")


def _stat(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text[text.rindex(")") + 2:].split()  # fields from the 3rd (state) on


def children(pid: int) -> list[int]:
    """The processes `pid` started that are still running (or not yet waited for), from
    each of its threads' /proc `children` list."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(OSError):  # a thread that ended meanwhile
            found += [int(child) for child in (task / "children").read_text().split()]
    return found


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
