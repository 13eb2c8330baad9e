"""The priority ranking as API.md defines it, rankings per strategy, and coverage."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session

from app.models import Participant, Workshop
from app.services import results, voting
from tests.factories import make_participant, make_project, make_workshop


def vote(session: Session, workshop: Workshop, who: Participant, project_id: int, dots: int) -> None:
    voting.set_dots(session, workshop=workshop, participant=who, project_id=project_id, dots=dots)


def test_ranking_orders_by_dots_then_voters_with_shared_competition_ranks(session: Session) -> None:
    workshop = make_workshop(session, phase="vote", dots_per_participant=10, max_dots_per_project=5)
    a, b, c, d, e = (make_project(session, workshop, t) for t in "ABCDE")
    ann, ben, cat = (make_participant(session, workshop, n) for n in ("Ann", "Ben", "Cat"))
    vote(session, workshop, ann, a.id, 4)            # A: 4 dots, 1 voter
    vote(session, workshop, ann, b.id, 2)            # B: 4 dots, 2 voters  -> ahead of A
    vote(session, workshop, ben, b.id, 2)
    vote(session, workshop, ben, c.id, 2)            # C: 4 dots, 2 voters  -> shares rank with B
    vote(session, workshop, cat, c.id, 2)
    # D and E have no dots: ranked too, sharing the last rank, earlier proposal first.
    ranking = results.to_public(results.compute(session, workshop=workshop)).ranking
    assert [(r.title, r.rank, r.dots, r.voters) for r in ranking] == [
        ("B", 1, 4, 2), ("C", 1, 4, 2), ("A", 3, 4, 1), ("D", 4, 0, 0), ("E", 4, 0, 0),
    ]
    _ = (d, e)


def test_within_a_shared_rank_the_earlier_proposal_comes_first(session: Session) -> None:
    workshop = make_workshop(session, phase="vote")
    later = make_project(session, workshop, "later")
    earlier = make_project(session, workshop, "earlier")
    earlier.created_at = later.created_at - timedelta(seconds=5)
    session.add(earlier)
    session.commit()
    ranking = results.to_public(results.compute(session, workshop=workshop)).ranking
    assert [r.title for r in ranking] == ["earlier", "later"]


def test_same_created_at_falls_back_to_lower_id(session: Session) -> None:
    workshop = make_workshop(session, phase="vote")
    first, second = make_project(session, workshop, "first"), make_project(session, workshop, "second")
    second.created_at = first.created_at
    session.add(second)
    session.commit()
    assert [r.project_id for r in results.to_public(results.compute(session, workshop=workshop)).ranking] == [
        first.id, second.id]


def test_every_strategy_has_a_list_and_every_pair_a_coverage_cell(session: Session) -> None:
    workshop = make_workshop(session, phase="vote")
    digital_law = make_project(session, workshop, "กฎหมายดิจิทัล", strategies=["S1", "S2"], areas=["R3"])
    water = make_project(session, workshop, "ข้อมูลน้ำ", strategies=["S5"], areas=["R6", "R10"])
    voter = make_participant(session, workshop)
    vote(session, workshop, voter, water.id, 3)
    outcome = results.to_public(results.compute(session, workshop=workshop))
    strategy_by_code = {s.code: s.id for s in results.compute(session, workshop=workshop).strategies}
    assert len(outcome.by_strategy) == 6
    assert outcome.by_strategy[str(strategy_by_code["S1"])] == [digital_law.id]
    assert outcome.by_strategy[str(strategy_by_code["S3"])] == []
    assert len(outcome.coverage) == 6 * 11
    cells = {(c.strategy_id, c.reform_area_id): (c.projects, c.dots) for c in outcome.coverage}
    assert sum(p for p, _ in cells.values()) == 2 + 2  # law: S1xR3, S2xR3; water: S5xR6, S5xR10
    assert sum(d for _, d in cells.values()) == 3 * 2
