"""Joining a workshop, the agency a participant names, and the notices a phone shows once."""

from __future__ import annotations

from sqlalchemy import update
from sqlmodel import Session, col, select

from app.errors import Invalid
from app.models import Agency, Participant, Workshop
from app.models.participant import ParticipantJoin
from app.services import agencies
from app.services import ceilings as ceiling
from app.services import workshops
from app.services.access import hash_key, new_key
from app.services.rules import Action, check

# How many invited agencies the refusal names (a workshop may invite 500).
NAMED_CHOICES = 8


def typing_allowed(workshop: Workshop, invited: list[Agency]) -> bool:
    """Whether a participant may name an agency that is not on the invited list."""
    return workshop.typed_agencies or not invited


def named_agency(workshop: Workshop, invited: list[Agency], typed: str) -> str | None:
    """The agency a typed name stands for, wherever one is typed (joining, a spreadsheet's agency
    column): an invited agency (however it was spelt, agencies.match) by its name in the
    workshop's language; another name as typed only where the workshop takes typed names; None
    when it takes none and the name is off its list. An empty name stays empty."""
    typed = typed.strip()
    if not typed:
        return ""
    found = agencies.match(invited, typed)
    if found is not None:
        return found.name_in(workshop.language)
    return typed if typing_allowed(workshop, invited) else None


def agency_for(session: Session, *, workshop: Workshop, typed: str) -> str:
    """The agency a participant's answer names (named_agency), or a refusal that lists the
    invited agencies to choose from."""
    invited = workshops.list_agencies(session, workshop=workshop)
    named = named_agency(workshop, invited, typed)
    if named is not None:
        return named
    typed = typed.strip()
    names = [a.name_in(workshop.language) for a in invited]
    listed = ", ".join(names[:NAMED_CHOICES]) + (", …" if len(names) > NAMED_CHOICES else "")
    raise Invalid("“{agency}” is not on this workshop's list of agencies, and the workshop takes no other names. "
                  "Choose your agency from the list ({choices}), or leave the agency empty.",
                  agency=typed, choices=listed)


def join(session: Session, *, workshop: Workshop, join_in: ParticipantJoin,
         ceilings: ceiling.Ceilings = ceiling.DEFAULT) -> tuple[Participant, str]:
    """Add a participant; returns it with its raw token (shown once, stored as a hash)."""
    check(Action.join_workshop, None, workshop)
    agency = agency_for(session, workshop=workshop, typed=join_in.agency)
    ceiling.check_room_for_participant(session, workshop=workshop, agency=agency, ceilings=ceilings)
    token = new_key()
    participant = Participant(workshop_id=workshop.id, name=join_in.name, agency=agency,
                              token_hash=hash_key(token))
    session.add(participant)
    session.commit()
    return participant, token


def list_participants(session: Session, *, workshop: Workshop) -> list[Participant]:
    return list(session.exec(select(Participant).where(Participant.workshop_id == workshop.id)
                             .order_by(col(Participant.id))))


def add_notice(participant: Participant, text: str) -> None:
    """Leave a message for the participant's phone (after any it has not shown yet)."""
    notice = f"{participant.notice}\n{text}" if participant.notice else text
    participant.notice = notice[-1000:]


def take_notice(session: Session, *, participant: Participant) -> str | None:
    """The message waiting for this participant's phone, cleared as it is taken: shown once."""
    notice = session.exec(select(Participant.notice).where(col(Participant.id) == participant.id)).first()
    if not notice:
        return None
    # Cleared only if unchanged since read: of two pages drawn at once, one shows it.
    taken = session.exec(update(Participant).where(col(Participant.id) == participant.id,
                                                   col(Participant.notice) == notice).values(notice=None))
    session.commit()
    return notice if taken.rowcount else None
