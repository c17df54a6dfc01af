"""`tsr ingest --server URL --token TOKEN`: two real processes, `tsr serve` on a disk store and
the CLI sending a workbook through the server's workspace with a coordinator's API token."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from .conftest import PREFIX
from .workbooks import BAD_RNA, FIRST_ACTOR_PATH, RENAMED, corrected, with_errors

TSR = str(Path(sys.executable).with_name("tsr"))
SOURCE = PREFIX + "enquete-2024"
pytestmark = pytest.mark.slow


def tsr(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TSR_")}
    return subprocess.run([TSR, *args], capture_output=True, text=True, env=env, timeout=600)


def actor_name(base: str) -> str | None:
    got = httpx.get(base + FIRST_ACTOR_PATH, headers={"Accept": "application/ld+json"},
                    follow_redirects=True)
    return got.json().get("name") if got.status_code == 200 else None


def test_a_script_checks_and_publishes_through_the_server(
        served: tuple[str, str], tmp_path: Path) -> None:
    base, token = served
    server = ["--server", base, "--token", token, "--source", SOURCE]
    # errors: listed one a line, exit 2, nothing published
    bad = tsr("ingest", str(with_errors(tmp_path / "enquete-2024.xlsx")), *server)
    assert bad.returncode == 2, bad.stderr
    assert f"Acteurs, row 2, RNA ('{BAD_RNA}'):" in bad.stderr
    assert bad.stderr.strip().endswith("2 errors; nothing was published")
    assert "Traceback" not in bad.stderr
    assert actor_name(base) is None
    # a dry run checks and publishes nothing
    good = corrected(tmp_path / "enquete-2024.xlsx")
    dry = tsr("ingest", str(good), *server, "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "valid (dry run" in dry.stdout and actor_name(base) is None
    # published: the public side shows it, and `tsr sources` beside the server lists it
    done = tsr("ingest", str(good), *server)
    assert done.returncode == 0, done.stderr
    assert f"published as source '{SOURCE}' through {base}" in done.stdout
    # "published" is said once every reader of the server sees it
    assert actor_name(base) == RENAMED
    listed = tsr("sources", "--store", str(tmp_path / "store"))  # the `served` fixture's
    assert SOURCE in listed.stdout, listed.stdout + listed.stderr


def test_a_wrong_token_or_a_missing_one_is_one_line(served: tuple[str, str],
                                                      tmp_path: Path) -> None:
    base, _ = served
    good = corrected(tmp_path / "enquete-2024.xlsx")
    wrong = tsr("ingest", str(good), "--server", base, "--token", "not-a-token",
                "--source", SOURCE)
    assert wrong.returncode == 1
    assert wrong.stderr.count("\n") == 1 and "refused the upload: HTTP 401" in wrong.stderr
    missing = tsr("ingest", str(good), "--server", base, "--source", SOURCE)
    assert missing.returncode == 2 and "--server needs --token" in missing.stderr
    partial = tsr("ingest", str(good), "--server", base, "--token", "x", "--partial")
    assert partial.returncode == 2 and "--partial: not available with --server" in partial.stderr
