"""When the server process is killed and started again, every phone page comes back by itself,
on a jittered schedule: htmx's ws extension waits a random part of a ceiling that doubles with
each failed attempt (full jitter), so a hall of phones does not knock all at once; the page
holds the ceiling at 8 s (app/static/app.js). The benchmark's simulated phones (`ruamkit bench
--scenario restart`, bench/restart.py) follow the same schedule; here real Chromium pages are
timed against it."""

from __future__ import annotations

import itertools
import time
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from app import db
from bench.restart import RECONNECT_CODES, reconnect_ceiling
from tests.browser.audit import PHONE, TIMEOUT_MS, join, make_workshop
from tests.faults.conftest import ServerProcess

pytestmark = pytest.mark.browser

PHONES = 4
DOWN_SECONDS = 6.0  # long enough for a few failed attempts each
# Timers fire a little late on a busy machine; never early.
LATE = 0.5

# Every websocket event of the page, with the wall clock (the same clock as this test's).
RECORD_WS_EVENTS = """
window.wsEvents = [];
for (const type of ["htmx:wsConnecting", "htmx:wsOpen", "htmx:wsClose"]) {
  document.addEventListener(type, (e) => window.wsEvents.push(
    {type: type.slice(7), t: Date.now() / 1000, code: e.detail && e.detail.event && e.detail.event.code}));
}
"""


def waits_after(events: list[dict[str, Any]], killed: float) -> tuple[list[int], list[float]]:
    """Close codes after the kill, and each wait from a close to the next attempt."""
    after = [e for e in events if e["t"] >= killed]
    codes = [e["code"] for e in after if e["type"] == "Close"]
    waits = [b["t"] - a["t"] for a, b in itertools.pairwise(after)
             if a["type"] == "Close" and b["type"] == "Connecting"]
    return codes, waits


def test_phones_come_back_by_themselves_after_the_server_is_killed_on_a_jittered_schedule(
        new_context: Any, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    expect.set_options(timeout=TIMEOUT_MS)
    url = f"sqlite:///{tmp_path}/ruamkit.db"
    db.upgrade(url)
    server = ServerProcess(url, tmp_path)
    server.start()
    request.addfinalizer(server.stop)
    made = make_workshop(server.base_url)
    request.addfinalizer(made.api.close)
    made.phase("vote")
    phones: list[Page] = []
    for n in range(PHONES):
        context = new_context(locale="th-TH", **PHONE)
        context.set_default_timeout(TIMEOUT_MS)
        context.add_init_script(RECORD_WS_EVENTS)
        phone = context.new_page()
        phone.goto(made.created["join_url"])
        join(phone, name=f"ผู้เข้าร่วม {n + 1}")
        phones.append(phone)

    killed = time.time()
    server.kill()
    time.sleep(DOWN_SECONDS)
    server.start()
    for phone in phones:  # the worst wait is the ceiling, 8 s (see reconnect_ceiling)
        phone.wait_for_selector("body[data-ws=open]", timeout=60_000)
        expect(phone.locator(f"#vote-{made.project_ids[0]}")).to_be_visible()

    first_waits = []
    for phone in phones:
        codes, waits = waits_after(phone.evaluate("window.wsEvents"), killed)
        # Every close was one after which the page tries again (the kill: 1006 abnormal closure).
        assert codes and set(codes) <= RECONNECT_CODES, codes
        assert len(waits) >= 2, waits  # it tried while the server was down, and again
        for retry, wait in enumerate(waits):
            assert 0 <= wait <= reconnect_ceiling(retry) + LATE, (retry, waits)
        first_waits.append(waits[0])
    # Jittered: the pages did not wait alike (a fixed back-off would give each page the same waits).
    assert max(first_waits) - min(first_waits) > 0.05, first_waits
    # The page's own schedule after many failed tries: never past the ceiling the bench uses, and
    # reaching near it (the bench's phones wait as long as these pages).
    longest = 1000 * reconnect_ceiling(99)
    draws = phones[0].evaluate("Array.from({length: 500}, () => htmx.config.wsReconnectDelay(99))")
    assert 0 <= min(draws) < 0.1 * longest < 0.9 * longest < max(draws) <= longest, (min(draws), max(draws))
