"""Run the real `tsr` command in a subprocess, on the embedded store or a real remote engine."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from ..conftest import REMOTE_ENGINES, empty_remote_env

Runner = Callable[..., subprocess.CompletedProcess[str]]


def tsr_command() -> list[str]:
    """The installed console script, as users run it."""
    return [str(Path(sys.executable).with_name("tsr"))]


@pytest.fixture(params=["embedded", *REMOTE_ENGINES])
def tsr(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Runner]:
    """`tsr(*args)` runs the command against a fresh store of each backend (embedded,
    `oxigraph serve` as `remote`, Virtuoso)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TSR_")}
    if request.param == "embedded":
        env["TSR_STORE"] = str(tmp_path / "db")
        (tmp_path / "db").mkdir()  # an empty store (read-only commands refuse a missing one)
    else:
        env.update(empty_remote_env(request, request.param))

    def run(*args: str, input: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*tsr_command(), *args], env=env, cwd=tmp_path, input=input,
                              capture_output=True, text=True, timeout=120)

    run.backend = request.param  # type: ignore[attr-defined]
    yield run
