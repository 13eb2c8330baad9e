"""The big screens of an event with breakout groups, over the websocket: the event's screen shows
every group live on a grid while the groups work (a vote in any group reaches it), a group's
screen carries its own group only, and once plenary projects exist the event's screen is the
plenary's again."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session
from starlette.testclient import WebSocketDenialResponse

from app.services import groups, workshops
from tests.factories import FACILITATOR
from tests.test_ws import bearer, create


def event_with_groups(client: TestClient, engine: Engine, names: list[str]) -> tuple[dict, list[groups.NewGroup]]:
    event = create(client, show_live_tallies=True)
    with Session(engine, expire_on_commit=False) as session:
        made = groups.add_groups(session, event=workshops.get_workshop(session, code=event["code"]),
                                 actor=FACILITATOR, names=names)
    return event, made


def propose(client: TestClient, code: str, key: str, title: str) -> int:
    answer = client.post(f"/api/v1/workshops/{code}/projects", headers=bearer(key),
                         json={"title": title, "strategy_ids": []})
    assert answer.status_code == 201, answer.text
    return int(answer.json()["id"])


def join(client: TestClient, code: str, name: str) -> dict[str, str]:
    answer = client.post(f"/api/v1/workshops/{code}/participants", json={"name": name})
    assert answer.status_code == 201, answer.text
    return bearer(answer.json()["participant_token"])


def test_a_group_screen_carries_only_its_own_group(client: TestClient, engine: Engine) -> None:
    event, (north, south) = event_with_groups(client, engine, ["ภาคเหนือ", "ภาคใต้"])
    fkey = event["facilitator_key"]
    propose(client, north.group.code, fkey, "ฝายชะลอน้ำดอยสุเทพ")
    propose(client, south.group.code, fkey, "ท่าเรือประมงสงขลา")
    for g in (north, south):
        client.put(f"/api/v1/workshops/{g.group.code}/phase", headers=bearer(fkey), json={"phase": "vote"})
    voter = join(client, south.group.code, "สมศรี")
    south_project = client.get(f"/api/v1/workshops/{south.group.code}/projects", headers=voter).json()[0]["id"]
    with client.websocket_connect(f"/ws/workshops/{north.group.code}?key={north.screen_key}") as screen:
        snapshot = screen.receive_text()
        assert "ภาคเหนือ" in snapshot and "ฝายชะลอน้ำดอยสุเทพ" in snapshot  # its name and its project
        assert event["title"] in snapshot  # the event it belongs to, beside the phase
        assert "ท่าเรือประมงสงขลา" not in snapshot and "ภาคใต้" not in snapshot
        # A vote in the other group: this screen hears of it (the event's grid does) but still
        # shows nothing of that group.
        assert client.put(f"/api/v1/workshops/{south.group.code}/votes/{south_project}", headers=voter,
                          json={"dots": 2}).status_code == 200
        client.post(f"/api/v1/workshops/{north.group.code}/projects", headers=bearer(fkey),
                    json={"title": "ตลาดชุมชนเชียงใหม่", "strategy_ids": []})
        update = screen.receive_text()
        assert "ตลาดชุมชนเชียงใหม่" in update
        assert "ท่าเรือประมงสงขลา" not in update and "ภาคใต้" not in update
    # The group's screen key opens its own group only: not the other group, not the event.
    with pytest.raises(WebSocketDenialResponse) as refused:
        client.websocket_connect(f"/ws/workshops/{south.group.code}?key={north.screen_key}").__enter__()
    assert refused.value.status_code == 401


def test_a_vote_in_a_group_updates_the_event_grid(client: TestClient, engine: Engine) -> None:
    event, made = event_with_groups(client, engine, ["ภาคเหนือ", "ภาคใต้", "ภาคกลาง"])
    fkey, south = event["facilitator_key"], made[1].group.code
    project = propose(client, south, fkey, "ท่าเรือประมงสงขลา")
    client.put(f"/api/v1/workshops/{south}/phase", headers=bearer(fkey), json={"phase": "vote"})
    voter = join(client, south, "สมศรี")
    with client.websocket_connect(f"/ws/workshops/{event['code']}?key={event['screen_key']}") as screen:
        grid = screen.receive_text()
        assert 'data-view="groups"' in grid
        assert all(name in grid for name in ("ภาคเหนือ", "ภาคใต้", "ภาคกลาง"))
        assert 'data-count="voters">0<' in grid and "ท่าเรือประมงสงขลา" not in grid  # no votes: no leader yet
        assert client.put(f"/api/v1/workshops/{south}/votes/{project}", headers=voter,
                          json={"dots": 3}).status_code == 200
        update = screen.receive_text()
        tile = update.split(f'data-group="{south}"')[1].split("</li>")[0]
        assert 'data-count="voters">1<' in tile and "ท่าเรือประมงสงขลา" in tile
        # The group hides its tallies: its leader leaves the grid, its counts stay.
        assert client.patch(f"/api/v1/workshops/{south}", headers=bearer(fkey),
                            json={"show_live_tallies": False}).status_code == 200
        hidden = screen.receive_text().split(f'data-group="{south}"')[1].split("</li>")[0]
        assert "ท่าเรือประมงสงขลา" not in hidden and 'data-count="voters">1<' in hidden


def test_the_event_screen_shows_the_plenary_once_it_has_projects(client: TestClient, engine: Engine) -> None:
    event, _made = event_with_groups(client, engine, ["ภาคเหนือ"])
    code, fkey = event["code"], event["facilitator_key"]
    client.put(f"/api/v1/workshops/{code}/phase", headers=bearer(fkey), json={"phase": "propose"})
    with client.websocket_connect(f"/ws/workshops/{code}?key={event['screen_key']}") as screen:
        assert 'data-view="groups"' in screen.receive_text()
        propose(client, code, fkey, "ระบบน้ำประปาหมู่บ้าน")  # a plenary project
        plenary = screen.receive_text()
        assert 'data-view="groups"' not in plenary and "ระบบน้ำประปาหมู่บ้าน" in plenary
        # The facilitator may still show the groups.
        assert client.put(f"/api/v1/workshops/{code}/screen-view", headers=bearer(fkey),
                          json={"view": "groups"}).status_code == 200
        assert 'data-view="groups"' in screen.receive_text()
