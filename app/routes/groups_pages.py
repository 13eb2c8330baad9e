"""The console's Groups card (add groups, their links and QR codes, every group's phase at
once, moving a participant) and the table cards to print, as a page and as a PDF."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Request
from sqlmodel import Session
from starlette.datastructures import FormData
from starlette.responses import Response

from app.deps import FacilitatorPage, SessionDep, SettingsDep, WorkshopDep, base_url, notify
from app.errors import Invalid
from app.forms import FormDep
from app.models import Phase, Workshop
from app.pages import facilitator_key, file_response, groups_card, language, no_store
from app.services import groups, rules
from app.services.access import Actor
from app.services.rules import Action
from app.web import page

router = APIRouter(include_in_schema=False)

CardSize = Literal["a4", "a5"]


def _card(request: Request, session: Session, workshop: Workshop, actor: Actor, base: str,
          status_code: int = 200, **more: Any) -> Response:
    lang = language(request, workshop)
    return no_store(page(request, "partials/_groups_card.html", lang, status_code=status_code,
                         **groups_card(request, session, workshop, actor, base, **more)))


@router.get("/w/{code}/facilitate/groups")
def read_groups_card(request: Request, workshop: WorkshopDep, session: SessionDep, settings: SettingsDep,
                     facilitator: FacilitatorPage) -> Response:
    """The Groups card, drawn again (its refresh button)."""
    return _card(request, session, workshop, facilitator, base_url(request, settings))


@router.post("/w/{code}/facilitate/groups")
def add_groups(request: Request, workshop: WorkshopDep, session: SessionDep, settings: SettingsDep,
               form: Annotated[FormData, FormDep], facilitator: FacilitatorPage) -> Response:
    """Add the groups named in the box, one a line."""
    made = groups.add_groups(session, event=workshop, actor=facilitator,
                             names=groups.pasted_names(str(form.get("names", ""))),
                             facilitator_key=facilitator_key(request, workshop) or None)
    notify(request, workshop.code)
    # Keys the console cannot draw again (a co-facilitator's console) are shown this once.
    shown = {m.group.id: m for m in made}
    return _card(request, session, workshop, facilitator, base_url(request, settings), new_keys=shown)


@router.post("/w/{code}/facilitate/groups/phase")
def move_every_group(request: Request, workshop: WorkshopDep, session: SessionDep, settings: SettingsDep,
                     form: Annotated[FormData, FormDep], facilitator: FacilitatorPage) -> Response:
    """Move every group to one phase at once."""
    try:
        phase = Phase(str(form.get("phase", "")))
    except ValueError:
        raise Invalid("Unknown phase.") from None
    for group in groups.set_phase_all(session, event=workshop, actor=facilitator, phase=phase):
        notify(request, group.code)
    notify(request, workshop.code)
    return _card(request, session, workshop, facilitator, base_url(request, settings))


@router.post("/w/{code}/facilitate/groups/{group_id}/links")
def renew_group_links(request: Request, group_id: int, workshop: WorkshopDep, session: SessionDep,
                      settings: SettingsDep, facilitator: FacilitatorPage) -> Response:
    """New facilitator and screen links for one group; the old ones stop working."""
    group = groups.get_group(session, event=workshop, group_id=group_id)
    renewed = groups.renew_links(session, event=workshop, group=group, actor=facilitator,
                                 facilitator_key=facilitator_key(request, workshop) or None)
    notify(request, group.code)
    return _card(request, session, workshop, facilitator, base_url(request, settings),
                 new_keys={group.id: renewed})


@router.get("/w/{code}/facilitate/groups/people")
def find_people(request: Request, workshop: WorkshopDep, session: SessionDep, facilitator: FacilitatorPage,
                q: str = "") -> Response:
    """Participants found by name or agency, each with the group they sit in and a move button."""
    rules.require(Action.move_participant, facilitator, workshop)
    lang = language(request, workshop)
    return no_store(page(request, "partials/_groups_people.html", lang, workshop=workshop, query=q,
                         seats=groups.find_participants(session, event=workshop, query=q),
                         groups=groups.list_groups(session, event=workshop)))


@router.post("/w/{code}/facilitate/groups/move")
def move_person(request: Request, workshop: WorkshopDep, session: SessionDep,
                form: Annotated[FormData, FormDep], facilitator: FacilitatorPage) -> Response:
    """Put one participant in the group chosen beside their name (their dots there go back)."""
    try:
        participant_id = int(str(form.get("participant_id", "")))
        chosen = str(form.get("group_id", "")).strip()
        group_id = int(chosen) if chosen else None
    except ValueError:
        raise Invalid("Choose a participant and a group.") from None
    participant, left, joined = groups.move_participant(session, event=workshop, actor=facilitator,
                                                        participant_id=participant_id, group_id=group_id)
    for place in {left.code, joined.code, workshop.code}:
        notify(request, place)
    lang = language(request, workshop)
    return no_store(page(request, "partials/_groups_people.html", lang, workshop=workshop,
                         query=str(form.get("q", "")), moved=participant,
                         seats=groups.find_participants(session, event=workshop, query=str(form.get("q", ""))),
                         groups=groups.list_groups(session, event=workshop)))


@router.get("/w/{code}/facilitate/table-cards")
def table_cards(request: Request, workshop: WorkshopDep, session: SessionDep, settings: SettingsDep,
                facilitator: FacilitatorPage, size: CardSize = "a4") -> Response:
    """One card a group (its name, QR code and join code) to print and stand on each table."""
    rules.require(Action.manage_groups, facilitator, workshop)
    lang = language(request, workshop)
    return no_store(page(request, "pages/facilitator/table_cards.html", lang, size=size,
                         **groups.table_cards(session, event=workshop, base=base_url(request, settings))))


@router.get("/w/{code}/facilitate/table-cards.pdf")
def table_cards_pdf(request: Request, workshop: WorkshopDep, session: SessionDep, settings: SettingsDep,
                    facilitator: FacilitatorPage, size: CardSize = "a4") -> Response:
    """The same cards as a PDF, drawn by a render worker as the report's PDF is."""
    rules.require(Action.manage_groups, facilitator, workshop)
    lang = language(request, workshop)
    return file_response(request, workshop, groups.cards_kind(size, base_url(request, settings)), lang,
                         ("application/pdf", "pdf"), disposition="inline", page_lang=lang)
