"""Issue 12's walk-through in real browsers, as a new facilitator ran it: a 17-goal framework,
8 phones (two of them Chromium, six sending exactly what the page sends), 16 real Thai proposals,
a merge from the console, a dot round, then a scoring round of the top 5 started from the console,
and every file downloaded from the console's buttons.

What the planning office takes home must hold every visible proposal once with its round-1 dots
and its round-2 score; the big screen must count the scorers and show the scores; the phone must
answer a bad proposal in Thai. The figures are the hand-written ones of tests/planning_office.py.
"""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import unicodedata
from pathlib import Path
from typing import Any

import httpx
import openpyxl
import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_facilitation import Api
from tests.browser.test_workshop_flow import FACILITATOR, PHONE, SCREEN, TIMEOUT_MS, open_page, wait_live
from tests.conftest import skip_or_fail
from tests.phone_taps import _headers, join_by_phone, tap, token_of
from tests.planning_office import (
    AREAS,
    BALLOTS,
    DOTS,
    FEASIBILITY,
    GOALS,
    HIDDEN,
    IMPACT,
    MERGED,
    MERGED_INTO,
    PEOPLE,
    SCORES,
    VOTERS,
    thai_titles,
)

pytestmark = pytest.mark.browser

TITLE = "แผนปฏิบัติการพัฒนาจังหวัดกาฬสินธุ์ ปีงบประมาณ 2570"
IN_BROWSER = 2  # PEOPLE[0] and PEOPLE[1] tap in Chromium; the others send the page's requests
LATIN_WORDS = re.compile(r"[A-Za-z]{3,}")


def tags_of(k: int, goals: list[dict[str, Any]], areas: list[dict[str, Any]]) -> dict[str, list[int]]:
    """Proposal k serves goal k+1 and goal (k+8) mod 17 + 1, and area k mod 5 (as in planning_office)."""
    return {"strategy_ids": sorted({goals[k % 17]["id"], goals[(k + 8) % 17]["id"]}),
            "reform_area_ids": [areas[k % 5]["id"]]}


def score_tap(http: httpx.Client, base: str, phone: Any, project_id: int, criterion: str, value: int) -> None:
    """A 1-5 button of the scoring ballot: hx-post with hx-vals {"criterion", "value"}."""
    raw = phone.tap(project_id)  # the same headers as the + button's request
    headers = [(k, v) for k, v in _headers(raw) if k not in ("HX-Trigger", "HX-Target")]
    headers.append(("HX-Trigger", f"s-{project_id}-{criterion}-{value}"))
    answer = http.post(f"{base}/w/{phone.code}/scores/{project_id}", headers=headers,
                       content=f"criterion={criterion}&value={value}".encode())
    assert answer.status_code == 200, answer.text


def download(console: Page, selector: str) -> bytes:
    with console.expect_download(timeout=60_000) as started:
        console.locator(selector).first.click()
    path = started.value.path()
    assert path is not None
    return Path(path).read_bytes()


def unmarked(text: str) -> str:
    """Text without spaces and Thai vowel and tone marks: pdftotext may give a syllable's marks
    in another order than they were written (ปฏิบัติ as ปฏิบตัิ)."""
    return "".join(ch for ch in text if not ch.isspace() and unicodedata.category(ch) != "Mn")


def words(text: str) -> str:
    return " ".join(text.split())


