"""Limits: over-long text and over-long lists are refused with 422 naming the field; floods of
joins, proposals and votes get 429 with a clear message and Retry-After, counted per participant
and per client address."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.deps import cookie_name
from tests.routes.helpers import API, assert_error, create_workshop, join, propose, set_phase

THAI = "ก"  # one code point: limits count characters, not bytes


def framework(strategies: int, areas: int = 0, code: str = "S", name: str = "ยุทธศาสตร์") -> dict[str, Any]:
    return {"strategies": [{"code": f"{code}{i}", "name": name} for i in range(strategies)],
            "reform_areas": [{"code": f"R{i}", "name": name} for i in range(areas)]}


# (what, the request's JSON body, the field the answer must name)
TOO_LONG_WORKSHOPS = [
    ("title of 501 characters", {"title": THAI * 501}, "title"),
    ("empty title", {"title": ""}, "title"),
    ("title of only invisible characters", {"title": "\u202e\u200f\x00 "}, "title"),
    ("description of 5001 characters", {"title": "t", "description": THAI * 5001}, "description"),
    ("501 agencies", {"title": "t", "agencies": [f"หน่วย {i}" for i in range(501)]}, "agencies"),
    ("agency of 201 characters", {"title": "t", "agencies": [THAI * 201]}, "agencies"),
    ("101 strategies", {"title": "t", "framework": framework(101)}, "strategies"),
    ("101 reform areas", {"title": "t", "framework": framework(1, 101)}, "reform_areas"),
    ("strategy code of 21 characters", {"title": "t", "framework": framework(1, code="S" * 21)}, "code"),
    ("strategy name of 201 characters", {"title": "t", "framework": framework(1, name=THAI * 201)}, "name"),
    ("1001 dots per participant", {"title": "t", "dots_per_participant": 1001}, "dots_per_participant"),
]


@pytest.mark.parametrize(("what", "body", "field"), TOO_LONG_WORKSHOPS, ids=[c[0] for c in TOO_LONG_WORKSHOPS])
def test_a_workshop_with_too_much_is_refused_naming_the_field(client: TestClient, what: str,
                                                              body: dict[str, Any], field: str) -> None:
    assert_error(client.post(f"{API}/workshops", json=body), 422, field)


def test_a_workshop_at_every_limit_is_accepted(client: TestClient) -> None:
    body = {"title": THAI * 500, "description": THAI * 5000, "agencies": [f"หน่วย {i}" for i in range(500)],
            "framework": framework(100, 100, name=THAI * 200), "dots_per_participant": 1000,
            "max_dots_per_project": 1000}
    answer = client.post(f"{API}/workshops", json=body)
    assert answer.status_code == 201, answer.text[:500]


TOO_LONG_JOINS = [
    ("name of 101 characters", {"name": THAI * 101}, "name"),
    ("agency of 201 characters", {"name": "n", "agency": THAI * 201}, "agency"),
    ("name of control characters only", {"name": "\x00\x07\u202e"}, "name"),
]


@pytest.mark.parametrize(("what", "body", "field"), TOO_LONG_JOINS, ids=[c[0] for c in TOO_LONG_JOINS])
def test_joining_with_too_much_is_refused_naming_the_field(client: TestClient, what: str, body: dict[str, Any],
                                                           field: str) -> None:
    workshop = create_workshop(client)
    assert_error(client.post(f"{workshop.url}/participants", json=body), 422, field)
    assert client.get(workshop.url).json()["participant_count"] == 0



TOO_LONG_PROJECTS: list[tuple[str, Callable[[list[int], list[int]], dict[str, Any]], str]] = [
    ("title of 501 characters", lambda s, r: {"title": THAI * 501}, "title"),
    ("description of 5001 characters", lambda s, r: {"title": "t", "description": THAI * 5001}, "description"),
    ("agency of 201 characters", lambda s, r: {"title": "t", "agency": THAI * 201}, "agency"),
    ("51 strategy ids", lambda s, r: {"title": "t", "strategy_ids": list(range(1, 52))}, "strategy_ids"),
    ("51 reform area ids", lambda s, r: {"title": "t", "reform_area_ids": list(range(1, 52))}, "reform_area_ids"),
    ("51 tags in all", lambda s, r: {"title": "t", "strategy_ids": list(range(1, 27)),
                                     "reform_area_ids": list(range(1, 26))}, "50 tags"),
    ("client_request_id of 101 characters", lambda s, r: {"title": "t", "client_request_id": "x" * 101},
     "client_request_id"),
]


@pytest.mark.parametrize(("what", "make", "field"), TOO_LONG_PROJECTS, ids=[c[0] for c in TOO_LONG_PROJECTS])
def test_a_proposal_with_too_much_is_refused_naming_the_field(client: TestClient, what: str, make: Any,
                                                              field: str) -> None:
    workshop = create_workshop(client, phase="propose")
    person = join(client, workshop)
    body = make(workshop.strategy_ids, workshop.reform_area_ids)
    assert_error(client.post(f"{workshop.url}/projects", json=body, headers=person.headers), 422, field)
    project = propose(client, workshop, person.headers, "ตั้งต้น")
    patch = {k: v for k, v in body.items() if k != "client_request_id"} if field != "client_request_id" else None
    if patch:
        answer = client.patch(f"{workshop.url}/projects/{project['id']}", json=patch, headers=person.headers)
        assert_error(answer, 422, field)
    assert [p["title"] for p in client.get(f"{workshop.url}/projects", headers=workshop.facilitator).json()] == \
        ["ตั้งต้น"]


def test_a_renamed_workshop_is_held_to_the_same_limits(client: TestClient) -> None:
    workshop = create_workshop(client)
    assert_error(client.patch(workshop.url, json={"title": THAI * 501}, headers=workshop.facilitator), 422, "title")
    assert_error(client.patch(workshop.url, json={"description": THAI * 5001}, headers=workshop.facilitator),
                 422, "description")


def test_the_page_forms_refuse_too_long_text_beside_the_field(client: TestClient) -> None:
    answer = client.post("/new", data={"title": THAI * 501})
    assert answer.status_code == 422 and 'id="title-error"' in answer.text
    workshop = create_workshop(client, phase="propose")
    answer = client.post(f"/w/{workshop.code}/join", data={"name": THAI * 101})
    assert answer.status_code == 422 and 'id="name-error"' in answer.text
    person = join(client, workshop)
    client.cookies.set(cookie_name("participant", workshop.code), person.token)
    answer = client.post(f"/w/{workshop.code}/proposals", data={"title": THAI * 501})
    assert answer.status_code == 422 and "aria-invalid" in answer.text
    answer = client.post(f"/w/{workshop.code}/proposals",
                         data={"title": "t", "strategy_ids": [str(i) for i in range(1, 52)]})
    assert answer.status_code == 422
    assert client.get(f"{workshop.url}/projects", headers=workshop.facilitator).json() == []


def test_a_body_over_the_size_limit_is_refused_with_413(client_with: Any) -> None:
    small = client_with(max_body_bytes=2000)
    answer = small.post(f"{API}/workshops", json={"title": "t", "description": "x" * 3000})
    assert_error(answer, 413, "2000 bytes")


# --- rate limits ---


def assert_limited(answer: Any) -> int:
    """A 429 that says how long to wait, in the body and in Retry-After alike."""
    assert answer.status_code == 429, answer.text
    seconds = int(answer.headers["retry-after"])
    assert seconds >= 1
    if answer.headers["content-type"].startswith("application/json"):
        detail = answer.json()["detail"]
        assert detail == f"Too many requests; wait {seconds} seconds and try again."
    else:
        assert re.search(rf"\b{seconds}\b", answer.text), answer.text[:500]
    return seconds


def test_joining_is_limited_per_client_address(client_with: Any) -> None:
    # 4 a minute: a burst of 2, then one every 15 seconds.
    venue = client_with(rate_join_per_address=4)
    workshop = create_workshop(venue)
    for name in ("ก", "ข"):
        assert venue.post(f"{workshop.url}/participants", json={"name": name}).status_code == 201
    assert assert_limited(venue.post(f"{workshop.url}/participants", json={"name": "ค"})) <= 15
    # The page form is held to the same count, and says so in the reader's language.
    assert_limited(venue.post(f"/w/{workshop.code}/join", data={"name": "ง"}))
    # Another address is not affected.
    with TestClient(venue.app, client=("127.0.0.2", 40000)) as elsewhere:
        assert elsewhere.post(f"{workshop.url}/participants", json={"name": "จ"}).status_code == 201
    assert venue.get(workshop.url).json()["participant_count"] == 3


def test_proposing_is_limited_per_participant(client_with: Any) -> None:
    venue = client_with(rate_propose_per_participant=4)
    workshop = create_workshop(venue, phase="propose")
    eager, calm = join(venue, workshop, "Eager"), join(venue, workshop, "Calm")
    url = f"{workshop.url}/projects"
    for i in range(2):
        assert venue.post(url, json={"title": f"idea {i}", "client_request_id": f"r{i}"},
                          headers=eager.headers).status_code == 201
    assert_limited(venue.post(url, json={"title": "idea 2"}, headers=eager.headers))
    # A retry of a proposal already made is answered, not counted.
    retry = venue.post(url, json={"title": "idea 1", "client_request_id": "r1"}, headers=eager.headers)
    assert retry.status_code == 200
    # Someone else behind the same address is not slowed down by it.
    assert venue.post(url, json={"title": "calm idea"}, headers=calm.headers).status_code == 201
    # The facilitator is never limited.
    for i in range(5):
        assert venue.post(url, json={"title": f"seed {i}"}, headers=workshop.facilitator).status_code == 201


def test_proposing_is_limited_per_client_address(client_with: Any) -> None:
    venue = client_with(rate_propose_per_participant=0, rate_propose_per_address=4)
    workshop = create_workshop(venue, phase="propose")
    people = [join(venue, workshop, f"P{i}") for i in range(3)]
    url = f"{workshop.url}/projects"
    assert venue.post(url, json={"title": "one"}, headers=people[0].headers).status_code == 201
    assert venue.post(url, json={"title": "two"}, headers=people[1].headers).status_code == 201
    assert_limited(venue.post(url, json={"title": "three"}, headers=people[2].headers))
    with TestClient(venue.app, client=("127.0.0.3", 40000)) as elsewhere:
        assert elsewhere.post(url, json={"title": "three"}, headers=people[2].headers).status_code == 201


def test_voting_is_limited_per_participant_and_per_address(client_with: Any) -> None:
    venue = client_with(rate_vote_per_participant=4, rate_vote_per_address=8)
    workshop = create_workshop(venue, phase="propose", dots_per_participant=50, max_dots_per_project=50)
    project = propose(venue, workshop, workshop.facilitator, "โครงการ")["id"]
    people = [join(venue, workshop, f"P{i}") for i in range(5)]
    set_phase(venue, workshop, "vote")
    url = f"{workshop.url}/votes/{project}"
    assert [venue.put(url, json={"dots": d}, headers=people[0].headers).status_code for d in (1, 2)] == [200, 200]
    assert_limited(venue.put(url, json={"dots": 3}, headers=people[0].headers))
    # Per address: 8 a minute is a burst of 4 from this address, two of which are spent.
    assert [venue.put(url, json={"dots": 1}, headers=p.headers).status_code for p in people[1:3]] == [200, 200]
    assert_limited(venue.put(url, json={"dots": 1}, headers=people[3].headers))
    # What a limited request asked for did not happen.
    assert venue.get(f"{workshop.url}/votes/me", headers=people[0].headers).json()["used"] == 2
    assert venue.get(f"{workshop.url}/votes/me", headers=people[3].headers).json()["used"] == 0


def test_a_limited_tap_on_the_phone_says_so_in_a_toast(client_with: Any) -> None:
    venue = client_with(rate_vote_per_participant=2)
    workshop = create_workshop(venue, phase="propose", dots_per_participant=10, max_dots_per_project=10)
    project = propose(venue, workshop, workshop.facilitator, "โครงการ")["id"]
    person = join(venue, workshop)
    set_phase(venue, workshop, "vote")
    venue.cookies.set(cookie_name("participant", workshop.code), person.token)
    tap = f"/w/{workshop.code}/ballot/{project}"
    headers = {"HX-Request": "true", "Origin": "http://testserver"}
    assert venue.post(tap, data={"change": "1"}, headers=headers).status_code == 200
    answer = venue.post(tap, data={"change": "1"}, headers=headers)
    assert_limited(answer)
    assert answer.headers["hx-retarget"] == "#toast"
    assert venue.get(f"{workshop.url}/votes/me", headers=person.headers).json()["used"] == 1
