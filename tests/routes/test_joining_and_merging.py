"""Joining names an agency from the invited list (the page offers the list; the API refuses a
name off it where the workshop takes no other), the console shows who has not joined or voted,
and the console's merge starts on the suggested duplicate, compares the two and names both
before merging; a phone whose dots came back is told once."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.routes.helpers import assert_error, create_workshop, join, propose, set_phase, vote

INVITED = ["สำนักงานสถิติแห่งชาติ", "กรมอุตุนิยมวิทยา", "กระทรวงดิจิทัลเพื่อเศรษฐกิจและสังคม"]
# A pair the duplicate hints pair (tests/data/duplicate_pairs.json), after an unrelated first project.
FIRST = ("ระบบจัดเก็บภาษีที่ดินออนไลน์", "ให้ประชาชนชำระภาษีที่ดินและสิ่งปลูกสร้างผ่านเว็บไซต์ของเทศบาล")
EARLIER = ("ระบบเตือนภัยน้ำท่วมล่วงหน้าผ่านโทรศัพท์มือถือ",
           "ติดตั้งเซ็นเซอร์วัดระดับน้ำในลุ่มน้ำเจ้าพระยาและส่งข้อความแจ้งเตือนประชาชนในพื้นที่เสี่ยงผ่านแอปพลิเคชันและ SMS")
LATER = ("แพลตฟอร์มแจ้งเตือนอุทกภัยแบบเรียลไทม์",
         "เชื่อมข้อมูลสถานีวัดระดับน้ำกับระบบส่งข้อความ SMS ถึงโทรศัพท์ของประชาชนในพื้นที่เสี่ยงน้ำท่วมก่อนน้ำมาถึง")


@pytest.fixture
def browsers(app: FastAPI) -> Iterator[Any]:
    """Separate browsers (own cookies), in Thai unless asked otherwise."""
    opened: list[TestClient] = []

    def open_browser(url: str | None = None) -> TestClient:
        other = TestClient(app)
        other.__enter__()
        opened.append(other)
        if url:
            other.get(url)
        return other

    yield open_browser
    for other in opened:
        other.__exit__(None, None, None)


def test_the_api_refuses_an_agency_off_the_list_saying_how_to_pick(client: TestClient) -> None:
    workshop = create_workshop(client, agencies=INVITED)
    answer = client.post(f"{workshop.url}/participants", json={"name": "มาลี", "agency": "เทศบาลนครขอนแก่น"})
    assert_error(answer, 422, "“เทศบาลนครขอนแก่น” is not on this workshop's list of agencies",
                 "Choose your agency from the list", INVITED[0])
    assert client.get(workshop.url).json()["participant_count"] == 0
    # A spelling of an invited agency is that agency; no agency at all is welcome too.
    join(client, workshop, "สมชาย", "สนง. สถิติแห่งชาติ")
    join(client, workshop, "ดาว")
    export = client.get(f"{workshop.url}/export", headers=workshop.facilitator).json()
    assert [p["agency"] for p in export["participants"]] == ["สำนักงานสถิติแห่งชาติ", ""]

    open_list = create_workshop(client, agencies=INVITED, typed_agencies=True)
    join(client, open_list, "มาลี", "เทศบาลนครขอนแก่น")


def test_the_join_page_offers_the_invited_list_and_explains_a_refusal_in_thai(client: TestClient,
                                                                              browsers: Any) -> None:
    workshop = create_workshop(client, agencies=INVITED)
    phone = browsers()
    page = phone.get(f"/w/{workshop.code}").text
    assert re.search(r'<select id="agency" name="agency"', page)
    assert all(f'<option value="{name}">' in page for name in INVITED)
    assert 'list="agency-list"' not in page  # no free text here

    # A post with a name off the list (an old page, a forged form): said beside the field, the name kept.
    refused = phone.post(f"/w/{workshop.code}/join", data={"name": "มาลี", "agency": "เทศบาลนครขอนแก่น"})
    assert refused.status_code == 422
    assert 'id="agency-error"' in refused.text and "ไม่อยู่ในรายชื่อหน่วยงานของเวิร์กช็อปนี้" in refused.text
    assert 'value="มาลี"' in refused.text

    assert phone.post(f"/w/{workshop.code}/join", data={"name": "มาลี", "agency": INVITED[1]}).status_code == 200
    assert "มาลี · กรมอุตุนิยมวิทยา" in phone.get(f"/w/{workshop.code}").text

    typed = create_workshop(client, agencies=INVITED, typed_agencies=True)
    page = browsers().get(f"/w/{typed.code}").text
    assert 'list="agency-list"' in page and '<select id="agency"' not in page


def test_the_console_lists_agencies_not_joined_and_people_not_voted(client: TestClient, browsers: Any) -> None:
    workshop = create_workshop(client, phase="propose", agencies=INVITED)
    project = propose(client, workshop, workshop.facilitator, "ศูนย์ข้อมูลสภาพอากาศ")
    voter = join(client, workshop, "สมชาย", "กรมอุตุนิยมวิทยา")
    join(client, workshop, "มาลี", "สถิติแห่งชาติ")
    set_phase(client, workshop, "vote")
    vote(client, workshop, voter, project["id"], 2)

    console = browsers(workshop.created["facilitator_url"]).get(f"/w/{workshop.code}/facilitate").text
    roster = console[console.index('id="agency-details"'):console.index('id="not-voted-details"')]
    statuses = re.findall(r'data-status="(\w+)">\s*<td>([^<]+)', roster)
    assert [(status, name.strip()) for status, name in statuses] == [
        ("not_voted", "สำนักงานสถิติแห่งชาติ"), ("all_voted", "กรมอุตุนิยมวิทยา"),
        ("not_joined", "กระทรวงดิจิทัลเพื่อเศรษฐกิจและสังคม")]
    assert "ยังไม่เข้าร่วม" in roster and "ยังไม่ลงคะแนน" in roster
    waiting = console[console.index('id="not-voted-details"'):]
    assert "ผู้ที่ยังไม่ได้ลงคะแนน" in waiting
    assert re.search(r"<li>มาลี <small>สำนักงานสถิติแห่งชาติ</small></li>", waiting)
    assert "<li>สมชาย" not in waiting


def three_projects(client: TestClient) -> tuple[Any, dict[str, Any], dict[str, Any], dict[str, Any]]:
    workshop = create_workshop(client, phase="propose")
    first, earlier, later = (
        propose(client, workshop, workshop.facilitator, title, description=description, agency=agency)
        for (title, description), agency in ((FIRST, "กรมที่ดิน"), (EARLIER, "กรมป้องกันและบรรเทาสาธารณภัย"),
                                             (LATER, "สำนักงานทรัพยากรน้ำแห่งชาติ")))
    return workshop, first, earlier, later


def test_the_merge_form_starts_on_the_suggested_duplicate_and_compares_the_two(client: TestClient,
                                                                               browsers: Any) -> None:
    workshop, first, earlier, later = three_projects(client)
    console = browsers(workshop.created["facilitator_url"])
    editor = console.get(f"/w/{workshop.code}/facilitate/projects/{later['id']}").text
    selected = re.findall(r'<option value="(\d+)" selected>', editor)
    assert selected == [str(earlier["id"])]  # not the first project: the likely duplicate
    assert "น่าจะซ้ำกัน (แนะนำ)" in editor

    compare = editor[editor.index('class="dense merge-compare"'):]
    assert f'data-source="{later["id"]}" data-target="{earlier["id"]}"' in compare
    for text in (LATER[0], EARLIER[0], LATER[1], EARLIER[1], "กรมป้องกันและบรรเทาสาธารณภัย",
                 "สำนักงานทรัพยากรน้ำแห่งชาติ", "เปรียบเทียบก่อนรวม", "ผู้เสนอร่วม"):
        assert text in html.unescape(compare), text
    confirm = html.unescape(re.search(r'hx-confirm="([^"]+)"', compare).group(1))
    assert confirm.startswith(f"รวม «{LATER[0]}» เข้ากับ «{EARLIER[0]}»?")

    # Choosing another target draws its compare; then the merge unites the agencies.
    other = console.get(f"/w/{workshop.code}/facilitate/projects/{later['id']}/merge",
                        params={"into": first["id"]}).text
    assert f'data-target="{first["id"]}"' in other and FIRST[0] in other
    merged = console.post(f"/w/{workshop.code}/facilitate/projects/{later['id']}/merge",
                          data={"into": earlier["id"]})
    assert merged.status_code == 200
    survivor = next(p for p in client.get(f"{workshop.url}/projects", headers=workshop.facilitator).json()
                    if p["id"] == earlier["id"])
    assert (survivor["agency"], survivor["co_agencies"]) == ("กรมป้องกันและบรรเทาสาธารณภัย",
                                                             ["สำนักงานทรัพยากรน้ำแห่งชาติ"])


def test_the_duplicate_hint_confirms_naming_both_projects(client: TestClient, browsers: Any) -> None:
    workshop, _first, _earlier, _later = three_projects(client)
    console = browsers(workshop.created["facilitator_url"]).get(f"/w/{workshop.code}/facilitate").text
    hints = console[console.index('id="duplicate-hints"'):]
    confirm = html.unescape(re.search(r'hx-confirm="([^"]+)"', hints).group(1))
    assert confirm.startswith(f"รวม «{LATER[0]}» เข้ากับ «{EARLIER[0]}»?")


def test_a_phone_whose_dots_came_back_is_told_once(client: TestClient, browsers: Any) -> None:
    workshop, _first, earlier, later = three_projects(client)
    phone = browsers()
    assert phone.post(f"/w/{workshop.code}/join", data={"name": "มาลี"}).status_code == 200
    set_phase(client, workshop, "vote")
    for project, taps in ((earlier, 3), (later, 2)):
        for _tap in range(taps):
            assert phone.post(f"/w/{workshop.code}/ballot/{project['id']}", data={"change": "1"}).status_code == 200
    console = browsers(workshop.created["facilitator_url"])
    assert console.post(f"/w/{workshop.code}/facilitate/projects/{later['id']}/merge",
                        data={"into": earlier["id"]}).status_code == 200

    page = phone.get(f"/w/{workshop.code}/me").text
    assert 'id="phone-notice"' in page
    assert f"“{LATER[0]}” ถูกรวมเข้ากับ “{EARLIER[0]}”" in html.unescape(page) and "ได้คืน 2 จุด" in page
    assert 'id="phone-notice"' not in phone.get(f"/w/{workshop.code}").text  # once
