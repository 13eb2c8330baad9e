"""The facilitation endpoints of the JSON API (docs/api-extensions.md): approve, pin,
pre-moderation, the phase timer, the screen view and the server clock, with their errors."""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.routes.helpers import (
    API,
    Person,
    Workshop,
    assert_error,
    create_workshop,
    join,
    list_projects,
    propose,
    set_phase,
)


def post(client: TestClient, workshop: Workshop, path: str, headers: dict[str, str] | None = None,
         **body: Any) -> Any:
    return client.post(f"{workshop.url}/{path}", json=body if body else None, headers=headers or {})


def put(client: TestClient, workshop: Workshop, path: str, headers: dict[str, str] | None = None, **body: Any) -> Any:
    return client.put(f"{workshop.url}/{path}", json=body, headers=headers or {})


@pytest.fixture
def moderated(client: TestClient) -> Workshop:
    """A pre-moderated workshop in phase propose."""
    return create_workshop(client, phase="propose", premoderate=True)


@pytest.fixture
def malee(client: TestClient, moderated: Workshop) -> Person:
    return join(client, moderated, "มาลี", "กรมการปกครอง")


# --- pre-moderation ---


def test_a_workshop_can_be_created_pre_moderated_and_says_so(client: TestClient, moderated: Workshop) -> None:
    assert moderated.info["premoderate"] is True
    plain = create_workshop(client)
    assert plain.info["premoderate"] is False and plain.info["screen_view"] == "auto" and plain.info["timer"] is None


def test_the_facilitator_turns_pre_moderation_on_and_off(client: TestClient, workshop: Workshop) -> None:
    answer = client.patch(workshop.url, json={"premoderate": True}, headers=workshop.facilitator)
    assert answer.status_code == 200 and answer.json()["premoderate"] is True
    answer = client.patch(workshop.url, json={"premoderate": False}, headers=workshop.facilitator)
    assert answer.status_code == 200 and answer.json()["premoderate"] is False


@pytest.mark.parametrize("value", ["yes", 1, None])
def test_pre_moderation_must_be_true_or_false(client: TestClient, workshop: Workshop, value: Any) -> None:
    answer = client.patch(workshop.url, json={"premoderate": value}, headers=workshop.facilitator)
    if value is None:  # null means "leave as it is", as for every setting
        assert answer.status_code == 200 and answer.json()["premoderate"] is False
    else:
        assert_error(answer, 422, "premoderate")


def test_only_the_facilitator_changes_pre_moderation(client: TestClient, moderated: Workshop, malee: Person) -> None:
    assert_error(client.patch(moderated.url, json={"premoderate": False}), 401)
    assert_error(client.patch(moderated.url, json={"premoderate": False}, headers=malee.headers), 403)
    assert_error(client.patch(moderated.url, json={"premoderate": False}, headers=moderated.screen), 403)


def test_a_waiting_proposal_is_listed_for_the_facilitator_and_its_proposer_only(
        client: TestClient, moderated: Workshop, malee: Person) -> None:
    somchai = join(client, moderated, "สมชาย")
    waiting = propose(client, moderated, malee.headers, "ศูนย์ข้อมูลเกษตรกร")
    assert waiting["approved"] is False and waiting["pinned"] is False
    shown = propose(client, moderated, moderated.facilitator, "แพลตฟอร์มกลาง")
    assert shown["approved"] is True

    def listed(headers: dict[str, str]) -> list[str]:
        answer = client.get(f"{moderated.url}/projects", headers=headers)
        assert answer.status_code == 200, answer.text
        return [p["title"] for p in answer.json()]

    assert listed(moderated.facilitator) == ["ศูนย์ข้อมูลเกษตรกร", "แพลตฟอร์มกลาง"]
    assert listed(malee.headers) == ["ศูนย์ข้อมูลเกษตรกร", "แพลตฟอร์มกลาง"]
    assert listed(somchai.headers) == ["แพลตฟอร์มกลาง"]
    assert listed(moderated.screen) == ["แพลตฟอร์มกลาง"]
    assert [r["title"] for r in client.get(f"{moderated.url}/results", headers=moderated.facilitator)
            .json()["ranking"]] == ["แพลตฟอร์มกลาง"]


