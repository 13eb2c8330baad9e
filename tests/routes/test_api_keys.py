"""Who may do what: every keyed endpoint against every kind of key.

A missing key, or one this workshop does not know (another workshop's included), is 401;
a known key of the wrong role is 403; either way the answer is {"detail": "<sentence>"} and
nothing changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.routes.helpers import (
    Person,
    Workshop,
    assert_error,
    bearer,
    create_workshop,
    join,
    propose,
    set_phase,
    vote,
)


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str  # {a} and {b}: two projects; {a} was proposed by the participant
    body: dict[str, Any] | None
    roles: frozenset[str]
    phase: str  # a phase in which the allowed roles succeed
    ok: int


ENDPOINTS = {
    "change the phase": Endpoint("PUT", "/phase", {"phase": "results"}, frozenset({"facilitator"}), "propose", 200),
    "list projects": Endpoint("GET", "/projects", None, frozenset({"facilitator", "screen", "participant"}),
                              "propose", 200),
    "propose a project": Endpoint("POST", "/projects", {"title": "New"}, frozenset({"facilitator", "participant"}),
                                  "propose", 201),
    "edit a project": Endpoint("PATCH", "/projects/{a}", {"title": "Edited"},
                               frozenset({"facilitator", "participant"}), "propose", 200),
    "merge projects": Endpoint("POST", "/projects/{a}/merge", {"into": "{b}"}, frozenset({"facilitator"}),
                               "propose", 200),
    "hide a project": Endpoint("DELETE", "/projects/{a}", None, frozenset({"facilitator"}), "propose", 204),
    "set dots": Endpoint("PUT", "/votes/{b}", {"dots": 2}, frozenset({"participant"}), "vote", 200),
    "read my dots": Endpoint("GET", "/votes/me", None, frozenset({"participant"}), "vote", 200),
    "read results while voting": Endpoint("GET", "/results", None,
                                          frozenset({"facilitator", "screen", "participant"}), "vote", 200),
    "export": Endpoint("GET", "/export?format=json", None, frozenset({"facilitator"}), "vote", 200),
}
STRANGERS = ["nobody", "malformed header", "unknown key", "another workshop's facilitator",
             "another workshop's screen", "another workshop's participant"]
ROLES = ["facilitator", "screen", "participant"]


@dataclass
class Scene:
    workshop: Workshop
    other: Workshop
    participant: Person
    stranger: Person
    projects: dict[str, int]

    def headers(self, who: str) -> dict[str, str]:
        return {
            "nobody": {},
            "malformed header": {"Authorization": self.workshop.created["facilitator_key"]},  # no "Bearer"
            "unknown key": bearer("k" * 43),
            "another workshop's facilitator": self.other.facilitator,
            "another workshop's screen": self.other.screen,
            "another workshop's participant": self.stranger.headers,
            "facilitator": self.workshop.facilitator,
            "screen": self.workshop.screen,
            "participant": self.participant.headers,
        }[who]


def scene(client: TestClient, phase: str) -> Scene:
    """A workshop with two projects (one by its participant, each with a dot), in `phase`."""
    workshop = create_workshop(client, phase="propose")
    other = create_workshop(client, title="Other", phase="propose")
    participant, stranger = join(client, workshop, "Insider"), join(client, other, "Outsider")
    a = propose(client, workshop, participant.headers, "A")["id"]
    b = propose(client, workshop, workshop.facilitator, "B")["id"]
    set_phase(client, workshop, "vote")
    vote(client, workshop, participant, a, 1)
    set_phase(client, workshop, phase)
    return Scene(workshop, other, participant, stranger, {"a": a, "b": b})


def call(client: TestClient, scene: Scene, endpoint: Endpoint, who: str) -> Any:
    ids = {k: str(v) for k, v in scene.projects.items()}
    path = endpoint.path.format(**ids)
    body = endpoint.body and {k: (int(v.format(**ids)) if isinstance(v, str) and "{" in v else v)
                              for k, v in endpoint.body.items()}
    return client.request(endpoint.method, scene.workshop.url + path, json=body, headers=scene.headers(who))


def state(client: TestClient, scene: Scene) -> tuple[Any, ...]:
    """What a refused request must leave as it was."""
    facilitator = scene.workshop.facilitator
    return (client.get(scene.workshop.url).json(),
            client.get(f"{scene.workshop.url}/projects", headers=facilitator).json(),
            client.get(f"{scene.workshop.url}/results", headers=facilitator).json(),
            client.get(f"{scene.workshop.url}/votes/me", headers=scene.participant.headers).json())


CASES = [(name, who, 401) for name in ENDPOINTS for who in STRANGERS] + [
    (name, role, endpoint.ok if role in endpoint.roles else 403)
    for name, endpoint in ENDPOINTS.items() for role in ROLES
]


@pytest.mark.parametrize(("name", "who", "status"), CASES)
def test_each_endpoint_answers_each_kind_of_key(client: TestClient, name: str, who: str, status: int) -> None:
    endpoint = ENDPOINTS[name]
    setting = scene(client, endpoint.phase)
    before = state(client, setting)

    response = call(client, setting, endpoint, who)

    if status in (401, 403):
        detail = assert_error(response, status)
        if status == 403:
            assert who in detail  # "...; you are signed in as screen."
        assert state(client, setting) == before
    else:
        assert response.status_code == status, response.text


def test_a_participant_token_works_only_in_its_own_workshop(client: TestClient) -> None:
    mine = create_workshop(client, phase="propose")
    theirs = create_workshop(client, title="Theirs", phase="propose")
    person = join(client, mine)

    assert client.get(f"{mine.url}/projects", headers=person.headers).status_code == 200
    assert_error(client.get(f"{theirs.url}/projects", headers=person.headers), 401)
    assert_error(client.post(f"{theirs.url}/projects", json={"title": "x"}, headers=person.headers), 401)
