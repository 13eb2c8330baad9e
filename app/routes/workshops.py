"""JSON API: workshops, phases and joining."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Header, Request, Response, status

from app.deps import (CeilingsDep, SessionDep, SettingsDep, WorkshopDep, api_door, limit_create, limit_join, notify,
                      notify_groups)
from app.models import utcnow
from app.models.participant import ParticipantJoin, ParticipantJoined
from app.models.workshop import (
    FrameworkFile,
    OwnPresetIn,
    OwnPresetPublic,
    FrameworkPublic,
    PhaseIn,
    ScreenViewIn,
    TimerIn,
    WorkshopCreate,
    WorkshopCreated,
    WorkshopPublic,
    WorkshopSettingsUpdate,
)
from app.pages import created_answer
from app.services import frameworks, groups, own_presets, participants, presets, timer, workshops
from app.services.access import Actor, check_organiser
from app.services.rules import Action

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
router = APIRouter(prefix="/api/v1", tags=["workshops"])


@router.post("/workshops", status_code=status.HTTP_201_CREATED, response_model=WorkshopCreated)
def create_workshop(request: Request, workshop_in: WorkshopCreate, session: SessionDep, settings: SettingsDep,
                    x_organiser_password: Annotated[str | None, Header()] = None) -> WorkshopCreated:
    """Create a workshop; the answer carries its keys, shown this once."""
    limit_create(request)  # before the password: wrong guesses are counted too
    check_organiser(settings, x_organiser_password)
    workshop, facilitator_key, screen_key = workshops.create_workshop(session, workshop_in=workshop_in)
    return created_answer(request, settings, workshop, facilitator_key, screen_key)


@router.get("/workshops/{code}", response_model=WorkshopPublic)
def read_workshop(workshop: WorkshopDep, session: SessionDep) -> WorkshopPublic:
    """The workshop's settings, framework and participant count (anyone with the code)."""
    return workshops.describe(session, workshop=workshop)


@router.put("/workshops/{code}/phase", response_model=WorkshopPublic)
def set_phase(request: Request, phase_in: PhaseIn, workshop: WorkshopDep, session: SessionDep,
              actor: Annotated[Actor, api_door(Action.set_phase)]) -> WorkshopPublic:
    """Move the workshop to any phase (facilitator)."""
    workshops.set_phase(session, workshop=workshop, actor=actor, phase=phase_in.phase)
    notify(request, workshop.code)
    notify_groups(request, session, workshop)
    return workshops.describe(session, workshop=workshop)


@router.patch("/workshops/{code}", response_model=WorkshopPublic)
def update_workshop(request: Request, settings_in: WorkshopSettingsUpdate, workshop: WorkshopDep,
                    session: SessionDep,
                    actor: Annotated[Actor, api_door(Action.change_settings)]) -> WorkshopPublic:
    """Change the title, description or whether live tallies are shown (facilitator)."""
    workshops.update_settings(session, workshop=workshop, actor=actor, settings_in=settings_in)
    notify(request, workshop.code)
    return workshops.describe(session, workshop=workshop)


@router.put("/workshops/{code}/timer", response_model=WorkshopPublic)
def set_timer(request: Request, timer_in: TimerIn, workshop: WorkshopDep, session: SessionDep,
              actor: Annotated[Actor, api_door(Action.control_timer)]) -> WorkshopPublic:
    """Start, extend, pause, resume or stop the phase timer (facilitator); answers with the workshop."""
    timer.apply(session, workshop=workshop, actor=actor, action=timer_in.action, minutes=timer_in.minutes,
                auto_advance=timer_in.auto_advance)
    notify(request, workshop.code)
    return workshops.describe(session, workshop=workshop)


@router.put("/workshops/{code}/screen-view", response_model=WorkshopPublic)
def set_screen_view(request: Request, view_in: ScreenViewIn, workshop: WorkshopDep, session: SessionDep,
                    actor: Annotated[Actor, api_door(Action.choose_screen_view)]) -> WorkshopPublic:
    """Choose what the big screen shows (facilitator or screen key; "auto" follows the phase)
    and, facilitator only, hold one of its pages (`page`; null: the screen turns them) or drill
    its per-strategy views into a strategy (`drill`; null: the top level) and its coverage map
    into a reform area (`area_drill`)."""
    workshops.set_screen(session, workshop=workshop, actor=actor, view=view_in.view, page=view_in.page,
                         hold="page" in view_in.model_fields_set, drill=view_in.drill,
                         drilling="drill" in view_in.model_fields_set, area_drill=view_in.area_drill,
                         area_drilling="area_drill" in view_in.model_fields_set)
    notify(request, workshop.code)
    return workshops.describe(session, workshop=workshop)


