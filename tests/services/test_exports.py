"""Exports a planning office takes home (JSON, CSV, XLSX), and the import that rebuilds one."""

from __future__ import annotations

import copy
import csv
import io
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import openpyxl
import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from app.errors import Invalid
from app.models import Participant, Phase, Project, Workshop
from app.models.participant import ParticipantJoin
from app.models.project import ProjectCreate
from app.models.vote import Results
from app.models.workshop import CustomFramework, WorkshopCreate
from app.services import access, participants, projects, results, voting, workshops
from app.services.exports import csv_export, json_export, json_import, tables, xlsx_export
from app.services.access import Actor, Role

FACILITATOR = Actor(Role.facilitator)
# The sheets a Thai planning office opens (named in the workshop's language).
SHEETS = ["โครงการ", "การจัดลำดับ", "ความครอบคลุม", "จำนวนจุดต่อผู้เข้าร่วม"]
# The projects table's headers as a Thai planning office reads them, and the short keys these
# tests use for them.
THAI_COLUMNS = {"ลำดับ": "rank", "รหัสโครงการ": "project_id", "ชื่อโครงการ": "title", "รายละเอียด": "description",
                "หน่วยงาน": "agency", "ยุทธศาสตร์": "strategies", "ด้านการปฏิรูป": "reform_areas", "จุด": "dots",
                "ผู้ลงคะแนน": "voters", "ผู้เสนอ": "proposer", "วันเวลาที่เสนอ": "created_at", "สถานะ": "status"}
ENGLISH_COLUMNS = {"Rank": "rank", "Project ID": "project_id", "Project title": "title", "Description": "description",
                   "Agency": "agency", "Strategies": "strategies", "Reform areas": "reform_areas", "Dots": "dots",
                   "Voters": "voters", "Proposer": "proposer", "Proposed at": "created_at", "Status": "status"}
ACTIVE, HIDDEN, MERGED_INTO = "อยู่ในการจัดลำดับ", "ซ่อนแล้ว", "รวมเข้ากับ #{}"


# --- small factories ---


@dataclass
class Story:
    """A workshop that has been run, with its people and projects at hand by name."""

    workshop: Workshop
    people: dict[str, Participant] = field(default_factory=dict)
    projects: dict[str, Project] = field(default_factory=dict)


def make_workshop(session: Session, **fields: object) -> Workshop:
    workshop, _facilitator_key, _screen_key = workshops.create_workshop(
        session, workshop_in=WorkshopCreate(**{"title": "แผนดิจิทัล 2570", **fields})
    )
    return workshop


def join(session: Session, story: Story, name: str, agency: str = "") -> None:
    story.people[name], _token = participants.join(
        session, workshop=story.workshop, join_in=ParticipantJoin(name=name, agency=agency)
    )


def propose(
    session: Session,
    story: Story,
    key: str,
    title: str,
    *,
    by: str | None = None,
    strategies: tuple[str, ...] = (),
    reform_areas: tuple[str, ...] = (),
    **fields: str,
) -> None:
    """Propose a project, tagging it by strategy and reform-area codes."""
    workshop = story.workshop
    actor = Actor(Role.participant, story.people[by]) if by else FACILITATOR
    project_in = ProjectCreate(
        title=title,
        strategy_ids=[
            s.id
            for s in workshops.list_strategies(session, workshop=workshop)
            if s.code in strategies
        ],
        reform_area_ids=[
            r.id
            for r in workshops.list_reform_areas(session, workshop=workshop)
            if r.code in reform_areas
        ],
        **fields,
    )
    story.projects[key], _created = projects.create_project(
        session, workshop=workshop, actor=actor, project_in=project_in
    )


def vote(session: Session, story: Story, ballots: dict[str, dict[str, int]]) -> None:
    for name, dots_by_project in ballots.items():
        for key, dots in dots_by_project.items():
            voting.set_dots(
                session,
                workshop=story.workshop,
                participant=story.people[name],
                project_id=story.projects[key].id,
                dots=dots,
            )


def set_phase(session: Session, story: Story, phase: Phase) -> None:
    workshops.set_phase(session, workshop=story.workshop, actor=FACILITATOR, phase=phase)


