"""The big screen: read-only, projected, live over the websocket."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from starlette.datastructures import FormData
from starlette.responses import Response

from app.deps import ScreenPage, SessionDep, SettingsDep, WorkshopDep, base_url, notify
from app.errors import NotAuthenticated
from app.forms import FormDep
from app.pages import language, no_store, set_key_cookie
from app.services import rules, workshops
from app.services.access import identify
from app.services.rules import Action
from app.services.views import view_context
from app.web import page

router = APIRouter(include_in_schema=False)


@router.get("/w/{code}/screen/{key}")
def open_screen_link(request: Request, key: str, workshop: WorkshopDep, session: SessionDep) -> Response:
    """The screen's secret link: keep the key in a cookie and drop it from the address bar."""
    actor = identify(session, workshop=workshop, key=key)
    # A secret link opens with a key that may watch the screen only: any other is 401.
    if actor is None or not rules.allows(Action.watch_screen, actor, workshop):
        raise NotAuthenticated("This screen link is not valid for this workshop.")
    response = RedirectResponse(f"/w/{workshop.code}/screen", status_code=303)
    set_key_cookie(request, response, role=actor.role.value, code=workshop.code, key=key)
    return no_store(response)


@router.get("/w/{code}/screen")
def screen_page(request: Request, workshop: WorkshopDep, session: SessionDep, settings: SettingsDep,
                _screen: ScreenPage) -> Response:
    lang = language(request, workshop)
    values = view_context(session, workshop=workshop, view="screen", lang=lang, base=base_url(request, settings))
    return no_store(page(request, "pages/screen/index.html", lang, **values))


@router.post("/w/{code}/screen/view", status_code=204)
def choose_view_from_screen(request: Request, workshop: WorkshopDep, session: SessionDep, screen: ScreenPage,
                            form: Annotated[FormData, FormDep]) -> Response:
    """A key pressed on the big screen: the screen's one power is choosing what it shows."""
    workshops.set_screen_view(session, workshop=workshop, actor=screen, view=str(form.get("view", "")))
    notify(request, workshop.code)
    return Response(status_code=204)
