"""A planning office brings its project list as a spreadsheet (issue 13, API.md "Importing projects
from a spreadsheet"): XLSX or CSV in the encodings Thai offices use, columns guessed from Thai or
English headers, every refused row named with its row number and reason, all rows or none."""

from __future__ import annotations

import csv
import io
import json
import time
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from openpyxl import Workbook

from app.text import clean_title
from tests.routes.helpers import Workshop, create_workshop, join, list_projects, set_phase

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "thaime" / "projects-sample.csv"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def real_titles() -> list[str]:
    """The real Thai proposal titles of the sample (thaime), those within the 500-character limit."""
    with SAMPLE.open(encoding="utf-8") as sample:
        return [row["title"] for row in csv.DictReader(sample) if 0 < len(row["title"].strip()) <= 500]


def csv_bytes(rows: list[list[str]], *, encoding: str = "utf-8", delimiter: str = ",") -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter).writerows(rows)
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(sheets: dict[str, list[list[Any]]]) -> bytes:
    book = Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def send(client: TestClient, workshop: Workshop, data: bytes, *, name: str = "projects.csv", commit: bool = False,
         sheet: str | None = None, mapping: dict[str, Any] | None = None, headers: dict[str, str] | None = None,
         ) -> Any:
    form: dict[str, str] = {"commit": "true" if commit else "false"}
    if sheet is not None:
        form["sheet"] = sheet
    if mapping is not None:
        form["mapping"] = json.dumps(mapping, ensure_ascii=False)
    kind = XLSX_TYPE if name.endswith(".xlsx") else "text/csv"
    return client.post(f"{workshop.url}/projects/import", files={"file": (name, data, kind)}, data=form,
                       headers=workshop.facilitator if headers is None else headers)


THAI_HEAD = ["ลำดับ", "ชื่อโครงการ", "รายละเอียด", "หน่วยงาน", "ยุทธศาสตร์", "ด้านการปฏิรูป"]
TITLES = real_titles()


def thai_rows(count: int) -> list[list[str]]:
    tags = "S1; ด้านการสร้างความสามารถในการแข่งขัน"  # a code and a Thai name
    return [THAI_HEAD] + [[str(n), TITLES[n % len(TITLES)], "", "กรมส่งเสริมการปกครองท้องถิ่น", tags, "r5"]
                          for n in range(count)]


@pytest.fixture
def proposing(client: TestClient) -> Workshop:
    return create_workshop(client, phase="propose")


# --- the API ---


def test_an_office_previews_a_thai_csv_then_imports_it(client: TestClient, proposing: Workshop) -> None:
    data = csv_bytes(thai_rows(3))
    looked = send(client, proposing, data)
    assert looked.status_code == 200, looked.text
    answer = looked.json()
    assert set(answer) == {"rows", "valid", "errors", "preview", "created"}
    assert (answer["rows"], answer["valid"], answer["errors"], answer["created"]) == (3, 3, [], 0)
    first = answer["preview"][0]
    assert first["title"] == clean_title(TITLES[0]) and first["agency"] == "กรมส่งเสริมการปกครองท้องถิ่น"
    s1, s2 = proposing.strategy_ids[:2]
    assert first["strategy_ids"] == [s1, s2] and first["reform_area_ids"] == [proposing.reform_area_ids[4]]
    assert list_projects(client, proposing) == [], "a preview stores nothing"

    stored = send(client, proposing, data, commit=True)
    assert stored.status_code == 201, stored.text
    assert stored.json()["created"] == 3
    projects = list_projects(client, proposing)
    assert [p["title"] for p in projects] == [clean_title(TITLES[n]) for n in range(3)]
    assert projects[0]["strategy_ids"] == [s1, s2]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp874"])
