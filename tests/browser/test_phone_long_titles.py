"""A phone at 360x740 with real Thai project names (../shared/data/thaime: long, with line breaks):
titles clamped to whole lines with the full text one tap away, nothing wider than the screen, a
title box that counts as the server does and keeps line breaks, the confirmation in view after
sending, the first project above the fold while voting, and + disabled at the cap saying why."""

from __future__ import annotations

import csv
import unicodedata
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from app.services import shuffle
from app.text import clean_title
from tests.browser.audit import PHONE, TIMEOUT_MS, join, make_workshop
from tests.browser.test_workshop_flow import assert_phone_fits

pytestmark = pytest.mark.browser

THAIME = Path("/work/shared/data/thaime/projects-sample.csv")


def real_titles() -> list[str]:
    """Long real titles: the ones over 300 characters (cleaned as the server does) that keep line
    breaks first, then the longest others up to 500."""
    if not THAIME.exists():
        pytest.skip(f"{THAIME} is missing")
    with THAIME.open(encoding="utf-8") as f:
        cleaned = [str(clean_title(row["title"])) for row in csv.DictReader(f)]
    fitting = [t for t in cleaned if 300 < len(t) <= 500]
    with_breaks = [t for t in fitting if "\n" in t]
    others = sorted((t for t in fitting if "\n" not in t), key=len, reverse=True)
    assert len(with_breaks) >= 2, "the sample has long titles with line breaks"
    return with_breaks[:2] + others[:3]


def shoot(page: Page, screenshots: Path, name: str) -> Path:
    path = screenshots / f"phone-long-titles-{name}.png"
    page.screenshot(path=str(path), caret="initial")  # Playwright leaves style="" on inputs otherwise (CSP)
    return path


CLAMP = """el => { const s = getComputedStyle(el); const line = parseFloat(s.lineHeight);
  const height = el.getBoundingClientRect().height;
  return {height, scroll: el.scrollHeight, line, lines: height / line, size: parseFloat(s.fontSize),
          text: el.innerText}; }"""


