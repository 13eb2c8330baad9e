"""The results report: a printable page for the facilitator and the same report as a PDF made by
the server, with the Thai intact (vowels and tone marks where they belong) and nothing fetched
from the network."""

from __future__ import annotations

import shutil
import socket
import subprocess
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from app.services import report
from tests.conftest import skip_or_fail
from tests.routes.helpers import Workshop, create_workshop, join, propose, set_phase, vote

WARNING_PROJECT = "โครงการพัฒนาระบบเตือนภัยพิบัติทางธรรมชาติ"
WATER_PROJECT = "โครงการพัฒนาระบบข้อมูลเพื่อบริหารจัดการน้ำ"
ELDERLY_PROJECT = "ระบบบริการภาครัฐสำหรับผู้สูงอายุที่บ้าน"
METEO_TH, METEO_EN = "กรมอุตุนิยมวิทยา", "Thai Meteorological Department"


def run_a_workshop(client: TestClient) -> Workshop:
    """A Thai workshop voted on: the water project first, then the warning system; two people of
    the Meteorological Department (one typed its English name) and one without an agency."""
    workshop = create_workshop(client, title="ประชุมจัดทำแผนบริหารจัดการน้ำที่ยั่งยืน", agencies=[METEO_TH])
    strategies, areas = workshop.strategy_ids, workshop.reform_area_ids
    warning = propose(client, workshop, workshop.facilitator, WARNING_PROJECT,
                      strategy_ids=[strategies[4]], reform_area_ids=[areas[5]])
    water = propose(client, workshop, workshop.facilitator, WATER_PROJECT,
                    strategy_ids=[strategies[4]], reform_area_ids=[areas[5], areas[9]])
    propose(client, workshop, workshop.facilitator, ELDERLY_PROJECT, strategy_ids=[strategies[3]])
    somchai = join(client, workshop, "สมชาย", METEO_TH)
    suda = join(client, workshop, "Suda", METEO_EN)
    join(client, workshop, "มานี")
    set_phase(client, workshop, "vote")
    vote(client, workshop, somchai, water["id"], 3)
    vote(client, workshop, suda, water["id"], 1)
    vote(client, workshop, suda, warning["id"], 2)
    return workshop


def open_console(client: TestClient, workshop: Workshop) -> None:
    """The facilitator's secret link puts the key in a cookie, as in a browser."""
    opened = client.get(workshop.created["facilitator_url"].removeprefix("http://testserver"))
    assert opened.status_code == 200, opened.text


def pdftotext(pdf: bytes, *options: str) -> str:
    if shutil.which("pdftotext") is None:
        skip_or_fail("pdftotext is missing: apt-get install -y poppler-utils")
    done = subprocess.run(["pdftotext", *options, "-", "-"], input=pdf, capture_output=True, timeout=60, check=True)
    return done.stdout.decode()


def pdf_of(client: TestClient, code: str) -> bytes:
    answer = client.get(f"/w/{code}/facilitate/report.pdf")
    if answer.status_code == 503:
        skip_or_fail(f"WeasyPrint cannot run here (Pango missing?): {answer.text[:200]}")
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/pdf"
    assert answer.content.startswith(b"%PDF-")
    return answer.content


def test_the_console_links_to_the_report(client: TestClient) -> None:
    workshop = run_a_workshop(client)
    open_console(client, workshop)
    console = client.get(f"/w/{workshop.code}/facilitate").text
    assert f'href="/w/{workshop.code}/facilitate/report"' in console
    assert f'href="/w/{workshop.code}/facilitate/report.pdf"' in console


def test_the_report_page_shows_title_date_agencies_ranking_strategies_and_coverage(client: TestClient) -> None:
    workshop = run_a_workshop(client)
    open_console(client, workshop)
    page = client.get(f"/w/{workshop.code}/facilitate/report")
    assert page.status_code == 200, page.text
    assert page.headers["cache-control"] == "no-store"
    html = page.text
    assert "<title>ประชุมจัดทำแผนบริหารจัดการน้ำที่ยั่งยืน · รายงานผล" in html
    # The date in Thai, with the Buddhist-era year.
    assert f"{datetime.now(UTC).year + 543}" in html and " น." in html
    # Participants by agency: the English spelling counts under the agency's Thai name.
    assert "<td>กรมอุตุนิยมวิทยา</td><td class=\"num\">2</td><td class=\"num\">2</td>" in html
    assert METEO_EN not in html
    # The ranking, water first (4 dots), then the warning system (2), then the one with none.
    assert html.index(WATER_PROJECT) < html.index(WARNING_PROJECT) < html.index(ELDERLY_PROJECT)
    # Ranking within each strategy (S5 has both), and the coverage matrix (S5 x R6: 2 projects, 6 dots).
    assert "S5 ด้านการสร้างการเติบโตบนคุณภาพชีวิตที่เป็นมิตรต่อสิ่งแวดล้อม" in html
    assert "ความครอบคลุม" in html and "2 <small>(6)</small>" in html
    # A4 when printed, Sarabun, and nothing but our own files.
    css = client.get("/static/report.css").text
    assert "size: A4" in css
    assert 'href="/static/report.css"' in html and "http://" not in html.split("<body", 1)[1]