def test_csv_in_utf8_with_or_without_bom_and_in_thai_windows_encoding(client: TestClient, proposing: Workshop,
                                                                       encoding: str) -> None:
    rows = [["ชื่อโครงการ", "หน่วยงาน"], ["พัฒนาระบบข้อมูลกลางจังหวัดสกลนคร", "สำนักงานสถิติแห่งชาติ"]]
    answer = send(client, proposing, csv_bytes(rows, encoding=encoding)).json()
    assert answer["preview"] == [{"title": "พัฒนาระบบข้อมูลกลางจังหวัดสกลนคร", "description": "",
                                  "agency": "สำนักงานสถิติแห่งชาติ", "strategy_ids": [], "reform_area_ids": []}]


def test_excel_unicode_text_utf16_with_tabs_is_read(client: TestClient, proposing: Workshop) -> None:
    rows = [["ชื่อโครงการ", "ด้านการปฏิรูป"], ["ระบบเตือนภัยน้ำท่วมชุมชน", "R6"]]
    answer = send(client, proposing, csv_bytes(rows, encoding="utf-16", delimiter="\t"), name="list.txt").json()
    assert answer["preview"][0]["title"] == "ระบบเตือนภัยน้ำท่วมชุมชน"
    assert answer["preview"][0]["reform_area_ids"] == [proposing.reform_area_ids[5]]


def test_semicolon_and_tab_separated_files_are_read(client: TestClient, proposing: Workshop) -> None:
    for delimiter in (";", "\t"):
        rows = [["title", "agency", "strategies"], ["Digital ID, phase 2", "DGA", "S1, S3"]]
        answer = send(client, proposing, csv_bytes(rows, delimiter=delimiter)).json()
        assert answer["valid"] == 1, (delimiter, answer)
        assert answer["preview"][0]["title"] == "Digital ID, phase 2"
        assert answer["preview"][0]["strategy_ids"] == [proposing.strategy_ids[0], proposing.strategy_ids[2]]


def test_an_xlsx_with_several_sheets_is_read_from_the_sheet_named(client: TestClient, proposing: Workshop) -> None:
    data = xlsx_bytes({"สรุป": [["หมายเหตุ"], ["ไม่ใช่รายการโครงการ"]],
                       "โครงการ": [["ชื่อโครงการ", "ยุทธศาสตร์"], ["ยกระดับศูนย์ข้อมูลภาครัฐ", "Security"],
                                   [None, None], ["ห้องเรียนดิจิทัล", "s2\nS3"]]})
    answer = send(client, proposing, data, name="plan.xlsx", sheet="โครงการ").json()
    assert answer["rows"] == 2 and answer["valid"] == 2, answer
    assert answer["preview"][1]["strategy_ids"] == proposing.strategy_ids[1:3]
    # Without a sheet, the first is read: it has no title column.
    first = send(client, proposing, data, name="plan.xlsx")
    assert first.status_code == 422 and "titles" in first.json()["detail"]


def test_a_formula_cell_stays_text_and_is_never_evaluated(client: TestClient, proposing: Workshop) -> None:
    data = xlsx_bytes({"Sheet1": [["title", "description"], ["=1+1", "=HYPERLINK(\"http://evil.example\")"],
                                  ["โครงการ", "=SUM(A1:A3)"]]})
    answer = send(client, proposing, data, name="f.xlsx").json()
    assert [p["title"] for p in answer["preview"]] == ["=1+1", "โครงการ"]
    assert answer["preview"][0]["description"] == '=HYPERLINK("http://evil.example")'
    assert answer["preview"][1]["description"] == "=SUM(A1:A3)"


def test_a_mapping_given_explicitly_wins_over_the_guess(client: TestClient, proposing: Workshop) -> None:
    rows = [["ชื่อโครงการ", "ชื่อเต็ม", "ผู้รับผิดชอบ"], ["สั้น", "ชื่อเต็มของโครงการพัฒนาระบบ", "กรมอุตุนิยมวิทยา"]]
    answer = send(client, proposing, csv_bytes(rows),
                  mapping={"title": "ชื่อเต็ม", "agency": "ผู้รับผิดชอบ"}).json()
    assert answer["preview"][0]["title"] == "ชื่อเต็มของโครงการพัฒนาระบบ"
    assert answer["preview"][0]["agency"] == "กรมอุตุนิยมวิทยา"
    missing = send(client, proposing, csv_bytes(rows), mapping={"title": "ไม่มีคอลัมน์นี้"})
    assert missing.status_code == 422 and "ไม่มีคอลัมน์นี้" in missing.json()["detail"]


