"""HEAD on every GET route: the GET's status and headers, without its body.

FastAPI routes answer only the methods they declare, so HEAD was a 405 everywhere (while
CORS advertised it). HEAD is GET without the body (RFC 9110, 9.3.2): the app runs the GET,
and the body is dropped here, so every header (Content-Type, Content-Length, ETag, Link...)
is the GET's own.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class HeadAsGet:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return
        finished = False

        async def without_body(message: Message) -> None:
            nonlocal finished
            if message["type"] == "http.response.body":
                if finished:
                    return  # the rest of a streamed body
                finished = True
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        # a copy: the server still sees HEAD and writes no body of its own accord either
        await self.app({**scope, "method": "GET"}, receive, without_body)
