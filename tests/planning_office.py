"""The workshop a provincial planning office runs and files (issue 12): a 17-goal framework, 16
real Thai proposals (tests/data/thaime), 8 participants, a merge and a
hidden proposal, a dot round on everything, then a scoring round of the top 5. The figures each
export must show are written down here by hand, not read back from the app."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

from sqlmodel import Session

from app.models import Participant, Phase, Project, Workshop
from app.models.participant import ParticipantJoin
from app.models.project import ProjectCreate
from app.models.round import Criterion, RoundCreate, ScopeIn
from app.models.workshop import CustomFramework, WorkshopCreate
from app.services import participants, projects, round_setup, scoring, voting, workshops
from app.services.access import Actor, Role

FACILITATOR = Actor(Role.facilitator)
THAIME = Path(__file__).parent / "data" / "thaime" / "projects-sample.csv"
TITLE = "แผนปฏิบัติการพัฒนาจังหวัดกาฬสินธุ์ ปีงบประมาณ 2570"
GOALS = [
    "ขจัดความยากจน", "ขจัดความหิวโหย", "สุขภาพและความเป็นอยู่ที่ดี", "การศึกษาที่เท่าเทียม", "ความเท่าเทียมทางเพศ",
    "น้ำสะอาดและการสุขาภิบาล", "พลังงานสะอาดที่ทุกคนเข้าถึงได้", "การจ้างงานที่มีคุณค่าและการเติบโตทางเศรษฐกิจ",
    "อุตสาหกรรม นวัตกรรม และโครงสร้างพื้นฐาน", "ลดความเหลื่อมล้ำ", "เมืองและถิ่นฐานมนุษย์อย่างยั่งยืน",
    "แผนการบริโภคและการผลิตที่ยั่งยืน", "การรับมือการเปลี่ยนแปลงสภาพภูมิอากาศ", "ทรัพยากรทางทะเล",
    "ระบบนิเวศบนบก", "สังคมสงบสุข ยุติธรรม ไม่แบ่งแยก", "ความร่วมมือเพื่อการพัฒนาที่ยั่งยืน",
]
AREAS = ["การเกษตร", "โครงสร้างพื้นฐาน", "สาธารณสุข", "การศึกษา", "การท่องเที่ยว"]
PEOPLE = ["สมชาย", "มาลี", "ดาว", "ประยุทธ", "วิไล", "สุดา", "อนุชา", "กมล"]
# Round 1: who puts how many dots on which proposal (by its place in the list, 0-15); 5 each.
BALLOTS = [{0: 3, 1: 2}, {0: 3, 2: 2}, {0: 2, 1: 3}, {1: 2, 3: 3}, {2: 3, 4: 2}, {3: 2, 5: 3}, {4: 3, 6: 2},
           {7: 1, 8: 1, 9: 1, 10: 1, 11: 1}]
DOTS = {0: 8, 1: 7, 2: 5, 3: 5, 4: 5, 5: 3, 6: 2, 7: 1, 8: 1, 9: 1, 10: 1, 11: 1, 12: 0, 14: 0}
VOTERS = {0: 3, 1: 3, 2: 2, 3: 2, 4: 2, 5: 1, 6: 1, 7: 1, 8: 1, 9: 1, 10: 1, 11: 1, 12: 0, 14: 0}
HIDDEN, MERGED, MERGED_INTO = 13, 15, 14
# Round 2 scores the top 5 of round 1 (0-4): everyone gives the same impact and feasibility.
IMPACT = {0: 2, 1: 5, 2: 4, 3: 3, 4: 1}
FEASIBILITY = {0: 3, 1: 5, 2: 4, 3: 2, 4: 1}
SCORES = {k: (IMPACT[k] + FEASIBILITY[k]) / 2 for k in IMPACT}  # 2.5, 5, 4, 2.5, 1


def thai_titles(count: int = 16) -> list[tuple[str, str]]:
    """Real proposals (title, agency) from the Thai government's project sample, as they are."""
    seen: dict[str, str] = {}
    with THAIME.open(encoding="utf-8") as rows:
        for row in csv.DictReader(rows):
            title = " ".join(row["title"].split())
            if title and title not in seen:
                seen[title] = row["agency"].strip()
            if len(seen) == count:
                break
    return list(seen.items())


@dataclass
class Office:
    workshop: Workshop
    facilitator_key: str
    projects: list[Project] = field(default_factory=list)
    people: list[Participant] = field(default_factory=list)

    @property
    def active(self) -> list[int]:
        """The places (0-15) of the proposals still in play: all but the hidden and merged one."""
        return [k for k in range(16) if k not in (HIDDEN, MERGED)]


def run_workshop(session: Session) -> Office:
    framework = CustomFramework(
        strategies=[{"code": f"G{n}", "name": name} for n, name in enumerate(GOALS, start=1)],
        reform_areas=[{"code": f"R{n}", "name": name} for n, name in enumerate(AREAS, start=1)])
    workshop, key, _screen = workshops.create_workshop(session, workshop_in=WorkshopCreate(
        title=TITLE, framework=framework, dots_per_participant=5, max_dots_per_project=3))
    office = Office(workshop, key)
    workshops.set_phase(session, workshop=workshop, actor=FACILITATOR, phase=Phase.propose)
    goals = workshops.list_strategies(session, workshop=workshop)
    areas = workshops.list_reform_areas(session, workshop=workshop)
    titles = thai_titles()
    for name, (_title, agency) in zip(PEOPLE, titles, strict=False):
        person, _token = participants.join(session, workshop=workshop,
                                           join_in=ParticipantJoin(name=name, agency=agency))
        office.people.append(person)
    for k, (title, agency) in enumerate(titles):
        # Every goal is used: proposal k serves goal k+1 and goal (k+8) mod 17 + 1.
        tags = sorted({goals[k % 17].id, goals[(k + 8) % 17].id})
        project, _created = projects.create_project(
            session, workshop=workshop, actor=Actor(Role.participant, office.people[k % 8]),
            project_in=ProjectCreate(title=title, agency=agency, strategy_ids=tags,
                                     reform_area_ids=[areas[k % 5].id]))
        office.projects.append(project)
    projects.merge_projects(session, workshop=workshop, actor=FACILITATOR,
                            project_id=office.projects[MERGED].id, into_id=office.projects[MERGED_INTO].id)
    projects.hide_project(session, workshop=workshop, actor=FACILITATOR, project_id=office.projects[HIDDEN].id)
    workshops.set_phase(session, workshop=workshop, actor=FACILITATOR, phase=Phase.vote)
    for person, ballot in zip(office.people, BALLOTS, strict=True):
        for k, dots in ballot.items():
            voting.set_dots(session, workshop=workshop, participant=person, project_id=office.projects[k].id,
                            dots=dots)
    round_setup.create_round(session, workshop=workshop, actor=FACILITATOR, round_in=RoundCreate(
        title="คัดเลือก 5 อันดับ", mode="scoring", scope=ScopeIn(top_n=5),
        criteria=[Criterion(key="impact", name="ผลกระทบ"), Criterion(key="feasibility", name="ความเป็นไปได้")]))
    for person in office.people:
        for k in IMPACT:
            scoring.set_scores(session, workshop=workshop, participant=person, project_id=office.projects[k].id,
                               scores={"impact": IMPACT[k], "feasibility": FEASIBILITY[k]})
    return office
