"""The portal's tests reuse the API tests' in-process app over the example data."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ..api.conftest import AppClient, serving_app


@pytest.fixture(scope="module")
def api() -> Iterator[AppClient]:
    yield from serving_app()


@pytest.fixture(autouse=True)
def no_remembered_language(api: AppClient) -> None:
    """Each test starts as a new reader: the client forgets the `lang` cookie a page set."""
    api.client.cookies.clear()
