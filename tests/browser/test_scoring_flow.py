"""A scoring round in a real browser: the facilitator starts it from the console, a 360 px phone
redraws into the 1-5 ballot without a reload and scores with thumb-sized buttons, and the
console shows the score live."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.browser.test_workshop_flow import (
    FACILITATOR,
    PHONE,
    TIMEOUT_MS,
    assert_not_reloaded,
    assert_phone_fits,
    mark,
    open_page,
    wait_live,
)

pytestmark = pytest.mark.browser

PROJECTS = ["ระบบเตือนภัยน้ำท่วมล่วงหน้าผ่านโทรศัพท์มือถือ", "ศูนย์กลางข้อมูลเปิดภาครัฐ"]


def test_a_phone_scores_a_project_and_the_console_sees_it(live_server: str, new_context: Any,
                                                          screenshots: Path) -> None:
    api = f"{live_server}/api/v1/workshops"
    with httpx.Client(timeout=10) as http:
        workshop = http.post(api, json={"title": "ทบทวนรายการสั้น ๒๕๖๙", "language": "th"}).json()
        code, key = workshop["code"], {"Authorization": f"Bearer {workshop['facilitator_key']}"}
        for title in PROJECTS:
            assert http.post(f"{api}/{code}/projects", headers=key, json={"title": title}).status_code == 201
        assert http.put(f"{api}/{code}/phase", headers=key, json={"phase": "vote"}).status_code == 200
    problems: list[str] = []
    console = open_page(new_context, workshop["facilitator_url"], problems, **FACILITATOR)
    phone = open_page(new_context, f"{live_server}/j/{code}", problems, **PHONE)
    phone.fill("input[name=name]", "มาลี")
    phone.click("button[type=submit]")
    for page in (console, phone):
        wait_live(page)
        mark(page)

    # The facilitator starts a scoring round from the console's form.
    console.click("#round-form summary")
    console.check("input[name=mode][value=scoring]")
    console.once("dialog", lambda dialog: dialog.accept())
    console.click("#round-form button[type=submit]")
    expect(console.locator("#rounds-panel .round-item.current")).to_contain_text("รอบที่ 2", timeout=TIMEOUT_MS)

    # The phone redraws into the scoring ballot by itself.
    control = phone.locator(".score-control").first
    expect(control).to_be_visible(timeout=TIMEOUT_MS)
    expect(phone.locator(".round-badge")).to_contain_text("รอบที่ 2")
    assert_phone_fits(phone)
    phone.locator("[id$='-impact-4']").first.click()
    expect(phone.locator("[id$='-impact-4']").first).to_have_attribute("aria-pressed", "true", timeout=TIMEOUT_MS)
    phone.locator("[id$='-feasibility-2']").first.click()
    expect(phone.locator("#my-scores")).to_contain_text("ผลกระทบ 4", timeout=TIMEOUT_MS)

    # The console shows the weighted mean live: (4 + 2) / 2.
    expect(console.locator("td.score").first).to_contain_text("3.00", timeout=TIMEOUT_MS)
    expect(console.locator(".count-box").nth(2)).to_contain_text("1")
    phone.screenshot(path=str(screenshots / "phone-scoring.png"), full_page=True)
    console.screenshot(path=str(screenshots / "facilitator-scoring.png"), full_page=True)
    for page in (console, phone):
        assert_not_reloaded(page)
    assert problems == []
