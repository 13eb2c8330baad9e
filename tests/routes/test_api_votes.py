"""API stories of a participant spending dots: set, not add; within the cap and the budget."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.routes.helpers import (
    MY_VOTES_FIELDS,
    VOTE_FIELDS,
    Person,
    Workshop,
    assert_error,
    create_workshop,
    join,
    my_votes,
    propose_many,
    put_dots,
    results,
    set_phase,
    vote,
)


@pytest.fixture
def voting(client: TestClient) -> Workshop:
    """Budget 5, cap 3, three projects, in phase vote."""
    workshop = create_workshop(client, phase="propose", dots_per_participant=5, max_dots_per_project=3)
    propose_many(client, workshop, ["Alpha", "Bravo", "Charlie"])
    set_phase(client, workshop, "vote")
    return workshop


@pytest.fixture
def nok(client: TestClient, voting: Workshop) -> Person:
    return join(client, voting, "Nok")


def pid(workshop: Workshop, title: str) -> int:
    return workshop.projects[title]["id"]


def snapshot(client: TestClient, workshop: Workshop, person: Person) -> tuple[Any, Any]:
    return my_votes(client, workshop, person), results(client, workshop)


def test_a_participant_puts_dots_on_a_project(client: TestClient, voting: Workshop, nok: Person) -> None:
    response = put_dots(client, voting, nok, pid(voting, "Alpha"), 2)

    assert response.status_code == 200
    answer = response.json()
    assert set(answer) >= VOTE_FIELDS
    assert answer == {"project_id": pid(voting, "Alpha"), "dots": 2, "used": 2, "remaining": 3}
    mine = my_votes(client, voting, nok)
    assert set(mine) >= MY_VOTES_FIELDS
    assert mine == {"used": 2, "remaining": 3, "allocations": {str(pid(voting, "Alpha")): 2}}


def test_putting_dots_sets_them_rather_than_adding(client: TestClient, voting: Workshop, nok: Person) -> None:
    alpha = pid(voting, "Alpha")
    vote(client, voting, nok, alpha, 3)

    answer = vote(client, voting, nok, alpha, 1)

    assert answer == {"project_id": alpha, "dots": 1, "used": 1, "remaining": 4}
    assert my_votes(client, voting, nok)["allocations"] == {str(alpha): 1}


def test_repeating_the_same_vote_changes_nothing(client: TestClient, voting: Workshop, nok: Person) -> None:
    alpha = pid(voting, "Alpha")

    answers = [vote(client, voting, nok, alpha, 2) for _ in range(3)]

    assert answers == [{"project_id": alpha, "dots": 2, "used": 2, "remaining": 3}] * 3
    assert my_votes(client, voting, nok)["used"] == 2
    assert results(client, voting)["ranking"][0]["dots"] == 2


def test_zero_dots_take_a_project_out_of_my_allocations(client: TestClient, voting: Workshop, nok: Person) -> None:
    alpha, bravo = pid(voting, "Alpha"), pid(voting, "Bravo")
    vote(client, voting, nok, alpha, 2)
    vote(client, voting, nok, bravo, 1)

    answer = vote(client, voting, nok, alpha, 0)

    assert answer == {"project_id": alpha, "dots": 0, "used": 1, "remaining": 4}
    assert my_votes(client, voting, nok) == {"used": 1, "remaining": 4, "allocations": {str(bravo): 1}}
    ranking = {r["project_id"]: (r["dots"], r["voters"]) for r in results(client, voting)["ranking"]}
    assert ranking[alpha] == (0, 0)


def test_zero_dots_on_a_project_never_voted_for_is_fine(client: TestClient, voting: Workshop, nok: Person) -> None:
    answer = vote(client, voting, nok, pid(voting, "Alpha"), 0)

    assert (answer["used"], answer["remaining"]) == (0, 5)
    assert my_votes(client, voting, nok) == {"used": 0, "remaining": 5, "allocations": {}}


def test_a_participant_cannot_put_more_than_the_cap_on_one_project(client: TestClient, voting: Workshop,
                                                                   nok: Person) -> None:
    alpha = pid(voting, "Alpha")
    vote(client, voting, nok, alpha, 2)
    before = snapshot(client, voting, nok)

    response = put_dots(client, voting, nok, alpha, 4)

    assert_error(response, 409, "3")
    assert snapshot(client, voting, nok) == before


def test_a_participant_cannot_spend_more_dots_than_the_budget(client: TestClient, voting: Workshop,
                                                              nok: Person) -> None:
    vote(client, voting, nok, pid(voting, "Alpha"), 3)
    vote(client, voting, nok, pid(voting, "Bravo"), 1)
    before = snapshot(client, voting, nok)

    response = put_dots(client, voting, nok, pid(voting, "Charlie"), 2)

    assert_error(response, 409, "1 left")
    assert snapshot(client, voting, nok) == before


def test_moving_dots_between_projects_frees_the_budget(client: TestClient, voting: Workshop, nok: Person) -> None:
    vote(client, voting, nok, pid(voting, "Alpha"), 3)
    vote(client, voting, nok, pid(voting, "Bravo"), 2)
    assert put_dots(client, voting, nok, pid(voting, "Charlie"), 1).status_code == 409

    vote(client, voting, nok, pid(voting, "Alpha"), 2)
    answer = vote(client, voting, nok, pid(voting, "Charlie"), 1)

    assert (answer["used"], answer["remaining"]) == (5, 0)


def test_each_participant_has_their_own_budget(client: TestClient, voting: Workshop, nok: Person) -> None:
    dao = join(client, voting, "Dao")
    vote(client, voting, nok, pid(voting, "Alpha"), 3)
    vote(client, voting, nok, pid(voting, "Bravo"), 2)

    answer = vote(client, voting, dao, pid(voting, "Alpha"), 3)

    assert (answer["used"], answer["remaining"]) == (3, 2)
    top = results(client, voting)["ranking"][0]
    assert (top["project_id"], top["dots"], top["voters"]) == (pid(voting, "Alpha"), 6, 2)


@pytest.mark.parametrize(("body", "problem"), [
    ({"dots": -1}, "negative"),
    ({"dots": 1.5}, "fraction"),
    ({"dots": 2.0}, "float"),
    ({"dots": "2"}, "string"),
    ({"dots": True}, "boolean"),
    ({"dots": None}, "null"),
    ({"dots": [1]}, "list"),
    ({}, "missing"),
])
def test_dots_must_be_a_whole_number_of_zero_or_more(client: TestClient, voting: Workshop, nok: Person,
                                                     body: dict[str, Any], problem: str) -> None:
    vote(client, voting, nok, pid(voting, "Alpha"), 1)
    before = snapshot(client, voting, nok)

    response = client.put(f"{voting.url}/votes/{pid(voting, 'Alpha')}", json=body, headers=nok.headers)

    assert_error(response, 422, "dots")
    assert snapshot(client, voting, nok) == before


@pytest.mark.parametrize("removed", ["hidden", "merged away", "unknown", "too large for the database",
                                     "another workshop's"])
def test_no_dots_on_a_project_that_is_not_in_this_workshop(client: TestClient, voting: Workshop, nok: Person,
                                                           other_workshop: Workshop, removed: str) -> None:
    alpha, bravo = pid(voting, "Alpha"), pid(voting, "Bravo")
    if removed == "hidden":
        target = alpha
        assert client.delete(f"{voting.url}/projects/{alpha}", headers=voting.facilitator).status_code == 204
    elif removed == "merged away":
        target = alpha
        response = client.post(f"{voting.url}/projects/{alpha}/merge", json={"into": bravo},
                               headers=voting.facilitator)
        assert response.status_code == 200
    elif removed == "unknown":
        target = 424_242
    elif removed == "too large for the database":
        target = 2**64
    else:
        set_phase(client, other_workshop, "propose")
        target = propose_many(client, other_workshop, ["Theirs"])["Theirs"]["id"]

    response = put_dots(client, voting, nok, target, 1)

    assert_error(response, 404, str(target))
    assert my_votes(client, voting, nok) == {"used": 0, "remaining": 5, "allocations": {}}


@pytest.mark.parametrize("phase", ["setup", "propose", "results", "closed"])
def test_dots_can_be_changed_only_while_voting(client: TestClient, voting: Workshop, nok: Person, phase: str) -> None:
    vote(client, voting, nok, pid(voting, "Alpha"), 2)
    set_phase(client, voting, phase)

    response = put_dots(client, voting, nok, pid(voting, "Alpha"), 3)

    assert_error(response, 409, f"'{phase}'", "vote")
    assert my_votes(client, voting, nok)["allocations"] == {str(pid(voting, "Alpha")): 2}


def test_reopening_the_vote_lets_participants_change_their_dots_again(client: TestClient, voting: Workshop,
                                                                      nok: Person) -> None:
    vote(client, voting, nok, pid(voting, "Alpha"), 2)
    set_phase(client, voting, "results")
    set_phase(client, voting, "vote")

    answer = vote(client, voting, nok, pid(voting, "Alpha"), 3)

    assert answer["used"] == 3


def test_my_votes_can_be_read_in_any_phase(client: TestClient, voting: Workshop, nok: Person) -> None:
    vote(client, voting, nok, pid(voting, "Bravo"), 2)

    for phase in ["results", "closed", "setup"]:
        set_phase(client, voting, phase)
        assert my_votes(client, voting, nok) == {"used": 2, "remaining": 3,
                                                 "allocations": {str(pid(voting, "Bravo")): 2}}


def test_votes_of_an_unknown_workshop_are_404(client: TestClient, voting: Workshop, nok: Person) -> None:
    assert_error(client.put("/api/v1/workshops/ZZZZZZ/votes/1", json={"dots": 1}, headers=nok.headers), 404)
    assert_error(client.get("/api/v1/workshops/ZZZZZZ/votes/me", headers=nok.headers), 404)
