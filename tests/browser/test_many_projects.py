"""A workshop of 3,000 real imported projects on a phone (issue 13, point 5): the first load stays
under 60 KB, the list pages with its "more" button, the search finds a project by a Thai word from
the middle of its title, and the dots placed stay in "My votes" whatever the list shows."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect
from sqlmodel import Session

from app import db
from app.config import Settings
from app.models.project import ProjectCreate
from app.services import projects, workshops
from app.services.access import Actor, Role
from app.services.ceilings import Ceilings
from app.services.project_search import PAGE_SIZE
from bench.views import real_projects
from tests.browser.audit import PHONE, TIMEOUT_MS, join, make_workshop
from tests.browser.test_light_phone import LIMIT, describe, first_visit

pytestmark = pytest.mark.browser

COUNT = 3000
# Put in the middle of the list; "ขุดลอก" (dredge) is a word inside it, found by no other title here.
TARGET = "โครงการปรับปรุงแหล่งน้ำเดิม ด้วยการขุดลอกคลองส่งน้ำ หมู่ที่ 5 ตำบลแก้วฟ้า"


def add_projects(settings: Settings, code: str) -> None:
    """3,000 real titles and agencies straight into the server's database (as an import would)."""
    rows = [(t, a) for t, a in real_projects(COUNT + 200, seed=7) if "ขุดลอก" not in t][:COUNT - 1]
    rows.insert(COUNT // 2, (TARGET, "กรมชลประทาน"))
    engine = db.make_engine(settings)
    try:
        with Session(engine, expire_on_commit=False) as session:
            workshop = workshops.get_workshop(session, code=code)
            room = Ceilings(participants=100, projects=COUNT + 10, typed_agencies=100, rounds=5)
            for title, agency in rows:
                projects.create_project(session, workshop=workshop, actor=Actor(Role.facilitator), ceilings=room,
                                        project_in=ProjectCreate(title=title, agency=agency))
    finally:
        engine.dispose()


def test_a_phone_pages_and_searches_3000_projects(live_server: str, new_context: Any, settings: Settings,
                                                  request: pytest.FixtureRequest) -> None:
    expect.set_options(timeout=TIMEOUT_MS)
    made = make_workshop(live_server, ())
    request.addfinalizer(made.api.close)
    add_projects(settings, made.code)
    context = new_context(locale="th-TH", **PHONE)
    context.set_default_timeout(TIMEOUT_MS)
    phone = context.new_page()
    phone.goto(made.created["join_url"])
    join(phone)
    made.phase("propose")
    expect(phone.locator("#phone-main.phase-propose")).to_be_visible()
    phone.close()

    # The first load: one page of the 3,000 (with the websocket's first message), at most 60 KB.
    transfer = first_visit(context, f"{live_server}/w/{made.code}")
    print("\n" + describe(f"phone page (propose, {COUNT} projects)", transfer))
    assert transfer.without_fonts <= LIMIT, describe("phone page", transfer)

    phone = context.new_page()
    phone.goto(f"{live_server}/w/{made.code}")
    phone.click("label[for=tab-browse]")
    cards = phone.locator("#proposal-list > li.project")
    expect(cards).to_have_count(PAGE_SIZE)
    phone.locator("#proposal-list a.more").click()  # the next page, added below
    expect(cards).to_have_count(2 * PAGE_SIZE)
    expect(phone.locator("#proposal-list a.more")).to_contain_text(f"{2 * PAGE_SIZE}")

    phone.fill("#search-proposal-list", "ขุดลอก")  # a word from the middle of the title
    phone.press("#search-proposal-list", "Enter")
    expect(cards).to_have_count(1)
    expect(cards.first).to_contain_text("แหล่งน้ำเดิม")

    # Voting: the ballot pages and searches the same way; the dot placed stays in "My votes".
    made.phase("vote")
    expect(phone.locator("#phone-main.phase-vote")).to_be_visible()
    ballot = phone.locator("#ballot > li.project")
    expect(ballot).to_have_count(PAGE_SIZE)
    phone.fill("#search-ballot", "ขุดลอก")
    phone.press("#search-ballot", "Enter")
    expect(ballot).to_have_count(1)
    ballot.first.locator("button.plus").click()
    expect(ballot.first.locator("output.my-dots")).to_have_text("1")
    phone.fill("#search-ballot", "")
    phone.press("#search-ballot", "Enter")
    expect(ballot).to_have_count(PAGE_SIZE)
    expect(phone.locator("#my-votes")).to_contain_text("แหล่งน้ำเดิม")
    phone.close()

    transfer = first_visit(context, f"{live_server}/w/{made.code}")
    print(describe(f"phone page (vote, {COUNT} projects)", transfer))
    assert transfer.without_fonts <= LIMIT, describe("phone page", transfer)
