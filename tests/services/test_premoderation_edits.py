"""Pre-moderation holds what participants type until the facilitator approves it: a proposer's
edit of an approved proposal (the approved text stays on screen and in the ranking until the
new one is approved), and agency names typed at join (on the screen's agencies view)."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from app.errors import Conflict
from app.services.participation import counts
from app.models import Participant, Project, Workshop
from app.models.project import ProjectUpdate
from app.services import moderation, projects, results, workshops
from app.services.access import Actor, Role
from tests.factories import FACILITATOR, make_participant, make_project, make_workshop


def shown_titles(session: Session, workshop: Workshop) -> list[str]:
    """What the screen, the phones' lists and the ranking show."""
    return [s.project.title for s in results.compute(session, workshop=workshop).standings]


def approved_proposal(session: Session, title: str = "ศูนย์ข้อมูลเกษตร") -> tuple[Workshop, Participant, Project]:
    workshop = make_workshop(session, phase="propose", premoderate=True)
    malee = make_participant(session, workshop, "มาลี")
    project = make_project(session, workshop, title, strategies=["S1"], by=malee)
    projects.approve_project(session, workshop=workshop, actor=FACILITATOR, project_id=project.id)
    return workshop, malee, project


def edit(session: Session, workshop: Workshop, who: Participant | None, project: Project, **fields: object) -> Project:
    actor = Actor(Role.participant, who) if who else FACILITATOR
    return projects.update_project(session, workshop=workshop, actor=actor, project_id=project.id,
                                   project_in=ProjectUpdate(**fields))


def test_a_proposers_edit_of_an_approved_proposal_waits_and_the_approved_text_stays(session: Session) -> None:
    workshop, malee, project = approved_proposal(session)
    edit(session, workshop, malee, project, title="ข้อความที่ยังไม่ผ่านการตรวจ", description="รายละเอียดใหม่")
    assert project.title == "ศูนย์ข้อมูลเกษตร" and project.edit_pending
    assert shown_titles(session, workshop) == ["ศูนย์ข้อมูลเกษตร"]
    assert [p.id for p in projects.list_pending_edits(session, workshop=workshop)] == [project.id]
    assert project.pending_draft.title == "ข้อความที่ยังไม่ผ่านการตรวจ"
    assert projects.public(session, project).edit_pending  # the API says a change waits


def test_approving_the_edit_puts_the_new_text_and_tags_everywhere(session: Session) -> None:
    workshop, malee, project = approved_proposal(session)
    s2 = workshops.list_strategies(session, workshop=workshop)[1].id
    edit(session, workshop, malee, project, title="ฉบับแก้ไข", strategy_ids=[s2])
    assert projects.public(session, project).strategy_ids != [s2]  # tags wait too
    projects.approve_edit(session, workshop=workshop, actor=FACILITATOR, project_id=project.id)
    assert shown_titles(session, workshop) == ["ฉบับแก้ไข"]
    assert projects.public(session, project).strategy_ids == [s2]
    assert not project.edit_pending and projects.list_pending_edits(session, workshop=workshop) == []


def test_the_api_approve_of_a_shown_proposal_approves_its_waiting_edit(session: Session) -> None:
    workshop, malee, project = approved_proposal(session)
    edit(session, workshop, malee, project, title="ฉบับแก้ไข")
    assert shown_titles(session, workshop) == ["ศูนย์ข้อมูลเกษตร"]
    projects.approve_project(session, workshop=workshop, actor=FACILITATOR, project_id=project.id)
    assert shown_titles(session, workshop) == ["ฉบับแก้ไข"]


def test_rejecting_the_edit_keeps_the_approved_text(session: Session) -> None:
    workshop, malee, project = approved_proposal(session)
    edit(session, workshop, malee, project, title="ข้อความที่ไม่เหมาะสม")
    projects.reject_edit(session, workshop=workshop, actor=FACILITATOR, project_id=project.id)
    assert shown_titles(session, workshop) == ["ศูนย์ข้อมูลเกษตร"] and not project.edit_pending
    with pytest.raises(Conflict, match="no edit waiting"):
        projects.approve_edit(session, workshop=workshop, actor=FACILITATOR, project_id=project.id)


