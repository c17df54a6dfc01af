"""Limits every request meets before a route runs: the body size cap (413) and CORS."""

from __future__ import annotations

from fastapi import FastAPI
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from store import Settings


class BodyTooLarge(Exception):
    pass


class BodySizeLimit:
    """Answer 413 to a request whose body is larger than `max_bytes`.

    A declared Content-Length is checked before anything is read; a chunked body is
    counted as it arrives, so a client cannot get past the limit by not declaring it.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    def _refusal(self) -> PlainTextResponse:
        return PlainTextResponse(
            f"request body too large: this server accepts at most {self.max_bytes} bytes "
            "(setting max_body_bytes)\n", status_code=413)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        declared = headers.get(b"content-length")
        if declared is None and b"transfer-encoding" not in headers:
            # no body (a GET): nothing to count, and no wrapper on each message
            await self.app(scope, receive, send)
            return
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refusal()(scope, receive, send)
            return
        received = 0
        response_started = False

        async def counted_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge
            return message

        async def watched_send(message: Message) -> None:
            nonlocal response_started
            response_started = response_started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted_receive, watched_send)
        except BodyTooLarge:
            if response_started:
                raise
            await self._refusal()(scope, receive, send)


def install_limits(app: FastAPI, settings: Settings) -> None:
    """Body limit and CORS. Cross-origin pages may read (GET, HEAD, and POST of a query
    form); they cannot send an Authorization header, so writes stay same-origin tools."""
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware, allow_origins=settings.cors_origins,
            allow_methods=["GET", "HEAD", "POST"], allow_headers=["Accept", "Content-Type"],
            expose_headers=["TSR-Result-Limit", "Link"], max_age=3600)
