"""Keys, tokens and who is asking: facilitator, screen, participant or nobody."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from datetime import UTC, datetime

from sqlalchemy import Engine, bindparam, or_, update
from sqlmodel import Session, col, select

from app.config import Settings
from app.errors import Forbidden
from app.models import FacilitatorLink, Participant, Workshop, core_table, utcnow


class Role(StrEnum):
    facilitator = "facilitator"
    screen = "screen"
    participant = "participant"
    # Named links the facilitator issues (app/models/group.py, LinkRole): same values.
    co_facilitator = "co_facilitator"
    moderator = "moderator"
    group_facilitator = "group_facilitator"


# The roles that use the facilitator's console (and its cookie); what each may do is the rules table's.
STAFF: frozenset[Role] = frozenset({Role.facilitator, Role.co_facilitator, Role.moderator, Role.group_facilitator})


@dataclass(frozen=True)
class Actor:
    role: Role
    participant: Participant | None = None
    # Set from `participant`, or alone where only the id was read (the ballot box's batches).
    participant_id: int | None = None
    # The workshop or group a participant or a group's link belongs to (None: the workshop
    # asked about); the rules refuse them in another group (rules.check).
    home_id: int | None = None
    # The named link this actor came by, and its name (the action log says who).
    link_id: int | None = None
    name: str = ""

    def __post_init__(self) -> None:
        if self.participant is not None and self.participant_id is None:
            object.__setattr__(self, "participant_id", self.participant.id)
        if self.participant is not None and self.home_id is None:
            object.__setattr__(self, "home_id", self.participant.workshop_id)

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF

    @property
    def label(self) -> str:
        """Who this is, for the action log: the role, and the link's name when it has one."""
        return f"{self.name} ({self.role.value})" if self.name else self.role.value


def new_key() -> str:
    """256 random bits, URL-safe."""
    return secrets.token_urlsafe(32)


def screen_key_for(facilitator_key: str) -> str:
    """The screen key, derived from the facilitator key: the facilitator page can always show
    the screen link again although neither key is stored."""
    digest = hmac.new(facilitator_key.encode(), b"ruamkit screen key", hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def _same(key_hash: str, stored: str | None) -> bool:
    return stored is not None and hmac.compare_digest(key_hash, stored)


_PARTICIPANTS = core_table(Participant)
_WORKSHOPS = core_table(Workshop)
# An event's workshop and its groups: a participant of any of them is known in each (the
# rules then keep a group's participants to their group, rules.check).
_EVENT = select(_WORKSHOPS.c.id).where(or_(_WORKSHOPS.c.id == bindparam("event_id"),
                                           _WORKSHOPS.c.parent_id == bindparam("event_id")))
_PARTICIPANT_IDS = (select(_PARTICIPANTS.c.id, _PARTICIPANTS.c.token_hash, _PARTICIPANTS.c.workshop_id)
                    .where(_PARTICIPANTS.c.token_hash.in_(bindparam("hashes", expanding=True)),
                           _PARTICIPANTS.c.workshop_id.in_(_EVENT.scalar_subquery())))
# A link's last use is written at most this often (seconds): it is for the facilitator's list.
LAST_USE_EVERY = 60


def identify(session: Session, *, workshop: Workshop, key: str | None) -> Actor | None:
    """The actor this key stands for in this workshop, or None if it knows no such key."""
    return identify_many(session, workshop=workshop, keys=[key])[0]


def identify_many(session: Session, *, workshop: Workshop, keys: Sequence[str | None],
                  load: bool = True) -> list[Actor | None]:
    """identify() for several keys, with one query for all the participants among them.
    With load=False the participants' ids are read, not the participants (the vote path)."""
    found: list[Actor | Role | str | None] = []
    for key in keys:
        if not key or len(key) > 200:
            found.append(None)
            continue
        key_hash = hash_key(key)
        # Compare against both workshop keys every time, so timing does not tell which matched.
        is_facilitator = _same(key_hash, workshop.facilitator_key_hash)
        is_screen = _same(key_hash, workshop.screen_key_hash)
        found.append(Role.facilitator if is_facilitator else Role.screen if is_screen else key_hash)
    wanted = sorted({f for f in found if isinstance(f, str) and not isinstance(f, Role)})
    known: dict[str | None, Actor] = {}  # keyed by token hash (the query leaves out None)
    event_id = workshop.parent_id if workshop.parent_id is not None else workshop.id
    if wanted and load:
        known = {p.token_hash: Actor(Role.participant, p) for p in session.exec(
            select(Participant).where(col(Participant.token_hash).in_(wanted),
                                      col(Participant.workshop_id).in_(_EVENT.scalar_subquery())),
            params={"event_id": event_id})}
    elif wanted:
        known = {token_hash: Actor(Role.participant, participant_id=pid, home_id=home) for pid, token_hash, home in
                 session.connection().execute(_PARTICIPANT_IDS, {"hashes": wanted, "event_id": event_id})}
    if unknown := [h for h in wanted if h not in known]:
        known.update(_links(session, event_id=event_id, key_hashes=unknown))
    actors: list[Actor | None] = []
    for f in found:
        if isinstance(f, Role):
            actors.append(Actor(f))
        elif isinstance(f, str) and f in known:
            actors.append(known[f])
        else:
            actors.append(None)
    return actors


def _links(session: Session, *, event_id: int, key_hashes: list[str]) -> dict[str | None, Actor]:
    """The named links of this event among these key hashes; a revoked one is not known (401)."""
    now = utcnow()
    links = session.exec(select(FacilitatorLink).where(col(FacilitatorLink.key_hash).in_(key_hashes),
                                                       FacilitatorLink.event_id == event_id,
                                                       col(FacilitatorLink.revoked_at).is_(None))).all()
    stale = [link.id for link in links
             if link.last_used_at is None or (now - _aware(link.last_used_at)).total_seconds() > LAST_USE_EVERY]
    if stale:
        # On a connection of its own: the asker's session may only be reading (and roll back).
        bind = session.get_bind()
        engine = bind if isinstance(bind, Engine) else bind.engine
        with engine.begin() as connection:
            connection.execute(update(FacilitatorLink).where(col(FacilitatorLink.id).in_(stale))
                               .values(last_used_at=now))
    # A link issued for one group (a group facilitator's, or a co-facilitator's or moderator's
    # scoped to it) has that group as its home; the rules refuse it elsewhere.
    return {link.key_hash: Actor(Role(link.role), link_id=link.id, name=link.name,
                                 home_id=link.workshop_id if link.workshop_id != link.event_id else None)
            for link in links}


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def check_organiser(settings: Settings, password: str | None) -> None:
    """On a public host an organiser password may be required to create workshops."""
    wanted = settings.organiser_password
    if wanted and not (password and hmac.compare_digest(password.encode(), wanted.encode())):
        raise Forbidden("Creating workshops on this server needs the organiser password "
                        "(send it in the X-Organiser-Password header).")
