"""Small API helpers: make a workshop, join it, move its phase, propose and vote, all over HTTP."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from fastapi.testclient import TestClient
from httpx import Response

API = "/api/v1"
PHASES = ["setup", "propose", "vote", "results", "closed"]

# The answers' fields that API.md makes binding (extra fields may be added, none dropped).
CREATED_FIELDS = {"code", "title", "phase", "facilitator_key", "screen_key", "join_url", "screen_url",
                  "facilitator_url"}
WORKSHOP_FIELDS = {"code", "title", "description", "phase", "language", "strategies", "reform_areas",
                   "agencies", "dots_per_participant", "max_dots_per_project", "participant_count"}
JOINED_FIELDS = {"participant_id", "participant_token"}
PROJECT_FIELDS = {"id", "title", "description", "agency", "strategy_ids", "reform_area_ids", "proposer_id",
                  "created_at"}
VOTE_FIELDS = {"project_id", "dots", "used", "remaining"}
MY_VOTES_FIELDS = {"used", "remaining", "allocations"}
RESULTS_FIELDS = {"phase", "ranking", "by_strategy", "coverage"}
RANKED_FIELDS = {"rank", "project_id", "title", "dots", "voters", "strategy_ids", "reform_area_ids"}
COVERAGE_FIELDS = {"strategy_id", "reform_area_id", "projects", "dots"}


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def has_fields(answer: dict[str, Any], wanted: set[str]) -> bool:
    """Every field the contract names is there (the contract allows extra ones)."""
    missing = wanted - set(answer)
    assert not missing, f"missing fields {sorted(missing)} in {sorted(answer)}"
    return True


def assert_error(response: Response, status: int, *words: str) -> str:
    """An error answer: this status, JSON {"detail": "<sentence>"}, naming each of `words`."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    detail = response.json()["detail"]
    assert isinstance(detail, str) and detail.strip()
    for word in words:
        assert word in detail, f"{word!r} not in {detail!r}"
    return detail


@dataclass
class Person:
    """A participant as the API knows them: id and the headers that carry their token."""

    id: int
    token: str
    name: str

    @property
    def headers(self) -> dict[str, str]:
        return bearer(self.token)


@dataclass
class Workshop:
    """A workshop made through the API, with its keys and the framework's ids at hand."""

    created: dict[str, Any]
    info: dict[str, Any] = field(default_factory=dict)
    projects: dict[str, dict[str, Any]] = field(default_factory=dict)  # by title, as a test made them

    @property
    def code(self) -> str:
        return self.created["code"]

    @property
    def url(self) -> str:
        return f"{API}/workshops/{self.code}"

    @property
    def facilitator(self) -> dict[str, str]:
        return bearer(self.created["facilitator_key"])

    @property
    def screen(self) -> dict[str, str]:
        return bearer(self.created["screen_key"])

    @property
    def strategy_ids(self) -> list[int]:
        return [s["id"] for s in self.info["strategies"]]

    @property
    def reform_area_ids(self) -> list[int]:
        return [r["id"] for r in self.info["reform_areas"]]


def create_workshop(client: TestClient, *, phase: str | None = None, **fields: Any) -> Workshop:
    """POST a workshop (title given unless overridden), then read it back; optionally set its phase."""
    response = client.post(f"{API}/workshops", json={"title": "แผนงานดิจิทัล 2569", **fields})
    assert response.status_code == 201, response.text
    workshop = Workshop(created=response.json())
    workshop.info = read_workshop(client, workshop)
    if phase:
        set_phase(client, workshop, phase)
    return workshop


def read_workshop(client: TestClient, workshop: Workshop) -> dict[str, Any]:
    response = client.get(workshop.url)
    assert response.status_code == 200, response.text
    return response.json()


def set_phase(client: TestClient, workshop: Workshop, phase: str) -> dict[str, Any]:
    response = client.put(f"{workshop.url}/phase", json={"phase": phase}, headers=workshop.facilitator)
    assert response.status_code == 200, response.text
    assert response.json()["phase"] == phase
    workshop.info = response.json()
    return workshop.info


def join(client: TestClient, workshop: Workshop, name: str = "สมชาย", agency: str = "") -> Person:
    response = client.post(f"{workshop.url}/participants", json={"name": name, "agency": agency})
    assert response.status_code == 201, response.text
    answer = response.json()
    return Person(id=answer["participant_id"], token=answer["participant_token"], name=name)


def propose(client: TestClient, workshop: Workshop, headers: dict[str, str], title: str = "ศูนย์ข้อมูลกลาง",
            **fields: Any) -> dict[str, Any]:
    """POST a project as whoever the headers stand for; the project answered with 201."""
    body = {"strategy_ids": [], "reform_area_ids": [], "title": title, **fields}
    response = client.post(f"{workshop.url}/projects", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


def propose_many(client: TestClient, workshop: Workshop, titles: Iterable[str]) -> dict[str, dict[str, Any]]:
    """Projects added by the facilitator, by title (also kept on the workshop)."""
    made = {title: propose(client, workshop, workshop.facilitator, title) for title in titles}
    workshop.projects.update(made)
    return made


def put_dots(client: TestClient, workshop: Workshop, person: Person, project_id: int, dots: Any) -> Response:
    return client.put(f"{workshop.url}/votes/{project_id}", json={"dots": dots}, headers=person.headers)


def vote(client: TestClient, workshop: Workshop, person: Person, project_id: int, dots: int) -> dict[str, Any]:
    response = put_dots(client, workshop, person, project_id, dots)
    assert response.status_code == 200, response.text
    return response.json()


def my_votes(client: TestClient, workshop: Workshop, person: Person) -> dict[str, Any]:
    response = client.get(f"{workshop.url}/votes/me", headers=person.headers)
    assert response.status_code == 200, response.text
    return response.json()


def list_projects(client: TestClient, workshop: Workshop) -> list[dict[str, Any]]:
    response = client.get(f"{workshop.url}/projects", headers=workshop.facilitator)
    assert response.status_code == 200, response.text
    return response.json()


def results(client: TestClient, workshop: Workshop) -> dict[str, Any]:
    response = client.get(f"{workshop.url}/results", headers=workshop.facilitator)
    assert response.status_code == 200, response.text
    return response.json()


def standings(answer: dict[str, Any]) -> list[tuple[int, str, int, int]]:
    """The ranking as (rank, title, dots, voters), comparable across workshops."""
    return [(r["rank"], r["title"], r["dots"], r["voters"]) for r in answer["ranking"]]