def refusals(client: TestClient, workshop: Workshop, rows: list[list[str]]) -> list[dict[str, Any]]:
    answer = send(client, workshop, csv_bytes(rows))
    assert answer.status_code == 200, answer.text
    return answer.json()["errors"]


def test_every_refused_row_says_its_row_number_and_why(client: TestClient, proposing: Workshop) -> None:
    long_title = "ก" * 501
    errors = refusals(client, proposing, [["title", "strategies"], ["Good", "S1"], ["", "S1"], [long_title, ""],
                                          ["Tagged wrongly", "S1; Nowhere"], ["Fine", "security"]])
    assert errors == [
        {"row": 3, "message": "The title is empty."},
        {"row": 4, "message": "The title has 501 characters; at most 500 are allowed."},
        {"row": 5, "message": "Unknown tag 'Nowhere': it is neither a code nor a name of this workshop's "
                              "strategies or reform areas."},
    ]


def test_a_title_of_exactly_500_characters_with_its_line_break_comes_in_whole(client: TestClient,
                                                                              proposing: Workshop) -> None:
    title = "ก" * 250 + "\n" + "ข" * 249
    answer = send(client, proposing, csv_bytes([["ชื่อโครงการ"], [title]]), commit=True)
    assert answer.status_code == 201, answer.text
    assert list_projects(client, proposing)[0]["title"] == title


def test_too_many_tags_refuse_the_row(client: TestClient) -> None:
    many = create_workshop(client, phase="propose", framework={
        "strategies": [{"code": f"S{n}", "name": f"Strategy {n}"} for n in range(1, 61)]})
    tags = ";".join(f"S{n}" for n in range(1, 52))
    errors = refusals(client, many, [["title", "strategies"], ["Everything at once", tags]])
    assert errors == [{"row": 2, "message": "The row has 51 tags; a project can have at most 50."}]


def test_one_bad_row_refuses_the_whole_file_and_stores_nothing(client: TestClient, proposing: Workshop) -> None:
    rows = thai_rows(5)
    rows[4][1] = ""
    answer = send(client, proposing, csv_bytes(rows), commit=True)
    assert answer.status_code == 422
    body = answer.json()
    assert (body["rows"], body["valid"], body["created"]) == (5, 4, 0)
    assert body["errors"] == [{"row": 5, "message": "The title is empty."}]
    assert list_projects(client, proposing) == []


@pytest.mark.parametrize(("data", "name", "words"), [
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "photo.csv", "not a spreadsheet"),
    (b"PK\x03\x04 not really a zip", "plan.xlsx", "not a spreadsheet"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1old excel", "plan.xls", ".xlsx"),
    ("ลำดับ,หน่วยงาน\n1,กรมอุตุนิยมวิทยา\n".encode(), "plan.csv", "titles"),
])
def test_a_file_that_cannot_be_read_is_refused_with_its_reason(client: TestClient, proposing: Workshop,
                                                                data: bytes, name: str, words: str) -> None:
    answer = send(client, proposing, data, name=name)
    assert answer.status_code == 422
    assert words in answer.json()["detail"]


def test_a_sheet_that_does_not_exist_is_named_in_the_refusal(client: TestClient, proposing: Workshop) -> None:
    data = xlsx_bytes({"Projects": [["title"], ["A"]]})
    answer = send(client, proposing, data, name="p.xlsx", sheet="Budget")
    assert answer.status_code == 422
    assert answer.json()["detail"] == "The workbook has no sheet 'Budget'; its sheets are: Projects."


