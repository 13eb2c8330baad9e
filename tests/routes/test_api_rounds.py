"""JSON API of voting rounds, scores and duplicate hints, with their error cases."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.routes.helpers import (
    RANKED_FIELDS,
    RESULTS_FIELDS,
    Person,
    Workshop,
    assert_error,
    has_fields,
    join,
    propose_many,
    set_phase,
    vote,
)

ROUND_FIELDS = {"number", "title", "mode", "current", "dots_per_participant", "max_dots_per_project",
                "per_strategy_budget", "criteria", "scope", "created_at", "results"}


@pytest.fixture
def voted(client: TestClient, workshop: Workshop) -> dict[str, Any]:
    """Round 1 voted on four projects: A 5 dots, B 3, C 1, D none; two participants."""
    set_phase(client, workshop, "propose")
    made = propose_many(client, workshop, ["A", "B", "C", "D"])
    somchai, malee = join(client, workshop, "Somchai"), join(client, workshop, "Malee")
    set_phase(client, workshop, "vote")
    for person, ballot in ((somchai, {"A": 3, "B": 2}), (malee, {"A": 2, "B": 1, "C": 1})):
        for title, dots in ballot.items():
            vote(client, workshop, person, made[title]["id"], dots)
    return {"ids": {t: p["id"] for t, p in made.items()}, "Somchai": somchai, "Malee": malee}


def start_round(client: TestClient, workshop: Workshop, **body: Any) -> dict[str, Any]:
    answer = client.post(f"{workshop.url}/rounds", json=body, headers=workshop.facilitator)
    assert answer.status_code == 201, answer.text
    return answer.json()


def put_scores(client: TestClient, workshop: Workshop, person: Person, project_id: int, **scores: Any) -> Any:
    return client.put(f"{workshop.url}/scores/{project_id}", json={"scores": scores}, headers=person.headers)


def test_the_facilitator_starts_a_scoring_round_on_the_top_two(client: TestClient, workshop: Workshop,
                                                               voted: dict[str, Any]) -> None:
    ids = voted["ids"]
    created = start_round(client, workshop, title="Short list", mode="scoring", scope={"top_n": 2, "from_round": 1})
    assert has_fields(created, ROUND_FIELDS)
    assert (created["number"], created["mode"], created["current"]) == (2, "scoring", True)
    assert created["scope"] == {"top_n": 2, "from_round": 1, "project_ids": [ids["A"], ids["B"]]}
    assert [c["key"] for c in created["criteria"]] == ["impact", "feasibility"]
    assert [r["title"] for r in created["results"]["ranking"]] == ["A", "B"]


def test_every_round_is_listed_with_its_own_results(client: TestClient, workshop: Workshop,
                                                    voted: dict[str, Any]) -> None:
    start_round(client, workshop, mode="scoring", criteria=[{"key": "impact", "name": "Impact", "weight": 2}],
                scope={"top_n": 3})
    put_scores(client, workshop, voted["Malee"], voted["ids"]["C"], impact=5)
    listed = client.get(f"{workshop.url}/rounds", headers=workshop.facilitator).json()
    assert [(r["number"], r["mode"], r["current"]) for r in listed] == [(1, "dots", False), (2, "scoring", True)]
    first, second = (r["results"] for r in listed)
    assert [(r["title"], r["dots"], r["voters"]) for r in first["ranking"][:3]] == [("A", 5, 2), ("B", 3, 2),
                                                                                    ("C", 1, 1)]
    assert [(r["title"], r["score"], r["scores"], r["scorers"]) for r in second["ranking"]] == [
        ("C", 5.0, {"impact": 5.0}, 1), ("A", None, {"impact": None}, 0), ("B", None, {"impact": None}, 0)]


def test_results_of_any_round_keep_every_field_of_the_contract(client: TestClient, workshop: Workshop,
                                                               voted: dict[str, Any]) -> None:
    start_round(client, workshop, mode="scoring", scope={"top_n": 2})
    put_scores(client, workshop, voted["Somchai"], voted["ids"]["B"], impact=4, feasibility=2)
    for query, mode in (("", "scoring"), ("?round=2", "scoring"), ("?round=1", "dots")):
        answer = client.get(f"{workshop.url}/results{query}", headers=workshop.facilitator).json()
        assert has_fields(answer, RESULTS_FIELDS) and answer["mode"] == mode
        assert all(has_fields(r, RANKED_FIELDS) for r in answer["ranking"])
    scored = client.get(f"{workshop.url}/results", headers=workshop.facilitator).json()["ranking"][0]
    assert (scored["title"], scored["score"], scored["scores"], scored["scorers"], scored["dots"],
            scored["voters"]) == ("B", 3.0, {"impact": 4.0, "feasibility": 2.0}, 1, 0, 1)
    assert_error(client.get(f"{workshop.url}/results?round=9", headers=workshop.facilitator), 404, "round 9")


def test_the_facilitator_switches_back_and_votes_go_to_the_earlier_round(
        client: TestClient, workshop: Workshop, voted: dict[str, Any]) -> None:
    start_round(client, workshop, dots_per_participant=2)
    answer = client.put(f"{workshop.url}/rounds/current", json={"number": 1}, headers=workshop.facilitator)
    assert answer.status_code == 200 and answer.json()["current"] and answer.json()["number"] == 1
    mine = client.get(f"{workshop.url}/votes/me", headers=voted["Somchai"].headers).json()
    assert mine["allocations"] == {str(voted["ids"]["A"]): 3, str(voted["ids"]["B"]): 2}
    earlier = client.get(f"{workshop.url}/votes/me?round=2", headers=voted["Somchai"].headers).json()
    assert (earlier["used"], earlier["remaining"]) == (0, 2)


def test_scores_are_set_per_criterion_and_read_back(client: TestClient, workshop: Workshop,
                                                    voted: dict[str, Any]) -> None:
    start_round(client, workshop, mode="scoring")
    a = voted["ids"]["A"]
    answer = put_scores(client, workshop, voted["Malee"], a, impact=5, feasibility=3)
    assert answer.status_code == 200 and answer.json() == {"project_id": a, "round": 2,
                                                           "scores": {"feasibility": 3, "impact": 5}}
    assert put_scores(client, workshop, voted["Malee"], a, feasibility=None).json()["scores"] == {"impact": 5}
    mine = client.get(f"{workshop.url}/scores/me", headers=voted["Malee"].headers).json()
    assert (mine["round"], mine["mode"], mine["scores"]) == (2, "scoring", {str(a): {"impact": 5}})
    assert client.get(f"{workshop.url}/scores/me?round=1", headers=voted["Malee"].headers).json()["scores"] == {}


def test_per_strategy_budgets_show_what_is_left_in_each(client: TestClient, workshop: Workshop) -> None:
    set_phase(client, workshop, "propose")
    s1 = workshop.strategy_ids[0]
    project = client.post(f"{workshop.url}/projects", headers=workshop.facilitator,
                          json={"title": "Tagged", "strategy_ids": [s1]}).json()
    person = join(client, workshop)
    set_phase(client, workshop, "vote")
    start_round(client, workshop, dots_per_participant=2, per_strategy_budget=True)
    answer = vote(client, workshop, person, project["id"], 2)
    assert answer["remaining_by_strategy"][str(s1)] == 0 and answer["remaining_by_strategy"]["none"] == 2
    assert_error(client.put(f"{workshop.url}/votes/{project['id']}", json={"dots": 3}, headers=person.headers),
                 409)


# --- error cases ---


def test_only_the_facilitator_starts_or_switches_rounds(client: TestClient, workshop: Workshop,
                                                        other_workshop: Workshop, voted: dict[str, Any]) -> None:
    for headers, status in ((None, 401), (other_workshop.facilitator, 401), (workshop.screen, 403),
                            (voted["Somchai"].headers, 403)):
        assert_error(client.post(f"{workshop.url}/rounds", json={}, headers=headers or {}), status)
        assert_error(client.put(f"{workshop.url}/rounds/current", json={"number": 1}, headers=headers or {}), status)
    assert len(client.get(f"{workshop.url}/rounds", headers=workshop.facilitator).json()) == 1


def test_who_may_list_rounds_and_see_their_results(client: TestClient, workshop: Workshop,
                                                   voted: dict[str, Any]) -> None:
    assert_error(client.get(f"{workshop.url}/rounds"), 401)
    # The rounds' results follow the one rule for tallies: while they are live, the screen and
    # the participants see them, as on their pages.
    listed = client.get(f"{workshop.url}/rounds", headers=voted["Somchai"].headers).json()
    assert listed[0]["results"] is not None and listed[0]["mode"] == "dots"
    assert client.get(f"{workshop.url}/rounds", headers=workshop.screen).json()[0]["results"] is not None
    # Hidden tallies: the rounds are listed, their results are the facilitator's alone until phase results.
    hidden = client.patch(workshop.url, json={"show_live_tallies": False}, headers=workshop.facilitator)
    assert hidden.status_code == 200, hidden.text
    for who in (voted["Somchai"].headers, workshop.screen):
        assert client.get(f"{workshop.url}/rounds", headers=who).json()[0]["results"] is None
    assert client.get(f"{workshop.url}/rounds", headers=workshop.facilitator).json()[0]["results"] is not None
    set_phase(client, workshop, "results")
    assert client.get(f"{workshop.url}/rounds", headers=voted["Somchai"].headers).json()[0]["results"] is not None


@pytest.mark.parametrize(("body", "words"), [
    ({"mode": "ranked"}, "mode"),
    ({"mode": "scoring", "dots_per_participant": 3}, "only to rounds of mode 'dots'"),
    ({"mode": "dots", "criteria": [{"key": "impact", "name": "Impact"}]}, "only to rounds of mode 'scoring'"),
    ({"mode": "scoring", "criteria": [{"key": "Impact", "name": "Impact"}]}, "criteria.0.key"),
    ({"mode": "scoring", "criteria": [{"key": "impact", "name": ""}]}, "criteria.0.name"),
    ({"mode": "scoring", "criteria": [{"key": "impact", "name": "I", "weight": -1}]}, "weight"),
    ({"scope": {"top_n": 0}}, "top_n"),
    ({"scope": {"top_n": 2, "from_round": 5}}, "no round 5"),
    ({"dots_per_participant": True}, "dots_per_participant"),
    ({"surprise": 1}, "surprise"),
])
def test_a_malformed_round_is_refused_with_422(client: TestClient, workshop: Workshop, voted: dict[str, Any],
                                               body: dict[str, Any], words: str) -> None:
    assert_error(client.post(f"{workshop.url}/rounds", json=body, headers=workshop.facilitator), 422, words)
    assert len(client.get(f"{workshop.url}/rounds", headers=workshop.facilitator).json()) == 1


def test_rounds_are_refused_in_a_closed_workshop_and_unknown_ones_are_not_found(
        client: TestClient, workshop: Workshop, voted: dict[str, Any]) -> None:
    assert_error(client.put(f"{workshop.url}/rounds/current", json={"number": 4}, headers=workshop.facilitator),
                 404, "round 4")
    assert_error(client.put(f"{workshop.url}/rounds/current", json={"number": "1"}, headers=workshop.facilitator),
                 422)
    set_phase(client, workshop, "closed")
    assert_error(client.post(f"{workshop.url}/rounds", json={}, headers=workshop.facilitator), 409, "closed")
    assert_error(client.put(f"{workshop.url}/rounds/current", json={"number": 1}, headers=workshop.facilitator),
                 409, "closed")
    assert_error(client.get("/api/v1/workshops/ZZZZZZ/rounds", headers=workshop.facilitator), 404)


def test_who_may_score(client: TestClient, workshop: Workshop, other_workshop: Workshop,
                       voted: dict[str, Any]) -> None:
    start_round(client, workshop, mode="scoring")
    a = voted["ids"]["A"]
    url = f"{workshop.url}/scores/{a}"
    assert_error(client.put(url, json={"scores": {"impact": 3}}), 401)
    assert_error(client.put(url, json={"scores": {"impact": 3}}, headers=other_workshop.facilitator), 401)
    assert_error(client.put(url, json={"scores": {"impact": 3}}, headers=workshop.facilitator), 403)
    assert_error(client.get(f"{workshop.url}/scores/me", headers=workshop.screen), 403)
    assert_error(client.get(f"{workshop.url}/scores/me"), 401)


def test_scores_outside_voting_or_in_a_dot_round_conflict(client: TestClient, workshop: Workshop,
                                                          voted: dict[str, Any]) -> None:
    a = voted["ids"]["A"]
    assert_error(put_scores(client, workshop, voted["Malee"], a, impact=3), 409, "takes dots")
    start_round(client, workshop, mode="scoring", scope={"top_n": 1})
    assert_error(put_scores(client, workshop, voted["Malee"], voted["ids"]["D"], impact=3), 409, "short list")
    set_phase(client, workshop, "results")
    assert_error(put_scores(client, workshop, voted["Malee"], a, impact=3), 409, "phase 'results'")


@pytest.mark.parametrize(("scores", "words"), [
    ({"impact": 6}, "less than or equal to 5"),
    ({"impact": 0}, "greater than or equal to 1"),
    ({"impact": "4"}, "valid integer"),
    ({"impact": 3.5}, "valid integer"),
    ({"usefulness": 3}, "no criterion 'usefulness'"),
    ({}, "at least 1"),
])
def test_bad_scores_are_refused_with_422_and_nothing_changes(client: TestClient, workshop: Workshop,
                                                             voted: dict[str, Any], scores: dict[str, Any],
                                                             words: str) -> None:
    start_round(client, workshop, mode="scoring")
    assert_error(put_scores(client, workshop, voted["Malee"], voted["ids"]["A"], **scores), 422, words)
    assert client.get(f"{workshop.url}/scores/me", headers=voted["Malee"].headers).json()["scores"] == {}


def test_scoring_an_unknown_project_is_not_found(client: TestClient, workshop: Workshop,
                                                 voted: dict[str, Any]) -> None:
    start_round(client, workshop, mode="scoring")
    assert_error(put_scores(client, workshop, voted["Malee"], 999_999, impact=3), 404, "999999")


# --- duplicate hints ---


def test_the_facilitator_gets_duplicate_hints_with_the_words_that_paired_them(
        client: TestClient, workshop: Workshop) -> None:
    set_phase(client, workshop, "propose")
    made = propose_many(client, workshop, ["ระบบเตือนภัยน้ำท่วมผ่าน SMS สำหรับพื้นที่เสี่ยง",
                                           "แจ้งเตือนอุทกภัยทาง SMS ถึงพื้นที่เสี่ยง",
                                           "ตลาดกลางแรงงานออนไลน์"])
    ids = [p["id"] for p in made.values()]
    (hint,) = client.get(f"{workshop.url}/duplicates", headers=workshop.facilitator).json()
    assert (hint["project_a"], hint["project_b"]) == (ids[0], ids[1])
    assert {"sms", "น้ำท่วม"} <= set(hint["shared_words"]) and 0 < hint["score"] <= 1
    assert client.get(f"{workshop.url}/duplicates?threshold=0.99", headers=workshop.facilitator).json() == []
    assert_error(client.get(f"{workshop.url}/duplicates?threshold=2", headers=workshop.facilitator), 422)
    assert_error(client.get(f"{workshop.url}/duplicates"), 401)
    assert_error(client.get(f"{workshop.url}/duplicates", headers=workshop.screen), 403)
