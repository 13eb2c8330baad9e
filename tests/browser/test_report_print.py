"""The facilitator prints the results report from the browser after a dot round and a scoring
round of the top 5 on a 17-goal framework: at A4 print width nothing spills off the page, and the
printed PDF has every goal of the coverage map."""

from __future__ import annotations

import subprocess
from typing import Any

from sqlmodel import Session

from tests.planning_office import Office, run_workshop

# A4's width less the report's 14 mm margins, in CSS pixels (96 per inch).
PRINT_WIDTH = round((210 - 2 * 14) / 25.4 * 96)

OVERFLOWS = """() => {
  const root = document.documentElement;
  const wide = [...document.querySelectorAll('main table, main section, main ul')]
    .filter(el => el.scrollWidth > el.parentElement.clientWidth + 1)
    .map(el => `${el.tagName}.${el.className}: ${el.scrollWidth} > ${el.parentElement.clientWidth}`);
  if (root.scrollWidth > root.clientWidth + 1) wide.push(`page: ${root.scrollWidth} > ${root.clientWidth}`);
  return wide;
}"""


def test_the_printed_report_fits_the_page_and_shows_all_17_goals(live_server: str, session: Session,
                                                                   page: Any) -> None:
    office: Office = run_workshop(session)
    code = office.workshop.code
    page.set_viewport_size({"width": PRINT_WIDTH, "height": 1000})
    page.goto(f"{live_server}/w/{code}/facilitate/{office.facilitator_key}")
    page.goto(f"{live_server}/w/{code}/facilitate/report")
    page.emulate_media(media="print")

    problems = page.evaluate(OVERFLOWS)
    assert problems == []
    titles = page.locator(".ranking-table tbody td.col-title b").all_inner_texts()
    assert sorted(titles) == sorted(office.projects[k].title for k in office.active)

    printed = page.pdf(format="A4", print_background=True)
    text = subprocess.run(["pdftotext", "-", "-"], input=printed, capture_output=True, timeout=60,
                          check=True).stdout.decode().split()
    for n in range(1, 18):
        assert f"G{n}" in text, n
