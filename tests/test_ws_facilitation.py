"""Facilitation over the websocket: merges, approvals, pins, the timer, screen views and the
reveal reach phones and the screen live; waiting proposals and hidden tallies never travel."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient

API = "/api/v1/workshops"


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


class Scene:
    """A workshop made over the API, with helpers for its facilitator."""

    def __init__(self, client: TestClient, **body: Any) -> None:
        self.client = client
        self.created = client.post(API, json={"title": "สัมมนาแผนดิจิทัล", **body}).json()
        self.code = self.created["code"]
        self.facilitator = bearer(self.created["facilitator_key"])
        self.url = f"{API}/{self.code}"

    def phase(self, phase: str) -> None:
        assert self.client.put(f"{self.url}/phase", json={"phase": phase}, headers=self.facilitator).status_code == 200

    def join(self, name: str = "ปกรณ์") -> str:
        return self.client.post(f"{self.url}/participants", json={"name": name}).json()["participant_token"]

    def propose(self, title: str, headers: dict[str, str] | None = None) -> int:
        answer = self.client.post(f"{self.url}/projects", json={"title": title}, headers=headers or self.facilitator)
        assert answer.status_code == 201, answer.text
        return int(answer.json()["id"])

    def ws(self, key: str) -> Any:
        return self.client.websocket_connect(f"/ws/workshops/{self.code}?key={key}&lang=en")

    @property
    def screen_key(self) -> str:
        return str(self.created["screen_key"])


def test_a_merge_reaches_phones_and_the_screen(client: TestClient) -> None:
    scene = Scene(client)
    scene.phase("propose")
    duplicate = scene.propose("ศูนย์ข้อมูลเปิดภาครัฐ")
    survivor = scene.propose("ศูนย์ข้อมูลเปิดภาครัฐแห่งชาติ")
    with scene.ws(scene.join()) as phone, scene.ws(scene.screen_key) as screen:
        for snapshot in (phone.receive_text(), screen.receive_text()):
            assert "ศูนย์ข้อมูลเปิดภาครัฐ<" in snapshot and "ศูนย์ข้อมูลเปิดภาครัฐแห่งชาติ<" in snapshot
        merged = client.post(f"{scene.url}/projects/{duplicate}/merge", json={"into": survivor},
                             headers=scene.facilitator)
        assert merged.status_code == 200
        for update in (phone.receive_text(), screen.receive_text()):
            assert "ศูนย์ข้อมูลเปิดภาครัฐ<" not in update and "ศูนย์ข้อมูลเปิดภาครัฐแห่งชาติ<" in update


def test_an_approval_reaches_phones_and_the_screen(client: TestClient) -> None:
    scene = Scene(client, premoderate=True)
    scene.phase("propose")
    malee = scene.join("มาลี")
    scene.propose("ระบบนัดหมายออนไลน์", bearer(malee))
    waiting = client.get(f"{scene.url}/projects", headers=scene.facilitator).json()[0]["id"]
    with scene.ws(scene.join("สมชาย")) as phone, scene.ws(scene.screen_key) as screen:
        first_phone, first_screen = phone.receive_text(), screen.receive_text()
        assert "ระบบนัดหมายออนไลน์" not in first_phone and "ระบบนัดหมายออนไลน์" not in first_screen
        before = re.search(r'data-projects="(\w*)"', first_phone)
        approved = client.post(f"{scene.url}/projects/{waiting}/approve", headers=scene.facilitator)
        assert approved.status_code == 200
        update = phone.receive_text()
        assert "ระบบนัดหมายออนไลน์" in update and 'id="proposal-count" class="count">1<' in update
        # The proposer's "My proposals" follows: the shared version it watches moved on.
        after = re.search(r'data-projects="(\w*)"', update)
        assert before and after and before.group(1) != after.group(1)
        assert "ระบบนัดหมายออนไลน์" in screen.receive_text()


def test_a_waiting_proposal_never_travels_to_phones_or_the_screen(client: TestClient) -> None:
    scene = Scene(client, premoderate=True)
    scene.phase("propose")
    malee = scene.join("มาลี")
    with scene.ws(scene.join("สมชาย")) as phone, scene.ws(scene.screen_key) as screen:
        phone.receive_text()
        screen.receive_text()
        scene.propose("ข้อเสนอที่ยังไม่ผ่านการตรวจ", bearer(malee))
        for update in (phone.receive_text(), screen.receive_text()):
            assert "ข้อเสนอที่ยังไม่ผ่านการตรวจ" not in update
    with scene.ws(scene.created["facilitator_key"]) as console:
        assert "ข้อเสนอที่ยังไม่ผ่านการตรวจ" in console.receive_text()  # in the moderation queue


def test_a_pin_puts_a_project_first_on_the_screens_wall(client: TestClient) -> None:
    scene = Scene(client)
    scene.phase("propose")
    older = scene.propose("โครงการแรก")
    scene.propose("โครงการล่าสุด")
    with scene.ws(scene.screen_key) as screen:
        snapshot = screen.receive_text()
        assert snapshot.index("โครงการล่าสุด") < snapshot.index("โครงการแรก")  # newest first
        client.post(f"{scene.url}/projects/{older}/pin", json={"pinned": True}, headers=scene.facilitator)
        update = screen.receive_text()
        assert update.index("โครงการแรก") < update.index("โครงการล่าสุด")
        assert 'class="wall-card pinned"' in update


def test_the_timer_travels_with_the_servers_time(client: TestClient) -> None:
    scene = Scene(client)
    scene.phase("propose")
    token = scene.join()
    with scene.ws(token) as phone, scene.ws(scene.screen_key) as screen:
        for snapshot in (phone.receive_text(), screen.receive_text()):
            assert re.search(r'id="timer"[^>]*hidden', snapshot.replace("\n", " "))
        answer = client.put(f"{scene.url}/timer", json={"action": "start", "minutes": 5}, headers=scene.facilitator)
        server_now = answer.json()["timer"]["server_now"]
        for update in (phone.receive_text(), screen.receive_text()):
            flat = update.replace("\n", " ")
            assert 'data-running="1"' in flat
            remaining = float(re.search(r'data-remaining="([\d.]+)"', flat).group(1))  # type: ignore[union-attr]
            stamp = int(re.search(r'data-server-now="(\d+)"', flat).group(1))  # type: ignore[union-attr]
            assert 295 < remaining <= 300 and stamp > 0 and server_now
            assert "5:00" in flat or "4:59" in flat
        client.put(f"{scene.url}/timer", json={"action": "pause"}, headers=scene.facilitator)
        for update in (phone.receive_text(), screen.receive_text()):
            assert 'data-running="0"' in update and "timer-state" in update


def test_the_screen_view_follows_the_facilitator(client: TestClient) -> None:
    scene = Scene(client)
    scene.phase("vote")
    scene.propose("ศูนย์ข้อมูลกลาง")
    with scene.ws(scene.screen_key) as screen:
        assert 'data-view="tallies"' in screen.receive_text()
        for view in ("ranking", "coverage", "agencies", "wall", "matrix", "join", "strategies"):
            client.put(f"{scene.url}/screen-view", json={"view": view}, headers=scene.facilitator)
            update = screen.receive_text()
            assert f'data-view="{view}"' in update
        client.put(f"{scene.url}/screen-view", json={"view": "matrix"}, headers=scene.facilitator)
        assert "No scoring round yet" in screen.receive_text()


def test_blind_voting_hides_every_tally_view_until_the_reveal(client: TestClient) -> None:
    scene = Scene(client, show_live_tallies=False)
    scene.phase("propose")
    project = scene.propose("ระบบเตือนภัยพิบัติ")
    token = scene.join()
    scene.phase("vote")
    client.put(f"{scene.url}/votes/{project}", json={"dots": 3}, headers=bearer(token))
    with scene.ws(token) as phone, scene.ws(scene.screen_key) as screen:
        phone.receive_text()
        screen.receive_text()
        for view in ("tallies", "ranking", "strategies", "coverage", "matrix"):
            client.put(f"{scene.url}/screen-view", json={"view": view}, headers=scene.facilitator)
            update, phone_update = screen.receive_text(), phone.receive_text()
            assert 'data-view="hidden"' in update and 'data-tallies="hidden"' in update
            assert "tally-num" not in update and "heat-" not in update and "rank-row" not in update
            assert "tally" not in phone_update.replace("tally-list", "")
        client.put(f"{scene.url}/screen-view", json={"view": "ranking"}, headers=scene.facilitator)
        screen.receive_text()
        phone.receive_text()
        # The facilitator reveals: the same view now carries the dots.
        client.patch(scene.url, json={"show_live_tallies": True}, headers=scene.facilitator)
        revealed = screen.receive_text()
        assert 'data-view="ranking"' in revealed and 'data-tallies="shown"' in revealed
        assert 'class="tally-num">3<' in revealed
        assert 'id="tally-' in phone.receive_text()
