"""Exports (CSV, XLSX, JSON) and import of a JSON export, for the API and the console."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Body, Header, Request, status
from starlette.responses import Response

from app.deps import ApiActorDep, CeilingsDep, SessionDep, SettingsDep, WorkshopDep, limit_create
from app.models.workshop import WorkshopCreated
from app.pages import created_answer, file_response, language, require_page_role
from app.services import exports
from app.services.access import Role, check_organiser, require

router = APIRouter(tags=["exports"])

MEDIA = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
}


@router.get("/api/v1/workshops/{code}/export", response_class=Response,
            responses={200: {"content": {m: {} for m in MEDIA.values()}, "description": "A file download."},
                       413: {"description": "The workshop is too large to draw as this file on this server."},
                       503: {"description": "The file is still being drawn: try again after Retry-After seconds."}})
def export_workshop(request: Request, workshop: WorkshopDep, actor: ApiActorDep,
                    format: Literal["csv", "xlsx", "json"] = "json") -> Response:
    """Download the workshop as CSV (UTF-8 with BOM), XLSX or complete JSON (facilitator); 503
    with Retry-After while a big workshop's file is still being drawn."""
    require(actor, Role.facilitator, action="export the workshop")
    return file_response(request, workshop, format, "" if format == "json" else workshop.language,
                         media_type=MEDIA[format])


@router.post("/api/v1/workshops/import", status_code=status.HTTP_201_CREATED, response_model=WorkshopCreated)
def import_workshop(request: Request, session: SessionDep, settings: SettingsDep,
                    data: Annotated[dict, Body(description="A JSON export of ruamkit.")], ceilings: CeilingsDep,
                    x_organiser_password: Annotated[str | None, Header()] = None) -> WorkshopCreated:
    """Make a new workshop (new code, new keys) from a JSON export."""
    limit_create(request)
    check_organiser(settings, x_organiser_password)
    workshop, facilitator_key, screen_key = exports.import_workshop(session, data=data, ceilings=ceilings)
    return created_answer(request, settings, workshop, facilitator_key, screen_key)


@router.get("/w/{code}/facilitate/export.{fmt}", include_in_schema=False)
def download_from_console(request: Request, fmt: str, workshop: WorkshopDep, session: SessionDep) -> Response:
    require_page_role(request, session, workshop, "facilitator")
    if fmt not in MEDIA:
        fmt = "json"
    lang = language(request, workshop)
    return file_response(request, workshop, fmt, "" if fmt == "json" else lang, media_type=MEDIA[fmt], page_lang=lang)
