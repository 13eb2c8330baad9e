"""Live updates for groups: a group's phone is told when the plenary vote opens (its version
changes, so it redraws with the way to the plenary), and a group's screen key opens only
its own group."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from starlette.testclient import WebSocketDenialResponse

from app.deps import cookie_name
from tests.routes.helpers import API, create_workshop, set_phase

VERSION = re.compile(r'data-version="([0-9a-f]+)"')


def test_a_group_phone_is_told_when_the_plenary_vote_opens(client: TestClient) -> None:
    event = create_workshop(client, phase="propose")
    (group,) = client.post(f"{API}/workshops/{event.code}/groups", json={"names": ["ภาคเหนือ"]},
                           headers=event.facilitator).json()
    client.post(f"{API}/workshops/{event.code}/projects", json={"title": "โครงการระดับชาติ"}, headers=event.facilitator)
    token = client.post(f"{API}/workshops/{group['code']}/participants", json={"name": "มาลี"}).json()[
        "participant_token"]
    with client.websocket_connect(f"/ws/workshops/{group['code']}?key={token}") as phone:
        before = VERSION.search(phone.receive_text())
        assert before is not None
        set_phase(client, event, "vote")  # the event's phase, not the group's
        after = VERSION.search(phone.receive_text())
        assert after is not None and after.group(1) != before.group(1)
    client.cookies.set(cookie_name("participant", group["code"]), token)
    html = client.get(f"/w/{group['code']}/me").text
    assert f'href="/w/{event.code}"' in html


def test_a_group_screen_key_watches_its_own_group_only(client: TestClient) -> None:
    event = create_workshop(client)
    first, second = client.post(f"{API}/workshops/{event.code}/groups", json={"names": ["A", "B"]},
                                headers=event.facilitator).json()
    with client.websocket_connect(f"/ws/workshops/{first['code']}?key={first['screen_key']}") as screen:
        assert screen.receive_text()
    for code in (second["code"], event.code):
        with pytest.raises(WebSocketDenialResponse) as denied, \
                client.websocket_connect(f"/ws/workshops/{code}?key={first['screen_key']}"):
            pass
        assert denied.value.status_code == 401
    # A group facilitator's console socket: its group, not another.
    with client.websocket_connect(f"/ws/workshops/{first['code']}?key={first['group_facilitator_key']}") as console:
        assert console.receive_text()
    with pytest.raises(WebSocketDenialResponse) as denied, \
            client.websocket_connect(f"/ws/workshops/{second['code']}?key={first['group_facilitator_key']}"):
        pass
    assert denied.value.status_code == 403
