"""Ceilings per workshop: how many participants, projects and typed-in agencies one workshop
may hold. Far above any real workshop (the largest rehearsed has 4,000 phones and a few
hundred proposals), so only a flood meets them; below them, everything a view, a websocket
message or an export has to draw stays bounded. Set by RUAMKIT_MAX_* (app/config.py).

Checked before each write that would add one more; two writes at the same instant may both
pass a ceiling they meet together, so it may be passed by a handful, never without bound.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import Session, select

from app.config import Settings
from app.errors import Conflict, Invalid
from app.models.workshop import framework_of
from app.models import Agency, Participant, Project, Workshop


@dataclass(frozen=True)
class Ceilings:
    participants: int
    projects: int
    # Distinct agency names typed at joining that are not in the workshop's own list (at most
    # 500 of those, from the creation form): each is a row of the console's participation table.
    typed_agencies: int
    rounds: int

    @classmethod
    def from_settings(cls, settings: Settings) -> Ceilings:
        return cls(participants=settings.max_participants_per_workshop, projects=settings.max_projects_per_workshop,
                   typed_agencies=settings.max_typed_agencies_per_workshop, rounds=settings.max_rounds_per_workshop)


# The server's defaults, for callers without settings at hand (scripts, the demo, tests).
DEFAULT = Ceilings.from_settings(Settings.model_construct())


def check_room_for_participant(session: Session, *, workshop: Workshop, agency: str,
                               ceilings: Ceilings = DEFAULT) -> None:
    """Refuse a join that would pass the participant ceiling, or bring a new typed agency past its own."""
    joined = session.exec(select(func.count()).select_from(Participant)
                          .where(Participant.workshop_id == workshop.id)).one()
    if joined >= ceilings.participants:
        raise Conflict("This workshop is full: it has {limit} participants, the most this server allows. "
                       "Ask the facilitator.", limit=f"{ceilings.participants:,}")
    if not agency or agency.casefold() in _listed(session, workshop):
        return
    known = session.exec(select(Participant.id).where(Participant.workshop_id == workshop.id,
                                                      Participant.agency == agency).limit(1)).first()
    if known is None and typed_agency_count(session, workshop=workshop) >= ceilings.typed_agencies:
        raise Conflict("This workshop already has {limit} agencies typed in by participants, the most this "
                       "server allows: choose one from the list, or leave the agency empty.",
                       limit=f"{ceilings.typed_agencies:,}")


def check_room_for_project(session: Session, *, workshop: Workshop, ceilings: Ceilings = DEFAULT) -> None:
    """Refuse a new project past the ceiling (hidden and merged ones count: they are kept and exported)."""
    count = session.exec(select(func.count()).select_from(Project).where(Project.workshop_id == workshop.id)).one()
    if count >= ceilings.projects:
        raise Conflict("This workshop has {limit} projects, the most this server allows: no more can be added.",
                       limit=f"{ceilings.projects:,}")


def typed_agency_count(session: Session, *, workshop: Workshop) -> int:
    names = session.exec(select(Participant.agency).distinct().where(Participant.workshop_id == workshop.id,
                                                                     Participant.agency != "")).all()
    return len(typed(names, _listed(session, workshop)))


def typed(names: Iterable[str], listed: set[str]) -> set[str]:
    """The names among `names` that are not in the workshop's list (`listed`, casefolded)."""
    return {name for name in names if name and name.casefold() not in listed}


def _listed(session: Session, workshop: Workshop) -> set[str]:
    agencies = session.exec(select(Agency).where(Agency.workshop_id == framework_of(workshop)))
    return {name.casefold() for agency in agencies
            for name in (agency.name_th, agency.name_en) if name}


def check_import(*, participants: int, projects: int, typed_agencies: int, rounds: int,
                 ceilings: Ceilings = DEFAULT) -> None:
    """An export brought in as a new workshop is held to the same ceilings (422: the file is refused)."""
    if participants > ceilings.participants:
        raise Invalid("The export has {count} participants; this server takes at most {limit} in one workshop.",
                      count=f"{participants:,}", limit=f"{ceilings.participants:,}")
    if projects > ceilings.projects:
        raise Invalid("The export has {count} projects; this server takes at most {limit} in one workshop.",
                      count=f"{projects:,}", limit=f"{ceilings.projects:,}")
    if typed_agencies > ceilings.typed_agencies:
        raise Invalid("The export's participants typed in {count} agencies that are not in its list; this server "
                      "takes at most {limit} in one workshop.",
                      count=f"{typed_agencies:,}", limit=f"{ceilings.typed_agencies:,}")
    if rounds > ceilings.rounds:
        raise Invalid("The export has {count} voting rounds; this server takes at most {limit} in one workshop.",
                      count=f"{rounds:,}", limit=f"{ceilings.rounds:,}")