@pytest.fixture
def thai_workshop(session: Session) -> Story:
    """The ministry's workshop on the national framework: three tied leaders, a merge, a hide."""
    story = Story(
        make_workshop(session, agencies=["สำนักงานสถิติแห่งชาติ", "สำนักงานรัฐบาลอิเล็กทรอนิกส์ (EGA)"])
    )
    set_phase(session, story, Phase.propose)
    join(session, story, "สมชาย ใจดี", "สำนักงานสถิติแห่งชาติ")
    join(session, story, "Nok", "EGA")
    join(session, story, "ดาว")
    propose(
        session,
        story,
        "law",
        "พัฒนา ปรับปรุงกฎหมายที่สำคัญในการผลักดันด้านเศรษฐกิจดิจิทัล",
        by="สมชาย ใจดี",
        strategies=("S1", "S2", "S6"),
        reform_areas=("R3",),
    )
    propose(
        session,
        story,
        "cyber",
        "จัดหาระบบวิเคราะห์ข้อมูลด้านอาชญากรรมทางเทคโนโลยี",
        by="Nok",
        strategies=("S1",),
        reform_areas=("R4",),
    )
    propose(session, story, "coding", "โครงการ Coding Nation", strategies=("S3",))
    propose(
        session,
        story,
        "eec",
        "โครงการพัฒนาเมืองอัจฉริยะในพื้นที่ EEC",
        by="ดาว",
        strategies=("S2",),
        reform_areas=("R5",),
        description="เมืองอัจฉริยะ\nในพื้นที่ระเบียงเศรษฐกิจ",
    )
    propose(
        session,
        story,
        "copy",
        "Coding Nation (ซ้ำ)",
        by="ดาว",
        strategies=("S3",),
        reform_areas=("R9",),
    )
    propose(session, story, "test", "ทดสอบระบบ")
    set_phase(session, story, Phase.vote)
    vote(
        session,
        story,
        {
            "สมชาย ใจดี": {"law": 3, "cyber": 2},
            "Nok": {"law": 1, "coding": 2, "copy": 2},
            "ดาว": {"cyber": 2, "coding": 1, "test": 1},
        },
    )
    projects.merge_projects(
        session,
        workshop=story.workshop,
        actor=FACILITATOR,
        project_id=story.projects["copy"].id,
        into_id=story.projects["coding"].id,
    )
    projects.hide_project(session, workshop=story.workshop, actor=FACILITATOR, project_id=story.projects["test"].id)
    set_phase(session, story, Phase.results)
    return story


@pytest.fixture
def english_workshop(session: Session) -> Story:
    """A custom English framework; a chain of merges into later projects; a tie decided by id."""
    framework = CustomFramework(
        strategies=[{"code": "G1", "name": "Growth"}, {"code": "G2", "name": "Inclusion"}],
        reform_areas=[{"code": "L", "name": "Law"}, {"code": "D", "name": "Data"}],
    )
    story = Story(
        make_workshop(
            session,
            title="Digital plan 2027",
            language="en",
            framework=framework,
            agencies=["Ministry of Finance", "NSO"],
            dots_per_participant=6,
            max_dots_per_project=4,
            show_live_tallies=False,
        )
    )
    set_phase(session, story, Phase.propose)
    join(session, story, "Alice", "NSO")
    join(session, story, "Bob", "Ministry of Finance")
    join(session, story, "Chai")
    propose(
        session,
        story,
        "portal",
        "Open data portal",
        by="Alice",
        strategies=("G1",),
        reform_areas=("D",),
    )
    propose(
        session, story, "tax", "Tax e-filing", by="Bob", strategies=("G1",), reform_areas=("L",)
    )
    propose(session, story, "wifi", "School wifi", by="Chai", strategies=("G2",))
    propose(
        session,
        story,
        "copy",
        "Broadband for schools (copy)",
        by="Alice",
        strategies=("G2",),
        reform_areas=("D",),
    )
    propose(session, story, "broadband", "Broadband for schools", strategies=("G2",))
    propose(session, story, "idle", "Nobody's favourite", by="Bob")
    propose(session, story, "rejected", "Out of scope", by="Bob")
    # Portal and tax will tie on dots and voters: with one created_at, the lower id goes first.
    same_moment = datetime(2027, 1, 5, 9, 30, tzinfo=UTC)
    for key in ("portal", "tax"):
        story.projects[key].created_at = same_moment
        session.add(story.projects[key])
    session.commit()
    set_phase(session, story, Phase.vote)
    vote(
        session,
        story,
        {
            "Alice": {"portal": 2, "tax": 2, "wifi": 1},
            "Bob": {"portal": 2, "tax": 2, "copy": 1, "rejected": 1},
            "Chai": {"broadband": 3, "wifi": 2},
        },
    )
    for source, target in (("wifi", "copy"), ("copy", "broadband")):
        projects.merge_projects(
            session,
            workshop=story.workshop,
        actor=FACILITATOR,
            project_id=story.projects[source].id,
            into_id=story.projects[target].id,
        )
    projects.hide_project(
        session, workshop=story.workshop, actor=FACILITATOR, project_id=story.projects["rejected"].id
    )
    set_phase(session, story, Phase.results)
    return story


