"""Facilitation in a real browser: a merge and an approval reach a phone and the big screen live,
the phase timer counts down in step on the screen and on a phone whose clock is wrong (and
moves the phase at zero), and every big-screen view, switched with the screen's keys, fits
1920x1080 (a screenshot of each is saved as test-artifacts/screenshots/screen-view-<view>.png)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect
from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.services import demo
from tests.browser.test_workshop_flow import (
    FACILITATOR,
    PHONE,
    SCREEN,
    TIMEOUT_MS,
    assert_not_reloaded,
    assert_phone_fits,
    assert_screen_fits,
    mark,
    open_page,
    wait_live,
)

pytestmark = pytest.mark.browser

DUPLICATE = "ศูนย์ข้อมูลเปิดภาครัฐสำหรับผู้ประกอบการ"
SURVIVOR = "ศูนย์ข้อมูลเปิดภาครัฐเพื่อผู้ประกอบการรุ่นใหม่"
WAITING = "ระบบนัดหมายรับบริการภาครัฐล่วงหน้าผ่านโทรศัพท์มือถือ"
SLOW_CLOCK_MS = 3 * 60 * 1000  # the phone's clock is three minutes behind


class Api:
    """The JSON API as the facilitator's scripts use it."""

    def __init__(self, base: str, request: pytest.FixtureRequest) -> None:
        self.http = httpx.Client(base_url=base, timeout=10)
        request.addfinalizer(self.http.close)

    def create(self, **body: Any) -> dict[str, Any]:
        answer = self.http.post("/api/v1/workshops", json={"title": "เวิร์กชอปจัดลำดับโครงการดิจิทัล", **body})
        assert answer.status_code == 201, answer.text
        return answer.json()

    def call(self, method: str, path: str, key: str | None = None, expect_status: int = 200, **body: Any) -> Any:
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        answer = self.http.request(method, f"/api/v1{path}", json=body or None, headers=headers)
        assert answer.status_code == expect_status, answer.text
        return answer.json() if answer.content else None


def join_by_phone(new_context: Any, created: dict[str, Any], problems: list[str], name: str,
                  clock_behind_ms: int = 0) -> Page:
    """A phone that joins through the form; its clock may be behind the server's."""
    if clock_behind_ms:
        context = new_context(locale="th-TH", **PHONE)
        context.set_default_timeout(TIMEOUT_MS)
        context.add_init_script(f"(() => {{ const real = Date.now; Date.now = () => real() - {clock_behind_ms}; }})()")
        phone = context.new_page()
        phone.on("pageerror", lambda error: problems.append(f"{phone.url}: {error}"))
        phone.goto(created["join_url"])
    else:
        phone = open_page(new_context, created["join_url"], problems, **PHONE)
    phone.fill("#name", name)
    phone.fill("#agency", "กรมการปกครอง")
    phone.click("form button[type=submit]")
    expect(phone.locator("#phone-main")).to_be_visible()
    wait_live(phone)
    return phone


