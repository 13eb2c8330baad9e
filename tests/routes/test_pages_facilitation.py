"""The facilitation tools in the pages: the console's queue, timer, screen views and reveal;
the big screen's keys (which may change the view and nothing else); the phone's own proposals
and votes; and the export keeping the moderation state."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.routes.helpers import (
    API,
    Workshop,
    create_workshop,
    join,
    list_projects,
    propose,
    read_workshop,
    set_phase,
)


def browser(app: FastAPI, url: str | None = None) -> TestClient:
    """A separate browser (own cookies) reading English, that opened this secret link if given."""
    other = TestClient(app)
    other.__enter__()
    other.get("/lang/en")
    if url:
        other.get(url)
    return other


@pytest.fixture
def console(app: FastAPI, client: TestClient, workshop: Workshop) -> Any:
    page = browser(app, workshop.created["facilitator_url"])
    yield page
    page.__exit__(None, None, None)


@pytest.fixture
def screen(app: FastAPI, client: TestClient, workshop: Workshop) -> Any:
    page = browser(app, workshop.created["screen_url"])
    yield page
    page.__exit__(None, None, None)


@pytest.fixture
def phone(app: FastAPI, client: TestClient, workshop: Workshop) -> Any:
    page = browser(app)
    assert page.post(f"/w/{workshop.code}/join", data={"name": "มาลี", "agency": "กรมการปกครอง"}).status_code == 200
    yield page
    page.__exit__(None, None, None)


def test_the_console_shows_the_queue_timer_and_screen_views(client: TestClient, workshop: Workshop,
                                                            console: TestClient) -> None:
    page = console.get(f"/w/{workshop.code}/facilitate")
    assert page.status_code == 200
    for part in ('id="moderation"', 'id="timer"', 'name="minutes"', 'value="ranking"', "<kbd>4</kbd>",
                 "/facilitate/premoderate"):
        assert part in page.text


def test_the_console_turns_pre_moderation_on_and_approves_from_the_queue(
        client: TestClient, workshop: Workshop, console: TestClient, phone: TestClient) -> None:
    set_phase(client, workshop, "propose")
    answer = console.post(f"/w/{workshop.code}/facilitate/premoderate", data={"on": "on"})
    assert answer.status_code == 200 and "Turn pre-moderation off" in answer.text
    sent = phone.post(f"/w/{workshop.code}/proposals", data={"title": "ระบบนัดหมายออนไลน์", "client_request_id": "r1"})
    assert "once the facilitator approves it" in sent.text
    mine = phone.get(f"/w/{workshop.code}/mine")
    assert "ระบบนัดหมายออนไลน์" in mine.text and "Waiting for approval" in mine.text
    waiting = list_projects(client, workshop)[0]
    queue = console.get(f"/w/{workshop.code}/facilitate").text
    assert f'id="pending-{waiting["id"]}"' in queue
    answer = console.post(f"/w/{workshop.code}/facilitate/projects/{waiting['id']}/approve")
    assert answer.status_code == 200 and f'id="pending-{waiting["id"]}"' not in answer.text
    assert "Shown to everyone" in phone.get(f"/w/{workshop.code}/mine").text


def test_the_console_rejects_pins_and_sets_the_timer(client: TestClient, workshop: Workshop,
                                                     console: TestClient) -> None:
    set_phase(client, workshop, "propose")
    project = propose(client, workshop, workshop.facilitator, "ศูนย์ข้อมูลกลาง")
    answer = console.post(f"/w/{workshop.code}/facilitate/projects/{project['id']}/pin", data={"pinned": "on"})
    assert answer.status_code == 200 and "Unpin" in answer.text
    assert list_projects(client, workshop)[0]["pinned"] is True
    answer = console.post(f"/w/{workshop.code}/facilitate/timer",
                          data={"action": "start", "minutes": "2,5", "auto_advance": "on"})
    assert answer.status_code == 200 and 'data-running="1"' in answer.text
    timer = read_workshop(client, workshop)["timer"]
    assert timer["auto_advance"] is True and 149 < timer["remaining"] <= 150
    answer = console.post(f"/w/{workshop.code}/facilitate/timer", data={"action": "start", "minutes": "lots"})
    assert answer.status_code == 422
    assert console.post(f"/w/{workshop.code}/facilitate/projects/{project['id']}/reject").status_code == 200
    assert list_projects(client, workshop) == []  # hidden


def test_reveal_results_shows_the_hidden_tallies(app: FastAPI, client: TestClient) -> None:
    blind = create_workshop(client, phase="vote", show_live_tallies=False)
    page = browser(app, blind.created["facilitator_url"])
    try:
        assert "Reveal results" in page.get(f"/w/{blind.code}/facilitate").text
        answer = page.post(f"/w/{blind.code}/facilitate/reveal")
        assert answer.status_code == 200 and "Reveal results" not in answer.text
        assert read_workshop(client, blind)["show_live_tallies"] is True
    finally:
        page.__exit__(None, None, None)


def test_the_screens_keys_change_the_view(client: TestClient, workshop: Workshop, screen: TestClient) -> None:
    assert 'data-view-url="/w/' in screen.get(f"/w/{workshop.code}/screen").text
    answer = screen.post(f"/w/{workshop.code}/screen/view", data={"view": "coverage"})
    assert answer.status_code == 204
    assert read_workshop(client, workshop)["screen_view"] == "coverage"
    assert 'data-view="coverage"' in screen.get(f"/w/{workshop.code}/screen").text
    assert screen.post(f"/w/{workshop.code}/screen/view", data={"view": "nonsense"}).status_code == 422


@pytest.mark.parametrize(("path", "form"), [
    ("facilitate/phase", {"phase": "closed"}),
    ("facilitate/tallies", {"show": "off"}),
    ("facilitate/timer", {"action": "start", "minutes": "5"}),
    ("facilitate/screen-view", {"view": "ranking"}),
    ("facilitate/reveal", {}),
    ("facilitate/premoderate", {"on": "on"}),
])
def test_the_screen_may_change_its_view_and_nothing_else(client: TestClient, workshop: Workshop,
                                                         screen: TestClient, path: str, form: dict[str, str]) -> None:
    before = read_workshop(client, workshop)
    assert screen.post(f"/w/{workshop.code}/{path}", data=form).status_code == 403
    assert read_workshop(client, workshop) == before


def test_a_phone_cannot_change_the_screen_view(client: TestClient, workshop: Workshop, phone: TestClient) -> None:
    assert phone.post(f"/w/{workshop.code}/screen/view", data={"view": "ranking"}).status_code == 403
    assert read_workshop(client, workshop)["screen_view"] == "auto"


def test_a_participant_edits_their_proposal_from_the_phone(client: TestClient, workshop: Workshop,
                                                           phone: TestClient) -> None:
    set_phase(client, workshop, "propose")
    phone.post(f"/w/{workshop.code}/proposals", data={"title": "ร่างแรก", "client_request_id": "r1"})
    project = list_projects(client, workshop)[0]
    form = phone.get(f"/w/{workshop.code}/mine/{project['id']}")
    assert form.status_code == 200 and '>ร่างแรก</textarea>' in form.text
    strategy = workshop.strategy_ids[1]
    saved = phone.post(f"/w/{workshop.code}/mine/{project['id']}",
                       data={"title": "ร่างที่สอง", "description": "", "agency": "", "strategy_ids": str(strategy)})
    assert saved.status_code == 200 and "Saved: ร่างที่สอง" in saved.text and 'hx-swap-oob="true"' in saved.text
    assert list_projects(client, workshop)[0]["title"] == "ร่างที่สอง"
    assert list_projects(client, workshop)[0]["strategy_ids"] == [strategy]
    empty = phone.post(f"/w/{workshop.code}/mine/{project['id']}", data={"title": ""})
    assert empty.status_code == 422 and 'aria-invalid="true"' in empty.text
    assert phone.get(f"/w/{workshop.code}/mine/{project['id']}?close=1").text == ""


def test_a_participant_cannot_edit_someone_elses_proposal(client: TestClient, workshop: Workshop,
                                                          phone: TestClient) -> None:
    set_phase(client, workshop, "propose")
    theirs = propose(client, workshop, workshop.facilitator, "ของคนอื่น")
    assert phone.get(f"/w/{workshop.code}/mine/{theirs['id']}").status_code == 403
    assert phone.post(f"/w/{workshop.code}/mine/{theirs['id']}", data={"title": "แก้"}).status_code == 403
    assert list_projects(client, workshop)[0]["title"] == "ของคนอื่น"


def test_a_participant_sees_their_own_dots_in_vote_results_and_closed(client: TestClient, workshop: Workshop,
                                                                      phone: TestClient) -> None:
    set_phase(client, workshop, "propose")
    project = propose(client, workshop, workshop.facilitator, "ศูนย์ข้อมูลกลาง")
    set_phase(client, workshop, "vote")
    page = phone.get(f"/w/{workshop.code}").text
    assert 'id="my-votes"' in page and "You have not spent any dots yet." in page
    tap = phone.post(f"/w/{workshop.code}/ballot/{project['id']}", data={"change": "1"})
    assert 'id="my-votes"' in tap.text and "ศูนย์ข้อมูลกลาง" in tap.text  # updated with the tap
    for phase in ("results", "closed"):
        set_phase(client, workshop, phase)
        page = phone.get(f"/w/{workshop.code}").text
        assert 'id="my-votes"' in page and "1 of 5 dots used" in page


def test_the_new_workshop_form_offers_pre_moderation(client: TestClient) -> None:
    assert 'name="premoderate"' in client.get("/new").text
    made = client.post("/new", data={"title": "สัมมนา", "premoderate": "on", "language": "th",
                                     "framework": "th-national-2018"}, follow_redirects=False)
    assert made.status_code == 303
    code = made.headers["location"].split("/")[2]
    assert client.get(f"{API}/workshops/{code}").json()["premoderate"] is True


def test_the_export_keeps_pre_moderation_pins_and_waiting_proposals(client: TestClient) -> None:
    original = create_workshop(client, phase="propose", premoderate=True)
    malee = join(client, original, "มาลี")
    waiting = propose(client, original, malee.headers, "รอตรวจ")
    pinned = propose(client, original, original.facilitator, "ปักหมุด")
    client.post(f"{original.url}/projects/{pinned['id']}/pin", json={"pinned": True}, headers=original.facilitator)
    exported = client.get(f"{original.url}/export?format=json", headers=original.facilitator).json()
    assert exported["workshop"]["premoderate"] is True
    imported = client.post(f"{API}/workshops/import", json=exported)
    assert imported.status_code == 201, imported.text
    copy = Workshop(created=imported.json())
    copy.info = read_workshop(client, copy)
    assert copy.info["premoderate"] is True
    projects = {p["title"]: p for p in list_projects(client, copy)}
    assert projects["รอตรวจ"]["approved"] is False and projects["ปักหมุด"]["pinned"] is True
    assert waiting["approved"] is False
    csv = client.get(f"{original.url}/export?format=csv", headers=original.facilitator).content.decode("utf-8-sig")
    assert "รออนุมัติ" in csv  # "waiting for approval", in the workshop's Thai


def test_a_vote_cannot_go_to_a_waiting_proposal(client: TestClient) -> None:
    moderated = create_workshop(client, phase="propose", premoderate=True)
    malee = join(client, moderated, "มาลี")
    waiting = propose(client, moderated, malee.headers)
    set_phase(client, moderated, "vote")
    answer = client.put(f"{moderated.url}/votes/{waiting['id']}", json={"dots": 1}, headers=malee.headers)
    assert answer.status_code == 409 and "approval" in answer.json()["detail"]


def test_a_taps_answer_goes_uncompressed_while_the_phone_page_is_compressed(client: TestClient, workshop: Workshop,
                                                                          phone: TestClient) -> None:
    set_phase(client, workshop, "propose")
    for i in range(12):  # "my votes" grows past what would be compressed
        propose(client, workshop, workshop.facilitator, f"โครงการพัฒนาระบบข้อมูลกลางของจังหวัด ระยะที่ {i}")
    set_phase(client, workshop, "vote")
    gzip = {"Accept-Encoding": "gzip"}
    assert phone.get(f"/w/{workshop.code}", headers=gzip).headers.get("content-encoding") == "gzip"
    for listed in list_projects(client, workshop)[:5]:
        tap = phone.post(f"/w/{workshop.code}/ballot/{listed['id']}", data={"change": "1"}, headers=gzip)
    assert tap.status_code == 200 and len(tap.content) > 500
    assert "content-encoding" not in tap.headers
