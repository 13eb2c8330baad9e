"""Named facilitator links and the action log: the JSON API and the console's cards.

Revoking a link also closes the consoles it opened, in every process (the broker carries the
notice to each hub: app/live/broker.py, hub.py)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status
from sqlmodel import Session
from starlette.datastructures import FormData

from app.config import Settings
from app.deps import FacilitatorPage, SessionDep, SettingsDep, WorkshopDep, api_door, base_url
from app.errors import Invalid
from app.forms import FormDep
from app.models import FacilitatorLink, LinkRole, Workshop
from app.models.group import LinkIn, LinkIssued, LinkPublic, LogEntryPublic, LogPagePublic
from app.pages import facilitators_values, language, no_store
from app.services import action_log, groups, links, rules
from app.services.access import Actor
from app.services.rules import Action
from app.web import page

router = APIRouter()
API = "/api/v1/workshops/{code}"
ISSUABLE = (LinkRole.co_facilitator, LinkRole.moderator)


def _public(link: FacilitatorLink, where: dict[int, str]) -> LinkPublic:
    return LinkPublic(id=link.id, name=link.name, role=link.role, workshop_code=where.get(link.workshop_id, ""),
                      created_at=link.created_at, last_used_at=link.last_used_at, revoked_at=link.revoked_at)


def _facilitator_url(request: Request, settings: Settings, workshop: Workshop, key: str) -> str:
    return f"{base_url(request, settings)}/w/{workshop.code}/facilitate/{key}"


def _revoke(request: Request, session: Session, event: Workshop, actor: Actor, link_id: int) -> FacilitatorLink:
    link = links.revoke(session, event=event, actor=actor, link_id=link_id)
    request.app.state.broker.publish_revoke(link.id)  # every process closes its consoles
    request.app.state.publish(event.code)  # the log and the list of links changed
    return link


# --- JSON API ---

@router.get(f"{API}/links", response_model=list[LinkPublic], tags=["links"])
def list_links(workshop: WorkshopDep, session: SessionDep,
               _actor: Annotated[Actor, api_door(Action.manage_links)]) -> list[LinkPublic]:
    """Every named link of the event (group facilitators' too), with its last use (facilitator)."""
    event = groups.event_of(session, workshop)
    found = links.list_links(session, event=event)
    where = links.where_they_act(session, found)
    return [_public(link, where) for link in found]


@router.post(f"{API}/links", response_model=LinkIssued, status_code=status.HTTP_201_CREATED, tags=["links"])
def issue_link(request: Request, link_in: LinkIn, workshop: WorkshopDep, session: SessionDep,
               settings: SettingsDep, actor: Annotated[Actor, api_door(Action.manage_links)]) -> LinkIssued:
    """A co-facilitator or moderator link for a named person, for the event or one of its
    groups; its key is shown this once."""
    event = groups.event_of(session, workshop)
    place = groups.chosen_group(session, event=event, group_id=link_in.group_id)
    link, key = links.issue(session, event=event, workshop=place, name=link_in.name, role=LinkRole(link_in.role),
                            actor=actor)
    request.app.state.publish(event.code)
    return LinkIssued(**_public(link, {place.id: place.code}).model_dump(), key=key,
                      facilitator_url=_facilitator_url(request, settings, place, key))


@router.delete(f"{API}/links/{{link_id}}", status_code=status.HTTP_204_NO_CONTENT, tags=["links"])
def revoke_link(request: Request, link_id: int, workshop: WorkshopDep, session: SessionDep,
                actor: Annotated[Actor, api_door(Action.manage_links)]) -> Response:
    """Revoke a link: it stops working at once and its open consoles are closed."""
    _revoke(request, session, groups.event_of(session, workshop), actor, link_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(f"{API}/log", response_model=LogPagePublic, tags=["links"])
def read_log(workshop: WorkshopDep, session: SessionDep, _actor: Annotated[Actor, api_door(Action.read_action_log)],
             offset: Annotated[int, Query(ge=0)] = 0,
             limit: Annotated[int, Query(ge=1, le=500)] = 100) -> LogPagePublic:
    """The action log, newest first: who did what, when and where (an event's has its groups'
    entries too; a group's, its own)."""
    found = action_log.page(session, workshop=workshop, offset=offset, size=limit)
    return LogPagePublic(total=found.total, offset=found.offset, entries=[
        LogEntryPublic(id=e.id, at=e.at, who=e.who, action=e.action, detail=action_log.describe(e),
                       workshop_code=found.where.get(e.workshop_id, "")) for e in found.entries])


# --- the console's cards ---

def facilitators_card(request: Request, session: Session, workshop: Workshop, *, status_code: int = 200,
                      issued: tuple[FacilitatorLink, str] | None = None, issued_in: Workshop | None = None,
                      errors: dict[str, str] | None = None, revoked: FacilitatorLink | None = None) -> Response:
    """The Facilitators card: issue a named link (shown once), every link with its last use, revoke."""
    event = groups.event_of(session, workshop)
    settings = request.app.state.settings
    issued_url = _facilitator_url(request, settings, issued_in or event, issued[1]) if issued else ""
    return no_store(page(request, "partials/_facilitators.html", language(request, workshop), status_code=status_code,
                         workshop=workshop, **facilitators_values(session, event), issued=issued[0] if issued else None,
                         issued_url=issued_url,
                         errors=errors or {}, revoked=revoked))


@router.post("/w/{code}/facilitate/links", include_in_schema=False)
def issue_link_from_console(request: Request, workshop: WorkshopDep, session: SessionDep,
                            form: Annotated[FormData, FormDep], facilitator: FacilitatorPage) -> Response:
    rules.require(Action.manage_links, facilitator, workshop)
    group_id = str(form.get("group_id", "") or "")
    try:
        link_in = LinkIn.model_validate({"name": form.get("name", ""), "role": form.get("role", ""),
                                         "group_id": int(group_id) if group_id else None})
    except ValueError:
        raise Invalid("Give the person's name and choose co-facilitator or moderator.") from None
    event = groups.event_of(session, workshop)
    place = groups.chosen_group(session, event=event, group_id=link_in.group_id)
    issued = links.issue(session, event=event, workshop=place, name=link_in.name, role=LinkRole(link_in.role),
                         actor=facilitator)
    request.app.state.publish(event.code)
    return facilitators_card(request, session, workshop, issued=issued, issued_in=place)


@router.post("/w/{code}/facilitate/links/{link_id}/revoke", include_in_schema=False)
def revoke_link_from_console(request: Request, link_id: int, workshop: WorkshopDep, session: SessionDep,
                             facilitator: FacilitatorPage) -> Response:
    link = _revoke(request, session, groups.event_of(session, workshop), facilitator, link_id)
    return facilitators_card(request, session, workshop, revoked=link)


@router.get("/w/{code}/facilitate/log", include_in_schema=False)
def action_log_page(request: Request, workshop: WorkshopDep, session: SessionDep, facilitator: FacilitatorPage,
                    offset: Annotated[int, Query(ge=0)] = 0) -> Response:
    """Older (or newer) entries of the console's action log."""
    rules.require(Action.read_action_log, facilitator, workshop)
    found = action_log.page(session, workshop=workshop, offset=offset)
    return no_store(page(request, "partials/_action_log.html", language(request, workshop), workshop=workshop,
                         action_log=found))