def test_a_merge_and_an_approval_reach_the_phone_and_the_screen_live(
        live_server: str, new_context: Any, request: pytest.FixtureRequest, screenshots: Path) -> None:
    expect.set_options(timeout=TIMEOUT_MS)
    api, problems = Api(live_server, request), []
    created = api.create()
    code, key = created["code"], created["facilitator_key"]
    api.call("PUT", f"/workshops/{code}/phase", key, phase="propose")
    api.call("POST", f"/workshops/{code}/projects", key, 201, title=DUPLICATE)
    survivor = api.call("POST", f"/workshops/{code}/projects", key, 201, title=SURVIVOR)

    console = open_page(new_context, created["facilitator_url"], problems, **FACILITATOR)
    screen = open_page(new_context, created["screen_url"], problems, **SCREEN)
    phone = join_by_phone(new_context, created, problems, "สมหญิง ใจดี")
    proposer = join_by_phone(new_context, created, problems, "ประเสริฐ ศรีสุข")
    for page in (console, screen):
        wait_live(page)
    for page in (console, screen, phone, proposer):
        mark(page)
    phone.click("label[for=tab-browse]")
    expect(phone.locator("#proposal-list .project")).to_have_count(2)
    expect(screen.locator(".wall-card")).to_have_count(2)

    # The facilitator merges the duplicate from the console (Manage, choose, Merge, confirm).
    console.on("dialog", lambda dialog: dialog.accept())
    row = console.locator(".projects-table tbody tr").filter(has_text=DUPLICATE)
    row.locator("td.row-actions button").first.click()  # Manage
    expect(console.locator("#editor #e-title")).to_have_value(DUPLICATE)
    console.select_option("#merge-into", value=str(survivor["id"]))
    # The compare of the chosen pair is drawn, with the button that merges (after a confirmation).
    expect(console.locator(f"#merge-compare table[data-target='{survivor['id']}']")).to_be_visible()
    console.click("#editor .merge-confirm")
    expect(console.locator("#editor #e-title")).to_have_value(SURVIVOR)

    # Phone and screen follow without a reload.
    expect(phone.locator("#proposal-list .project")).to_have_count(1)
    expect(phone.locator("#proposal-list")).to_contain_text(SURVIVOR)
    expect(phone.locator("#proposal-count")).to_have_text("1")
    expect(screen.locator(".wall-card")).to_have_count(1)
    expect(screen.locator(".wall-card").first).to_contain_text(SURVIVOR)
    for page in (phone, screen):
        assert_not_reloaded(page)

    # Pre-moderation on: a new proposal waits (its proposer sees it marked) until approved.
    console.click("#moderation form button[type=submit]")
    expect(console.locator("#moderation input[name=on]")).to_have_value("off")  # it is on now
    proposer.fill("#p-title", WAITING)
    proposer.click("#propose-form button[type=submit]")
    expect(proposer.locator("#propose-form .success")).to_contain_text(WAITING)
    proposer.click("label[for=tab-mine]")
    mine = proposer.locator("#my-proposals .project").filter(has_text=WAITING)
    expect(mine.locator(".chip.state.waiting")).to_be_visible()
    pending = console.locator("#moderation .queue-item").filter(has_text=WAITING)
    expect(pending).to_be_visible()
    screen.wait_for_timeout(500)
    expect(screen.locator(".wall-card").filter(has_text=WAITING)).to_have_count(0)
    expect(phone.locator("#proposal-list .project").filter(has_text=WAITING)).to_have_count(0)
    assert_phone_fits(proposer)
    proposer.screenshot(path=str(screenshots / "phone-my-proposals-waiting.png"), caret="initial")
    console.screenshot(path=str(screenshots / "facilitator-moderation-queue.png"), caret="initial")

    pending.locator("button.primary").click()  # Approve
    expect(screen.locator(".wall-card").filter(has_text=WAITING)).to_have_count(1)
    expect(phone.locator("#proposal-list .project").filter(has_text=WAITING)).to_have_count(1)
    expect(mine.locator(".chip.state.shown")).to_be_visible()  # the proposer's own list follows
    # What still waits: the agency the phones typed at join (not on the workshop's list).
    expect(console.locator("#moderation .queue-item:not(.agency)")).to_have_count(0)
    expect(console.locator("#moderation .queue-item.agency")).to_contain_text("กรมการปกครอง")

    # The proposer edits their own, now shown, proposal from "My proposals": under pre-moderation
    # the change waits, and the screen keeps the approved text until the facilitator approves it.
    mine.locator("button.edit-mine").click()
    proposer.fill("#m-title", WAITING + " (ฉบับแก้ไข)")
    proposer.click("#my-editor button[type=submit]")
    expect(proposer.locator("#my-editor .success")).to_contain_text(WAITING)
    expect(mine.locator(".chip.state.waiting")).to_be_visible()
    edit = console.locator("#moderation .queue-item.edit")
    expect(edit.locator(".edit-side.old")).to_contain_text(WAITING)
    expect(edit.locator(".edit-side.new")).to_contain_text("ฉบับแก้ไข")
    expect(screen.locator(".wall-card").filter(has_text="ฉบับแก้ไข")).to_have_count(0)
    console.screenshot(path=str(screenshots / "facilitator-moderation-edit.png"), caret="initial")
    edit.locator("button.primary").click()  # Approve the change
    expect(screen.locator(".wall-card").filter(has_text="ฉบับแก้ไข")).to_have_count(1)
    for page in (console, screen, phone, proposer):
        assert_not_reloaded(page)
    assert problems == [], problems


