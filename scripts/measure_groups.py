"""Figures for 40 groups: adding them, the console, every group's phase, the table cards page and PDF.

    .venv/bin/python scripts/measure_groups.py
"""

from __future__ import annotations

import tempfile
import time

from fastapi.testclient import TestClient

from app import db
from app.config import Settings
from app.main import create_app


def main() -> None:
    url = f"sqlite:///{tempfile.mkdtemp()}/rk.db"
    db.upgrade(url)
    with TestClient(create_app(Settings(database_url=url))) as c:
        w = c.post("/api/v1/workshops", json={"title": "สัมมนาแผนดิจิทัลแห่งชาติ 2569"}).json()
        h = {"Authorization": f"Bearer {w['facilitator_key']}"}
        names = [f"กลุ่มที่ {n} กระทรวงดิจิทัลเพื่อเศรษฐกิจและสังคม" for n in range(1, 41)]
        t = time.perf_counter()
        assert c.post(f"/api/v1/workshops/{w['code']}/groups", json={"names": names}, headers=h).status_code == 201
        t1 = time.perf_counter() - t
        c.get(w["facilitator_url"])
        t = time.perf_counter()
        page = c.get(f"/w/{w['code']}/facilitate")
        t2 = time.perf_counter() - t
        t = time.perf_counter()
        c.get(f"/w/{w['code']}/facilitate/table-cards?size=a4")
        t3 = time.perf_counter() - t
        t = time.perf_counter()
        for _ in range(60):
            pdf = c.get(f"/w/{w['code']}/facilitate/table-cards.pdf?size=a4")
            if pdf.status_code != 503:
                break
        t4 = time.perf_counter() - t
        t = time.perf_counter()
        c.put(f"/api/v1/workshops/{w['code']}/groups/phase", json={"phase": "propose"}, headers=h)
        t5 = time.perf_counter() - t
        print(f"add 40 groups: {t1 * 1000:.0f} ms; console page with 40 groups: {t2 * 1000:.0f} ms "
              f"({len(page.content) // 1024} KB); table cards page: {t3 * 1000:.0f} ms; 40-card A4 PDF: {t4:.1f} s "
              f"({len(pdf.content) // 1024} KB, status {pdf.status_code}); every group's phase: {t5 * 1000:.0f} ms")


if __name__ == "__main__":
    main()
