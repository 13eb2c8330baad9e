"""The timer's move to the next phase at zero: claimed with a conditional UPDATE, so that with
several processes watching (app/live/timer_watch.py) the phase moves once, and made through
`workshops.set_phase`, the one way phases change (so this sits above both `timer` and
`workshops`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import true, update
from sqlmodel import Session, col, select

from app.models import Workshop, utcnow
from app.services import timer, workshops
from app.services.access import Actor, Role

# Who the action log names for a phase the timer moved on at zero.
TIMER = Actor(Role.facilitator, name="timer")


def advance_expired(session: Session, *, now: timer.Clock = utcnow) -> list[str]:
    """Move every workshop whose auto-advancing timer reached zero to its next phase; returns
    the codes moved. Safe to run in several processes at once: each move is claimed with a
    conditional UPDATE on the deadline that was seen, so exactly one process makes it."""
    moment = now()
    due = session.exec(select(Workshop.id, Workshop.code, Workshop.timer_ends_at, Workshop.phase).where(
        col(Workshop.timer_auto_advance) == true(),
        col(Workshop.timer_ends_at).is_not(None),
        col(Workshop.timer_ends_at) <= moment,
    )).all()
    session.rollback()  # end the read transaction before the writes
    moved = []
    for workshop_id, code, seen, phase in due:
        assert seen is not None  # the query asked for a deadline
        if advance_if_unchanged(session, workshop_id=workshop_id, seen_ends_at=seen, seen_phase=phase):
            moved.append(code)
    return moved


def advance_if_unchanged(session: Session, *, workshop_id: int, seen_ends_at: datetime, seen_phase: str) -> bool:
    """Claim and make one timed phase change; False if another process (or the facilitator)
    changed the timer or the phase since it was seen."""
    claimed = session.exec(update(Workshop).where(
        col(Workshop.id) == workshop_id, col(Workshop.timer_ends_at) == seen_ends_at,
        col(Workshop.phase) == seen_phase,
    ).values(timer_ends_at=None, timer_remaining=None, timer_phase=None, timer_auto_advance=False))
    if claimed.rowcount != 1:
        session.rollback()
        return False
    following = timer.next_phase(seen_phase)
    workshop = session.get(Workshop, workshop_id, populate_existing=True)
    if following is None or workshop is None:
        session.commit()
        return True
    # The facilitator set this timer to move the phase at zero: it acts for them. Commits the claim too.
    workshops.set_phase(session, workshop=workshop, actor=TIMER, phase=following)
    return True