def read_timer(page: Page) -> tuple[int, str]:
    """(milliseconds left, the text shown) of the page's timer, as app.js last drew it."""
    left, text = page.evaluate("""() => { const t = document.getElementById('timer');
        return [Number(t.dataset.leftMs), t.querySelector('[data-timer-value]').textContent]; }""")
    return int(left), str(text)


def seconds(text: str) -> int:
    minutes, secs = text.split(":")
    return int(minutes) * 60 + int(secs)


def test_the_timer_counts_down_in_step_on_the_screen_and_a_phone_with_a_wrong_clock(
        live_server: str, new_context: Any, request: pytest.FixtureRequest, screenshots: Path) -> None:
    expect.set_options(timeout=TIMEOUT_MS)
    api, problems = Api(live_server, request), []
    created = api.create()
    code, key = created["code"], created["facilitator_key"]
    api.call("PUT", f"/workshops/{code}/phase", key, phase="propose")
    console = open_page(new_context, created["facilitator_url"], problems, **FACILITATOR)
    screen = open_page(new_context, created["screen_url"], problems, **SCREEN)
    phone = join_by_phone(new_context, created, problems, "สมหญิง ใจดี", clock_behind_ms=SLOW_CLOCK_MS)
    assert phone.evaluate("Date.now()") < screen.evaluate("Date.now()") - SLOW_CLOCK_MS + 5000
    for page in (console, screen):
        wait_live(page)

    # The facilitator starts five minutes from the console.
    console.fill(".timer-start input[name=minutes]", "5")
    console.click(".timer-start button[type=submit]")
    for page in (screen, phone, console):
        expect(page.locator("#timer")).to_be_visible()
    screen.wait_for_timeout(1500)  # let both settle on their clock estimate
    gaps = []
    for _ in range(3):
        (screen_left, screen_text), (phone_left, phone_text) = read_timer(screen), read_timer(phone)
        gaps.append(abs(screen_left - phone_left))
        assert abs(screen_left - phone_left) <= 1000, (screen_left, phone_left)
        assert abs(seconds(screen_text) - seconds(phone_text)) <= 1, (screen_text, phone_text)
        assert 290_000 < screen_left <= 300_000
        screen.wait_for_timeout(700)
    later, _ = read_timer(screen)
    assert later < screen_left  # it counts down
    figures = {"phone_clock_behind_ms": SLOW_CLOCK_MS, "screen_phone_gap_ms": gaps}
    (screenshots.parent / "timer-sync.json").write_text(json.dumps(figures) + "\n")
    screen.screenshot(path=str(screenshots / "screen-timer.png"), caret="initial")
    phone.screenshot(path=str(screenshots / "phone-timer.png"), caret="initial")
    console.evaluate("window.scrollTo(0, 0)")
    console.screenshot(path=str(screenshots / "facilitator-timer-and-views.png"), caret="initial")

    # Pause: both stop at the same value; +1 min: both jump together.
    console.click(".timer-buttons button:nth-child(2)")  # Pause
    expect(screen.locator("#timer .timer-state")).to_be_visible()
    expect(phone.locator("#timer .timer-state")).to_be_visible()
    paused_screen, paused_phone = read_timer(screen)[1], read_timer(phone)[1]
    screen.wait_for_timeout(1200)
    assert read_timer(screen)[1] == paused_screen and read_timer(phone)[1] == paused_phone
    assert abs(seconds(paused_screen) - seconds(paused_phone)) <= 1
    console.click(".timer-buttons button:nth-child(1)")  # +1 min
    expect(screen.locator("#timer [data-timer-value]")).to_have_text(
        f"{(seconds(paused_screen) + 60) // 60}:{(seconds(paused_screen) + 60) % 60:02d}")
    assert abs(seconds(read_timer(phone)[1]) - seconds(read_timer(screen)[1])) <= 1

    # A short timer that moves the workshop on at zero: the phones follow to voting.
    console.fill(".timer-start input[name=minutes]", "0.05")
    console.check(".timer-start input[name=auto_advance]")
    console.click(".timer-start button[type=submit]")
    expect(phone.locator("#phone-main.phase-vote")).to_be_visible(timeout=15_000)
    expect(screen.locator("#screen-live.phase-vote")).to_be_visible()
    expect(console.locator(".phase-button.current")).to_have_attribute("value", "vote")
    expect(screen.locator("#timer")).to_be_hidden()
    assert api.call("GET", f"/workshops/{code}")["phase"] == "vote"
    assert problems == [], problems


