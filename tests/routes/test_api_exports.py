"""API stories of taking a workshop home (CSV, XLSX, JSON) and rebuilding it from the JSON."""

from __future__ import annotations

import copy
import csv
import io
import json
import re
from collections.abc import Callable
from typing import Any

import openpyxl
import pytest
from fastapi.testclient import TestClient

from tests.routes.helpers import (
    API,
    CREATED_FIELDS,
    Workshop,
    assert_error,
    bearer,
    create_workshop,
    join,
    list_projects,
    propose,
    results,
    set_phase,
    standings,
    vote,
)

IMPORT = f"{API}/workshops/import"


@pytest.fixture
def finished(client: TestClient) -> Workshop:
    """A workshop that has been run: tagged projects, one hidden, one merged away, dots, phase results."""
    workshop = create_workshop(client, phase="propose", agencies=["สสช.", "depa"], description="ทบทวนแผน")
    s, r = workshop.strategy_ids, workshop.reform_area_ids
    people = [join(client, workshop, name, agency) for name, agency in
              [("สมชาย", "สสช."), ("มาลี", "depa"), ("Dao", "")]]
    for title, strategy_ids, reform_area_ids, by in [
        ("ศูนย์ข้อมูลจังหวัด", [s[0], s[2]], [r[7]], people[0]),
        ("Wi-Fi ทุกโรงเรียน", [s[2]], [r[8]], people[1]),
        ("ซ้ำกับศูนย์ข้อมูล", [s[0]], [r[1]], people[2]),
        ("เลิกใช้แล้ว", [s[5]], [], None),
        ("ยังไม่มีใครเลือก", [], [], None),
    ]:
        headers = by.headers if by else workshop.facilitator
        workshop.projects[title] = propose(client, workshop, headers, title, strategy_ids=strategy_ids,
                                           reform_area_ids=reform_area_ids, description=f"รายละเอียด {title}")
    ids = {title: p["id"] for title, p in workshop.projects.items()}
    set_phase(client, workshop, "vote")
    for person, ballot in zip(people, [
        {"ศูนย์ข้อมูลจังหวัด": 2, "ซ้ำกับศูนย์ข้อมูล": 2, "เลิกใช้แล้ว": 1},
        {"Wi-Fi ทุกโรงเรียน": 3, "ศูนย์ข้อมูลจังหวัด": 1},
        {"Wi-Fi ทุกโรงเรียน": 2, "ซ้ำกับศูนย์ข้อมูล": 3},
    ]):
        for title, dots in ballot.items():
            vote(client, workshop, person, ids[title], dots)
    facilitator = workshop.facilitator
    assert client.delete(f"{workshop.url}/projects/{ids['เลิกใช้แล้ว']}", headers=facilitator).status_code == 204
    merged = client.post(f"{workshop.url}/projects/{ids['ซ้ำกับศูนย์ข้อมูล']}/merge",
                         json={"into": ids["ศูนย์ข้อมูลจังหวัด"]}, headers=facilitator)
    assert merged.status_code == 200
    set_phase(client, workshop, "results")
    return workshop


def export(client: TestClient, workshop: Workshop, fmt: str) -> Any:
    response = client.get(f"{workshop.url}/export", params={"format": fmt}, headers=workshop.facilitator)
    assert response.status_code == 200, response.text
    return response


def json_export(client: TestClient, workshop: Workshop) -> dict[str, Any]:
    return json.loads(export(client, workshop, "json").content)


@pytest.mark.parametrize(("fmt", "media_type"), [
    ("csv", "text/csv"),
    ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ("json", "application/json"),
])
def test_every_export_is_a_file_download(client: TestClient, finished: Workshop, fmt: str, media_type: str) -> None:
    response = export(client, finished, fmt)

    assert response.headers["content-type"].startswith(media_type)
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("attachment;")
    assert re.search(rf'filename="[^"]*{finished.code}[^"]*\.{fmt}"', disposition)


def test_the_csv_is_utf8_with_a_bom_and_a_row_per_project(client: TestClient, finished: Workshop) -> None:
    body = export(client, finished, "csv").content

    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    # Headed in the workshop's language (Thai), read here by their English names.
    english = {"ลำดับ": "rank", "ชื่อโครงการ": "title", "ยุทธศาสตร์": "strategies", "ด้านการปฏิรูป": "reform_areas",
               "จุด": "dots", "ผู้ลงคะแนน": "voters"}
    assert set(english) <= set(rows[0])
    rows = [{english.get(k, k): v for k, v in row.items()} for row in rows]
    assert len(rows) == len(finished.projects)  # hidden and merged-away ones too
    ranked = [(row["rank"], row["title"], row["dots"], row["voters"]) for row in rows if row["rank"]]
    assert ranked == [(str(rank), title, str(dots), str(voters))
                      for rank, title, dots, voters in standings(results(client, finished))]
    by_title = {row["title"]: row for row in rows}
    assert "S1" in by_title["ศูนย์ข้อมูลจังหวัด"]["strategies"]
    assert "R2" in by_title["ศูนย์ข้อมูลจังหวัด"]["reform_areas"]  # united from the merged duplicate


