"""API stories of an organiser creating a workshop, moving its phases, and people joining it."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.routes.helpers import (
    API,
    CREATED_FIELDS,
    JOINED_FIELDS,
    PHASES,
    WORKSHOP_FIELDS,
    Workshop,
    assert_error,
    bearer,
    create_workshop,
    has_fields,
    join,
    read_workshop,
    set_phase,
)

THAI = re.compile(r"[\u0e00-\u0e7f]")
CODE = re.compile(r"^[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{5,8}$")

# --- creating ---


def test_creating_a_workshop_answers_201_with_its_keys_and_links(client: TestClient) -> None:
    response = client.post(f"{API}/workshops", json={"title": "แผนงานดิจิทัล 2569"})

    assert response.status_code == 201
    answer = response.json()
    assert has_fields(answer, CREATED_FIELDS)
    assert answer["title"] == "แผนงานดิจิทัล 2569"
    assert answer["phase"] == "setup"
    # >= 128 bits of randomness: at least 22 URL-safe base64 characters.
    assert len(answer["facilitator_key"]) >= 22 and len(answer["screen_key"]) >= 22
    assert answer["facilitator_key"] != answer["screen_key"]
    assert answer["join_url"] == f"http://testserver/j/{answer['code']}"
    assert answer["facilitator_key"] in answer["facilitator_url"]
    assert answer["screen_key"] in answer["screen_url"]


def test_a_new_workshop_maps_onto_the_thai_national_strategy_by_default(client: TestClient) -> None:
    workshop = create_workshop(client)

    info = workshop.info
    assert has_fields(info, WORKSHOP_FIELDS)
    assert not [f for f in info if "key" in f or "hash" in f]  # anyone with the code reads this
    assert info["code"] == workshop.code
    assert info["language"] == "th"
    assert info["phase"] == "setup"
    assert info["description"] == ""
    assert (info["dots_per_participant"], info["max_dots_per_project"]) == (5, 3)
    assert info["participant_count"] == 0
    assert info["agencies"] == []
    assert [s["code"] for s in info["strategies"]] == [f"S{i}" for i in range(1, 7)]
    assert [r["code"] for r in info["reform_areas"]] == [f"R{i}" for i in range(1, 12)]
    for tag in info["strategies"] + info["reform_areas"]:
        assert set(tag) == {"id", "code", "name", "parent_id"} and tag["parent_id"] is None
        assert THAI.search(tag["name"]), tag
    assert info["strategies"][0]["name"] == "ด้านความมั่นคง"


@pytest.mark.parametrize(("language", "first_strategy", "first_area"), [
    ("th", "ด้านความมั่นคง", "การเมือง"),
    ("en", "Security", "Politics"),
])
def test_names_are_given_in_the_workshops_language(client: TestClient, language: str, first_strategy: str,
                                                   first_area: str) -> None:
    info = create_workshop(client, language=language).info

    assert info["language"] == language
    assert info["strategies"][0]["name"] == first_strategy
    assert info["reform_areas"][0]["name"] == first_area
    if language == "en":
        assert not any(THAI.search(t["name"]) for t in info["strategies"] + info["reform_areas"])


def test_an_organiser_can_bring_their_own_framework_and_agencies(client: TestClient) -> None:
    framework = {
        "strategies": [{"code": "D1", "name": "Digital infrastructure"}, {"code": "D2", "name": "Digital skills"}],
        "reform_areas": [{"code": "X", "name": "Open data"}],
    }
    workshop = create_workshop(client, language="en", framework=framework,
                               agencies=["NSO", "depa", "ETDA"], dots_per_participant=7,
                               max_dots_per_project=2, description="Annual plan")

    info = workshop.info
    assert [(s["code"], s["name"]) for s in info["strategies"]] == [("D1", "Digital infrastructure"),
                                                                   ("D2", "Digital skills")]
    assert [(r["code"], r["name"]) for r in info["reform_areas"]] == [("X", "Open data")]
    assert [a["name"] for a in info["agencies"]] == ["NSO", "depa", "ETDA"]
    assert all(set(a) == {"id", "name"} and isinstance(a["id"], int) for a in info["agencies"])
    assert (info["dots_per_participant"], info["max_dots_per_project"]) == (7, 2)
    assert info["description"] == "Annual plan"


def test_join_codes_are_5_to_8_characters_without_look_alikes(client: TestClient) -> None:
    codes = {create_workshop(client, title=f"Workshop {i}").code for i in range(15)}

    assert len(codes) == 15
    for code in codes:
        assert CODE.match(code), code
        assert not set(code) & set("0O1IL")


@pytest.mark.parametrize("spelling", [str.lower, str.upper, lambda c: c[:3].lower() + c[3:]],
                         ids=["lower", "upper", "mixed"])
def test_a_join_code_is_found_whatever_its_case(client: TestClient, workshop: Workshop,
                                                spelling: Callable[[str], str]) -> None:
    response = client.get(f"{API}/workshops/{spelling(workshop.code)}")

    assert response.status_code == 200
    assert response.json()["code"] == workshop.code


def test_a_participant_can_join_with_a_lowercase_code(client: TestClient, workshop: Workshop) -> None:
    response = client.post(f"{API}/workshops/{workshop.code.lower()}/participants", json={"name": "Nok"})

    assert response.status_code == 201
    assert read_workshop(client, workshop)["participant_count"] == 1


@pytest.mark.parametrize("code", ["ZZZZZZ", "ABC", "O0O0O0", "ABCDEFGHJK", "22222222"])
def test_an_unknown_join_code_is_404(client: TestClient, workshop: Workshop, code: str) -> None:
    assert_error(client.get(f"{API}/workshops/{code}"), 404)


@pytest.mark.parametrize(("link", "page"), [("facilitator_url", "facilitate"), ("screen_url", "screen")])
def test_the_secret_links_open_with_a_plain_get(client_with: Callable[..., TestClient], link: str,
                                                page: str) -> None:
    organiser = client_with()
    created = create_workshop(organiser).created
    browser = client_with()  # no cookies, no headers: a projector's browser opening the link

    first = browser.get(created[link], follow_redirects=False)

    assert first.status_code == 303
    assert first.headers["location"] == f"/w/{created['code']}/{page}"
    second = browser.get(first.headers["location"])
    assert second.status_code == 200
    assert second.headers["content-type"].startswith("text/html")
    assert created["title"] in second.text


def test_the_join_url_opens_with_a_plain_get(client: TestClient, workshop: Workshop) -> None:
    response = client.get(workshop.created["join_url"])

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")


@pytest.mark.parametrize(("link", "role"), [("facilitator_url", "facilitator"), ("screen_url", "screen")])
def test_a_secret_link_with_a_wrong_key_opens_nothing(client: TestClient, workshop: Workshop, link: str,
                                                      role: str) -> None:
    url = workshop.created[link].replace(workshop.created[f"{role}_key"], "not-the-key")

    response = client.get(url, follow_redirects=False)

    assert response.status_code == 401


@pytest.mark.parametrize(("body", "problem"), [
    ({"title": ""}, "empty title"),
    ({"title": "   "}, "blank title"),
    ({"title": "x" * 501}, "title of 501 characters"),
    ({}, "no title"),
    ({"title": None}, "null title"),
    ({"title": 42}, "number as title"),
    ({"title": "T", "framework": "th-national-2099"}, "unknown framework preset"),
    ({"title": "T", "framework": {"strategies": []}}, "framework without strategies"),
    ({"title": "T", "framework": {"reform_areas": [{"code": "R", "name": "R"}]}}, "framework missing strategies"),
    ({"title": "T", "framework": {"strategies": [{"code": "S", "name": "A"}, {"code": "s", "name": "B"}]}},
     "framework with a repeated code"),
    ({"title": "T", "framework": {"strategies": [{"code": "", "name": "A"}]}}, "framework entry without code"),
    ({"title": "T", "framework": 7}, "framework of the wrong type"),
    ({"title": "T", "language": "fr"}, "unsupported language"),
    ({"title": "T", "dots_per_participant": 0}, "zero dots"),
    ({"title": "T", "dots_per_participant": -1}, "negative dots"),
    ({"title": "T", "max_dots_per_project": 0}, "zero cap"),
    ({"title": "T", "max_dots_per_project": -3}, "negative cap"),
    ({"title": "T", "dots_per_participant": "5"}, "dots as a string"),
    ({"title": "T", "dots_per_participant": 2.5}, "fractional dots"),
    ({"title": "T", "max_dots_per_project": True}, "cap as a boolean"),
    ({"title": "T", "show_live_tallies": "yes"}, "tallies flag as a string"),
    ({"title": "T", "agencies": "NSO"}, "agencies as a string"),
    ({"title": "T", "agencies": [""]}, "an empty agency name"),
    ({"title": "T", "description": ["a"]}, "description as a list"),
    ({"title": "T", "description": "x" * 5001}, "description of 5001 characters"),
])
def test_an_invalid_workshop_is_refused_with_422(client: TestClient, body: dict[str, Any], problem: str) -> None:
    assert_error(client.post(f"{API}/workshops", json=body), 422)


def test_a_body_that_is_not_json_is_refused_with_422(client: TestClient) -> None:
    response = client.post(f"{API}/workshops", content=b"title=x",
                           headers={"Content-Type": "application/json"})

    assert_error(response, 422)


def test_a_title_of_200_characters_is_accepted(client: TestClient) -> None:
    response = client.post(f"{API}/workshops", json={"title": "ก" * 200})

    assert response.status_code == 201
    assert response.json()["title"] == "ก" * 200


@pytest.mark.parametrize("sent", ["with its length", "in chunks without a length"])
def test_a_workshop_body_over_one_megabyte_is_refused_with_413(client: TestClient, sent: str) -> None:
    body = json.dumps({"title": "Big", "description": "x" * 1_100_000}).encode()
    content = body if sent == "with its length" else iter([body[i:i + 65536] for i in range(0, len(body), 65536)])

    response = client.post(f"{API}/workshops", content=content, headers={"Content-Type": "application/json"})

    assert_error(response, 413, "1000000")


@pytest.mark.parametrize(("headers", "status"), [
    ({}, 403),
    ({"X-Organiser-Password": "guess"}, 403),
    ({"X-Organiser-Password": ""}, 403),
    ({"X-Organiser-Password": "s3cret-organiser"}, 201),
])
def test_a_server_with_an_organiser_password_asks_for_it(client_with: Callable[..., TestClient],
                                                         headers: dict[str, str], status: int) -> None:
    client = client_with(organiser_password="s3cret-organiser")

    response = client.post(f"{API}/workshops", json={"title": "Public host"}, headers=headers)

    assert response.status_code == status
    if status == 403:
        assert_error(response, 403, "organiser password")


# --- phases ---


@pytest.mark.parametrize("start", PHASES)
@pytest.mark.parametrize("goal", PHASES)
def test_the_facilitator_may_move_between_any_two_phases(client: TestClient, workshop: Workshop, start: str,
                                                         goal: str) -> None:
    set_phase(client, workshop, start)

    response = client.put(f"{workshop.url}/phase", json={"phase": goal}, headers=workshop.facilitator)

    assert response.status_code == 200
    assert has_fields(response.json(), WORKSHOP_FIELDS)
    assert response.json()["phase"] == goal
    assert read_workshop(client, workshop)["phase"] == goal


@pytest.mark.parametrize("body", [{"phase": "voting"}, {"phase": ""}, {}, {"phase": 2}])
def test_an_unknown_phase_is_refused_with_422(client: TestClient, workshop: Workshop, body: dict[str, Any]) -> None:
    assert_error(client.put(f"{workshop.url}/phase", json=body, headers=workshop.facilitator), 422)
    assert read_workshop(client, workshop)["phase"] == "setup"


@pytest.mark.parametrize(("who", "status"), [
    ("nobody", 401), ("unknown key", 401), ("other workshop's facilitator", 401),
    ("screen", 403), ("participant", 403),
])
def test_only_the_facilitator_may_change_the_phase(client: TestClient, workshop: Workshop,
                                                   other_workshop: Workshop, who: str, status: int) -> None:
    headers = {
        "nobody": {},
        "unknown key": bearer("x" * 43),
        "other workshop's facilitator": other_workshop.facilitator,
        "screen": workshop.screen,
        "participant": join(client, workshop).headers,
    }[who]

    assert_error(client.put(f"{workshop.url}/phase", json={"phase": "vote"}, headers=headers), status)
    assert read_workshop(client, workshop)["phase"] == "setup"


def test_changing_the_phase_of_an_unknown_workshop_is_404(client: TestClient, workshop: Workshop) -> None:
    response = client.put(f"{API}/workshops/ZZZZZZ/phase", json={"phase": "vote"}, headers=workshop.facilitator)

    assert_error(response, 404)


# --- joining ---


def test_a_participant_joins_with_a_name_and_gets_a_token(client: TestClient, workshop: Workshop) -> None:
    response = client.post(f"{workshop.url}/participants", json={"name": "สมหญิง", "agency": "สสช."})

    assert response.status_code == 201
    answer = response.json()
    assert set(answer) >= JOINED_FIELDS
    assert isinstance(answer["participant_id"], int)
    assert len(answer["participant_token"]) >= 22
    assert read_workshop(client, workshop)["participant_count"] == 1


def test_two_participants_get_different_tokens(client: TestClient, workshop: Workshop) -> None:
    first, second = join(client, workshop, "A"), join(client, workshop, "B")

    assert first.id != second.id
    assert first.token != second.token
    assert read_workshop(client, workshop)["participant_count"] == 2


@pytest.mark.parametrize("phase", ["setup", "propose", "vote", "results"])
def test_participants_can_join_in_any_phase_but_closed(client: TestClient, workshop: Workshop, phase: str) -> None:
    set_phase(client, workshop, phase)

    response = client.post(f"{workshop.url}/participants", json={"name": "Late comer"})

    assert response.status_code == 201


def test_nobody_can_join_a_closed_workshop(client: TestClient, workshop: Workshop) -> None:
    set_phase(client, workshop, "closed")

    response = client.post(f"{workshop.url}/participants", json={"name": "Too late"})

    assert_error(response, 409, "closed")
    assert read_workshop(client, workshop)["participant_count"] == 0


@pytest.mark.parametrize(("body", "status"), [
    ({"name": "น" * 100}, 201),
    ({"name": "น" * 101}, 422),
    ({"name": ""}, 422),
    ({"name": "  \t "}, 422),
    ({}, 422),
    ({"name": None}, 422),
    ({"name": ["Nok"]}, 422),
    ({"name": "Nok", "agency": 3}, 422),
])
def test_a_participant_name_must_be_1_to_100_characters(client: TestClient, workshop: Workshop,
                                                        body: dict[str, Any], status: int) -> None:
    response = client.post(f"{workshop.url}/participants", json=body)

    assert response.status_code == status, response.text
    if status == 422:
        assert_error(response, 422)
        assert read_workshop(client, workshop)["participant_count"] == 0


def test_joining_an_unknown_workshop_is_404(client: TestClient) -> None:
    assert_error(client.post(f"{API}/workshops/ZZZZZZ/participants", json={"name": "Nok"}), 404)