@pytest.mark.parametrize("language", ["th", "en"])
def test_our_own_csv_and_xlsx_exports_come_back_in(client: TestClient, proposing: Workshop, language: str) -> None:
    source = create_workshop(client, phase="propose", language=language)
    s = source.strategy_ids
    client.post(f"{source.url}/projects", headers=source.facilitator,
                json={"title": "ศูนย์ข้อมูลกลาง\nระยะที่ 2", "description": "- ข้อแรก", "agency": "สำนักงานสถิติแห่งชาติ",
                      "strategy_ids": [s[0], s[5]], "reform_area_ids": [source.reform_area_ids[7]]})
    for fmt, name in (("csv", "export.csv"), ("xlsx", "export.xlsx")):
        exported = client.get(f"{source.url}/export?format={fmt}", headers=source.facilitator)
        assert exported.status_code == 200, exported.text
        answer = send(client, proposing, exported.content, name=name)
        assert answer.status_code == 200, answer.text
        preview = answer.json()["preview"]
        assert preview == [{"title": "ศูนย์ข้อมูลกลาง\nระยะที่ 2", "description": "- ข้อแรก",
                            "agency": "สำนักงานสถิติแห่งชาติ",
                            "strategy_ids": [proposing.strategy_ids[0], proposing.strategy_ids[5]],
                            "reform_area_ids": [proposing.reform_area_ids[7]]}], fmt


def ten_thousand_rows(kind: str) -> bytes:
    rows = thai_rows(10_000)
    if kind == "csv":
        return csv_bytes(rows)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("โครงการ")
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_ten_thousand_real_titles_import_in_a_few_seconds(client: TestClient, proposing: Workshop, kind: str) -> None:
    data = ten_thousand_rows(kind)
    if kind == "csv":
        assert len(data) > 1_000_000, "bigger than any other request body may be"
    started = time.perf_counter()
    answer = send(client, proposing, data, name=f"big.{kind}", commit=True)
    took = time.perf_counter() - started
    assert answer.status_code == 201, answer.text[:500]
    assert answer.json()["created"] == 10_000
    assert took < 20, f"10,000 rows took {took:.1f} s"
    assert len(list_projects(client, proposing)) == 10_000


def test_who_may_import(client: TestClient, proposing: Workshop) -> None:
    data = csv_bytes([["title"], ["A"]])
    person = join(client, proposing)
    assert send(client, proposing, data, headers=person.headers).status_code == 403
    assert send(client, proposing, data, headers=proposing.screen).status_code == 403
    assert send(client, proposing, data, headers={}).status_code == 401
    set_phase(client, proposing, "closed")
    assert send(client, proposing, data, headers=proposing.facilitator, commit=True).status_code == 409
    assert list_projects(client, proposing) == []


def test_the_body_limit_stays_for_every_other_route(client_with: Any) -> None:
    small = client_with(max_body_bytes=1000, max_import_bytes=50_000)
    workshop = create_workshop(small, phase="propose")
    big_json = {"title": "x", "description": "y" * 2000}
    assert small.post(f"{workshop.url}/projects", json=big_json, headers=workshop.facilitator).status_code == 413
    rows = [["title", "description"], ["A", "ค" * 3000]]
    assert send(small, workshop, csv_bytes(rows)).status_code == 200
    rows = [["title", "description"], ["A", "ค" * 30_000]]
    assert send(small, workshop, csv_bytes(rows)).status_code == 413


# --- the console ---


@pytest.fixture
def console(app: FastAPI, proposing: Workshop) -> Any:
    page = TestClient(app)
    page.__enter__()
    page.get(proposing.created["facilitator_url"])
    yield page
    page.__exit__(None, None, None)


def wait_for_import(console: TestClient, fragment: str) -> str:
    """Follow the progress fragment the way htmx polls it, until the import has ended."""
    for _ in range(200):
        if 'hx-trigger="every 500ms"' not in fragment:
            return fragment
        url = fragment.split('hx-get="', 1)[1].split('"', 1)[0].replace("&amp;", "&")
        fragment = console.get(url, headers={"HX-Request": "true"}).text
        time.sleep(0.05)
    raise AssertionError("the import did not end")


