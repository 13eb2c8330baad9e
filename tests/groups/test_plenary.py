"""The roll-up: each group's top K (ties at the K-th place all go up) or hand-picked projects
become plenary projects that keep where they came from; a merge in the plenary unites that;
the hall then votes on them with the plenary's own budget."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from app.errors import Conflict, Forbidden, Invalid
from app.models import ActionLogEntry, Participant, Project, Workshop
from app.services import action_log, groups, plenary, results, voting, workshops
from app.services.access import identify
from app.services.plenary import PlenaryIn
from app.models import Phase
from tests.factories import FACILITATOR, make_participant, make_project, make_workshop


def vote(session: Session, workshop: Workshop, who: Participant, project: Project, dots: int) -> None:
    voting.set_dots(session, workshop=workshop, participant=who, project_id=project.id, dots=dots)


def phase(session: Session, workshop: Workshop, to: str) -> None:
    workshops.set_phase(session, workshop=workshop, actor=FACILITATOR, phase=Phase(to))


def lineage_of(session: Session, project: Project) -> list[tuple[str, str, int, int]]:
    """(group, group project title, rank, dots) of each source of a plenary project."""
    rows = plenary.lineage(session, project_ids=[project.id]).get(project.id, [])
    out = []
    for row in rows:
        group = session.get(Workshop, row.group_id)
        source = session.get(Project, row.source_project_id)
        assert group is not None and source is not None
        out.append((group.title, source.title, row.rank, row.dots))
    return out


@pytest.fixture
def event(session: Session) -> tuple[Workshop, Workshop, Workshop]:
    """An event with two groups: North (A 3 dots, B 2, C 2, D 0) and South (E 4, F 1)."""
    event = make_workshop(session, dots_per_participant=5, max_dots_per_project=3)
    north, south = (g.group for g in groups.add_groups(session, event=event, actor=FACILITATOR,
                                                        names=["ภาคเหนือ", "ภาคใต้"]))
    a, b, c, _d = (make_project(session, north, t, strategies=["S1"]) for t in ("A", "B", "C", "D"))
    e, f = (make_project(session, south, t) for t in ("E", "F"))
    for group in (north, south):
        phase(session, group, "vote")
    ann, ben = make_participant(session, north, "Ann"), make_participant(session, north, "Ben")
    cat, dan = make_participant(session, south, "Cat"), make_participant(session, south, "Dan")
    vote(session, north, ann, a, 3)
    vote(session, north, ann, b, 1)
    vote(session, north, ben, b, 1)  # B: 2 dots, 2 voters
    vote(session, north, ben, c, 1)
    vote(session, north, ann, c, 1)  # C: 2 dots, 2 voters: tied with B at rank 2
    vote(session, south, cat, e, 3)
    vote(session, south, dan, e, 1)
    vote(session, south, dan, f, 1)
    return event, north, south


def titles(projects: list[Project]) -> list[str]:
    return [p.title for p in projects]


def test_top_k_takes_every_project_tied_at_the_kth_place(session: Session, event: tuple[Workshop, ...]) -> None:
    hall, _north, _south = event
    promoted = plenary.promote(session, event=hall, actor=FACILITATOR, plenary_in=PlenaryIn(top=2))
    # North: A (rank 1), then B and C share rank 2: all three go up; South: E and F. Group by group.
    assert titles(promoted) == ["A", "B", "C", "E", "F"]
    assert all(p.workshop_id == hall.id for p in promoted)
    assert lineage_of(session, promoted[1]) == [("ภาคเหนือ", "B", 2, 2)]
    assert lineage_of(session, promoted[3]) == [("ภาคใต้", "E", 1, 4)]
    # Tags travel with the copy (the framework is the event's).
    assert results.compute(session, workshop=hall).standings[0].strategy_ids == \
        [workshops.list_strategies(session, workshop=hall)[0].id]
    # Created in a stable order: the plenary's ranking breaks its ties by that order.
    assert [s.project.title for s in results.compute(session, workshop=hall).standings] == ["A", "B", "C", "E", "F"]
    # The action log says who promoted what.
    log = session.exec(select(ActionLogEntry).where(ActionLogEntry.action == "promote_to_plenary")).all()
    assert len(log) == 1 and log[0].who == "facilitator" and action_log.describe(log[0]).startswith("top 2: ")


def test_top_one_takes_one_per_group_when_nobody_ties(session: Session, event: tuple[Workshop, ...]) -> None:
    hall, _north, _south = event
    assert titles(plenary.promote(session, event=hall, actor=FACILITATOR, plenary_in=PlenaryIn(top=1))) == ["A", "E"]


def test_hand_picked_projects_go_up_in_group_and_rank_order(session: Session, event: tuple[Workshop, ...]) -> None:
    hall, north, south = event
    d = next(p for p in session.exec(select(Project).where(Project.workshop_id == north.id, Project.title == "D")))
    f = next(p for p in session.exec(select(Project).where(Project.workshop_id == south.id, Project.title == "F")))
    promoted = plenary.promote(session, event=hall, actor=FACILITATOR, plenary_in=PlenaryIn(project_ids=[f.id, d.id]))
    assert titles(promoted) == ["D", "F"]
    assert lineage_of(session, promoted[0]) == [("ภาคเหนือ", "D", 4, 0)]
    with pytest.raises(Invalid):  # a plenary project is no group project to promote
        plenary.promote(session, event=hall, actor=FACILITATOR, plenary_in=PlenaryIn(project_ids=[promoted[0].id]))


def test_promoting_again_makes_no_duplicate(session: Session, event: tuple[Workshop, ...]) -> None:
    hall, _north, _south = event
    first = plenary.promote(session, event=hall, actor=FACILITATOR, plenary_in=PlenaryIn(top=1))
    again = plenary.promote(session, event=hall, actor=FACILITATOR, plenary_in=PlenaryIn(top=2))
    assert again[0].id == first[0].id  # A is answered, not copied again
    assert titles(again) == ["A", "B", "C", "E", "F"]
    assert len(results.compute(session, workshop=hall).standings) == 5


def test_a_merge_in_the_plenary_unites_lineage(session: Session, event: tuple[Workshop, ...]) -> None:
    from app.services import projects

    hall, _north, _south = event
    a, _b, c, e, _f = plenary.promote(session, event=hall, actor=FACILITATOR, plenary_in=PlenaryIn(top=2))
    projects.merge_projects(session, workshop=hall, actor=FACILITATOR, project_id=e.id, into_id=a.id)
    assert lineage_of(session, a) == [("ภาคเหนือ", "A", 1, 3), ("ภาคใต้", "E", 1, 4)]
    projects.merge_projects(session, workshop=hall, actor=FACILITATOR, project_id=a.id, into_id=c.id)
    assert lineage_of(session, c) == [("ภาคเหนือ", "A", 1, 3), ("ภาคเหนือ", "C", 2, 2), ("ภาคใต้", "E", 1, 4)]
    ranking = results.to_public(results.compute(session, workshop=hall)).ranking
    row = next(r for r in ranking if r.project_id == c.id)
    assert [(s.rank, s.dots) for s in row.from_] == [(1, 3), (2, 2), (1, 4)]
    assert row.model_dump()["from"][0]["project_id"] == lineage_of_ids(session, c)[0]
    # Promoting A again finds it in the survivor: nothing new is made.
    assert [p.id for p in plenary.promote(session, event=hall, actor=FACILITATOR, plenary_in=PlenaryIn(top=1))] == \
        [c.id]


def lineage_of_ids(session: Session, project: Project) -> list[int]:
    return [s.source_project_id for s in plenary.lineage(session, project_ids=[project.id])[project.id]]


def test_budgets_per_group_and_plenary_are_separate(session: Session, event: tuple[Workshop, ...]) -> None:
    hall, north, _south = event
    ann = session.exec(select(Participant).where(Participant.name == "Ann")).one()
    # Ann spent all 5 of her group's dots in the group.
    assert voting.my_votes(session, workshop=north, participant=ann).remaining == 0
    with pytest.raises(Conflict):
        vote(session, north, ann, session.exec(select(Project).where(Project.title == "D")).one(), 1)
    promoted = plenary.promote(session, event=hall, actor=FACILITATOR, plenary_in=PlenaryIn(top=2))
    phase(session, hall, "vote")
    # In the plenary she has the plenary's whole budget again.
    vote(session, hall, ann, promoted[0], 3)
    vote(session, hall, ann, promoted[3], 2)
    assert voting.my_votes(session, workshop=hall, participant=ann).remaining == 0
    assert voting.my_votes(session, workshop=north, participant=ann).used == 5
    # The group's ranking is unchanged by the plenary vote, and the plenary's counts only its own.
    assert [s.dots for s in results.compute(session, workshop=north).standings] == [3, 2, 2, 0]
    assert [(s.project.title, s.dots) for s in results.compute(session, workshop=hall).standings][:2] == \
        [("A", 3), ("E", 2)]


def test_only_the_event_s_facilitators_promote(session: Session, event: tuple[Workshop, ...]) -> None:
    hall, north, _south = event
    (made,) = [g for g in groups.add_groups(session, event=hall, actor=FACILITATOR, names=["ภาคกลาง"])]
    group_key = identify(session, workshop=hall, key=made.group_facilitator_key)
    assert group_key is not None
    with pytest.raises(Forbidden):
        plenary.promote(session, event=hall, actor=group_key, plenary_in=PlenaryIn(top=1))
    with pytest.raises(Invalid):  # from a group's console: there is no plenary below a group
        plenary.promote(session, event=north, actor=FACILITATOR, plenary_in=PlenaryIn(top=1))
    lone = make_workshop(session)
    with pytest.raises(Invalid):
        plenary.promote(session, event=lone, actor=FACILITATOR, plenary_in=PlenaryIn(top=1))


def test_cross_group_hints_pair_the_same_idea_in_two_groups(session: Session) -> None:
    hall = make_workshop(session)
    north, south = (g.group for g in groups.add_groups(session, event=hall, actor=FACILITATOR, names=["N", "S"]))
    make_project(session, north, "ศูนย์ข้อมูลสุขภาพผู้สูงอายุแห่งชาติ",
                 description="เชื่อมเวชระเบียนผู้สูงอายุทุกโรงพยาบาล")
    make_project(session, north, "ถนนลาดยางหมู่บ้าน")
    make_project(session, south, "ศูนย์ข้อมูลสุขภาพผู้สูงอายุ", description="เวชระเบียนผู้สูงอายุ เชื่อมโรงพยาบาล")
    make_project(session, south, "ห้องสมุดดิจิทัลโรงเรียน")
    hints = plenary.cross_group_hints(session, event_groups=groups.list_groups(session, event=hall))
    assert [(h.group_a.title, h.group_b.title) for h in hints] == [("N", "S")]
    assert "ผู้สูงอายุ" in hints[0].shared_words
