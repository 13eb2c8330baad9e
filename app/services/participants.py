"""Joining a workshop."""

from __future__ import annotations

from sqlmodel import Session, col, select

from app.models import Participant, Workshop
from app.models.participant import ParticipantJoin
from app.services import ceilings as ceiling
from app.services.access import hash_key, new_key
from app.services.rules import Action, check


def join(session: Session, *, workshop: Workshop, join_in: ParticipantJoin,
         ceilings: ceiling.Ceilings = ceiling.DEFAULT) -> tuple[Participant, str]:
    """Add a participant; returns it with its raw token (shown once, stored as a hash)."""
    check(Action.join_workshop, None, workshop)
    ceiling.check_room_for_participant(session, workshop=workshop, agency=join_in.agency, ceilings=ceilings)
    token = new_key()
    participant = Participant(workshop_id=workshop.id, name=join_in.name, agency=join_in.agency,
                              token_hash=hash_key(token))
    session.add(participant)
    session.commit()
    return participant, token


def list_participants(session: Session, *, workshop: Workshop) -> list[Participant]:
    return list(session.exec(select(Participant).where(Participant.workshop_id == workshop.id)
                             .order_by(col(Participant.id))))
