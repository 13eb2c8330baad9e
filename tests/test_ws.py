"""Live updates over the websocket: snapshot first, then changes; each role sees only its view."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from starlette.testclient import WebSocketDenialResponse


def create(client: TestClient, **body: object) -> dict:
    answer = client.post("/api/v1/workshops", json={"title": "สัมมนาแผนดิจิทัล", **body})
    assert answer.status_code == 201
    return answer.json()


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def setup_vote(client: TestClient, **body: object) -> tuple[dict, int, dict[str, str]]:
    """A workshop in phase vote with one project and one participant; returns (workshop, project id, headers)."""
    workshop = create(client, **body)
    code, fkey = workshop["code"], workshop["facilitator_key"]
    project = client.post(f"/api/v1/workshops/{code}/projects", headers=bearer(fkey),
                          json={"title": "ระบบเตือนภัยพิบัติ", "strategy_ids": []}).json()
    token = client.post(f"/api/v1/workshops/{code}/participants", json={"name": "ปกรณ์"}).json()["participant_token"]
    client.put(f"/api/v1/workshops/{code}/phase", headers=bearer(fkey), json={"phase": "vote"})
    return workshop, project["id"], bearer(token)


def test_a_screen_gets_a_snapshot_on_connect_and_an_update_after_a_vote(client: TestClient) -> None:
    workshop, project_id, voter = setup_vote(client)
    code = workshop["code"]
    with client.websocket_connect(f"/ws/workshops/{code}?key={workshop['screen_key']}") as screen:
        snapshot = screen.receive_text()
        assert 'id="screen-live"' in snapshot and "ระบบเตือนภัยพิบัติ" in snapshot
        assert 'class="tally-num">0<' in snapshot
        assert client.put(f"/api/v1/workshops/{code}/votes/{project_id}", headers=voter,
                          json={"dots": 3}).status_code == 200
        update = screen.receive_text()
        assert 'class="tally-num">3<' in update


def test_a_reconnecting_screen_is_correct_again_at_once(client: TestClient) -> None:
    workshop, project_id, voter = setup_vote(client)
    code, key = workshop["code"], workshop["screen_key"]
    with client.websocket_connect(f"/ws/workshops/{code}?key={key}") as screen:
        screen.receive_text()
    # Votes while the screen was away are in the first message after it comes back.
    client.put(f"/api/v1/workshops/{code}/votes/{project_id}", headers=voter, json={"dots": 2})
    with client.websocket_connect(f"/ws/workshops/{code}?key={key}") as screen:
        assert 'class="tally-num">2<' in screen.receive_text()


def test_phones_never_receive_hidden_tallies(client: TestClient) -> None:
    workshop, project_id, voter = setup_vote(client, show_live_tallies=False)
    code = workshop["code"]
    token = voter["Authorization"].split()[1]
    with client.websocket_connect(f"/ws/workshops/{code}?key={token}") as phone, \
            client.websocket_connect(f"/ws/workshops/{code}?key={workshop['screen_key']}") as screen:
        phone.receive_text()
        screen.receive_text()
        client.put(f"/api/v1/workshops/{code}/votes/{project_id}", headers=voter, json={"dots": 3})
        for message in (phone.receive_text(), screen.receive_text()):
            assert "tally" not in message.replace("tally-list", "")
        # The facilitator reveals them: now they travel.
        client.patch(f"/api/v1/workshops/{code}", headers=bearer(workshop["facilitator_key"]),
                     json={"show_live_tallies": True})
        assert 'id="tally-' in phone.receive_text()
        assert 'class="tally-num">3<' in screen.receive_text()


def test_the_facilitator_sees_tallies_even_when_hidden(client: TestClient) -> None:
    workshop, project_id, voter = setup_vote(client, show_live_tallies=False)
    code = workshop["code"]
    client.put(f"/api/v1/workshops/{code}/votes/{project_id}", headers=voter, json={"dots": 2})
    with client.websocket_connect(f"/ws/workshops/{code}?key={workshop['facilitator_key']}") as console:
        assert '<td class="num">2</td>' in console.receive_text()


def test_a_phone_is_told_when_the_phase_changes(client: TestClient) -> None:
    workshop, _project_id, voter = setup_vote(client)
    code = workshop["code"]
    token = voter["Authorization"].split()[1]
    with client.websocket_connect(f"/ws/workshops/{code}?key={token}") as phone:
        assert 'data-phase="vote"' in phone.receive_text()
        client.put(f"/api/v1/workshops/{code}/phase", headers=bearer(workshop["facilitator_key"]),
                   json={"phase": "results"})
        assert 'data-phase="results"' in phone.receive_text()


@pytest.mark.parametrize(("who", "view", "status"), [
    ("nobody", None, 401),
    ("stranger", None, 401),
    ("participant", "screen", 403),
    ("participant", "facilitator", 403),
    ("screen", "facilitator", 403),
    ("screen", "phone", 403),
    ("other-workshop", None, 401),
])
def test_the_websocket_checks_who_is_asking(client: TestClient, who: str, view: str | None, status: int) -> None:
    workshop, _project_id, voter = setup_vote(client)
    other = create(client)
    key = {"nobody": None, "stranger": "not-a-key", "participant": voter["Authorization"].split()[1],
           "screen": workshop["screen_key"], "other-workshop": other["facilitator_key"]}[who]
    url = f"/ws/workshops/{workshop['code']}?" + "&".join(
        p for p in (f"key={key}" if key else "", f"view={view}" if view else "") if p)
    with pytest.raises(WebSocketDenialResponse) as denied, client.websocket_connect(url):
        pass
    assert denied.value.status_code == status


def test_an_unknown_workshop_is_not_found_over_the_websocket(client: TestClient) -> None:
    with pytest.raises(WebSocketDenialResponse) as denied:
        with client.websocket_connect("/ws/workshops/ZZZZZZ?key=x"):
            pass
    assert denied.value.status_code == 404


def test_in_a_scoring_round_the_screen_ranks_by_the_mean_score(client: TestClient) -> None:
    workshop, project_id, voter = setup_vote(client)
    code, fkey = workshop["code"], workshop["facilitator_key"]
    made = client.post(f"/api/v1/workshops/{code}/rounds", headers=bearer(fkey), json={"mode": "scoring"})
    assert made.status_code == 201, made.text
    scored = client.put(f"/api/v1/workshops/{code}/scores/{project_id}", headers=voter,
                        json={"scores": {"impact": 5, "feasibility": 4}})
    assert scored.status_code == 200, scored.text
    with client.websocket_connect(f"/ws/workshops/{code}?key={workshop['screen_key']}&view=screen") as screen:
        assert 'class="tally-num">4.5<' in screen.receive_text()
