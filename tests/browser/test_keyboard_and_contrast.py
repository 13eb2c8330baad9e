"""Keyboard and eyes: every control of the phone's pages is reachable with Tab and works with
Enter or Space, focus is always visible, and the big screen's text keeps 7:1 contrast in every
phase (checked element by element against the background it is drawn on)."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.audit import PHONE, SCREEN, TIMEOUT_MS, join, make_workshop, new_page, wait_live

pytestmark = pytest.mark.browser

MAX_TABS = 80

# What Tab can reach: enabled, visible controls (radios: the checked one of each group).
FOCUSABLE = """() => [...document.querySelectorAll('a[href], button:not([disabled]), select:not([disabled]), '
    + 'textarea:not([disabled]), input:not([type=hidden]):not([disabled]), [tabindex]:not([tabindex="-1"])')]
  .filter(e => !(e.type === 'radio' && !e.checked && document.querySelector(`input[name="${e.name}"]:checked`)))
  .filter(e => !e.closest('[hidden]') && (e.checkVisibility({visibilityProperty: true})
               || e.matches('.tab-radio') || e.closest('.connection')))
  .map(e => e.id || e.outerHTML.slice(0, 60))"""

FOCUS_STYLE = """() => {
  const e = document.activeElement;
  // A visually hidden radio shows its focus on its label (CSS: .tab-radio:focus-visible + .tab).
  const shown = e.matches('.tab-radio') ? e.nextElementSibling : e;
  const s = getComputedStyle(shown);
  return {focusVisible: e.matches(':focus-visible'), style: s.outlineStyle, width: parseFloat(s.outlineWidth),
          color: s.outlineColor, id: e.id || e.outerHTML.slice(0, 60)};
}"""


def tab_to(page: Page, selector: str) -> dict[str, Any]:
    """Press Tab until `selector` has the focus (bounded); return how its focus looks."""
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement && document.activeElement.matches(s)", selector):
            return page.evaluate(FOCUS_STYLE)
    raise AssertionError(f"{selector} cannot be reached with Tab")


def assert_focus_visible(focus: dict[str, Any]) -> None:
    assert focus["focusVisible"], focus
    assert focus["style"] not in ("none", "hidden") and focus["width"] >= 2, f"no visible focus ring: {focus}"


def tab_cycle(page: Page) -> set[str]:
    """Everything that takes the focus in one Tab cycle through the page."""
    page.evaluate("document.activeElement && document.activeElement.blur()")
    reached: list[str] = []
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        current = page.evaluate("() => { const e = document.activeElement; "
                                "return e === document.body ? null : (e.id || e.outerHTML.slice(0, 60)); }")
        if current is None or (reached and current == reached[0]):
            break
        reached.append(current)
    return set(reached)


def settle(phone: Any) -> None:
    """Wait until the phone shows the version the server last sent and is fetching nothing,
    so a redraw cannot replace the button that has the keyboard focus mid-test."""
    phone.wait_for_function(
        "() => { const s = document.getElementById('phone-sync'), m = document.getElementById('phone-main'),"
        " sh = document.getElementById('phone-shell');"
        " return s && m && sh && s.dataset.version === m.dataset.version && !sh.dataset.fetching; }")
    phone.wait_for_timeout(500)


def phone_in_phase(live_server: str, new_context: Any, request: pytest.FixtureRequest,
                   phase: str) -> tuple[Any, Any]:
    """A workshop, and a phone that joined it and follows it into `phase`: (workshop, page)."""
    expect.set_options(timeout=TIMEOUT_MS)
    made = make_workshop(live_server)
    request.addfinalizer(made.api.close)
    phone = new_page(new_context, made.created["join_url"], **PHONE)
    join(phone)
    made.phase(phase)
    expect(phone.locator(f"#phone-main.phase-{phase}")).to_be_visible()
    return made, phone


def test_a_phone_votes_with_the_keyboard_alone(live_server: str, new_context: Any,
                                               request: pytest.FixtureRequest) -> None:
    made, phone = phone_in_phase(live_server, new_context, request, "vote")
    settle(phone)
    first, second = made.project_ids[0], made.project_ids[1]

    # Every enabled control of the ballot is in the Tab order.
    wanted = set(phone.evaluate(FOCUSABLE))
    missing = wanted - tab_cycle(phone)
    assert not missing, f"not reachable with Tab: {missing}"

    # Tab to the first +, press Enter: one dot; the focus stays on that + (visible), Enter again: two.
    phone.evaluate("document.activeElement && document.activeElement.blur()")
    settle(phone)
    assert_focus_visible(tab_to(phone, f"#plus-{first}"))
    phone.keyboard.press("Enter")
    expect(phone.locator(f"#vote-{first} output.my-dots")).to_have_text("1")
    expect(phone.locator("#budget")).to_have_attribute("data-remaining", "4")
    expect(phone.locator(f"#plus-{first}")).to_be_focused()
    phone.keyboard.press("Enter")
    expect(phone.locator(f"#vote-{first} output.my-dots")).to_have_text("2")
    # Space works too, on the next project's +; and - (now enabled) takes a dot back.
    settle(phone)
    assert_focus_visible(tab_to(phone, f"#plus-{second}"))
    phone.keyboard.press("Space")
    expect(phone.locator(f"#vote-{second} output.my-dots")).to_have_text("1")
    phone.evaluate("document.activeElement && document.activeElement.blur()")
    settle(phone)
    assert_focus_visible(tab_to(phone, f"#minus-{first}"))
    phone.keyboard.press("Space")
    expect(phone.locator(f"#vote-{first} output.my-dots")).to_have_text("1")
    expect(phone.locator("#budget")).to_have_attribute("data-remaining", "3")
    # The strategy filter is a plain select: operable with the keyboard.
    phone.evaluate("document.activeElement && document.activeElement.blur()")
    settle(phone)
    assert_focus_visible(tab_to(phone, "select[data-filter-for=ballot]"))


def test_the_propose_tabs_and_form_work_with_the_keyboard(live_server: str, new_context: Any,
                                                          request: pytest.FixtureRequest) -> None:
    _made, phone = phone_in_phase(live_server, new_context, request, "propose")

    missing = set(phone.evaluate(FOCUSABLE)) - tab_cycle(phone)
    assert not missing, f"not reachable with Tab: {missing}"

    # The tabs are radios: Tab onto them (focus shown on the tab), arrows switch the panel.
    phone.evaluate("document.activeElement && document.activeElement.blur()")
    assert_focus_visible(tab_to(phone, "#tab-propose"))
    phone.keyboard.press("ArrowRight")
    expect(phone.locator("#tab-browse")).to_be_checked()
    expect(phone.locator("#proposal-list")).to_be_visible()
    expect(phone.locator("#propose-form")).to_be_hidden()
    assert_focus_visible(phone.evaluate(FOCUS_STYLE))
    phone.keyboard.press("ArrowLeft")
    expect(phone.locator("#tab-propose")).to_be_checked()
    expect(phone.locator("#propose-form")).to_be_visible()

    # The form, by keyboard: type a title, tick a strategy with Space, send with Enter.
    assert_focus_visible(tab_to(phone, "#p-title"))
    phone.keyboard.type("ศูนย์ข้อมูลน้ำชุมชน")
    assert_focus_visible(tab_to(phone, "input[name=strategy_ids]"))
    phone.keyboard.press("Space")
    expect(phone.locator("input[name=strategy_ids]").first).to_be_checked()
    assert_focus_visible(tab_to(phone, "#propose-form button[type=submit]"))
    phone.keyboard.press("Enter")
    expect(phone.locator("#propose-form .success")).to_contain_text("ศูนย์ข้อมูลน้ำชุมชน")


CONTRAST = """() => {
  const parse = c => { const m = c.match(/rgba?\\(([^)]+)\\)/); if (!m) return [0, 0, 0, 0];
    const p = m[1].split(/[ ,/]+/).filter(Boolean).map(Number); return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1]; };
  const over = (top, bottom) => { const a = top[3]; return [0, 1, 2].map(i => top[i] * a + bottom[i] * (1 - a)).concat(1); };
  const background = el => {
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c[3] > 0) { layers.push(c); if (c[3] >= 1) break; }
    }
    return layers.reverse().reduce((acc, c) => over(c, acc), [255, 255, 255, 1]);
  };
  const lum = c => { const [r, g, b] = c.slice(0, 3).map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
  const out = [];
  const root = document.getElementById('screen-shell');
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!node.textContent.trim() || !el.checkVisibility({opacityProperty: true, visibilityProperty: true})) continue;
    const box = el.getBoundingClientRect();
    if (box.width <= 1 || box.height <= 1) continue;  // visually hidden: for screen readers only
    const bg = background(el);
    const fg = over(parse(getComputedStyle(el).color), bg);
    const [hi, lo] = [lum(fg), lum(bg)].sort((a, b) => b - a);
    const ratio = (hi + 0.05) / (lo + 0.05);
    out.push({text: node.textContent.trim().slice(0, 30), cls: el.className, ratio: Math.round(ratio * 100) / 100});
  }
  return out;
}"""


def test_the_big_screen_keeps_7_to_1_contrast_in_every_phase(live_server: str, new_context: Any,
                                                             request: pytest.FixtureRequest) -> None:
    expect.set_options(timeout=TIMEOUT_MS)
    made = make_workshop(live_server)
    request.addfinalizer(made.api.close)
    # Reduced motion: arrivals and slides stand still, so every slide of the results is measured.
    screen = new_page(new_context, made.created["screen_url"], reduced_motion="reduce", **SCREEN)
    wait_live(screen)
    phone = new_page(new_context, made.created["join_url"], **PHONE)
    join(phone)
    measured: dict[str, float] = {}

    def measure(label: str) -> None:
        screen.wait_for_timeout(400)
        texts = screen.evaluate(CONTRAST)
        assert texts, f"no text measured on the screen in {label}"
        low = [t for t in texts if t["ratio"] < 7]
        assert low == [], f"{label}: text under 7:1 contrast: {low}"
        measured[label] = min(t["ratio"] for t in texts)

    measure("setup")
    for phase in ("propose", "vote", "results", "closed"):
        made.phase(phase)
        expect(screen.locator(f"#screen-live.phase-{phase}")).to_be_visible()
        if phase == "vote":
            phone.locator("#ballot button.plus").first.click()
            expect(phone.locator("#budget")).to_have_attribute("data-remaining", "4")
            expect(screen.locator(".tally-num").first).to_have_text("1")
        measure(phase)
    print("\nlowest text contrast on the big screen per phase:", measured)
