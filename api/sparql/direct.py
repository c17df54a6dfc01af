"""A route class for endpoints that take the request alone and return a Response.

FastAPI calls every endpoint through its dependency solver, which reads the query string,
headers and cookies into the endpoint's declared parameters (and checks them) even when
the only parameter is the request: for `/sparql`, which reads its own parameters as the
protocol says (api/sparql/request.py), that was about a twentieth of a point lookup's time
on the event loop, for nothing. Such an endpoint is called directly; its OpenAPI entry is
what the route declares, as before: an endpoint that reads parameters declares them in
`openapi_extra`, and its 422 (a RequestValidationError it raises, which the app's handler
answers in one line) as `INVALID_PARAMETERS`.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request
from fastapi.routing import APIRoute
from starlette.responses import Response

# the 422 answer of a route that checks its own parameters, as FastAPI's own are described
INVALID_PARAMETERS: dict[str, Any] = {
    "description": "Validation Error", "content": {"application/json": {
        "schema": {"$ref": "#/components/schemas/HTTPValidationError"}}}}


class DirectRoute(APIRoute):
    """An APIRoute whose endpoint, `async def endpoint(request) -> Response`, is awaited
    with the request, without dependency solving."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        endpoint: Callable[[Request], Coroutine[Any, Any, Response]] = self.endpoint
        if self.dependant.dependencies or len(self.dependant.query_params) or (
                self.dependant.path_params or self.dependant.header_params
                or self.dependant.cookie_params or self.body_field is not None):
            raise TypeError(f"{self.path}: a DirectRoute endpoint takes the request alone")
        return endpoint
