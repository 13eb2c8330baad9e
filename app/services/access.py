"""Keys, tokens and who is asking: facilitator, screen, participant or nobody."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import bindparam
from sqlmodel import Session, col, select

from app.config import Settings
from app.errors import Forbidden
from app.models import Participant, Workshop, core_table


class Role(StrEnum):
    facilitator = "facilitator"
    screen = "screen"
    participant = "participant"


@dataclass(frozen=True)
class Actor:
    role: Role
    participant: Participant | None = None
    # Set from `participant`, or alone where only the id was read (the ballot box's batches).
    participant_id: int | None = None

    def __post_init__(self) -> None:
        if self.participant is not None and self.participant_id is None:
            object.__setattr__(self, "participant_id", self.participant.id)


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
_PARTICIPANT_IDS = (select(_PARTICIPANTS.c.id, _PARTICIPANTS.c.token_hash)
                    .where(_PARTICIPANTS.c.token_hash.in_(bindparam("hashes", expanding=True)),
                           _PARTICIPANTS.c.workshop_id == bindparam("workshop_id")))


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
    if wanted and load:
        known = {p.token_hash: Actor(Role.participant, p) for p in session.exec(
            select(Participant).where(col(Participant.token_hash).in_(wanted), Participant.workshop_id == workshop.id))}
    elif wanted:
        known = {token_hash: Actor(Role.participant, participant_id=pid) for pid, token_hash in
                 session.connection().execute(_PARTICIPANT_IDS, {"hashes": wanted, "workshop_id": workshop.id})}
    actors: list[Actor | None] = []
    for f in found:
        if isinstance(f, Role):
            actors.append(Actor(f))
        elif isinstance(f, str) and f in known:
            actors.append(known[f])
        else:
            actors.append(None)
    return actors


def check_organiser(settings: Settings, password: str | None) -> None:
    """On a public host an organiser password may be required to create workshops."""
    wanted = settings.organiser_password
    if wanted and not (password and hmac.compare_digest(password.encode(), wanted.encode())):
        raise Forbidden("Creating workshops on this server needs the organiser password "
                        "(send it in the X-Organiser-Password header).")
