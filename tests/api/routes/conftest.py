"""Fixtures of the route tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.api.conftest import AppClient, api_settings


@pytest.fixture
def fresh_api() -> Iterator[AppClient]:
    """An app of its own, for a test that writes."""
    client = AppClient(api_settings())
    try:
        yield client
    finally:
        client.close()
