"""The websocket keeps each workshop's row between handshakes (a hall reconnecting after a
restart reads it once); renewing a group's links still refuses the old screen key at once."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from starlette.testclient import WebSocketDenialResponse

from app.deps import cookie_name
from tests.routes.helpers import API, create_workshop


def test_a_renewed_group_screen_key_is_refused_at_the_next_handshake(client: TestClient) -> None:
    event = create_workshop(client)
    (group,) = client.post(f"{API}/workshops/{event.code}/groups", json={"names": ["ภาคเหนือ"]},
                           headers=event.facilitator).json()
    old_screen = f"/ws/workshops/{group['code']}?key={group['screen_key']}"
    for _ in range(2):  # the second handshake is answered from the kept row
        with client.websocket_connect(old_screen) as screen:
            assert 'id="screen-live"' in screen.receive_text()
    reads = client.app.state.memo.computed  # type: ignore[attr-defined]
    with client.websocket_connect(old_screen) as screen:
        screen.receive_text()
    assert client.app.state.memo.computed == reads  # type: ignore[attr-defined]

    client.cookies.set(cookie_name("facilitator", event.code), event.facilitator["Authorization"].split()[1])
    renewed = client.post(f"/w/{event.code}/facilitate/groups/{group['id']}/links",
                          headers={"Origin": "http://testserver"})
    assert renewed.status_code == 200
    client.cookies.clear()
    with pytest.raises(WebSocketDenialResponse) as denied, client.websocket_connect(old_screen):
        pass
    assert denied.value.status_code == 401
