"""The websocket under a curious visitor: a page of another origin cannot ride the cookie, a
binary frame is closed politely, and a forged Host header never reaches the QR code."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from fastapi.testclient import TestClient
from starlette.testclient import WebSocketDenialResponse

from app.deps import cookie_name
from app.network import own_base_url
from tests.routes.helpers import create_workshop


CROSS_ORIGIN = {
    "another port of the same host": {"Origin": "http://testserver:8081"},
    "another site": {"Origin": "http://evil.example"},
    "an opaque origin": {"Origin": "null"},
    "a same-site fetch": {"Sec-Fetch-Site": "same-site", "Origin": "http://testserver:8081"},
    "a cross-site fetch": {"Sec-Fetch-Site": "cross-site"},
}
SAME_ORIGIN = {
    "the same origin": {"Origin": "http://testserver"},
    "a same-origin fetch": {"Sec-Fetch-Site": "same-origin", "Origin": "http://testserver"},
    "no browser headers (a script)": {},
}


def test_only_the_page_s_own_origin_opens_the_facilitator_socket_with_the_cookie(client: TestClient) -> None:
    workshop = create_workshop(client, phase="propose")
    client.cookies.set(cookie_name("facilitator", workshop.code), workshop.created["facilitator_key"])
    url = f"/ws/workshops/{workshop.code}?view=facilitator"
    for what, headers in CROSS_ORIGIN.items():
        with pytest.raises(WebSocketDenialResponse) as denied, client.websocket_connect(url, headers=headers):
            pass
        assert denied.value.status_code == 403, what
        assert "Cross-site" in denied.value.json()["detail"]
    for what, headers in SAME_ORIGIN.items():
        with client.websocket_connect(url, headers=headers) as socket:
            assert 'id="fac-live"' in socket.receive_text(), what
    # A key in the address is no cookie riding along: a page that knows it has the key anyway.
    client.cookies.clear()
    keyed = f"{url}&key={workshop.created['facilitator_key']}"
    with client.websocket_connect(keyed, headers=CROSS_ORIGIN["another site"]) as socket:
        assert socket.receive_text()


def test_a_binary_frame_is_closed_politely_without_a_traceback(client: TestClient,
                                                               caplog: pytest.LogCaptureFixture) -> None:
    workshop = create_workshop(client)
    with caplog.at_level(logging.INFO), \
            client.websocket_connect(f"/ws/workshops/{workshop.code}?key={workshop.created['screen_key']}") as socket:
        socket.receive_text()
        socket.send_bytes(b"\x00\x01binary")
        closed: dict[str, Any] = socket.receive()
    assert closed["type"] == "websocket.close" and closed["code"] == 1003
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING or r.exc_info]
    # The socket's workshop is still served to others.
    with client.websocket_connect(f"/ws/workshops/{workshop.code}?key={workshop.created['screen_key']}") as again:
        assert again.receive_text()


# --- the public URL ---


@pytest.fixture
def unconfigured(client_with: Any) -> TestClient:
    """A server started without RUAMKIT_PUBLIC_URL (as under plain `uvicorn app.main:app`)."""
    return client_with(public_url=None)


def test_a_forged_host_header_never_becomes_the_join_url(unconfigured: TestClient) -> None:
    forged = {"Host": "attacker.example"}
    created = unconfigured.post("/api/v1/workshops", json={"title": "t"}, headers=forged).json()
    assert created["join_url"] == f"http://testserver/j/{created['code']}"
    assert all("attacker" not in created[url] for url in ("join_url", "screen_url", "facilitator_url"))
    workshop = create_workshop(unconfigured)
    key = workshop.created["screen_key"]
    # The first websocket of the process used to set the join URL for every later screen.
    with unconfigured.websocket_connect(f"/ws/workshops/{workshop.code}?key={key}", headers=forged) as first:
        assert "attacker" not in first.receive_text()
    with unconfigured.websocket_connect(f"/ws/workshops/{workshop.code}?key={key}") as screen:
        snapshot = screen.receive_text()
    assert "attacker" not in snapshot and f"testserver/j/{workshop.code}" in snapshot
    unconfigured.cookies.set(cookie_name("screen", workshop.code), key)
    page = unconfigured.get(f"/w/{workshop.code}/screen", headers=forged)
    assert "attacker" not in page.text and f"testserver/j/{workshop.code}" in page.text


@pytest.mark.parametrize(("server", "scheme", "expected"), [
    (("127.0.0.1", 8000), "http", "http://192.168.1.20:8000"),  # loopback: phones need the LAN address
    (("::1", 8000), "ws", "http://192.168.1.20:8000"),
    (("10.1.2.3", 8000), "http", "http://10.1.2.3:8000"),  # the interface the request came in on
    (("10.1.2.3", 443), "https", "https://10.1.2.3"),
    (("fe80::1", 8080), "http", "http://[fe80::1]:8080"),
])
def test_the_default_public_url_is_the_server_s_own_address(monkeypatch: pytest.MonkeyPatch,
                                                            server: tuple[str, int], scheme: str,
                                                            expected: str) -> None:
    monkeypatch.setattr("app.network.lan_address", lambda: "192.168.1.20")
    assert own_base_url({"server": server, "scheme": scheme, "headers": [(b"host", b"attacker.example")]}) == expected