def outcome(session: Session, workshop: Workshop) -> Results:
    return results.to_public(results.compute(session, workshop=workshop))


def as_file(data: dict) -> dict:
    """What a reader gets back from the downloaded file."""
    return json.loads(json.dumps(data, ensure_ascii=False))


def count(session: Session, model: type) -> int:
    return session.exec(select(func.count()).select_from(model)).one()


def read_csv(raw: bytes) -> list[dict[str, str]]:
    """The CSV's rows by column, the Thai or English headers read as the short keys above."""
    keys = {**THAI_COLUMNS, **ENGLISH_COLUMNS}
    return [{keys.get(k, k): v for k, v in row.items()}
            for row in csv.DictReader(io.StringIO(raw.decode("utf-8-sig")))]


def open_workbook(raw: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(raw))


# --- JSON export ---


def test_the_json_export_keeps_every_project_and_no_secret(
    session: Session, thai_workshop: Story
) -> None:
    data = json_export.export_data(session, workshop=thai_workshop.workshop)

    assert (data["format"], data["version"]) == ("ruamkit-workshop", 1)
    assert data["workshop"]["phase"] == "results"
    assert data["workshop"]["language"] == "th"
    assert [s["code"] for s in data["strategies"]] == ["S1", "S2", "S3", "S4", "S5", "S6"]
    assert data["strategies"][0] | {"id": 0} == {
        "id": 0,
        "code": "S1",
        "parent_id": None,
        "name_th": "ด้านความมั่นคง",
        "name_en": "Security",
        "name": "ด้านความมั่นคง",
    }
    assert [a["name"] for a in data["agencies"]] == [
        "สำนักงานสถิติแห่งชาติ",
        "สำนักงานรัฐบาลอิเล็กทรอนิกส์ (EGA)",
    ]
    assert [set(p) for p in data["participants"]] == [{"id", "name", "agency", "created_at"}] * 3
    by_title = {p["title"]: p for p in data["projects"]}
    assert len(by_title) == 6
    assert by_title["ทดสอบระบบ"]["hidden"] is True
    assert by_title["Coding Nation (ซ้ำ)"]["merged_into_id"] == thai_workshop.projects["coding"].id
    assert datetime.fromisoformat(by_title["ทดสอบระบบ"]["created_at"]).tzinfo is not None
    assert {
        "participant_id": thai_workshop.people["Nok"].id,
        "project_id": thai_workshop.projects["coding"].id,
        "dots": 3,
        "round": 1,
    } in data["votes"]
    assert data["results"] == outcome(session, thai_workshop.workshop).model_dump(mode="json")
    assert as_file(data) == data
    text = json.dumps(data)
    assert "token" not in text and "hash" not in text


# --- import ---


