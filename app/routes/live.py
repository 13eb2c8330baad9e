"""The websocket: a snapshot of the asker's view on connect, then every change, coalesced."""

from __future__ import annotations

from fastapi import APIRouter, WebSocket
from sqlalchemy import Engine
from sqlmodel import Session
from starlette.datastructures import Headers
from starlette.responses import JSONResponse

from app import i18n
from app.config import Settings
from app.deps import base_url, client_address, cookie_name, find_kept_workshop
from app.errors import DomainError
from app.pages import LANG_COOKIE
from app.services import links, rules, workshops
from app.security import same_origin
from app.models import Workshop
from app.services.access import STAFF, Actor, Role, hash_key, identify_many
from app.services.rules import Action

router = APIRouter()

# Each view is its page's, watched by whom the rules let use that page; the first key held
# decides the default view.
VIEWS = {"facilitator": Action.facilitate, "screen": Action.watch_screen, "phone": Action.take_part}
DEFAULT_VIEW = {**{role: "facilitator" for role in STAFF}, Role.screen: "screen", Role.participant: "phone"}


def live_view(view: str, actor: Actor) -> str:
    """The hub's name for what this actor watches: the console differs by role (a moderator's
    shows only moderation), so each role's console is a view of its own."""
    if view == "facilitator" and actor.role != Role.facilitator:
        return f"{view}:{actor.role.value}"
    return view


@router.websocket("/ws/workshops/{code}")
async def workshop_updates(websocket: WebSocket, code: str, view: str | None = None, key: str | None = None,
                           lang: str | None = None) -> None:
    """Live HTML fragments (hx-swap-oob) for the asker's view; 401/403 before accepting otherwise."""
    app = websocket.app
    settings: Settings = app.state.settings
    if not key and not same_origin(Headers(scope=websocket.scope), scheme=websocket.url.scheme):
        # Cookies travel with a handshake from any page of this host (another port too): the
        # same check as every other cookie-authenticated request (app/security.py).
        await _deny(websocket, 403, "Cross-site websocket refused: open the page from this server.")
        return
    memo = app.state.memo
    try:
        workshop = find_kept_workshop(websocket, code)
        # A hall behind one NAT address reconnects all at once after a Wi-Fi drop: allow
        # each address more handshakes the more participants the workshop has.
        # Kept until the workshop changes (a join moves its version): after a restart the
        # whole hall reconnects at once, and counting the room for each handshake was a
        # fifth of a handshake's time (4,000 phones, `ruamkit bench --scenario restart`).
        room = memo.get(workshop.code, "room size", lambda: _room_size(app.state.engine, workshop))
        if settings.rate_ws_connect_per_address:
            app.state.rate_limiter.hit("ws-connect", f"{client_address(websocket)} {workshop.code}",
                                       per_minute=settings.rate_ws_connect_per_address + 2 * room)
    except DomainError as exc:
        await _deny(websocket, exc.status_code, exc.detail, retry_after=exc.params.get("seconds"))
        return
    keys = [key] if key else [websocket.cookies.get(cookie_name(r, workshop.code)) for r in
                              ("facilitator", "screen", "participant")]
    # Who is asking is read for every handshake (a revoked link is refused at once); the
    # session connects only for a participant's or a link's key, and reads ids, not rows.
    with Session(app.state.engine) as session:
        actors = identify_many(session, workshop=workshop, keys=keys, load=False)
    held = [(k, a) for k, a in zip(keys, actors, strict=True) if k and a]
    workshop_code, workshop_language = workshop.code, workshop.language
    if not held:
        await _deny(websocket, 401, "A valid key for this workshop is required (cookie or ?key=).")
        return
    view = view or DEFAULT_VIEW[held[0][1].role]
    action = VIEWS.get(view)
    opened = next(((k, actor) for k, actor in held if action and rules.allows(action, actor, workshop)), None)
    if opened is None:
        await _deny(websocket, 403, f"Your key does not allow the '{view[:20]}' view of this workshop.")
        return
    opened_with, actor = opened
    # What one client may hold open at once: per key, and per address (growing with the workshop).
    caps = {f"key {hash_key(opened_with)}": settings.ws_per_key,
            f"address {client_address(websocket)} {workshop_code}": settings.ws_per_address + 2 * room
            if settings.ws_per_address else 0}
    caps = {holder: cap for holder, cap in caps.items() if cap > 0}
    sockets = app.state.socket_counts
    if not sockets.take(caps):
        await _deny(websocket, 429, "Too many live connections are open for this key or address; close other "
                                    "tabs of this workshop and try again.", retry_after=10)
        return
    try:
        language = i18n.pick_language(lang, websocket.cookies.get(LANG_COOKIE), workshop_language)
        hub = app.state.hub
        hub.renderer.base_by_code.setdefault(workshop_code, base_url(websocket, settings))
        await websocket.accept()
        connection = await hub.connect(websocket, (workshop_code, live_view(view, actor), language),
                                       link_id=actor.link_id)
        if actor.link_id is not None and links.is_revoked(app.state.engine, actor.link_id):
            hub.revoke_link(actor.link_id)  # revoked while this socket opened: the notice may have gone by
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
    finally:
        sockets.give_back(caps)


def _room_size(engine: Engine, workshop: Workshop) -> int:
    with Session(engine) as session:
        return workshops.room_size(session, workshop=workshop)


async def _deny(websocket: WebSocket, status: int, detail: str, *, retry_after: object = None) -> None:
    """Refuse the handshake with an HTTP answer, as every other refusal of this app looks."""
    headers = {"Retry-After": str(retry_after)} if retry_after is not None else None
    await websocket.send_denial_response(JSONResponse({"detail": detail}, status_code=status, headers=headers))
