"""Helpers for the browser tests of issue 6: axe-core checks, request recording, phone-sized pages
and a workshop made over the API. Everything talks to 127.0.0.1 only."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
from playwright.sync_api import BrowserContext, Page

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules/axe-core/axe.min.js"
ARTIFACTS = ROOT / "test-artifacts"
TIMEOUT_MS = 15_000

PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}
FACILITATOR = {"viewport": {"width": 1366, "height": 768}}
SCREEN = {"viewport": {"width": 1920, "height": 1080}}

# The demo's titles: real Thai, with stacked vowels, tone marks and SARA AM.
TITLES = (
    "โครงการพัฒนาระบบเตือนภัยพิบัติทางธรรมชาติ",
    "โครงการพัฒนาระบบข้อมูลเพื่อบริหารจัดการน้ำ",
    "โครงการพัฒนาเมืองอัจฉริยะในพื้นที่ EEC",
    "โครงการดิจิทัลชุมชนด้าน e-Commerce",
    "โครงการ Coding Nation",
    "นโยบายรัฐบาลดิจิทัล (Digital Government)",
)
AGENCY = "กรมอุตุนิยมวิทยา"


@dataclass
class Made:
    """A workshop made over the API, with its keys and links."""

    base: str
    created: dict[str, Any]
    api: httpx.Client
    project_ids: list[int] = field(default_factory=list)

    @property
    def code(self) -> str:
        return str(self.created["code"])

    @property
    def facilitator(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.created['facilitator_key']}"}

    def phase(self, phase: str) -> None:
        answer = self.api.put(f"/api/v1/workshops/{self.code}/phase", json={"phase": phase}, headers=self.facilitator)
        assert answer.status_code == 200, answer.text


def make_workshop(base: str, titles: tuple[str, ...] = TITLES, **fields: Any) -> Made:
    """A Thai workshop with the national preset and these projects, tagged, in phase setup."""
    api = httpx.Client(base_url=base, timeout=10)
    answer = api.post("/api/v1/workshops", json={"title": "ประชุมจัดทำแผนปฏิบัติการด้านดิจิทัลเพื่อน้ำที่ยั่งยืน",
                                                 "agencies": [AGENCY], **fields})
    assert answer.status_code == 201, answer.text
    made = Made(base=base, created=answer.json(), api=api)
    info = api.get(f"/api/v1/workshops/{made.code}").json()
    strategies = [s["id"] for s in info["strategies"]]
    areas = [r["id"] for r in info["reform_areas"]]
    for n, title in enumerate(titles):
        body = {"title": title, "agency": AGENCY, "strategy_ids": [strategies[n % len(strategies)]],
                "reform_area_ids": [areas[n % len(areas)], areas[(n + 3) % len(areas)]]}
        project = api.post(f"/api/v1/workshops/{made.code}/projects", json=body, headers=made.facilitator)
        assert project.status_code == 201, project.text
        made.project_ids.append(project.json()["id"])
    return made


class Recorder:
    """Every request and websocket a browser context makes, to check they stay on our origin."""

    def __init__(self, context: BrowserContext) -> None:
        self.urls: list[str] = []
        context.on("request", lambda request: self.urls.append(request.url))
        context.on("page", self._watch)
        for page in context.pages:
            self._watch(page)

    def _watch(self, page: Page) -> None:
        page.on("websocket", lambda ws: self.urls.append(ws.url))

    def foreign(self, base: str) -> list[str]:
        origin = urlsplit(base).netloc
        return [url for url in self.urls if not url.startswith(("data:", "blob:", "about:"))
                and urlsplit(url).netloc != origin]


def add_axe(context: BrowserContext) -> None:
    """axe-core from the npm registry, injected into every page of the context. Through CDP
    (Page.addScriptToEvaluateOnNewDocument), which the pages' CSP does not govern: the pages keep
    their strict CSP and no inline script is added to them."""
    context.add_init_script(path=str(AXE))


def run_axe(page: Page) -> list[dict[str, Any]]:
    """axe's violations on the page as it is now (all rules: WCAG 2.x A/AA and best practices)."""
    return page.evaluate("""async () => {
      const result = await axe.run(document, {resultTypes: ['violations']});
      return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
        nodes: v.nodes.map(n => n.target.join(' ') + ' :: ' + n.html.slice(0, 120))}));
    }""")


@dataclass
class AxeReport:
    """axe's findings per page, kept in test-artifacts/axe-results.json for the note."""

    pages: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def check(self, page: Page, label: str) -> None:
        page.wait_for_timeout(300)  # let swaps and transitions settle
        self.pages[label] = run_axe(page)

    def counts(self) -> dict[str, dict[str, int]]:
        return {label: dict(Counter(v["impact"] or "none" for v in found)) for label, found in self.pages.items()}

    def serious(self) -> dict[str, list[str]]:
        return {label: [f"{v['impact']} {v['id']}: {v['help']} -> {v['nodes'][:3]}" for v in found
                        if v["impact"] in ("serious", "critical")]
                for label, found in self.pages.items()
                if any(v["impact"] in ("serious", "critical") for v in found)}

    def save(self, name: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / name
        path.write_text(json.dumps({"counts": self.counts(), "violations": self.pages}, ensure_ascii=False, indent=1))
        return path


def new_page(new_context: Any, url: str | None = None, *, axe: bool = False, record: list[Recorder] | None = None,
             **options: Any) -> Page:
    context: BrowserContext = new_context(locale="th-TH", **options)
    context.set_default_timeout(TIMEOUT_MS)
    if axe:
        add_axe(context)
    if record is not None:
        record.append(Recorder(context))
    page = context.new_page()
    if url:
        page.goto(url)
    return page


def wait_live(page: Page) -> None:
    page.wait_for_selector("body[data-ws=open]", timeout=TIMEOUT_MS)


def join(page: Page, name: str = "สมหญิง ใจดี", agency: str = AGENCY) -> None:
    page.fill("#name", name)
    pick_agency(page, agency)
    page.click("form button[type=submit]")
    page.wait_for_selector("#phone-main", timeout=TIMEOUT_MS)
    wait_live(page)


def pick_agency(page: Page, agency: str) -> None:
    """The join page's agency: picked from the invited list when the workshop has one (the
    agency if it is listed, else the first), typed otherwise."""
    field = page.locator("#agency")
    if field.evaluate("e => e.tagName") != "SELECT":
        field.fill(agency)
        return
    labels = [label.strip() for label in field.locator("option").all_inner_texts()]
    field.select_option(label=agency if agency in labels else next(label for label in labels[1:] if label))


def voting_phone(base: str, new_context: Any, **fields: Any) -> tuple[Made, Page]:
    """A workshop made over the API (its client closed by the caller: made.api), a 360 px phone
    joined while proposing, then voting opened and seen on the phone, its socket live."""
    from playwright.sync_api import expect

    made = make_workshop(base, **fields)
    made.phase("propose")
    phone = new_page(new_context, made.created["join_url"], **PHONE)
    join(phone)
    made.phase("vote")
    expect(phone.locator(f"#plus-{made.project_ids[0]}")).to_be_enabled(timeout=TIMEOUT_MS)
    wait_live(phone)
    return made, phone
