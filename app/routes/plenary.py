"""The roll-up of a large event: promoting group projects to the plenary (JSON API and the
console's Plenary card), and one group's results read through the event's code."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request, status
from pydantic import ValidationError
from starlette.datastructures import FormData
from starlette.responses import Response

from app.deps import FacilitatorPage, SessionDep, WorkshopDep, api_door, notify
from app.errors import Invalid
from app.forms import FormDep
from app.models import Project, Workshop
from app.pages import language
from app.services.views import view_context
from app.web import page
from app.services import plenary
from app.services.access import Actor
from app.services.plenary import PlenaryIn, PromotedPublic
from app.services.rules import Action

router = APIRouter(tags=["groups"])
API = "/api/v1/workshops/{code}"


def _tell(request: Request, event: Workshop, promoted: list[Project]) -> None:
    if promoted:  # the plenary projects made (or already there): only theirs are read again
        notify(request, event.code, projects=[p.id for p in promoted])


@router.post(f"{API}/plenary", status_code=status.HTTP_201_CREATED, response_model=PromotedPublic)
def promote_to_plenary(request: Request, plenary_in: PlenaryIn, workshop: WorkshopDep, session: SessionDep,
                       actor: Annotated[Actor, api_door(Action.promote_to_plenary)]) -> PromotedPublic:
    """Promote each group's top K (ties at the K-th place all go up) or the given group projects
    to the plenary (the workshop's facilitators); each plenary project lists where it came from."""
    promoted = plenary.promote(session, event=workshop, actor=actor, plenary_in=plenary_in)
    _tell(request, workshop, list(promoted))
    return plenary.to_public(session, promoted)


def _plenary_form(form: FormData) -> PlenaryIn:
    """The Plenary card's two forms: a number (each group's top K) or ticked projects."""
    try:
        if "top" in form:
            return PlenaryIn(top=int(str(form.get("top", "")).strip()))
        picked = [int(str(v)) for v in form.getlist("project_ids")]
        if not picked:
            raise Invalid("Tick at least one project to promote.")
        return PlenaryIn(project_ids=picked)
    except (ValueError, ValidationError):
        raise Invalid("Give how many of each group's top projects go up, from 1 to {max}.",
                      max=plenary.MAX_TOP) from None


@router.post("/w/{code}/facilitate/plenary", include_in_schema=False)
def promote_from_console(request: Request, workshop: WorkshopDep, session: SessionDep,
                         form: Annotated[FormData, FormDep], facilitator: FacilitatorPage) -> Response:
    """The console's Plenary card: promote the top K of each group, or the ticked projects."""
    promoted = plenary.promote(session, event=workshop, actor=facilitator, plenary_in=_plenary_form(form))
    _tell(request, workshop, list(promoted))
    # The console's live part, and the promote card afresh (its lists marked anew when opened).
    lang = language(request, workshop)
    values = view_context(session, workshop=workshop, view="facilitator", lang=lang)
    return page(request, "partials/_plenary_answer.html", lang, **values)


@router.get("/w/{code}/facilitate/plenary/groups/{group_id}", include_in_schema=False)
def group_to_pick(request: Request, group_id: int, workshop: WorkshopDep, session: SessionDep,
                  _facilitator: FacilitatorPage) -> Response:
    """A group's ranking in the promote card, to tick projects from (loaded when opened)."""
    lang = language(request, workshop)
    return page(request, "partials/_plenary_pick.html", lang, workshop=workshop,
                **plenary.group_pick(session, event=workshop, group_id=group_id))
