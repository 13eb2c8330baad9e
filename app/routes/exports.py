"""Exports (CSV, XLSX, JSON) and import of a JSON export, for the API and the console."""

from __future__ import annotations

import json
import re
from typing import Annotated, Literal

from fastapi import APIRouter, Body, Header, Request, status
from starlette.responses import Response

from app.deps import ApiActorDep, CeilingsDep, SessionDep, SettingsDep, WorkshopDep, limit_create
from app.models import Workshop
from app.models.workshop import WorkshopCreated
from app.routes.pages import language, require_page_role
from app.routes.workshops import check_organiser, created_answer
from app.services import exports
from app.services.access import Role, require

router = APIRouter(tags=["exports"])

MEDIA = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
}


def _download(session, workshop: Workshop, fmt: str, lang: str | None) -> Response:  # type: ignore[no-untyped-def]
    if fmt == "csv":
        body = exports.export_csv(session, workshop=workshop, language=lang)
    elif fmt == "xlsx":
        body = exports.export_xlsx(session, workshop=workshop, language=lang)
    else:
        body = json.dumps(exports.export_data(session, workshop=workshop), ensure_ascii=False, indent=2).encode()
    slug = re.sub(r"[^A-Za-z0-9]+", "-", workshop.title).strip("-")[:40] or "workshop"
    filename = f"ruamkit-{workshop.code}-{slug}.{fmt}"
    return Response(body, media_type=MEDIA[fmt], headers={
        "Content-Disposition": f'attachment; filename="{filename}"',
        "Cache-Control": "no-store",
    })


@router.get("/api/v1/workshops/{code}/export", response_class=Response,
            responses={200: {"content": {m: {} for m in MEDIA.values()}, "description": "A file download."}})
def export_workshop(workshop: WorkshopDep, session: SessionDep, actor: ApiActorDep,
                    format: Literal["csv", "xlsx", "json"] = "json") -> Response:
    """Download the workshop as CSV (UTF-8 with BOM), XLSX or complete JSON (facilitator)."""
    require(actor, Role.facilitator, action="export the workshop")
    return _download(session, workshop, format, None)


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
    return _download(session, workshop, fmt, language(request, workshop))