# --- approve ---


def test_the_facilitator_approves_a_waiting_proposal(client: TestClient, moderated: Workshop, malee: Person) -> None:
    waiting = propose(client, moderated, malee.headers, "ศูนย์ข้อมูลเกษตรกร")
    answer = post(client, moderated, f"projects/{waiting['id']}/approve", moderated.facilitator)
    assert answer.status_code == 200, answer.text
    assert answer.json()["approved"] is True and answer.json()["id"] == waiting["id"]
    assert [p["title"] for p in client.get(f"{moderated.url}/projects", headers=moderated.screen).json()] == [
        "ศูนย์ข้อมูลเกษตรกร"]
    # Approving again changes nothing and is fine.
    assert post(client, moderated, f"projects/{waiting['id']}/approve", moderated.facilitator).status_code == 200


def test_approving_needs_the_facilitator(client: TestClient, moderated: Workshop, malee: Person) -> None:
    waiting = propose(client, moderated, malee.headers)
    path = f"projects/{waiting['id']}/approve"
    assert_error(post(client, moderated, path), 401)
    assert_error(post(client, moderated, path, malee.headers), 403, "facilitator")
    assert_error(post(client, moderated, path, moderated.screen), 403, "facilitator")
    assert list_projects(client, moderated)[0]["approved"] is False


def test_approving_an_unknown_project_is_not_found(client: TestClient, moderated: Workshop,
                                                  other_workshop: Workshop) -> None:
    theirs = propose(client, other_workshop, other_workshop.facilitator)
    for project_id in (999, theirs["id"]):
        assert_error(post(client, moderated, f"projects/{project_id}/approve", moderated.facilitator), 404,
                     str(project_id))


def test_a_closed_workshop_refuses_approval_and_pins(client: TestClient, moderated: Workshop, malee: Person) -> None:
    waiting = propose(client, moderated, malee.headers)
    set_phase(client, moderated, "closed")
    assert_error(post(client, moderated, f"projects/{waiting['id']}/approve", moderated.facilitator), 409, "closed")
    assert_error(post(client, moderated, f"projects/{waiting['id']}/pin", moderated.facilitator, pinned=True),
                 409, "closed")


# --- pin ---


def test_the_facilitator_pins_and_unpins_a_project(client: TestClient, workshop: Workshop) -> None:
    set_phase(client, workshop, "propose")
    first = propose(client, workshop, workshop.facilitator, "ก่อน")
    answer = post(client, workshop, f"projects/{first['id']}/pin", workshop.facilitator, pinned=True)
    assert answer.status_code == 200, answer.text
    assert answer.json()["pinned"] is True
    assert [p["pinned"] for p in list_projects(client, workshop)] == [True]
    answer = post(client, workshop, f"projects/{first['id']}/pin", workshop.facilitator, pinned=False)
    assert answer.json()["pinned"] is False


@pytest.mark.parametrize("body", [{}, {"pinned": "yes"}, {"pinned": 1}, {"pinned": True, "extra": 1}])
def test_pinning_needs_pinned_true_or_false(client: TestClient, workshop: Workshop, body: dict[str, Any]) -> None:
    project = propose(client, workshop, workshop.facilitator)
    answer = client.post(f"{workshop.url}/projects/{project['id']}/pin", json=body, headers=workshop.facilitator)
    if "extra" in body:  # extra fields are ignored, as elsewhere in the API
        assert answer.status_code == 200
    else:
        assert_error(answer, 422, "pinned")


