"""Fixtures of the ingest tests: example and broken files, settings for throw-away stores."""

from __future__ import annotations

from pathlib import Path

import pytest

from store import Settings

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"
BROKEN = REPO / "tests" / "fixtures" / "broken"


@pytest.fixture
def memory_settings() -> Settings:
    return Settings(store="memory")


@pytest.fixture
def disk_settings(tmp_path: Path) -> Settings:
    return Settings(store=str(tmp_path / "store"))
