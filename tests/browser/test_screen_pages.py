"""The big screen fits any framework: with the 6 x 11 preset, a 17-goal x 5 framework and a
23-plan x 13 framework, real long Thai project titles and more projects than one screen holds,
every view at 1920x1080 neither scrolls nor clips (no container's content overflows it, no text
outside its box or the screen), pages through its long lists with "page n of m", and shows
every item it counts on one of its pages; the facilitator holds a page through the API and the
screen follows live. In a scoring round the rankings show each project's score.

Screenshots of every view with 17 and with 23 strategies: docs/screenshots/screen-17-<view>.png
and screen-23-<view>.png (page 1 of each)."""

from __future__ import annotations

import csv
import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from app.models.workshop import SCREEN_VIEWS
from tests.browser.test_workshop_flow import SCREEN, TIMEOUT_MS, open_page, wait_live

pytestmark = pytest.mark.browser

DOCS_SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
THAIME = Path("/work/shared/data/thaime/projects-sample.csv")
PROJECTS = 40

# The 17 Sustainable Development Goals and the five Ps; the 23 master plans under the National
# Strategy and the 13 areas of the national reform plan (their official Thai names).
SDGS = ["ขจัดความยากจนทุกรูปแบบในทุกที่", "ขจัดความหิวโหย บรรลุความมั่นคงทางอาหารและยกระดับโภชนาการ",
        "สร้างหลักประกันว่าคนมีชีวิตที่มีสุขภาพดีและส่งเสริมสวัสดิภาพสำหรับทุกคนในทุกวัย",
        "สร้างหลักประกันว่าทุกคนมีการศึกษาที่มีคุณภาพอย่างครอบคลุมและเท่าเทียม",
        "บรรลุความเท่าเทียมระหว่างเพศ และเสริมพลังให้แก่สตรีและเด็กหญิง",
        "สร้างหลักประกันเรื่องน้ำและการสุขาภิบาลให้มีการจัดการอย่างยั่งยืน",
        "สร้างหลักประกันว่าทุกคนเข้าถึงพลังงานสมัยใหม่ในราคาที่สามารถซื้อหาได้ เชื่อถือได้ และยั่งยืน",
        "ส่งเสริมการเติบโตทางเศรษฐกิจที่ต่อเนื่อง ครอบคลุม และยั่งยืน การจ้างงานเต็มที่และมีผลิตภาพ",
        "สร้างโครงสร้างพื้นฐานที่มีความทนทาน ส่งเสริมการพัฒนาอุตสาหกรรมที่ครอบคลุมและยั่งยืน",
        "ลดความไม่เสมอภาคภายในและระหว่างประเทศ", "ทำให้เมืองและการตั้งถิ่นฐานของมนุษย์มีความปลอดภัยและยั่งยืน",
        "สร้างหลักประกันให้มีแผนการบริโภคและการผลิตที่ยั่งยืน",
        "ปฏิบัติการอย่างเร่งด่วนเพื่อต่อสู้กับการเปลี่ยนแปลงสภาพภูมิอากาศและผลกระทบ",
        "อนุรักษ์และใช้ประโยชน์จากมหาสมุทร ทะเล และทรัพยากรทางทะเลอย่างยั่งยืน",
        "ปกป้อง ฟื้นฟู และสนับสนุนการใช้ระบบนิเวศบนบกอย่างยั่งยืน",
        "ส่งเสริมสังคมที่สงบสุขและครอบคลุม ให้ทุกคนเข้าถึงความยุติธรรม",
        "เสริมความเข้มแข็งให้แก่กลไกการปฏิบัติงานและฟื้นฟูสภาพหุ้นส่วนความร่วมมือระดับโลก"]
FIVE_PS = ["ประชาชน (People)", "โลก (Planet)", "ความมั่งคั่ง (Prosperity)", "สันติภาพ (Peace)",
           "หุ้นส่วนความร่วมมือ (Partnership)"]
