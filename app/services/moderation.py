"""Pre-moderation of agency names typed at join: with pre-moderation on, a typed name reaches
the big screen's agencies view only once the facilitator approves it (names of the workshop's
own agency list need no approval). Waiting and rejected names are counted in one row, "other
agencies", so the screen's numbers stay true without showing the text."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import Session, select

from app.errors import Invalid
from app.models import AgencyReview, Participant, Workshop
from app.services import workshops
from app.services.access import Actor
from app.services.rules import Action, check

# The screen's row for agencies it may not name (a marker, never shown as text).
OTHER_AGENCIES = None


@dataclass
class TypedAgency:
    """An agency name typed at join that waits for the facilitator, and how many typed it."""

    name: str
    joined: int


def agency_key(name: str) -> str:
    """Names are compared trimmed and case-folded (people type "MDES" and "mdes")."""
    return name.strip().casefold()


def _listed(session: Session, workshop: Workshop) -> set[str]:
    return {agency_key(spelling) for agency in workshops.list_agencies(session, workshop=workshop)
            for spelling in (agency.name_th, agency.name_en) if spelling}


def _reviews(session: Session, workshop: Workshop) -> dict[str, bool]:
    return dict(session.exec(select(AgencyReview.name_key, AgencyReview.approved)
                             .where(AgencyReview.workshop_id == workshop.id)).all())


def pending_agencies(session: Session, *, workshop: Workshop) -> list[TypedAgency]:
    """Typed names waiting for approval, in order of first arrival (empty when pre-moderation is off)."""
    if not workshop.premoderate:
        return []
    decided = _listed(session, workshop) | set(_reviews(session, workshop))
    rows = session.exec(select(Participant.agency, func.count(), func.min(Participant.id))
                        .where(Participant.workshop_id == workshop.id, Participant.agency != "")
                        .group_by(Participant.agency)).all()
    waiting: dict[str, tuple[str, int, int]] = {}
    for typed, joined, first in rows:
        key = agency_key(typed)
        if not key or key in decided:
            continue
        name, count, earliest = waiting.get(key, (typed.strip(), 0, first))
        waiting[key] = (name, count + joined, min(earliest, first))
    return [TypedAgency(name=name, joined=joined)
            for name, joined, _first in sorted(waiting.values(), key=lambda w: w[2])]


def review_agency(session: Session, *, workshop: Workshop, actor: Actor, name: str, approved: bool) -> None:
    """Approve or reject a typed agency name (every spelling that differs only in case or spaces)."""
    check(Action.review_agency, actor, workshop)
    key = agency_key(name)
    if not key:
        raise Invalid("Name the agency to approve or reject.")
    review = session.get(AgencyReview, (workshop.id, key[:200]))
    if review is None:
        review = AgencyReview(workshop_id=workshop.id, name_key=key[:200], approved=approved)
    review.approved = approved
    session.add(review)
    session.commit()


def screen_agency_rows(session: Session, *, workshop: Workshop,
                       rows: list[tuple[str, int, int]]) -> list[tuple[str | None, int, int]]:
    """The big screen's participation by agency: with pre-moderation on, typed names not yet
    approved are counted together as OTHER_AGENCIES (after the named rows)."""
    if not workshop.premoderate:
        return list(rows)
    shown = _listed(session, workshop) | {key for key, approved in _reviews(session, workshop).items() if approved}
    named: list[tuple[str | None, int, int]] = []
    other_joined = other_voted = 0
    for typed, joined, voted in rows:
        if not typed.strip() or agency_key(typed) in shown:
            named.append((typed, joined, voted))
        else:
            other_joined, other_voted = other_joined + joined, other_voted + voted
    if other_joined:
        named.append((OTHER_AGENCIES, other_joined, other_voted))
    return named
