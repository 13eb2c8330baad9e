"""Pre-moderation over the wire: a proposer's change to an approved proposal, and an agency
name typed at join, never reach the big screen (page or websocket) before the facilitator
approves them; the console shows the waiting change beside the text shown now."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.routes.helpers import bearer

API = "/api/v1/workshops"
SHOWN, CHANGED = "ระบบนัดหมายออนไลน์", "ข้อความที่ยังไม่ผ่านการตรวจ"


class Scene:
    """A pre-moderated workshop while proposing, with one participant's approved proposal."""

    def __init__(self, client: TestClient, **body: Any) -> None:
        self.client = client
        created = client.post(API, json={"title": "สัมมนาแผนดิจิทัล", "premoderate": True, **body}).json()
        self.code, self.screen_key, self.facilitator_key = created["code"], created["screen_key"], created["facilitator_key"]
        self.facilitator = bearer(self.facilitator_key)
        self.url = f"{API}/{self.code}"
        assert client.put(f"{self.url}/phase", json={"phase": "propose"}, headers=self.facilitator).status_code == 200

    def join(self, name: str, agency: str = "") -> dict[str, str]:
        answer = self.client.post(f"{self.url}/participants", json={"name": name, "agency": agency})
        return bearer(answer.json()["participant_token"])

    def approved_proposal(self, proposer: dict[str, str]) -> int:
        project = self.client.post(f"{self.url}/projects", json={"title": SHOWN}, headers=proposer).json()["id"]
        assert self.client.post(f"{self.url}/projects/{project}/approve", headers=self.facilitator).status_code == 200
        return int(project)

    def ws(self, key: str, view: str = "") -> Any:
        return self.client.websocket_connect(f"/ws/workshops/{self.code}?key={key}&lang=en"
                                             + (f"&view={view}" if view else ""))

    def marker(self, title: str) -> None:
        """A change every view shows, so the next message is sure to come."""
        answer = self.client.post(f"{self.url}/projects", json={"title": title}, headers=self.facilitator)
        assert answer.status_code == 201


def until(ws: Any, text: str, most: int = 20) -> list[str]:
    """The messages up to the first that holds `text` (at most `most`: the hub coalesces)."""
    seen = [ws.receive_text()]
    while text not in seen[-1]:
        assert len(seen) < most, f"{text!r} never came"
        seen.append(ws.receive_text())
    return seen


def test_a_proposers_change_to_an_approved_proposal_stays_off_the_screen_until_approved(client: TestClient) -> None:
    scene = Scene(client)
    malee = scene.join("มาลี")
    project = scene.approved_proposal(malee)
    with scene.ws(scene.screen_key) as screen, scene.ws(scene.facilitator_key, "facilitator") as console:
        assert SHOWN in screen.receive_text()
        console.receive_text()
        edited = client.patch(f"{scene.url}/projects/{project}", json={"title": CHANGED}, headers=malee)
        assert edited.status_code == 200
        assert edited.json()["title"] == SHOWN and edited.json()["edit_pending"] is True
        scene.marker("โครงการที่หนึ่ง")
        updates = until(screen, "โครงการที่หนึ่ง")
        assert SHOWN in updates[-1] and not [update for update in updates if CHANGED in update]
        # The console: the shown text and the waiting change side by side, to approve or reject.
        queue = until(console, f'id="pending-edit-{project}"')[-1]
        queue = queue[queue.index(f'id="pending-edit-{project}"'):]
        assert queue.index(SHOWN) < queue.index(CHANGED)
        assert f"/projects/{project}/edit/approve" in queue and f"/projects/{project}/edit/reject" in queue
        # Nor does the screen's page, or what the screen key reads from the API.
        client.cookies.clear()
        assert client.get(f"/w/{scene.code}/screen/{scene.screen_key}").status_code == 200
        page = client.get(f"/w/{scene.code}/screen").text
        assert SHOWN in page and CHANGED not in page
        assert CHANGED not in client.get(f"{scene.url}/projects", headers=bearer(scene.screen_key)).text
        # Approved from the console: now the screen shows the new text.
        client.cookies.clear()
        client.get(f"/w/{scene.code}/facilitate/{scene.facilitator_key}")
        approved = client.post(f"/w/{scene.code}/facilitate/projects/{project}/edit/approve")
        assert approved.status_code == 200 and f'id="pending-edit-{project}"' not in approved.text
        assert SHOWN not in until(screen, CHANGED)[-1]


def test_a_change_sent_from_the_phone_says_it_waits(client: TestClient) -> None:
    scene = Scene(client)
    client.cookies.set("rk_lang", "en")
    assert client.post(f"/w/{scene.code}/join", data={"name": "มาลี"}).status_code in (200, 303)
    project = client.post(f"/w/{scene.code}/proposals", data={"title": SHOWN})
    assert project.status_code == 200
    mine = client.get(f"{scene.url}/projects", headers=scene.facilitator).json()[0]["id"]
    assert client.post(f"{scene.url}/projects/{mine}/approve", headers=scene.facilitator).status_code == 200
    saved = client.post(f"/w/{scene.code}/mine/{mine}", data={"title": CHANGED})
    assert saved.status_code == 200
    assert "Sent for approval" in saved.text and "Your change waits for approval" in saved.text
    # Editing again starts from the waiting change, not from the text shown now.
    assert f">{CHANGED}</textarea>" in client.get(f"/w/{scene.code}/mine/{mine}").text


def test_a_typed_agency_reaches_the_screens_agencies_view_only_once_approved(client: TestClient) -> None:
    scene = Scene(client, agencies=["กรมอุตุนิยมวิทยา"], typed_agencies=True)
    assert client.put(f"{scene.url}/screen-view", json={"view": "agencies"}, headers=scene.facilitator).status_code == 200
    scene.join("สมชาย", "กรมอุตุนิยมวิทยา")
    with scene.ws(scene.screen_key) as screen, scene.ws(scene.facilitator_key, "facilitator") as console:
        screen.receive_text()
        console.receive_text()
        scene.join("ก้อง", "หน่วยงานที่พิมพ์เอง")
        update = screen.receive_text()  # the join's redraw
        assert "กรมอุตุนิยมวิทยา" in update and "Other agencies" in update and "หน่วยงานที่พิมพ์เอง" not in update
        assert "หน่วยงานที่พิมพ์เอง" in until(console, "Agencies typed at join")[-1]
        client.get(f"/w/{scene.code}/facilitate/{scene.facilitator_key}")
        reviewed = client.post(f"/w/{scene.code}/facilitate/agencies/review",
                               data={"name": "หน่วยงานที่พิมพ์เอง", "decision": "approve"})
        assert reviewed.status_code == 200
        assert "Other agencies" not in until(screen, "หน่วยงานที่พิมพ์เอง")[-1]