MASTER_PLANS = ["ความมั่นคง", "การต่างประเทศ", "การเกษตร", "อุตสาหกรรมและบริการแห่งอนาคต", "การท่องเที่ยว",
                "พื้นที่และเมืองน่าอยู่อัจฉริยะ", "โครงสร้างพื้นฐาน ระบบโลจิสติกส์ และดิจิทัล",
                "ผู้ประกอบการและวิสาหกิจขนาดกลางและขนาดย่อมยุคใหม่", "เขตเศรษฐกิจพิเศษ",
                "การปรับเปลี่ยนค่านิยมและวัฒนธรรม", "การพัฒนาศักยภาพคนตลอดช่วงชีวิต",
                "การพัฒนาการเรียนรู้", "การเสริมสร้างให้คนไทยมีสุขภาวะที่ดี", "ศักยภาพการกีฬา",
                "พลังทางสังคม", "เศรษฐกิจฐานราก", "ความเสมอภาคและหลักประกันทางสังคม",
                "การเติบโตอย่างยั่งยืน", "การบริหารจัดการน้ำทั้งระบบ",
                "การบริการประชาชนและประสิทธิภาพภาครัฐ", "การต่อต้านการทุจริตและประพฤติมิชอบ",
                "กฎหมายและกระบวนการยุติธรรม", "การวิจัยและพัฒนานวัตกรรม"]
REFORM_AREAS = ["การเมือง", "การบริหารราชการแผ่นดิน", "กฎหมาย", "กระบวนการยุติธรรม", "เศรษฐกิจ",
                "ทรัพยากรธรรมชาติและสิ่งแวดล้อม", "สาธารณสุข", "สื่อสารมวลชน เทคโนโลยีสารสนเทศ", "สังคม",
                "พลังงาน", "การป้องกันและปราบปรามการทุจริตและประพฤติมิชอบ", "การศึกษา", "ตำรวจ"]
AGENCIES = ["กรมส่งเสริมการปกครองท้องถิ่น", "กรมการปกครอง", "กรมทางหลวงชนบท", "กรมชลประทาน",
            "สำนักงานสถิติแห่งชาติ", "กรมอุตุนิยมวิทยา", "สำนักงานพัฒนารัฐบาลดิจิทัล", "กรมพัฒนาชุมชน",
            "กรมส่งเสริมการเกษตร", "กรมการท่องเที่ยว", "สำนักงานปลัดกระทรวงดิจิทัลเพื่อเศรษฐกิจและสังคม"]

FRAMEWORKS: dict[str, Any] = {
    "6": "th-national-2018",
    "17": {"strategies": [{"code": f"G{n}", "name": name} for n, name in enumerate(SDGS, 1)],
           "reform_areas": [{"code": f"P{n}", "name": name} for n, name in enumerate(FIVE_PS, 1)]},
    "23": {"strategies": [{"code": f"M{n}", "name": name} for n, name in enumerate(MASTER_PLANS, 1)],
           "reform_areas": [{"code": f"R{n}", "name": name} for n, name in enumerate(REFORM_AREAS, 1)]},
}
VIEWS = [v for v in SCREEN_VIEWS if v != "auto"]
RANKINGS = ("tallies", "ranking", "strategies")

