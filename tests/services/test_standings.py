"""One results model across rounds: after a dot round on everything and a scoring round of the
top 5, every proposal still in play is listed once with its round-1 dots and, where it was
short-listed, its round-2 score; a proposal outside the short list has no round-2 measure at all
(blank, never 0). The figures are the ones written down in tests/planning_office.py."""

from __future__ import annotations

import pytest
from sqlalchemy import event
from sqlmodel import Session

from app.errors import NotFound
from app.services import standings
from tests.planning_office import (
    DOTS, FEASIBILITY, HIDDEN, IMPACT, MERGED, MERGED_INTO, SCORES, VOTERS, Office, run_workshop,
)


@pytest.fixture
def office(session: Session) -> Office:
    return run_workshop(session)


def test_every_project_in_play_is_listed_once_with_its_dots_and_its_score(session: Session, office: Office) -> None:
    model = standings.read(session, workshop=office.workshop)

    assert [c.number for c in model.rounds] == [1, 2]
    place = {p.id: k for k, p in enumerate(office.projects)}
    listed = [place[e.project.id] for e in model.entries]
    assert sorted(listed) == office.active  # 14: all but the hidden and the merged-away one
    for entry in model.entries:
        k = place[entry.project.id]
        first = entry.at(1)
        assert first is not None and (first.dots, first.voters) == (DOTS[k], VOTERS[k]), k
        second = entry.at(2)
        if k in SCORES:
            assert second is not None and second.score == pytest.approx(SCORES[k]) and second.scorers == 8
            assert second.means == {"impact": IMPACT[k], "feasibility": FEASIBILITY[k]}
        else:
            assert second is None, f"proposal {k} was not short-listed, yet has a round-2 measure"
    # The short list comes first, in its round-2 order (5, 4, 2.5, 2.5, 1: round 1 breaks the
    # tie at 2.5), then the rest by their round-1 dots; the 1-dot proposals share rank 8.
    assert listed[:5] == [1, 2, 0, 3, 4]
    assert [e.rank for e in model.entries] == [1, 2, 3, 4, 5, 6, 7, 8, 8, 8, 8, 8, 13, 13]
    assert [model.entries[i].at(1).rank for i in range(5)] == [2, 3, 1, 3, 3]  # type: ignore[union-attr]
    # Then the hidden and the merged-away proposal, with their status and no measure.
    assert [(place[e.project.id], e.status, e.measures) for e in model.removed] == [
        (HIDDEN, standings.HIDDEN, {}), (MERGED, standings.MERGED, {})]
    assert model.removed[1].project.merged_into_id == office.projects[MERGED_INTO].id


def test_each_round_has_its_headline_counts(session: Session, office: Office) -> None:
    first, second = standings.read(session, workshop=office.workshop).rounds

    assert (first.scoring, first.projects, first.dots, first.people) == (False, 14, 40, 8)
    assert (second.scoring, second.projects, second.dots, second.people) == (True, 5, 0, 8)
    assert second.scoped and [c.key for c in second.criteria] == ["impact", "feasibility"]


def test_the_model_can_be_limited_to_one_round(session: Session, office: Office) -> None:
    scored = standings.read(session, workshop=office.workshop, round_number=2)
    assert [c.number for c in scored.rounds] == [2] and not scored.many_rounds
    place = {p.id: k for k, p in enumerate(office.projects)}
    assert [place[e.project.id] for e in scored.entries] == [1, 2, 0, 3, 4]
    assert all(e.at(1) is None for e in scored.entries)

    dots = standings.read(session, workshop=office.workshop, round_number=1)
    assert sorted(place[e.project.id] for e in dots.entries) == office.active
    assert [e.rank for e in dots.entries][:5] == [1, 2, 3, 3, 3]

    with pytest.raises(NotFound, match="no voting round 3"):
        standings.read(session, workshop=office.workshop, round_number=3)


def test_the_model_reads_in_a_few_queries_whatever_the_number_of_projects(session: Session, office: Office) -> None:
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", count)
    try:
        standings.read(session, workshop=office.workshop)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    # Projects, tags, rounds, scopes, tallies, scores, people, framework: never one per project.
    assert len(statements) <= 20, statements