def test_pinning_needs_the_facilitator_and_a_project_of_this_workshop(client: TestClient, workshop: Workshop) -> None:
    project = propose(client, workshop, workshop.facilitator)
    somchai = join(client, workshop)
    path = f"projects/{project['id']}/pin"
    assert_error(post(client, workshop, path, pinned=True), 401)
    assert_error(post(client, workshop, path, somchai.headers, pinned=True), 403)
    assert_error(post(client, workshop, path, workshop.screen, pinned=True), 403)
    assert_error(post(client, workshop, "projects/424242/pin", workshop.facilitator, pinned=True), 404)


# --- timer ---


def timer_of(answer: Any) -> dict[str, Any]:
    assert answer.status_code == 200, answer.text
    timer = answer.json()["timer"]
    assert timer is not None
    return timer


def test_the_facilitator_starts_the_phase_timer(client: TestClient, workshop: Workshop) -> None:
    set_phase(client, workshop, "propose")
    timer = timer_of(put(client, workshop, "timer", workshop.facilitator, action="start", minutes=5,
                         auto_advance=True))
    assert timer["running"] is True and timer["phase"] == "propose" and timer["auto_advance"] is True
    assert 299 < timer["remaining"] <= 300
    ends_at, now = datetime.fromisoformat(timer["ends_at"]), datetime.fromisoformat(timer["server_now"])
    assert abs((ends_at - now).total_seconds() - timer["remaining"]) < 0.01
    assert client.get(workshop.url).json()["timer"]["running"] is True  # anyone with the code sees it


def test_plus_one_pause_resume_and_stop(client: TestClient, workshop: Workshop) -> None:
    set_phase(client, workshop, "vote")
    put(client, workshop, "timer", workshop.facilitator, action="start", minutes=2)
    timer = timer_of(put(client, workshop, "timer", workshop.facilitator, action="add"))
    assert 179 < timer["remaining"] <= 180  # +1 min by default
    paused = timer_of(put(client, workshop, "timer", workshop.facilitator, action="pause"))
    assert paused["running"] is False and paused["ends_at"] is None
    time.sleep(0.3)
    still = client.get(workshop.url).json()["timer"]
    assert still["remaining"] == paused["remaining"]  # a paused timer stands still
    timer = timer_of(put(client, workshop, "timer", workshop.facilitator, action="add", minutes=2))
    assert timer["remaining"] == pytest.approx(paused["remaining"] + 120)
    resumed = timer_of(put(client, workshop, "timer", workshop.facilitator, action="resume"))
    assert resumed["running"] is True
    answer = put(client, workshop, "timer", workshop.facilitator, action="stop")
    assert answer.status_code == 200 and answer.json()["timer"] is None


@pytest.mark.parametrize("body", [
    {"action": "start"},  # no minutes
    {"action": "start", "minutes": 0},
    {"action": "start", "minutes": -1},
    {"action": "start", "minutes": 601},
    {"action": "start", "minutes": "5"},
    {"action": "start", "minutes": 5, "auto_advance": "yes"},
    {"action": "rewind"},
    {},
    {"action": "stop", "colour": "red"},
])
def test_a_timer_request_must_make_sense(client: TestClient, workshop: Workshop, body: dict[str, Any]) -> None:
    set_phase(client, workshop, "propose")
    assert_error(client.put(f"{workshop.url}/timer", json=body, headers=workshop.facilitator), 422)
    assert client.get(workshop.url).json()["timer"] is None


@pytest.mark.parametrize(("first", "then", "words"), [
    (None, "add", "No timer"), (None, "pause", "not running"), (None, "resume", "not paused"),
    ("start", "resume", "not paused"),
])
def test_timer_buttons_out_of_turn_are_a_conflict(client: TestClient, workshop: Workshop, first: str | None,
                                                  then: str, words: str) -> None:
    set_phase(client, workshop, "propose")
    if first:
        put(client, workshop, "timer", workshop.facilitator, action=first, minutes=3)
    assert_error(put(client, workshop, "timer", workshop.facilitator, action=then), 409, words)


