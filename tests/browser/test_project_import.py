"""A facilitator brings the ministry's project list from Excel on a laptop (1366x768): picks the
file and the sheet, sees the columns matched from the Thai headers, the first rows with their
long titles clamped, and the one refused row with its number and reason; then, with the
corrected file, imports 1,500 real projects with a progress bar and finds them in the console.

The preview is kept as docs/screenshots/import-preview.png (issue 13's note)."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import httpx
import pytest
from openpyxl import Workbook
from playwright.sync_api import expect

from tests.browser.test_workshop_flow import FACILITATOR, TIMEOUT_MS, open_page

pytestmark = pytest.mark.browser

DOCS_SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
SAMPLE = Path(__file__).resolve().parents[1] / "data" / "thaime" / "projects-sample.csv"
HEAD = ["ลำดับ", "ชื่อโครงการ", "หน่วยงาน", "ยุทธศาสตร์", "ด้านการปฏิรูป"]


def titles(count: int) -> list[list[str]]:
    """Real proposals of the sample, longest first so the preview shows what a clamp does."""
    with SAMPLE.open(encoding="utf-8") as sample:
        rows = [r for r in csv.DictReader(sample) if 0 < len(r["title"]) <= 500]
    rows.sort(key=lambda r: -len(r["title"]))
    return [[str(n + 1), r["title"], r["agency"], "S2; S4", "R2"] for n, r in enumerate(rows[:count])]


def workbook(rows: list[list[str]]) -> bytes:
    book = Workbook()
    notes = book.active
    notes.title = "คำอธิบาย"
    notes.append(["แผ่นงานนี้อธิบายไฟล์"])
    sheet = book.create_sheet("โครงการ")
    for row in [HEAD, *rows]:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_a_facilitator_previews_and_imports_a_workbook(live_server: str, new_context: Any, tmp_path: Path) -> None:
    expect.set_options(timeout=TIMEOUT_MS)
    with httpx.Client(base_url=live_server, timeout=20) as http:
        created = http.post("/api/v1/workshops", json={"title": "แผนปฏิบัติการด้านดิจิทัล ปี ๒๕๖๙"}).json()
        http.put(f"/api/v1/workshops/{created['code']}/phase", json={"phase": "propose"},
                 headers={"Authorization": f"Bearer {created['facilitator_key']}"})
    problems: list[str] = []
    console = open_page(new_context, created["facilitator_url"], problems, **FACILITATOR)
    console.click("text=นำเข้าโครงการจาก Excel หรือ CSV")
    expect(console.locator("h1")).to_have_text("นำเข้าโครงการจากไฟล์ตาราง")

    rows = titles(1_500)
    rows[3][3] = "S2; ยุทธศาสตร์ที่ไม่มี"
    with_error = tmp_path / "โครงการ-มีข้อผิดพลาด.xlsx"
    with_error.write_bytes(workbook(rows))
    console.set_input_files("#import-file", str(with_error))
    # The first sheet holds no projects: the page says so and offers the sheets.
    expect(console.locator("#import-review .field-error")).to_contain_text("ไม่พบคอลัมน์ชื่อโครงการ")
    console.select_option("#import-sheet", "โครงการ")
    expect(console.locator("#map-title")).to_have_value("ชื่อโครงการ")
    expect(console.locator("#map-agency")).to_have_value("หน่วยงาน")
    expect(console.locator(".import-preview tbody tr")).to_have_count(20)
    expect(console.locator(".import-errors li")).to_have_text(
        ["แถวที่ 5: ไม่รู้จัก 'ยุทธศาสตร์ที่ไม่มี' ไม่ใช่รหัสหรือชื่อของยุทธศาสตร์หรือด้านการปฏิรูปในเวิร์กช็อปนี้"])
    expect(console.locator("text=นำเข้า 1499 โครงการ")).to_have_count(0)
    # Long titles are clamped to two lines, and nothing runs off the laptop's screen.
    title = console.locator(".import-preview tbody tr").first.locator(".clamp").first
    box = title.bounding_box()
    assert box is not None and box["height"] < 4 * 16 * 1.7, box
    assert console.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    DOCS_SHOTS.mkdir(parents=True, exist_ok=True)
    console.evaluate("document.getElementById('import-check').scrollIntoView()")
    console.screenshot(path=str(DOCS_SHOTS / "import-preview.png"))

    rows[3][3] = "S2"
    corrected = tmp_path / "โครงการ.xlsx"
    corrected.write_bytes(workbook(rows))
    console.set_input_files("#import-file", str(corrected))
    # Another file starts again from its first sheet.
    expect(console.locator("#import-review .field-error")).to_contain_text("ไม่พบคอลัมน์ชื่อโครงการ")
    console.select_option("#import-sheet", "โครงการ")
    button = console.locator("text=นำเข้า 1500 โครงการ")
    expect(button).to_be_visible()
    button.click()
    expect(console.locator("#import-progress")).to_contain_text("นำเข้าแล้ว 1500 โครงการ", timeout=30_000)
    expect(console.locator("#import-review button")).to_have_count(0)  # no second import of the same file
    console.click("#import-progress a.button")
    expect(console.locator(".counts")).to_contain_text("1500")
    assert not problems, problems
