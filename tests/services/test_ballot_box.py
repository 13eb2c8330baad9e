"""The ballot box: every change of dots and scores (the phone's taps, the API's sets, scores)
written together in one transaction keeps every rule of a single change, in arrival order, and a
refused one leaves the others standing."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.errors import Conflict, Forbidden, NotFound, RateLimited
from app.models import Participant, Workshop
from app.models.workshop import WorkshopCreate
from app.models.participant import ParticipantJoin
from app import ballot_box
from app.ballot_box import BallotBox
from app.models.round import RoundCreate
from app.services import participants, results, round_setup, rounds, voting, workshops
from app.services.voting import AddDot, Ballot, Request, SetDots, SetScores
from tests.factories import FACILITATOR, make_project, make_workshop


def run_in_fresh_loop(scene: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """A server's event loop of its own, in a thread (Playwright's sync API may have left a loop
    running in this one)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(scene())).result(timeout=60)


def join(session: Session, workshop: Workshop, name: str) -> tuple[int, str]:
    participant, token = participants.join(session, workshop=workshop, join_in=ParticipantJoin(name=name))
    assert participant.id is not None
    return participant.id, token


def ballots(code: str, *votes: tuple[str | None, int, int]) -> list[Request]:
    return [Request(code=code, key=key, command=SetDots(pid, dots)) for key, pid, dots in votes]


def kinds(answers: list[Ballot | Exception]) -> list[str]:
    return [type(a).__name__ for a in answers]


def remaining(answers: list[Ballot | Exception]) -> list[int]:
    return [a.vote.remaining for a in answers if isinstance(a, Ballot) and a.vote is not None]


def dots_on(session: Session, workshop: Workshop, participant_id: int) -> dict[str, int]:
    participant = session.get(Participant, participant_id)
    assert participant is not None
    return voting.my_votes(session, workshop=workshop, participant=participant).allocations


def test_one_persons_votes_in_one_batch_share_one_budget_in_order(session: Session) -> None:
    workshop = make_workshop(session, phase="vote", dots_per_participant=5, max_dots_per_project=3)
    a, b, c = (make_project(session, workshop, f"โครงการ {n}").id for n in "กขค")
    voter, token = join(session, workshop, "สมหญิง")
    answers, changed = voting.record(session, ballots(workshop.code, (token, a, 3), (token, b, 2), (token, c, 1),
                                                         (token, a, 0), (token, c, 3)))
    session.commit()
    assert isinstance(answers[2], Conflict) and "0 left of 5" in str(answers[2])
    assert remaining(answers) == [2, 0, 3, 0]
    assert dots_on(session, workshop, voter) == {str(b): 2, str(c): 3}
    assert changed == {workshop.code}


def test_a_refused_vote_leaves_the_rest_of_the_batch_standing(session: Session) -> None:
    workshop = make_workshop(session, phase="vote", dots_per_participant=5, max_dots_per_project=3)
    project = make_project(session, workshop).id
    first, first_token = join(session, workshop, "หนึ่ง")
    second, second_token = join(session, workshop, "สอง")
    facilitator_key = "not-a-participant-key"
    answers, _changed = voting.record(session, ballots(
        workshop.code, (first_token, project, 9), (None, project, 1), (facilitator_key, project, 1),
        (second_token, 10**9, 1), (second_token, project, 2), (first_token, project, 1)))
    session.commit()
    assert kinds(answers) == ["Conflict", "NotAuthenticated", "NotAuthenticated", "NotFound", "Ballot", "Ballot"]
    assert dots_on(session, workshop, first) == {str(project): 1}
    assert dots_on(session, workshop, second) == {str(project): 2}


def test_the_screen_and_facilitator_keys_may_not_vote(session: Session) -> None:
    workshop, facilitator_key, screen_key = workshops.create_workshop(
        session, workshop_in=WorkshopCreate(title="เวิร์กช็อป"))
    answers, changed = voting.record(session, ballots(workshop.code, (facilitator_key, 1, 1), (screen_key, 1, 1)))
    assert all(isinstance(a, Forbidden) for a in answers) and changed == set()


def test_votes_for_an_unknown_workshop_or_the_wrong_phase_are_refused_together(session: Session) -> None:
    workshop = make_workshop(session, phase="propose")
    project = make_project(session, workshop).id
    _voter, token = join(session, workshop, "ผู้เข้าร่วม")
    answers, changed = voting.record(session, [*ballots("ZZZZZZ", (token, project, 1)),
                                                  *ballots(workshop.code, (token, project, 1), (token, project, 2))])
    assert isinstance(answers[0], NotFound) and "ZZZZZZ" in str(answers[0])
    assert all(isinstance(a, Conflict) and "phase 'propose'" in str(a) for a in answers[1:])
    assert changed == set()