def test_only_the_facilitator_controls_the_timer(client: TestClient, workshop: Workshop) -> None:
    set_phase(client, workshop, "propose")
    somchai = join(client, workshop)
    assert_error(put(client, workshop, "timer", action="start", minutes=1), 401)
    assert_error(put(client, workshop, "timer", somchai.headers, action="start", minutes=1), 403, "facilitator")
    assert_error(put(client, workshop, "timer", workshop.screen, action="start", minutes=1), 403, "facilitator")
    assert client.get(workshop.url).json()["timer"] is None


def test_a_closed_workshop_has_no_timer(client: TestClient, workshop: Workshop) -> None:
    set_phase(client, workshop, "closed")
    assert_error(put(client, workshop, "timer", workshop.facilitator, action="start", minutes=1), 409, "closed")


def test_a_new_phase_drops_the_old_phases_timer(client: TestClient, workshop: Workshop) -> None:
    set_phase(client, workshop, "propose")
    put(client, workshop, "timer", workshop.facilitator, action="start", minutes=3)
    assert set_phase(client, workshop, "vote")["timer"] is None


def test_at_zero_the_server_moves_the_workshop_to_the_next_phase(client_with: Any) -> None:
    client = client_with(timer_check_interval=0.05)
    workshop = create_workshop(client, phase="propose")
    timer_of(put(client, workshop, "timer", workshop.facilitator, action="start", minutes=0.01, auto_advance=True))
    deadline = time.monotonic() + 10
    phase = "propose"
    while phase == "propose" and time.monotonic() < deadline:
        time.sleep(0.05)
        phase = client.get(workshop.url).json()["phase"]
    assert phase == "vote"
    time.sleep(0.3)  # a few more checks: still one move only
    answer = client.get(workshop.url).json()
    assert answer["phase"] == "vote" and answer["timer"] is None


# --- screen view ---


@pytest.mark.parametrize("view", ["join", "wall", "tallies", "ranking", "strategies", "coverage", "matrix",
                                  "agencies", "auto"])
def test_the_facilitator_or_the_screen_chooses_the_screen_view(client: TestClient, workshop: Workshop,
                                                               view: str) -> None:
    for headers in (workshop.facilitator, workshop.screen):
        answer = put(client, workshop, "screen-view", headers, view=view)
        assert answer.status_code == 200, answer.text
        assert answer.json()["screen_view"] == view


@pytest.mark.parametrize("body", [{"view": "everything"}, {"view": ""}, {"view": 3}, {}])
def test_an_unknown_screen_view_is_refused(client: TestClient, workshop: Workshop, body: dict[str, Any]) -> None:
    assert_error(client.put(f"{workshop.url}/screen-view", json=body, headers=workshop.facilitator), 422, "view")


def test_phones_and_strangers_do_not_choose_the_screen_view(client: TestClient, workshop: Workshop,
                                                            other_workshop: Workshop) -> None:
    somchai = join(client, workshop)
    assert_error(put(client, workshop, "screen-view", view="ranking"), 401)
    assert_error(put(client, workshop, "screen-view", other_workshop.screen, view="ranking"), 401)
    assert_error(put(client, workshop, "screen-view", somchai.headers, view="ranking"), 403, "screen")
    assert client.get(workshop.url).json()["screen_view"] == "auto"


def test_the_screen_view_can_change_even_when_closed(client: TestClient, workshop: Workshop) -> None:
    set_phase(client, workshop, "closed")
    assert put(client, workshop, "screen-view", workshop.screen, view="coverage").json()["screen_view"] == "coverage"


# --- server clock ---


def test_the_server_tells_its_time(client: TestClient) -> None:
    before = time.time() * 1000
    answer = client.get(f"{API}/time")
    assert answer.status_code == 200
    body = answer.json()
    assert before - 1 <= body["epoch_ms"] <= time.time() * 1000 + 1
    assert datetime.fromisoformat(body["now"]).timestamp() * 1000 == pytest.approx(body["epoch_ms"], abs=1)
