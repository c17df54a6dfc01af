"""The portal's routers, one module per page kind; ROUTERS is what api/app.py mounts."""

from __future__ import annotations

from fastapi import APIRouter

from . import assets, browse, data, home, indicators, query

ROUTERS: list[APIRouter] = [home.router, indicators.router, query.router, data.router, browse.router,
                            assets.router]