def test_the_rate_limit_refuses_one_vote_not_the_batch(session: Session) -> None:
    workshop = make_workshop(session, phase="vote")
    project = make_project(session, workshop).id
    _voter, token = join(session, workshop, "เร็วมาก")
    calls: list[int] = []

    def admit(participant_id: int) -> None:
        calls.append(participant_id)
        if len(calls) > 1:
            raise RateLimited("Too many requests; wait {seconds} seconds and try again.", seconds=1)

    batch = [Request(code=workshop.code, key=token, command=SetDots(project, d), admit=admit) for d in (1, 2)]
    answers, _changed = voting.record(session, batch)
    assert isinstance(answers[0], Ballot) and isinstance(answers[1], RateLimited)


def test_the_writer_thread_acknowledges_only_committed_votes(engine: Engine, session: Session) -> None:
    workshop = make_workshop(session, phase="vote", dots_per_participant=5, max_dots_per_project=3)
    project = make_project(session, workshop).id
    voters = [join(session, workshop, f"คนที่ {i}") for i in range(30)]
    session.commit()
    notified: list[set[str]] = []
    box = BallotBox(engine, max_batch=8, on_loop=False, on_committed=notified.append)
    box.start()
    try:
        futures: list[Future[Ballot]] = [box.cast(code=workshop.code, key=token, command=SetDots(project, 2))
                                         for _pid, token in voters]
        futures.append(box.cast(code=workshop.code, key=voters[0][1], command=SetDots(project, 4)))  # over the cap
        answers = [f.exception(timeout=30) or f.result() for f in futures]
    finally:
        box.stop()
    assert all(isinstance(a, Ballot) and a.vote and a.vote.dots == 2 for a in answers[:-1])
    assert isinstance(answers[-1], Conflict)
    assert box.commands == 31 and box.batches < 31  # several votes shared a transaction
    assert notified and all(codes == {workshop.code} for codes in notified)
    with Session(engine) as fresh:
        ranking = results.compute(fresh, workshop=workshops.get_workshop(fresh, code=workshop.code)).standings
        assert [s.dots for s in ranking] == [60]


def test_the_server_writes_on_its_event_loop_in_batches(engine: Engine, session: Session) -> None:
    workshop = make_workshop(session, phase="vote", dots_per_participant=5, max_dots_per_project=3)
    project = make_project(session, workshop).id
    voters = [join(session, workshop, f"คนที่ {i}") for i in range(30)]
    session.commit()
    notified: list[set[str]] = []

    async def storm() -> tuple[BallotBox, list[Ballot | BaseException]]:
        box = BallotBox(engine, max_batch=8, on_loop=True, on_committed=notified.append)
        box.start()
        try:
            taps = [box.submit(code=workshop.code, key=token, command=SetDots(project, 2)) for _pid, token in voters]
            taps.append(box.submit(code=workshop.code, key=voters[0][1], command=SetDots(project, 4)))  # over the cap
            return box, await asyncio.gather(*taps, return_exceptions=True)
        finally:
            await box.close()

    box, answers = run_in_fresh_loop(storm)
    assert all(isinstance(a, Ballot) and a.vote and a.vote.dots == 2 for a in answers[:-1])
    assert isinstance(answers[-1], Conflict)
    assert box.commands == 31 and box.batches < 31
    assert notified and all(codes == {workshop.code} for codes in notified)


def test_a_tap_waits_in_a_thread_not_on_the_loop_while_another_writer_holds_sqlite(engine: Engine,
                                                                                 session: Session) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite's single writer lock: PostgreSQL locks rows")
    workshop = make_workshop(session, phase="vote")
    project = make_project(session, workshop).id
    _pid, token = join(session, workshop, "ผู้ลงคะแนน")
    session.commit()

    async def tap_while_an_import_writes() -> tuple[Ballot, list[str]]:
        box = BallotBox(engine, on_loop=True)
        box.start()
        ticks: list[str] = []
        with engine.connect() as other:  # e.g. an import holding the write lock for a while
            other.exec_driver_sql("BEGIN IMMEDIATE")
            other.exec_driver_sql("UPDATE workshop SET title = title WHERE id = 0")
            tap = asyncio.ensure_future(box.submit(code=workshop.code, key=token, command=SetDots(project, 1)))
            for _ in range(5):  # the loop keeps turning for everyone else meanwhile
                await asyncio.sleep(0.01)
                ticks.append("tick")
            assert not tap.done()
            other.commit()
        ballot = await asyncio.wait_for(tap, 10)
        await box.close()
        return ballot, ticks

    ballot, ticks = run_in_fresh_loop(tap_while_an_import_writes)
    assert ballot.vote is not None and ballot.vote.dots == 1 and ticks == ["tick"] * 5