def test_the_xlsx_opens_in_a_spreadsheet_library(client: TestClient, finished: Workshop) -> None:
    book = openpyxl.load_workbook(io.BytesIO(export(client, finished, "xlsx").content))

    assert "โครงการ" in book.sheetnames
    rows = list(book["โครงการ"].iter_rows(values_only=True))
    assert "ชื่อโครงการ" in rows[0]
    titles = {row[rows[0].index("ชื่อโครงการ")] for row in rows[1:]}
    assert titles == set(finished.projects)


@pytest.mark.parametrize("start", ["=", "+", "-", "@"])
def test_exported_cells_never_start_a_formula(client: TestClient, start: str) -> None:
    workshop = create_workshop(client, phase="propose")
    title = f"{start}HYPERLINK(\"http://evil.example\",\"x\")"
    propose(client, workshop, workshop.facilitator, title, description=f"{start}1+2")

    csv_rows = list(csv.reader(io.StringIO(export(client, workshop, "csv").content.decode("utf-8-sig"))))
    sheet = openpyxl.load_workbook(io.BytesIO(export(client, workshop, "xlsx").content))["โครงการ"]
    xlsx_rows = [list(row) for row in sheet.iter_rows(values_only=True)]

    for rows in (csv_rows, xlsx_rows):
        header, row = rows[0], rows[1]
        assert row[header.index("ชื่อโครงการ")] == "'" + title
        assert row[header.index("รายละเอียด")] == f"'{start}1+2"


def test_the_json_export_carries_no_keys_or_tokens(client: TestClient, finished: Workshop) -> None:
    person = join(client, finished, "Latecomer")

    text = export(client, finished, "json").text

    for secret in (finished.created["facilitator_key"], finished.created["screen_key"], person.token):
        assert secret not in text
    data = json.loads(text)
    assert {"name", "agency"} <= set(data["participants"][0])
    assert not any("token" in key for p in data["participants"] for key in p)


def test_an_import_rebuilds_the_workshop_with_a_new_code_and_new_keys(client: TestClient,
                                                                      finished: Workshop) -> None:
    response = client.post(IMPORT, json=json_export(client, finished))

    assert response.status_code == 201, response.text
    created = response.json()
    assert set(created) >= CREATED_FIELDS
    assert created["code"] != finished.code
    assert created["facilitator_key"] != finished.created["facilitator_key"]
    assert created["screen_key"] != finished.created["screen_key"]
    assert created["phase"] == "results"
    copy_ = Workshop(created=created)
    assert standings(results(client, copy_)) == standings(results(client, finished))
    info = client.get(copy_.url).json()
    assert [a["name"] for a in info["agencies"]] == ["สสช.", "depa"]
    assert info["participant_count"] == 3
    assert info["description"] == "ทบทวนแผน"


def test_an_imported_workshop_keeps_hidden_and_merged_projects_for_its_own_export(
        client: TestClient, finished: Workshop) -> None:
    original = json_export(client, finished)
    copy_ = Workshop(created=client.post(IMPORT, json=original).json())

    again = json_export(client, copy_)

    def shape(data: dict[str, Any]) -> list[tuple[Any, ...]]:
        titles = {p["id"]: p["title"] for p in data["projects"]}
        return sorted((p["title"], p["hidden"], titles.get(p["merged_into_id"]), p["description"], p["created_at"])
                      for p in data["projects"])

    assert shape(again) == shape(original)
    assert len(again["votes"]) == len(original["votes"])
    assert [p["title"] for p in list_projects(client, copy_)] == [p["title"] for p in list_projects(client, finished)]


def test_the_keys_of_the_original_give_nothing_in_the_copy(client: TestClient, finished: Workshop) -> None:
    copy_ = Workshop(created=client.post(IMPORT, json=json_export(client, finished)).json())

    assert_error(client.get(f"{copy_.url}/export", headers=finished.facilitator), 401)
    assert client.get(f"{copy_.url}/export", headers=copy_.facilitator).status_code == 200
    assert client.get(f"{copy_.url}/projects", headers=copy_.screen).status_code == 200


def test_an_imported_workshop_can_be_run_again(client: TestClient, finished: Workshop) -> None:
    copy_ = Workshop(created=client.post(IMPORT, json=json_export(client, finished)).json())
    set_phase(client, copy_, "vote")
    newcomer = join(client, copy_, "Newcomer")
    top = results(client, copy_)["ranking"][-1]

    answer = vote(client, copy_, newcomer, top["project_id"], 3)

    assert answer["used"] == 3
    assert results(client, copy_)["ranking"][-1]["dots"] <= top["dots"] + 3


