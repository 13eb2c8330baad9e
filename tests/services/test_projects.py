"""Proposals: who may propose and edit when, retries, hiding and merging duplicates."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from app.errors import Conflict, Forbidden, Invalid, NotFound
from app.models.project import ProjectCreate, ProjectUpdate
from app.services import projects, results, voting
from app.services.access import Actor, Role
from tests.factories import FACILITATOR, make_participant, make_project, make_workshop


def test_participants_propose_only_while_proposing(session: Session) -> None:
    workshop = make_workshop(session, phase="setup")
    somchai = make_participant(session, workshop)
    with pytest.raises(Conflict, match="phase 'setup'"):
        make_project(session, workshop, by=somchai)
    # The facilitator may add in any phase but closed.
    assert make_project(session, workshop).id


def test_nothing_changes_in_a_closed_workshop(session: Session) -> None:
    workshop = make_workshop(session, phase="propose")
    project = make_project(session, workshop)
    workshop.phase = "closed"
    with pytest.raises(Conflict, match="closed"):
        make_project(session, workshop)
    with pytest.raises(Conflict, match="closed"):
        projects.hide_project(session, workshop=workshop, actor=FACILITATOR, project_id=project.id)


def test_only_the_facilitator_moderates_whoever_calls_the_service(session: Session) -> None:
    """The rule lives in the service too, not only in the routes: a script acting for a
    participant or the screen is refused and nothing changes."""
    workshop = make_workshop(session, phase="propose")
    somchai = Actor(Role.participant, make_participant(session, workshop))
    duplicate, kept = make_project(session, workshop, "A"), make_project(session, workshop, "B")
    for who in (somchai, Actor(Role.screen)):
        with pytest.raises(Forbidden, match="Only the facilitator may merge projects"):
            projects.merge_projects(session, workshop=workshop, actor=who, project_id=duplicate.id, into_id=kept.id)
        with pytest.raises(Forbidden, match="Only the facilitator may hide projects"):
            projects.hide_project(session, workshop=workshop, actor=who, project_id=duplicate.id)
    assert [p.title for p in projects.list_projects(session, workshop=workshop)] == ["A", "B"]


def test_a_retried_submission_makes_one_project(session: Session) -> None:
    workshop = make_workshop(session, phase="propose")
    somchai = make_participant(session, workshop)
    first = make_project(session, workshop, by=somchai, client_request_id="tap-1")
    again, created = projects.create_project(
        session, workshop=workshop, actor=Actor(Role.participant, somchai),
        project_in=ProjectCreate(title="โครงการทดสอบ", client_request_id="tap-1"))
    assert (again.id, created) == (first.id, False)
    assert len(projects.list_projects(session, workshop=workshop)) == 1


def test_tags_must_belong_to_the_workshop(session: Session) -> None:
    workshop, other = make_workshop(session, phase="propose"), make_workshop(session)
    foreign = results.compute(session, workshop=other).strategies[0].id
    with pytest.raises(Invalid, match="Unknown strategy"):
        projects.create_project(session, workshop=workshop, actor=FACILITATOR,
                                project_in=ProjectCreate(title="x", strategy_ids=[foreign]))


def test_a_proposer_edits_their_own_proposal_only_while_proposing(session: Session) -> None:
    workshop = make_workshop(session, phase="propose")
    somchai, somying = make_participant(session, workshop, "สมชาย"), make_participant(session, workshop, "สมหญิง")
    project = make_project(session, workshop, by=somchai)
    edited = projects.update_project(session, workshop=workshop, actor=Actor(Role.participant, somchai),
                                     project_id=project.id, project_in=ProjectUpdate(title="ชื่อใหม่"))
    assert edited.title == "ชื่อใหม่"
    with pytest.raises(Forbidden):
        projects.update_project(session, workshop=workshop, actor=Actor(Role.participant, somying),
                                project_id=project.id, project_in=ProjectUpdate(title="ของฉัน"))
    workshop.phase = "vote"
    with pytest.raises(Conflict, match="phase 'vote'"):
        projects.update_project(session, workshop=workshop, actor=Actor(Role.participant, somchai),
                                project_id=project.id, project_in=ProjectUpdate(title="สาย"))


def test_hiding_a_project_returns_its_dots_to_their_owners(session: Session) -> None:
    workshop = make_workshop(session, phase="vote")
    project = make_project(session, workshop)
    voter = make_participant(session, workshop)
    voting.set_dots(session, workshop=workshop, participant=voter, project_id=project.id, dots=3)
    projects.hide_project(session, workshop=workshop, actor=FACILITATOR, project_id=project.id)
    mine = voting.my_votes(session, workshop=workshop, participant=voter)
    assert (mine.used, mine.remaining) == (0, 5)
    assert projects.list_projects(session, workshop=workshop) == []
    assert projects.list_projects(session, workshop=workshop, include_removed=True)[0].hidden


def test_merging_unites_tags_and_sums_dots_clipped_to_the_cap(session: Session) -> None:
    workshop = make_workshop(session, phase="vote", dots_per_participant=10, max_dots_per_project=3)
    duplicate = make_project(session, workshop, "ศูนย์ดิจิทัลชุมชน", strategies=["S3"], areas=["R9"])
    survivor = make_project(session, workshop, "ศูนย์ดิจิทัลชุมชน (ชุมชน)", strategies=["S2", "S4"], areas=["R8"])
    both, only_duplicate = make_participant(session, workshop, "A"), make_participant(session, workshop, "B")
    voting.set_dots(session, workshop=workshop, participant=both, project_id=duplicate.id, dots=2)
    voting.set_dots(session, workshop=workshop, participant=both, project_id=survivor.id, dots=2)
    voting.set_dots(session, workshop=workshop, participant=only_duplicate, project_id=duplicate.id, dots=3)

    merged = projects.merge_projects(session, workshop=workshop, actor=FACILITATOR,
                                     project_id=duplicate.id, into_id=survivor.id)

    public = projects.public(session, merged)
    codes = {s.id: s.code for s in results.compute(session, workshop=workshop).strategies}
    assert sorted(codes[i] for i in public.strategy_ids) == ["S2", "S3", "S4"]
    assert len(public.reform_area_ids) == 2
    # 2 + 2 = 4 clipped to the cap of 3; the clipped dot is back in A's budget.
    assert voting.my_votes(session, workshop=workshop, participant=both).allocations == {str(survivor.id): 3}
    assert voting.my_votes(session, workshop=workshop, participant=both).remaining == 7
    assert voting.my_votes(session, workshop=workshop, participant=only_duplicate).allocations == {
        str(survivor.id): 3}
    ranking = results.to_public(results.compute(session, workshop=workshop)).ranking
    assert [(r.project_id, r.dots, r.voters) for r in ranking] == [(survivor.id, 6, 2)]


@pytest.mark.parametrize("case", ["itself", "hidden target", "already merged"])
def test_merges_that_make_no_sense_are_refused(session: Session, case: str) -> None:
    workshop = make_workshop(session, phase="propose")
    a, b, c = (make_project(session, workshop, t) for t in "ABC")
    if case == "itself":
        with pytest.raises(Invalid):
            projects.merge_projects(session, workshop=workshop, actor=FACILITATOR, project_id=a.id, into_id=a.id)
    elif case == "hidden target":
        projects.hide_project(session, workshop=workshop, actor=FACILITATOR, project_id=b.id)
        with pytest.raises(NotFound):
            projects.merge_projects(session, workshop=workshop, actor=FACILITATOR, project_id=a.id, into_id=b.id)
    else:
        projects.merge_projects(session, workshop=workshop, actor=FACILITATOR, project_id=a.id, into_id=b.id)
        with pytest.raises(NotFound):
            projects.merge_projects(session, workshop=workshop, actor=FACILITATOR, project_id=a.id, into_id=c.id)
