"""Files of a workshop (report PDF, XLSX, CSV, JSON) are drawn by render workers, separate
processes with a time limit and a memory cap: a big workshop's file comes within a bound or
with a clear refusal, the server's own memory does not grow, a drawn file is reused until the
workshop changes, and a page asked for a file still being drawn says so and tries again."""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from typing import Any

import openpyxl
import psutil
import pytest
from fastapi.testclient import TestClient

from tests.outputs.conftest import import_big
from tests.routes.helpers import assert_error

XLSX = "format=xlsx"


def export(client: TestClient, created: dict[str, Any], query: str = XLSX):  # type: ignore[no-untyped-def]
    return client.get(f"/api/v1/workshops/{created['code']}/export?{query}", headers=created["headers"])


def test_a_drawn_file_is_reused_until_the_workshop_changes(client: TestClient, imported: Callable) -> None:
    created = imported(projects=30, tags=4, participants=40, votes=40)
    renders = client.app.state.renders  # type: ignore[attr-defined]
    first = export(client, created)
    assert first.status_code == 200, first.text
    drawn = renders.drawn
    for _ in range(3):
        again = export(client, created)
        assert again.status_code == 200 and again.content == first.content
    assert renders.drawn == drawn  # kept, not drawn again
    # A change to the workshop (through the API, so every view hears of it): drawn afresh.
    renamed = client.patch(f"/api/v1/workshops/{created['code']}", json={"title": "Renamed"},
                           headers=created["headers"])
    assert renamed.status_code == 200
    changed = export(client, created)
    assert changed.status_code == 200 and renders.drawn == drawn + 1
    assert openpyxl.load_workbook(io.BytesIO(changed.content)).properties.title == "Renamed"


def test_a_big_workshops_pdf_and_xlsx_come_within_a_bound_or_with_a_clear_refusal(
        client_with: Callable[..., TestClient]) -> None:
    """A 300-project workshop, 50 tags each: each file within its time limit (8 s here) plus a
    little, as the file or as a refusal that says why; the server's own memory stays flat."""
    client = client_with(render_timeout=8, render_wait=30)
    client.cookies.set("rk_lang", "en")
    created = import_big(client, projects=300, tags=50, participants=2000, votes=200)
    server = psutil.Process()
    before = server.memory_info().rss
    for path, media_type in ((f"/w/{created['code']}/facilitate/report.pdf", "application/pdf"),
                             (f"/api/v1/workshops/{created['code']}/export?{XLSX}", "spreadsheetml")):
        started = time.monotonic()
        answer = client.get(path, headers=created["headers"])
        took = time.monotonic() - started
        assert took < 8 + 20, f"{path}: {took:.1f} s"  # the time limit, and a busy machine's slack
        if answer.status_code == 200:
            assert media_type in answer.headers["content-type"]
        else:
            assert answer.status_code == 413, answer.text
            assert "too large to draw" in answer.text
    # The drawing happened in the workers: the server grew by less than a file's worth.
    assert server.memory_info().rss - before < 60 * 2**20


def test_a_file_past_the_time_limit_is_refused_and_the_refusal_kept(client_with: Callable[..., TestClient]) -> None:
    client = client_with(render_timeout=0.5, render_wait=30)
    client.cookies.set("rk_lang", "en")
    created = import_big(client, projects=150, tags=50, participants=100)
    started = time.monotonic()
    answer = client.get(f"/w/{created['code']}/facilitate/report.pdf")
    assert time.monotonic() - started < 0.5 + 15
    assert answer.status_code == 413 and "too large to draw as PDF" in answer.text
    # Asking again costs nothing until the workshop changes: the refusal is kept.
    started = time.monotonic()
    again = client.get(f"/w/{created['code']}/facilitate/report.pdf")
    assert again.status_code == 413 and time.monotonic() - started < 0.5


def test_an_export_past_the_time_limit_is_refused_in_its_own_words(client_with: Callable[..., TestClient]) -> None:
    # An XLSX of this workshop takes well under a second: a limit of 10 ms it cannot meet.
    client = client_with(render_timeout=0.01, render_wait=30)
    created = import_big(client, projects=150, tags=50, participants=100)
    assert_error(export(client, created, "format=xlsx"), 413, "too large to draw as XLSX")


def test_a_file_past_the_memory_cap_is_refused(client_with: Callable[..., TestClient]) -> None:
    """200 MB of address space: enough to start a worker, not to lay out a 150-project PDF."""
    client = client_with(render_memory_mb=200, render_wait=60)
    client.cookies.set("rk_lang", "en")
    created = import_big(client, projects=150, tags=50, participants=100)
    answer = client.get(f"/w/{created['code']}/facilitate/report.pdf")
    assert answer.status_code == 413, answer.text[:300]
    assert "200 MB" in answer.text


def test_while_a_file_is_drawn_the_console_says_so_and_tries_again(client_with: Callable[..., TestClient]) -> None:
    client = client_with(render_wait=0.05)
    created = import_big(client, projects=60, tags=10, participants=100)
    path = f"/w/{created['code']}/facilitate/report.pdf"
    answer = client.get(path)
    assert answer.status_code == 503, answer.text[:300]
    assert answer.headers["retry-after"] == "3"
    assert '<meta http-equiv="refresh" content="3">' in answer.text
    assert "กำลังเตรียมไฟล์" in answer.text  # the page speaks the workshop's language (Thai)
    # The API says the same with 503 and Retry-After.
    api = export(client, created)
    assert_error(api, 503, "being prepared", "Try again in 3 seconds")
    assert api.headers["retry-after"] == "3"
    # Asking again (as the page does by itself) gets the file once it is drawn.
    deadline = time.monotonic() + 90
    while (answer := client.get(path)).status_code == 503 and time.monotonic() < deadline:
        time.sleep(0.5)
    assert answer.status_code == 200 and answer.content.startswith(b"%PDF-")


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_every_export_format_is_drawn_by_the_workers(client: TestClient, imported: Callable, fmt: str) -> None:
    created = imported(projects=3, tags=2, participants=2)
    renders = client.app.state.renders  # type: ignore[attr-defined]
    drawn = renders.drawn
    answer = export(client, created, f"format={fmt}")
    assert answer.status_code == 200 and renders.drawn == drawn + 1
    assert export(client, created, f"format={fmt}").content == answer.content and renders.drawn == drawn + 1
