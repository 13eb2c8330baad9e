"""Exports (every format of app/services/exports/registry.py) and import of a JSON export, for
the API and the console."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Literal

from fastapi import APIRouter, Body, Header, Query, Request, status
from sqlmodel import Session
from starlette.responses import Response

from app.deps import CeilingsDep, FacilitatorPage, SessionDep, SettingsDep, WorkshopDep, api_door, limit_create
from app.errors import NotFound
from app.models import Workshop
from app.models.workshop import WorkshopCreated
from app.pages import created_answer, file_response, language
from app.services import rounds
from app.services.access import check_organiser
from app.services.exports import json_import, registry
from app.services.exports.format import ExportFormat
from app.services.rules import Action

router = APIRouter(tags=["exports"])

RoundQuery = Annotated[int | None, Query(alias="round", description="Limit the file to this round (its number).")]

FORMATS = registry.FORMATS
# Every file a render worker draws (app/render_worker.py), as (media type, extension): the
# exports and the report's PDF.
FILES = {**{f.name: (f.media_type, f.extension) for f in FORMATS.values()}, "pdf": ("application/pdf", "pdf")}
if TYPE_CHECKING:
    FormatName = str
else:  # the registered names, so that OpenAPI lists them and any other is answered 422
    FormatName = Literal[tuple(FORMATS)]


@router.get("/api/v1/workshops/{code}/export", response_class=Response,
            responses={200: {"content": {f.media_type: {} for f in FORMATS.values()},
                             "description": "A file download."},
                       413: {"description": "The workshop is too large to draw as this file on this server."},
                       503: {"description": "The file is still being drawn: try again after Retry-After seconds."}},
            dependencies=[api_door(Action.export)])
def export_workshop(request: Request, workshop: WorkshopDep, session: SessionDep,
                    format: FormatName = registry.DEFAULT, round_number: RoundQuery = None) -> Response:
    """Download the workshop as CSV (UTF-8 with BOM), XLSX or complete JSON (facilitator): every
    round, or with `round` one round only (CSV and XLSX; the JSON is always the whole workshop;
    404 for a round the workshop does not have); 503 with Retry-After while a big workshop's
    file is still being drawn."""
    chosen = FORMATS[format]
    return file_response(request, workshop, format, chosen.language(workshop.language), FILES[format],
                         round_number=_round(session, workshop, chosen, round_number))


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
def download_from_console(request: Request, fmt: str, workshop: WorkshopDep, session: SessionDep,
                          _facilitator: FacilitatorPage, round_number: RoundQuery = None) -> Response:
    chosen = FORMATS.get(fmt)
    if chosen is None:  # export.csv~ is no file of ours (a scanner took it for a backup copy)
        raise NotFound("No export in the format {fmt}; choose one of {names}.", fmt=fmt, names=", ".join(FORMATS))
    lang = language(request, workshop)
    return file_response(request, workshop, chosen.name, chosen.language(lang), FILES[chosen.name], page_lang=lang,
                         round_number=_round(session, workshop, chosen, round_number))


def _round(session: Session, workshop: Workshop, chosen: ExportFormat, number: int | None) -> int | None:
    """The round a file is limited to (None: every round); NotFound for one the workshop lacks."""
    if number is None:
        return None
    rounds.get_round(session, workshop=workshop, number=number)
    return number if chosen.by_round else None
