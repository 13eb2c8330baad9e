"""Live updates of rounds and scores: a score reaches the facilitator's console, a new round
reaches the phones, and duplicate hints appear as proposals arrive."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

API = "/api/v1/workshops"


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def scoring_workshop(client: TestClient) -> tuple[dict, int, dict[str, str]]:
    """A workshop voting in a scoring round on one project; returns (workshop, project id, phone headers)."""
    workshop = client.post(f"{API}", json={"title": "สัมมนาแผนดิจิทัล", "language": "en"}).json()
    code, facilitator = workshop["code"], bearer(workshop["facilitator_key"])
    project = client.post(f"{API}/{code}/projects", headers=facilitator,
                          json={"title": "ระบบเตือนภัยพิบัติ", "strategy_ids": []}).json()
    token = client.post(f"{API}/{code}/participants", json={"name": "ปกรณ์"}).json()["participant_token"]
    client.put(f"{API}/{code}/phase", headers=facilitator, json={"phase": "vote"})
    assert client.post(f"{API}/{code}/rounds", headers=facilitator, json={"mode": "scoring"}).status_code == 201
    return workshop, project["id"], bearer(token)


def test_a_score_reaches_the_facilitator_console_live(client: TestClient) -> None:
    workshop, project_id, phone = scoring_workshop(client)
    code = workshop["code"]
    with client.websocket_connect(f"/ws/workshops/{code}?key={workshop['facilitator_key']}") as console:
        snapshot = console.receive_text()
        assert 'id="fac-live"' in snapshot and 'id="rounds-panel"' in snapshot
        assert re.search(r'<td class="num score">–', snapshot)
        answer = client.put(f"{API}/{code}/scores/{project_id}", headers=phone,
                            json={"scores": {"impact": 5, "feasibility": 3}})
        assert answer.status_code == 200
        update = console.receive_text()
        assert re.search(r'<td class="num score">4\.00', update)
        assert "Impact 5.00 · Feasibility 3.00" in update
        assert '<span class="num">1</span> have scored' in update


def test_a_new_round_redraws_the_phones_into_the_scoring_ballot(client: TestClient) -> None:
    workshop = client.post(f"{API}", json={"title": "สัมมนา", "language": "en"}).json()
    code, facilitator = workshop["code"], bearer(workshop["facilitator_key"])
    client.post(f"{API}/{code}/projects", headers=facilitator, json={"title": "ศูนย์ข้อมูล", "strategy_ids": []})
    token = client.post(f"{API}/{code}/participants", json={"name": "ปกรณ์"}).json()["participant_token"]
    client.put(f"{API}/{code}/phase", headers=facilitator, json={"phase": "vote"})
    with client.websocket_connect(f"/ws/workshops/{code}?key={token}") as phone:
        before = re.search(r'id="phone-sync"[^>]*data-version="(\w+)"', phone.receive_text())
        client.post(f"{API}/{code}/rounds", headers=facilitator, json={"mode": "scoring"})
        after = re.search(r'id="phone-sync"[^>]*data-version="(\w+)"', phone.receive_text())
        assert before and after and before.group(1) != after.group(1)
    # The redrawn phone view is the scoring ballot, with the round named.
    client.cookies.set(f"rk_p_{code}", token)
    main = client.get(f"/w/{code}/me").text
    assert 'class="score-control"' in main and "Round 2" in main and "Score each project 1-5" in main


def test_duplicate_hints_appear_on_the_console_as_proposals_arrive(client: TestClient) -> None:
    workshop = client.post(f"{API}", json={"title": "สัมมนา", "language": "en"}).json()
    code, facilitator = workshop["code"], bearer(workshop["facilitator_key"])
    client.put(f"{API}/{code}/phase", headers=facilitator, json={"phase": "propose"})
    first = client.post(f"{API}/{code}/projects", headers=facilitator,
                        json={"title": "ระบบเตือนภัยน้ำท่วมผ่าน SMS สำหรับพื้นที่เสี่ยง"}).json()
    with client.websocket_connect(f"/ws/workshops/{code}?key={workshop['facilitator_key']}") as console:
        assert 'id="duplicate-hints"' not in console.receive_text()
        second = client.post(f"{API}/{code}/projects", headers=facilitator,
                             json={"title": "แจ้งเตือนอุทกภัยทาง SMS ถึงพื้นที่เสี่ยง"}).json()
        update = console.receive_text()
        assert 'id="duplicate-hints"' in update
        assert f'hx-post="/w/{code}/facilitate/projects/{second["id"]}/merge"' in update
        assert f'{{"into": "{first["id"]}"}}' in update.replace("&#34;", '"')
        assert '<span class="chip word">sms</span>' in update


def test_every_ranking_on_the_big_screen_shows_the_score_in_a_scoring_round(client: TestClient) -> None:
    """One ranking partial serves every voting method: the priority ranking and the ranking
    within each strategy show a scoring round's weighted score (they showed 0 dots)."""
    workshop = client.post(f"{API}", json={"title": "สัมมนาแผนดิจิทัล", "language": "en"}).json()
    code, facilitator = workshop["code"], bearer(workshop["facilitator_key"])
    strategy = client.get(f"{API}/{code}").json()["strategies"][0]["id"]
    project = client.post(f"{API}/{code}/projects", headers=facilitator,
                          json={"title": "ระบบเตือนภัยพิบัติ", "strategy_ids": [strategy]}).json()
    token = client.post(f"{API}/{code}/participants", json={"name": "ปกรณ์"}).json()["participant_token"]
    client.put(f"{API}/{code}/phase", headers=facilitator, json={"phase": "vote"})
    assert client.post(f"{API}/{code}/rounds", headers=facilitator, json={"mode": "scoring"}).status_code == 201
    assert client.put(f"{API}/{code}/scores/{project['id']}", headers=bearer(token),
                      json={"scores": {"impact": 5, "feasibility": 4}}).status_code == 200
    client.put(f"{API}/{code}/phase", headers=facilitator, json={"phase": "results"})
    figures = {"tallies": r'class="tally-num">([^<]*)<', "ranking": r'class="tally-num">([^<]*)<',
               "strategies": r'<span class="figure">([^<]*)</span>'}
    shown: dict[str, str] = {}
    for view, figure in figures.items():
        assert client.put(f"{API}/{code}/screen-view", headers=facilitator, json={"view": view}).status_code == 200
        with client.websocket_connect(f"/ws/workshops/{code}?key={workshop['screen_key']}&view=screen") as screen:
            shown[view] = screen.receive_text()
        assert f'data-view="{view}"' in shown[view]
        assert re.findall(figure, shown[view]) == ["4.5"], view
    assert "1 scorer" in shown["ranking"]  # who took part: scorers, not voters
