"""The voting rules against a model small enough to be obviously right.

Hypothesis plays a workshop: people join, propose, the facilitator moves between phases,
people set dots (sometimes too many, on hidden or merged projects, in the wrong phase), and
the facilitator hides, restores and merges projects. Each step goes through the real services
on a real database, each in its own session as a request would; the model says what must
happen (which error, or what changes). After every step: nobody is over the budget, no vote is
over the cap, the database holds exactly the model's votes, and the tallies are the model's.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from app import db
from app.config import Settings
from app.errors import Conflict, DomainError, Invalid, NotFound
from app.models import Participant, Phase, Vote
from app.models.participant import ParticipantJoin
from app.models.project import ProjectCreate
from app.models.workshop import WorkshopCreate
from app.services import participants, projects, results, voting, workshops
from app.services.access import Actor, Role
from tests.faults.conftest import record_figures

EXAMPLES = 45
STEPS = 30
FACILITATOR = Actor(Role.facilitator)


class Counters:
    examples = 0
    steps = 0
    refusals = 0
    votes_set = 0
    dots_moved_by_merges = 0
    dots_returned_by_hides = 0


class VotingRules(RuleBasedStateMachine):
    """One workshop per example (starting with a few people and projects); the model is plain dicts."""

    engine: ClassVar[Engine]

    def __init__(self) -> None:
        super().__init__()
        Counters.examples += 1
        self.code = ""
        self.phase = Phase.setup
        self.budget = self.cap = 0
        self.status: dict[int, str] = {}  # project id -> "visible" | "hidden" | "merged"
        self.votes: dict[tuple[int, int], int] = {}  # (participant, project) -> dots, only > 0
        self.joined: list[int] = []

    # --- running a step like a request: its own session, its outcome compared with the model ---

    def call(self, action: Callable[[Session, Any], Any], expected: type[DomainError] | None) -> Any:
        Counters.steps += 1
        with Session(self.engine, expire_on_commit=False) as session:
            workshop = workshops.get_workshop(session, code=self.code)
            try:
                answer = action(session, workshop)
            except DomainError as exc:
                session.rollback()
                Counters.refusals += 1
                assert expected is not None and isinstance(exc, expected), f"unexpected {exc!r}"
                return None
            assert expected is None, f"expected {expected.__name__}, but it was done"
            return answer

    def a_project(self, data: st.DataObject) -> int:
        """Any project the workshop ever had, or one it never had (id 0 or far past the others)."""
        return data.draw(st.sampled_from([*sorted(self.status) * 4, 0, 2**40]), label="project")

    def a_person(self, data: st.DataObject) -> int:
        return data.draw(st.sampled_from(self.joined), label="person")

    @initialize(budget=st.integers(1, 7), cap=st.integers(1, 4), people=st.integers(1, 4),
                proposals=st.integers(1, 4), phase=st.sampled_from([Phase.vote, Phase.vote, Phase.propose]))
    def create_workshop(self, budget: int, cap: int, people: int, proposals: int, phase: Phase) -> None:
        self.budget, self.cap = budget, cap
        with Session(self.engine, expire_on_commit=False) as session:
            workshop, _f, _s = workshops.create_workshop(session, workshop_in=WorkshopCreate(
                title="ทดสอบกติกา", dots_per_participant=budget, max_dots_per_project=cap))
            self.code = workshop.code
        for _ in range(people):
            self.join("สมชาย")
        for _ in range(proposals):
            self.propose_as(None)
        self.change_phase(phase)

    @precondition(lambda self: self.phase == Phase.closed)
    @rule()
    def join_a_closed_workshop(self) -> None:
        self.call(lambda s, w: participants.join(s, workshop=w, join_in=ParticipantJoin(name="ช้าไป")), Conflict)

    @precondition(lambda self: self.phase != Phase.closed and len(self.joined) < 6)
    @rule(name=st.sampled_from(["สมชาย", "กั๊ก", "Ann"]))
    def join(self, name: str) -> None:
        participant, _token = self.call(
            lambda s, w: participants.join(s, workshop=w, join_in=ParticipantJoin(name=name)), None)
        self.joined.append(participant.id)

    def propose_as(self, by: int | None) -> None:
        refused = self.phase == Phase.closed or (by is not None and self.phase != Phase.propose)

        def make(session: Session, workshop: Any) -> int:
            actor = FACILITATOR if by is None else Actor(Role.participant, session.get(Participant, by))
            project, created = projects.create_project(session, workshop=workshop, actor=actor,
                                                       project_in=ProjectCreate(title="โครงการ"))
            assert created
            return project.id

        project_id = self.call(make, Conflict if refused else None)
        if project_id is not None:
            self.status[project_id] = "visible"

    @precondition(lambda self: len(self.status) < 8)
    @rule(data=st.data(), by_facilitator=st.booleans())
    def propose(self, data: st.DataObject, by_facilitator: bool) -> None:
        self.propose_as(None if by_facilitator else self.a_person(data))

    # Mostly voting, as in a workshop; every phase (and back) now and then.
    @rule(phase=st.sampled_from([Phase.vote, Phase.vote, Phase.propose, Phase.setup, Phase.results,
                                 Phase.closed]))
    def change_phase(self, phase: Phase) -> None:
        self.call(lambda s, w: workshops.set_phase(s, workshop=w, actor=FACILITATOR, phase=phase), None)
        self.phase = phase

    @rule(data=st.data())
    def set_dots(self, data: st.DataObject) -> None:
        person, project = self.a_person(data), self.a_project(data)
        dots = data.draw(st.integers(0, self.cap + 1), label="dots")
        elsewhere = sum(d for (p, pid), d in self.votes.items() if p == person and pid != project)
        if self.phase != Phase.vote:
            expected: type[DomainError] | None = Conflict
        elif self.status.get(project) != "visible":
            expected = NotFound
        elif dots > self.cap or elsewhere + dots > self.budget:
            expected = Conflict
        else:
            expected = None

        def vote(session: Session, workshop: Any) -> Any:
            return voting.set_dots(session, workshop=workshop, participant=session.get(Participant, person),
                                   project_id=project, dots=dots)

        answer = self.call(vote, expected)
        if answer is not None:
            Counters.votes_set += 1
            assert (answer.dots, answer.used, answer.remaining) == (dots, elsewhere + dots,
                                                                   self.budget - elsewhere - dots)
            if dots:
                self.votes[(person, project)] = dots
            else:
                self.votes.pop((person, project), None)

    # Voting is most of a workshop: while the phase is vote, people vote more often than anything else.
    @precondition(lambda self: self.phase == Phase.vote)
    @rule(data=st.data())
    def set_dots_while_voting(self, data: st.DataObject) -> None:
        self.set_dots(data)

    @precondition(lambda self: self.phase == Phase.vote)
    @rule(data=st.data())
    def change_one_s_mind_while_voting(self, data: st.DataObject) -> None:
        self.set_dots(data)

    # The facilitator tidies up while dots are on the projects: the cases where dots move.
    @precondition(lambda self: bool(self.votes))
    @rule(data=st.data())
    def hide_a_project_with_dots(self, data: st.DataObject) -> None:
        self.hide(data, data.draw(st.sampled_from(sorted({pid for _p, pid in self.votes})), label="voted"))

    @precondition(lambda self: bool(self.votes) and sum(v == "visible" for v in self.status.values()) > 1)
    @rule(data=st.data())
    def merge_a_project_with_dots(self, data: st.DataObject) -> None:
        source = data.draw(st.sampled_from(sorted({pid for _p, pid in self.votes})), label="voted")
        others = sorted(pid for pid, status in self.status.items() if status == "visible" and pid != source)
        self.merge(data, source, data.draw(st.sampled_from(others), label="into"))

    @rule(data=st.data())
    def hide(self, data: st.DataObject, chosen: int | None = None) -> None:
        project = self.a_project(data) if chosen is None else chosen
        if self.phase == Phase.closed:
            expected: type[DomainError] | None = Conflict
        elif self.status.get(project) != "visible":
            expected = NotFound
        else:
            expected = None
        if self.call(lambda s, w: projects.hide_project(s, workshop=w, actor=FACILITATOR, project_id=project),
                     expected):
            self.status[project] = "hidden"
            Counters.dots_returned_by_hides += sum(d for k, d in self.votes.items() if k[1] == project)
            self.votes = {k: d for k, d in self.votes.items() if k[1] != project}  # dots go back

    @rule(data=st.data())
    def restore(self, data: st.DataObject) -> None:
        project = self.a_project(data)
        status = self.status.get(project)
        if self.phase == Phase.closed:
            expected: type[DomainError] | None = Conflict
        elif status is None:
            expected = NotFound
        elif status == "merged":
            expected = Conflict
        else:
            expected = None
        if self.call(lambda s, w: projects.restore_project(s, workshop=w, actor=FACILITATOR, project_id=project),
                     expected):
            self.status[project] = "visible"

    @rule(data=st.data())
    def merge(self, data: st.DataObject, chosen: int | None = None, chosen_into: int | None = None) -> None:
        source = self.a_project(data) if chosen is None else chosen
        into = self.a_project(data) if chosen_into is None else chosen_into
        if self.phase == Phase.closed:
            expected: type[DomainError] | None = Conflict
        elif source == into:
            expected = Invalid
        elif self.status.get(source) != "visible" or self.status.get(into) != "visible":
            expected = NotFound
        else:
            expected = None
        done = self.call(lambda s, w: projects.merge_projects(s, workshop=w, actor=FACILITATOR, project_id=source,
                                                              into_id=into), expected)
        if done:
            self.status[source] = "merged"
            for (person, pid), dots in list(self.votes.items()):
                if pid == source:
                    Counters.dots_moved_by_merges += dots
                    del self.votes[(person, pid)]
                    self.votes[(person, into)] = min(self.cap, dots + self.votes.get((person, into), 0))

    # --- what must always hold ---

    @invariant()
    @precondition(lambda self: bool(self.code))
    def the_database_holds_the_model(self) -> None:
        with Session(self.engine) as session:
            workshop = workshops.get_workshop(session, code=self.code)
            stored = {(v.participant_id, v.project_id): v.dots for v in session.exec(
                select(Vote).where(Vote.workshop_id == workshop.id, Vote.dots > 0))}
            assert stored == self.votes
            for person in self.joined:
                mine = [d for (p, _pid), d in stored.items() if p == person]
                assert sum(mine) <= self.budget, "over the budget"
                assert all(d <= self.cap for d in mine), "over the cap"
            expected = {}
            for (_person, pid), dots in self.votes.items():
                total, voters = expected.get(pid, (0, 0))
                expected[pid] = (total + dots, voters + 1)
            assert results.tallies(session, workshop=workshop) == expected
            ranking = {s.project.id: s.dots for s in results.compute(session, workshop=workshop).standings}
            visible = {pid for pid, status in self.status.items() if status == "visible"}
            assert ranking == {pid: expected.get(pid, (0, 0))[0] for pid in visible}


@pytest.fixture
def rules_engine(tmp_path: Path, migrated_template: Path) -> Iterator[Engine]:
    path = tmp_path / "rules.db"
    shutil.copy(migrated_template, path)
    engine = db.make_engine(Settings(database_url=f"sqlite:///{path}"))
    # The rules, not the disk, are under test here: no fsync after every commit.
    event.listen(engine, "connect", lambda connection, _record: connection.execute("PRAGMA synchronous=OFF"))
    yield engine
    engine.dispose()


def test_budget_cap_and_tallies_always_agree_with_the_model(rules_engine: Engine) -> None:
    VotingRules.engine = rules_engine
    for name in ("examples", "steps", "refusals", "votes_set", "dots_moved_by_merges", "dots_returned_by_hides"):
        setattr(Counters, name, 0)
    run_state_machine_as_test(VotingRules, settings=settings(
        max_examples=EXAMPLES, stateful_step_count=STEPS, deadline=None, database=None, derandomize=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]))
    record_figures("hypothesis_voting_rules", {"examples": Counters.examples, "steps": Counters.steps,
                                               "refused_as_the_model_said": Counters.refusals,
                                               "votes_set": Counters.votes_set,
                                               "dots_moved_by_merges": Counters.dots_moved_by_merges,
                                               "dots_returned_by_hides": Counters.dots_returned_by_hides})
    assert Counters.examples >= EXAMPLES and Counters.steps > EXAMPLES * 5
