"""Static files served by the app itself, so a workshop runs with no internet at all."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse

from app.assets import FONTS
from app.errors import NotFound
from app.paths import repository_path

router = APIRouter(include_in_schema=False)

# Installed from the npm registry by package.json (exact versions), never from a CDN; a wheel
# carries copies (app/paths.py).
VENDOR = {
    "htmx.min.js": repository_path("node_modules/htmx.org/dist/htmx.min.js"),
    "htmx-ext-ws.min.js": repository_path("node_modules/htmx-ext-ws/dist/ws.min.js"),
    # /docs (app/routes/docs.py)
    "swagger-ui-bundle.js": repository_path("node_modules/swagger-ui-dist/swagger-ui-bundle.js"),
    "swagger-ui.css": repository_path("node_modules/swagger-ui-dist/swagger-ui.css"),
}
CACHE = {"Cache-Control": "public, max-age=86400"}


@router.get("/static/vendor/{name}")
def vendor_file(name: str) -> FileResponse:
    path = VENDOR.get(name)
    if path is None or not path.exists():
        raise NotFound("No such file; run `npm install` in the ruamkit folder to fetch the front-end files.")
    media_type = "text/css" if name.endswith(".css") else "text/javascript"
    return FileResponse(path, media_type=media_type, headers=CACHE)


@router.get("/static/fonts/{name}")
def font_file(name: str) -> FileResponse:
    path = FONTS.get(name)
    if path is None or not path.exists():
        raise NotFound("No such file; run `npm install` in the ruamkit folder to fetch the front-end files.")
    return FileResponse(path, media_type="font/woff2", headers=CACHE)

STATIC_DIR = Path(__file__).parent.parent / "static"