def test_the_console_uploads_maps_previews_and_imports(client: TestClient, console: TestClient,
                                                       proposing: Workshop) -> None:
    code = proposing.code
    assert f"/w/{code}/facilitate/import" in console.get(f"/w/{code}/facilitate").text
    page = console.get(f"/w/{code}/facilitate/import")
    assert page.status_code == 200 and 'type="file"' in page.text and "นำเข้าโครงการ" in page.text
    rows = thai_rows(3)
    rows[2][4] = "ไม่มีจริง"
    data = xlsx_bytes({"อื่น": [["x"]], "โครงการ": rows})
    files = {"file": ("plan.xlsx", data, XLSX_TYPE)}
    first = console.post(f"/w/{code}/facilitate/import", files=files, headers={"HX-Request": "true"})
    assert first.status_code == 200, first.text
    # The first sheet has no title column: said in Thai, with the sheets to pick from.
    assert "ไม่พบคอลัมน์ชื่อโครงการ" in first.text and '<option value="โครงการ">' in first.text
    assert "/facilitate/import/commit" not in first.text
    file_id = first.text.split('name="file_id" value="', 1)[1].split('"', 1)[0]
    picked = console.post(f"/w/{code}/facilitate/import", files=files,
                          data={"file_id": file_id, "sheet": "โครงการ", "mapped_sheet": "อื่น"})
    assert picked.status_code == 200, picked.text
    assert '<option value="ชื่อโครงการ" selected>' in picked.text
    assert str(clean_title(TITLES[0]))[:40] in picked.text
    assert "แถวที่ 3" in picked.text and "ไม่มีจริง" in picked.text, "the refused row, in Thai"
    assert "/facilitate/import/commit" not in picked.text, "nothing to import while a row is refused"

    # Mapping the strategies column away leaves every row valid.
    mapped = {"file_id": file_id, "sheet": "โครงการ", "mapped_sheet": "โครงการ", "map_title": "ชื่อโครงการ",
              "map_description": "", "map_agency": "หน่วยงาน", "map_strategies": "", "map_reform_areas": "ด้านการปฏิรูป"}
    ready = console.post(f"/w/{code}/facilitate/import", files=files, data=mapped)
    assert "นำเข้า 3 โครงการ" in ready.text, ready.text
    progress = console.post(f"/w/{code}/facilitate/import/commit", files=files, data=mapped)
    assert progress.status_code == 200, progress.text
    done = wait_for_import(console, progress.text)
    assert "นำเข้าแล้ว 3 โครงการ" in done, done
    projects = list_projects(client, proposing)
    assert len(projects) == 3 and all(p["strategy_ids"] == [] for p in projects)
    assert projects[0]["reform_area_ids"] == [proposing.reform_area_ids[4]]


def test_the_console_shows_a_file_it_cannot_read_in_thai(console: TestClient, proposing: Workshop) -> None:
    answer = console.post(f"/w/{proposing.code}/facilitate/import",
                          files={"file": ("x.xlsx", b"PK\x03\x04broken", XLSX_TYPE)})
    assert answer.status_code == 422
    assert "ไม่ใช่ตารางที่" in answer.text


def test_a_participant_cannot_open_the_import_page(app: FastAPI, client: TestClient, proposing: Workshop) -> None:
    phone = TestClient(app)
    with phone:
        phone.post(f"/w/{proposing.code}/join", data={"name": "สมหญิง"})
        assert phone.get(f"/w/{proposing.code}/facilitate/import").status_code == 403



def test_a_long_list_imports_in_the_background_with_a_progress_bar(client: TestClient, console: TestClient,
                                                                    proposing: Workshop) -> None:
    code = proposing.code
    files = {"file": ("big.csv", csv_bytes(thai_rows(2_500)), "text/csv")}
    started = console.post(f"/w/{code}/facilitate/import/commit", files=files)
    assert started.status_code == 200, started.text
    assert "<progress" in started.text and 'hx-trigger="every 500ms"' in started.text
    assert "กำลังนำเข้า" in started.text and "2500" in started.text
    done = wait_for_import(console, started.text)
    assert "นำเข้าแล้ว 2500 โครงการ" in done, done
    assert len(list_projects(client, proposing)) == 2_500


