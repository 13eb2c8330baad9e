"""The websocket: a snapshot of the asker's view on connect, then every change, coalesced."""

from __future__ import annotations

from fastapi import APIRouter, WebSocket
from sqlmodel import Session
from starlette.datastructures import Headers
from starlette.responses import JSONResponse

from app import i18n
from app.deps import base_url, cookie_name
from app.errors import NotFound
from app.routes.pages import LANG_COOKIE
from app.services import workshops
from app.security import same_origin
from app.services.access import Role, identify

router = APIRouter()

# Which roles may watch which view; the first role held decides the default view.
ALLOWED = {"facilitator": {Role.facilitator}, "screen": {Role.screen, Role.facilitator},
           "phone": {Role.participant}}
DEFAULT_VIEW = {Role.facilitator: "facilitator", Role.screen: "screen", Role.participant: "phone"}


@router.websocket("/ws/workshops/{code}")
async def workshop_updates(websocket: WebSocket, code: str, view: str | None = None, key: str | None = None,
                           lang: str | None = None) -> None:
    """Live HTML fragments (hx-swap-oob) for the asker's view; 401/403 before accepting otherwise."""
    app = websocket.app
    if not key and not same_origin(Headers(scope=websocket.scope), scheme=websocket.url.scheme):
        # Cookies travel with a handshake from any page of this host (another port too): the
        # same check as every other cookie-authenticated request (app/security.py).
        await websocket.send_denial_response(JSONResponse(
            {"detail": "Cross-site websocket refused: open the page from this server."}, status_code=403))
        return
    with Session(app.state.engine, expire_on_commit=False) as session:
        try:
            workshop = workshops.get_workshop(session, code=code)
        except NotFound as exc:
            await websocket.send_denial_response(JSONResponse({"detail": exc.detail}, status_code=404))
            return
        keys = [key] if key else [websocket.cookies.get(cookie_name(r, workshop.code)) for r in
                                  ("facilitator", "screen", "participant")]
        roles = [a.role for k in keys if k and (a := identify(session, workshop=workshop, key=k))]
        workshop_code, workshop_language = workshop.code, workshop.language
    if not roles:
        await websocket.send_denial_response(JSONResponse(
            {"detail": "A valid key for this workshop is required (cookie or ?key=)."}, status_code=401))
        return
    view = view or DEFAULT_VIEW[roles[0]]
    if view not in ALLOWED or not ALLOWED[view] & set(roles):
        await websocket.send_denial_response(JSONResponse(
            {"detail": f"Your key does not allow the '{view[:20]}' view of this workshop."}, status_code=403))
        return
    language = i18n.pick_language(lang, websocket.cookies.get(LANG_COOKIE), workshop_language)
    hub = app.state.hub
    hub.renderer.base_by_code.setdefault(workshop_code, base_url(websocket, app.state.settings))
    await websocket.accept()
    connection = await hub.connect(websocket, (workshop_code, view, language))
    try:
        while True:  # clients only send pings; the server does the talking
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                return
            if message.get("text") is None:
                break  # a binary frame: not something this socket takes
    finally:
        hub.disconnect(connection)
    await websocket.close(code=1003, reason="This websocket takes text frames only.")