def same_results(session: Session, original: Workshop, imported: Workshop, data: dict) -> None:
    """Results equal once ids are mapped: projects and tags matched by position in id order."""
    new = json_export.export_data(session, workshop=imported)
    ids = {}
    for kind in ("projects", "strategies", "reform_areas"):
        old_entries, new_entries = (sorted(d[kind], key=lambda e: e["id"]) for d in (data, new))
        assert [e.get("title") or e["code"] for e in old_entries] == [
            e.get("title") or e["code"] for e in new_entries
        ]
        ids[kind] = {o["id"]: n["id"] for o, n in zip(old_entries, new_entries, strict=True)}
    project, strategy, area = ids["projects"], ids["strategies"], ids["reform_areas"]
    before, after = outcome(session, original), outcome(session, imported)

    assert after.phase == before.phase
    assert [(r.rank, r.title, r.dots, r.voters) for r in after.ranking] == [
        (r.rank, r.title, r.dots, r.voters) for r in before.ranking
    ]
    assert [(r.project_id, r.strategy_ids, r.reform_area_ids) for r in after.ranking] == [
        (
            project[r.project_id],
            [strategy[i] for i in r.strategy_ids],
            [area[i] for i in r.reform_area_ids],
        )
        for r in before.ranking
    ]
    assert after.by_strategy == {
        str(strategy[int(sid)]): [project[p] for p in ranked]
        for sid, ranked in before.by_strategy.items()
    }
    assert [c.model_dump() for c in after.coverage] == [
        {
            **c.model_dump(),
            "strategy_id": strategy[c.strategy_id],
            "reform_area_id": area[c.reform_area_id],
        }
        for c in before.coverage
    ]
    # Hidden and merged-away projects come along too, pointing at their new ids.
    assert sorted(
        (p["title"], p["hidden"], p["merged_into_id"]) for p in new["projects"]
    ) == sorted(
        (p["title"], p["hidden"], project.get(p["merged_into_id"])) for p in data["projects"]
    )


@pytest.mark.parametrize("story_name", ["thai_workshop", "english_workshop"])
def test_an_exported_workshop_imported_again_has_equal_results(
    session: Session, request: pytest.FixtureRequest, story_name: str
) -> None:
    story: Story = request.getfixturevalue(story_name)
    data = as_file(json_export.export_data(session, workshop=story.workshop))

    imported, facilitator_key, screen_key = json_import.import_workshop(session, data=data)

    assert imported.id != story.workshop.id and imported.code != story.workshop.code
    same_results(session, story.workshop, imported, data)
    for setting in (
        "title",
        "description",
        "language",
        "phase",
        "framework",
        "dots_per_participant",
        "max_dots_per_project",
        "show_live_tallies",
    ):
        assert getattr(imported, setting) == getattr(story.workshop, setting)
    assert access.identify(session, workshop=imported, key=facilitator_key) == FACILITATOR
    assert access.identify(session, workshop=imported, key=screen_key) == Actor(Role.screen)
    # Imported participants cannot sign in: their tokens stayed behind.
    assert [p.token_hash for p in participants.list_participants(session, workshop=imported)] == [
        None
    ] * 3


def test_an_english_import_keeps_both_languages_of_its_framework(
    session: Session, english_workshop: Story
) -> None:
    data = as_file(json_export.export_data(session, workshop=english_workshop.workshop))

    imported, _, _ = json_import.import_workshop(session, data=data)

    described = workshops.describe(session, workshop=imported)
    assert [(s.code, s.name) for s in described.strategies] == [
        ("G1", "Growth"),
        ("G2", "Inclusion"),
    ]
    assert [a.name for a in described.agencies] == ["Ministry of Finance", "NSO"]
    first = workshops.list_strategies(session, workshop=imported)[0]
    assert (first.name_th, first.name_en) == (None, "Growth")
    ranking = outcome(session, imported).ranking
    # Portal and tax tie on dots, voters and created_at: still decided by the order of their ids.
    assert [(r.rank, r.title) for r in ranking[:3]] == [
        (1, "Broadband for schools"),
        (2, "Open data portal"),
        (2, "Tax e-filing"),
    ]