def test_an_import_that_would_pass_the_workshop_ceiling_stores_nothing(client_with: Any) -> None:
    small = client_with(max_projects_per_workshop=3)
    workshop = create_workshop(small, phase="propose")
    answer = send(small, workshop, csv_bytes(thai_rows(4)), commit=True)
    assert answer.status_code == 409 and "3" in answer.json()["detail"]
    assert list_projects(small, workshop) == []


def test_headers_that_start_with_a_field_s_name_are_guessed_but_not_bare_words(client: TestClient,
                                                                               proposing: Workshop) -> None:
    rows = [["งบประมาณโครงการ", "ชื่อโครงการ (ภาษาไทย)", "หน่วยงานรับผิดชอบ"], ["5000000", "ถนนลาดยาง", "อบต.ผาเสวย"]]
    answer = send(client, proposing, csv_bytes(rows)).json()
    assert answer["preview"][0]["title"] == "ถนนลาดยาง" and answer["preview"][0]["agency"] == "อบต.ผาเสวย"
    refused = send(client, proposing, csv_bytes([["Project budget"], ["5000000"]]))
    assert refused.status_code == 422 and "titles" in refused.json()["detail"]


def test_a_sheet_past_the_row_limit_is_refused_before_it_fills_memory(client: TestClient, proposing: Workshop,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from app.services import project_import

    monkeypatch.setattr(project_import, "MAX_ROWS", 5)
    answer = send(client, proposing, csv_bytes(thai_rows(10)))
    assert answer.status_code == 422
    assert answer.json()["detail"] == "The sheet has more than 5 rows; import it in parts."


def test_a_name_both_dimensions_share_is_read_as_its_column_s(client: TestClient) -> None:
    """The SDGs and the five Ps both have "Peace": the reform-area column means the P."""
    shared = create_workshop(client, phase="propose", framework={
        "strategies": [{"code": "G16", "name": "Peace"}], "reform_areas": [{"code": "P4", "name": "Peace"}]})
    rows = [["title", "strategies", "reform areas"], ["Mediation centres", "peace", "Peace"]]
    preview = send(client, shared, csv_bytes(rows)).json()["preview"][0]
    assert (preview["strategy_ids"], preview["reform_area_ids"]) == (shared.strategy_ids, shared.reform_area_ids)


def test_the_import_page_of_a_closed_workshop_says_how_to_import(client: TestClient, console: TestClient,
                                                                 proposing: Workshop) -> None:
    set_phase(client, proposing, "closed")
    page = console.get(f"/w/{proposing.code}/facilitate/import")
    assert page.status_code == 200 and 'type="file"' not in page.text
    assert "เวิร์กช็อปปิดแล้ว" in page.text
    refused = console.post(f"/w/{proposing.code}/facilitate/import",
                           files={"file": ("a.csv", csv_bytes([["title"], ["A"]]), "text/csv")})
    assert refused.status_code == 409


def test_an_import_run_by_another_server_process_is_followed_by_the_project_count(
        client: TestClient, console: TestClient, proposing: Workshop) -> None:
    url = f"/w/{proposing.code}/facilitate/import/progress/elsewhere"
    waiting = console.get(url, params={"expect": 2, "total": 2})
    assert 'hx-trigger="every 500ms"' in waiting.text
    send(client, proposing, csv_bytes([["title"], ["A"], ["B"]]), commit=True)
    landed = console.get(url, params={"expect": 2, "total": 2})
    assert "every 500ms" not in landed.text and "นำเข้าแล้ว 2 โครงการ" in landed.text


def test_refused_rows_of_a_workbook_are_numbered_as_the_sheet_shows_them(client: TestClient,
                                                                         proposing: Workshop) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["ชื่อโครงการ", "หน่วยงาน"])
    sheet.append(["ระบบคลังข้อมูลสุขภาพ", "กรมอนามัย"])
    sheet["B6"] = "กรมอนามัย"  # rows 3 to 5 are empty; row 6 has an agency but no title
    buffer = io.BytesIO()
    book.save(buffer)
    answer = send(client, proposing, buffer.getvalue(), name="gaps.xlsx").json()
    assert (answer["rows"], answer["valid"]) == (2, 1)
    assert answer["errors"] == [{"row": 6, "message": "The title is empty."}]


