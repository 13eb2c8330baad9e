"""The phase timer's arithmetic, driven by a fake clock: start, +1 min, pause and resume, stop,
and the move to the next phase at zero, made once even when several processes check."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.errors import Conflict
from app.models import Phase, Workshop
from app.services import auto_advance, timer, workshops
from tests.factories import FACILITATOR, make_workshop

START = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self, at: datetime = START) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at

    def advance(self, seconds: float) -> None:
        self.at += timedelta(seconds=seconds)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def left(workshop: Workshop, clock: FakeClock) -> float:
    state = timer.state(workshop, now=clock)
    assert state is not None
    return state.remaining


def reread(engine: Engine, workshop: Workshop) -> Workshop:
    with Session(engine) as other:
        found = other.get(Workshop, workshop.id)
        assert found is not None
        return found


def test_a_started_timer_counts_down_with_the_clock(session: Session, clock: FakeClock) -> None:
    workshop = make_workshop(session, phase="propose")
    timer.start(session, workshop=workshop, actor=FACILITATOR, minutes=5, now=clock)
    assert left(workshop, clock) == 300
    clock.advance(42.5)
    state = timer.state(workshop, now=clock)
    assert state is not None and state.running and state.remaining == 257.5 and state.seconds == 258
    assert state.phase == "propose" and not state.auto_advance
    clock.advance(600)
    state = timer.state(workshop, now=clock)
    assert state is not None and state.remaining == 0 and state.expired  # never below zero


def test_no_timer_until_one_is_started(session: Session, clock: FakeClock) -> None:
    workshop = make_workshop(session)
    assert timer.state(workshop, now=clock) is None


def test_one_more_minute_extends_a_running_timer(session: Session, clock: FakeClock) -> None:
    workshop = make_workshop(session, phase="propose")
    timer.start(session, workshop=workshop, actor=FACILITATOR, minutes=2, now=clock)
    clock.advance(30)
    timer.add(session, workshop=workshop, actor=FACILITATOR, now=clock)
    assert left(workshop, clock) == 150


def test_one_more_minute_after_zero_counts_from_now(session: Session, clock: FakeClock) -> None:
    workshop = make_workshop(session, phase="propose")
    timer.start(session, workshop=workshop, actor=FACILITATOR, minutes=1, now=clock)
    clock.advance(200)  # long past zero
    timer.add(session, workshop=workshop, actor=FACILITATOR, now=clock)
    assert left(workshop, clock) == 60


def test_a_paused_timer_stands_still_and_resumes_where_it_was(session: Session, clock: FakeClock) -> None:
    workshop = make_workshop(session, phase="vote")
    timer.start(session, workshop=workshop, actor=FACILITATOR, minutes=3, now=clock)
    clock.advance(20)
    timer.pause(session, workshop=workshop, actor=FACILITATOR, now=clock)
    clock.advance(500)  # coffee break
    state = timer.state(workshop, now=clock)
    assert state is not None and not state.running and state.remaining == 160
    timer.add(session, workshop=workshop, actor=FACILITATOR, minutes=1, now=clock)  # +1 min while paused
    assert left(workshop, clock) == 220
    timer.resume(session, workshop=workshop, actor=FACILITATOR, now=clock)
    clock.advance(10)
    assert left(workshop, clock) == 210


def test_the_timer_is_kept_in_the_database(session: Session, engine: Engine, clock: FakeClock) -> None:
    workshop = make_workshop(session, phase="propose")
    timer.start(session, workshop=workshop, actor=FACILITATOR, minutes=4, auto_advance=True, now=clock)
    clock.advance(60)
    stored = reread(engine, workshop)
    assert stored.timer_ends_at == START + timedelta(minutes=4)  # aware, in UTC
    assert left(stored, clock) == 180 and stored.timer_auto_advance and stored.timer_phase == "propose"


def test_stop_removes_the_timer(session: Session, clock: FakeClock) -> None:
    workshop = make_workshop(session, phase="propose")
    timer.start(session, workshop=workshop, actor=FACILITATOR, minutes=4, auto_advance=True, now=clock)
    timer.stop(session, workshop=workshop, actor=FACILITATOR)
    assert timer.state(workshop, now=clock) is None and not workshop.timer_auto_advance
    timer.stop(session, workshop=workshop, actor=FACILITATOR)  # stopping no timer is fine


@pytest.mark.parametrize(("setup", "action", "words"), [
    ("none", "add", "No timer is set"),
    ("none", "pause", "not running"),
    ("none", "resume", "not paused"),
    ("running", "resume", "not paused"),
    ("paused", "pause", "not running"),
])
def test_timer_buttons_that_make_no_sense_now_are_refused(session: Session, clock: FakeClock, setup: str,
                                                          action: str, words: str) -> None:
    workshop = make_workshop(session, phase="propose")
    if setup != "none":
        timer.start(session, workshop=workshop, actor=FACILITATOR, minutes=2, now=clock)
    if setup == "paused":
        timer.pause(session, workshop=workshop, actor=FACILITATOR, now=clock)
    before = (workshop.timer_ends_at, workshop.timer_remaining)
    with pytest.raises(Conflict, match=words):
        timer.apply(session, workshop=workshop, actor=FACILITATOR, action=action, now=clock)
    assert (workshop.timer_ends_at, workshop.timer_remaining) == before


def test_a_closed_workshop_has_no_phase_to_time(session: Session, clock: FakeClock) -> None:
    workshop = make_workshop(session, phase="closed")
    with pytest.raises(Conflict, match="closed"):
        timer.start(session, workshop=workshop, actor=FACILITATOR, minutes=2, now=clock)


def test_changing_the_phase_drops_the_timer_of_the_old_one(session: Session, clock: FakeClock) -> None:
    workshop = make_workshop(session, phase="propose")
    timer.start(session, workshop=workshop, actor=FACILITATOR, minutes=2, auto_advance=True, now=clock)
    workshops.set_phase(session, workshop=workshop, actor=FACILITATOR, phase=Phase.propose)  # the same phase: kept
    assert timer.state(workshop, now=clock) is not None
    workshops.set_phase(session, workshop=workshop, actor=FACILITATOR, phase=Phase.vote)
    assert timer.state(workshop, now=clock) is None and not workshop.timer_auto_advance


def test_at_zero_an_auto_advancing_timer_moves_to_the_next_phase_once(session: Session, engine: Engine,
                                                                      clock: FakeClock) -> None:
    workshop = make_workshop(session, phase="propose")
    timer.start(session, workshop=workshop, actor=FACILITATOR, minutes=1, auto_advance=True, now=clock)
    clock.advance(59.9)
    assert auto_advance.advance_expired(session, now=clock) == []
    assert reread(engine, workshop).phase == "propose"
    clock.advance(0.1)
    assert auto_advance.advance_expired(session, now=clock) == [workshop.code]
    moved = reread(engine, workshop)
    assert moved.phase == "vote" and timer.state(moved, now=clock) is None
    clock.advance(5)
    assert auto_advance.advance_expired(session, now=clock) == []  # once only
    assert reread(engine, workshop).phase == "vote"


def test_a_timer_without_auto_advance_just_stays_at_zero(session: Session, engine: Engine,
                                                        clock: FakeClock) -> None:
    workshop = make_workshop(session, phase="propose")
    timer.start(session, workshop=workshop, actor=FACILITATOR, minutes=1, now=clock)
    clock.advance(120)
    assert auto_advance.advance_expired(session, now=clock) == []
    stored = reread(engine, workshop)
    assert stored.phase == "propose" and left(stored, clock) == 0


def test_a_paused_auto_advancing_timer_does_not_advance(session: Session, engine: Engine, clock: FakeClock) -> None:
    workshop = make_workshop(session, phase="propose")
    timer.start(session, workshop=workshop, actor=FACILITATOR, minutes=1, auto_advance=True, now=clock)
    clock.advance(30)
    timer.pause(session, workshop=workshop, actor=FACILITATOR, now=clock)
    clock.advance(3600)
    assert auto_advance.advance_expired(session, now=clock) == []
    assert reread(engine, workshop).phase == "propose"


def test_two_processes_seeing_the_same_deadline_move_the_phase_once(session: Session, engine: Engine,
                                                                    clock: FakeClock) -> None:
    workshop = make_workshop(session, phase="vote")
    timer.start(session, workshop=workshop, actor=FACILITATOR, minutes=1, auto_advance=True, now=clock)
    seen = reread(engine, workshop).timer_ends_at
    assert seen is not None
    clock.advance(61)
    # Both read the row before either wrote: each tries the conditional UPDATE on what it saw.
    with Session(engine) as first, Session(engine) as second:
        won = [auto_advance.advance_if_unchanged(s, workshop_id=workshop.id, seen_ends_at=seen, seen_phase="vote")
               for s in (first, second)]
    assert won == [True, False]
    assert reread(engine, workshop).phase == "results"


def test_a_phase_the_facilitator_changed_meanwhile_is_not_moved_again(session: Session, engine: Engine,
                                                                      clock: FakeClock) -> None:
    workshop = make_workshop(session, phase="propose")
    timer.start(session, workshop=workshop, actor=FACILITATOR, minutes=1, auto_advance=True, now=clock)
    seen = reread(engine, workshop).timer_ends_at
    assert seen is not None
    workshops.set_phase(session, workshop=workshop, actor=FACILITATOR, phase=Phase.vote)  # by hand, just before zero
    clock.advance(61)
    with Session(engine) as watcher:
        assert not auto_advance.advance_if_unchanged(watcher, workshop_id=workshop.id, seen_ends_at=seen,
                                              seen_phase="propose")
    assert reread(engine, workshop).phase == "vote"


def test_the_last_phase_has_no_next_one() -> None:
    assert [timer.next_phase(p) for p in ("setup", "propose", "vote", "results", "closed")] == [
        Phase.propose, Phase.vote, Phase.results, Phase.closed, None]


def test_the_background_watch_announces_each_move_it_makes(session: Session, engine: Engine,
                                                          clock: FakeClock) -> None:
    from app.live.timer_watch import TimerWatch

    workshop = make_workshop(session, phase="propose")
    timer.start(session, workshop=workshop, actor=FACILITATOR, minutes=0.5, auto_advance=True, now=clock)
    announced: list[str] = []
    watch = TimerWatch(engine, announced.append, now=clock)
    assert watch.tick() == [] and announced == []
    clock.advance(30)
    assert watch.tick() == [workshop.code] and announced == [workshop.code]
    assert watch.tick() == [] and announced == [workshop.code]