def test_a_batch_that_fails_as_a_whole_is_written_vote_by_vote(engine: Engine, session: Session,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    workshop = make_workshop(session, phase="vote")
    project = make_project(session, workshop).id
    voters = [join(session, workshop, f"คนที่ {i}") for i in range(3)]
    session.commit()
    real_record, calls = voting.record, []

    def record_failing_batches(session_: Session, batch: list[Request]):  # type: ignore[no-untyped-def]
        calls.append(len(batch))
        if len(batch) > 1:
            raise RuntimeError("the database went away mid-batch")
        return real_record(session_, batch)

    monkeypatch.setattr(voting, "record", record_failing_batches)
    batch = [ballot_box._Queued(Request(code=workshop.code, key=token, command=AddDot(project, 1)))
             for _pid, token in voters]
    BallotBox(engine)._write(batch)
    assert calls == [3, 1, 1, 1]
    assert [q.future.result(timeout=5).allocations for q in batch] == [{project: 1}] * 3


def test_a_ballot_box_not_started_writes_at_once(engine: Engine) -> None:
    """Scripts and tests without the server's lifespan still get an answer."""
    future = BallotBox(engine).cast(code="ABCDEF", key="x", command=AddDot(1, 1))
    assert future.done() and isinstance(future.exception(), NotFound)


def test_taps_and_sets_of_one_person_in_one_batch_add_up_in_order(session: Session) -> None:
    """A phone's + taps and the same person's API sets meet in one batch: each sees the last."""
    workshop = make_workshop(session, phase="vote", dots_per_participant=5, max_dots_per_project=3)
    a, b = (make_project(session, workshop, f"โครงการ {n}").id for n in "กข")
    voter, token = join(session, workshop, "สมชาย")
    tap = lambda pid, delta: Request(code=workshop.code, key=token, command=AddDot(pid, delta))  # noqa: E731
    answers, _changed = voting.record(session, [tap(a, 1), tap(a, 1), *ballots(workshop.code, (token, b, 3)),
                                                tap(a, 1), tap(a, -1), tap(b, 1), tap(a, 7)])
    session.commit()
    assert kinds(answers) == ["Ballot", "Ballot", "Ballot", "Conflict", "Ballot", "Conflict", "Invalid"]
    assert "2 left of 5, and 3 asked" in str(answers[3]) and "At most 3" in str(answers[5])
    assert dots_on(session, workshop, voter) == {str(a): 1, str(b): 3}
    last = answers[4]
    assert isinstance(last, Ballot) and last.allocations == {a: 1, b: 3} and last.vote is not None
    assert (last.vote.used, last.vote.remaining, last.cap, last.budget) == (4, 1, 3, 5)
    assert last.titles == {a: "โครงการ ก", b: "โครงการ ข"}


def test_a_tap_below_zero_stays_at_zero(session: Session) -> None:
    workshop = make_workshop(session, phase="vote")
    project = make_project(session, workshop).id
    voter, token = join(session, workshop, "ระวัง")
    answers, changed = voting.record(session, [Request(code=workshop.code, key=token, command=AddDot(project, -1))])
    assert isinstance(answers[0], Ballot) and answers[0].vote and answers[0].vote.dots == 0
    assert dots_on(session, workshop, voter) == {}


def test_scores_go_through_the_same_batch_and_answer_with_my_scores(session: Session) -> None:
    workshop = make_workshop(session, phase="vote")
    a, b = (make_project(session, workshop, f"โครงการ {n}").id for n in "กข")
    round_setup.create_round(session, workshop=workshop, actor=FACILITATOR, round_in=RoundCreate(mode="scoring"))
    judge, token = join(session, workshop, "กรรมการ")
    score = lambda pid, values: Request(code=workshop.code, key=token, command=SetScores(pid, values))  # noqa: E731
    key = rounds.criteria(rounds.current_round(session, workshop=workshop))[0].key
    answers, changed = voting.record(session, [score(a, {key: 4}), score(b, {key: 9}), score(b, {"nonsense": 2}),
                                               score(b, {key: 2}), *ballots(workshop.code, (token, a, 1))])
    session.commit()
    assert kinds(answers) == ["Ballot", "Invalid", "Invalid", "Ballot", "Conflict"]
    assert "scores projects instead of taking dots" in str(answers[4])
    last = answers[3]
    assert isinstance(last, Ballot) and last.scores is not None and last.scores.scores == {key: 2}
    assert last.my_scores == {a: {key: 4}, b: {key: 2}} and changed == {workshop.code}
