"""Two facilitators run one event from two consoles. When one pastes new tables into the Groups
card, the other console shows them at once (the card's live list), and also each new table's
own part of the card: its join link and QR code, and the buttons for every group, without a
reload and without wiping what the other facilitator is typing into the card meanwhile."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.browser.test_workshop_flow import FACILITATOR, open_page, wait_live

pytestmark = pytest.mark.browser

TABLES = ["โต๊ะ 1 ภาคตะวันออกเฉียงเหนือตอนบน", "โต๊ะ 2 ภาคใต้ฝั่งอันดามัน"]


def test_tables_added_on_one_console_come_with_their_links_on_the_other(live_server: str, new_context: Any) -> None:
    problems: list[str] = []
    with httpx.Client(base_url=live_server, timeout=30) as http:
        created = http.post("/api/v1/workshops", json={"title": "สมัชชาแผนระดับภาค 2570"}).json()
    code = created["code"]
    here = open_page(new_context, created["facilitator_url"], problems, **FACILITATOR)
    there = open_page(new_context, created["facilitator_url"], problems, **FACILITATOR)
    wait_live(there)
    # The second facilitator is half-way through typing tables of their own.
    there.fill("#group-names", "โต๊ะ 3 ภาคกลาง")

    here.fill("#group-names", "\n".join(TABLES))
    here.click(".groups-add button[type=submit]")
    expect(here.locator("#groups-card")).to_contain_text(f"{code}-2")

    # The other console: the live list, then each table's links and QR, and the buttons for all.
    for n, name in enumerate(TABLES, start=1):
        expect(there.locator("#groups-live")).to_contain_text(name)
        links = there.locator(".group-links", has_text=f"{code}-{n}")
        expect(links).to_have_count(1)
        links.locator("summary").click()
        expect(links.locator("input[id^=gj-]")).to_have_value(f"{live_server}/j/{code}-{n}")
        expect(links.locator(".qr svg")).to_be_visible()
    expect(there.locator("#groups-card button[name=phase][value=propose]")).to_be_visible()
    assert there.locator("#group-names").input_value() == "โต๊ะ 3 ภาคกลาง"

    # The buttons that came in work: every table to "propose" from the second console.
    there.on("dialog", lambda dialog: dialog.accept())
    there.click("#groups-card button[name=phase][value=propose]")
    expect(here.locator("#groups-live .phase-chip.phase-propose")).to_have_count(2)
    assert problems == []
