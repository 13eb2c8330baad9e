"""A tap the server could not save (503 "try again", as while PostgreSQL restarts) is sent again
by the page itself, after the server's Retry-After, and lands once: the participant taps once.

The first two answers to the + are the server's own "try again" (503, Retry-After: 1, its JSON
sentence), handed back by the browser's network layer; the third request reaches the server.
The real server's 503 during a PostgreSQL restart is tested in tests/faults/test_real_services.py.
"""

from __future__ import annotations

import itertools
import json
import time
from typing import Any

import pytest
from playwright.sync_api import Route, expect

from tests.browser.audit import TIMEOUT_MS, voting_phone

pytestmark = pytest.mark.browser

TRY_AGAIN = "The database is not answering just now; nothing was changed. Try again in 1 seconds."


def test_a_tap_answered_try_again_is_sent_again_by_the_page_and_counted_once(
        live_server: str, new_context: Any, request: pytest.FixtureRequest) -> None:
    expect.set_options(timeout=TIMEOUT_MS)
    made, phone = voting_phone(live_server, new_context)
    request.addfinalizer(made.api.close)
    first = made.project_ids[0]
    plus = phone.locator(f"#plus-{first}")

    sent: list[float] = []

    def database_restarting(route: Route) -> None:
        sent.append(time.monotonic())
        if len(sent) <= 2:
            route.fulfill(status=503, headers={"Retry-After": "1", "Content-Type": "application/json"},
                          body=json.dumps({"detail": TRY_AGAIN}))
        else:
            route.continue_()

    phone.route(f"**/w/{made.code}/ballot/{first}", database_restarting)
    plus.click()  # once

    expect(phone.locator(f"#vote-{first} output.my-dots")).to_have_text("1", timeout=20_000)
    phone.wait_for_timeout(1500)  # no further copy of the tap is on its way
    assert len(sent) == 3, f"the page sent the tap {len(sent)} times"
    # Retry-After (1 s), then twice that: never sooner than the server asked.
    assert sent[1] - sent[0] >= 1.0 and sent[2] - sent[1] >= 2.0, [round(b - a, 2) for a, b in itertools.pairwise(sent)]
    results = made.api.get(f"/api/v1/workshops/{made.code}/results", headers=made.facilitator)
    assert results.status_code == 200, results.text
    assert {row["project_id"]: row["dots"] for row in results.json()["ranking"]}[first] == 1  # counted once
