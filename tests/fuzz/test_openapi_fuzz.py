"""schemathesis against /openapi.json: every API operation, with generated requests, answers
without a server error and with a body that matches the schema it documents.

The requests are aimed at real workshops (one each in phase propose, vote and results, with
projects, participants and votes) and carry a real key of a random role about half the time,
so they reach the rules rather than stopping at "no such workshop" or "no key".
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.python.asgi import get_client, shutdown_lifespans
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance
from sqlmodel import Session

from app import db
from app.config import Settings
from app.main import create_app
from app.models import Phase
from app.models.participant import ParticipantJoin
from app.models.project import ProjectCreate
from app.models.workshop import WorkshopCreate
from app.services import participants, projects, voting, workshops
from app.services.access import Actor, Role
from tests.factories import FACILITATOR
from tests.faults.conftest import record_figures

EXAMPLES_PER_OPERATION = 30
ROLES = ("none", "facilitator", "screen", "participant", "stranger")


class Scene:
    """Keys and ids of the workshops the requests are aimed at."""

    codes: ClassVar[list[str]] = []
    keys: ClassVar[dict[tuple[str, str], str]] = {}  # (code, role) -> key
    project_ids: ClassVar[list[int]] = []


class Counter:
    cases = 0
    by_status: ClassVar[dict[int, int]] = {}


def build_scene(database_url: str) -> None:
    engine = db.make_engine(Settings(database_url=database_url))
    Scene.codes, Scene.keys, Scene.project_ids = [], {}, []
    with Session(engine, expire_on_commit=False) as session:
        for phase in (Phase.propose, Phase.vote, Phase.results):
            workshop, facilitator_key, screen_key = workshops.create_workshop(
                session, workshop_in=WorkshopCreate(title=f"Fuzz {phase}", dots_per_participant=6,
                                                    max_dots_per_project=3, agencies=["สสช."]))
            workshops.set_phase(session, workshop=workshop, actor=FACILITATOR, phase=Phase.propose)
            person, token = participants.join(session, workshop=workshop, join_in=ParticipantJoin(name="สมชาย"))
            strategy = workshops.list_strategies(session, workshop=workshop)[0].id
            for title in ("ระบบข้อมูล", "ศูนย์ดิจิทัล", "คลาวด์ภาครัฐ"):
                project, _ = projects.create_project(session, workshop=workshop, actor=Actor(Role.participant, person),
                                                     project_in=ProjectCreate(title=title, strategy_ids=[strategy]))
                Scene.project_ids.append(project.id)
            workshops.set_phase(session, workshop=workshop, actor=FACILITATOR, phase=Phase.vote)
            voting.set_dots(session, workshop=workshop, participant=person, project_id=Scene.project_ids[-1], dots=2)
            workshops.set_phase(session, workshop=workshop, actor=FACILITATOR, phase=phase)
            Scene.codes.append(workshop.code)
            Scene.keys.update({(workshop.code, "facilitator"): facilitator_key, (workshop.code, "screen"): screen_key,
                               (workshop.code, "participant"): token})
    engine.dispose()


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory, migrated_template: Path) -> Iterator[Any]:
    """The app on a database with the scene, reached in-process by schemathesis's ASGI client."""
    path = tmp_path_factory.mktemp("fuzz") / "fuzz.db"
    shutil.copy(migrated_template, path)
    url = f"sqlite:///{path}"
    build_scene(url)
    # Off, or generated unknown codes and new workshops would soon meet 429s instead of the rules.
    no_limits = {f"rate_{name}": 0 for name in ("join_per_address", "propose_per_participant", "propose_per_address",
                                                "vote_per_participant", "vote_per_address", "create_per_address",
                                                "create_total", "code_miss_per_address")}
    client = get_client(create_app(Settings(database_url=url, broadcast_interval=0.05, **no_limits)))
    client.__enter__()  # starts the app's lifespan
    yield client
    client.__exit__(None, None, None)
    shutdown_lifespans()


# The operations come from the app's own OpenAPI document (made without a database).
schema = schemathesis.openapi.from_dict(create_app(Settings(database_url="sqlite://")).openapi())


@schema.parametrize()
@schema.given(data=st.data())
@settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, database=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_no_operation_fails_or_breaks_its_schema(api: Any, case: Any, data: st.DataObject) -> None:
    path_parameters = case.path_parameters if isinstance(case.path_parameters, dict) else None
    code = None
    mostly = st.sampled_from([True, True, True, False])  # now and then the generated value, unknown here
    if path_parameters is not None and "code" in path_parameters and data.draw(mostly, label="real code"):
        code = data.draw(st.sampled_from(Scene.codes), label="workshop")
        path_parameters["code"] = code
    if path_parameters is not None and "project_id" in path_parameters and data.draw(mostly, label="real id"):
        path_parameters["project_id"] = data.draw(st.sampled_from(Scene.project_ids), label="project")
    role = data.draw(st.sampled_from(ROLES), label="role")
    headers = dict(case.headers or {})
    if role == "stranger":
        headers["Authorization"] = "Bearer not-a-key-of-anyone"
    elif role != "none" and code is not None:
        headers["Authorization"] = f"Bearer {Scene.keys[(code, role)]}"
    case.headers = headers
    response = case.call(base_url="http://testserver", session=api)
    Counter.cases += 1
    Counter.by_status[response.status_code] = Counter.by_status.get(response.status_code, 0) + 1
    case.validate_response(response, checks=[not_a_server_error, response_schema_conformance,
                                             content_type_conformance])


def test_zz_report_the_number_of_fuzz_cases() -> None:
    """Runs after the fuzzing above (same module, later name): keeps the figures for the issue's note."""
    if Counter.cases:
        record_figures("schemathesis", {"cases": Counter.cases, "by_status": dict(sorted(Counter.by_status.items()))})


def test_the_documented_422_is_the_one_the_api_gives(api: Any) -> None:
    """FastAPI documents a list under "detail"; this API answers one sentence (and the list under
    "errors"): /openapi.json says so, or every client generated from it would choke."""
    documented = api.get("/openapi.json").json()["components"]["schemas"]["HTTPValidationError"]
    assert documented["properties"]["detail"]["type"] == "string"
    answer = api.post("/api/v1/workshops", json={"title": ""})
    assert answer.status_code == 422
    assert isinstance(answer.json()["detail"], str) and isinstance(answer.json()["errors"], list)