def test_a_second_edit_builds_on_the_waiting_one_and_an_edit_back_withdraws_it(session: Session) -> None:
    workshop, malee, project = approved_proposal(session)
    edit(session, workshop, malee, project, title="ร่างสอง")
    edit(session, workshop, malee, project, description="เพิ่มรายละเอียด")
    draft = project.pending_draft
    assert (draft.title, draft.description) == ("ร่างสอง", "เพิ่มรายละเอียด")
    edit(session, workshop, malee, project, title="ศูนย์ข้อมูลเกษตร", description="")
    assert not project.edit_pending


@pytest.mark.parametrize("case", ["waiting proposal", "no pre-moderation", "facilitator"])
def test_edits_that_need_no_approval_apply_at_once(session: Session, case: str) -> None:
    workshop = make_workshop(session, phase="propose", premoderate=case != "no pre-moderation")
    malee = make_participant(session, workshop)
    project = make_project(session, workshop, "ร่างแรก", by=malee)
    if case != "waiting proposal":
        projects.approve_project(session, workshop=workshop, actor=FACILITATOR, project_id=project.id)
    edit(session, workshop, None if case == "facilitator" else malee, project, title="ร่างที่สอง")
    assert project.title == "ร่างที่สอง" and not project.edit_pending


def test_typed_agencies_reach_the_screen_only_once_approved(session: Session) -> None:
    workshop = make_workshop(session, phase="propose", premoderate=True, agencies=["กรมอุตุนิยมวิทยา"],
                             typed_agencies=True)  # names beyond the list are welcome here
    make_participant(session, workshop, "สมชาย", "กรมอุตุนิยมวิทยา")  # on the workshop's list
    make_participant(session, workshop, "มาลี", "หน่วยงานที่พิมพ์เอง")
    make_participant(session, workshop, "สุดา", " หน่วยงานที่พิมพ์เอง ")
    make_participant(session, workshop, "ก้อง", "ข้อความไม่เหมาะสม")
    make_participant(session, workshop, "มานี")

    def screen() -> list[tuple[str, int]]:
        """The screen's rows, by name ("other": typed names not approved, counted together)."""
        rows = moderation.screen_agency_rows(session, workshop=workshop, rows=counts(session, workshop)["agency_rows"])
        return sorted(("other" if name is moderation.OTHER_AGENCIES else name.strip(), joined)
                      for name, joined, _voted in rows)

    assert [(a.name, a.joined) for a in moderation.pending_agencies(session, workshop=workshop)] == [
        ("หน่วยงานที่พิมพ์เอง", 2), ("ข้อความไม่เหมาะสม", 1)]
    assert screen() == [("", 1), ("other", 3), ("กรมอุตุนิยมวิทยา", 1)]
    moderation.review_agency(session, workshop=workshop, actor=FACILITATOR, name="หน่วยงานที่พิมพ์เอง", approved=True)
    moderation.review_agency(session, workshop=workshop, actor=FACILITATOR, name="ข้อความไม่เหมาะสม", approved=False)
    assert moderation.pending_agencies(session, workshop=workshop) == []
    assert screen() == [("", 1), ("other", 1), ("กรมอุตุนิยมวิทยา", 1), ("หน่วยงานที่พิมพ์เอง", 2)]


def test_without_pre_moderation_typed_agencies_show_at_once(session: Session) -> None:
    workshop = make_workshop(session, phase="propose")
    make_participant(session, workshop, "มาลี", "หน่วยงานที่พิมพ์เอง")
    rows = counts(session, workshop)["agency_rows"]
    assert moderation.screen_agency_rows(session, workshop=workshop, rows=rows) == rows
    assert moderation.pending_agencies(session, workshop=workshop) == []
