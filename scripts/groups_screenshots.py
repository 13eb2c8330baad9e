"""Screenshots of the breakout groups for the docs: the console's Groups card, the join page's
group choice on a 360 px phone, and the table cards (pages of the A4 and A5 PDFs).

    RUAMKIT_DATABASE_URL=sqlite:////tmp/rk-groups.db .venv/bin/ruamkit serve --port 8765 &
    .venv/bin/python scripts/groups_screenshots.py http://127.0.0.1:8765
    # needs chromium (/usr/bin/chromium) and pdftoppm (poppler-utils)
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

TARGET = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
TABLES = ["ภาคเหนือ", "ภาคใต้", "ภาคตะวันออกเฉียงเหนือ", "กรุงเทพมหานครและปริมณฑล"]
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"]


def main(base: str) -> None:
    request = urllib.request.Request(f"{base}/api/v1/workshops", method="POST",
                                     data=json.dumps({"title": "สัมมนาแผนดิจิทัลแห่งชาติ 2569"}).encode(),
                                     headers={"Content-Type": "application/json"})
    event = json.load(urllib.request.urlopen(request, timeout=10))
    with sync_playwright() as p, tempfile.TemporaryDirectory() as tmp:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        console = browser.new_page(viewport={"width": 1366, "height": 900})
        console.goto(event["facilitator_url"])
        console.fill("#group-names", "\n".join(TABLES))
        console.click("#groups-card form.groups-add button")
        console.wait_for_selector(f".group-row >> nth={len(TABLES) - 1}")
        console.click(".group-row >> nth=0 >> summary")
        console.locator("#groups-card").screenshot(path=str(TARGET / "groups-console-card.png"))
        phone = browser.new_page(viewport={"width": 360, "height": 640})
        phone.goto(f"{base}/w/{event['code']}")
        phone.screenshot(path=str(TARGET / "groups-phone-join.png"))
        for size, resolution in (("a4", "40"), ("a5", "50")):
            for _attempt in range(30):  # drawn by a render worker: asked again until it is ready
                answer = console.request.get(f"{base}/w/{event['code']}/facilitate/table-cards.pdf?size={size}")
                if answer.status == 200:
                    break
                time.sleep(1)
            pdf = Path(tmp) / f"cards-{size}.pdf"
            pdf.write_bytes(answer.body())
            subprocess.run(["pdftoppm", "-r", resolution, "-png", "-f", "1", "-l", "1", "-singlefile", str(pdf),
                            str(TARGET / f"table-card-{size}")], check=True)
        browser.close()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8765")
