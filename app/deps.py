"""Injected dependencies: database session, settings, the workshop in the path, who is asking."""

from __future__ import annotations

import contextlib
import re
from collections.abc import AsyncIterator, Callable, Collection
from functools import cache
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlmodel import Session
from starlette.requests import HTTPConnection

from app.ballot_box import BallotBox
from app.config import Settings
from app.errors import Forbidden, NotAuthenticated, NotFound
from app.versions import Memo
from app.models import Workshop
from app.network import own_base_url
from app.services import groups, rules, workshops
from app.services.access import STAFF, Actor, Role, identify, identify_many
from app.services.ceilings import Ceilings
from app.services.rules import Action


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


async def get_session(request: Request) -> AsyncIterator[Session]:
    # Async on purpose: making a Session does no I/O (it connects at its first query, in the
    # handler's thread) and closing it only hands the connection back, so this saves two
    # thread-pool hops per request (about 1 ms of CPU each on a busy 2-core box).
    session = Session(request.app.state.engine, expire_on_commit=False)
    try:
        yield session
    finally:
        # The database went away after the answer was drawn (PostgreSQL restarting): closing
        # rolls back on a connection that is no more, which SQLAlchemy has already dropped from
        # the pool. Nothing uncommitted survives a lost connection; the answer stands.
        with contextlib.suppress(OperationalError, InterfaceError):
            session.close()


async def get_ballot_box(request: Request) -> BallotBox:  # async: no thread-pool hop on the tap path
    """The process's ballot box: every change of dots and scores goes through it."""
    return request.app.state.ballot_box


async def get_memo(request: Request) -> Memo:
    """Values drawn from a workshop, kept until it changes (app/versions.py)."""
    return request.app.state.memo


SettingsDep = Annotated[Settings, Depends(get_settings)]
MemoDep = Annotated[Memo, Depends(get_memo)]
BallotBoxDep = Annotated[BallotBox, Depends(get_ballot_box)]


async def get_ceilings(request: Request) -> Ceilings:
    return Ceilings.from_settings(request.app.state.settings)


CeilingsDep = Annotated[Ceilings, Depends(get_ceilings)]
SessionDep = Annotated[Session, Depends(get_session)]


def find_workshop(connection: HTTPConnection, session: Session, code: str) -> Workshop:
    """The workshop with this join code. Unknown codes are counted per client address: one
    that has guessed too many gets 429 for a while, for known codes too (or the answers would
    still tell a right guess from a wrong one). Right codes cost nothing, so a hall never does."""
    return _counting_misses(connection, lambda: workshops.get_workshop(session, code=code))


def find_kept_workshop(connection: HTTPConnection, code: str) -> Workshop:
    """find_workshop for the websocket handshake, with no session of its own: the row is kept
    until the workshop changes (every change, key renewals too, sends the notice that moves its
    version), so a hall reconnecting after a restart reads it once, not once per phone."""
    app = connection.app

    def read() -> Workshop:
        with Session(app.state.engine, expire_on_commit=False) as session:
            return workshops.get_workshop(session, code=code)

    return _counting_misses(connection, lambda: app.state.memo.get(workshops.normalise_code(code), "workshop", read))


def _counting_misses(connection: HTTPConnection, lookup: Callable[[], Workshop]) -> Workshop:
    settings: Settings = connection.app.state.settings
    limiter = connection.app.state.rate_limiter
    per_minute = settings.rate_code_miss_per_address
    limiter.check("code-miss", client_address(connection), per_minute=per_minute)
    try:
        return lookup()
    except NotFound:
        limiter.hit("code-miss", client_address(connection), per_minute=per_minute)
        raise


def get_workshop(request: Request, code: str, session: SessionDep) -> Workshop:
    return find_workshop(request, session, code)


WorkshopDep = Annotated[Workshop, Depends(get_workshop)]

bearer = HTTPBearer(auto_error=False, description="A facilitator key, screen key or participant token.")


