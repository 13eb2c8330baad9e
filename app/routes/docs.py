"""/docs: the JSON API described by Swagger UI, from files this server serves itself."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from app.web import page

router = APIRouter(include_in_schema=False)


@router.get("/docs")
def api_docs(request: Request) -> Response:
    """Swagger UI for /openapi.json. (ReDoc is not offered: it writes inline styles, which the
    pages' Content-Security-Policy refuses.)"""
    return page(request, "pages/docs.html", "en")