def test_long_thai_titles_on_a_phone(live_server: str, new_context: Any, screenshots: Path,
                                    request: pytest.FixtureRequest) -> None:
    expect.set_options(timeout=TIMEOUT_MS)
    titles = real_titles()
    made = make_workshop(live_server, tuple(titles), title=titles[-1], require_strategy=True, shuffle_projects=True,
                         dots_per_participant=4, max_dots_per_project=3)
    request.addfinalizer(made.api.close)
    context = new_context(locale="th-TH", **PHONE)
    context.set_default_timeout(TIMEOUT_MS)
    phone = context.new_page()
    problems: list[str] = []  # console errors, CSP refusals and script errors
    phone.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    phone.on("pageerror", lambda e: problems.append(str(e)))
    phone.goto(made.created["join_url"])
    join(phone)
    made.phase("propose")
    expect(phone.locator("#phone-main.phase-propose")).to_be_visible()

    # All proposals: each long title shows three whole lines, its full text one tap away.
    phone.locator("label[for=tab-browse]").click()
    first = phone.locator("#proposal-list [data-clamp]").first
    expect(first).to_be_visible()
    shown = first.evaluate(CLAMP)
    assert abs(shown["lines"] - 3) < 0.02, f"clamped to whole lines: {shown}"
    assert shown["line"] >= 1.7 * shown["size"], "room for Thai marks in each line's own box"
    assert shown["scroll"] > shown["height"], "the long title is clamped"
    toggle = first.locator("xpath=following-sibling::button[1]")
    expect(toggle).to_be_visible()
    expect(toggle).to_have_text("ดูชื่อเต็ม")
    toggle.focus()
    phone.keyboard.press("Enter")  # keyboard too
    expect(toggle).to_have_attribute("aria-expanded", "true")
    opened = first.evaluate(CLAMP)
    assert opened["scroll"] <= opened["height"] + 1, "the whole title shows"
    with_break = next(t for t in titles if "\n" in t)
    listed = phone.locator("#proposal-list [data-clamp]").evaluate_all("els => els.map(e => e.innerText)")
    assert any(text.strip() == with_break for text in listed), "line breaks are kept on display"
    assert_phone_fits(phone)
    shoot(phone, screenshots, "propose-list")

    # The title box: a growing textarea with the limit and a count of what the server counts.
    phone.locator("label[for=tab-propose]").click()
    box = phone.locator("#p-title")
    assert box.evaluate("e => e.tagName") == "TEXTAREA"
    expect(phone.locator("#p-title-count")).to_contain_text("500")
    mine = titles[0]
    decomposed = unicodedata.normalize("NFD", "ก่ำ")  # counted after NFC, as the server does
    box.fill(mine.replace("\n", "  \n") + decomposed)
    expected = len(str(clean_title(mine + decomposed)))
    expect(phone.locator("#p-title-count [data-count]")).to_have_text(str(expected))
    assert box.evaluate("e => e.clientHeight >= e.scrollHeight - 4"), "the box grows with the title"
    box.fill("ก" * 512)
    expect(phone.locator("#p-title-count .over")).to_have_text("เกิน 12 ตัวอักษร กรุณาย่อชื่อโครงการให้สั้นลง")
    phone.locator("#propose-form button[type=submit]").click()
    # No strategy ticked: the gentle warning first, then the server's Thai sentence, nothing lost.
    expect(phone.locator("[data-strategy-warning]")).to_be_visible()
    phone.locator("#propose-form button[type=submit]").click()
    expect(phone.locator("#p-title-error")).to_have_text(
        "ยาวเกินไป: ได้ไม่เกิน 500 ตัวอักษร แต่ตอนนี้มี 512 ตัวอักษร กรุณาย่อให้สั้นลง")
    expect(phone.locator("#p-title")).to_have_value("ก" * 512)

    # Sent with a line break: the confirmation is where the eye is, and the break is kept.
    new_title = "โครงการพัฒนาระบบข้อมูลน้ำชุมชน\nระยะที่ 2 ตำบลแก้วฟ้า อำเภอบางซ้าย"
    phone.locator("#p-title").fill(new_title)
    phone.locator("#propose-form input[name=strategy_ids]").first.check()
    phone.locator("#propose-form button[type=submit]").click()
    note = phone.locator("#propose-form .sent-note")
    expect(note).to_be_in_viewport()
    expect(note).to_be_focused()
    expect(note).to_contain_text("ระยะที่ 2")
    projects = made.api.get(f"/api/v1/workshops/{made.code}/projects", headers=made.facilitator).json()
    assert new_title in [p["title"] for p in projects], "the line break reached the server"
    # The list every phone receives alike keeps this phone's own order (app.js, same hash as the server).
    phone.wait_for_function(
        f"document.querySelectorAll('#proposal-list > li[data-project-id]').length === {len(projects)}")
    seed = int(phone.locator("#phone-main").get_attribute("data-shuffle-seed") or 0)
    wanted = [p["id"] for p in sorted(projects, key=lambda p: (shuffle.fnv1a(f"{seed}:{p['id']}"), p["id"]))]
    shown = phone.locator("#proposal-list > li[data-project-id]").evaluate_all(
        "els => els.map(e => Number(e.dataset.projectId))")
    assert shown == wanted and wanted != sorted(wanted), "this phone's own order, after a live update too"
    shoot(phone, screenshots, "sent")

    # Voting: a compact header, the first project above the fold.
    made.phase("vote")
    expect(phone.locator("#phone-main.phase-vote")).to_be_visible()
    cards = phone.locator("#ballot > li.project")
    expect(cards.first).to_be_visible()
    phone.evaluate("window.scrollTo(0, 0)")  # as the page opens
    top = cards.first.bounding_box()
    plus = cards.first.locator("button.plus").bounding_box()
    budget = phone.locator("#budget").bounding_box()
    assert top and plus and budget
    assert plus["y"] + plus["height"] <= budget["y"], f"the first project's + is above the fold: {top}, {budget}"
    print(f"\nheader before the first project: {top['y']:.0f} px")
    assert_phone_fits(phone)
    shoot(phone, screenshots, "vote")

    # + at the cap: disabled, with the reason; once every dot is used, every + says so.
    first_plus = cards.first.locator("button.plus")
    for _ in range(3):
        first_plus.click()
        phone.wait_for_timeout(150)
    expect(cards.first.locator("output.my-dots")).to_have_text("3")
    expect(first_plus).to_be_disabled()
    expect(cards.first.locator(".cap-reason")).to_have_text("ครบ 3 จุดต่อโครงการแล้ว")
    second = cards.nth(1)
    second.locator("button.plus").click()
    expect(phone.locator("#budget")).to_have_attribute("data-remaining", "0")
    expect(second.locator("button.plus")).to_be_disabled()
    expect(second.locator(".cap-reason")).to_have_text("ใช้จุดครบแล้ว")
    expect(cards.nth(2).locator("button.plus")).to_be_disabled()
    expect(cards.nth(2).locator(".cap-reason")).to_have_text("ใช้จุดครบแล้ว")
    expect(cards.first.locator(".cap-reason")).to_have_text("ครบ 3 จุดต่อโครงการแล้ว")
    # My votes: clamped too, the full title a tap away.
    my_vote = phone.locator("#my-votes [data-clamp]").first
    expect(my_vote).to_be_visible()
    assert_phone_fits(phone)
    shoot(phone, screenshots, "vote-cap")
    # A dot back: the + comes back.
    second.locator("button.minus, button:not(.plus).step").first.click()
    expect(cards.nth(2).locator("button.plus")).to_be_enabled()
    expect(cards.nth(2).locator(".cap-reason")).to_have_text("")
    # The refused long title (422) is expected; nothing else went wrong in the page.
    assert [p for p in problems if "422" not in p] == []