def get_api_actor(session: SessionDep, workshop: WorkshopDep,
                  credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> Actor | None:
    """Who the bearer key stands for in this workshop; None if missing or unknown here."""
    return identify(session, workshop=workshop, key=credentials.credentials if credentials else None)


ApiActorDep = Annotated[Actor | None, Depends(get_api_actor)]


# --- Doors: every way in asks the rules table (app/services/rules.py) whether the asker may ---

# Each door's action, read by the authorisation-matrix test to check a route's rows against it.
DOOR_ACTIONS: dict[Callable[..., Any], Action] = {}


@cache
def api_door(action: Action) -> Any:
    """A JSON API route's dependency: who the bearer key stands for, once the rules let them do
    `action` in this workshop now (401 without a key it knows, 403 for a role that may not, 409
    in a phase that does not allow it)."""
    def door(workshop: WorkshopDep, actor: ApiActorDep) -> Actor:
        return rules.require(action, actor, workshop)

    DOOR_ACTIONS[door] = action
    return Depends(door)


def get_group(workshop: WorkshopDep, group_id: int, session: SessionDep) -> Workshop:
    """A group of the workshop in the path, by its id (404 for another workshop's group)."""
    return groups.get_group(session, event=workshop, group_id=group_id)


GroupDep = Annotated[Workshop, Depends(get_group)]


@cache
def group_api_door(action: Action) -> Any:
    """api_door() for an action on the group in the path: the key is known as the event knows
    it, and the rules asked about the group, so a group facilitator's key passes in its own
    group and is refused (403) in another."""
    def door(group: GroupDep, actor: ApiActorDep) -> Actor:
        return rules.require(action, actor, group)

    DOOR_ACTIONS[door] = action
    return Depends(door)


# Pages keep each role's key in its own HttpOnly cookie, named per workshop so one
# browser can be a participant in one workshop and the facilitator of another.
def cookie_name(role: str, code: str) -> str:
    return f"rk_{role[0]}_{code}"


def page_key(request: Request, code: str, *roles: str) -> str | None:
    """The key this browser's cookie holds for the first of `roles` it has here (no database
    read: the ballot box identifies it together with the rest of its batch)."""
    code = workshops.normalise_code(code)
    for role in roles:
        if key := request.cookies.get(cookie_name(role, code)):
            return key
    return None


PAGE_ROLES = ("facilitator", "screen", "participant")


def cookie_actors(request: Request, session: Session, workshop: Workshop) -> list[tuple[str, Actor]]:
    """(the cookie's role, who its key stands for) for each cookie holding a key this workshop knows."""
    keys = [request.cookies.get(cookie_name(role, workshop.code)) for role in PAGE_ROLES]
    actors = identify_many(session, workshop=workshop, keys=keys)
    return [(role, actor) for role, actor in zip(PAGE_ROLES, actors, strict=True) if actor is not None]


def cookie_role(role: Role) -> str:
    """Which page cookie holds this role's key: every console role's is the facilitator's."""
    return "facilitator" if role in STAFF else role.value


def page_actors(held: list[tuple[str, Actor]]) -> dict[Role, Actor]:
    """The roles these cookies prove: a key counts only in its own role's cookie."""
    return {actor.role: actor for cookie, actor in held if cookie_role(actor.role) == cookie}


def page_actor(request: Request, session: Session, workshop: Workshop, action: Action) -> Actor:
    """The strongest role this browser holds here for `action` (the rules table's order), once
    the rules let it act now. As a page otherwise: 401 without a key this workshop knows, 403
    with a known key of another role (also one in another role's cookie)."""
    held = cookie_actors(request, session, workshop)
    actors = page_actors(held)
    may = rules.roles(action)
    actor = next((actors[role] for role in may if role in actors), None)
    if actor is None:
        if held:
            raise Forbidden("This page is not for your role in this workshop.")
        if Role.participant in may:
            raise NotAuthenticated("Join the workshop first.")
        raise NotAuthenticated("This page needs its secret link. Ask the facilitator for it.")
    return rules.require(action, actor, workshop)


@cache
def page_door(action: Action) -> Any:
    """A page route's dependency: page_actor() for `action`."""
    def door(request: Request, session: SessionDep, workshop: WorkshopDep) -> Actor:
        return page_actor(request, session, workshop, action)

    DOOR_ACTIONS[door] = action
    return Depends(door)


# The three pages' doors: what a page then does is checked by the service it calls.
FacilitatorPage = Annotated[Actor, page_door(Action.facilitate)]
ScreenPage = Annotated[Actor, page_door(Action.watch_screen)]
ParticipantPage = Annotated[Actor, page_door(Action.take_part)]


def base_url(connection: HTTPConnection, settings: Settings) -> str:
    """Where phones and screens reach this server: the configured public URL, else the server's
    own address (never the Host header: a forged one would end up in the QR code)."""
    return (settings.public_url or own_base_url(connection.scope)).rstrip("/")


def notify(request: Request, code: str, projects: Collection[int] | None = None) -> None:
    """Tell this process's shared contexts and every process's hub that this workshop changed:
    only these `projects` (their rows and tags), when the caller knows, else anything."""
    request.app.state.publish(code, projects=projects)


def notify_groups(request: Request, session: Session, workshop: Workshop) -> None:
    """After the event's own phase or plenary changed: its groups' phones redraw too (they
    point to the plenary vote while it is open)."""
    if workshop.parent_id is None:
        for group in groups.list_groups(session, event=workshop):
            notify(request, group.code)


def client_address(connection: HTTPConnection) -> str:
    return connection.client.host if connection.client else "unknown"


def limit_create(request: Request) -> None:
    """Creating and importing workshops: per client address, and in total for this process
    (anyone who reaches the server may create, unless an organiser password is set)."""
    settings: Settings = request.app.state.settings
    limiter = request.app.state.rate_limiter
    limiter.hit("create", client_address(request), per_minute=settings.rate_create_per_address)
    limiter.hit("create", "all addresses", per_minute=settings.rate_create_total)


# A phone's own id, kept in a cookie (not a key: it proves nothing and opens nothing), so that
# one phone's retries count against that phone rather than against everyone behind its address.
DEVICE_COOKIE = "rk_d"
DEVICE_ID = re.compile(r"[A-Za-z0-9_-]{22}")


def device_id(request: Request) -> str | None:
    value = request.cookies.get(DEVICE_COOKIE)
    return value if value and DEVICE_ID.fullmatch(value) else None


def limit_join(request: Request, session: Session, workshop: Workshop) -> None:
    """Joins, so that a hall behind one NAT address is not locked out by one looping joiner: a
    phone with a device cookie is held to its own small allowance first (what it is refused
    costs the room nothing), and joins from one address to one workshop are allowed more the
    bigger the workshop already is; phones with a device cookie and clients without one (scripts,
    the API) have separate allowances, so a cookie-less loop cannot use up the phones'."""
    settings: Settings = request.app.state.settings
    limiter = request.app.state.rate_limiter
    device = device_id(request)
    if device and settings.rate_join_per_device:
        limiter.hit("join-device", device, per_minute=settings.rate_join_per_device)
    if settings.rate_join_per_address:
        room = settings.rate_join_per_address + workshops.room_size(session, workshop=workshop)
        limiter.hit("join-phones" if device else "join", f"{client_address(request)} {workshop.code}",
                    per_minute=room)


def limit(request: Request, action: str, *, participant_id: int | None = None) -> None:
    """Apply the configured rate limits for an action, per participant and per client address."""
    settings: Settings = request.app.state.settings
    limiter = request.app.state.rate_limiter
    per_participant = getattr(settings, f"rate_{action}_per_participant", 0)
    per_address = getattr(settings, f"rate_{action}_per_address", 0)
    if participant_id is not None and per_participant:
        limiter.hit(action, f"p{participant_id}", per_minute=per_participant)
    if per_address:
        limiter.hit(action, client_address(request), per_minute=per_address)
