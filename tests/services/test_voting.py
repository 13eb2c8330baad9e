"""Dot voting rules: phases, the budget, the per-project cap, and concurrent taps."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.db import with_retry
from app.errors import Conflict, NotFound
from app.services import projects, voting
from tests.factories import FACILITATOR, make_participant, make_project, make_workshop


@pytest.mark.parametrize("phase", ["setup", "propose", "results", "closed"])
def test_votes_can_be_changed_only_while_voting(session: Session, phase: str) -> None:
    workshop = make_workshop(session, phase="propose")
    project = make_project(session, workshop)
    voter = make_participant(session, workshop)
    workshop.phase = phase
    with pytest.raises(Conflict, match=f"phase '{phase}'"):
        voting.set_dots(session, workshop=workshop, participant=voter, project_id=project.id, dots=1)


def test_setting_dots_replaces_rather_than_adds(session: Session) -> None:
    workshop = make_workshop(session, phase="vote")
    project = make_project(session, workshop)
    voter = make_participant(session, workshop)
    voting.set_dots(session, workshop=workshop, participant=voter, project_id=project.id, dots=2)
    answer = voting.set_dots(session, workshop=workshop, participant=voter, project_id=project.id, dots=2)
    assert (answer.dots, answer.used, answer.remaining) == (2, 2, 3)


def test_a_participant_cannot_go_over_the_cap_on_one_project(session: Session) -> None:
    workshop = make_workshop(session, phase="vote", max_dots_per_project=3)
    project = make_project(session, workshop)
    voter = make_participant(session, workshop)
    voting.set_dots(session, workshop=workshop, participant=voter, project_id=project.id, dots=3)
    with pytest.raises(Conflict, match="At most 3 dots"):
        voting.set_dots(session, workshop=workshop, participant=voter, project_id=project.id, dots=4)
    with pytest.raises(Conflict):
        voting.add_dots(session, workshop=workshop, participant=voter, project_id=project.id, delta=1)
    assert voting.my_votes(session, workshop=workshop, participant=voter).allocations == {str(project.id): 3}


def test_a_participant_cannot_spend_more_dots_than_the_budget(session: Session) -> None:
    workshop = make_workshop(session, phase="vote", dots_per_participant=4, max_dots_per_project=3)
    first, second = make_project(session, workshop, "A"), make_project(session, workshop, "B")
    voter = make_participant(session, workshop)
    voting.set_dots(session, workshop=workshop, participant=voter, project_id=first.id, dots=3)
    with pytest.raises(Conflict, match="1 left of 4"):
        voting.set_dots(session, workshop=workshop, participant=voter, project_id=second.id, dots=2)
    mine = voting.my_votes(session, workshop=workshop, participant=voter)
    assert (mine.used, mine.remaining) == (3, 1)


def test_taking_all_dots_back_removes_the_allocation(session: Session) -> None:
    workshop = make_workshop(session, phase="vote")
    project = make_project(session, workshop)
    voter = make_participant(session, workshop)
    voting.add_dots(session, workshop=workshop, participant=voter, project_id=project.id, delta=1)
    voting.add_dots(session, workshop=workshop, participant=voter, project_id=project.id, delta=-1)
    answer = voting.add_dots(session, workshop=workshop, participant=voter, project_id=project.id, delta=-1)
    assert answer.dots == 0
    assert voting.my_votes(session, workshop=workshop, participant=voter).allocations == {}


def test_no_votes_on_hidden_or_merged_projects(session: Session) -> None:
    workshop = make_workshop(session, phase="vote")
    hidden, merged, kept = (make_project(session, workshop, t) for t in "ABC")
    voter = make_participant(session, workshop)
    projects.hide_project(session, workshop=workshop, actor=FACILITATOR, project_id=hidden.id)
    projects.merge_projects(session, workshop=workshop, actor=FACILITATOR, project_id=merged.id, into_id=kept.id)
    for project in (hidden, merged):
        with pytest.raises(NotFound):
            voting.set_dots(session, workshop=workshop, participant=voter, project_id=project.id, dots=1)


def test_twenty_concurrent_taps_never_exceed_the_budget_or_the_cap(engine: Engine) -> None:
    """One participant's phone fires 20 requests at once on SQLite: rules hold whatever the timing."""
    with Session(engine, expire_on_commit=False) as session:
        workshop = make_workshop(session, phase="vote", dots_per_participant=5, max_dots_per_project=3)
        targets = [make_project(session, workshop, f"P{i}").id for i in range(4)]
        voter = make_participant(session, workshop)
    start = threading.Barrier(20)
    acknowledged: list[tuple[int, int]] = []

    def tap(i: int) -> None:
        project_id, dots = targets[i % 4], 1 + i % 3
        with Session(engine, expire_on_commit=False) as session:
            start.wait(timeout=10)
            try:
                with_retry(lambda: voting.set_dots(session, workshop=workshop, participant=voter,
                                                   project_id=project_id, dots=dots))
                acknowledged.append((project_id, dots))
            except Conflict:
                pass

    with ThreadPoolExecutor(max_workers=20) as pool:
        list(pool.map(tap, range(20)))
    with Session(engine) as session:
        mine = voting.my_votes(session, workshop=workshop, participant=voter)
    assert acknowledged, "some taps must have been accepted"
    assert mine.used <= 5
    assert all(dots <= 3 for dots in mine.allocations.values())
    assert mine.used == sum(mine.allocations.values())


def test_twenty_concurrent_plus_taps_count_each_dot_once(engine: Engine) -> None:
    """Quick + taps add up exactly: accepted taps equal the dots recorded, never past the budget."""
    with Session(engine, expire_on_commit=False) as session:
        workshop = make_workshop(session, phase="vote", dots_per_participant=10, max_dots_per_project=10)
        project_id = make_project(session, workshop).id
        voter = make_participant(session, workshop)
    start = threading.Barrier(20)
    accepted = []

    def plus(_: int) -> None:
        with Session(engine, expire_on_commit=False) as session:
            start.wait(timeout=10)
            try:
                with_retry(lambda: voting.add_dots(session, workshop=workshop, participant=voter,
                                                   project_id=project_id, delta=1))
                accepted.append(1)
            except Conflict:
                pass

    with ThreadPoolExecutor(max_workers=20) as pool:
        list(pool.map(plus, range(20)))
    with Session(engine) as session:
        mine = voting.my_votes(session, workshop=workshop, participant=voter)
    assert len(accepted) == 10
    assert mine.allocations == {str(project_id): 10}
