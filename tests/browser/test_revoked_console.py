"""A moderator's console in a real browser: it shows moderation only, and when the main
facilitator revokes its link the page says so at once and stops reconnecting; the main
facilitator issues the link from the Facilitators card (shown once, with a copy button)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.browser.test_workshop_flow import FACILITATOR, TIMEOUT_MS, open_page, wait_live

pytestmark = pytest.mark.browser


def test_a_revoked_moderator_console_says_so_and_stays_closed(live_server: str, new_context: Any) -> None:
    problems: list[str] = []
    with httpx.Client(base_url=live_server, timeout=10) as http:
        created = http.post("/api/v1/workshops", json={"title": "เวิร์กชอปหลายผู้ดำเนินการ"}).json()
        code, main = created["code"], {"Authorization": f"Bearer {created['facilitator_key']}"}
        http.put(f"/api/v1/workshops/{code}/phase", json={"phase": "propose"}, headers=main).raise_for_status()
        http.post(f"/api/v1/workshops/{code}/projects", json={"title": "ศูนย์ข้อมูลกลาง"},
                  headers=main).raise_for_status()

        # The main facilitator issues the moderator's link from the Facilitators card.
        console = open_page(new_context, created["facilitator_url"], problems, **FACILITATOR)
        wait_live(console)
        console.fill("#link-name", "วิภา ผู้ตรวจ")
        console.select_option("#link-role", "moderator")
        console.click("#facilitators button[type=submit]")
        issued = console.locator("#issued-link")
        expect(issued).to_be_visible(timeout=TIMEOUT_MS)
        link_url = issued.input_value()
        assert f"/w/{code}/facilitate/" in link_url
        link_id = http.get(f"/api/v1/workshops/{code}/links", headers=main).json()[0]["id"]

        moderator = open_page(new_context, link_url, problems, **FACILITATOR)
        wait_live(moderator)
        expect(moderator.locator("#moderation")).to_be_visible()
        assert moderator.locator(".phase-button").count() == 0  # no phase controls for a moderator
        assert moderator.locator("#facilitators").count() == 0

        console.once("dialog", lambda dialog: dialog.accept())  # revoking asks once
        console.click(f"#link-{link_id} button.danger")
        expect(moderator.locator("#connection")).to_have_attribute("data-state", "revoked", timeout=TIMEOUT_MS)
        expect(moderator.locator("#connection")).to_contain_text("เพิกถอน")
        moderator.wait_for_timeout(2500)  # no reconnecting afterwards
        assert moderator.locator("#connection").get_attribute("data-state") == "revoked"
        assert moderator.evaluate("document.body.dataset.ws") == "revoked"
    assert not problems, problems