def test_the_report_speaks_the_readers_language(client: TestClient) -> None:
    workshop = run_a_workshop(client)
    open_console(client, workshop)
    client.cookies.set("rk_lang", "en")
    html = client.get(f"/w/{workshop.code}/facilitate/report").text
    assert "Results report" in html and "Priority ranking" in html
    assert f"{datetime.now(UTC).year} " in html and f"{datetime.now(UTC).year + 543}" not in html
    # Names in English where the preset has them: the agency and the strategies.
    assert f"<td>{METEO_EN}</td>" in html
    assert "S5 Eco-friendly growth" in html and "R6 Natural resources and environment" in html


@pytest.mark.parametrize("who", ["nobody", "participant", "screen"])
def test_only_the_facilitator_gets_the_report(client: TestClient, who: str) -> None:
    workshop = run_a_workshop(client)
    if who == "participant":
        client.post(f"/w/{workshop.code}/join", data={"name": "ผู้ร่วม"})
    elif who == "screen":
        client.get(workshop.created["screen_url"].removeprefix("http://testserver"))
    for path in ("report", "report.pdf"):
        answer = client.get(f"/w/{workshop.code}/facilitate/{path}")
        assert answer.status_code == (401 if who == "nobody" else 403), (path, answer.status_code)


def test_the_pdf_keeps_the_thai_titles_with_their_vowels_and_tone_marks(client: TestClient) -> None:
    workshop = run_a_workshop(client)
    open_console(client, workshop)
    pdf = pdf_of(client, workshop.code)
    # In the order the text was written (-raw), every title reads exactly as typed, every time.
    as_written = pdftotext(pdf, "-raw")
    for title in (WARNING_PROJECT, WATER_PROJECT, ELDERLY_PROJECT, "ประชุมจัดทำแผนบริหารจัดการน้ำที่ยั่งยืน"):
        assert title in as_written, f"{title!r} is not intact in the PDF"
    assert as_written.count(WATER_PROJECT) == 2  # the ranking and its strategy's list
    for word in ("น้ำ", "ที่", "ผู้สูงอายุ", "ทาง", "ลำดับความสำคัญ", "กรมอุตุนิยมวิทยา"):
        assert word in as_written
    assert "ท้ำ" not in as_written and "ก้ำ" not in as_written  # no stray tone marks on า
    # pdftotext's default (layout-guessing) mode too finds the titles.
    as_laid_out = pdftotext(pdf)
    assert WARNING_PROJECT in as_laid_out and "น้ำ" in as_laid_out and "ที่" in as_laid_out
    # Sarabun, embedded.
    if shutil.which("pdffonts"):
        fonts = subprocess.run(["pdffonts", "-"], input=pdf, capture_output=True, timeout=60, check=True)
        assert b"Sarabun" in fonts.stdout


