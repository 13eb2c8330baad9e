"""Floods from anyone who reaches the server, each bounded: creating and importing workshops
(per address and in total), guessing join codes, websocket handshakes, and websockets held
open at once by one client. A refusal is a 429 that says how long to wait, and changes nothing."""

from __future__ import annotations

from contextlib import ExitStack
from typing import Any

import pytest
from fastapi.testclient import TestClient
from starlette.testclient import WebSocketDenialResponse

from tests.routes.helpers import API, create_workshop, join
from tests.security.test_limits import assert_limited


def elsewhere(venue: TestClient, address: str) -> TestClient:
    """Another client address on the same running app."""
    return TestClient(venue.app, client=(address, 40000))


def test_creating_and_importing_workshops_is_limited_per_address(client_with: Any) -> None:
    venue = client_with(rate_create_per_address=4)  # a burst of 2
    made = create_workshop(venue)
    export = venue.get(f"{made.url}/export", headers=made.facilitator).json()
    assert venue.post(f"{API}/workshops/import", json=export).status_code == 201
    assert_limited(venue.post(f"{API}/workshops", json={"title": "อีก"}))
    assert_limited(venue.post(f"{API}/workshops/import", json=export))
    # The page form says so in the reader's language, and keeps what was typed.
    form = venue.post("/new", data={"title": "สัมมนาแผนดิจิทัล"})
    assert form.status_code == 429 and int(form.headers["retry-after"]) >= 1
    assert "สัมมนาแผนดิจิทัล" in form.text and "กรุณารอ" in form.text
    assert elsewhere(venue, "127.0.0.2").post(f"{API}/workshops", json={"title": "t"}).status_code == 201


def test_creating_workshops_is_limited_in_total(client_with: Any) -> None:
    venue = client_with(rate_create_per_address=1000, rate_create_total=4)  # a burst of 2 for everyone
    answers = [elsewhere(venue, f"127.0.0.{i}").post(f"{API}/workshops", json={"title": "t"}) for i in (2, 3, 4)]
    assert [a.status_code for a in answers[:2]] == [201, 201]
    assert_limited(answers[2])


def test_the_organiser_password_cannot_be_guessed_at_speed(client_with: Any) -> None:
    venue = client_with(rate_create_per_address=4, organiser_password="ถูกต้อง-ยาวพอ")
    for guess in ("a", "b"):
        assert venue.post(f"{API}/workshops", json={"title": "t"},
                          headers={"X-Organiser-Password": guess}).status_code == 403
    assert_limited(venue.post(f"{API}/workshops", json={"title": "t"}, headers={"X-Organiser-Password": "c"}))


def test_guessing_join_codes_is_stopped_per_address(client_with: Any) -> None:
    venue = client_with(rate_code_miss_per_address=4)  # 2 wrong guesses, then one every 15 s
    workshop = create_workshop(venue)
    for guess in ("ABCDEF", "BCDEFG"):
        assert venue.get(f"{API}/workshops/{guess}").status_code == 404
    assert_limited(venue.get(f"{API}/workshops/CDEFGH"))
    # Now a right guess cannot be told from a wrong one: the page and the API say wait.
    assert_limited(venue.get(f"{API}/workshops/{workshop.code}"))
    assert_limited(venue.get(f"/w/{workshop.code}"))
    with pytest.raises(WebSocketDenialResponse) as denied, \
            venue.websocket_connect(f"/ws/workshops/{workshop.code}?key={workshop.created['screen_key']}"):
        pass
    assert denied.value.status_code == 429
    # Another address (the rest of the hall, on a venue without NAT) is not affected.
    assert elsewhere(venue, "127.0.0.2").get(f"{API}/workshops/{workshop.code}").status_code == 200


def test_right_codes_cost_nothing(client_with: Any) -> None:
    venue = client_with(rate_code_miss_per_address=4)
    workshop = create_workshop(venue)
    assert [venue.get(f"/w/{workshop.code}").status_code for _ in range(20)] == [200] * 20
    # Wrong guesses over the websocket count like any other.
    for _ in range(2):
        with pytest.raises(WebSocketDenialResponse) as denied, venue.websocket_connect("/ws/workshops/ZZZZZZ?key=x"):
            pass
        assert denied.value.status_code == 404
    assert_limited(venue.get(f"{API}/workshops/{workshop.code}"))


def handshake(venue: TestClient, url: str) -> int:
    try:
        with venue.websocket_connect(url) as socket:
            socket.receive_text()
            return 101
    except WebSocketDenialResponse as denied:
        if denied.status_code == 429:
            assert int(denied.headers["retry-after"]) >= 1
        return denied.status_code


def test_websocket_handshakes_are_limited_per_address_and_grow_with_the_workshop(client_with: Any) -> None:
    venue = client_with(rate_ws_connect_per_address=4)  # a burst of 2 for a workshop nobody has joined
    empty, busy = create_workshop(venue), create_workshop(venue)
    for i in range(10):
        join(venue, busy, f"คนที่ {i}")
    empty_url = f"/ws/workshops/{empty.code}?key={empty.created['screen_key']}"
    busy_url = f"/ws/workshops/{busy.code}?key={busy.created['screen_key']}"
    assert [handshake(venue, empty_url) for _ in range(3)] == [101, 101, 429]
    # Ten participants: 24 a minute, a burst of 12 (a hall reconnecting after a Wi-Fi drop).
    assert [handshake(venue, busy_url) for _ in range(13)] == [101] * 12 + [429]


def test_one_client_holds_only_so_many_websockets_at_once(client_with: Any) -> None:
    venue = client_with(ws_per_key=3, ws_per_address=2)
    workshop = create_workshop(venue, phase="propose")
    person = join(venue, workshop)  # one participant: 2 + 2 sockets per address
    phone = f"/ws/workshops/{workshop.code}?key={person.token}"
    screen = f"/ws/workshops/{workshop.code}?key={workshop.created['screen_key']}"
    with ExitStack() as held:
        for _ in range(3):
            held.enter_context(venue.websocket_connect(phone)).receive_text()
        assert handshake(venue, phone) == 429  # the key's own cap
        held.enter_context(venue.websocket_connect(screen)).receive_text()
        assert handshake(venue, screen) == 429  # the address's cap: 4 for this workshop
    # Closed sockets are given back.
    assert handshake(venue, phone) == 101 and handshake(venue, screen) == 101