# Every visible piece of the view: no container whose content overflows it, no text outside its
# box or the screen. Boxes that clip on purpose (clamped titles, one-line ellipses) must show
# whole lines: their height a whole number of line boxes.
FITS = """() => {
  const live = document.getElementById('screen-live');
  const out = [];
  const on = el => el.checkVisibility({opacityProperty: true, visibilityProperty: true});
  const PURPOSE = '.clamp, h1, .tally-title, .wall-meta, .rank-meta, .row-name, .legend-under .legend li';
  const clipsOnPurpose = el => el.matches(PURPOSE);
  const W = innerWidth, H = innerHeight;
  for (const el of live.querySelectorAll('*')) {
    if (!on(el) || el.closest('svg, .visually-hidden')) continue;
    const cs = getComputedStyle(el);
    if (cs.display === 'inline') continue;
    if (clipsOnPurpose(el)) {
      const lh = parseFloat(cs.lineHeight), lines = el.clientHeight / lh;
      if (Math.abs(lines - Math.round(lines)) > 0.02)
        out.push(`part of a line shows: ${el.className} ${lines.toFixed(2)} lines`);
      continue;
    }
    // A box that clips or scrolls, and the view's frames and lists, must hold all their content
    // (other boxes let it show: the text check below finds text that leaves its box).
    const strict = cs.overflowX !== 'visible' || cs.overflowY !== 'visible'
      || el.matches('#screen-live, .screen-body, .pager, .screen-page, ol, ul, table, .strategy-grid, .join-hero');
    if (strict && (el.scrollHeight > el.clientHeight + 1 || el.scrollWidth > el.clientWidth + 1))
      out.push(`overflows: ${el.tagName}.${el.className} ${el.scrollWidth}x${el.scrollHeight}`
               + ` in ${el.clientWidth}x${el.clientHeight}`);
  }
  const walker = document.createTreeWalker(live, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!node.textContent.trim() || !on(el) || el.closest('svg, .visually-hidden')) continue;
    const clip = el.closest(PURPOSE);
    let box = el;
    while (getComputedStyle(box).display === 'inline' && box.parentElement) box = box.parentElement;
    const b = (clip || box).getBoundingClientRect();
    const range = document.createRange();
    range.selectNodeContents(node);
    for (const r of range.getClientRects()) {
      if (r.width === 0) continue;
      // In a box that clips on purpose only the part inside it shows: that box must be on the screen.
      const v = clip ? {left: Math.max(r.left, b.left), right: Math.min(r.right, b.right),
                        top: Math.max(r.top, b.top), bottom: Math.min(r.bottom, b.bottom)} : r;
      if (v.right <= v.left || v.bottom <= v.top) continue;  // a hidden line, or the rest of an ellipsis
      const slack = 0.3 * parseFloat(getComputedStyle(el).fontSize);
      if (v.left < -1 || v.top < -1 || v.right > W + 1 || v.bottom > H + 1)
        out.push(`off the screen: ${node.textContent.trim().slice(0, 30)}`);
      else if (v.left < b.left - 1 || v.right > b.right + 1 || v.top < b.top - slack || v.bottom > b.bottom + slack)
        out.push(`outside its box: ${node.textContent.trim().slice(0, 30)} ${JSON.stringify([v, b])}`);
    }
  }
  return out;
}"""


# Splits each clamped text on the screen where its first hidden line starts (the hidden part in
# a span of its own): with `hide`, that span's text is made transparent. Returns the boxes.
SPLIT_HIDDEN = """(hide) => {
  const boxes = [];
  for (const el of document.querySelectorAll('.screen-page:not([hidden]) .clamp')) {
    if (el.scrollHeight <= el.clientHeight || el.children.length > 1) continue;
    if (!el.dataset.split) {
      const text = el.textContent, node = el.firstChild, lh = parseFloat(getComputedStyle(el).lineHeight);
      const bottom = el.getBoundingClientRect().top + el.clientHeight;
      const range = document.createRange();
      let cut = -1;
      for (let i = 0; i < text.length && cut < 0; i++) {
        range.setStart(node, i); range.setEnd(node, i + 1);
        const r = range.getClientRects()[0];
        if (r && r.top >= bottom - lh / 4) cut = i;
      }
      if (cut < 0) continue;
      el.textContent = text.slice(0, cut);
      const tail = document.createElement('span');
      tail.className = 'hidden-tail';
      tail.textContent = text.slice(cut);
      el.appendChild(tail);
      el.dataset.split = '1';
    }
    el.querySelector('.hidden-tail').style.color = hide ? 'transparent' : '';
    const b = el.getBoundingClientRect();
    boxes.push({x: b.x, y: b.y, width: b.width, height: b.height});
  }
  return boxes;
}"""


def assert_whole_lines(screen: Page, shot: Path | None = None) -> None:
    """Clamped Thai shows whole lines: the hidden next line leaves no mark in the box (its upper
    vowels and tone marks would show as "ปีงบประมุาณ"): each box looks the same with the hidden
    lines' text made transparent."""
    boxes = screen.evaluate(SPLIT_HIDDEN, False)
    assert boxes, "no clamped title on this page"
    shown = [screen.screenshot(clip=box, caret="initial") for box in boxes]
    screen.evaluate(SPLIT_HIDDEN, True)
    hidden = [screen.screenshot(clip=box, caret="initial") for box in boxes]
    bleeding = [n for n, (a, b) in enumerate(zip(shown, hidden, strict=True)) if a != b]
    if shot:
        shot.write_bytes(shown[0])
    assert bleeding == [], f"{len(bleeding)} of {len(boxes)} clamped titles show marks of their hidden next line"


