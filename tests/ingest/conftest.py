"""Fixtures of the ingest tests: example and broken files, settings for throw-away stores."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from cli.main import cli
from store import Settings
from tests.conftest import REMOTE_ENGINES, empty_remote_env

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"
BROKEN = REPO / "tests" / "fixtures" / "broken"


@pytest.fixture
def memory_settings() -> Settings:
    return Settings(store="memory")


@pytest.fixture
def disk_settings(tmp_path: Path) -> Settings:
    return Settings(store=str(tmp_path / "store"))


TsrCommand = Callable[..., Result]


@pytest.fixture(params=["embedded", *REMOTE_ENGINES])
def tsr_on(request: pytest.FixtureRequest, tmp_path: Path) -> TsrCommand:
    """`tsr_on(*args)` runs a `tsr` command in-process against a fresh store of each backend
    (an embedded one on disk, `oxigraph serve` as `remote`, Virtuoso), named by `TSR_*`
    variables as a user sets them."""
    if request.param == "embedded":
        env = {"TSR_STORE": str(tmp_path / "store")}
    else:
        env = empty_remote_env(request, request.param)

    def run(*args: str) -> Result:
        return CliRunner().invoke(cli, list(args), env=env)

    return run
