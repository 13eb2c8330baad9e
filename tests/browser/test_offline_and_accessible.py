"""Every page in every phase, in a real browser: nothing is loaded from another origin (a hall may
have no internet), Sarabun comes from the app itself, and axe-core finds no serious or critical
accessibility problem. axe's findings are saved to test-artifacts/axe-results.json."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.audit import (
    FACILITATOR,
    PHONE,
    SCREEN,
    TIMEOUT_MS,
    AxeReport,
    Recorder,
    join,
    make_workshop,
    new_page,
    wait_live,
)

pytestmark = pytest.mark.browser


def uses_sarabun(page: Page) -> bool:
    """The page's Thai is drawn with the self-hosted Sarabun (loaded, not just named)."""
    return page.evaluate("""async () => {
      await document.fonts.ready;
      const text = document.body.innerText;
      return [...document.fonts].some(f => f.family.replace(/"/g, '') === 'Sarabun' && f.status === 'loaded')
        && document.fonts.check('16px Sarabun', text.slice(0, 40) || 'ร่วมคิด');
    }""")


def test_every_page_stays_on_its_origin_and_passes_axe(live_server: str, new_context: Any,
                                                        request: pytest.FixtureRequest) -> None:
    expect.set_options(timeout=TIMEOUT_MS)
    made = make_workshop(live_server)
    request.addfinalizer(made.api.close)
    recorders: list[Recorder] = []
    axe = AxeReport()

    def open_page(url: str, **options: Any) -> Page:
        return new_page(new_context, url, axe=True, record=recorders, **options)

    home = open_page(f"{live_server}/", **PHONE)
    axe.check(home, "home")
    assert uses_sarabun(home), "the home page does not use the self-hosted Sarabun"
    home.goto(f"{live_server}/new")
    axe.check(home, "new workshop form")
    home.goto(f"{live_server}/w/ZZZZZZ")
    axe.check(home, "error page (unknown workshop)")

    console = open_page(made.created["facilitator_url"], **FACILITATOR)
    screen = open_page(made.created["screen_url"], **SCREEN)
    phone = open_page(made.created["join_url"], **PHONE)
    axe.check(phone, "join")
    join(phone)
    for page in (console, screen):
        wait_live(page)
    expect(screen.locator("#screen-participants")).to_have_text("1")
    assert uses_sarabun(screen) and uses_sarabun(phone)

    def check_phase(phase: str) -> None:
        expect(phone.locator(f"#phone-main.phase-{phase}")).to_be_visible()
        expect(screen.locator(f"#screen-live.phase-{phase}")).to_be_visible()
        expect(console.locator(".phase-button.current")).to_have_attribute("value", phase)
        for page, view in ((phone, "phone"), (console, "facilitator"), (screen, "screen")):
            axe.check(page, f"{view} {phase}")

    check_phase("setup")
    for phase in ("propose", "vote", "results", "closed"):
        made.phase(phase)
        check_phase(phase)
        if phase == "propose":
            phone.click("label[for=tab-browse]")
            axe.check(phone, "phone propose (all proposals)")
            phone.click("label[for=tab-propose]")
        if phase == "vote":
            phone.locator("#ballot button.plus").first.click()
            expect(phone.locator("#budget")).to_have_attribute("data-remaining", "4")
            axe.check(phone, "phone vote (one dot spent)")
            console.locator(".projects-table tbody tr").first.locator("button[hx-get*='/facilitate/projects/']").click()
            expect(console.locator("#editor #e-title")).to_be_visible()
            axe.check(console, "facilitator vote (project editor open)")

    console.goto(f"{live_server}/w/{made.code}/facilitate/report")
    expect(console.locator("h1")).to_contain_text("ประชุม")
    axe.check(console, "report")
    assert uses_sarabun(console)

    saved = axe.save("axe-results.json")
    print(f"\naxe violations by impact per page (details in {saved}):")
    for label, counts in axe.counts().items():
        print(f"  {label:42} {counts or 'none'}")

    foreign = [url for recorder in recorders for url in recorder.foreign(live_server)]
    assert foreign == [], f"requests left the app's origin: {foreign}"
    every_url = [url for recorder in recorders for url in recorder.urls]
    assert any("/static/fonts/sarabun-thai-" in url for url in every_url), "Sarabun was never loaded"
    assert not any("-vietnamese-" in url or "-latin-ext-" in url for url in every_url)
    assert any(url.startswith("ws://") for url in every_url), "no websocket was recorded"
    assert axe.serious() == {}, axe.serious()


def test_the_api_docs_work_offline_under_the_pages_csp(live_server: str, new_context: Any) -> None:
    """/docs draws every operation of the JSON API from files this server serves, with no
    Content-Security-Policy violation and no request to another origin."""
    recorders: list[Recorder] = []
    page = new_page(new_context, record=recorders)
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto(f"{live_server}/docs")
    expect(page.locator(".opblock-summary-path[data-path='/api/v1/workshops/{code}/participants']")
           ).to_have_count(1, timeout=TIMEOUT_MS)
    expect(page.locator(".opblock")).not_to_have_count(0)
    assert problems == [], problems
    assert [url for recorder in recorders for url in recorder.foreign(live_server)] == []
