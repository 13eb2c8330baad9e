"""Light on a phone: the phone's pages take at most 60 KB over the wire on a first visit
(compressed; fonts apart, they are cached after the first page), and joining and voting works on
a throttled connection (400 kbit/s, 400 ms latency): bench/throttled_phone.py, which prints how
long it took."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from app.services.demo import SEED_PROJECTS
from bench import throttled_phone
from tests.browser.audit import PHONE, TIMEOUT_MS, join, make_workshop

pytestmark = pytest.mark.browser

LIMIT = 60_000  # bytes
DEMO_TITLES = tuple(title for title, _strategies, _areas in SEED_PROJECTS)


def first_visit(context: Any, url: str) -> throttled_phone.Transfer:
    """What a page takes over the wire with an empty cache, until its websocket snapshot is in."""
    page = context.new_page()
    meter = throttled_phone.Meter(context, page)
    page.goto(url, wait_until="load")
    if page.locator("#phone-shell").count():
        page.wait_for_selector("body[data-ws=open]", timeout=TIMEOUT_MS)
        page.wait_for_timeout(300)
    page.close()
    return meter.transfer


def describe(name: str, transfer: throttled_phone.Transfer) -> str:
    parts = ", ".join(f"{url.split('?')[0]} {size}" for url, size in transfer.by_url.items())
    return (f"{name}: {transfer.without_fonts} bytes without fonts ({parts}); fonts {transfer.fonts}; "
            f"websocket messages {transfer.websocket_frames}")


@pytest.mark.parametrize("phase", ["propose", "vote"])
def test_the_phone_page_first_load_is_at_most_60_kb(live_server: str, new_context: Any, phase: str,
                                                     request: pytest.FixtureRequest) -> None:
    expect.set_options(timeout=TIMEOUT_MS)
    made = make_workshop(live_server, DEMO_TITLES)  # the demo's 20 projects
    request.addfinalizer(made.api.close)
    context = new_context(locale="th-TH", **PHONE)
    context.set_default_timeout(TIMEOUT_MS)
    join_page = first_visit(context, made.created["join_url"])
    phone = context.new_page()
    phone.goto(made.created["join_url"])
    join(phone)
    made.phase(phase)
    expect(phone.locator(f"#phone-main.phase-{phase}")).to_be_visible()
    phone.close()
    phone_page = first_visit(context, f"{live_server}/w/{made.code}")
    print("\n" + describe("join page", join_page) + "\n" + describe(f"phone page ({phase}, 20 projects)", phone_page))
    for name, transfer in (("join page", join_page), ("phone page", phone_page)):
        assert transfer.without_fonts <= LIMIT, describe(name, transfer)
        assert transfer.by_url, f"nothing was measured for the {name}"
    # Sarabun is only what a Thai page needs: at most the four files of two subsets and two weights.
    assert 0 < phone_page.fonts <= 4 * 12_500


def test_a_phone_joins_and_votes_on_a_slow_network(live_server: str, browser: Browser) -> None:
    """400 kbit/s both ways and 400 ms latency: it works; the time is printed (bench figure)."""
    result = throttled_phone.run(browser, live_server)
    print("\n" + throttled_phone.report(result))
    assert result.votes == throttled_phone.VOTES
    assert result.total_s > 0.8  # the throttling really applied (at least two round trips of 400 ms)
