"""The portal's own static files (its style sheet, scripts), shipped in the package."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, HTTPException
from starlette.responses import FileResponse

router = APIRouter(tags=["pages"])

STATIC = Path(__file__).resolve().parent.parent / "static"
# files installed from npm (api/ui/package.json) and served as they are
NPM = Path(__file__).resolve().parents[2] / "ui" / "node_modules"
FROM_NPM = {"chart.umd.min.js": NPM / "chart.js" / "dist" / "chart.umd.min.js"}
MEDIA_TYPES = {".css": "text/css", ".js": "text/javascript", ".svg": "image/svg+xml",
               ".png": "image/png"}


@router.get("/static/portal/{name}", summary="Portal assets", include_in_schema=False)
def portal_asset(name: str) -> FileResponse:
    path = FROM_NPM.get(name) or STATIC / name
    media_type = MEDIA_TYPES.get(path.suffix)
    if "/" in name or name.startswith(".") or media_type is None or not path.is_file():
        raise HTTPException(404, f"no such asset: {name}")
    return FileResponse(path, media_type=media_type,
                        headers={"Cache-Control": "public, max-age=3600"})
