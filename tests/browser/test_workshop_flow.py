"""One workshop from start to finish, in a real browser: a facilitator, a big screen, two phones.

Every live change is checked without a reload: each page gets a `window` marker before the
changes, and the marker must still be there afterwards.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
import openpyxl
import pytest
from playwright.sync_api import BrowserContext, Page, expect

pytestmark = pytest.mark.browser

TIMEOUT_MS = 10_000

# Thai with stacked vowels and tone marks (ปี่ ผู้ ที่ ญี่ปุ่น...), the hardest case for line boxes.
WORKSHOP_TITLE = "ประชุมเชิงปฏิบัติการจัดทำแผนปฏิบัติการด้านดิจิทัล ปี ๒๕๖๙"
PROJECT_ONE = "ระบบบริการภาครัฐแบบครบวงจรสำหรับผู้สูงอายุที่บ้าน"
PROJECT_TWO = "ศูนย์ข้อมูลเปิดภาครัฐเพื่อผู้ประกอบการรุ่นใหม่"
AGENCY = "กรมอุตุนิยมวิทยา"

PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True,
         "device_scale_factor": 2}
FACILITATOR = {"viewport": {"width": 1366, "height": 768}}
SCREEN = {"viewport": {"width": 1920, "height": 1080}}


def open_page(new_context: Any, url: str, problems: list[str], **options: Any) -> Page:
    """A page in its own browser context (own cookies), reporting script errors to `problems`."""
    context: BrowserContext = new_context(locale="th-TH", **options)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    # A refused tap answers 409, which Chromium logs as a failed resource: that one is expected.
    page.on("console", lambda msg: problems.append(f"{page.url}: {msg.text}")
            if msg.type == "error" and "Failed to load resource" not in msg.text else None)
    page.on("pageerror", lambda error: problems.append(f"{page.url}: {error}"))
    page.goto(url)
    return page


def wait_live(page: Page) -> None:
    """Act only once the websocket is open (app.js marks it on the body)."""
    page.wait_for_selector("body[data-ws=open]", timeout=TIMEOUT_MS)


def mark(page: Page) -> None:
    page.evaluate("window.__marker = 1")


def assert_not_reloaded(page: Page) -> None:
    assert page.evaluate("window.__marker") == 1, "the page was reloaded"


def assert_phone_fits(page: Page) -> None:
    """360 px: no horizontal scrolling, and every visible control is a 44 px touch target."""
    width = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert width[0] <= width[1], f"the phone page scrolls sideways: {width}"
    small = page.evaluate("""() => [...document.querySelectorAll(
        'button, a, input:not([type=hidden]):not([type=checkbox]):not([type=radio]), select, textarea, label.choice, label.tab')]
      .filter(e => e.checkVisibility({opacityProperty: true, visibilityProperty: true}) && !e.closest('[hidden]'))
      .map(e => [e.outerHTML.slice(0, 80), e.getBoundingClientRect()])
      .filter(([, r]) => r.height < 44 || r.width < 44)
      .map(([html, r]) => `${html} ${Math.round(r.width)}x${Math.round(r.height)}`)""")
    assert small == [], f"touch targets under 44 px: {small}"


def assert_screen_fits(page: Page) -> None:
    """1920x1080: no scrolling, and every visible piece of text is at least 32 px."""
    size = page.evaluate("""() => [document.documentElement.scrollWidth, document.documentElement.scrollHeight,
                                   document.getElementById('screen-live').scrollHeight]""")
    assert size[0] <= 1920 and size[1] <= 1080 and size[2] <= 1080, f"the big screen overflows: {size}"
    small = page.evaluate("""() => {
      const out = [];
      const walker = document.createTreeWalker(document.getElementById('screen-live'), NodeFilter.SHOW_TEXT);
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const el = node.parentElement;
        if (!node.textContent.trim() || !el.checkVisibility({opacityProperty: true, visibilityProperty: true})) continue;
        const px = parseFloat(getComputedStyle(el).fontSize);
        if (px < 32) out.push(`${el.tagName}.${el.className} ${px}px: ${node.textContent.trim().slice(0, 30)}`);
      }
      return out;
    }""")
    assert small == [], f"big-screen text under 32 px: {small}"


def shoot(page: Page, folder: Path, view: str, phase: str, suffix: str = "") -> None:
    page.wait_for_timeout(700)  # let arrivals, bars and toasts finish moving
    page.screenshot(path=str(folder / f"{view}-{phase}{suffix}.png"))


def test_workshop_from_setup_to_export(live_server: str, new_context: Any, screenshots: Path,
                                       tmp_path: Path, request: pytest.FixtureRequest) -> None:
    expect.set_options(timeout=TIMEOUT_MS)
    api = httpx.Client(base_url=live_server, timeout=10)
    request.addfinalizer(api.close)
    problems: list[str] = []

    # The facilitator creates the workshop through the JSON API, with a Thai title.
    answer = api.post("/api/v1/workshops", json={"title": WORKSHOP_TITLE, "agencies": [AGENCY],
                                                 "dots_per_participant": 5, "max_dots_per_project": 3})
    assert answer.status_code == 201, answer.text
    created = answer.json()
    code = created["code"]
    bearer = {"Authorization": f"Bearer {created['facilitator_key']}"}
    assert created["screen_url"].startswith(live_server)

    def move_to(phase: str) -> None:
        moved = api.put(f"/api/v1/workshops/{code}/phase", json={"phase": phase}, headers=bearer)
        assert moved.status_code == 200, moved.text

    # The facilitator's console, the big screen and two phones.
    console = open_page(new_context, created["facilitator_url"], problems, **FACILITATOR)
    screen = open_page(new_context, created["screen_url"], problems, **SCREEN)
    phones = [open_page(new_context, created["join_url"], problems, **PHONE) for _ in range(2)]
    for page in (console, screen):
        wait_live(page)
        mark(page)
    expect(screen.locator("#screen-live h1")).to_have_text(WORKSHOP_TITLE)
    expect(screen.locator(".join-code")).to_have_text(code)

    for page, name in zip(phones, ("สมหญิง ใจดี", "ประเสริฐ ศรีสุข"), strict=True):
        expect(page.locator("h1")).to_have_text(WORKSHOP_TITLE)
        page.fill("#name", name)
        page.select_option("#agency", AGENCY)  # picked from the invited list
        page.click("form button[type=submit]")
        expect(page.locator("#phone-main.phase-setup")).to_be_visible()
        wait_live(page)
        mark(page)
        assert_phone_fits(page)
    phone_one, phone_two = phones
    expect(screen.locator("#screen-participants")).to_have_text("2")
    expect(console.locator(".count-box .num").first).to_have_text("2")
    assert_screen_fits(screen)
    shoot(phone_one, screenshots, "phone", "setup")
    shoot(console, screenshots, "facilitator", "setup")
    shoot(screen, screenshots, "screen", "setup")

    # Propose: phone one sends a Thai proposal through the form; phone two sees it arrive.
    move_to("propose")
    for page in phones:
        expect(page.locator("#phone-main.phase-propose")).to_be_visible()
    expect(screen.locator("#screen-live.phase-propose")).to_be_visible()
    expect(console.locator(".phase-button.current")).to_have_attribute("value", "propose")
    phone_two.fill("#p-title", "ร่างที่ยังพิมพ์ไม่เสร็จ")  # half-typed while someone else proposes

    phone_one.fill("#p-title", PROJECT_ONE)
    phone_one.fill("#p-description", "ลดการเดินทางมาติดต่อราชการ ผู้สูงอายุยื่นคำขอได้ที่บ้าน")
    phone_one.locator("input[name=strategy_ids]").nth(2).check()  # S3
    phone_one.locator("input[name=strategy_ids]").nth(3).check()  # S4
    phone_one.locator("input[name=reform_area_ids]").nth(1).check()  # R2
    phone_one.click("#propose-form button[type=submit]")
    expect(phone_one.locator("#propose-form .success")).to_contain_text(PROJECT_ONE)
    expect(phone_one.locator("#p-title")).to_have_value("")  # a fresh form for the next idea

    phone_two.click("label[for=tab-browse]")
    expect(phone_two.locator("#proposal-list")).to_contain_text(PROJECT_ONE)
    expect(phone_two.locator("#proposal-count")).to_have_text("1")
    assert_not_reloaded(phone_two)
    phone_two.click("label[for=tab-propose]")
    expect(phone_two.locator("#p-title")).to_have_value("ร่างที่ยังพิมพ์ไม่เสร็จ")  # nothing typed is lost
    phone_two.fill("#p-title", PROJECT_TWO)
    phone_two.locator("input[name=strategy_ids]").nth(1).check()  # S2
    phone_two.locator("input[name=reform_area_ids]").nth(4).check()  # R5
    phone_two.click("#propose-form button[type=submit]")
    expect(phone_two.locator("#propose-form .success")).to_contain_text(PROJECT_TWO)
    phone_one.click("label[for=tab-browse]")
    expect(phone_one.locator("#proposal-list .project")).to_have_count(2)
    expect(phone_one.locator("#proposal-list .project h3").first).to_have_text(PROJECT_TWO)  # newest first
    expect(screen.locator(".wall-card")).to_have_count(2)
    expect(console.locator(".projects-table tbody tr")).to_have_count(2)
    for page in phones:
        assert_phone_fits(page)
    assert_screen_fits(screen)
    shoot(phone_one, screenshots, "phone", "propose")
    phone_one.click("label[for=tab-propose]")
    shoot(phone_one, screenshots, "phone", "propose", "-form")
    shoot(console, screenshots, "facilitator", "propose")
    shoot(screen, screenshots, "screen", "propose")

    # Vote: both phones spend dots with +; the big screen's ranking follows without a reload.
    move_to("vote")
    for page in phones:
        expect(page.locator("#phone-main.phase-vote")).to_be_visible()
    expect(screen.locator("#screen-live.phase-vote .tally-row")).to_have_count(2)

    def plus(page: Page, title: str) -> None:
        card = page.locator("#ballot .project").filter(has=page.locator("h3", has_text=title))
        before = int(card.locator("output.my-dots").inner_text())
        card.locator("button.plus").click()
        expect(card.locator("output.my-dots")).to_have_text(str(before + 1))

    console.click("#agency-details summary")  # the facilitator opens "participation by agency"
    budget = phone_one.locator("#budget")
    expect(budget).to_have_attribute("data-remaining", "5")
    plus(phone_one, PROJECT_ONE)
    plus(phone_one, PROJECT_ONE)
    plus(phone_one, PROJECT_TWO)
    expect(budget).to_have_attribute("data-remaining", "2")
    expect(budget).to_contain_text("2")
    expect(budget).to_be_in_viewport()  # always in sight while voting
    for _ in range(3):
        plus(phone_two, PROJECT_TWO)
    expect(phone_two.locator("#budget")).to_have_attribute("data-remaining", "2")

    first = screen.locator(".tally-row").first
    expect(first.locator(".tally-title")).to_have_text(PROJECT_TWO)
    expect(first.locator(".tally-num")).to_have_text("4")
    expect(screen.locator(".tally-row").nth(1).locator(".tally-num")).to_have_text("2")
    assert_not_reloaded(screen)
    expect(console.locator(".projects-table tbody tr").first).to_contain_text(PROJECT_TWO)
    expect(console.locator(".count-box .num").nth(3)).to_have_text("6")  # dots cast
    expect(console.locator("#agency-details")).to_have_attribute("open", "")  # still open after live redraws
    expect(console.locator("#agency-details tbody tr").first).to_contain_text(AGENCY)
    console.locator(".projects-table tbody tr").first.locator("button").first.click()  # "Manage"
    expect(console.locator("#editor #e-title")).to_have_value(PROJECT_TWO)
    expect(console.locator("#editor #e-title")).to_be_in_viewport()

    # At the cap (3 on one project) the + is disabled and says why (the server refuses a fourth
    # dot anyway: tests/routes/test_phone_issue12.py).
    capped = phone_two.locator("#ballot .project").filter(has=phone_two.locator("h3", has_text=PROJECT_TWO))
    expect(capped.locator("button.plus")).to_have_class(re.compile(r"\bspent\b"))
    expect(capped.locator("button.plus")).to_be_disabled()
    expect(capped.locator(".cap-reason")).to_contain_text("3")
    expect(capped.locator("output.my-dots")).to_have_text("3")
    expect(phone_two.locator("#budget")).to_have_attribute("data-remaining", "2")
    for page in phones:
        assert_not_reloaded(page)
        assert_phone_fits(page)
    assert_screen_fits(screen)
    shoot(phone_two, screenshots, "phone", "vote", "-cap")
    shoot(phone_one, screenshots, "phone", "vote")
    shoot(console, screenshots, "facilitator", "vote")
    shoot(screen, screenshots, "screen", "vote")

    # Results, then closed, from the console's phase buttons (closing asks once): every view follows.
    console.on("dialog", lambda dialog: dialog.accept())
    for phase in ("results", "closed"):
        console.click(f".phase-button[value={phase}]")
        for page in phones:
            expect(page.locator(f"#phone-main.phase-{phase}")).to_be_visible()
            assert_phone_fits(page)
        expect(screen.locator(f"#screen-live.phase-{phase}")).to_be_visible()
        expect(console.locator(".phase-button.current")).to_have_attribute("value", phase)
        expect(console.locator(".tallies-toggle")).to_have_count(0)  # shown to all from results on
        expect(phone_one.locator(".ranking li").first).to_contain_text(PROJECT_TWO)
        assert_screen_fits(screen)
        shoot(phone_one, screenshots, "phone", phase)
        shoot(console, screenshots, "facilitator", phase)
        shoot(screen, screenshots, "screen", phase)
        if phase == "results":
            # The results screen cycles through three slides; show each for the record.
            for n, name in ((1, "strategies"), (2, "coverage")):
                screen.evaluate("n => document.getAnimations().forEach(a => { a.currentTime = n * 12000 + 500; })", n)
                assert_screen_fits(screen)
                shoot(screen, screenshots, "screen", phase, f"-{name}")
    for page in (console, screen, *phones):
        assert_not_reloaded(page)

    # The facilitator downloads the XLSX from the console; it opens with the Thai intact.
    with console.expect_download(timeout=TIMEOUT_MS) as download_info:
        console.click(f"a[href='/w/{code}/facilitate/export.xlsx']")
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx")
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    workbook = openpyxl.load_workbook(path, read_only=True)
    try:
        cells = {str(value) for sheet in workbook.worksheets for row in sheet.iter_rows(values_only=True)
                 for value in row if value is not None}
    finally:
        workbook.close()
    assert PROJECT_ONE in cells and PROJECT_TWO in cells, "the Thai project titles are not intact in the XLSX"
    assert AGENCY in cells
    assert problems == [], problems
