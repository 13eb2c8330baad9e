"""Issue 14's large event in real browsers: the facilitator pastes two tables into the console,
three phones sit at each table (one Chromium, two sending exactly the page's requests), each
table proposes and votes under its own group facilitator, the facilitator sends each table's top
project up to the plenary, and the whole hall votes on those with a budget of its own.

What must hold: a phone sees and votes on its own table's projects only; a group facilitator's
link runs its table and nothing else; the plenary keeps where each project came from; the
plenary budget is the event's, apart from the tables' budgets; the big screen shows the grid of
tables during group work and the plenary ranking afterwards.
"""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.browser.audit import pick_agency
from tests.browser.test_workshop_flow import FACILITATOR, PHONE, SCREEN, open_page, wait_live
from tests.phone_taps import join_by_phone, tap, token_of
from tests.planning_office import thai_titles

pytestmark = pytest.mark.browser

API = "/api/v1/workshops"
TITLE = "สัมมนาจัดทำแผนปฏิบัติราชการ กระทรวงดิจิทัลฯ ปี 2570"
TABLES = ["โต๊ะ 1 ภาคเหนือ", "โต๊ะ 2 ภาคใต้"]
BUDGET, CAP = 4, 3


def phase_of(http: httpx.Client, code: str) -> dict[str, str]:
    return {g["code"]: g["phase"] for g in http.get(f"{API}/{code}/groups").json()}


