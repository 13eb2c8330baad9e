"""Exports (every format of app/services/exports/registry.py) and import of a JSON export, for
the API and the console."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Annotated, Literal

from fastapi import APIRouter, Body, Header, Request, status
from starlette.responses import Response

from app import i18n
from app.deps import ApiActorDep, CeilingsDep, SessionDep, SettingsDep, WorkshopDep, limit_create
from app.errors import Unavailable
from app.models import Workshop
from app.models.workshop import WorkshopCreated
from app.routes.pages import language, no_store, require_page_role
from app.routes.workshops import check_organiser, created_answer
from app.services.access import Role, require
from app.services.exports import json_import, registry
from app.web import page

router = APIRouter(tags=["exports"])

FORMATS = registry.FORMATS
# Every file a render worker draws (app/render_worker.py), as (media type, extension): the
# exports and the report's PDF.
FILES = {**{f.name: (f.media_type, f.extension) for f in FORMATS.values()}, "pdf": ("application/pdf", "pdf")}
if TYPE_CHECKING:
    FormatName = str
else:  # the registered names, so that OpenAPI lists them and any other is answered 422
    FormatName = Literal[tuple(FORMATS)]


def file_response(request: Request, workshop: Workshop, kind: str, lang: str, *, disposition: str = "attachment",
                  page_lang: str | None = None) -> Response:
    """A file of the workshop drawn by a render worker (app/renders.py), or, while it is being
    drawn, for a page (page_lang given): a page that says so and tries again by itself; for
    the API: 503 with Retry-After."""
    try:
        body = request.app.state.renders.get(workshop.code, kind, lang)
    except Unavailable as exc:
        if page_lang is None:
            raise
        response = page(request, "pages/preparing.html", page_lang, status_code=503, code=workshop.code,
                        message=i18n.translate_error(exc.template, exc.params, page_lang),
                        seconds=exc.params.get("seconds", 3))
        response.headers["Retry-After"] = str(exc.params.get("seconds", 3))
        return no_store(response)
    slug = re.sub(r"[^A-Za-z0-9]+", "-", workshop.title).strip("-")[:40] or "workshop"
    media_type, extension = FILES[kind]
    filename = f"ruamkit-{workshop.code}-{slug}.{extension}"
    return Response(body, media_type=media_type, headers={
        "Content-Disposition": f'{disposition}; filename="{filename}"',
        "Cache-Control": "no-store",
    })


@router.get("/api/v1/workshops/{code}/export", response_class=Response,
            responses={200: {"content": {f.media_type: {} for f in FORMATS.values()},
                             "description": "A file download."},
                       413: {"description": "The workshop is too large to draw as this file on this server."},
                       503: {"description": "The file is still being drawn: try again after Retry-After seconds."}})
def export_workshop(request: Request, workshop: WorkshopDep, actor: ApiActorDep,
                    format: FormatName = registry.DEFAULT) -> Response:
    """Download the workshop as CSV (UTF-8 with BOM), XLSX or complete JSON (facilitator); 503
    with Retry-After while a big workshop's file is still being drawn."""
    require(actor, Role.facilitator, action="export the workshop")
    return file_response(request, workshop, format, FORMATS[format].language(workshop.language))


@router.post("/api/v1/workshops/import", status_code=status.HTTP_201_CREATED, response_model=WorkshopCreated)
def import_workshop(request: Request, session: SessionDep, settings: SettingsDep,
                    data: Annotated[dict, Body(description="A JSON export of ruamkit.")], ceilings: CeilingsDep,
                    x_organiser_password: Annotated[str | None, Header()] = None) -> WorkshopCreated:
    """Make a new workshop (new code, new keys) from a JSON export."""
    limit_create(request)
    check_organiser(settings, x_organiser_password)
    workshop, facilitator_key, screen_key = json_import.import_workshop(session, data=data, ceilings=ceilings)
    return created_answer(request, settings, workshop, facilitator_key, screen_key)


@router.get("/w/{code}/facilitate/export.{fmt}", include_in_schema=False)
def download_from_console(request: Request, fmt: str, workshop: WorkshopDep, session: SessionDep) -> Response:
    require_page_role(request, session, workshop, "facilitator")
    chosen = FORMATS.get(fmt) or FORMATS[registry.DEFAULT]
    lang = language(request, workshop)
    return file_response(request, workshop, chosen.name, chosen.language(lang), page_lang=lang)
