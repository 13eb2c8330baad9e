"""The files a Thai planning office takes home after a dot round and a scoring round of the top
5: every proposal still in play in the CSV and in the workbook's Projects and Ranking sheets, with
its round-1 dots and its round-2 score (blank where it was not short-listed); headed and named in
Thai; dates in Bangkok time with Buddhist-era years; the workbook set up to print as it is."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import openpyxl
import pytest
from sqlmodel import Session

from app import i18n
from app.services.exports import csv_export, json_export, xlsx_export
from tests.planning_office import DOTS, HIDDEN, MERGED, SCORES, VOTERS, Office, run_workshop

CSV_HEAD = ["ลำดับ", "รหัสโครงการ", "ชื่อโครงการ", "รายละเอียด", "หน่วยงาน", "ยุทธศาสตร์", "ด้านการปฏิรูป",
            "รอบ 1: จุด", "รอบ 1: ผู้ลงคะแนน", "รอบ 1: อันดับในรอบ",
            "รอบ 2: คะแนน", "รอบ 2: ผู้ให้คะแนน", "รอบ 2: อันดับในรอบ",
            "ผู้เสนอ", "วันเวลาที่เสนอ", "สถานะ"]
SHEETS = ["โครงการ", "การจัดลำดับ", "ความครอบคลุม", "จำนวนจุดต่อผู้เข้าร่วม", "รอบ 1 - ลงจุด", "รอบ 2 - ให้คะแนน",
          "รอบการลงคะแนน", "บันทึกการดำเนินการ"]


@pytest.fixture
def office(session: Session) -> Office:
    return run_workshop(session)


def bangkok_be(moment: datetime) -> str:
    """How the office writes a moment: Bangkok time (UTC+7), Buddhist-era year."""
    local = moment.replace(tzinfo=UTC) + timedelta(hours=7)
    return f"{local:%d/%m}/{local.year + 543} {local:%H:%M}"


def by_title(rows: list[list[object]]) -> dict[object, dict[str, object]]:
    head = [str(h) for h in rows[0]]
    return {row[head.index("ชื่อโครงการ")]: dict(zip(head, row, strict=False)) for row in rows[1:]}


def expect_every_proposal(office: Office, rows: list[list[object]], blank: object) -> None:
    """Each proposal in play once with its round-1 dots, voters and round-2 score; the hidden and
    merged one after them with their status."""
    listed = by_title(rows)
    assert len(rows) - 1 == 16 and len(listed) == 16
    for k in office.active:
        row = listed[office.projects[k].title]
        assert (str(row["รอบ 1: จุด"]), str(row["รอบ 1: ผู้ลงคะแนน"])) == (str(DOTS[k]), str(VOTERS[k])), k
        if k in SCORES:
            assert float(str(row["รอบ 2: คะแนน"])) == pytest.approx(SCORES[k])
            assert str(row["รอบ 2: ผู้ให้คะแนน"]) == "8"
        else:
            assert (row["รอบ 2: คะแนน"], row["รอบ 2: ผู้ให้คะแนน"], row["รอบ 2: อันดับในรอบ"]) == (blank,) * 3, k
        assert row["สถานะ"] == "อยู่ในการจัดลำดับ"
        assert row["วันเวลาที่เสนอ"] == bangkok_be(office.projects[k].created_at)
    assert listed[office.projects[HIDDEN].title]["สถานะ"] == "ซ่อนแล้ว"
    assert listed[office.projects[MERGED].title]["สถานะ"] == f"รวมเข้ากับ #{office.projects[MERGED - 1].id}"
    assert [r[-1] for r in rows[-2:]] == ["ซ่อนแล้ว", f"รวมเข้ากับ #{office.projects[MERGED - 1].id}"]


def test_the_csv_lists_every_proposal_with_its_dots_and_its_score_under_thai_headers(
        session: Session, office: Office) -> None:
    raw = csv_export.export_csv(session, workshop=office.workshop)

    assert raw.startswith("\ufeff".encode())
    rows: list[list[object]] = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0] == CSV_HEAD
    expect_every_proposal(office, rows, blank="")


def test_the_workbook_lists_every_proposal_in_projects_and_ranking(session: Session, office: Office) -> None:
    book = openpyxl.load_workbook(io.BytesIO(xlsx_export.export_xlsx(session, workshop=office.workshop)))

    assert book.sheetnames == SHEETS
    projects = [list(r) for r in book["โครงการ"].iter_rows(values_only=True)]
    assert projects[0] == CSV_HEAD
    expect_every_proposal(office, projects, blank=None)
    ranking = [list(r) for r in book["การจัดลำดับ"].iter_rows(values_only=True)]
    assert ranking[0] == ["ลำดับ", "ชื่อโครงการ", "รอบ 1: จุด", "รอบ 1: ผู้ลงคะแนน", "รอบ 1: อันดับในรอบ",
                          "รอบ 2: คะแนน", "รอบ 2: ผู้ให้คะแนน", "รอบ 2: อันดับในรอบ", "ยุทธศาสตร์"]
    assert len(ranking) - 1 == 14
    for row in ranking[1:]:
        k = next(k for k in office.active if office.projects[k].title == row[1])
        assert row[2] == DOTS[k] and (row[5] == pytest.approx(SCORES[k]) if k in SCORES else row[5] is None)
    # The scoring round's own sheet: the short list with each criterion's mean.
    scored = [list(r) for r in book["รอบ 2 - ให้คะแนน"].iter_rows(values_only=True)]
    assert scored[0][5:] == ["คะแนน", "ผู้ให้คะแนน", "ผลกระทบ (ค่าเฉลี่ย)", "ความเป็นไปได้ (ค่าเฉลี่ย)"]
    assert [r[5] for r in scored[1:]] == [5, 4, 2.5, 2.5, 1]
    rounds_sheet = [list(r) for r in book["รอบการลงคะแนน"].iter_rows(values_only=True)]
    assert [(r[0], r[2], r[3], r[9], r[10], r[11]) for r in rounds_sheet[1:]] == [
        (1, "ลงจุด", "ทุกโครงการ", 14, 40, 8), (2, "ให้คะแนน", "5 อันดับแรกของรอบ 1", 5, None, 8)]


def test_every_sheet_prints_on_a4_landscape_fit_to_width_with_its_header_on_each_page(
        session: Session, office: Office) -> None:
    book = openpyxl.load_workbook(io.BytesIO(xlsx_export.export_xlsx(session, workshop=office.workshop)))

    for sheet in book.worksheets:
        setup = sheet.page_setup
        assert (setup.orientation, str(setup.paperSize)) == ("landscape", "9"), sheet.title
        assert (setup.fitToWidth, setup.fitToHeight) == (1, 0), sheet.title
        assert sheet.sheet_properties.pageSetUpPr.fitToPage, sheet.title
        assert sheet.print_title_rows == "$1:$1", sheet.title
        assert sheet.freeze_panes in ("A2", "B2"), sheet.title
        assert all(c.alignment.wrap_text for c in sheet[1] if c.value is not None), sheet.title
    projects = book["โครงการ"]
    assert projects.column_dimensions["C"].width == 40  # titles wrap in a column of set width
    for row in range(2, 18):
        title = projects.cell(row, 3)
        assert title.alignment.wrap_text and title.alignment.vertical == "top"
    longest = max(range(2, 18), key=lambda r: len(str(projects.cell(r, 3).value)))
    assert projects.row_dimensions[longest].height >= 3 * 16  # a long Thai title gets its lines


def test_the_workbook_can_be_read_in_english(session: Session, office: Office) -> None:
    book = openpyxl.load_workbook(io.BytesIO(xlsx_export.export_xlsx(session, workshop=office.workshop,
                                                                     language="en")))
    assert book.sheetnames == ["Projects", "Ranking", "Coverage", "Dots per participant", "Round 1 - Dot voting",
                               "Round 2 - Scoring", "Rounds", "Action log"]
    head = next(book["Projects"].iter_rows(values_only=True))
    assert head[7:13] == ("Round 1: Dots", "Round 1: Voters", "Round 1: Rank in round", "Round 2: Score",
                          "Round 2: Scorers", "Round 2: Rank in round")
    created = office.projects[0].created_at.replace(tzinfo=UTC) + timedelta(hours=7)
    assert f"{created:%Y-%m-%d %H:%M}" in [row[14] for row in book["Projects"].iter_rows(values_only=True)]


def test_a_file_can_be_limited_to_the_scoring_round(session: Session, office: Office) -> None:
    rows = list(csv.reader(io.StringIO(
        csv_export.export_csv(session, workshop=office.workshop, round_number=2).decode("utf-8-sig"))))

    assert rows[0][7:9] == ["คะแนน", "ผู้ให้คะแนน"]  # one round: no round in the headers
    assert [r[2] for r in rows[1:]] == [office.projects[k].title for k in (1, 2, 0, 3, 4)]
    assert [float(r[7]) for r in rows[1:]] == [5, 4, 2.5, 2.5, 1]
    book = openpyxl.load_workbook(io.BytesIO(xlsx_export.export_xlsx(session, workshop=office.workshop,
                                                                     round_number=2)))
    assert book.sheetnames == ["โครงการ", "การจัดลำดับ", "ความครอบคลุม", "รอบ 2 - ให้คะแนน", "รอบการลงคะแนน"]


def test_the_json_export_is_still_the_whole_workshop(session: Session, office: Office) -> None:
    data = json_export.export_data(session, workshop=office.workshop)

    assert len(data["projects"]) == 16 and [r["number"] for r in data["rounds"]] == [1, 2]
    assert sum(v["dots"] for v in data["votes"]) == 40 and len(data["scores"]) == 8 * 5 * 2
    assert data["results"]["round"] == 2 and data["results"]["mode"] == "scoring"


def test_a_moment_is_written_in_the_workshops_time_zone_and_the_buddhist_era() -> None:
    moment = datetime(2026, 11, 30, 13, 15)  # stored in UTC
    assert i18n.format_stamp(moment, "th") == "30/11/2569 20:15"
    assert i18n.format_stamp(moment, "th", "Asia/Bangkok") == "30/11/2569 20:15"
    assert i18n.format_stamp(moment, "en", "Asia/Bangkok") == "2026-11-30 20:15"
    assert i18n.format_stamp(moment, "th", "Europe/London") == "30/11/2569 13:15"
    assert i18n.format_stamp(datetime(2026, 12, 31, 18, 0), "th") == "01/01/2570 01:00"
    assert i18n.format_stamp(moment, "th", "Not/AZone") == "30/11/2569 20:15"  # unknown: Thai time