def test_an_import_draws_another_join_code_when_its_first_is_taken(
    session: Session, english_workshop: Story, monkeypatch: pytest.MonkeyPatch
) -> None:
    codes = iter([english_workshop.workshop.code, "ABCDEF"])
    monkeypatch.setattr(workshops, "new_code", lambda: next(codes))

    imported, _, _ = json_import.import_workshop(
        session, data=as_file(json_export.export_data(session, workshop=english_workshop.workshop))
    )

    assert imported.code == "ABCDEF"
    assert count(session, Workshop) == 2


Malformation = Callable[[dict], object]
MALFORMED: dict[str, tuple[Malformation, str]] = {}


def malformed(reason: str) -> Callable[[Malformation], Malformation]:
    """Register a way of spoiling a good export, with the words the refusal must contain."""

    def register(spoil: Malformation) -> Malformation:
        MALFORMED[spoil.__name__] = (spoil, reason)
        return spoil

    return register


def titled(data: dict, title: str) -> dict:
    return next(p for p in data["projects"] if p["title"] == title)


def person(data: dict, name: str) -> dict:
    return next(p for p in data["participants"] if p["name"] == name)


LAW = "พัฒนา ปรับปรุงกฎหมายที่สำคัญในการผลักดันด้านเศรษฐกิจดิจิทัล"


@malformed("not a ruamkit workshop export")
def a_trello_board(data: dict) -> dict:
    return {**data, "format": "trello-board"}


@malformed("not a ruamkit workshop export")
def a_list_of_exports(data: dict) -> list:
    return [data]


@malformed("has version 2")
def an_export_from_a_newer_ruamkit(data: dict) -> dict:
    return {**data, "version": 2}


@malformed("projects[0].title: String should have at most 500 characters")
def a_title_too_long(data: dict) -> None:
    titled(data, LAW)["title"] = "ก" * 501


@malformed("votes[0].participant_id: Input should be a valid integer")
def an_id_written_as_text(data: dict) -> None:
    data["votes"][0]["participant_id"] = str(data["votes"][0]["participant_id"])


@malformed("hiden: Extra inputs are not permitted")
def a_misspelt_field(data: dict) -> None:
    titled(data, LAW)["hiden"] = True


@malformed("created_at: Input should have timezone info")
def a_date_without_its_timezone(data: dict) -> None:
    person(data, "Nok")["created_at"] = "2027-01-05T09:30:00"


@malformed("strategies[1]: needs a name in Thai (name_th) or English (name_en)")
def a_strategy_without_a_name(data: dict) -> None:
    data["strategies"][1].update(name_th=None, name_en=None)


@malformed("is tagged with strategy 999999, which is not in the export")
def a_tag_that_does_not_exist(data: dict) -> None:
    titled(data, LAW)["strategy_ids"].append(999999)


@malformed("was proposed by participant 999999, who is not in the export")
def a_proposer_who_never_joined(data: dict) -> None:
    titled(data, LAW)["proposer_id"] = 999999


@malformed("Two projects have the id")
def two_projects_with_one_id(data: dict) -> None:
    titled(data, "ทดสอบระบบ")["id"] = titled(data, LAW)["id"]


@malformed("Two strategies have the code s1")
def two_strategies_with_one_code(data: dict) -> None:
    data["strategies"][1]["code"] = "s1"


@malformed("which is not in the export")
def a_merge_into_a_missing_project(data: dict) -> None:
    titled(data, "Coding Nation (ซ้ำ)")["merged_into_id"] = 999999


@malformed("is merged into itself")
def a_merge_into_itself(data: dict) -> None:
    project = titled(data, "Coding Nation (ซ้ำ)")
    project["merged_into_id"] = project["id"]


@malformed("are merged into each other")
def a_loop_of_merges(data: dict) -> None:
    titled(data, "โครงการ Coding Nation")["merged_into_id"] = titled(data, "Coding Nation (ซ้ำ)")[
        "id"
    ]
    data["votes"] = []


@malformed("who is not in the export")
def a_vote_by_a_stranger(data: dict) -> None:
    data["votes"][0]["participant_id"] = 999999


