"""api/sparql/direct.py: an endpoint that takes the request alone is called without
FastAPI's dependency solving, and keeps the OpenAPI entry its route declares."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from fastapi import FastAPI, Request
from starlette.responses import PlainTextResponse, Response

from api.sparql.direct import DirectRoute


def _app() -> FastAPI:
    app = FastAPI()

    async def echo(request: Request) -> Response:
        return PlainTextResponse(request.url.query)

    app.router.routes.append(DirectRoute("/echo", echo, response_class=Response,
                                         openapi_extra={"parameters": [
                                             {"name": "q", "in": "query",
                                              "schema": {"type": "string"}}]}))
    return app


def test_direct_endpoint_gets_the_request_and_keeps_its_openapi_entry() -> None:
    async def ask() -> tuple[httpx.Response, httpx.Response]:
        transport = httpx.ASGITransport(app=_app())
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            return (await client.get("/echo", params={"q": "x y"}),
                    await client.get("/openapi.json"))

    answer, openapi = asyncio.run(ask())
    assert answer.status_code == 200
    assert answer.text == "q=x+y"
    operation = openapi.json()["paths"]["/echo"]["get"]
    assert [parameter["name"] for parameter in operation["parameters"]] == ["q"]


def test_an_endpoint_with_parameters_is_refused() -> None:
    async def with_parameter(request: Request, q: str) -> Response:
        return PlainTextResponse(q)

    with pytest.raises(TypeError, match="takes the request alone"):
        DirectRoute("/with", with_parameter)