def eventually(check: Any, what: str, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, what
        time.sleep(0.1)


def projects_of(http: httpx.Client, code: str, key: str) -> list[dict[str, Any]]:
    answer = http.get(f"{API}/{code}/projects", headers={"Authorization": f"Bearer {key}"})
    assert answer.status_code == 200, answer.text
    return answer.json()


@pytest.fixture
def http(live_server: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=live_server, timeout=30) as client:
        yield client


def test_two_tables_send_their_best_to_a_plenary_the_whole_hall_votes_on(
        live_server: str, new_context: Any, screenshots: Path, http: httpx.Client) -> None:
    base = live_server
    problems: list[str] = []
    titles = thai_titles(6)
    created = http.post(API, json={"title": TITLE, "dots_per_participant": BUDGET,
                                   "max_dots_per_project": CAP}).json()
    code, key = created["code"], created["facilitator_key"]
    facilitator = {"Authorization": f"Bearer {key}"}

    # The facilitator pastes the tables into the console's Groups card.
    console = open_page(new_context, created["facilitator_url"], problems, **FACILITATOR)
    console.on("dialog", lambda dialog: dialog.accept())
    console.fill("#group-names", "\n".join(TABLES))
    console.click(".groups-add button[type=submit]")
    expect(console.locator("#groups-card")).to_contain_text(f"{code}-2")
    tables = http.get(f"{API}/{code}/groups").json()
    assert [t["name"] for t in tables] == TABLES and [t["code"] for t in tables] == [f"{code}-1", f"{code}-2"]
    group_links = [console.locator(f"#gf-{t['id']}").input_value() for t in tables]

    # The big screen shows every table as a tile while the tables work.
    screen = open_page(new_context, created["screen_url"], problems, **SCREEN)
    wait_live(screen)
    for name in TABLES:
        expect(screen.locator("#screen-live")).to_contain_text(name)

    # Every table into "propose" at once, from the card.
    console.click("#groups-card button[name=phase][value=propose]")
    expect(console.locator("#groups-card .phase-chip.phase-propose")).to_have_count(2)
    assert set(phase_of(http, code).values()) == {"propose"}

    # Three phones a table: one in Chromium (joining by the table's code), two as the page sends.
    browser_phones: list[Page] = []
    page_phones: list[list[Any]] = []
    for t, table in enumerate(tables):
        phone = open_page(new_context, f"{base}/w/{table['code'].lower()}", problems, **PHONE)
        phone.fill("#name", f"ผู้เข้าร่วม {t + 1}-1")
        pick_agency(phone, titles[t][1] or "สำนักงานปลัดกระทรวง")
        phone.click("form button[type=submit]")
        expect(phone.locator("#phone-main.phase-propose")).to_be_visible()
        wait_live(phone)
        browser_phones.append(phone)
        page_phones.append([join_by_phone(base, table["code"], f"ผู้เข้าร่วม {t + 1}-{k}") for k in (2, 3)])

    # Each Chromium phone proposes three real projects through the form.
    for t, phone in enumerate(browser_phones):
        phone.locator("label[for=tab-propose]").click()
        for k in range(3):
            phone.locator("#p-title").fill(titles[3 * t + k][0])
            phone.locator("#propose-form button[type=submit]").click()
            expect(phone.locator("#propose-form .sent-note")).to_be_focused()
    for t, table in enumerate(tables):
        listed = projects_of(http, table["code"], key)
        assert sorted(p["title"] for p in listed) == sorted(titles[3 * t + k][0] for k in range(3))
        assert {p["group_id"] for p in listed} == {table["id"]}
    # A phone sees its own table's projects only.
    expect(browser_phones[0].locator("#phone-main")).not_to_contain_text(titles[3][0][:30])

    # Each table's facilitator opens their own link and starts their table's vote.
    for t, link in enumerate(group_links):
        runner = open_page(new_context, link, problems, **FACILITATOR)
        runner.on("dialog", lambda dialog: dialog.accept())
        runner.locator("#fac-live button[name=phase][value=vote]").first.click()
        eventually(lambda t=t: phase_of(http, code)[tables[t]["code"]] == "vote", "the table's vote did not start")
        # Its link runs its table only: the event's phase and the other table are refused.
        other = tables[1 - t]
        group_key = link.rsplit("/", 1)[1]
        refused = http.put(f"{API}/{other['code']}/phase", json={"phase": "results"},
                           headers={"Authorization": f"Bearer {group_key}"})
        assert refused.status_code == 403, refused.text
        assert http.put(f"{API}/{code}/phase", json={"phase": "vote"},
                        headers={"Authorization": f"Bearer {group_key}"}).status_code == 403
        runner.context.close()

    # Votes in each table: the project listed first in the table gets the most dots.
    for t, table in enumerate(tables):
        ids = sorted(p["id"] for p in projects_of(http, table["code"], key))
        phone = browser_phones[t]
        expect(phone.locator("#phone-main.phase-vote")).to_be_visible(timeout=20_000)
        wait_live(phone)
        for count in (1, 2):  # as a person taps: each dot seen before the next
            phone.click(f"#plus-{ids[0]}")
            expect(phone.locator(f"#vote-{ids[0]} output.my-dots")).to_have_text(str(count))
        with httpx.Client(base_url=base, timeout=30) as taps:
            for sim in page_phones[t]:
                for project_id in (ids[0], ids[1]):
                    assert tap(taps, base, sim, project_id).status_code == 200
            # Another table's project takes no dots from this table's phone.
            foreign = projects_of(http, tables[1 - t]["code"], key)[0]["id"]
            assert tap(taps, base, page_phones[t][0], foreign).status_code in (403, 404)
    screen.screenshot(path=str(screenshots / "large-event-grid.png"), caret="initial")

    # The facilitator sends each table's top project up and opens the plenary vote.
    console.reload()
    console.fill("#plenary-top", "1")
    console.click(".plenary-top button[type=submit]")
    eventually(lambda: len(projects_of(http, code, key)) == 2, "the tables' top projects did not go up")
    plenary = projects_of(http, code, key)
    ranked = http.get(f"{API}/{code}/results", headers=facilitator).json()["ranking"]
    lineage = {row["title"]: row["from"] for row in ranked}
    for table in tables:
        top = min(projects_of(http, table["code"], key), key=lambda p: p["id"])
        assert lineage[top["title"]] == [{"group_id": table["id"], "project_id": top["id"], "rank": 1, "dots": 4}]
    console.locator("#fac-live button[name=phase][value=vote]").first.click()
    eventually(lambda: http.get(f"{API}/{code}").json()["phase"] == "vote", "the plenary vote did not open")

    # Each table's Chromium phone is pointed to the plenary and votes there with the full budget.
    for t, phone in enumerate(browser_phones):
        banner = phone.locator("a.plenary-banner")
        expect(banner).to_be_visible(timeout=20_000)
        banner.click()
        expect(phone.locator("#phone-main.phase-vote")).to_be_visible()
        wait_live(phone)
        target = plenary[t]["id"]
        for count in range(1, CAP + 1):
            phone.click(f"#plus-{target}")
            expect(phone.locator(f"#vote-{target} output.my-dots")).to_have_text(str(count))
    with httpx.Client(base_url=base, timeout=30) as taps:
        for t in range(2):
            # The same phone at the event's page: joining its table set its cookie for the event too.
            at_plenary = replace(page_phones[t][0], code=code, cookie=f"rk_p_{code}={token_of(page_phones[t][0])}",
                                 buttons={})
            assert tap(taps, base, at_plenary, plenary[0]["id"]).status_code == 200

    # The plenary ranking: table 1's project first (3 + 1 dots), each with where it came from.
    ranked = http.get(f"{API}/{code}/results", headers=facilitator).json()["ranking"]
    assert [row["project_id"] for row in ranked] == [plenary[0]["id"], plenary[1]["id"]]
    assert [row["dots"] for row in ranked] == [CAP + 2, CAP]
    expect(screen.locator("#screen-live")).to_contain_text(plenary[0]["title"][:20], timeout=20_000)
    # The whole hall takes part in the plenary: every table's six phones count there.
    expect(screen.locator("p.stat .num").first).to_have_text("6")
    expect(screen.locator("p.stat .num").nth(1)).to_have_text("4", timeout=20_000)  # voted in the plenary
    expect(screen.locator("p.stat .num").nth(2)).to_have_text(str(2 * CAP + 2))  # dots given there
    assert http.get(f"{API}/{code}").json()["participant_count"] == 6
    screen.screenshot(path=str(screenshots / "large-event-plenary.png"), caret="initial")
    # The tables' own results are untouched by the plenary vote.
    for table in tables:
        top = http.get(f"{API}/{code}/groups/{table['id']}/results", headers=facilitator).json()["ranking"][0]
        assert top["dots"] == 4 and top["voters"] == 3
    assert not problems, problems
