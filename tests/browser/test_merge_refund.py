"""A merge from the console in a real browser: the editor starts on the suggested duplicate and
shows the two side by side, the confirmation names both, and a phone whose dots the cap gave
back is told, once, without a reload (screenshots: test-artifacts/screenshots/merge-*.png)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.test_facilitation import Api, join_by_phone
from tests.browser.test_workshop_flow import FACILITATOR, TIMEOUT_MS, assert_not_reloaded, mark, open_page, wait_live

pytestmark = pytest.mark.browser

UNRELATED = "ระบบจัดเก็บภาษีที่ดินออนไลน์"
EARLIER = "ระบบเตือนภัยน้ำท่วมล่วงหน้าผ่านโทรศัพท์มือถือ"
LATER = "แพลตฟอร์มแจ้งเตือนอุทกภัยแบบเรียลไทม์"
DESCRIPTIONS = {
    UNRELATED: "ให้ประชาชนชำระภาษีที่ดินและสิ่งปลูกสร้างผ่านเว็บไซต์ของเทศบาล",
    EARLIER: "ติดตั้งเซ็นเซอร์วัดระดับน้ำในลุ่มน้ำเจ้าพระยาและส่งข้อความแจ้งเตือนประชาชนในพื้นที่เสี่ยงผ่านแอปพลิเคชันและ SMS",
    LATER: "เชื่อมข้อมูลสถานีวัดระดับน้ำกับระบบส่งข้อความ SMS ถึงโทรศัพท์ของประชาชนในพื้นที่เสี่ยงน้ำท่วมก่อนน้ำมาถึง",
}
AGENCIES = {UNRELATED: "กรมที่ดิน", EARLIER: "กรมป้องกันและบรรเทาสาธารณภัย", LATER: "สำนักงานทรัพยากรน้ำแห่งชาติ"}


def test_a_merge_from_the_console_tells_the_phone_whose_dots_came_back(
        live_server: str, new_context: Any, request: pytest.FixtureRequest, screenshots: Path) -> None:
    expect.set_options(timeout=TIMEOUT_MS)
    api, problems = Api(live_server, request), []
    created = api.create(max_dots_per_project=3, dots_per_participant=10)
    code, key = created["code"], created["facilitator_key"]
    api.call("PUT", f"/workshops/{code}/phase", key, phase="propose")
    ids = {title: api.call("POST", f"/workshops/{code}/projects", key, 201, title=title,
                           description=DESCRIPTIONS[title], agency=AGENCIES[title])["id"]
           for title in (UNRELATED, EARLIER, LATER)}
    api.call("PUT", f"/workshops/{code}/phase", key, phase="vote")

    phone = join_by_phone(new_context, created, problems, "สมหญิง ใจดี")
    for title, taps in ((EARLIER, 3), (LATER, 2)):
        for count in range(1, taps + 1):
            phone.click(f"#plus-{ids[title]}")
            expect(phone.locator(f"#vote-{ids[title]} output.my-dots")).to_have_text(str(count))
    mark(phone)

    console = open_page(new_context, created["facilitator_url"], problems, **FACILITATOR)
    wait_live(console)
    row = console.locator(".projects-table tbody tr").filter(has_text=LATER)
    row.locator("td.row-actions button").first.click()  # Manage
    expect(console.locator("#editor #e-title")).to_have_value(LATER)
    # Not the first project: the suggested duplicate, compared side by side.
    expect(console.locator("#merge-into")).to_have_value(str(ids[EARLIER]))
    compare = console.locator(f"#merge-compare table[data-target='{ids[EARLIER]}']")
    expect(compare).to_contain_text(DESCRIPTIONS[LATER])
    expect(compare).to_contain_text(DESCRIPTIONS[EARLIER])
    expect(compare).to_contain_text("ผู้เสนอร่วม")
    expect(compare).to_contain_text("คืน 2 จุดให้ผู้เข้าร่วม 1 คน")
    console.screenshot(path=str(screenshots / "merge-compare.png"), caret="initial", full_page=True)

    confirmations: list[str] = []

    def confirm(dialog: Any) -> None:
        confirmations.append(dialog.message)
        dialog.accept()

    console.on("dialog", confirm)
    console.click("#editor .merge-confirm")
    expect(console.locator("#editor #e-title")).to_have_value(EARLIER)
    assert confirmations and confirmations[0].startswith(f"รวม «{LATER}» เข้ากับ «{EARLIER}»?"), confirmations

    # The phone redraws its ballot live and says what came back, once.
    notice = phone.locator("#phone-notice")
    expect(notice).to_contain_text(f"“{LATER}” ถูกรวมเข้ากับ “{EARLIER}”")
    expect(notice).to_contain_text("ได้คืน 2 จุด")
    expect(phone.locator(f"#vote-{ids[EARLIER]} output.my-dots")).to_have_text("3")
    assert_not_reloaded(phone)
    phone.screenshot(path=str(screenshots / "merge-phone-notice.png"), caret="initial")
    phone.reload()
    wait_live(phone)
    expect(phone.locator("#phone-main")).to_be_visible()
    expect(phone.locator("#phone-notice")).to_have_count(0)
    assert not problems, problems