def test_the_planning_office_files_every_proposal_with_its_dots_and_its_score(
        live_server: str, new_context: Any, request: pytest.FixtureRequest, screenshots: Path) -> None:
    expect.set_options(timeout=TIMEOUT_MS)
    api, problems = Api(live_server, request), []
    framework = {"strategies": [{"code": f"G{n}", "name": name} for n, name in enumerate(GOALS, start=1)],
                 "reform_areas": [{"code": f"R{n}", "name": name} for n, name in enumerate(AREAS, start=1)]}
    created = api.create(title=TITLE, framework=framework, dots_per_participant=5, max_dots_per_project=3)
    code, key = created["code"], created["facilitator_key"]
    info = api.call("GET", f"/workshops/{code}")
    api.call("PUT", f"/workshops/{code}/phase", key, phase="propose")
    titles = thai_titles()

    # Eight people join through the join page: two phones in Chromium, six as the page's form posts.
    browsers: list[Page] = []
    for name, (_title, agency) in zip(PEOPLE[:IN_BROWSER], titles, strict=False):
        phone = open_page(new_context, created["join_url"], problems, **PHONE)
        phone.fill("#name", name)
        phone.fill("#agency", agency)
        phone.click("form button[type=submit]")
        expect(phone.locator("#phone-main.phase-propose")).to_be_visible()
        wait_live(phone)
        browsers.append(phone)
    posting = [join_by_phone(live_server, code, name) for name in PEOPLE[IN_BROWSER:]]

    # A bad proposal is answered in Thai, beside the field, and nothing typed is lost.
    first = browsers[0]
    first.locator("label[for=tab-propose]").click()
    first.locator("#p-title").fill("ก" * 501)
    first.locator("#propose-form button[type=submit]").click()
    error = first.locator("#p-title-error")
    expect(error).to_be_visible()
    assert not LATIN_WORDS.search(error.inner_text()), error.inner_text()
    expect(first.locator("#p-title")).to_have_value("ก" * 501)

    # Sixteen real proposals: the browsers' first ones through the form, the rest as participants.
    ids: list[int] = []
    for k, (title, agency) in enumerate(titles):
        tags = tags_of(k, info["strategies"], info["reform_areas"])
        if k < IN_BROWSER:
            phone = browsers[k]
            phone.locator("label[for=tab-propose]").click()
            phone.locator("#p-title").fill(title)
            phone.locator("#p-agency").fill(agency)
            for field, tag_ids in tags.items():
                for tag_id in tag_ids:
                    phone.locator(f"#propose-form input[name={field}][value='{tag_id}']").check()
            phone.locator("#propose-form button[type=submit]").click()
            expect(phone.locator("#propose-form .sent-note")).to_be_focused()
            mine = api.call("GET", f"/workshops/{code}/projects", key)
            ids.append(next(p["id"] for p in mine if p["title"] == title))
        else:
            token = token_of(posting[k % 8 - IN_BROWSER]) if k % 8 >= IN_BROWSER else None
            author = token or key
            ids.append(api.call("POST", f"/workshops/{code}/projects", author, 201, title=title, agency=agency,
                                **tags)["id"])

    # The facilitator merges the duplicate from the console and hides one proposal.
    console = open_page(new_context, created["facilitator_url"], problems, **FACILITATOR)
    wait_live(console)
    row = console.locator(".projects-table tbody tr").filter(has_text=titles[MERGED][0][:40])
    row.locator("td.row-actions button").first.click()
    console.locator("#merge-into").select_option(str(ids[MERGED_INTO]))
    expect(console.locator(f"#merge-compare table[data-target='{ids[MERGED_INTO]}']")).to_be_visible()
    console.once("dialog", lambda dialog: dialog.accept())
    console.click("#editor .merge-confirm")
    expect(console.locator("#editor #e-title")).to_have_value(titles[MERGED_INTO][0])
    api.call("DELETE", f"/workshops/{code}/projects/{ids[HIDDEN]}", key, 204)

    # Round 1: dots, from the + buttons.
    api.call("PUT", f"/workshops/{code}/phase", key, phase="vote")
    for phone, ballot in zip(browsers, BALLOTS, strict=False):
        expect(phone.locator("#phone-main.phase-vote")).to_be_visible()
        for k, dots in ballot.items():
            for count in range(1, dots + 1):
                phone.click(f"#plus-{ids[k]}")
                expect(phone.locator(f"#vote-{ids[k]} output.my-dots")).to_have_text(str(count))
    with httpx.Client(timeout=10) as http:
        for phone, ballot in zip(posting, BALLOTS[IN_BROWSER:], strict=True):
            for k, dots in ballot.items():
                for _ in range(dots):
                    assert tap(http, live_server, phone, ids[k]).status_code == 200

    # Round 2 from the console's form: score the top 5 of round 1 on the two default criteria.
    console.click("#round-form summary")
    console.check("input[name=mode][value=scoring]")
    console.check("#round-form input[name=scoped]")
    console.fill("#round-top", "5")
    console.fill("#round-from", "1")
    console.once("dialog", lambda dialog: dialog.accept())
    console.click("#round-form button[type=submit]")
    expect(console.locator("#rounds-panel .round-item.current")).to_contain_text("รอบที่ 2")
    for phone in browsers:
        try:
            expect(phone.locator(".score-control").first).to_be_visible(timeout=20_000)
        except AssertionError:
            # Open problem: under heavy load (two test suites at once on two cores) one phone has
            # been seen to keep round 1's ballot; its person reloads it. Alone it redraws in ~1 s.
            phone.reload()
            expect(phone.locator(".score-control").first).to_be_visible()
        for k in IMPACT:
            phone.locator(f"#s-{ids[k]}-impact-{IMPACT[k]}").click()
            expect(phone.locator(f"#s-{ids[k]}-impact-{IMPACT[k]}")).to_have_attribute("aria-pressed", "true")
            phone.locator(f"#s-{ids[k]}-feasibility-{FEASIBILITY[k]}").click()
            expect(phone.locator(f"#s-{ids[k]}-feasibility-{FEASIBILITY[k]}")).to_have_attribute(
                "aria-pressed", "true")
    with httpx.Client(timeout=10) as http:
        for phone in posting:
            for k in IMPACT:
                score_tap(http, live_server, phone, ids[k], "impact", IMPACT[k])
                score_tap(http, live_server, phone, ids[k], "feasibility", FEASIBILITY[k])

    # The big screen counts the eight scorers and shows each short-listed project's score.
    screen = open_page(new_context, created["screen_url"], problems, **SCREEN)
    wait_live(screen)
    api.call("PUT", f"/workshops/{code}/screen-view", key, view="ranking")
    best = titles[max(SCORES, key=lambda k: SCORES[k])][0]
    expect(screen.locator("#screen-live")).to_contain_text(f"{max(SCORES.values()):.1f}")
    expect(screen.locator("#screen-live")).to_contain_text(words(best)[:20])
    expect(screen.locator("p.stat .num").nth(1)).to_have_text("8")  # have scored, of 8 participants
    screen.screenshot(path=str(screenshots / "office-flow-screen-ranking.png"))

    # Every file from the console's buttons: each visible proposal once, with both rounds' figures.
    console.reload()
    wait_live(console)
    active = [k for k in range(16) if k not in (HIDDEN, MERGED)]
    table = list(csv.reader(io.StringIO(download(console, "a[href$='export.csv']").decode("utf-8-sig"))))
    check_rows(table, titles, active, blank="", listed=16)
    book = openpyxl.load_workbook(io.BytesIO(download(console, "a[href$='export.xlsx']")))
    for sheet, listed in (("โครงการ", 16), ("การจัดลำดับ", len(active))):
        check_rows([list(r) for r in book[sheet].iter_rows(values_only=True)], titles, active, blank=None,
                   listed=listed)
    exported = json.loads(download(console, "a[href$='export.json']"))
    assert {p["id"] for p in exported["projects"]} == set(ids)
    # The PDF link opens in the browser's viewer (no download attribute): fetched with the console's cookie.
    href = console.locator("a[href$='report.pdf']").first.get_attribute("href")
    answer = console.request.get(f"{live_server}{href}", timeout=60_000)
    for _ in range(30):  # a render worker may still be drawing it: 503 with Retry-After
        if answer.status != 503:
            break
        console.wait_for_timeout(1000 * int(answer.headers.get("retry-after", "1")))
        answer = console.request.get(f"{live_server}{href}", timeout=60_000)
    assert answer.status == 200 and answer.headers["content-type"] == "application/pdf", answer.status
    pdf = answer.body()
    check_pdf(pdf, titles, active)
    assert problems == []


