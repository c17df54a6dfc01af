"""Uploads being checked or published: one job each, run beside the server's readers.

A check reads the whole file (hundreds of thousands of rows for a big survey), so it runs
in a process of its own at a lower priority (`check_process.py`), over a checkpoint of an
on-disk store (hard links of its files: the server keeps writing the live store) or over
the remote store itself; the server's event loop only looks at the job's progress file.
An in-memory store cannot be reached from another process: its checks run in a thread.
Publishing writes the store, which the server owns: it runs in a thread of the server,
one at a time (`Workspace.writing`).
"""

from __future__ import annotations

import json
import secrets
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ingest.history import Version
from ingest.preview import Check, check_file
from ingest.violations import Violation
from store import Settings, Store

PROGRESS = "progress.txt"
RESULT = "result.json"
FAILED = "failed.txt"


@dataclass
class Job:
    id: str
    account: str
    source: str
    folder: Path
    file: Path
    restricted: bool = False
    mapping: Path | None = None
    mapping_label: str = ""
    state: str = "checking"  # checking, checked, failed, publishing, published, rejected
    started: float = field(default_factory=time.monotonic)
    rows: int = 0
    expected_rows: int | None = None  # known for a CSV (its lines), to show a proportion
    check: Check | None = None
    error: str = ""
    published: Version | None = None
    # violations found at publication (the store changed since the check)
    rejected: list[Violation] = field(default_factory=list)

    def progress_rows(self) -> int:
        if self.state != "checking":
            return self.rows
        try:
            return int((self.folder / PROGRESS).read_text() or 0)
        except (OSError, ValueError):
            return self.rows

    @property
    def seconds(self) -> float:
        return time.monotonic() - self.started


class Jobs:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()
        # left by a server that stopped: nobody can open those jobs any more
        shutil.rmtree(folder, ignore_errors=True)

    def new(self, account: str, source: str, filename: str) -> Job:
        job_id = secrets.token_urlsafe(12)
        folder = self.folder / job_id
        folder.mkdir(parents=True)
        job = Job(job_id, account, source, folder, folder / filename)
        with self._lock:
            self._jobs[job_id] = job
        return job

    def get(self, job_id: str) -> Job | None:
        with self._lock:
            return self._jobs.get(job_id)

    def of(self, account: str) -> list[Job]:
        with self._lock:
            return [j for j in self._jobs.values() if j.account == account]

    def discard(self, job: Job) -> None:
        """Forget the job and delete its files (the upload, its report)."""
        with self._lock:
            self._jobs.pop(job.id, None)
        shutil.rmtree(job.folder, ignore_errors=True)


def start_check(job: Job, store: Store, settings: Settings, lang: str,
                snapshot: Callable[[Path], None] | None = None) -> None:
    """Check `job`'s file in the background; `job.state` becomes checked or failed."""
    threading.Thread(target=_run_check, args=(job, store, settings, lang, snapshot),
                     name=f"tsr-check-{job.id}", daemon=True).start()


def expected_rows(path: Path) -> int | None:
    """The data rows of a CSV (its lines but the header; a quoted line break counts one
    more: it is an estimate); None for a workbook, whose rows are known once read."""
    if path.suffix.lower() not in (".csv", ".tsv", ".txt"):
        return None
    lines = 0
    last = b"\n"
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            lines += chunk.count(b"\n")
            last = chunk[-1:]
    return max(0, lines + (last != b"\n") - 1)


def _run_check(job: Job, store: Store, settings: Settings, lang: str,
               snapshot: Callable[[Path], None] | None) -> None:
    try:
        job.expected_rows = expected_rows(job.file)
        if store.location == "memory":  # no other process can open it
            job.check = _check_here(job, store, settings, lang)
        else:
            job.check = _check_in_process(job, store, settings, lang, snapshot)
        job.rows = job.check.rows
        job.state = "checked"
    except Exception as error:  # any failure is the job's, shown on its page
        job.error = str(error) or type(error).__name__
        job.state = "failed"


def _check_here(job: Job, store: Store, settings: Settings, lang: str) -> Check:
    def progress(rows: int) -> None:
        job.rows += rows

    return check_file(store, job.file, settings, job.source, mapping=job.mapping, lang=lang,
                      progress=progress)


def _check_in_process(job: Job, store: Store, settings: Settings, lang: str,
                      snapshot: Callable[[Path], None] | None) -> Check:
    spec: dict[str, Any] = {
        "file": str(job.file), "source": job.source, "lang": lang,
        "mapping": str(job.mapping) if job.mapping else None,
        "settings": {"base_iri": settings.base_iri, "store": "memory"},
    }
    checkpoint = job.folder / "checkpoint"
    if store.capabilities.checkpoints:
        assert snapshot is not None
        snapshot(checkpoint)
        spec["checkpoint"] = str(checkpoint)
    else:
        spec["settings"].update(
            store="remote", query_url=settings.query_url, update_url=settings.update_url,
            graph_store_url=settings.graph_store_url, remote_timeout=settings.remote_timeout)
    (job.folder / "job.json").write_text(json.dumps(spec), "utf-8")
    try:
        process = subprocess.run(
            # -P: not the working directory first on sys.path (an `api/` folder there)
            [sys.executable, "-P", "-m", "api.workspace.check_process", str(job.folder)],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
    finally:
        shutil.rmtree(checkpoint, ignore_errors=True)
    if (job.folder / FAILED).is_file():
        raise RuntimeError((job.folder / FAILED).read_text("utf-8"))
    if process.returncode != 0 or not (job.folder / RESULT).is_file():
        tail = process.stderr.decode(errors="replace").strip().splitlines()[-1:]
        raise RuntimeError(f"the check stopped (exit {process.returncode}"
                           f"{': ' + tail[0] if tail else ''})")
    return Check.from_json(json.loads((job.folder / RESULT).read_text("utf-8")))