@router.get("/frameworks", response_model=list[FrameworkPublic])
def list_frameworks(lang: Literal["th", "en"] = "th") -> list[FrameworkPublic]:
    """The preset frameworks a new workshop can copy (anyone); names in `lang`, both given too."""
    return frameworks.library(lang)


@router.get("/frameworks/{framework_id}", response_model=FrameworkFile, response_model_exclude_none=True)
def read_framework(framework_id: str, session: SessionDep, lang: Literal["th", "en"] = "th") -> FrameworkFile:
    """A preset, or an own preset by its id (whoever holds the id), as a framework file."""
    if framework_id in presets.PRESETS:
        return own_presets.preset_file(presets.PRESETS[framework_id], lang)
    return own_presets.read(session, key=framework_id).framework


@router.post("/frameworks", status_code=status.HTTP_201_CREATED, response_model=OwnPresetPublic,
             response_model_exclude_none=True)
def import_framework(request: Request, framework: FrameworkFile, session: SessionDep, settings: SettingsDep,
                     x_organiser_password: Annotated[str | None, Header()] = None) -> OwnPresetPublic:
    """Keep a framework file as an own preset (whoever may create workshops); its id starts one."""
    limit_create(request)
    check_organiser(settings, x_organiser_password)
    return own_presets.store(session, framework=framework)


@router.get("/workshops/{code}/framework", response_model=FrameworkFile, response_model_exclude_none=True,
            responses={200: {"content": {"text/csv": {}, XLSX_TYPE: {}},
                             "description": "The framework file: JSON, CSV (UTF-8 with BOM) or XLSX."}})
def export_framework(workshop: WorkshopDep, session: SessionDep,
                     _actor: Annotated[Actor, api_door(Action.export)],
                     format: Literal["json", "csv", "xlsx"] = "json") -> FrameworkFile | Response:
    """The workshop's framework and agency list as a file (facilitator): JSON, CSV or XLSX."""
    framework = own_presets.framework_file(session, workshop=workshop)
    if format == "xlsx":
        return Response(own_presets.to_xlsx(framework), media_type=XLSX_TYPE,
                        headers={"Content-Disposition": f'attachment; filename="framework-{workshop.code}.xlsx"'})
    if format == "csv":
        return Response("\ufeff" + own_presets.to_csv(framework), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="framework-{workshop.code}.csv"'})
    return framework


@router.post("/frameworks/{fmt}", status_code=status.HTTP_201_CREATED, response_model=OwnPresetPublic,
             response_model_exclude_none=True)
async def import_framework_sheet(request: Request, fmt: Literal["csv", "xlsx"], session: SessionDep,
                                 settings: SettingsDep,
                                 x_organiser_password: Annotated[str | None, Header()] = None) -> OwnPresetPublic:
    """Keep a framework spreadsheet (as the CSV or XLSX export writes it; CSV in UTF-8, with or
    without BOM, or cp874/TIS-620) as an own preset."""
    limit_create(request)
    check_organiser(settings, x_organiser_password)
    body = await request.body()
    if fmt == "xlsx":
        return own_presets.store(session, framework=own_presets.from_xlsx(body))
    return own_presets.store(session, framework=own_presets.from_csv(body))


@router.post("/workshops/{code}/own-presets", status_code=status.HTTP_201_CREATED, response_model=OwnPresetPublic,
             response_model_exclude_none=True)
def save_own_preset(preset_in: OwnPresetIn, workshop: WorkshopDep, session: SessionDep,
                    actor: Annotated[Actor, api_door(Action.save_framework)]) -> OwnPresetPublic:
    """Save the workshop's framework and agency list as the facilitator's own preset (facilitator)."""
    return own_presets.save(session, workshop=workshop, actor=actor, title=preset_in.title)


@router.get("/time")
def server_time() -> dict[str, float | str]:
    """The server's clock (anyone): pages count timers down in server time, not the device's."""
    now = utcnow()
    return {"now": now.isoformat(), "epoch_ms": now.timestamp() * 1000}


@router.post("/workshops/{code}/participants", status_code=status.HTTP_201_CREATED,
             response_model=ParticipantJoined)
def join_workshop(request: Request, join_in: ParticipantJoin, workshop: WorkshopDep,
                  session: SessionDep, ceilings: CeilingsDep) -> ParticipantJoined:
    """Join with a name and agency (anyone with the code; `group_id`: into that group of the
    event); the token is shown this once."""
    limit_join(request, session, workshop)
    place = groups.joining(session, workshop=workshop, group_id=join_in.group_id)
    participant, token = participants.join(session, workshop=place, join_in=join_in, ceilings=ceilings)
    notify(request, place.code, projects=())  # a join changes no project (the kept list stays)
    if place.parent_id is not None:  # the event's console counts its groups' participants
        notify(request, groups.event_of(session, place).code, projects=())
    return ParticipantJoined(participant_id=participant.id, participant_token=token)
