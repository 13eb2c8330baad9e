"""The console's page buttons for the big screen: previous, next, hold and turn."""

from __future__ import annotations

from typing import Final

from sqlmodel import Session

from app.errors import Invalid
from app.models import Workshop
from app.services import workshops
from app.services.access import Actor
from app.services.rules import Action, check
from app.services.views import view_context

STEPS: Final = ("previous", "next", "hold", "rotate")


def step_page(session: Session, *, workshop: Workshop, actor: Actor, step: str) -> Workshop:
    """Previous and next go from the page the screens show now (the held one, or the clock's),
    and hold it there; hold keeps the page now showing; rotate lets the pages turn again."""
    check(Action.hold_screen_page, actor, workshop)
    if step not in STEPS:
        raise Invalid("Unknown page step '{step}'; choose one of: {steps}.", step=step[:20], steps=", ".join(STEPS))
    if step == "rotate":
        return workshops.set_screen_page(session, workshop=workshop, actor=actor, page=None)
    paging = view_context(session, workshop=workshop, view="screen", lang=workshop.language)["paging"]
    count, now = paging.count, paging.shown
    page = {"hold": now, "previous": (now - 2) % count + 1, "next": now % count + 1}[step]
    return workshops.set_screen_page(session, workshop=workshop, actor=actor, page=page)
