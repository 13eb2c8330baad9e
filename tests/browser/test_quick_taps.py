"""A person taps + three times quickly while the first tap is still on its way (a slow venue
network, a busy server right after the vote opened): three dots, not one.

The first tap's answer is held back by the browser's network layer until the other two taps
have been made; the answer redraws that project's buttons, which used to drop the taps waiting
behind it (htmx keeps a queued request's button and gives up on a button no longer on the page).
"""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Route, expect

from tests.browser.audit import TIMEOUT_MS, voting_phone

pytestmark = pytest.mark.browser


def test_three_quick_taps_while_the_first_is_on_its_way_give_three_dots(
        live_server: str, new_context: Any, request: pytest.FixtureRequest) -> None:
    expect.set_options(timeout=TIMEOUT_MS)
    made, phone = voting_phone(live_server, new_context, dots_per_participant=10, max_dots_per_project=5)
    request.addfinalizer(made.api.close)
    first = made.project_ids[0]
    plus = phone.locator(f"#plus-{first}")

    held: list[Route] = []
    sent: list[str] = []

    def slow_network(route: Route) -> None:
        sent.append(route.request.post_data or "")
        if not held:
            held.append(route)  # the first tap's answer waits until the person has tapped twice more
        else:
            route.continue_()

    phone.route(f"**/w/{made.code}/ballot/{first}", slow_network)
    for _ in range(3):
        plus.click()
    expect(phone.locator(f"#vote-{first} output.my-dots")).to_have_text("0")  # nothing answered yet
    held[0].continue_()

    expect(phone.locator(f"#vote-{first} output.my-dots")).to_have_text("3")
    phone.wait_for_timeout(500)  # no fourth copy of a tap is on its way
    assert len(sent) == 3, sent
    results = made.api.get(f"/api/v1/workshops/{made.code}/results", headers=made.facilitator)
    assert results.status_code == 200, results.text
    assert {row["project_id"]: row["dots"] for row in results.json()["ranking"]}[first] == 3


def test_a_quick_tap_on_minus_after_plus_takes_the_dot_back(
        live_server: str, new_context: Any, request: pytest.FixtureRequest) -> None:
    expect.set_options(timeout=TIMEOUT_MS)
    made, phone = voting_phone(live_server, new_context, dots_per_participant=10, max_dots_per_project=5)
    request.addfinalizer(made.api.close)
    first, second = made.project_ids[:2]
    phone.locator(f"#plus-{first}").click()
    expect(phone.locator(f"#vote-{first} output.my-dots")).to_have_text("1")

    held: list[Route] = []

    def slow_network(route: Route) -> None:
        if not held:
            held.append(route)
        else:
            route.continue_()

    phone.route(f"**/w/{made.code}/ballot/*", slow_network)
    phone.locator(f"#plus-{second}").click()   # on its way
    phone.locator(f"#minus-{first}").click()   # waits behind it
    held[0].continue_()

    expect(phone.locator(f"#vote-{second} output.my-dots")).to_have_text("1")
    expect(phone.locator(f"#vote-{first} output.my-dots")).to_have_text("0")
    results = made.api.get(f"/api/v1/workshops/{made.code}/results", headers=made.facilitator)
    dots = {row["project_id"]: row["dots"] for row in results.json()["ranking"]}
    assert (dots[first], dots[second]) == (0, 1), dots
