"""The facilitator drills the big screen into a nested framework from the console's Screen card:
the per-strategy ranking shows the six strategies, then a click on a strategy shows its master
plans with their rolled-up projects on the screen at once (1920x1080, nothing clipped), the
coverage map follows, and "back up" returns to the top. The reform areas nest too: the coverage
map drills into an area's sub-issues the same way. Screenshots of the drilled screen:
docs/screenshots/screen-drill-strategies.png and screen-drill-areas.png."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from app.services.presets import TH_NATIONAL_2018
from tests.browser.test_screen_pages import DOCS_SHOTS, FITS, Api, thai_titles
from tests.browser.test_workshop_flow import FACILITATOR, SCREEN, TIMEOUT_MS, open_page, wait_live

pytestmark = pytest.mark.browser

# Strategy 2 and the master plans under it (20-year National Strategy), sub-plans under one of them.
MASTER_PLANS = ["การเกษตร", "อุตสาหกรรมและบริการแห่งอนาคต", "การท่องเที่ยว", "พื้นที่และเมืองน่าอยู่อัจฉริยะ",
                "โครงสร้างพื้นฐาน ระบบโลจิสติกส์ และดิจิทัล", "ผู้ประกอบการและวิสาหกิจขนาดกลางและขนาดย่อมยุคใหม่",
                "เขตเศรษฐกิจพิเศษ"]
SUB_PLANS = ["เกษตรอัตลักษณ์พื้นถิ่น", "เกษตรปลอดภัย", "เกษตรชีวภาพ", "เกษตรแปรรูป", "เกษตรอัจฉริยะ"]
# Sub-issues under the first reform area (politics), as a ministry might split it.
SUB_ISSUES = ["การมีส่วนร่วมของประชาชนในระบอบประชาธิปไตยอันมีพระมหากษัตริย์ทรงเป็นประมุข",
              "การสร้างความรู้ความเข้าใจทางการเมือง", "การปฏิรูปพรรคการเมือง"]


def framework() -> dict[str, Any]:
    strategies: list[dict[str, Any]] = [{"code": e.code, "name": e.name_th} for e in TH_NATIONAL_2018.strategies]
    strategies[1]["children"] = [{"code": f"S2.{n}", "name": name} for n, name in enumerate(MASTER_PLANS, 1)]
    strategies[1]["children"][0]["children"] = [{"code": f"S2.1.{n}", "name": name}
                                                for n, name in enumerate(SUB_PLANS, 1)]
    areas: list[dict[str, Any]] = [{"code": e.code, "name": e.name_th} for e in TH_NATIONAL_2018.reform_areas]
    areas[0]["children"] = [{"code": f"{areas[0]['code']}.{n}", "name": name} for n, name in enumerate(SUB_ISSUES, 1)]
    return {"strategies": strategies, "reform_areas": areas}


def test_the_console_drills_the_screen_into_a_strategy_and_back(
        live_server: str, new_context: Any, request: pytest.FixtureRequest) -> None:
    expect.set_options(timeout=TIMEOUT_MS)
    api, problems = Api(live_server, request), []
    created = api("POST", "/workshops", None, 201, title="เวิร์กชอปแผนแม่บทภายใต้ยุทธศาสตร์ชาติ ปีงบประมาณ ๒๕๖๙",
                  framework=framework())
    code, key = created["code"], created["facilitator_key"]
    workshop = api("GET", f"/workshops/{code}", key)
    s = {e["code"]: e["id"] for e in workshop["strategies"]}
    areas = [r["id"] for r in workshop["reform_areas"]]
    api("PUT", f"/workshops/{code}/phase", key, phase="propose")
    leaves = [f"S2.{n}" for n in range(2, 8)] + [f"S2.1.{n}" for n in range(1, 6)] + ["S1", "S3", "S5"]
    for n, title in enumerate(thai_titles(28)):
        api("POST", f"/workshops/{code}/projects", key, 201, title=title, strategy_ids=[s[leaves[n % len(leaves)]]],
            reform_area_ids=[areas[n % len(areas)]])
    tokens = [api("POST", f"/workshops/{code}/participants", None, 201, name=f"ผู้เข้าร่วม {n}")["participant_token"]
              for n in range(6)]
    listed = api("GET", f"/workshops/{code}/projects", key)
    api("PUT", f"/workshops/{code}/phase", key, phase="vote")
    for n, token in enumerate(tokens):
        for offset, dots in ((0, 3), (n + 4, 2)):
            api("PUT", f"/workshops/{code}/votes/{listed[(n * 5 + offset) % len(listed)]['id']}", token, dots=dots)
    api("PUT", f"/workshops/{code}/phase", key, phase="results")
    # The first page held: the pages turn every 10 s, and the test reads the first band.
    api("PUT", f"/workshops/{code}/screen-view", key, view="strategies", page=1)

    screen = open_page(new_context, created["screen_url"], problems, **SCREEN)
    wait_live(screen)
    console = open_page(new_context, created["facilitator_url"], problems, **FACILITATOR)
    wait_live(console)
    bands = screen.locator(".screen-page:visible .strategy-band .band-name .chip")
    expect(bands.first).to_have_text("S1")

    console.locator(".drill-button", has_text="S2").click()
    expect(screen.locator(".screen-page:visible .drill-trail")).to_have_attribute("data-drill", str(s["S2"]))
    # A drill starts the pages turning again from the first: hold it, or a slow run reads page 2.
    api("PUT", f"/workshops/{code}/screen-view", key, page=1)
    expect(bands.first).to_have_text("S2.1")
    screen.wait_for_timeout(600)  # the page fades in
    assert screen.evaluate(FITS) == []
    DOCS_SHOTS.mkdir(parents=True, exist_ok=True)
    screen.screenshot(path=str(DOCS_SHOTS / "screen-drill-strategies.png"), caret="initial")
    # The master plan of agriculture holds its five sub-plans' projects, rolled up.
    agriculture = screen.locator(f".strategy-band[data-item='{s['S2.1']}']")
    expect(agriculture.locator(".band-project")).to_have_count(3)
    expect(agriculture.locator(".band-more")).to_be_visible()

    # One level further, then the coverage map at that level; back up twice to the top.
    console.locator(".drill-button", has_text="S2.1").click()
    api("PUT", f"/workshops/{code}/screen-view", key, page=1)
    expect(bands.first).to_have_text("S2.1.1")
    api("PUT", f"/workshops/{code}/screen-view", key, view="coverage", page=1)
    expect(screen.locator("#screen-live")).to_have_attribute("data-view", "coverage")
    expect(screen.locator(".screen-page:visible table.coverage thead th").nth(1)).to_have_text("S2.1.1")
    screen.wait_for_timeout(600)
    assert screen.evaluate(FITS) == []
    console.locator(".drill-button", has_text="▲").click()
    expect(screen.locator(".screen-page:visible table.coverage thead th").nth(1)).to_have_text("S2.1")
    console.locator(".drill-button", has_text="▲").click()
    expect(screen.locator(".screen-page:visible .drill-trail")).to_have_count(0)

    # The coverage map drills into a reform area's sub-issues from the same card, and back up.
    first = workshop["reform_areas"][0]
    console.locator(".area-drill", has_text=first["code"]).click()
    expect(screen.locator(".screen-page:visible .drill-trail")).to_have_attribute("data-area-drill", str(first["id"]))
    table = screen.locator(".screen-page:visible table.coverage")
    for n in range(1, len(SUB_ISSUES) + 1):
        expect(table).to_contain_text(f"{first['code']}.{n}")
    expect(table.locator("tbody tr")).to_have_count(6)  # six strategies down, three sub-issues across
    screen.wait_for_timeout(600)
    assert screen.evaluate(FITS) == []
    screen.screenshot(path=str(DOCS_SHOTS / "screen-drill-areas.png"), caret="initial")
    console.locator(".area-drill", has_text="▲").click()
    expect(screen.locator(".screen-page:visible .drill-trail")).to_have_count(0)
    assert problems == [], problems