def check_rows(rows: list[list[Any]], titles: list[tuple[str, str]], active: list[int], blank: Any,
               listed: int) -> None:
    """Each proposal once (the projects table lists the hidden and merged ones too, the ranking not)."""
    head = [str(h) for h in rows[0]]
    by_title = {words(str(r[head.index("ชื่อโครงการ")])): dict(zip(head, r, strict=False)) for r in rows[1:]}
    assert len(rows) - 1 == listed and len(by_title) == listed
    for k in active:
        row = by_title[words(titles[k][0])]
        assert (str(row["รอบ 1: จุด"]), str(row["รอบ 1: ผู้ลงคะแนน"])) == (str(DOTS[k]), str(VOTERS[k])), k
        if k in SCORES:
            assert float(str(row["รอบ 2: คะแนน"])) == pytest.approx(SCORES[k]), k
            assert str(row["รอบ 2: ผู้ให้คะแนน"]) == "8"
        else:
            assert row["รอบ 2: คะแนน"] == blank, k


def check_pdf(pdf: bytes, titles: list[tuple[str, str]], active: list[int]) -> None:
    try:
        text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True,
                              timeout=60).stdout.decode()
    except FileNotFoundError:
        skip_or_fail("pdftotext is missing: apt-get install -y poppler-utils")
    flat = unmarked(text)
    for n in range(1, 18):
        assert f"G{n}" in text, f"goal G{n} is missing from the report's PDF"
    for k in active:  # titles wrap in table cells: compare without spaces, on their first words
        assert unmarked(titles[k][0])[:25] in flat, titles[k][0]
    for score in {f"{s:.2f}" for s in SCORES.values()}:
        assert score in text, score
