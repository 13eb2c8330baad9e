"""A workshop with every kind of key, a second workshop with its own, and a way to tell
whether a refused request left the database exactly as it was."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

from app.deps import cookie_name
from tests.routes.conftest import client_with  # noqa: F401  (a client of an app with other settings)
from tests.routes.helpers import Workshop, create_workshop, join, propose, set_phase, vote

# Who may be asking: nobody, each role of the workshop, and each role of another workshop.
ROLES = ("none", "participant", "screen", "facilitator",
         "other participant", "other screen", "other facilitator")


@dataclass
class Scene:
    """Workshop W (projects a, by its participant, and b, by the facilitator; a has one dot)
    and workshop O, each with a facilitator key, a screen key and one participant."""

    workshop: Workshop
    other: Workshop
    tokens: dict[str, str]
    a: int
    b: int
    group: int = 0  # a group of W, where a row's setup adds groups (large events)

    @property
    def code(self) -> str:
        return self.workshop.code

    def key(self, role: str) -> str | None:
        """The raw key a role holds (None for nobody)."""
        if role == "none":
            return None
        mine = not role.startswith("other ")
        kind = role.removeprefix("other ")
        workshop = self.workshop if mine else self.other
        if kind == "participant":
            return self.tokens["mine" if mine else "other"]
        return workshop.created[f"{kind}_key"]

    def slot(self, role: str) -> str:
        """The cookie a browser keeps this role's key in (a key of another workshop is tried
        in this workshop's cookie of the same role: the strongest thing a stranger can do)."""
        return role.removeprefix("other ")


def make_scene(client: TestClient, phase: str = "propose", **workshop_fields: Any) -> Scene:
    workshop = create_workshop(client, phase="propose", **workshop_fields)
    other = create_workshop(client, title="Another ministry's workshop", phase="propose")
    insider, outsider = join(client, workshop, "Insider"), join(client, other, "Outsider")
    a = propose(client, workshop, insider.headers, "Project A")["id"]
    b = propose(client, workshop, workshop.facilitator, "Project B")["id"]
    propose(client, other, outsider.headers, "Their project")
    set_phase(client, workshop, "vote")
    vote(client, workshop, insider, a, 1)
    if phase != "vote":
        set_phase(client, workshop, phase)
    return Scene(workshop, other, {"mine": insider.token, "other": outsider.token}, a, b)


@pytest.fixture
def scene(client: TestClient) -> Scene:
    return make_scene(client)


def present_cookie(client: TestClient, scene: Scene, role: str) -> None:
    """Make the client a browser holding just this role's cookie for workshop W."""
    client.cookies.clear()
    key = scene.key(role)
    if key is not None:
        client.cookies.set(cookie_name(scene.slot(role), scene.code), key)


def database_state(engine: Engine) -> dict[str, list[str]]:
    """Every row of every table, as comparable text: equal before and after means nothing changed."""
    state: dict[str, list[str]] = {}
    with engine.connect() as conn:
        for table in SQLModel.metadata.sorted_tables:
            state[table.name] = sorted(repr(tuple(row)) for row in conn.execute(select(table)))
    return state
