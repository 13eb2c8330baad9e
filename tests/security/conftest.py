"""A workshop with every kind of key, a second workshop with its own, and a way to tell
whether a refused request left the database exactly as it was."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel

from app.deps import cookie_name
from app.services import groups, workshops
from app.services.access import Actor, Role
from tests.routes.conftest import client_with  # noqa: F401  (a client of an app with other settings)
from tests.routes.helpers import Workshop, bearer, create_workshop, join, propose, set_phase, vote

# Who may be asking: nobody, each role of the workshop, and each role of another workshop; and
# the named links of W (issue 14): a co-facilitator's, a moderator's, a revoked one, the group
# facilitator of a group of W and a moderator issued for that group (both act only in that group).
LINKS = ("co_facilitator", "moderator", "revoked link", "group_facilitator", "group moderator")
ROLES = ("none", "participant", "screen", "facilitator",
         "other participant", "other screen", "other facilitator", *LINKS)


@dataclass
class Scene:
    """Workshop W (projects a, by its participant, and b, by the facilitator; a has one dot)
    and workshop O, each with a facilitator key, a screen key and one participant."""

    workshop: Workshop
    other: Workshop
    tokens: dict[str, str]
    a: int
    b: int
    links: dict[str, str]  # a named link's key, by asker (LINKS)
    spare_link: int  # the id of a link of W for revoking
    insider_id: int = 0  # W's participant
    group_id: int = 0  # a group of W (W has one from the start; a row's setup may add another)

    @property
    def code(self) -> str:
        return self.workshop.code

    def key(self, role: str) -> str | None:
        """The raw key a role holds (None for nobody)."""
        if role == "none":
            return None
        if role in LINKS:
            return self.links[role]
        mine = not role.startswith("other ")
        kind = role.removeprefix("other ")
        workshop = self.workshop if mine else self.other
        if kind == "participant":
            return self.tokens["mine" if mine else "other"]
        return workshop.created[f"{kind}_key"]

    def slot(self, role: str) -> str:
        """The cookie a browser keeps this role's key in (a key of another workshop is tried
        in this workshop's cookie of the same role: the strongest thing a stranger can do)."""
        return "facilitator" if role in LINKS else role.removeprefix("other ")


def make_scene(client: TestClient, phase: str = "propose", **workshop_fields: Any) -> Scene:
    workshop = create_workshop(client, phase="propose", **workshop_fields)
    other = create_workshop(client, title="Another ministry's workshop", phase="propose")
    insider, outsider = join(client, workshop, "Insider"), join(client, other, "Outsider")
    a = propose(client, workshop, insider.headers, "Project A")["id"]
    b = propose(client, workshop, workshop.facilitator, "Project B")["id"]
    propose(client, other, outsider.headers, "Their project")
    set_phase(client, workshop, "vote")
    vote(client, workshop, insider, a, 1)
    links, spare, group_id = named_links(client, workshop)
    if phase != "vote":
        set_phase(client, workshop, phase)
    return Scene(workshop, other, {"mine": insider.token, "other": outsider.token}, a, b, links, spare, insider.id,
                 group_id)


def named_links(client: TestClient, workshop: Workshop) -> tuple[dict[str, str], int, int]:
    """W's named links (one revoked), a group of W with its group facilitator and a moderator of
    its own, and a spare link.
    Each live key is used once here, so that a refused request does not write its last use
    (written at most once a minute) and the database stays exactly as it was."""
    made: dict[str, str] = {}
    ids: dict[str, int] = {}
    for role, kind in (("co_facilitator", "co_facilitator"), ("moderator", "moderator"),
                       ("revoked link", "moderator"), ("spare", "moderator")):
        answer = client.post(f"/api/v1/workshops/{workshop.code}/links", json={"name": role, "role": kind},
                             headers=workshop.facilitator)
        assert answer.status_code == 201, answer.text
        made[role], ids[role] = answer.json()["key"], answer.json()["id"]
    revoked = client.delete(f"/api/v1/workshops/{workshop.code}/links/{ids['revoked link']}",
                            headers=workshop.facilitator)
    assert revoked.status_code == 204, revoked.text
    with Session(client.app.state.engine, expire_on_commit=False) as session:  # type: ignore[attr-defined]
        event = workshops.get_workshop(session, code=workshop.code)
        (group,) = groups.add_groups(session, event=event, actor=Actor(Role.facilitator), names=["Group of W"])
    made["group_facilitator"] = group.group_facilitator_key
    scoped = client.post(f"/api/v1/workshops/{workshop.code}/links", headers=workshop.facilitator,
                         json={"name": "group moderator", "role": "moderator", "group_id": group.group.id})
    assert scoped.status_code == 201, scoped.text
    made["group moderator"] = scoped.json()["key"]
    for role in ("co_facilitator", "moderator", "spare", "group_facilitator"):
        client.get(f"/api/v1/workshops/{workshop.code}/projects", headers=bearer(made[role]))
    client.get(f"/api/v1/workshops/{group.group.code}/projects", headers=bearer(made["group moderator"]))
    return made, ids["spare"], group.group.id


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
