"""schemathesis against the app's own OpenAPI schema, on a real server: no 5xx on any route.

Every operation of the schema (this issue's routes and the curated ones) gets generated
requests; a 5xx answer fails the test with the request that caused it.
"""

from __future__ import annotations

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings

# Routes of this part of the API: a timeout there fails the test; elsewhere it is printed
# for the routes' owners (a request that never answers is not a 5xx, but is worth knowing).
OWN_ROUTES = ("/sparql", "/store", "/.well-known/void", "/dumps/", "/health", "/")


@pytest.mark.slow
def test_no_server_error(served: str) -> None:
    schema = schemathesis.openapi.from_url(f"{served}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 8
    failures: list[str] = []
    slow: list[str] = []
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck),
                  database=None)
        def check(case: schemathesis.Case) -> None:
            try:
                response = case.call(timeout=20)
            except requests.Timeout:
                own = case.path == "/" or any(case.path.startswith(route)
                                              for route in OWN_ROUTES[:-1])
                (failures if own else slow).append(f"{case.method} {case.formatted_path} "
                                                   f"{case.query!r}: no answer in 20 s")
                return
            if response.status_code >= 500:
                failures.append(f"{case.method} {case.formatted_path} {case.query!r} -> "
                                f"{response.status_code}: {response.text[:200]}")

        check()
    if slow:
        print("routes that did not answer in 20 s:", *sorted(set(slow)), sep="\n  ")
    assert failures == []
