"""Who took part, by agency: the current round's measure (a dot, or a score in a scoring round),
the invited agencies nobody came from, agency names matched however they were typed, and what
a merge does to the agencies and to the dots it gives back."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
from sqlmodel import Session

from app.errors import Invalid
from app.models import Phase
from app.models.round import RoundCreate
from app.services import agencies, participants, participation, projects, round_setup, scoring, voting, workshops
from app.services.exports import json_export, json_import
from tests.factories import FACILITATOR, make_participant, make_project, make_workshop

INVITED = ["กระทรวงดิจิทัลเพื่อเศรษฐกิจและสังคม", "สำนักงานสถิติแห่งชาติ", "กรมอุตุนิยมวิทยา"]


def rows(counts: dict[str, object]) -> list[tuple[str | None, int, int, str]]:
    roster = counts["agency_roster"]
    assert isinstance(roster, list)
    return [(r.name, r.joined, r.voted, r.status) for r in roster]


def test_in_a_scoring_round_voted_counts_the_scorers_and_so_do_the_agencies(session: Session) -> None:
    workshop = make_workshop(session, phase="propose", agencies=INVITED)
    flood = make_project(session, workshop, "ระบบเตือนภัยน้ำท่วม")
    somchai = make_participant(session, workshop, "สมชาย", "กรมอุตุนิยมวิทยา")
    malee = make_participant(session, workshop, "มาลี", "สำนักงานสถิติแห่งชาติ")
    make_participant(session, workshop, "ดาว", "สำนักงานสถิติแห่งชาติ")
    workshops.set_phase(session, workshop=workshop, actor=FACILITATOR, phase=Phase.vote)
    voting.set_dots(session, workshop=workshop, participant=somchai, project_id=flood.id, dots=2)
    dots_round = participation.counts(session, workshop)
    assert (dots_round["measure"], dots_round["voter_count"], dots_round["dots_cast"]) == ("dots", 1, 2)

    round_setup.create_round(session, workshop=workshop, actor=FACILITATOR, round_in=RoundCreate(mode="scoring"))
    for who in (somchai, malee):
        scoring.set_scores(session, workshop=workshop, participant=who, project_id=flood.id,
                           scores={"impact": 4, "feasibility": 3})

    counts = participation.counts(session, workshop)
    assert (counts["measure"], counts["participant_count"], counts["voter_count"], counts["dots_cast"]) == (
        "scoring", 3, 2, 0)
    assert rows(counts) == [
        ("กระทรวงดิจิทัลเพื่อเศรษฐกิจและสังคม", 0, 0, "not_joined"),
        ("สำนักงานสถิติแห่งชาติ", 2, 1, "some_voted"),
        ("กรมอุตุนิยมวิทยา", 1, 1, "all_voted"),
    ]
    # The old (name, joined, voted) rows, for the screens and the report that read them.
    assert counts["agency_rows"] == [(name, joined, voted) for name, joined, voted, _status in rows(counts)]
    assert [(w.name, w.agency) for w in counts["not_voted"]] == [("ดาว", "สำนักงานสถิติแห่งชาติ")]
    assert counts["not_voted_count"] == 1


def test_the_roster_lists_every_invited_agency_then_the_typed_ones(session: Session) -> None:
    workshop = make_workshop(session, phase="vote", agencies=INVITED, typed_agencies=True)
    project = make_project(session, workshop, "คลาวด์กลางภาครัฐ")
    make_participant(session, workshop, "สมชาย", "สำนักงานสถิติแห่งชาติ")
    make_participant(session, workshop, "มาลี", "เทศบาลนครขอนแก่น")
    voter = make_participant(session, workshop, "ก้อง", "เทศบาลนครขอนแก่น")
    make_participant(session, workshop, "นก")
    voting.set_dots(session, workshop=workshop, participant=voter, project_id=project.id, dots=1)

    counts = participation.counts(session, workshop)
    assert rows(counts) == [
        ("กระทรวงดิจิทัลเพื่อเศรษฐกิจและสังคม", 0, 0, "not_joined"),
        ("สำนักงานสถิติแห่งชาติ", 1, 0, "not_voted"),
        ("กรมอุตุนิยมวิทยา", 0, 0, "not_joined"),
        ("เทศบาลนครขอนแก่น", 2, 1, "some_voted"),
        ("", 1, 0, "not_voted"),  # no agency given: last
    ]
    assert [r.invited for r in counts["agency_roster"]] == [True, True, True, False, False]
    assert sorted(w.name for w in counts["not_voted"]) == ["นก", "มาลี", "สมชาย"]
    # The screen and the phones need no roster: only the console asks for it.
    assert participation.counts(session, workshop, by_agency=False)["agency_rows"] == []


def test_the_screen_roster_keeps_unapproved_typed_names_in_one_line(session: Session) -> None:
    workshop = make_workshop(session, phase="vote", agencies=INVITED, typed_agencies=True, premoderate=True)
    make_participant(session, workshop, "มาลี", "ชื่อที่ยังไม่อนุมัติ")
    roster = participation.counts(session, workshop)["agency_roster"]
    shown = participation.screen_roster(session, workshop=workshop, roster=roster)
    assert [(r.name, r.joined) for r in shown] == [(name, 0) for name in INVITED] + [(None, 1)]


@pytest.mark.parametrize(("typed", "meant"), [
    ("กระทรวงดิจิทัลเพื่อเศรษฐกิจและสังคม", 0),
    ("  กระทรวง ดิจิทัลเพื่อเศรษฐกิจ และสังคม ", 0),  # spaces
    ("ดิจิทัลเพื่อเศรษฐกิจและสังคม", 0),  # without กระทรวง
    ("กระทรวงดิจิทัลฯ", 0),  # cut short with ฯ
    ("Ministry of Digital Economy and Society", 0),  # its English name
    ("ministry of digital economy & society.", 0),  # case, "&", punctuation
    ("MDES", 0),  # English initials
    ("สถิติแห่งชาติ", 1),  # without สำนักงาน
    ("สนง.สถิติแห่งชาติ", 1),  # สำนักงาน abbreviated
    ("NSO", 1),
    ("อุตุนิยมวิทยา", 2),  # without กรม
    ("สพร.", 3),  # the abbreviation in brackets
    ("สำนักงานพัฒนารัฐบาลดิจิทัล", 3),  # without the bracketed parts
    ("กรมส่งเสริมการปกครองส่วนท้องถิ่น", 4),  # written both ways
    ("อบจ.มหาสารคาม", 5),
])
def test_a_typed_variant_means_the_invited_agency(typed: str, meant: int) -> None:
    invited = [
        SimpleNamespace(name_th=INVITED[0], name_en="Ministry of Digital Economy and Society"),
        SimpleNamespace(name_th=INVITED[1], name_en="National Statistical Office"),
        SimpleNamespace(name_th=INVITED[2], name_en="Thai Meteorological Department"),
        SimpleNamespace(name_th="สำนักงานพัฒนารัฐบาลดิจิทัล (องค์การมหาชน) (สพร.)", name_en=None),
        SimpleNamespace(name_th="กรมส่งเสริมการปกครองท้องถิ่น", name_en=None),
        SimpleNamespace(name_th="องค์การบริหารส่วนจังหวัดมหาสารคาม", name_en=None),
    ]
    assert agencies.match(invited, typed) is invited[meant]


@pytest.mark.parametrize("typed", ["กรมสรรพากร", "ดิจิทัล", "สำนักงาน", "", "กระทรวง"])
def test_another_agency_or_a_loose_word_matches_nothing(typed: str) -> None:
    invited = [SimpleNamespace(name_th=name, name_en=None) for name in INVITED]
    invited.append(SimpleNamespace(name_th="สำนักงานคณะกรรมการดิจิทัลเพื่อเศรษฐกิจและสังคมแห่งชาติ", name_en=None))
    assert agencies.match(invited, typed) is None


def test_a_loose_spelling_that_fits_two_agencies_matches_neither() -> None:
    invited = [SimpleNamespace(name_th="กระทรวงการคลัง", name_en=None),
               SimpleNamespace(name_th="สำนักงานการคลัง", name_en=None)]
    assert agencies.match(invited, "การคลัง") is None
    assert agencies.match(invited, "กระทรวง การคลัง") is invited[0]


def test_joining_stores_the_invited_agency_however_it_was_typed(session: Session) -> None:
    workshop = make_workshop(session, agencies=INVITED)
    assert make_participant(session, workshop, "สมชาย", "สนง. สถิติแห่งชาติ").agency == "สำนักงานสถิติแห่งชาติ"
    assert make_participant(session, workshop, "มาลี").agency == ""
    english = make_workshop(session, language="en", agencies=["Digital Government Development Agency"])
    assert make_participant(session, english, "Nok", "digital government development agency.").agency == (
        "Digital Government Development Agency")


def test_a_name_off_the_list_is_refused_unless_the_workshop_takes_typed_names(session: Session) -> None:
    closed_list = make_workshop(session, agencies=INVITED)
    with pytest.raises(Invalid) as refused:
        make_participant(session, closed_list, "มาลี", "เทศบาลนครขอนแก่น")
    assert "เทศบาลนครขอนแก่น" in refused.value.detail and "Choose your agency from the list" in refused.value.detail
    assert INVITED[0] in refused.value.detail
    assert participants.list_participants(session, workshop=closed_list) == []

    open_list = make_workshop(session, agencies=INVITED, typed_agencies=True)
    assert make_participant(session, open_list, "มาลี", " เทศบาลนครขอนแก่น ").agency == "เทศบาลนครขอนแก่น"
    no_list = make_workshop(session)  # a workshop without a list always takes typed names
    assert make_participant(session, no_list, "มาลี", "เทศบาลนครขอนแก่น").agency == "เทศบาลนครขอนแก่น"


def test_a_merge_unites_the_agencies_as_co_proposers(session: Session) -> None:
    workshop = make_workshop(session, phase="propose", typed_agencies=True)
    first = make_project(session, workshop, "ศูนย์ข้อมูลน้ำ", agency="กรมชลประทาน")
    second = make_project(session, workshop, "ศูนย์ข้อมูลน้ำแห่งชาติ", agency="กรมทรัพยากรน้ำ")
    third = make_project(session, workshop, "ข้อมูลน้ำกลาง", agency="กรมชลประทาน ")  # the survivor's own, again
    projects.merge_projects(session, workshop=workshop, actor=FACILITATOR, project_id=second.id, into_id=first.id)
    projects.merge_projects(session, workshop=workshop, actor=FACILITATOR, project_id=third.id, into_id=first.id)
    survivor = projects.get_project(session, workshop=workshop, project_id=first.id)
    assert survivor.agencies == ["กรมชลประทาน", "กรมทรัพยากรน้ำ"]
    assert projects.public(session, survivor).co_agencies == ["กรมทรัพยากรน้ำ"]

    # Merged once more into another: that one's co-proposers take both, each once.
    other = make_project(session, workshop, "คลังข้อมูลน้ำ", agency="กรมทรัพยากรน้ำ")
    projects.merge_projects(session, workshop=workshop, actor=FACILITATOR, project_id=first.id, into_id=other.id)
    assert projects.get_project(session, workshop=workshop, project_id=other.id).agencies == [
        "กรมทรัพยากรน้ำ", "กรมชลประทาน"]


def test_a_phone_whose_dots_the_merge_gave_back_is_told_once(session: Session) -> None:
    workshop = make_workshop(session, phase="vote", dots_per_participant=10, max_dots_per_project=3)
    duplicate = make_project(session, workshop, "ศูนย์ดิจิทัลชุมชน")
    survivor = make_project(session, workshop, "ศูนย์ดิจิทัลชุมชนทั่วประเทศ")
    clipped, untouched = make_participant(session, workshop, "สมชาย"), make_participant(session, workshop, "มาลี")
    voting.set_dots(session, workshop=workshop, participant=clipped, project_id=duplicate.id, dots=3)
    voting.set_dots(session, workshop=workshop, participant=clipped, project_id=survivor.id, dots=2)
    voting.set_dots(session, workshop=workshop, participant=untouched, project_id=duplicate.id, dots=1)

    projects.merge_projects(session, workshop=workshop, actor=FACILITATOR, project_id=duplicate.id,
                            into_id=survivor.id)

    notice = participants.take_notice(session, participant=clipped)
    assert notice is not None
    assert "“ศูนย์ดิจิทัลชุมชน” ถูกรวมเข้ากับ “ศูนย์ดิจิทัลชุมชนทั่วประเทศ”" in notice and "ได้คืน 2 จุด" in notice
    assert participants.take_notice(session, participant=clipped) is None  # shown once
    assert participants.take_notice(session, participant=untouched) is None  # 1 + 0 fits the cap: nothing to tell
    assert voting.my_votes(session, workshop=workshop, participant=clipped).remaining == 7


def test_the_merge_preview_shows_both_sides_and_the_dots_that_would_come_back(session: Session) -> None:
    workshop = make_workshop(session, phase="vote", max_dots_per_project=3)
    duplicate = make_project(session, workshop, "แอปจองคิว", agency="กรมการแพทย์", strategies=["S4"])
    survivor = make_project(session, workshop, "ระบบจองคิวโรงพยาบาล", agency="สำนักงานปลัดกระทรวงสาธารณสุข",
                            strategies=["S3"])
    voter = make_participant(session, workshop)
    voting.set_dots(session, workshop=workshop, participant=voter, project_id=duplicate.id, dots=2)
    voting.set_dots(session, workshop=workshop, participant=voter, project_id=survivor.id, dots=3)
    preview = projects.merge_preview(session, workshop=workshop, actor=FACILITATOR, project_id=duplicate.id,
                                     into_id=survivor.id)
    assert (preview.source.dots, preview.target.dots, preview.refunded_dots, preview.refunded_people) == (2, 3, 2, 1)
    assert preview.agencies == ["สำนักงานปลัดกระทรวงสาธารณสุข", "กรมการแพทย์"]
    assert len(preview.strategy_ids) == 2
    # Nothing changed.
    assert voting.my_votes(session, workshop=workshop, participant=voter).used == 5


def test_co_proposers_survive_a_json_export_and_import(session: Session) -> None:
    workshop = make_workshop(session, phase="propose")
    survivor = make_project(session, workshop, "ศูนย์ข้อมูลน้ำ", agency="กรมชลประทาน")
    for title, agency in (("ศูนย์ข้อมูลน้ำแห่งชาติ", "กรมทรัพยากรน้ำ"), ("คลังข้อมูลน้ำ", "สำนักงานทรัพยากรน้ำแห่งชาติ")):
        duplicate = make_project(session, workshop, title, agency=agency)
        projects.merge_projects(session, workshop=workshop, actor=FACILITATOR, project_id=duplicate.id,
                                into_id=survivor.id)
    data = json.loads(json.dumps(json_export.export_data(session, workshop=workshop), ensure_ascii=False))
    exported = next(p for p in data["projects"] if p["id"] == survivor.id)
    assert exported["co_agencies"] == ["กรมทรัพยากรน้ำ", "สำนักงานทรัพยากรน้ำแห่งชาติ"]

    imported, _facilitator_key, _screen_key = json_import.import_workshop(session, data=data)
    (again,) = projects.list_projects(session, workshop=imported)
    assert again.agencies == ["กรมชลประทาน", "กรมทรัพยากรน้ำ", "สำนักงานทรัพยากรน้ำแห่งชาติ"]
    # Exports made before merges united agencies carry none: still read.
    del data["projects"][0]["co_agencies"]
    json_import.import_workshop(session, data=data)
    # A misspelt or oversized field is refused, not dropped.
    data["projects"][0]["co_agencies"] = ["ก" * 200] * 11
    with pytest.raises(Invalid):
        json_import.import_workshop(session, data=data)
