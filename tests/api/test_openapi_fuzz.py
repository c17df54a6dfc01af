"""schemathesis against the app's own OpenAPI schema, on a real server: no 5xx on any route.

Every operation of the schema (this issue's routes and the curated ones) gets generated
requests; a 5xx answer fails the test with the request that caused it.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings


@pytest.mark.slow
def test_no_server_error(served: str) -> None:
    schema = schemathesis.openapi.from_url(f"{served}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 8
    failures: list[str] = []
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck),
                  database=None)
        def check(case: schemathesis.Case) -> None:
            response = case.call(timeout=30)
            if response.status_code >= 500:
                failures.append(f"{case.method} {case.formatted_path} {case.query!r} -> "
                                f"{response.status_code}: {response.text[:200]}")

        check()
    assert failures == []
