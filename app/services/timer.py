"""The phase timer: a countdown in server time that the facilitator starts, extends, pauses,
resumes and stops, and that may move the workshop to the next phase at zero (auto_advance.py).

Running: `timer_ends_at` is set. Paused: `timer_remaining` (seconds) is set instead. Stopped:
neither. Every function takes the clock as `now`, so tests drive time by hand.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session

from app.errors import Conflict
from app.models import Phase, Workshop, utcnow
from app.services import action_log
from app.services.access import Actor
from app.services.rules import Action, check

Clock = Callable[[], datetime]
PHASES = [Phase.setup, Phase.propose, Phase.vote, Phase.results, Phase.closed]


@dataclass(frozen=True)
class TimerState:
    running: bool
    remaining: float  # seconds left, never below zero
    ends_at: datetime | None
    phase: str | None
    auto_advance: bool

    @property
    def expired(self) -> bool:
        return self.running and self.remaining <= 0

    @property
    def seconds(self) -> int:
        """Whole seconds to show: 0:01 until the very end, 0:00 only at zero."""
        return math.ceil(self.remaining)


def next_phase(phase: str) -> Phase | None:
    index = PHASES.index(Phase(phase))
    return PHASES[index + 1] if index + 1 < len(PHASES) else None


def state(workshop: Workshop, *, now: Clock = utcnow) -> TimerState | None:
    """The timer as it stands at `now`, or None when there is none."""
    if workshop.timer_ends_at is not None:
        left = (workshop.timer_ends_at - now()).total_seconds()
        return TimerState(running=True, remaining=max(0.0, left), ends_at=workshop.timer_ends_at,
                          phase=workshop.timer_phase, auto_advance=workshop.timer_auto_advance)
    if workshop.timer_remaining is not None:
        return TimerState(running=False, remaining=max(0.0, workshop.timer_remaining), ends_at=None,
                          phase=workshop.timer_phase, auto_advance=workshop.timer_auto_advance)
    return None


def start(session: Session, *, workshop: Workshop, actor: Actor, minutes: float,
          auto_advance: bool | None = None, now: Clock = utcnow) -> Workshop:
    """Count down `minutes` for the current phase (replacing any timer)."""
    check(Action.run_timer, actor, workshop)
    workshop.timer_ends_at = now() + timedelta(minutes=minutes)
    workshop.timer_remaining = None
    workshop.timer_phase = workshop.phase
    workshop.timer_auto_advance = bool(auto_advance)
    _log(session, workshop, actor, Action.run_timer, action_log.TIMER_STARTED, minutes=f"{minutes:g}")
    return _save(session, workshop)


def add(session: Session, *, workshop: Workshop, actor: Actor, minutes: float = 1.0,
        auto_advance: bool | None = None, now: Clock = utcnow) -> Workshop:
    """More time: a running timer ends later (counted from now if it had already reached zero),
    a paused one has more left."""
    check(Action.run_timer, actor, workshop)
    current = state(workshop, now=now)
    if current is None:
        raise Conflict("No timer is set: start one first.")
    if current.running:
        assert workshop.timer_ends_at is not None
        workshop.timer_ends_at = max(workshop.timer_ends_at, now()) + timedelta(minutes=minutes)
    else:
        workshop.timer_remaining = current.remaining + minutes * 60
    _log(session, workshop, actor, Action.run_timer, action_log.TIMER_EXTENDED, minutes=f"{minutes:g}")
    return _save(session, workshop, auto_advance=auto_advance)


def pause(session: Session, *, workshop: Workshop, actor: Actor, auto_advance: bool | None = None,
          now: Clock = utcnow) -> Workshop:
    """Freeze the countdown where it is."""
    check(Action.run_timer, actor, workshop)
    current = state(workshop, now=now)
    if current is None or not current.running:
        raise Conflict("The timer is not running, so it cannot be paused.")
    workshop.timer_remaining = current.remaining
    workshop.timer_ends_at = None
    _log(session, workshop, actor, Action.run_timer, action_log.TIMER_PAUSED, left=_clock_face(current.seconds))
    return _save(session, workshop, auto_advance=auto_advance)


def resume(session: Session, *, workshop: Workshop, actor: Actor, auto_advance: bool | None = None,
           now: Clock = utcnow) -> Workshop:
    """Go on counting down from where the timer was paused."""
    check(Action.run_timer, actor, workshop)
    current = state(workshop, now=now)
    if current is None or current.running:
        raise Conflict("The timer is not paused, so it cannot be resumed.")
    workshop.timer_ends_at = now() + timedelta(seconds=current.remaining)
    workshop.timer_remaining = None
    _log(session, workshop, actor, Action.run_timer, action_log.TIMER_RESUMED, left=_clock_face(current.seconds))
    return _save(session, workshop, auto_advance=auto_advance)


def stop(session: Session, *, workshop: Workshop, actor: Actor) -> Workshop:
    """Remove the timer (stopping no timer is fine; a closed workshop's too)."""
    check(Action.control_timer, actor, workshop)
    clear(workshop)
    _log(session, workshop, actor, Action.control_timer, action_log.TIMER_STOPPED)
    return _save(session, workshop)


def clear(workshop: Workshop) -> None:
    """Forget the timer, without committing (a phase change does this)."""
    workshop.timer_ends_at = None
    workshop.timer_remaining = None
    workshop.timer_phase = None
    workshop.timer_auto_advance = False


def apply(session: Session, *, workshop: Workshop, actor: Actor, action: str, minutes: float | None = None,
          auto_advance: bool | None = None, now: Clock = utcnow) -> Workshop:
    """One of the facilitator's timer buttons (the API's and the console's); each is logged."""
    if action == "start":
        assert minutes is not None
        return start(session, workshop=workshop, actor=actor, minutes=minutes, auto_advance=auto_advance,
                     now=now)
    if action == "add":
        return add(session, workshop=workshop, actor=actor, minutes=minutes or 1.0, auto_advance=auto_advance,
                   now=now)
    if action == "pause":
        return pause(session, workshop=workshop, actor=actor, auto_advance=auto_advance, now=now)
    if action == "resume":
        return resume(session, workshop=workshop, actor=actor, auto_advance=auto_advance, now=now)
    if action == "stop":
        return stop(session, workshop=workshop, actor=actor)
    raise ValueError(action)


def _log(session: Session, workshop: Workshop, actor: Actor, kind: Action, message: str, **params: object) -> None:
    """The button's entry in the action log, committed with it (a refused button raised before)."""
    action_log.record(session, workshop=workshop, actor=actor, action=kind, message=message, **params)


def _clock_face(seconds: int) -> str:
    return f"{seconds // 60}:{seconds % 60:02d}"


def _save(session: Session, workshop: Workshop, *, auto_advance: bool | None = None) -> Workshop:
    if auto_advance is not None:
        workshop.timer_auto_advance = auto_advance
    session.add(workshop)
    session.commit()
    return workshop