VIEWS = [("1", "join"), ("2", "wall"), ("3", "tallies"), ("4", "ranking"), ("5", "strategies"),
         ("6", "coverage"), ("8", "agencies")]
# The demo invites its agencies and takes no other names: these are spellings of invited ones.
AGENCIES = ["สำนักงานปลัดกระทรวงดิจิทัลฯ", "กรมอุตุนิยมวิทยา", "สำนักงานสถิติแห่งชาติ", "ETDA", "depa"]


def test_every_screen_view_fits_the_big_screen(live_server: str, new_context: Any, engine: Engine,
                                               request: pytest.FixtureRequest, screenshots: Path) -> None:
    expect.set_options(timeout=TIMEOUT_MS)
    api, problems = Api(live_server, request), []
    with Session(engine, expire_on_commit=False) as session:  # the MDES demo: 20 projects, 6 strategies
        workshop, key, screen_key, _created = demo.ensure_demo(session)
        code = workshop.code
    projects = api.call("GET", f"/workshops/{code}/projects", key)
    api.call("POST", f"/workshops/{code}/projects/{projects[3]['id']}/pin", key, pinned=True)
    tokens = [api.call("POST", f"/workshops/{code}/participants", None, 201, name=f"ผู้เข้าร่วม {n}",
                       agency=AGENCIES[n % len(AGENCIES)])["participant_token"] for n in range(14)]
    api.call("PUT", f"/workshops/{code}/timer", key, action="start", minutes=12)
    screen = open_page(new_context, f"{live_server}/w/{code}/screen/{screen_key}", problems, **SCREEN)
    console = open_page(new_context, f"{live_server}/w/{code}/facilitate/{key}", problems, **FACILITATOR)
    wait_live(screen)
    wait_live(console)

    def show(key_pressed: str, view: str, name: str | None = None) -> None:
        screen.keyboard.press(key_pressed)
        expect(screen.locator("#screen-live")).to_have_attribute("data-view", view)
        screen.wait_for_timeout(800)  # arrivals and bars finish moving
        screen.screenshot(path=str(screenshots / f"screen-view-{name or view}.png"), caret="initial")
        assert_screen_fits(screen)

    show("2", "wall")  # while proposing: the wall by strategy
    api.call("PUT", f"/workshops/{code}/phase", key, phase="vote")
    for n, token in enumerate(tokens[:11]):  # dots spread unevenly over the projects
        for offset, dots in ((0, 3), (n % 5 + 1, 1), (n % 7 + 2, 1)):
            api.call("PUT", f"/workshops/{code}/votes/{projects[(n + offset) % 9]['id']}", token, dots=dots)
    for key_pressed, view in VIEWS:
        show(key_pressed, view)
    show("0", "tallies", "auto-vote")
    expect(console.locator(".view-button.current")).to_contain_text("0")  # the console follows the screen's key

    # Blind voting: the tally views show a placeholder, and the reveal is a visible transition.
    api.call("PATCH", f"/workshops/{code}", key, show_live_tallies=False)
    show("4", "hidden")
    console.on("dialog", lambda dialog: dialog.accept())
    console.click(".reveal-button")
    expect(screen.locator("#screen-live.revealed")).to_have_attribute("data-view", "ranking")
    screen.wait_for_timeout(300)
    screen.screenshot(path=str(screenshots / "screen-view-reveal.png"), caret="initial")

    # A scoring round: impact and feasibility from 1 to 5, shown as the 2x2 matrix.
    api.call("POST", f"/workshops/{code}/rounds", key, 201, mode="scoring", title="รอบให้คะแนน")
    for n, token in enumerate(tokens[:4]):  # each project its own spot, one scorer a point apart
        for i, project in enumerate(projects[:10]):
            impact, feasibility = 1 + (i * 3) % 5, 1 + (i * 2 + i // 5) % 5
            api.call("PUT", f"/workshops/{code}/scores/{project['id']}", token,
                     scores={"impact": min(5, impact + (n == 0)), "feasibility": feasibility})
    show("7", "matrix")
    assert screen.locator("svg.matrix .point").count() == 8  # the top eight, numbered, with a legend
    assert problems == [], problems