class Api:
    def __init__(self, base: str, request: pytest.FixtureRequest) -> None:
        self.http = httpx.Client(base_url=f"{base}/api/v1", timeout=20)
        request.addfinalizer(self.http.close)

    def __call__(self, method: str, path: str, key: str | None = None, status: int = 200, **body: Any) -> Any:
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        answer = self.http.request(method, path, json=body if body else None, headers=headers)
        assert answer.status_code == status, answer.text
        return answer.json() if answer.content else None


def thai_titles(count: int) -> list[str]:
    """Real proposals, the longest first: most start alike ("โครงการ...")."""
    with THAIME.open(encoding="utf-8") as f:
        titles = [" ".join(row["title"].split()) for row in csv.DictReader(f)]
    long = sorted({t for t in titles if 60 <= len(t) <= 300}, key=lambda t: (-t.startswith("โครงการ"), -len(t)))
    return long[:count]


def build(api: Api, size: str) -> dict[str, Any]:
    """A workshop in the vote phase with PROJECTS real proposals over its framework, eleven
    participants of eleven agencies who spent their dots."""
    created = api("POST", "/workshops", None, 201, title="เวิร์กชอปจัดลำดับความสำคัญโครงการ ปีงบประมาณ ๒๕๖๙",
                  framework=FRAMEWORKS[size], agencies=AGENCIES)
    code, key = created["code"], created["facilitator_key"]
    workshop = api("GET", f"/workshops/{code}", key)
    strategies = [s["id"] for s in workshop["strategies"]]
    areas = [r["id"] for r in workshop["reform_areas"]]
    api("PUT", f"/workshops/{code}/phase", key, phase="propose")
    projects = []
    for n, title in enumerate(thai_titles(PROJECTS)):
        tags = sorted({strategies[n % len(strategies)], strategies[(n * 7 + 3) % len(strategies)]})
        projects.append(api("POST", f"/workshops/{code}/projects", key, 201, title=title,
                            agency=AGENCIES[n % len(AGENCIES)], strategy_ids=tags,
                            reform_area_ids=[areas[n % len(areas)], areas[(n * 5 + 1) % len(areas)]]))
    tokens = [api("POST", f"/workshops/{code}/participants", None, 201, name=f"ผู้เข้าร่วม {n}",
                  agency=AGENCIES[n])["participant_token"] for n in range(len(AGENCIES))]
    api("PUT", f"/workshops/{code}/phase", key, phase="vote")
    api("PUT", f"/workshops/{code}/timer", key, action="start", minutes=45)  # the tallest header
    for n, token in enumerate(tokens):
        for offset, dots in ((0, 3), (n + 5, 2)):
            api("PUT", f"/workshops/{code}/votes/{projects[(n * 3 + offset) % PROJECTS]['id']}", token, dots=dots)
    return {"code": code, "key": key, "created": created, "projects": projects, "tokens": tokens,
            "strategies": strategies, "areas": areas}


def expected_items(view: str, made: dict[str, Any]) -> int | None:
    """How many items the view counts (None: a single screen with no list to page)."""
    projects = made["projects"]
    return {
        "tallies": len(projects), "ranking": len(projects), "strategies": len(made["strategies"]),
        "wall": sum(len(p["strategy_ids"]) for p in projects),
        "coverage": max(len(made["strategies"]), len(made["areas"])),
        "agencies": len(AGENCIES),
        "groups": 0,  # a workshop without breakout groups (tests/browser/test_group_screens.py has 40)
    }.get(view)


def show(api: Api, screen: Page, made: dict[str, Any], view: str, page: int | None = None) -> None:
    body: dict[str, Any] = {"view": view} if page is None else {"page": page}
    answer = api("PUT", f"/workshops/{made['code']}/screen-view", made["key"], **body)
    assert answer["screen_page"] == page
    expect(screen.locator("#screen-live")).to_have_attribute("data-view", view)
    if page is not None:
        expect(screen.locator(".pager")).to_have_attribute("data-held", str(page))
        expect(screen.locator(".pager")).to_have_attribute("data-shown", str(page))
    screen.wait_for_timeout(600)  # the page fades in, bars finish moving


