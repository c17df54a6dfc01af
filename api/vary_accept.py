"""`Vary: Accept` on every response whose form the request's Accept header chose.

A shared cache keys a stored response on the URL and on the request headers its `Vary`
names. Where one URL answers HTML to a browser and Turtle or JSON-LD to an RDF client
(`/id/…`, `/ontology`, `/vocab/…`), or JSON, CSV or SPARQL results by Accept (`/api/…`,
`/sparql`, `/store`, `/.well-known/void`), each of its answers must name `Accept`, the
HTML page included: a page stored without it would be handed to an RDF client of the same
URL. The portal's pages vary on Accept-Language and the language cookie only, and an
error is a page for a browser and JSON (or one line of text) for a program
(error_pages.py), so every error names Accept as well.

One rule here rather than a header in each route, so that a new route or a new error
cannot forget it.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# the paths whose successful answers are negotiated; `/` (the home page), the portal's
# pages, `/context.jsonld` and the dump files have one form each
NEGOTIATED = ("/id/", "/api/", "/ontology", "/vocab", "/.well-known/void", "/sparql",
              "/store")


def with_accept(vary: str | None) -> str:
    """The Vary value naming Accept, the others kept in their order.

    >>> with_accept("Accept-Language, Cookie, Origin")
    'Accept-Language, Cookie, Origin, Accept'
    >>> with_accept("accept, Origin")
    'accept, Origin'
    >>> with_accept(None)
    'Accept'
    """
    if not vary:
        return "Accept"
    names = [name.strip().lower() for name in vary.split(",")]
    if "accept" in names or "*" in names:
        return vary
    return f"{vary}, Accept"


class VaryOnAccept:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        negotiated = scope["path"].startswith(NEGOTIATED)

        async def varied(message: Message) -> None:
            if message["type"] == "http.response.start" and (
                    negotiated or message["status"] >= 400):
                message.setdefault("headers", [])
                headers = MutableHeaders(scope=message)
                headers["Vary"] = with_accept(headers.get("vary"))
            await send(message)

        await self.app(scope, receive, varied)
