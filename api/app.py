"""The FastAPI application factory."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi_offline import FastAPIOffline
from starlette.requests import ClientDisconnect
from starlette.responses import Response

from store import Settings, Store, get_settings, open_store
from store.isolation import isolate

from .compression import GzipWhenAccepted
from .conditional import ConditionalGet
from .error_pages import install_error_pages
from .head_requests import HeadAsGet
from .limits import install_limits
from .long_lived import set_aside_long_lived
from .portal.routes import ROUTERS as PORTAL_ROUTERS
from .routes import ROUTERS
from .services import build_services
from .vary_accept import VaryOnAccept
from .workspace import install_workspace


def create_app(settings: Settings | None = None, store: Store | None = None) -> FastAPI:
    """Build the app; the store opens when the server starts and closes when it stops.

    Pass an open `store` to serve it (the CLI opens it first, so that a busy store is a
    one-line error before uvicorn starts, and a memory store keeps what was loaded).
    """
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.store = store if store is not None else open_store(settings)
        app.state.store.share_with_readers()  # requests read while the server writes
        # queries clients control run in worker processes (on-disk stores)
        isolate(app.state.store, settings)
        app.state.services = build_services(app.state.store, settings)
        set_aside_long_lived(replacing=False)  # nothing of this app was frozen before
        # every entity document names resources whose labels it shows: read them all now,
        # in the background while the server is idle (built under load, the index competed
        # with requests for the interpreter for seconds, and they asked for labels meanwhile)
        app.state.services.labels.index.ready()
        app.state.services.browse_index.ready()  # so that the first browse page need not wait
        try:
            yield
        finally:
            app.state.services.entity_responses.close()
            app.state.store.close()

    # /docs and /redoc with their scripts and styles served from the package, not a CDN
    app = FastAPIOffline(title="TSR Observatory", version="0.1.0", lifespan=lifespan,
                         static_url="/static/docs")
    app.state.settings = settings
    install_error_pages(app)
    app.add_exception_handler(ClientDisconnect, _client_left)
    # the last added is the outermost: CORS, body limit, HEAD, gzip, ETags, Vary: Accept,
    # then the routes
    app.add_middleware(VaryOnAccept)
    app.add_middleware(ConditionalGet)
    app.add_middleware(GzipWhenAccepted)
    app.add_middleware(HeadAsGet)
    install_limits(app, settings)
    # The routes themselves, not the routers: FastAPI matches an included router through a
    # wrapper per router and per route (a tenth of the event loop's time per request at
    # full load); each module's routes already carry their prefix and tags.
    app.router.routes.extend(route for router in ROUTERS for route in router.routes)
    # the public portal's pages (api/portal), after the API: its paths are its own
    app.router.routes.extend(route for router in PORTAL_ROUTERS for route in router.routes)
    install_workspace(app, settings)  # the outermost layer: /workspace is its own app
    return app


async def _client_left(request: Request, error: Exception) -> Response:
    """A client that closed its connection before sending its whole body: one log line
    (a traceback each, before: a thousand such clients wrote a thousand), no answer to
    deliver."""
    logging.getLogger("uvicorn.error").warning(
        "%s %s: the client left before sending its whole request body",
        request.method, request.url.path)
    return Response(status_code=400)
