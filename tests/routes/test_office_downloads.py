"""What the facilitator downloads for the planning office after two rounds: the files carry the
workshop's Thai title in their names (RFC 5987), can be limited to one round (an unknown round is
a clear 404), and the printable report and its PDF list every proposal in play with its round-1
dots and round-2 score, split across pages with their headers, and the coverage map with all 17
(or 23) strategies."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
import unicodedata
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from tests.conftest import skip_or_fail
from tests.planning_office import DOTS, GOALS, SCORES, TITLE, Office, run_workshop
from tests.routes.helpers import API, create_workshop, propose, set_phase
from tests.routes.test_report import pdftotext


@pytest.fixture
def office(session: Session, client: TestClient) -> Office:
    office = run_workshop(session)
    opened = client.get(f"/w/{office.workshop.code}/facilitate/{office.facilitator_key}")
    assert opened.status_code == 200, opened.text
    return office


def api(office: Office) -> tuple[str, dict[str, str]]:
    return f"{API}/workshops/{office.workshop.code}", {"Authorization": f"Bearer {office.facilitator_key}"}


def skeleton(text: str) -> str:
    """Text as pdftotext may give it back: no spaces, no line breaks, no Thai marks above or below."""
    return "".join(ch for ch in text if not ch.isspace() and unicodedata.category(ch) != "Mn")


@pytest.mark.parametrize(("fmt", "extension"), [("xlsx", "xlsx"), ("csv", "csv"), ("json", "json")])
def test_a_download_is_named_with_the_workshops_thai_title(client: TestClient, office: Office, fmt: str,
                                                           extension: str) -> None:
    url, headers = api(office)
    answer = client.get(f"{url}/export", params={"format": fmt}, headers=headers)

    assert answer.status_code == 200, answer.text
    code = office.workshop.code
    assert answer.headers["content-disposition"] == (
        f'attachment; filename="ruamkit-{code}-2570.{extension}"; '
        f"filename*=UTF-8''{quote(f'ruamkit-{code}-{TITLE}.{extension}', safe='')}")
    console = client.get(f"/w/{code}/facilitate/export.{fmt}")
    assert console.headers["content-disposition"] == answer.headers["content-disposition"]


def test_the_csv_from_the_api_lists_every_proposal_and_can_be_limited_to_a_round(
        client: TestClient, office: Office) -> None:
    url, headers = api(office)
    whole = list(csv.DictReader(io.StringIO(
        client.get(f"{url}/export", params={"format": "csv"}, headers=headers).text.removeprefix("\ufeff"))))
    assert len(whole) == 16
    for k in office.active:
        row = next(r for r in whole if r["ชื่อโครงการ"] == office.projects[k].title)
        assert row["รอบ 1: จุด"] == str(DOTS[k])
        assert row["รอบ 2: คะแนน"] == (str(SCORES[k]) if k in SCORES else "")

    limited = client.get(f"{url}/export", params={"format": "csv", "round": 2}, headers=headers)
    assert limited.status_code == 200
    assert 'filename="ruamkit-' in limited.headers["content-disposition"]
    assert "-r2.csv" in limited.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(limited.text.removeprefix("\ufeff"))))
    assert [float(r["คะแนน"]) for r in rows] == [5, 4, 2.5, 2.5, 1]
    console = client.get(f"/w/{office.workshop.code}/facilitate/export.csv", params={"round": 1})
    assert len(list(csv.DictReader(io.StringIO(console.text.removeprefix("\ufeff"))))) == 16


def test_the_console_offers_each_file_for_one_round_only(client: TestClient, office: Office) -> None:
    code = office.workshop.code
    console = client.get(f"/w/{code}/facilitate").text
    card = console.split('class="export-rounds"', 1)[1].split("</details>", 1)[0]
    for n in (1, 2):
        for path in (f"export.xlsx?round={n}", f"export.csv?round={n}", f"report?round={n}", f"report.pdf?round={n}"):
            assert f'href="/w/{code}/facilitate/{path}"' in card
    assert "export.json?round" not in card  # the JSON is always the whole workshop


def test_an_unknown_round_is_a_clear_404(client: TestClient, office: Office) -> None:
    url, headers = api(office)
    answer = client.get(f"{url}/export", params={"format": "xlsx", "round": 7}, headers=headers)
    assert answer.status_code == 404
    assert answer.json()["detail"] == "This workshop has no voting round 7."
    code = office.workshop.code
    for path in (f"/w/{code}/facilitate/export.xlsx", f"/w/{code}/facilitate/report",
                 f"/w/{code}/facilitate/report.pdf"):
        page = client.get(path, params={"round": 7})
        assert page.status_code == 404, path
        assert "การประชุมนี้ไม่มีรอบลงคะแนนที่ 7" in page.text, path


def test_the_report_page_lists_every_proposal_with_its_dots_and_its_score(client: TestClient,
                                                                          office: Office) -> None:
    page = client.get(f"/w/{office.workshop.code}/facilitate/report")
    assert page.status_code == 200, page.text
    html = page.text

    ranking = html.split("ranking-table", 1)[1].split("</table>", 1)[0]
    for k in office.active:
        assert office.projects[k].title in ranking, k
    assert ranking.count('<td class="num out"') == 2 * 9  # the 9 not short-listed: score and scorers blank
    for score in ("5.00", "4.00", "2.50", "1.00"):
        assert f'<td class="num">{score}</td>' in ranking
    assert "40</b> จุดที่ลงแล้ว" in html and "8</b> ให้คะแนนแล้ว" in html  # each round's headline
    coverage = html.split("report-coverage", 1)[1]
    assert coverage.count('<table class="report-table coverage-table">') == 2  # 9 + 8 goals across
    for n in range(1, 18):
        assert f'<th scope="col" class="num" title="{GOALS[n - 1]}">G{n}</th>' in coverage

    limited = client.get(f"/w/{office.workshop.code}/facilitate/report", params={"round": 2}).text
    assert "รายงานนี้แสดงเฉพาะรอบที่ 2" in limited
    table = limited.split("ranking-table", 1)[1].split("</table>", 1)[0]
    assert sum(office.projects[k].title in table for k in office.active) == 5
    assert 'href="/w/' + office.workshop.code + '/facilitate/report.pdf?round=2"' in limited


def pdf(client: TestClient, path: str) -> bytes:
    answer = client.get(path)
    if answer.status_code == 503:
        skip_or_fail(f"WeasyPrint cannot run here (Pango missing?): {answer.text[:200]}")
    assert answer.status_code == 200, answer.text
    return answer.content


def page_sizes(body: bytes) -> list[tuple[float, float]]:
    if shutil.which("pdfinfo") is None:
        skip_or_fail("pdfinfo is missing: apt-get install -y poppler-utils")
    info = subprocess.run(["pdfinfo", "-f", "1", "-l", "99", "-"], input=body, capture_output=True, timeout=60,
                          check=True).stdout.decode()
    sizes = []
    for line in info.splitlines():
        if line.startswith("Page") and "size:" in line:
            width, _x, height = line.split("size:", 1)[1].split()[:3]
            sizes.append((float(width), float(height)))
    return sizes


def test_the_pdf_lists_every_proposal_its_scores_and_all_17_goals(client: TestClient, office: Office) -> None:
    body = pdf(client, f"/w/{office.workshop.code}/facilitate/report.pdf")
    pages = pdftotext(body).split("\f")
    text = skeleton("".join(pages))

    for k in office.active:
        assert skeleton(office.projects[k].title)[:25] in text, k
    for score in ("5.00", "4.00", "2.50", "1.00"):
        assert score in text
    coverage = [p for p in pages if "G17" in p][-1]  # the map comes last
    for n in range(1, 18):
        assert f"G{n}" in coverage.split(), n
    sizes = page_sizes(body)
    assert sizes[0][0] < sizes[0][1] and sizes[-1][0] > sizes[-1][1]  # portrait, then the map in landscape
    # The ranking runs over more than one page, its header row on each.
    header = skeleton("ผู้ให้คะแนน")
    assert sum(header in skeleton(p) for p in pages) >= 2


def test_a_23_by_13_framework_keeps_every_strategy_in_the_pdf(client: TestClient) -> None:
    framework = {"strategies": [{"code": f"ST{n:02}", "name": f"ยุทธศาสตร์ที่ {n}"} for n in range(1, 24)],
                 "reform_areas": [{"code": f"RA{n:02}", "name": f"ด้านที่ {n}"} for n in range(1, 14)]}
    workshop = create_workshop(client, title="แผน 23 ยุทธศาสตร์", framework=framework, phase="propose")
    for n in range(0, 23, 3):
        propose(client, workshop, workshop.facilitator, f"โครงการที่ {n}",
                strategy_ids=[workshop.strategy_ids[n]], reform_area_ids=[workshop.reform_area_ids[n % 13]])
    set_phase(client, workshop, "vote")
    assert client.get(workshop.created["facilitator_url"].removeprefix("http://testserver")).status_code == 200

    page = client.get(f"/w/{workshop.code}/facilitate/report").text
    assert page.count('<table class="report-table coverage-table">') == 2  # 12 + 11 across
    body = pdf(client, f"/w/{workshop.code}/facilitate/report.pdf")
    words = pdftotext(body).split()
    for n in range(1, 24):
        assert f"ST{n:02}" in words, n
    for n in range(1, 14):
        assert f"RA{n:02}" in words, n
