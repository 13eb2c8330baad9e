"""The ballot box: votes written together in one transaction keep every rule of a single vote,
in arrival order, and a refused vote leaves the others standing."""

from __future__ import annotations

from concurrent.futures import Future

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.errors import Conflict, Forbidden, NotFound, RateLimited
from app.models import Participant, Workshop
from app.models.workshop import WorkshopCreate
from app.models.participant import ParticipantJoin
from app.models.vote import VoteResult
from app.services import ballot_box, participants, results, voting, workshops
from app.services.ballot_box import BallotBox
from tests.factories import make_project, make_workshop


def join(session: Session, workshop: Workshop, name: str) -> tuple[int, str]:
    participant, token = participants.join(session, workshop=workshop, join_in=ParticipantJoin(name=name))
    assert participant.id is not None
    return participant.id, token


def ballots(code: str, *votes: tuple[str | None, int, int]) -> list[ballot_box._Ballot]:
    return [ballot_box._Ballot(code=code, key=key, project_id=pid, dots=dots, admit=lambda _pid: None)
            for key, pid, dots in votes]


def dots_on(session: Session, workshop: Workshop, participant_id: int) -> dict[str, int]:
    participant = session.get(Participant, participant_id)
    assert participant is not None
    return voting.my_votes(session, workshop=workshop, participant=participant).allocations


def test_one_persons_votes_in_one_batch_share_one_budget_in_order(session: Session) -> None:
    workshop = make_workshop(session, phase="vote", dots_per_participant=5, max_dots_per_project=3)
    a, b, c = (make_project(session, workshop, f"โครงการ {n}").id for n in "กขค")
    voter, token = join(session, workshop, "สมหญิง")
    answers, changed = ballot_box.count(session, ballots(workshop.code, (token, a, 3), (token, b, 2), (token, c, 1),
                                                         (token, a, 0), (token, c, 3)))
    session.commit()
    assert isinstance(answers[2], Conflict) and "0 left of 5" in str(answers[2])
    assert [a_.remaining for a_ in answers if isinstance(a_, VoteResult)] == [2, 0, 3, 0]
    assert dots_on(session, workshop, voter) == {str(b): 2, str(c): 3}
    assert changed == {workshop.code}


def test_a_refused_vote_leaves_the_rest_of_the_batch_standing(session: Session) -> None:
    workshop = make_workshop(session, phase="vote", dots_per_participant=5, max_dots_per_project=3)
    project = make_project(session, workshop).id
    first, first_token = join(session, workshop, "หนึ่ง")
    second, second_token = join(session, workshop, "สอง")
    facilitator_key = "not-a-participant-key"
    answers, _changed = ballot_box.count(session, ballots(
        workshop.code, (first_token, project, 9), (None, project, 1), (facilitator_key, project, 1),
        (second_token, 10**9, 1), (second_token, project, 2), (first_token, project, 1)))
    session.commit()
    assert [type(a).__name__ for a in answers] == ["Conflict", "NotAuthenticated", "NotAuthenticated",
                                                   "NotFound", "VoteResult", "VoteResult"]
    assert dots_on(session, workshop, first) == {str(project): 1}
    assert dots_on(session, workshop, second) == {str(project): 2}


def test_the_screen_and_facilitator_keys_may_not_vote(session: Session) -> None:
    workshop, facilitator_key, screen_key = workshops.create_workshop(
        session, workshop_in=WorkshopCreate(title="เวิร์กช็อป"))
    answers, changed = ballot_box.count(session, ballots(workshop.code, (facilitator_key, 1, 1), (screen_key, 1, 1)))
    assert all(isinstance(a, Forbidden) for a in answers) and changed == set()


def test_votes_for_an_unknown_workshop_or_the_wrong_phase_are_refused_together(session: Session) -> None:
    workshop = make_workshop(session, phase="propose")
    project = make_project(session, workshop).id
    _voter, token = join(session, workshop, "ผู้เข้าร่วม")
    answers, changed = ballot_box.count(session, [*ballots("ZZZZZZ", (token, project, 1)),
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

    batch = [ballot_box._Ballot(code=workshop.code, key=token, project_id=project, dots=d, admit=admit) for d in (1, 2)]
    answers, _changed = ballot_box.count(session, batch)
    assert isinstance(answers[0], VoteResult) and isinstance(answers[1], RateLimited)


def test_the_writer_thread_acknowledges_only_committed_votes(engine: Engine, session: Session) -> None:
    workshop = make_workshop(session, phase="vote", dots_per_participant=5, max_dots_per_project=3)
    project = make_project(session, workshop).id
    voters = [join(session, workshop, f"คนที่ {i}") for i in range(30)]
    session.commit()
    notified: list[set[str]] = []
    box = BallotBox(engine, max_batch=8, on_committed=notified.append)
    box.start()
    try:
        futures: list[Future[VoteResult]] = [box.cast(code=workshop.code, key=token, project_id=project, dots=2)
                                             for _pid, token in voters]
        futures.append(box.cast(code=workshop.code, key=voters[0][1], project_id=project, dots=4))  # over the cap
        answers = [f.exception(timeout=30) or f.result() for f in futures]
    finally:
        box.stop()
    assert all(isinstance(a, VoteResult) and a.dots == 2 for a in answers[:-1])
    assert isinstance(answers[-1], Conflict)
    assert box.votes == 31 and box.batches < 31  # several votes shared a transaction
    assert notified and all(codes == {workshop.code} for codes in notified)
    with Session(engine) as fresh:
        ranking = results.compute(fresh, workshop=workshops.get_workshop(fresh, code=workshop.code)).standings
        assert [s.dots for s in ranking] == [60]


def test_a_batch_that_fails_as_a_whole_is_written_vote_by_vote(engine: Engine, session: Session,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    workshop = make_workshop(session, phase="vote")
    project = make_project(session, workshop).id
    voters = [join(session, workshop, f"คนที่ {i}") for i in range(3)]
    session.commit()
    real_count, calls = ballot_box.count, []

    def count_failing_batches(session_: Session, batch: list[ballot_box._Ballot]):  # type: ignore[no-untyped-def]
        calls.append(len(batch))
        if len(batch) > 1:
            raise RuntimeError("the database went away mid-batch")
        return real_count(session_, batch)

    monkeypatch.setattr(ballot_box, "count", count_failing_batches)
    batch = [ballot_box._Ballot(code=workshop.code, key=token, project_id=project, dots=1, admit=lambda _pid: None)
             for _pid, token in voters]
    BallotBox(engine)._write(batch)
    assert calls == [3, 1, 1, 1]
    assert [b.future.result(timeout=5).dots for b in batch] == [1, 1, 1]


def test_a_ballot_box_not_started_writes_at_once(engine: Engine) -> None:
    """Scripts and tests without the server's lifespan still get an answer."""
    future = BallotBox(engine).cast(code="ABCDEF", key="x", project_id=1, dots=1)
    assert future.done() and isinstance(future.exception(), NotFound)