# --- agencies: the rule of joining, one rule for both ---

INVITED = ["สำนักงานสถิติแห่งชาติ", "กรมส่งเสริมการปกครองท้องถิ่น"]


def test_an_agency_spelt_another_way_is_the_invited_agency(client: TestClient) -> None:
    """The ministry's sheet writes its agencies as its staff do: abbreviated, with "ส่วน", with
    spaces. Each becomes the invited agency it means, as a participant's answer does on joining."""
    workshop = create_workshop(client, phase="propose", agencies=INVITED)
    rows = [["ชื่อโครงการ", "หน่วยงาน"], ["สำมะโนประชากรดิจิทัล", "สนง.สถิติแห่งชาติ"],
            ["ถนนลำเลียงผลผลิตทางการเกษตร บ้านประเม หมู่ที่ 2", "กรมส่งเสริมการปกครองส่วนท้องถิ่น"],
            ["ศูนย์ข้อมูลตำบล", "  สำนักงาน สถิติแห่งชาติ "], ["อบรมผู้สูงอายุ", ""]]
    answer = send(client, workshop, csv_bytes(rows)).json()
    assert answer["errors"] == []
    assert [p["agency"] for p in answer["preview"]] == [INVITED[0], INVITED[1], INVITED[0], ""]
    assert send(client, workshop, csv_bytes(rows), commit=True).status_code == 201
    assert [p["agency"] for p in list_projects(client, workshop)] == [INVITED[0], INVITED[1], INVITED[0], ""]


def test_an_agency_off_the_list_is_refused_where_the_workshop_takes_no_other_names(client: TestClient) -> None:
    workshop = create_workshop(client, phase="propose", agencies=INVITED)
    rows = [["title", "agency"], ["Digital census", "สนง.สถิติแห่งชาติ"], ["Rural roads", "กรมทางหลวงชนบท"]]
    assert refusals(client, workshop, rows) == [
        {"row": 3, "message": "The agency “กรมทางหลวงชนบท” is not on this workshop's list of agencies, and the "
                              "workshop takes no other names."}]
    refused = send(client, workshop, csv_bytes(rows), commit=True)
    assert refused.status_code == 422 and list_projects(client, workshop) == []
    # The same name is refused on joining, by the same rule.
    joined = client.post(f"{workshop.url}/participants", json={"name": "สมชาย", "agency": "กรมทางหลวงชนบท"})
    assert joined.status_code == 422 and "กรมทางหลวงชนบท" in joined.json()["detail"]
    # The console, in Thai, says why in Thai.
    from app.services.project_import import OFF_LIST_AGENCY, RowError

    assert RowError(3, OFF_LIST_AGENCY, {"agency": "กรมทางหลวงชนบท"}).message("th") == (
        "หน่วยงาน “กรมทางหลวงชนบท” ไม่อยู่ในรายชื่อหน่วยงานของเวิร์กช็อปนี้ และเวิร์กช็อปนี้ไม่รับชื่อหน่วยงานอื่น")


def test_an_agency_off_the_list_is_kept_as_typed_where_the_workshop_takes_typed_names(client: TestClient) -> None:
    workshop = create_workshop(client, phase="propose", agencies=INVITED, typed_agencies=True)
    rows = [["title", "agency"], ["Digital census", "สนง.สถิติแห่งชาติ"], ["Rural roads", "กรมทางหลวงชนบท"]]
    answer = send(client, workshop, csv_bytes(rows)).json()
    assert answer["errors"] == []
    assert [p["agency"] for p in answer["preview"]] == [INVITED[0], "กรมทางหลวงชนบท"]