def test_the_links_of_an_imported_workshop_open_its_pages(client_with: Callable[..., TestClient],
                                                          finished: Workshop, client: TestClient) -> None:
    created = client.post(IMPORT, json=json_export(client, finished)).json()
    facilitator_browser, screen_browser = client_with(), client_with()

    console = facilitator_browser.get(created["facilitator_url"])
    screen = screen_browser.get(created["screen_url"])

    assert (console.status_code, screen.status_code) == (200, 200)
    # The console shows the screen's link again: it must be one that opens the screen.
    links = set(re.findall(rf"/w/{created['code']}/screen/[A-Za-z0-9_-]+", console.text))
    assert links
    for link in links:
        assert client_with().get(link, follow_redirects=False).status_code == 303, link


def broken(change: Callable[[dict[str, Any]], object]) -> Callable[[dict[str, Any]], dict[str, Any]]:
    def apply(data: dict[str, Any]) -> dict[str, Any]:
        data = copy.deepcopy(data)
        change(data)
        return data
    return apply


MALFORMED = {
    "empty object": lambda data: {},
    "another format": broken(lambda d: d.update(format="trello-board")),
    "a future version": broken(lambda d: d.update(version=2)),
    "no workshop": broken(lambda d: d.pop("workshop")),
    "an empty title": broken(lambda d: d["workshop"].update(title="")),
    "no strategies": broken(lambda d: d.update(strategies=[])),
    "a misspelt field": broken(lambda d: d["projects"][0].update(hiden=True)),
    "a tag that is not in the export": broken(lambda d: d["projects"][0].update(strategy_ids=[999])),
    "a vote over the cap": broken(lambda d: d["votes"][0].update(dots=4)),
    "a negative vote": broken(lambda d: d["votes"][0].update(dots=-1)),
    "a vote by a stranger": broken(lambda d: d["votes"][0].update(participant_id=999)),
    "a project merged into itself": broken(lambda d: d["projects"][0].update(merged_into_id=d["projects"][0]["id"])),
    "a date without a time zone": broken(lambda d: d["projects"][0].update(created_at="2026-01-01T10:00:00")),
    "a list": lambda data: [data],
    "a string": lambda data: "ruamkit-workshop",
}


@pytest.mark.parametrize("problem", MALFORMED)
def test_a_malformed_import_is_refused_with_422_and_makes_nothing(client: TestClient, finished: Workshop,
                                                                  problem: str) -> None:
    body = MALFORMED[problem](json_export(client, finished))
    count = len(client.get(f"{finished.url}/projects", headers=finished.facilitator).json())

    response = client.post(IMPORT, json=body)

    assert_error(response, 422)
    assert len(client.get(f"{finished.url}/projects", headers=finished.facilitator).json()) == count


def test_an_import_that_is_not_json_is_refused_with_422(client: TestClient) -> None:
    response = client.post(IMPORT, content=b"rank,title\n1,x\n", headers={"Content-Type": "application/json"})

    assert_error(response, 422)


@pytest.mark.parametrize("sent", ["with its length", "in chunks without a length"])
def test_an_import_over_one_megabyte_is_refused_with_413(client: TestClient, finished: Workshop, sent: str) -> None:
    data = json_export(client, finished)
    data["workshop"]["description"] = "x" * 1_100_000
    body = json.dumps(data).encode()
    content = body if sent == "with its length" else iter([body[i:i + 65536] for i in range(0, len(body), 65536)])

    response = client.post(IMPORT, content=content, headers={"Content-Type": "application/json"})

    assert_error(response, 413)


@pytest.mark.parametrize(("headers", "status"), [
    ({}, 403),
    ({"X-Organiser-Password": "wrong"}, 403),
    ({"X-Organiser-Password": "s3cret-organiser"}, 201),
])
def test_importing_needs_the_organiser_password_when_the_server_has_one(
        client_with: Callable[..., TestClient], client: TestClient, finished: Workshop,
        headers: dict[str, str], status: int) -> None:
    data = json_export(client, finished)
    guarded = client_with(organiser_password="s3cret-organiser")

    response = guarded.post(IMPORT, json=data, headers=headers)

    assert response.status_code == status, response.text


@pytest.mark.parametrize("phase", ["setup", "propose", "vote", "results", "closed"])
def test_the_facilitator_can_export_in_any_phase(client: TestClient, finished: Workshop, phase: str) -> None:
    set_phase(client, finished, phase)

    for fmt in ("csv", "xlsx", "json"):
        export(client, finished, fmt)


@pytest.mark.parametrize("fmt", ["pdf", "", "CSV"])
def test_an_unknown_export_format_is_422(client: TestClient, finished: Workshop, fmt: str) -> None:
    response = client.get(f"{finished.url}/export", params={"format": fmt}, headers=finished.facilitator)

    assert_error(response, 422)


def test_exporting_an_unknown_workshop_is_404(client: TestClient, finished: Workshop) -> None:
    assert_error(client.get(f"{API}/workshops/ZZZZZZ/export", headers=finished.facilitator), 404)


def test_a_screen_key_cannot_export(client: TestClient, finished: Workshop) -> None:
    assert_error(client.get(f"{finished.url}/export", headers=finished.screen), 403)
    assert_error(client.get(f"{finished.url}/export", headers=bearer("nope")), 401)
