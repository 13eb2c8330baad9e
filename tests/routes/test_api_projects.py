"""API stories of proposing, editing, merging and hiding projects."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.routes.helpers import (
    API,
    PROJECT_FIELDS,
    Person,
    Workshop,
    assert_error,
    create_workshop,
    has_fields,
    join,
    list_projects,
    my_votes,
    propose,
    propose_many,
    results,
    set_phase,
    vote,
)


@pytest.fixture
def proposing(client: TestClient, workshop: Workshop) -> Workshop:
    set_phase(client, workshop, "propose")
    return workshop


@pytest.fixture
def somchai(client: TestClient, workshop: Workshop) -> Person:
    return join(client, workshop, "สมชาย", agency="สำนักงานสถิติแห่งชาติ")


@pytest.fixture
def malee(client: TestClient, workshop: Workshop) -> Person:
    return join(client, workshop, "มาลี")


def projects_url(workshop: Workshop, *parts: object) -> str:
    return "/".join([f"{workshop.url}/projects", *map(str, parts)])


def titles(client: TestClient, workshop: Workshop) -> list[str]:
    return [p["title"] for p in list_projects(client, workshop)]


# --- proposing ---


def test_a_participant_proposes_a_project_tagged_to_strategies_and_reform_areas(
        client: TestClient, proposing: Workshop, somchai: Person) -> None:
    s1, s3 = proposing.strategy_ids[0], proposing.strategy_ids[2]
    r8 = proposing.reform_area_ids[7]

    response = client.post(projects_url(proposing), headers=somchai.headers, json={
        "title": "ศูนย์ข้อมูลสถิติจังหวัด", "description": "รวมข้อมูล\nทุกจังหวัด",
        "strategy_ids": [s3, s1], "reform_area_ids": [r8],
    })

    assert response.status_code == 201
    project = response.json()
    assert has_fields(project, PROJECT_FIELDS)
    assert project["title"] == "ศูนย์ข้อมูลสถิติจังหวัด"
    assert project["description"] == "รวมข้อมูล\nทุกจังหวัด"
    assert sorted(project["strategy_ids"]) == sorted([s1, s3])
    assert project["reform_area_ids"] == [r8]
    assert project["proposer_id"] == somchai.id
    assert project["agency"] == "สำนักงานสถิติแห่งชาติ"  # the proposer's own, when none is given
    assert isinstance(project["created_at"], str)
    assert list_projects(client, proposing) == [project]


def test_the_facilitator_proposes_without_being_a_participant(client: TestClient, proposing: Workshop) -> None:
    project = propose(client, proposing, proposing.facilitator, "Open data portal", agency="EGA")

    assert project["proposer_id"] is None
    assert project["agency"] == "EGA"


@pytest.mark.parametrize("who", ["participant", "facilitator", "screen"])
def test_participants_facilitator_and_screen_can_list_projects(client: TestClient, proposing: Workshop,
                                                                somchai: Person, who: str) -> None:
    mine = propose(client, proposing, somchai.headers, "A")
    theirs = propose(client, proposing, proposing.facilitator, "B")
    headers = {"participant": somchai.headers, "facilitator": proposing.facilitator,
               "screen": proposing.screen}[who]

    response = client.get(projects_url(proposing), headers=headers)

    assert response.status_code == 200
    assert response.json() == [mine, theirs]
    assert all(has_fields(p, PROJECT_FIELDS) for p in response.json())


@pytest.mark.parametrize("phase", ["setup", "vote", "results"])
def test_a_participant_can_propose_only_in_the_propose_phase(client: TestClient, workshop: Workshop,
                                                             somchai: Person, phase: str) -> None:
    set_phase(client, workshop, phase)

    response = client.post(projects_url(workshop), json={"title": "Too early or late"}, headers=somchai.headers)

    assert_error(response, 409, f"'{phase}'", "propose")
    assert list_projects(client, workshop) == []


@pytest.mark.parametrize("who", ["participant", "facilitator"])
def test_nobody_proposes_in_a_closed_workshop(client: TestClient, workshop: Workshop, somchai: Person,
                                              who: str) -> None:
    set_phase(client, workshop, "closed")
    headers = somchai.headers if who == "participant" else workshop.facilitator

    response = client.post(projects_url(workshop), json={"title": "After closing"}, headers=headers)

    assert_error(response, 409, "closed")
    assert list_projects(client, workshop) == []


@pytest.mark.parametrize("phase", ["setup", "propose", "vote", "results"])
def test_the_facilitator_may_add_a_project_in_any_phase_but_closed(client: TestClient, workshop: Workshop,
                                                                   phase: str) -> None:
    set_phase(client, workshop, phase)

    response = client.post(projects_url(workshop), json={"title": "Added by the facilitator"},
                           headers=workshop.facilitator)

    assert response.status_code == 201
    assert titles(client, workshop) == ["Added by the facilitator"]


@pytest.mark.parametrize(("field", "length", "status"), [
    ("title", 500, 201),
    ("title", 501, 422),
    ("description", 5000, 201),
    ("description", 5001, 422),
])
def test_text_limits_of_a_project(client: TestClient, proposing: Workshop, somchai: Person, field: str,
                                  length: int, status: int) -> None:
    body = {"title": "Limits", field: "ข" * length}

    response = client.post(projects_url(proposing), json=body, headers=somchai.headers)

    assert response.status_code == status, response.text
    if status == 201:
        assert response.json()[field] == "ข" * length
    else:
        assert_error(response, 422, field)
        assert list_projects(client, proposing) == []


@pytest.mark.parametrize(("body", "problem"), [
    ({"title": ""}, "empty title"),
    ({"title": " \n "}, "blank title"),
    ({}, "no title"),
    ({"title": None}, "null title"),
    ({"title": "T", "strategy_ids": "1"}, "ids as a string"),
    ({"title": "T", "strategy_ids": ["1"]}, "an id as a string"),
    ({"title": "T", "strategy_ids": [True]}, "an id as a boolean"),
    ({"title": "T", "reform_area_ids": [0]}, "id zero"),
    ({"title": "T", "reform_area_ids": [-4]}, "negative id"),
    ({"title": "T", "client_request_id": ""}, "empty client_request_id"),
    ({"title": "T", "client_request_id": "r" * 101}, "client_request_id too long"),
])
def test_a_malformed_proposal_is_refused_with_422(client: TestClient, proposing: Workshop, somchai: Person,
                                                  body: dict[str, Any], problem: str) -> None:
    assert_error(client.post(projects_url(proposing), json=body, headers=somchai.headers), 422)
    assert list_projects(client, proposing) == []


@pytest.mark.parametrize("kind", ["strategy", "reform_area"])
@pytest.mark.parametrize("whose", ["unknown", "another workshop's"])
def test_tags_must_be_ids_of_this_workshops_framework(client: TestClient, proposing: Workshop,
                                                      other_workshop: Workshop, somchai: Person, kind: str,
                                                      whose: str) -> None:
    source = other_workshop if whose == "another workshop's" else None
    tag_id = getattr(source, f"{kind}_ids")[0] if source else 999_999

    response = client.post(projects_url(proposing), headers=somchai.headers,
                           json={"title": "Mis-tagged", f"{kind}_ids": [tag_id]})

    assert_error(response, 422, str(tag_id))
    assert list_projects(client, proposing) == []


@pytest.mark.parametrize(("strategies", "areas", "status"), [
    (40, 10, 201),
    (41, 10, 422),
    (51, 0, 422),
    (0, 51, 422),
])
def test_a_project_has_at_most_50_tags(client: TestClient, strategies: int, areas: int, status: int) -> None:
    framework = {"strategies": [{"code": f"S{i}", "name": f"Strategy {i}"} for i in range(60)],
                 "reform_areas": [{"code": f"R{i}", "name": f"Area {i}"} for i in range(60)]}
    workshop = create_workshop(client, framework=framework, phase="propose")

    response = client.post(projects_url(workshop), headers=workshop.facilitator, json={
        "title": "Everything at once",
        "strategy_ids": workshop.strategy_ids[:strategies],
        "reform_area_ids": workshop.reform_area_ids[:areas],
    })

    assert response.status_code == status, response.text
    if status == 201:
        assert len(response.json()["strategy_ids"]) + len(response.json()["reform_area_ids"]) == 50
    else:
        assert_error(response, 422, "50")
        assert list_projects(client, workshop) == []


# --- retries ---


def test_a_retried_proposal_with_the_same_client_request_id_makes_no_duplicate(
        client: TestClient, proposing: Workshop, somchai: Person) -> None:
    body = {"title": "Wi-Fi in every school", "client_request_id": "phone-42-1"}

    first = client.post(projects_url(proposing), json=body, headers=somchai.headers)
    again = client.post(projects_url(proposing), json=body, headers=somchai.headers)

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert titles(client, proposing) == ["Wi-Fi in every school"]


def test_a_retry_answers_with_the_first_project_even_if_its_body_changed(
        client: TestClient, proposing: Workshop, somchai: Person) -> None:
    first = client.post(projects_url(proposing), json={"title": "First", "client_request_id": "r1"},
                        headers=somchai.headers)
    again = client.post(projects_url(proposing), json={"title": "Second", "client_request_id": "r1"},
                        headers=somchai.headers)

    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert titles(client, proposing) == ["First"]


def test_the_same_client_request_id_from_two_participants_makes_two_projects(
        client: TestClient, proposing: Workshop, somchai: Person, malee: Person) -> None:
    body = {"title": "Same idea", "client_request_id": "1"}

    first = client.post(projects_url(proposing), json=body, headers=somchai.headers)
    second = client.post(projects_url(proposing), json=body, headers=malee.headers)

    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json()["id"] != second.json()["id"]
    assert len(list_projects(client, proposing)) == 2


# --- editing ---


def test_a_proposer_edits_their_own_project_while_proposing(client: TestClient, proposing: Workshop,
                                                            somchai: Person) -> None:
    project = propose(client, proposing, somchai.headers, "Draft", description="first words",
                      strategy_ids=proposing.strategy_ids[:1])

    response = client.patch(projects_url(proposing, project["id"]), headers=somchai.headers,
                            json={"title": "Final title", "strategy_ids": proposing.strategy_ids[1:3]})

    assert response.status_code == 200
    edited = response.json()
    assert has_fields(edited, PROJECT_FIELDS)
    assert edited["title"] == "Final title"
    assert edited["description"] == "first words"  # fields not sent are kept
    assert edited["strategy_ids"] == proposing.strategy_ids[1:3]
    assert list_projects(client, proposing) == [edited]


def test_a_participant_cannot_edit_someone_elses_project(client: TestClient, proposing: Workshop,
                                                         somchai: Person, malee: Person) -> None:
    project = propose(client, proposing, somchai.headers, "Somchai's idea")

    response = client.patch(projects_url(proposing, project["id"]), json={"title": "Malee's now"},
                            headers=malee.headers)

    assert_error(response, 403)
    assert titles(client, proposing) == ["Somchai's idea"]


def test_a_participant_cannot_edit_the_facilitators_project(client: TestClient, proposing: Workshop,
                                                            somchai: Person) -> None:
    project = propose(client, proposing, proposing.facilitator, "Facilitator's")

    response = client.patch(projects_url(proposing, project["id"]), json={"title": "Mine"},
                            headers=somchai.headers)

    assert_error(response, 403)


@pytest.mark.parametrize("phase", ["setup", "vote", "results", "closed"])
def test_a_proposer_cannot_edit_outside_the_propose_phase(client: TestClient, proposing: Workshop,
                                                          somchai: Person, phase: str) -> None:
    project = propose(client, proposing, somchai.headers, "Before voting")
    set_phase(client, proposing, phase)

    response = client.patch(projects_url(proposing, project["id"]), json={"title": "During voting"},
                            headers=somchai.headers)

    assert_error(response, 409, f"'{phase}'")
    assert titles(client, proposing) == ["Before voting"]


@pytest.mark.parametrize("phase", ["setup", "propose", "vote", "results"])
def test_the_facilitator_may_edit_any_project_in_any_phase_but_closed(
        client: TestClient, proposing: Workshop, somchai: Person, phase: str) -> None:
    project = propose(client, proposing, somchai.headers, "Typo in titel")
    set_phase(client, proposing, phase)

    response = client.patch(projects_url(proposing, project["id"]), json={"title": "Typo in title"},
                            headers=proposing.facilitator)

    assert response.status_code == 200
    assert response.json()["title"] == "Typo in title"
    assert response.json()["proposer_id"] == somchai.id


def test_the_facilitator_cannot_edit_in_a_closed_workshop(client: TestClient, proposing: Workshop) -> None:
    project = propose(client, proposing, proposing.facilitator, "Final")
    set_phase(client, proposing, "closed")

    response = client.patch(projects_url(proposing, project["id"]), json={"title": "Changed"},
                            headers=proposing.facilitator)

    assert_error(response, 409, "closed")
    assert titles(client, proposing) == ["Final"]


@pytest.mark.parametrize(("body", "problem"), [
    ({"title": ""}, "empty title"),
    ({"title": None}, "null title"),
    ({"title": "t" * 501}, "title of 501 characters"),
    ({"description": "d" * 5001}, "description of 5001 characters"),
    ({"description": None}, "null description"),
    ({"strategy_ids": [999_999]}, "unknown strategy"),
    ({"reform_area_ids": [999_999]}, "unknown reform area"),
    ({"strategy_ids": list(range(1, 52))}, "51 tags"),
])
def test_an_invalid_edit_is_refused_with_422_and_changes_nothing(
        client: TestClient, proposing: Workshop, body: dict[str, Any], problem: str) -> None:
    project = propose(client, proposing, proposing.facilitator, "Kept", description="kept",
                      strategy_ids=proposing.strategy_ids[:1])

    response = client.patch(projects_url(proposing, project["id"]), json=body, headers=proposing.facilitator)

    assert_error(response, 422)
    assert list_projects(client, proposing) == [project]


def test_tags_of_another_workshop_cannot_be_set_by_an_edit(client: TestClient, proposing: Workshop,
                                                           other_workshop: Workshop) -> None:
    project = propose(client, proposing, proposing.facilitator, "Kept")

    response = client.patch(projects_url(proposing, project["id"]), headers=proposing.facilitator,
                            json={"reform_area_ids": other_workshop.reform_area_ids[:1]})

    assert_error(response, 422)
    assert list_projects(client, proposing) == [project]


@pytest.mark.parametrize(("method", "suffix", "body"), [
    ("PATCH", "", {"title": "x"}),
    ("POST", "/merge", {"into": 1}),
    ("DELETE", "", None),
])
@pytest.mark.parametrize("whose", ["unknown", "another workshop's", "too large for the database", "negative"])
def test_a_project_id_this_workshop_does_not_have_is_404(client: TestClient, proposing: Workshop,
                                                         other_workshop: Workshop, method: str, suffix: str,
                                                         body: dict[str, Any] | None, whose: str) -> None:
    mine = propose(client, proposing, proposing.facilitator, "Mine")
    project_id = {"unknown": 987_654, "too large for the database": 2**64, "negative": -1}.get(whose)
    if project_id is None:
        project_id = propose(client, other_workshop, other_workshop.facilitator, "Theirs")["id"]
    if body and "into" in body:
        body = {"into": mine["id"]}

    response = client.request(method, projects_url(proposing, project_id) + suffix, json=body,
                              headers=proposing.facilitator)

    assert_error(response, 404, str(project_id))
    assert list_projects(client, proposing) == [mine]
    assert [p["title"] for p in list_projects(client, other_workshop)] == (
        ["Theirs"] if whose == "another workshop's" else [])


@pytest.mark.parametrize(("method", "suffix", "body"), [
    ("GET", "", None),
    ("POST", "", {"title": "x"}),
    ("PATCH", "/1", {"title": "x"}),
    ("POST", "/1/merge", {"into": 2}),
    ("DELETE", "/1", None),
])
def test_projects_of_an_unknown_workshop_are_404(client: TestClient, workshop: Workshop, method: str,
                                                 suffix: str, body: dict[str, Any] | None) -> None:
    response = client.request(method, f"{API}/workshops/ZZZZZZ/projects{suffix}", json=body,
                              headers=workshop.facilitator)

    assert_error(response, 404, "ZZZZZZ")


# --- merging ---


@pytest.fixture
def voted(client: TestClient, proposing: Workshop) -> dict[str, Any]:
    """Two duplicates with dots on both: Somchai 2+2, Malee 1 on the first, Dao 3 on the second."""
    s, r = proposing.strategy_ids, proposing.reform_area_ids
    first = propose(client, proposing, proposing.facilitator, "E-learning for teachers",
                    strategy_ids=[s[0], s[2]], reform_area_ids=[r[0]])
    second = propose(client, proposing, proposing.facilitator, "Online teacher training",
                     strategy_ids=[s[2], s[3]], reform_area_ids=[r[1]])
    people = {name: join(client, proposing, name) for name in ("Somchai", "Malee", "Dao")}
    set_phase(client, proposing, "vote")
    vote(client, proposing, people["Somchai"], first["id"], 2)
    vote(client, proposing, people["Somchai"], second["id"], 2)
    vote(client, proposing, people["Malee"], first["id"], 1)
    vote(client, proposing, people["Dao"], second["id"], 3)
    return {"first": first, "second": second, **people}


def merge(client: TestClient, workshop: Workshop, project_id: int, into: int) -> Any:
    return client.post(projects_url(workshop, project_id, "merge"), json={"into": into},
                       headers=workshop.facilitator)


def test_merging_unites_the_tags_and_answers_with_the_surviving_project(
        client: TestClient, proposing: Workshop, voted: dict[str, Any]) -> None:
    first, second = voted["first"], voted["second"]

    response = merge(client, proposing, first["id"], second["id"])

    assert response.status_code == 200
    survivor = response.json()
    assert has_fields(survivor, PROJECT_FIELDS)
    assert survivor["id"] == second["id"]
    assert survivor["title"] == "Online teacher training"
    assert sorted(survivor["strategy_ids"]) == sorted(set(first["strategy_ids"]) | set(second["strategy_ids"]))
    assert sorted(survivor["reform_area_ids"]) == sorted(first["reform_area_ids"] + second["reform_area_ids"])
    assert [p["id"] for p in list_projects(client, proposing)] == [second["id"]]


def test_merging_sums_each_participants_dots_and_returns_what_is_over_the_cap(
        client: TestClient, proposing: Workshop, voted: dict[str, Any]) -> None:
    first, second = voted["first"], voted["second"]
    assert my_votes(client, proposing, voted["Somchai"])["remaining"] == 1

    assert merge(client, proposing, first["id"], second["id"]).status_code == 200

    target = str(second["id"])
    # Somchai: 2 + 2 = 4, clipped to the cap of 3; the clipped dot is back in his budget.
    assert my_votes(client, proposing, voted["Somchai"]) == {"used": 3, "remaining": 2, "allocations": {target: 3}}
    assert my_votes(client, proposing, voted["Malee"]) == {"used": 1, "remaining": 4, "allocations": {target: 1}}
    assert my_votes(client, proposing, voted["Dao"]) == {"used": 3, "remaining": 2, "allocations": {target: 3}}
    ranking = results(client, proposing)["ranking"]
    assert [(r["project_id"], r["dots"], r["voters"]) for r in ranking] == [(second["id"], 7, 3)]


def test_a_participant_can_spend_the_dots_a_merge_returned(client: TestClient, proposing: Workshop,
                                                           voted: dict[str, Any]) -> None:
    other = propose(client, proposing, proposing.facilitator, "Third idea")
    merge(client, proposing, voted["first"]["id"], voted["second"]["id"])

    answer = vote(client, proposing, voted["Somchai"], other["id"], 2)

    assert (answer["used"], answer["remaining"]) == (5, 0)


def test_a_project_cannot_be_merged_into_itself(client: TestClient, proposing: Workshop,
                                                voted: dict[str, Any]) -> None:
    first = voted["first"]

    assert_error(merge(client, proposing, first["id"], first["id"]), 422, "itself")
    assert len(list_projects(client, proposing)) == 2
    assert my_votes(client, proposing, voted["Somchai"])["used"] == 4


@pytest.mark.parametrize("removed", ["hidden", "merged away"])
@pytest.mark.parametrize("side", ["into", "source"])
def test_a_hidden_or_merged_away_project_takes_no_part_in_a_merge(
        client: TestClient, proposing: Workshop, voted: dict[str, Any], removed: str, side: str) -> None:
    gone = propose(client, proposing, proposing.facilitator, "Gone")
    keeper = propose(client, proposing, proposing.facilitator, "Keeper")
    if removed == "hidden":
        assert client.delete(projects_url(proposing, gone["id"]), headers=proposing.facilitator).status_code == 204
    else:
        assert merge(client, proposing, gone["id"], keeper["id"]).status_code == 200
    before = results(client, proposing)

    if side == "into":
        response = merge(client, proposing, voted["first"]["id"], gone["id"])
    else:
        response = merge(client, proposing, gone["id"], voted["first"]["id"])

    assert_error(response, 404, str(gone["id"]))
    assert results(client, proposing) == before


@pytest.mark.parametrize("body", [{}, {"into": "2"}, {"into": 0}, {"into": None}, {"into": 1.5}])
def test_a_merge_without_a_valid_target_is_422(client: TestClient, proposing: Workshop,
                                               voted: dict[str, Any], body: dict[str, Any]) -> None:
    response = client.post(projects_url(proposing, voted["first"]["id"], "merge"), json=body,
                           headers=proposing.facilitator)

    assert_error(response, 422)
    assert len(list_projects(client, proposing)) == 2


# --- hiding ---


def test_hiding_a_project_returns_its_dots_and_drops_it_from_lists_and_results(
        client: TestClient, proposing: Workshop, voted: dict[str, Any]) -> None:
    first, second = voted["first"], voted["second"]

    response = client.delete(projects_url(proposing, first["id"]), headers=proposing.facilitator)

    assert response.status_code == 204
    assert response.content == b""
    assert my_votes(client, proposing, voted["Somchai"]) == {
        "used": 2, "remaining": 3, "allocations": {str(second["id"]): 2}}
    assert my_votes(client, proposing, voted["Malee"]) == {"used": 0, "remaining": 5, "allocations": {}}
    assert [p["id"] for p in list_projects(client, proposing)] == [second["id"]]
    outcome = results(client, proposing)
    assert [r["project_id"] for r in outcome["ranking"]] == [second["id"]]
    assert all(first["id"] not in ids for ids in outcome["by_strategy"].values())
    assert sum(cell["projects"] for cell in outcome["coverage"]) == 2  # second's 2 strategies x 1 area


def test_hiding_a_project_twice_is_404(client: TestClient, proposing: Workshop) -> None:
    project = propose(client, proposing, proposing.facilitator, "Once")
    assert client.delete(projects_url(proposing, project["id"]), headers=proposing.facilitator).status_code == 204

    assert_error(client.delete(projects_url(proposing, project["id"]), headers=proposing.facilitator), 404)


def test_a_hidden_project_is_not_listed(client: TestClient, proposing: Workshop, somchai: Person) -> None:
    kept, hidden = propose(client, proposing, somchai.headers, "Kept"), propose(client, proposing,
                                                                                 somchai.headers, "Hidden")

    client.delete(projects_url(proposing, hidden["id"]), headers=proposing.facilitator)

    response = client.get(projects_url(proposing), headers=somchai.headers)
    assert [p["id"] for p in response.json()] == [kept["id"]]


# --- the facilitator's moderation, phase by phase ---


@pytest.mark.parametrize("phase", ["setup", "propose", "vote", "results", "closed"])
@pytest.mark.parametrize("action", ["hide", "merge"])
def test_the_facilitator_moderates_in_any_phase_but_closed(client: TestClient, proposing: Workshop, phase: str,
                                                           action: str) -> None:
    projects = propose_many(client, proposing, ["A", "B"])
    set_phase(client, proposing, phase)
    a, b = projects["A"]["id"], projects["B"]["id"]

    if action == "hide":
        response = client.delete(projects_url(proposing, a), headers=proposing.facilitator)
    else:
        response = merge(client, proposing, a, b)

    if phase == "closed":
        assert_error(response, 409, "closed")
        assert titles(client, proposing) == ["A", "B"]
    else:
        assert response.status_code == (204 if action == "hide" else 200)
        assert titles(client, proposing) == ["B"]