@malformed("A vote is on project 999999, which is not in the export")
def a_vote_on_a_missing_project(data: dict) -> None:
    data["votes"][0]["project_id"] = 999999


@malformed("which is hidden or merged into another")
def a_vote_on_a_hidden_project(data: dict) -> None:
    data["votes"].append(
        {
            "participant_id": person(data, "ดาว")["id"],
            "project_id": titled(data, "ทดสอบระบบ")["id"],
            "dots": 1,
        }
    )


@malformed("which is hidden or merged into another")
def a_vote_on_a_merged_project(data: dict) -> None:
    data["votes"].append(
        {
            "participant_id": person(data, "ดาว")["id"],
            "project_id": titled(data, "Coding Nation (ซ้ำ)")["id"],
            "dots": 1,
        }
    )


@malformed("two votes on project")
def the_same_vote_twice(data: dict) -> None:
    data["votes"].append(dict(data["votes"][0]))


@malformed("dots: Input should be greater than or equal to 0")
def negative_dots(data: dict) -> None:
    data["votes"][0]["dots"] = -1


@malformed("over the cap of 3 per project")
def a_vote_over_the_cap(data: dict) -> None:
    data["votes"][0]["dots"] = 4


@malformed("over the budget of 5 per participant")
def a_ballot_over_the_budget(data: dict) -> None:
    data["votes"].append(
        {
            "participant_id": person(data, "สมชาย ใจดี")["id"],
            "project_id": titled(data, "โครงการ Coding Nation")["id"],
            "dots": 1,
        }
    )


@pytest.mark.parametrize("spoil", MALFORMED, ids=str)
def test_a_malformed_import_is_refused_with_422_and_nothing_is_written(
    session: Session, thai_workshop: Story, spoil: str
) -> None:
    data = as_file(json_export.export_data(session, workshop=thai_workshop.workshop))
    spoiler, reason = MALFORMED[spoil]
    spoilt = copy.deepcopy(data)
    spoilt = spoiler(spoilt) or spoilt
    before = [count(session, model) for model in (Workshop, Participant, Project)]

    with pytest.raises(Invalid) as refusal:
        json_import.import_workshop(session, data=spoilt)

    assert refusal.value.status_code == 422
    assert reason in refusal.value.detail
    assert refusal.value.detail.endswith(".")
    assert [count(session, model) for model in (Workshop, Participant, Project)] == before


def test_a_loop_of_merges_names_the_two_projects_that_close_it(session: Session, thai_workshop: Story) -> None:
    data = as_file(json_export.export_data(session, workshop=thai_workshop.workshop))
    original, duplicate = titled(data, "โครงการ Coding Nation"), titled(data, "Coding Nation (ซ้ำ)")
    assert duplicate["merged_into_id"] == original["id"]
    original["merged_into_id"] = duplicate["id"]
    data["votes"] = []

    with pytest.raises(Invalid) as refusal:
        json_import.import_workshop(session, data=data)

    named = re.search(r"Projects (\d+) and (\d+) are merged into each other", refusal.value.detail)
    assert named, refusal.value.detail
    assert {int(named[1]), int(named[2])} == {original["id"], duplicate["id"]}


# --- CSV ---


def test_the_planning_office_opens_the_csv_in_a_spreadsheet_and_sees_thai_titles(
    session: Session, thai_workshop: Story
) -> None:
    raw = csv_export.export_csv(session, workshop=thai_workshop.workshop)

    assert raw.startswith("\ufeff".encode())
    assert next(csv.reader(io.StringIO(raw.decode("utf-8-sig")))) == list(THAI_COLUMNS)
    rows = read_csv(raw)
    ranked = [
        (r.rank, r.title, r.dots, r.voters)
        for r in outcome(session, thai_workshop.workshop).ranking
    ]
    assert [
        (int(r["rank"]), r["title"], int(r["dots"]), int(r["voters"])) for r in rows[:4]
    ] == ranked
    law = rows[0]
    assert law["title"] == LAW
    assert law["strategies"] == (
        "S1 ด้านความมั่นคง; S2 ด้านการสร้างความสามารถในการแข่งขัน; "
        "S6 ด้านการปรับสมดุลและพัฒนาระบบการบริหารจัดการภาครัฐ"
    )
    assert law["reform_areas"] == "R3 กฎหมาย"
    assert (law["proposer"], law["agency"], law["status"]) == (
        "สมชาย ใจดี",
        "สำนักงานสถิติแห่งชาติ",
        ACTIVE,
    )
    assert (
        next(r for r in rows if r["project_id"] == str(thai_workshop.projects["eec"].id))[
            "description"
        ]
        == "เมืองอัจฉริยะ\nในพื้นที่ระเบียงเศรษฐกิจ"
    )