def test_the_pdf_never_touches_the_network(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    """Even a report whose text names remote files loads nothing from anywhere but our disk."""
    workshop = run_a_workshop(client)
    open_console(client, workshop)
    attempts: list[object] = []

    def refuse(*args: object, **kwargs: object) -> None:
        attempts.append(args)
        raise OSError("no network in this test")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    html = client.get(f"/w/{workshop.code}/facilitate/report").text.replace(
        "</main>", '<img src="http://192.0.2.1/x.png"><link rel="stylesheet" href="https://192.0.2.1/x.css"></main>')
    try:
        pdf = report.to_pdf(html)
    except report.ReportUnavailable:
        skip_or_fail("WeasyPrint cannot run here (Pango missing?)")
    assert pdf.startswith(b"%PDF-")
    assert attempts == []


def test_syllables_with_sara_am_are_marked_in_text_only() -> None:
    html = '<html><head><title>น้ำ</title></head><body class="report"><p title="น้ำ">ทำ น้ำ ทาง</p></body></html>'
    marked = report.mark_sara_am(html)
    assert "<title>น้ำ</title>" in marked and 'title="น้ำ"' in marked
    assert '<span class="pdf-am">ทำ</span> <span class="pdf-am">น้ำ</span> ทาง</p>' in marked
    assert marked.index(report.SEED) == marked.index('<body class="report">') + len('<body class="report">')


NESTED = {
    "strategies": [
        {"code": "S1", "name": "ความมั่นคง", "children": [
            {"code": "S1.1", "name": "แผนแม่บทความมั่นคง", "children": [
                {"code": "S1.1.1", "name": "แผนย่อยไซเบอร์"}]}]},
        {"code": "S2", "name": "การแข่งขัน"},
    ],
    "reform_areas": [
        {"code": "R1", "name": "เศรษฐกิจ", "children": [{"code": "R1.1", "name": "เศรษฐกิจดิจิทัล"}]},
        {"code": "R2", "name": "สังคม"},
    ],
}
CYBER_PROJECT = "ศูนย์เฝ้าระวังภัยไซเบอร์ภาครัฐ"


def a_nested_workshop(client: TestClient) -> Workshop:
    workshop = create_workshop(client, framework=NESTED, phase="propose")
    s = {e["code"]: e["id"] for e in workshop.info["strategies"]}
    r = {e["code"]: e["id"] for e in workshop.info["reform_areas"]}
    cyber = propose(client, workshop, workshop.facilitator, CYBER_PROJECT, strategy_ids=[s["S1.1.1"]],
                    reform_area_ids=[r["R1.1"]])
    set_phase(client, workshop, "vote")
    vote(client, workshop, join(client, workshop, "สมชาย"), cyber["id"], 3)
    set_phase(client, workshop, "results")
    open_console(client, workshop)
    return workshop


def test_the_report_shows_a_nested_framework_as_a_tree_with_rolled_up_figures(client: TestClient) -> None:
    workshop = a_nested_workshop(client)
    html = client.get(f"/w/{workshop.code}/facilitate/report").text
    strategies = html.split('class="report-strategies nested"')[1].split("</div>")[0]
    sections = strategies.split('<section class="report-strategy')[1:]
    # Parents first, each child indented one step deeper, and the sub-plan's project under all three.
    assert [section.split(">", 1)[0] for section in sections] == ['"', ' depth depth-1"', ' depth depth-2"', '"']
    for section, code in zip(sections[:3], ("S1 ความมั่นคง", "S1.1 แผนแม่บทความมั่นคง", "S1.1.1 แผนย่อยไซเบอร์"), strict=True):
        assert code in section and CYBER_PROJECT in section and "3 จุด" in section, code
    assert "ไม่มีโครงการ" in sections[3]  # S2
    # Coverage: the child reform area is an indented row, and its parent's row counts the project too.
    rows = html.split('class="report-table coverage-table"')[1].split("</tbody>")[0].split("<tr")[2:]
    assert ['class="depth depth-1"' in row for row in rows] == [False, True, False]
    assert rows[0].count("1 <small>(3)</small>") == 3 and rows[1].count("1 <small>(3)</small>") == 3


def test_a_flat_frameworks_report_has_no_tree(client: TestClient) -> None:
    workshop = run_a_workshop(client)
    open_console(client, workshop)
    html = client.get(f"/w/{workshop.code}/facilitate/report").text
    assert 'class="report-strategies"' in html and "depth" not in html and "tree-mark" not in html


def test_the_pdf_of_a_nested_framework_keeps_the_tree(client: TestClient) -> None:
    workshop = a_nested_workshop(client)
    text = pdftotext(pdf_of(client, workshop.code), "-layout")
    lines = {line.strip().lstrip("└ "): len(line) - len(line.lstrip()) for line in text.splitlines()
             if line.strip().lstrip("└ ").startswith(("S1 ", "S1.1 ", "S1.1.1 "))}
    indent = [lines[key] for key in ("S1 ความมั่นคง", "S1.1 แผนแม่บทความมั่นคง", "S1.1.1 แผนย่อยไซเบอร์")]
    assert indent[0] < indent[1] < indent[2], lines
    assert text.count(CYBER_PROJECT) >= 4  # the ranking and the list of each of the three levels
