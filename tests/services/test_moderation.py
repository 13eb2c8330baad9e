"""Moderation rules: pre-moderation and who sees what, approval, pinning and its order,
merging with proposals that wait, and what the big screen may show."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session

from app.errors import Conflict, Invalid
from app.models import Phase
from app.models.workshop import SCREEN_VIEWS, TALLY_VIEWS, WorkshopSettingsUpdate
from app.services import projects, results, voting, workshops
from app.services.access import Actor, Role
from tests.factories import FACILITATOR, make_participant, make_project, make_workshop

SCREEN = Actor(Role.screen)


def titles(items) -> list[str]:  # type: ignore[no-untyped-def]
    return [getattr(item, "project", item).title for item in items]


def test_with_pre_moderation_a_participants_proposal_waits_for_approval(session: Session) -> None:
    workshop = make_workshop(session, phase="propose", premoderate=True)
    malee = make_participant(session, workshop, "มาลี")
    waiting = make_project(session, workshop, "ศูนย์ข้อมูลเกษตร", by=malee)
    by_facilitator = make_project(session, workshop, "แพลตฟอร์มกลาง")
    assert not waiting.approved
    assert by_facilitator.approved  # the facilitator's own proposals need no approval
    assert projects.list_pending(session, workshop=workshop) == [waiting]


def test_without_pre_moderation_proposals_show_at_once(session: Session) -> None:
    workshop = make_workshop(session, phase="propose")
    project = make_project(session, workshop, by=make_participant(session, workshop))
    assert project.approved and projects.list_pending(session, workshop=workshop) == []


def test_a_waiting_proposal_is_seen_by_the_facilitator_and_its_proposer_only(session: Session) -> None:
    workshop = make_workshop(session, phase="propose", premoderate=True)
    malee, somchai = make_participant(session, workshop, "มาลี"), make_participant(session, workshop, "สมชาย")
    make_project(session, workshop, "อนุมัติแล้ว")
    make_project(session, workshop, "ของมาลี รอตรวจ", by=malee)

    def seen_by(actor: Actor) -> list[str]:
        return [p.title for p in projects.visible_to(session, workshop=workshop, actor=actor)]

    assert seen_by(FACILITATOR) == ["อนุมัติแล้ว", "ของมาลี รอตรวจ"]
    assert seen_by(Actor(Role.participant, malee)) == ["อนุมัติแล้ว", "ของมาลี รอตรวจ"]
    assert seen_by(Actor(Role.participant, somchai)) == ["อนุมัติแล้ว"]
    assert seen_by(SCREEN) == ["อนุมัติแล้ว"]
    # The ranking (screen, phones' lists, results) holds approved projects only.
    assert titles(results.compute(session, workshop=workshop).standings) == ["อนุมัติแล้ว"]
    mine = projects.visible_to(session, workshop=workshop, actor=Actor(Role.participant, malee))
    assert [p.approved for p in mine] == [True, False]


def test_approving_shows_the_proposal_everywhere(session: Session) -> None:
    workshop = make_workshop(session, phase="propose", premoderate=True)
    waiting = make_project(session, workshop, "รอตรวจ", by=make_participant(session, workshop))
    projects.approve_project(session, workshop=workshop, actor=FACILITATOR, project_id=waiting.id)
    assert waiting.approved and projects.list_pending(session, workshop=workshop) == []
    assert titles(results.compute(session, workshop=workshop).standings) == ["รอตรวจ"]


def test_rejecting_hides_a_waiting_proposal_and_it_can_come_back_to_the_queue(session: Session) -> None:
    workshop = make_workshop(session, phase="propose", premoderate=True)
    waiting = make_project(session, workshop, "รอตรวจ", by=make_participant(session, workshop))
    projects.hide_project(session, workshop=workshop, actor=FACILITATOR, project_id=waiting.id)
    assert projects.list_pending(session, workshop=workshop) == []
    projects.restore_project(session, workshop=workshop, actor=FACILITATOR, project_id=waiting.id)
    assert projects.list_pending(session, workshop=workshop) == [waiting]


def test_a_proposer_edits_their_waiting_proposal(session: Session) -> None:
    from app.models.project import ProjectUpdate

    workshop = make_workshop(session, phase="propose", premoderate=True)
    malee = make_participant(session, workshop)
    waiting = make_project(session, workshop, "ร่างแรก", by=malee)
    projects.update_project(session, workshop=workshop, actor=Actor(Role.participant, malee),
                            project_id=waiting.id, project_in=ProjectUpdate(title="ร่างที่สอง"))
    assert waiting.title == "ร่างที่สอง" and not waiting.approved  # editing does not approve
    assert [p.title for p in projects.list_by_proposer(session, workshop=workshop, participant_id=malee.id)] == [
        "ร่างที่สอง"]


def test_a_waiting_proposal_takes_no_dots(session: Session) -> None:
    workshop = make_workshop(session, phase="propose", premoderate=True)
    malee = make_participant(session, workshop)
    waiting = make_project(session, workshop, by=malee)
    workshops.set_phase(session, workshop=workshop, actor=FACILITATOR, phase=Phase.vote)
    with pytest.raises(Conflict, match="waiting for the facilitator's approval"):
        voting.set_dots(session, workshop=workshop, participant=malee, project_id=waiting.id, dots=1)
    assert voting.my_votes(session, workshop=workshop, participant=malee).used == 0


def test_merging_a_waiting_duplicate_into_a_shown_project(session: Session) -> None:
    workshop = make_workshop(session, phase="propose", premoderate=True)
    shown = make_project(session, workshop, "ศูนย์ข้อมูลกลาง", strategies=["S1"])
    duplicate = make_project(session, workshop, "ศูนย์ข้อมูลกลางภาครัฐ", strategies=["S2"],
                             by=make_participant(session, workshop))
    survivor = projects.merge_projects(session, workshop=workshop, actor=FACILITATOR,
                                       project_id=duplicate.id, into_id=shown.id)
    assert survivor.id == shown.id and survivor.approved
    assert projects.list_pending(session, workshop=workshop) == []
    assert len(projects.public(session, survivor).strategy_ids) == 2  # tags united


def test_merging_a_shown_project_into_a_waiting_one_shows_the_survivor(session: Session) -> None:
    workshop = make_workshop(session, phase="propose", premoderate=True)
    shown = make_project(session, workshop, "แบบเดิม")
    waiting = make_project(session, workshop, "แบบที่เขียนดีกว่า", by=make_participant(session, workshop))
    survivor = projects.merge_projects(session, workshop=workshop, actor=FACILITATOR,
                                       project_id=shown.id, into_id=waiting.id)
    assert survivor.id == waiting.id and survivor.approved


def test_pinned_projects_come_first_then_by_time(session: Session) -> None:
    workshop = make_workshop(session, phase="propose")
    made = [make_project(session, workshop, title) for title in ("หนึ่ง", "สอง", "สาม", "สี่")]
    for offset, project in enumerate(made):  # one minute apart, in this order
        project.created_at = made[0].created_at + timedelta(minutes=offset)
    projects.set_pinned(session, workshop=workshop, actor=FACILITATOR, project_id=made[2].id, pinned=True)
    projects.set_pinned(session, workshop=workshop, actor=FACILITATOR, project_id=made[0].id, pinned=True)
    assert titles(projects.pinned_first(made)) == ["หนึ่ง", "สาม", "สอง", "สี่"]
    assert titles(projects.pinned_first(made, newest_first=True)) == ["สาม", "หนึ่ง", "สี่", "สอง"]
    projects.set_pinned(session, workshop=workshop, actor=FACILITATOR, project_id=made[2].id, pinned=False)
    assert titles(projects.pinned_first(made, newest_first=True)) == ["หนึ่ง", "สี่", "สาม", "สอง"]


def test_pinning_does_not_change_the_ranking(session: Session) -> None:
    workshop = make_workshop(session, phase="propose")
    first, second = make_project(session, workshop, "ก่อน"), make_project(session, workshop, "หลัง")
    projects.set_pinned(session, workshop=workshop, actor=FACILITATOR, project_id=second.id, pinned=True)
    outcome = results.compute(session, workshop=workshop)
    assert titles(outcome.standings) == ["ก่อน", "หลัง"]  # no dots: proposal order
    assert titles(projects.pinned_first(outcome.standings, project=lambda s: s.project)) == ["หลัง", "ก่อน"]
    assert first.id


def test_a_closed_workshop_refuses_moderation(session: Session) -> None:
    workshop = make_workshop(session, phase="propose", premoderate=True)
    waiting = make_project(session, workshop, by=make_participant(session, workshop))
    workshops.set_phase(session, workshop=workshop, actor=FACILITATOR, phase=Phase.closed)
    with pytest.raises(Conflict, match="closed"):
        projects.approve_project(session, workshop=workshop, actor=FACILITATOR, project_id=waiting.id)
    with pytest.raises(Conflict, match="closed"):
        projects.set_pinned(session, workshop=workshop, actor=FACILITATOR, project_id=waiting.id, pinned=True)
    assert not waiting.approved and not waiting.pinned


def test_pre_moderation_is_a_setting_the_facilitator_turns_on_and_off(session: Session) -> None:
    workshop = make_workshop(session, phase="propose")
    malee = make_participant(session, workshop)
    workshops.update_settings(session, workshop=workshop, actor=FACILITATOR,
                              settings_in=WorkshopSettingsUpdate(premoderate=True))
    assert not make_project(session, workshop, "รอ", by=malee).approved
    workshops.update_settings(session, workshop=workshop, actor=FACILITATOR,
                              settings_in=WorkshopSettingsUpdate(premoderate=False))
    assert make_project(session, workshop, "ขึ้นเลย", by=malee).approved
    # What already waits still waits: nothing reaches the screen without the facilitator.
    assert titles(projects.list_pending(session, workshop=workshop)) == ["รอ"]


@pytest.mark.parametrize(("phase", "shows"), [
    ("setup", "join"), ("propose", "newest"), ("vote", "tallies"), ("results", "slides"), ("closed", "slides"),
])
def test_the_screen_on_auto_follows_the_phase(session: Session, phase: str, shows: str) -> None:
    workshop = make_workshop(session, phase=phase)
    assert workshops.screen_body(workshop) == shows


def test_the_screen_shows_the_view_the_facilitator_chose(session: Session) -> None:
    workshop = make_workshop(session, phase="propose")
    for view in SCREEN_VIEWS:
        workshops.set_screen_view(session, workshop=workshop, actor=FACILITATOR, view=view)
        assert workshops.screen_body(workshop) == ("newest" if view == "auto" else view)
    with pytest.raises(Invalid, match="Unknown screen view"):
        workshops.set_screen_view(session, workshop=workshop, actor=FACILITATOR, view="everything")
    assert workshop.screen_view == SCREEN_VIEWS[-1]  # unchanged


@pytest.mark.parametrize("view", sorted(SCREEN_VIEWS))
def test_blind_voting_hides_every_view_that_shows_dots_or_scores(session: Session, view: str) -> None:
    workshop = make_workshop(session, phase="vote", show_live_tallies=False)
    workshops.set_screen_view(session, workshop=workshop, actor=FACILITATOR, view=view)
    hidden = view in TALLY_VIEWS or view == "auto"  # auto in vote is the live tallies
    assert workshops.screen_body(workshop) == ("hidden" if hidden else view)
    # Revealed (or in results), the same view shows.
    workshops.update_settings(session, workshop=workshop, actor=FACILITATOR,
                              settings_in=WorkshopSettingsUpdate(show_live_tallies=True))
    assert workshops.screen_body(workshop) != "hidden"