def test_hidden_and_merged_projects_follow_the_ranking_without_a_rank(
    session: Session, thai_workshop: Story
) -> None:
    rows = read_csv(csv_export.export_csv(session, workshop=thai_workshop.workshop))

    assert [(r["rank"], r["title"], r["status"]) for r in rows[4:]] == [
        ("", "Coding Nation (ซ้ำ)", MERGED_INTO.format(thai_workshop.projects['coding'].id)),
        ("", "ทดสอบระบบ", HIDDEN),
    ]


def test_the_csv_can_name_tags_in_english_for_a_foreign_partner(
    session: Session, thai_workshop: Story
) -> None:
    rows = read_csv(csv_export.export_csv(session, workshop=thai_workshop.workshop, language="en"))

    assert (
        rows[0]["strategies"]
        == "S1 Security; S2 Competitiveness; S6 Public-sector rebalancing and development"
    )
    assert rows[0]["title"] == LAW  # titles stay as proposed


# --- formula injection ---


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("=1+1", "'=1+1"),
        ("+66 2 141 6800", "'+66 2 141 6800"),
        ("-5", "'-5"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("โครงการ =1", "โครงการ =1"),
        ("", ""),
        (7, 7),
        (None, None),
    ],
)
def test_a_cell_a_spreadsheet_would_run_gets_an_apostrophe(value: object, written: object) -> None:
    assert tables.neutralise_cell(value) == written


HOSTILE = '=HYPERLINK("http://evil.example/steal","คลิกที่นี่")'


@pytest.fixture
def hostile_workshop(session: Session) -> Story:
    story = Story(make_workshop(session))
    set_phase(session, story, Phase.propose)
    join(session, story, "@admin", "+66 2 141 6800")
    propose(
        session, story, "evil", HOSTILE, by="@admin", description="-1+1 ไม่ใช่สูตร", strategies=("S1",)
    )
    set_phase(session, story, Phase.vote)
    vote(session, story, {"@admin": {"evil": 2}})
    return story


def test_a_hostile_title_starting_with_equals_is_written_with_an_apostrophe_in_the_csv(
    session: Session, hostile_workshop: Story
) -> None:
    row = read_csv(csv_export.export_csv(session, workshop=hostile_workshop.workshop))[0]

    assert row["title"] == "'" + HOSTILE
    assert (row["description"], row["agency"], row["proposer"]) == (
        "'-1+1 ไม่ใช่สูตร",
        "'+66 2 141 6800",
        "'@admin",
    )


def test_a_hostile_title_starting_with_equals_is_written_with_an_apostrophe_in_the_workbook(
    session: Session, hostile_workshop: Story
) -> None:
    book = open_workbook(xlsx_export.export_xlsx(session, workshop=hostile_workshop.workshop))

    assert book[SHEETS[0]]["C2"].value == "'" + HOSTILE
    assert book[SHEETS[1]]["B2"].value == "'" + HOSTILE
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{sheet.title}!{cell.coordinate} is a formula"
                assert not (
                    isinstance(cell.value, str) and cell.value.startswith(tables.FORMULA_STARTS)
                )


# --- XLSX ---


def test_the_workbook_has_the_four_sheets_a_planner_expects(
    session: Session, thai_workshop: Story
) -> None:
    book = open_workbook(xlsx_export.export_xlsx(session, workshop=thai_workshop.workshop))

    # Then one sheet per voting round, the list of rounds and the action log.
    assert book.sheetnames == [*SHEETS, "รอบ 1 - ลงจุด", "รอบการลงคะแนน", "บันทึกการดำเนินการ"]
    for sheet in book.worksheets:
        assert all(cell.font.b for cell in sheet[1] if cell.value is not None), sheet.title
        assert sheet.freeze_panes in ("A2", "B2")
        assert 7 <= sheet.column_dimensions["A"].width <= 60  # a rank column is narrow; headers wrap


