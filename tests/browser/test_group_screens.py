"""A national event of 40 breakout tables on the big screens, in Chromium at 1920x1080: the
event's screen shows all 40 groups on one grid that neither scrolls nor clips (long Thai names,
every phase, timers running, leaders shown where the group's tallies are live), a vote in a group
reaches the grid live, a group's own screen shows that group only under its name, and once the
plenary has projects the event's screen shows the plenary vote as before.

Screenshots: docs/screenshots/groups-grid-40.png, groups-group-screen.png, groups-plenary.png."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.services import groups, workshops
from tests.browser.test_screen_pages import DOCS_SHOTS, FITS, Api, thai_titles
from tests.browser.test_workshop_flow import SCREEN, TIMEOUT_MS, open_page, wait_live
from tests.factories import FACILITATOR

pytestmark = pytest.mark.browser

GROUPS = 40
# Tables of a national planning event: reform areas, ministry clusters and provinces, some long.
AREAS = ["การบริหารจัดการน้ำทั้งระบบและการป้องกันอุทกภัยในลุ่มน้ำเจ้าพระยาตอนล่าง", "เกษตรอัจฉริยะ",
         "การท่องเที่ยวเชิงวัฒนธรรมภาคเหนือตอนบน", "สาธารณสุขชุมชน", "การศึกษาตลอดชีวิตและทักษะดิจิทัลของแรงงาน",
         "พลังงานสะอาด", "เมืองน่าอยู่อัจฉริยะ", "โลจิสติกส์ระเบียงเศรษฐกิจพิเศษภาคตะวันออก"]
PHASES = ["propose", "vote", "vote", "setup", "vote", "results", "propose", "vote"]


def build(api: Api, engine: Engine) -> dict[str, Any]:
    """An event in setup with 40 groups in every phase: proposals in each, a few votes where they
    vote (one group with its tallies hidden), timers running in most."""
    created = api("POST", "/workshops", None, 201, title="สมัชชาแผนพัฒนาประเทศ ระดับชาติ ปี ๒๕๖๙")
    code, key = created["code"], created["facilitator_key"]
    names = [f"{AREAS[n % len(AREAS)]} {n + 1}" if n % 3 else AREAS[n % len(AREAS)] for n in range(GROUPS)]
    with Session(engine, expire_on_commit=False) as session:
        made = groups.add_groups(session, event=workshops.get_workshop(session, code=code), actor=FACILITATOR,
                                 names=names)
    titles = thai_titles(GROUPS * 2)
    for n, new in enumerate(made):
        group = new.group.code
        api("PUT", f"/workshops/{group}/phase", key, phase="propose")
        projects = [api("POST", f"/workshops/{group}/projects", key, 201, title=titles[(2 * n + i) % len(titles)],
                        strategy_ids=[])["id"] for i in range(2 if n % 4 else 1)]
        phase = PHASES[n % len(PHASES)]
        if phase != "propose":
            api("PUT", f"/workshops/{group}/phase", key, phase=phase)
        if n % 8 == 4:
            api("PATCH", f"/workshops/{group}", key, show_live_tallies=False)
        if phase == "vote":
            token = api("POST", f"/workshops/{group}/participants", None, 201, name=f"ผู้แทน {n}")["participant_token"]
            api("PUT", f"/workshops/{group}/votes/{projects[0]}", token, dots=3)
        if n % 5:
            api("PUT", f"/workshops/{group}/timer", key, action="start", minutes=5 + n)
    return {"code": code, "key": key, "created": created, "groups": made}


def test_forty_groups_fit_the_big_screen_live_then_the_plenary(
        live_server: str, new_context: Any, engine: Engine, request: pytest.FixtureRequest) -> None:
    expect.set_options(timeout=TIMEOUT_MS)
    api, problems = Api(live_server, request), []
    made = build(api, engine)
    DOCS_SHOTS.mkdir(parents=True, exist_ok=True)

    screen = open_page(new_context, made["created"]["screen_url"], problems, **SCREEN)
    wait_live(screen)
    expect(screen.locator("#screen-live")).to_have_attribute("data-view", "groups")
    tiles = screen.locator(".group-tile")
    expect(tiles).to_have_count(GROUPS)
    screen.wait_for_timeout(2000)  # the page fades in, the timers tick
    screen.screenshot(path=str(DOCS_SHOTS / "groups-grid-40.png"), caret="initial")
    assert screen.evaluate(FITS) == []
    # Every tile is on the screen, none cut off at the edge.
    boxes = tiles.evaluate_all("els => els.map(e => e.getBoundingClientRect().toJSON())")
    assert all(b["left"] >= 0 and b["top"] >= 0 and b["right"] <= 1920 and b["bottom"] <= 1080 for b in boxes)
    # Legible from the back of the hall: no text on a tile smaller than 20 px.
    assert min(tiles.first.locator("*").evaluate_all(
        "els => els.map(e => parseFloat(getComputedStyle(e).fontSize))")) >= 20
    # Timers tick; leaders show only where that group's tallies are live.
    assert screen.locator(".group-timer .group-time").first.inner_text().count(":") == 1
    hidden = made["groups"][4].group.code
    expect(screen.locator(f"[data-group='{hidden}'] [data-leader]")).to_have_count(0)
    expect(screen.locator(f"[data-group='{made['groups'][1].group.code}'] [data-leader]")).to_have_count(1)

    # A vote in group 2 reaches the grid live.
    second = made["groups"][1].group.code
    voters = screen.locator(f"[data-group='{second}'] [data-count='voters']")
    before = int(voters.inner_text())
    token = api("POST", f"/workshops/{second}/participants", None, 201, name="ผู้แทนเพิ่ม")["participant_token"]
    project = api("GET", f"/workshops/{second}/projects", token)[0]["id"]
    api("PUT", f"/workshops/{second}/votes/{project}", token, dots=2)
    expect(voters).to_have_text(str(before + 1))

    # A group's own screen: that group only, under its name.
    group = made["groups"][1]
    group_screen = open_page(new_context, f"{live_server}/w/{group.group.code}/screen/{group.screen_key}", problems,
                             **SCREEN)
    wait_live(group_screen)
    expect(group_screen.locator("h1")).to_have_text(group.group.title)
    expect(group_screen.locator(".screen-event")).to_contain_text(made["created"]["title"][:10])
    assert group_screen.locator(".group-tile").count() == 0
    group_screen.wait_for_timeout(600)
    assert group_screen.evaluate(FITS) == []
    group_screen.screenshot(path=str(DOCS_SHOTS / "groups-group-screen.png"), caret="initial")

    # The plenary: its projects (plain projects of the event), then its vote, as one room's screen.
    code, key = made["code"], made["key"]
    api("PUT", f"/workshops/{code}/phase", key, phase="propose")
    plenary = [api("POST", f"/workshops/{code}/projects", key, 201, title=title, strategy_ids=[])["id"]
               for title in thai_titles(GROUPS * 2 + 6)[-6:]]
    api("PUT", f"/workshops/{code}/phase", key, phase="vote")
    for n in range(4):
        voter = api("POST", f"/workshops/{code}/participants", None, 201, name=f"ผู้แทนสมัชชา {n}")["participant_token"]
        api("PUT", f"/workshops/{code}/votes/{plenary[n % 3]}", voter, dots=3 - n % 2)
    expect(screen.locator("#screen-live")).to_have_attribute("data-view", "tallies")
    expect(screen.locator(".group-tile")).to_have_count(0)
    screen.wait_for_timeout(1200)
    assert screen.evaluate(FITS) == []
    screen.screenshot(path=str(DOCS_SHOTS / "groups-plenary.png"), caret="initial")
    assert problems == []
