"""API stories of the results: the ranking rule, rankings per strategy, coverage, and who may see them."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.deps import cookie_name
from tests.routes.helpers import (
    API,
    COVERAGE_FIELDS,
    PHASES,
    RANKED_FIELDS,
    RESULTS_FIELDS,
    Workshop,
    assert_error,
    bearer,
    create_workshop,
    join,
    propose,
    results,
    set_phase,
    vote,
)


@pytest.fixture
def voted(client: TestClient) -> Workshop:
    """Six projects, proposed in the order W, Z, Y, X, V, U, and three people's dots.

    X: 4 dots from 2 voters; Z and Y: 3 dots from 2 voters each; W: 3 dots from 1 voter;
    V and U: none.
    """
    workshop = create_workshop(client, phase="propose")
    s, r = workshop.strategy_ids, workshop.reform_area_ids
    tags = {
        "W": ([s[0], s[1]], [r[2]]),
        "Z": ([s[1]], [r[0]]),
        "Y": ([s[0]], [r[0]]),
        "X": ([s[0]], [r[0], r[1]]),
        "V": ([s[2]], []),
        "U": ([], []),
    }
    for title, (strategy_ids, reform_area_ids) in tags.items():
        workshop.projects[title] = propose(client, workshop, workshop.facilitator, title,
                                           strategy_ids=strategy_ids, reform_area_ids=reform_area_ids)
    set_phase(client, workshop, "vote")
    ballots = {"p1": {"X": 2, "Y": 2, "Z": 1}, "p2": {"X": 2, "Z": 2, "Y": 1}, "p3": {"W": 3}}
    for name, dots in ballots.items():
        person = join(client, workshop, name)
        for title, count in dots.items():
            vote(client, workshop, person, workshop.projects[title]["id"], count)
    return workshop


def test_results_have_the_contracts_fields(client: TestClient, voted: Workshop) -> None:
    answer = results(client, voted)

    assert set(answer) >= RESULTS_FIELDS
    assert answer["phase"] == "vote"
    assert all(set(r) >= RANKED_FIELDS for r in answer["ranking"])
    assert all(set(c) >= COVERAGE_FIELDS for c in answer["coverage"])


def test_the_ranking_orders_by_dots_then_voters_with_shared_competition_ranks(client: TestClient,
                                                                              voted: Workshop) -> None:
    ranking = results(client, voted)["ranking"]

    # Z and Y tie on (3 dots, 2 voters): Z was proposed first. V and U tie on nothing: V first.
    assert [(r["rank"], r["title"], r["dots"], r["voters"]) for r in ranking] == [
        (1, "X", 4, 2),
        (2, "Z", 3, 2),
        (2, "Y", 3, 2),
        (4, "W", 3, 1),
        (5, "V", 0, 0),
        (5, "U", 0, 0),
    ]
    for row in ranking:
        project = voted.projects[row["title"]]
        assert row["project_id"] == project["id"]
        assert row["strategy_ids"] == project["strategy_ids"]
        assert row["reform_area_ids"] == project["reform_area_ids"]


def test_a_project_with_no_dots_is_ranked_too(client: TestClient) -> None:
    workshop = create_workshop(client, phase="propose")
    propose(client, workshop, workshop.facilitator, "Lonely")

    ranking = results(client, workshop)["ranking"]

    assert [(r["rank"], r["title"], r["dots"], r["voters"]) for r in ranking] == [(1, "Lonely", 0, 0)]


def test_within_a_shared_rank_earlier_created_at_comes_first_then_lower_id(client: TestClient) -> None:
    # Only an import can give projects chosen creation times, so the rule is checked through one.
    export = {
        "format": "ruamkit-workshop", "version": 1,
        "workshop": {"title": "Ties", "language": "en", "phase": "results"},
        "strategies": [{"id": 1, "code": "S1", "name_en": "One"}],
        "participants": [{"id": 1, "name": "A", "created_at": "2026-01-01T00:00:00+00:00"},
                         {"id": 2, "name": "B", "created_at": "2026-01-01T00:00:00+00:00"}],
        "projects": [
            {"id": 1, "title": "late", "created_at": "2026-01-01T10:00:00+00:00"},
            {"id": 2, "title": "nine, lower id", "created_at": "2026-01-01T09:00:00+00:00"},
            {"id": 3, "title": "nine, higher id", "created_at": "2026-01-01T09:00:00+00:00"},
            {"id": 4, "title": "earliest, in Bangkok time", "created_at": "2026-01-01T15:30:00+07:00"},
            {"id": 5, "title": "voted", "created_at": "2026-01-01T23:00:00+00:00"},
        ],
        "votes": [{"participant_id": 1, "project_id": 5, "dots": 1}],
    }
    created = client.post(f"{API}/workshops/import", json=export)
    assert created.status_code == 201, created.text

    response = client.get(f"{API}/workshops/{created.json()['code']}/results")

    assert response.status_code == 200
    assert [(r["rank"], r["title"]) for r in response.json()["ranking"]] == [
        (1, "voted"),
        (2, "earliest, in Bangkok time"),
        (2, "nine, lower id"),
        (2, "nine, higher id"),
        (2, "late"),
    ]


def test_by_strategy_lists_every_strategy_in_ranking_order(client: TestClient, voted: Workshop) -> None:
    answer = results(client, voted)

    ids = {title: project["id"] for title, project in voted.projects.items()}
    s = [str(i) for i in voted.strategy_ids]
    assert answer["by_strategy"] == {
        s[0]: [ids["X"], ids["Y"], ids["W"]],
        s[1]: [ids["Z"], ids["W"]],
        s[2]: [ids["V"]],
        s[3]: [], s[4]: [], s[5]: [],
    }


def test_coverage_has_every_strategy_and_reform_area_pair_with_zeros(client: TestClient, voted: Workshop) -> None:
    coverage = results(client, voted)["coverage"]

    cells = {(c["strategy_id"], c["reform_area_id"]): (c["projects"], c["dots"]) for c in coverage}
    assert len(coverage) == len(cells) == 6 * 11
    assert set(cells) == {(s, r) for s in voted.strategy_ids for r in voted.reform_area_ids}
    s, r = voted.strategy_ids, voted.reform_area_ids
    filled = {
        (s[0], r[0]): (2, 7),  # X and Y
        (s[0], r[1]): (1, 4),  # X
        (s[0], r[2]): (1, 3),  # W
        (s[1], r[0]): (1, 3),  # Z
        (s[1], r[2]): (1, 3),  # W
    }
    assert cells == {pair: filled.get(pair, (0, 0)) for pair in cells}


def test_a_custom_framework_without_reform_areas_has_empty_coverage(client: TestClient) -> None:
    workshop = create_workshop(client, framework={"strategies": [{"code": "A", "name": "A"}]})

    answer = results(client, workshop)

    assert answer["coverage"] == []
    assert answer["by_strategy"] == {str(workshop.strategy_ids[0]): []}
    assert answer["ranking"] == []


# --- who may see results ---


def expected_status(phase: str, tallies: bool, who: str) -> int:
    """API.md, "Tallies and visibility": the facilitator always; the screen and the participants
    while tallies are live; anyone with the code in results/closed."""
    if phase in ("results", "closed"):
        return 200
    if who == "facilitator":
        return 200
    if who in ("screen", "participant"):
        return 200 if tallies else 403
    return 401


RESULT_ACCESS = [(phase, tallies, who, expected_status(phase, tallies, who))
                 for phase in PHASES for tallies in (True, False)
                 for who in ("facilitator", "screen", "participant", "nobody", "unknown key")]


@pytest.mark.parametrize(("phase", "tallies", "who", "status"), RESULT_ACCESS)
def test_who_may_see_results_depends_on_phase_and_tallies(client: TestClient, phase: str, tallies: bool,
                                                          who: str, status: int) -> None:
    workshop = create_workshop(client, show_live_tallies=tallies)
    person = join(client, workshop)  # before the phase: nobody joins a closed workshop
    set_phase(client, workshop, phase)
    headers = {"facilitator": workshop.facilitator, "screen": workshop.screen, "participant": person.headers,
               "nobody": {}, "unknown key": bearer("u" * 43)}[who]

    response = client.get(f"{workshop.url}/results", headers=headers)

    if status == 200:
        assert response.status_code == 200, response.text
        assert response.json()["phase"] == phase
    else:
        assert_error(response, status)


@pytest.mark.parametrize("tallies", [True, False])
def test_a_participant_reads_from_the_api_the_tallies_their_phone_shows(client: TestClient, tallies: bool) -> None:
    """One rule for pages and the API: while voting, the phone shows tallies exactly when
    /results answers the same participant's token."""
    workshop = create_workshop(client, show_live_tallies=tallies, phase="propose")
    propose(client, workshop, workshop.facilitator, "Flood warning")
    person = join(client, workshop)
    set_phase(client, workshop, "vote")
    client.cookies.set(cookie_name("participant", workshop.code), person.token)

    phone_shows_tallies = 'id="tally-' in client.get(f"/w/{workshop.code}").text
    api = client.get(f"{workshop.url}/results", headers=person.headers)

    assert phone_shows_tallies == tallies
    assert api.status_code == (200 if tallies else 403), api.text


def test_turning_tallies_on_shows_results_on_the_screen_again(client: TestClient) -> None:
    workshop = create_workshop(client, show_live_tallies=False, phase="vote")
    assert client.get(f"{workshop.url}/results", headers=workshop.screen).status_code == 403

    response = client.patch(workshop.url, json={"show_live_tallies": True}, headers=workshop.facilitator)

    assert response.status_code == 200
    assert client.get(f"{workshop.url}/results", headers=workshop.screen).status_code == 200


def test_results_of_an_unknown_workshop_are_404(client: TestClient, workshop: Workshop) -> None:
    assert_error(client.get(f"{API}/workshops/ZZZZZZ/results", headers=workshop.facilitator), 404)


def test_everyone_sees_the_same_results_once_published(client: TestClient, voted: Workshop) -> None:
    set_phase(client, voted, "results")
    answers: list[dict[str, Any]] = [
        client.get(f"{voted.url}/results", headers=headers).json()
        for headers in ({}, voted.screen, voted.facilitator)
    ]

    assert answers[0] == answers[1] == answers[2]
    assert answers[0]["phase"] == "results"