def test_the_ranking_sheet_matches_the_results_with_thai_text_intact(
    session: Session, thai_workshop: Story
) -> None:
    book = open_workbook(xlsx_export.export_xlsx(session, workshop=thai_workshop.workshop))

    rows = list(book[SHEETS[1]].iter_rows(values_only=True))
    assert rows[0] == ("ลำดับ", "ชื่อโครงการ", "จุด", "ผู้ลงคะแนน", "ยุทธศาสตร์")
    assert [row[:4] for row in rows[1:]] == [
        (r.rank, r.title, r.dots, r.voters)
        for r in outcome(session, thai_workshop.workshop).ranking
    ]
    projects_sheet = list(book[SHEETS[0]].iter_rows(values_only=True))
    assert projects_sheet[0] == tuple(THAI_COLUMNS)
    assert [row[-1] for row in projects_sheet[1:]] == [ACTIVE] * 4 + [
        MERGED_INTO.format(thai_workshop.projects['coding'].id),
        HIDDEN,
    ]


def test_the_coverage_sheet_counts_projects_and_dots_per_strategy_and_reform_area(
    session: Session, thai_workshop: Story
) -> None:
    book = open_workbook(
        xlsx_export.export_xlsx(session, workshop=thai_workshop.workshop, language="en")
    )

    rows = list(book["Coverage"].iter_rows(values_only=True))  # asked in English
    assert rows[0][:4] == (
        "Number of projects",
        "R1 Politics",
        "R2 Public administration",
        "R3 Law",
    )
    assert len(rows[0]) == 12
    counts, dots = rows[1:7], rows[9:15]
    assert rows[8][0] == "Total dots" and book["Coverage"]["A9"].font.b
    assert [row[0] for row in counts] == [row[0] for row in dots]
    assert counts[0][:5] == ("S1 Security", 0, 0, 1, 1)  # law (R3) and cyber (R4)
    assert dots[0][:5] == ("S1 Security", 0, 0, 4, 4)
    cells = {
        (c.strategy_id, c.reform_area_id): (c.projects, c.dots)
        for c in outcome(session, thai_workshop.workshop).coverage
    }
    strategies = workshops.list_strategies(session, workshop=thai_workshop.workshop)
    areas = workshops.list_reform_areas(session, workshop=thai_workshop.workshop)
    assert [list(row[1:]) for row in counts] == [
        [cells[(s.id, r.id)][0] for r in areas] for s in strategies
    ]
    assert [list(row[1:]) for row in dots] == [
        [cells[(s.id, r.id)][1] for r in areas] for s in strategies
    ]


def test_the_dots_sheet_shows_what_each_participant_used_and_has_left(
    session: Session, thai_workshop: Story
) -> None:
    book = open_workbook(xlsx_export.export_xlsx(session, workshop=thai_workshop.workshop))

    rows = list(book[SHEETS[3]].iter_rows(values_only=True))
    assert rows[0][:4] == ("ผู้เข้าร่วม", "หน่วยงาน", "จุดที่ใช้", "จุดคงเหลือ")
    assert rows[0][4] == f"#{thai_workshop.projects['law'].id} {LAW}"
    assert [row[:4] for row in rows[1:]] == [
        ("สมชาย ใจดี", "สำนักงานสถิติแห่งชาติ", 5, 0),
        # Nok typed "EGA": the invited agency's abbreviation, so Nok counts for it.
        ("Nok", "สำนักงานรัฐบาลอิเล็กทรอนิกส์ (EGA)", 4, 1),  # 1 + 2 + 2, 1 clipped when the copy was merged
        ("ดาว", None, 3, 2),  # the dot on the hidden project came back
    ]
    assert rows[1][4:] == (3, 2, None, None)