def check_view(api: Api, screen: Page, made: dict[str, Any], view: str, shots: str | None) -> None:
    """Every page of the view fits, says which page it is, and together they show every item."""
    show(api, screen, made, view)
    if shots:
        screen.screenshot(path=str(DOCS_SHOTS / f"screen-{shots}-{view}.png"), caret="initial")
    pager = screen.locator(".pager")
    if pager.count() == 0:
        problems = screen.evaluate(FITS)
        assert problems == [], f"{view}: {problems}"
        assert expected_items(view, made) is None
        return
    pages = int(pager.get_attribute("data-pages") or "0")
    seen: list[str] = []
    for number in range(1, pages + 1):
        show(api, screen, made, view, number)
        problems = screen.evaluate(FITS)
        assert problems == [], f"{view}, page {number} of {pages}: {problems}"
        current = screen.locator(f".screen-page[data-page='{number}']")
        expect(current).to_be_visible()
        assert screen.locator(".screen-page:visible").count() == 1
        kind_pages = current.locator(".page-note")
        if kind_pages.count():
            assert re.search(r"\d+\D+\d+", kind_pages.inner_text())
        seen += current.locator("[data-item]").evaluate_all("els => els.map(e => e.dataset.item)")
    expected = expected_items(view, made)
    assert len(seen) == len(set(seen)) == expected, (view, len(seen), len(set(seen)), expected)
    api("PUT", f"/workshops/{made['code']}/screen-view", made["key"], page=None)


@pytest.mark.parametrize("size", ["6", "17", "23"])
def test_every_view_fits_and_pages_through_everything_it_counts(
        size: str, live_server: str, new_context: Any, request: pytest.FixtureRequest) -> None:
    expect.set_options(timeout=TIMEOUT_MS)
    api, problems = Api(live_server, request), []
    made = build(api, size)
    DOCS_SHOTS.mkdir(parents=True, exist_ok=True)
    shots = size if size in ("17", "23") else None
    screen = open_page(new_context, made["created"]["screen_url"], problems, **SCREEN)
    wait_live(screen)

    for view in VIEWS:  # a dot round
        check_view(api, screen, made, view, shots)
        if view in ("wall", "ranking"):
            show(api, screen, made, view)
            show(api, screen, made, view, 1)
            assert_whole_lines(screen, DOCS_SHOTS / f"screen-{shots}-clamp-{view}.png" if shots else None)
            api("PUT", f"/workshops/{made['code']}/screen-view", made["key"], page=None)

    # A scoring round of every project: the rankings show each project's score, not 0.
    api("POST", f"/workshops/{made['code']}/rounds", made["key"], 201, mode="scoring", title="รอบให้คะแนน")
    for n, token in enumerate(made["tokens"]):
        for i, project in enumerate(made["projects"][:12]):
            api("PUT", f"/workshops/{made['code']}/scores/{project['id']}", token,
                scores={"impact": 1 + (i + n) % 5, "feasibility": 1 + (i * 2 + n) % 5})
    for view in RANKINGS:
        check_view(api, screen, made, view, f"{shots}-scoring" if shots else None)
    show(api, screen, made, "strategies")
    show(api, screen, made, "strategies", 1)
    figures = screen.locator(".screen-page:visible .band-project .figure").all_inner_texts()
    assert figures and any(re.fullmatch(r"[1-5]\.\d", f) for f in figures), figures
    show(api, screen, made, "ranking")
    show(api, screen, made, "ranking", 1)
    assert re.fullmatch(r"[1-5]\.\d", screen.locator(".screen-page:visible .tally-num").first.inner_text())

    # Results: "auto" runs the slides (ranking, strategies, coverage pages in one sequence).
    api("PUT", f"/workshops/{made['code']}/phase", made["key"], phase="results")
    api("PUT", f"/workshops/{made['code']}/screen-view", made["key"], view="auto")
    expect(screen.locator("#screen-live")).to_have_attribute("data-view", "slides")
    kinds = set(screen.locator(".screen-page").evaluate_all("els => els.map(e => e.dataset.kind)"))
    assert kinds == {"tallies", "strategies", "coverage"}
    if shots:
        screen.screenshot(path=str(DOCS_SHOTS / f"screen-{shots}-slides.png"), caret="initial")
    assert problems == [], problems
