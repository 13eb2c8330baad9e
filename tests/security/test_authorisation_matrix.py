"""The authorisation matrix: every route of the app, for every kind of asker, gives exactly the
status the rules table says (app/services/rules.py), and a refused request changes nothing.

The askers: nobody; workshop W's participant, screen and facilitator; and each of those three
roles of another workshop O, whose key is tried where W's key of that role would go (as a
Bearer header on the API, in W's cookie for that role on pages, on the secret links, and on
the websocket). Each row names the actions of the table its route asks about, in order (its
door's first); the status each asker should get is read from the table, so the code and this
test cannot disagree about who may. The routes are read from the app itself, so a route added
without a row fails `test_every_route_has_a_row`, and a row must name the action its route's
door asks (`test_each_row_asks_what_its_door_asks`); a public route is listed as Public.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from starlette.routing import Mount, WebSocketRoute
from starlette.testclient import WebSocketDenialResponse

from app import deps
from app.errors import DomainError
from app.models import Project, Workshop
from app.routes import live
from app.services import rules
from app.services.access import Actor, Role
from app.services.rules import Action as A
from app.services.views import VIEWS as LIVE_VIEWS
from tests.routes.helpers import bearer, set_phase
from tests.security.conftest import ROLES, Scene, database_state, make_scene, present_cookie

ACCEPTED = 101  # the websocket was accepted (HTTP 101 Switching Protocols)
UNKNOWN = ("none", "other participant", "other screen", "other facilitator", "revoked link")


@dataclass(frozen=True)
class Public:
    """A route the table has no rule for: the same answer whoever asks."""

    status: int


@dataclass(frozen=True)
class Row:
    """One way of calling one route: how the asker's key travels, in which phase, the actions of
    the rules table it asks about (or Public) and the status of an asker they all allow."""

    method: str  # HTTP method, or "WS"
    route: str  # the route's path as the app declares it
    url: str  # {code}, {a}, {b} and {key} are filled in
    auth: str  # "bearer", "cookie", "path" (the key in the URL) or "query" (?key=, websocket)
    asks: tuple[A, ...] | Public
    ok: int = 200
    phase: str = "propose"
    json: Any = None
    form: dict[str, str] | None = None
    body: Callable[[TestClient, Scene], Any] | None = None  # a JSON body that needs the scene
    workshop: dict[str, Any] = field(default_factory=dict)  # fields of W when it is created
    check: Callable[[str, Any], None] | None = None  # more to check about an allowed answer
    setup: Callable[[TestClient, Scene], None] | None = None  # more to prepare in W before asking
    files: dict[str, tuple[str, bytes, str]] | None = None  # a multipart upload
    # The change can be made once only (a merge, a hide): each asker who may gets a fresh W.
    once: bool = False

    @property
    def name(self) -> str:
        return f"{self.method} {self.url} [{self.auth}, {self.phase}]"

    @property
    def view(self) -> str | None:
        """The websocket view asked for (None: the asker's own)."""
        return self.url.partition("view=")[2] or None

    @property
    def expect(self) -> dict[str, int]:
        """The status of each asker, as the rules table decides it."""
        if isinstance(self.asks, Public):
            return dict.fromkeys(ROLES, self.asks.status)
        return {role: self.status_of(role) for role in ROLES}

    def status_of(self, role: str) -> int:
        # W in the row's phase, and a stand-in for its project a (its participant's) or b (the facilitator's).
        workshop = Workshop(phase=self.phase, show_live_tallies=self.workshop.get("show_live_tallies", True))
        project = (Project(proposer_id=INSIDER, approved=True) if "{a}" in self.url else
                   Project(proposer_id=None, approved=True) if "{b}" in self.url else None)
        actor = asker(role)
        asks = self.asks
        assert not isinstance(asks, Public)
        if self.method == "WS":  # a view, or the asker's own: its page's action
            asks = (live.VIEWS[self.view or live.DEFAULT_VIEW.get(actor.role if actor else Role.participant)],)
        for action in asks:
            try:
                rules.check(action, actor, workshop, project)
            except DomainError as refused:
                # A secret link opens with its own key only: any other is no key for it.
                return 401 if self.auth == "path" else refused.status_code
        return self.ok


INSIDER = 1  # W's participant, who proposed a


GROUP_OF_W = -1  # the group facilitator's home: a group of W, never W itself


def asker(role: str) -> Actor | None:
    """Who the table sees asking: a key of another workshop, or a revoked one, is no key of W at all."""
    if role in UNKNOWN:
        return None
    if role == "group moderator":  # a moderator's link issued for W's group, not for W
        return Actor(Role.moderator, home_id=GROUP_OF_W)
    return Actor(Role(role), participant_id=INSIDER if role == "participant" else None,
                 home_id=GROUP_OF_W if role == "group_facilitator" else None)


def export_of_w(client: TestClient, scene: Scene) -> Any:
    answer = client.get(f"/api/v1/workshops/{scene.code}/export", headers=scene.workshop.facilitator)
    assert answer.status_code == 200, answer.text
    return answer.json()


def scoring_round(client: TestClient, scene: Scene) -> None:
    """W votes in a scoring round (impact and feasibility) from now on."""
    answer = client.post(f"/api/v1/workshops/{scene.code}/rounds", json={"mode": "scoring"},
                         headers=scene.workshop.facilitator)
    assert answer.status_code == 201, answer.text


def pending_edit_on_a(client: TestClient, scene: Scene) -> None:
    """Pre-moderation on, and a's proposer has changed it since it was shown: the change waits."""
    on = client.patch(f"/api/v1/workshops/{scene.code}", json={"premoderate": True}, headers=scene.workshop.facilitator)
    assert on.status_code == 200, on.text
    edited = client.patch(f"/api/v1/workshops/{scene.code}/projects/{scene.a}", json={"title": "Changed"},
                          headers=bearer(scene.tokens["mine"]))
    assert edited.status_code == 200 and edited.json()["edit_pending"], edited.text


def a_group(client: TestClient, scene: Scene) -> None:
    """W has a group (in W's phase), the {g} of the row's URL."""
    phase = client.get(f"{API}/{scene.code}").json()["phase"]
    if phase == "closed":  # groups are added while the workshop is open
        set_phase(client, scene.workshop, "propose")
    made = client.post(f"{API}/{scene.code}/groups", json={"name": "ภาคเหนือ"}, headers=scene.workshop.facilitator)
    assert made.status_code == 201, made.text
    scene.group_id = made.json()["id"]
    if phase == "closed":
        set_phase(client, scene.workshop, "closed")
    moved = client.put(f"{API}/{scene.code}/groups/{scene.group_id}/phase", json={"phase": phase},
                       headers=scene.workshop.facilitator)
    assert moved.status_code == 200, moved.text


def insider_in_a_group(client: TestClient, scene: Scene) -> None:
    """As a_group, with W's participant moved into it: the participant the rows ask as is the group's."""
    a_group(client, scene)
    moved = client.put(f"{API}/{scene.code}/participants/{scene.insider_id}/group", json={"group_id": scene.group_id},
                       headers=scene.workshop.facilitator)
    assert moved.status_code == 200, moved.text


def two_groups(client: TestClient, scene: Scene) -> None:
    """W gets groups North and South, in W's phase, North with a project of its own (a group
    facilitator's key on the plenary: tests/groups/test_plenary_api.py)."""
    from sqlmodel import Session

    from app.services import groups, projects, workshops
    from app.models.project import ProjectCreate
    from tests.factories import FACILITATOR

    with Session(client.app.state.engine) as session:  # type: ignore[attr-defined]
        event = workshops.get_workshop(session, code=scene.code)
        if event.phase == "closed":  # no groups are added then; the phase refuses first anyway
            return
        north, south = (g.group for g in groups.add_groups(session, event=event, actor=FACILITATOR,
                                                            names=["North", "South"]))
        projects.create_project(session, workshop=north, actor=FACILITATOR, project_in=ProjectCreate(title="Up"))
        for group in (north, south):
            workshops.set_phase(session, workshop=group, actor=FACILITATOR, phase=event.phase)
        scene.group_id = north.id


def phone_or_join_form(role: str, response: Any) -> None:
    """The phone page shows the ballot only to a participant; anyone else gets the join form."""
    if role == "participant":
        assert 'id="phone-shell"' in response.text
    else:
        assert 'name="name"' in response.text and 'id="phone-shell"' not in response.text


API = "/api/v1/workshops"
PAGE = "/w/{code}"
SPREADSHEET = {"file": ("projects.csv", "ชื่อโครงการ\nศูนย์ข้อมูลกลาง\n".encode(), "text/csv")}
CONSOLE = A.facilitate  # the console's door (FacilitatorPage); what a button does is the service's
PHONE = A.take_part  # the phone's door (ParticipantPage)

ROWS: list[Row] = [
    # --- the API description ---
    Row("GET", "/openapi.json", "/openapi.json", "bearer", Public(200)),
    Row("GET", "/docs", "/docs", "bearer", Public(200)),
    # --- JSON API: workshops ---
    Row("POST", f"{API}", f"{API}", "bearer", Public(201), json={"title": "A new workshop"}),
    Row("GET", f"{API}/{{code}}", f"{API}/{{code}}", "bearer", Public(200)),
    Row("PUT", f"{API}/{{code}}/phase", f"{API}/{{code}}/phase", "bearer", (A.set_phase,), json={"phase": "vote"}),
    # The facilitator may move a closed workshop to another phase.
    Row("PUT", f"{API}/{{code}}/phase", f"{API}/{{code}}/phase", "bearer", (A.set_phase,), phase="closed",
        json={"phase": "results"}),
    Row("PATCH", f"{API}/{{code}}", f"{API}/{{code}}", "bearer", (A.change_settings,), json={"title": "Renamed"}),
    Row("PATCH", f"{API}/{{code}}", f"{API}/{{code}}", "bearer", (A.change_settings,), phase="closed",
        json={"title": "Renamed"}),
    Row("POST", f"{API}/{{code}}/participants", f"{API}/{{code}}/participants", "bearer", (A.join_workshop,), 201,
        json={"name": "Newcomer"}),
    Row("POST", f"{API}/{{code}}/participants", f"{API}/{{code}}/participants", "bearer", (A.join_workshop,), 201,
        phase="closed", json={"name": "Newcomer"}),
    Row("PUT", f"{API}/{{code}}/timer", f"{API}/{{code}}/timer", "bearer", (A.control_timer, A.run_timer),
        json={"action": "start", "minutes": 5}),
    Row("PUT", f"{API}/{{code}}/timer", f"{API}/{{code}}/timer", "bearer", (A.control_timer, A.run_timer),
        phase="closed", json={"action": "start", "minutes": 5}),
    # Stopping the timer needs no phase to time.
    Row("PUT", f"{API}/{{code}}/timer", f"{API}/{{code}}/timer", "bearer", (A.control_timer,), phase="closed",
        json={"action": "stop"}),
    # The big screen's one power: choosing what it shows.
    Row("PUT", f"{API}/{{code}}/screen-view", f"{API}/{{code}}/screen-view", "bearer", (A.choose_screen_view,),
        json={"view": "wall"}),
    # Holding a page of the screen's long lists is the facilitator's alone (the screen key: 403).
    Row("PUT", f"{API}/{{code}}/screen-view", f"{API}/{{code}}/screen-view", "bearer",
        (A.choose_screen_view, A.hold_screen_page), json={"view": "wall", "page": 2}),
    # So is drilling its per-strategy views into a strategy (null: the top level; the screen key: 403).
    Row("PUT", f"{API}/{{code}}/screen-view", f"{API}/{{code}}/screen-view", "bearer",
        (A.choose_screen_view, A.drill_screen), json={"view": "wall", "drill": None}),
    Row("GET", "/api/v1/time", "/api/v1/time", "bearer", Public(200)),
    Row("GET", "/api/v1/frameworks", "/api/v1/frameworks", "bearer", Public(200)),
    Row("GET", "/api/v1/frameworks/{framework_id}", "/api/v1/frameworks/un-sdg", "bearer", Public(200)),
    Row("POST", "/api/v1/frameworks", "/api/v1/frameworks", "bearer", Public(201),
        json={"title": "My plan", "strategies": [{"code": "S1", "name": "Growth"}]}),
    Row("GET", f"{API}/{{code}}/framework", f"{API}/{{code}}/framework", "bearer", (A.export,)),
    Row("GET", f"{API}/{{code}}/framework", f"{API}/{{code}}/framework?format=csv", "bearer", (A.export,)),
    # A CSV body; JSON is not one, whoever sends it (the real import: tests/routes/test_api_frameworks.py).
    Row("POST", "/api/v1/frameworks/{fmt}", "/api/v1/frameworks/csv", "bearer", Public(422), json={}),
    Row("GET", f"{API}/{{code}}/framework", f"{API}/{{code}}/framework?format=xlsx", "bearer", (A.export,)),
    Row("POST", f"{API}/{{code}}/own-presets", f"{API}/{{code}}/own-presets", "bearer", (A.save_framework,), 201,
        json={}),
    Row("POST", f"{API}/{{code}}/own-presets", f"{API}/{{code}}/own-presets", "bearer", (A.save_framework,), 201,
        phase="closed", json={"title": "Saved when closed"}),
    # --- JSON API: groups (large events) ---
    Row("POST", f"{API}/{{code}}/groups", f"{API}/{{code}}/groups", "bearer", (A.manage_groups,), 201,
        json={"name": "ภาคเหนือ"}),
    Row("POST", f"{API}/{{code}}/groups", f"{API}/{{code}}/groups", "bearer", (A.manage_groups,), 201,
        phase="closed", json={"names": ["ภาคเหนือ", "ภาคใต้"]}),
    Row("GET", f"{API}/{{code}}/groups", f"{API}/{{code}}/groups", "bearer", Public(200), setup=a_group),
    Row("PUT", f"{API}/{{code}}/groups/phase", f"{API}/{{code}}/groups/phase", "bearer", (A.manage_groups,),
        json={"phase": "vote"}, setup=a_group),
    Row("PUT", f"{API}/{{code}}/groups/{{group_id}}/phase", f"{API}/{{code}}/groups/{{g}}/phase", "bearer",
        (A.set_phase,), json={"phase": "vote"}, setup=insider_in_a_group),
    Row("GET", f"{API}/{{code}}/groups/{{group_id}}/results", f"{API}/{{code}}/groups/{{g}}/results", "bearer",
        (A.see_tallies,), phase="vote", setup=insider_in_a_group),
    Row("GET", f"{API}/{{code}}/groups/{{group_id}}/results", f"{API}/{{code}}/groups/{{g}}/results", "bearer",
        (A.see_tallies,), phase="vote", workshop={"show_live_tallies": False}, setup=insider_in_a_group),
    Row("GET", f"{API}/{{code}}/groups/{{group_id}}/results", f"{API}/{{code}}/groups/{{g}}/results", "bearer",
        (A.see_tallies,), phase="results", workshop={"show_live_tallies": False}, setup=insider_in_a_group),
    Row("PUT", f"{API}/{{code}}/participants/{{participant_id}}/group",
        f"{API}/{{code}}/participants/{{insider}}/group", "bearer", (A.move_participant,),
        body=lambda client, scene: {"group_id": scene.group_id}, setup=a_group),
    Row("PUT", f"{API}/{{code}}/participants/{{participant_id}}/group",
        f"{API}/{{code}}/participants/{{insider}}/group", "bearer", (A.move_participant,), phase="closed",
        body=lambda client, scene: {"group_id": scene.group_id}, setup=a_group),
    # --- JSON API: named links and the action log (issue 14) ---
    Row("GET", f"{API}/{{code}}/links", f"{API}/{{code}}/links", "bearer", (A.manage_links,)),
    Row("POST", f"{API}/{{code}}/links", f"{API}/{{code}}/links", "bearer", (A.manage_links,), 201,
        json={"name": "Helper", "role": "co_facilitator"}),
    Row("POST", f"{API}/{{code}}/links", f"{API}/{{code}}/links", "bearer", (A.manage_links,), 201, phase="closed",
        json={"name": "Helper", "role": "moderator"}),
    # A link for one group of W (W's own group, made with the scene).
    Row("POST", f"{API}/{{code}}/links", f"{API}/{{code}}/links", "bearer", (A.manage_links,), 201,
        body=lambda client, scene: {"name": "Table helper", "role": "moderator", "group_id": scene.group_id}),
    Row("DELETE", f"{API}/{{code}}/links/{{link_id}}", f"{API}/{{code}}/links/{{link}}", "bearer", (A.manage_links,),
        204),
    Row("GET", f"{API}/{{code}}/log", f"{API}/{{code}}/log", "bearer", (A.read_action_log,)),
    Row("GET", f"{API}/{{code}}/log", f"{API}/{{code}}/log?offset=1&limit=2", "bearer", (A.read_action_log,),
        phase="closed"),
    # --- JSON API: projects ---
    Row("GET", f"{API}/{{code}}/projects", f"{API}/{{code}}/projects", "bearer", (A.list_projects,)),
    Row("POST", f"{API}/{{code}}/projects", f"{API}/{{code}}/projects", "bearer", (A.propose,), 201,
        json={"title": "Proposed"}),
    Row("POST", f"{API}/{{code}}/projects", f"{API}/{{code}}/projects", "bearer", (A.propose,), 201, phase="vote",
        json={"title": "Proposed"}),
    Row("PATCH", f"{API}/{{code}}/projects/{{project_id}}", f"{API}/{{code}}/projects/{{a}}", "bearer",
        (A.edit_project,), json={"title": "Edited by its proposer"}),
    # A participant may edit only their own proposals: b is the facilitator's.
    Row("PATCH", f"{API}/{{code}}/projects/{{project_id}}", f"{API}/{{code}}/projects/{{b}}", "bearer",
        (A.edit_project,), json={"title": "Edited"}),
    Row("POST", f"{API}/{{code}}/projects/{{project_id}}/merge", f"{API}/{{code}}/projects/{{a}}/merge", "bearer",
        (A.merge_projects,), body=lambda client, scene: {"into": scene.b}, once=True),
    Row("POST", f"{API}/{{code}}/projects/{{project_id}}/merge", f"{API}/{{code}}/projects/{{a}}/merge", "bearer",
        (A.merge_projects,), phase="closed", body=lambda client, scene: {"into": scene.b}),
    Row("DELETE", f"{API}/{{code}}/projects/{{project_id}}", f"{API}/{{code}}/projects/{{a}}", "bearer",
        (A.hide_project,), 204, once=True),
    Row("POST", f"{API}/{{code}}/projects/{{project_id}}/restore", f"{API}/{{code}}/projects/{{a}}/restore",
        "bearer", (A.restore_project,)),
    Row("POST", f"{API}/{{code}}/projects/{{project_id}}/approve", f"{API}/{{code}}/projects/{{a}}/approve",
        "bearer", (A.approve_project,)),
    Row("POST", f"{API}/{{code}}/projects/{{project_id}}/pin", f"{API}/{{code}}/projects/{{a}}/pin", "bearer",
        (A.pin_project,), json={"pinned": True}),
    Row("POST", f"{API}/{{code}}/projects/{{project_id}}/approve", f"{API}/{{code}}/projects/{{a}}/approve",
        "bearer", (A.approve_project,), setup=pending_edit_on_a),
    # Projects from a spreadsheet (the facilitator, in any phase but closed).
    Row("POST", f"{API}/{{code}}/projects/import", f"{API}/{{code}}/projects/import", "bearer",
        (A.import_projects,), 201, form={"commit": "true"}, files=SPREADSHEET),
    Row("POST", f"{API}/{{code}}/projects/import", f"{API}/{{code}}/projects/import", "bearer",
        (A.import_projects,), 201, phase="closed", form={"commit": "true"}, files=SPREADSHEET),
    Row("DELETE", f"{API}/{{code}}/projects/{{project_id}}/pending-edit",
        f"{API}/{{code}}/projects/{{a}}/pending-edit", "bearer", (A.moderate_edit,), setup=pending_edit_on_a,
        once=True),
    # --- JSON API: dots and results ---
    Row("PUT", f"{API}/{{code}}/votes/{{project_id}}", f"{API}/{{code}}/votes/{{b}}", "bearer", (A.vote,),
        phase="vote", json={"dots": 2}),
    Row("PUT", f"{API}/{{code}}/votes/{{project_id}}", f"{API}/{{code}}/votes/{{b}}", "bearer", (A.vote,),
        phase="results", json={"dots": 2}),
    Row("GET", f"{API}/{{code}}/votes/me", f"{API}/{{code}}/votes/me", "bearer", (A.read_own_votes,), phase="vote"),
    # Live tallies: the facilitator, the screen and the participants, as their pages show them.
    Row("GET", f"{API}/{{code}}/results", f"{API}/{{code}}/results", "bearer", (A.see_tallies,), phase="vote"),
    # Hidden tallies are the facilitator's alone until phase results; then results are public.
    Row("GET", f"{API}/{{code}}/results", f"{API}/{{code}}/results", "bearer", (A.see_tallies,), phase="vote",
        workshop={"show_live_tallies": False}),
    Row("GET", f"{API}/{{code}}/results", f"{API}/{{code}}/results", "bearer", (A.see_tallies,), phase="results",
        workshop={"show_live_tallies": False}),
    Row("GET", f"{API}/{{code}}/export", f"{API}/{{code}}/export?format=json", "bearer", (A.export,),
        phase="results"),
    Row("POST", f"{API}/import", f"{API}/import", "bearer", Public(201), body=export_of_w),
    # --- JSON API: voting rounds, scores and duplicate hints ---
    Row("GET", f"{API}/{{code}}/rounds", f"{API}/{{code}}/rounds", "bearer", (A.list_rounds,)),
    Row("POST", f"{API}/{{code}}/rounds", f"{API}/{{code}}/rounds", "bearer", (A.start_round,), 201,
        json={"mode": "scoring", "scope": {"top_n": 1}}),
    Row("POST", f"{API}/{{code}}/rounds", f"{API}/{{code}}/rounds", "bearer", (A.start_round,), 201,
        phase="closed", json={"mode": "scoring"}),
    Row("PUT", f"{API}/{{code}}/rounds/current", f"{API}/{{code}}/rounds/current", "bearer", (A.switch_round,),
        json={"number": 1}),
    Row("PUT", f"{API}/{{code}}/scores/{{project_id}}", f"{API}/{{code}}/scores/{{b}}", "bearer", (A.score,),
        phase="vote", json={"scores": {"impact": 4}}, setup=scoring_round),
    Row("GET", f"{API}/{{code}}/scores/me", f"{API}/{{code}}/scores/me", "bearer", (A.read_own_scores,),
        phase="vote", setup=scoring_round),
    Row("GET", f"{API}/{{code}}/duplicates", f"{API}/{{code}}/duplicates", "bearer", (A.see_duplicates,)),
    # --- JSON API: large events (groups rolled up into a plenary) ---
    Row("POST", f"{API}/{{code}}/plenary", f"{API}/{{code}}/plenary", "bearer", (A.promote_to_plenary,), 201,
        json={"top": 1}, setup=two_groups),
    Row("POST", f"{API}/{{code}}/plenary", f"{API}/{{code}}/plenary", "bearer", (A.promote_to_plenary,), 201,
        phase="closed", json={"top": 1}, setup=two_groups),
    # A group's results through W's code: the tallies rule, in the group (hidden: the facilitator's
    # alone; W's own participant is not the group's, so 403 there in any phase).
    # --- pages: the front door ---
    Row("GET", "/", "/", "cookie", Public(200)),
    Row("GET", "/join", "/join?code={code}", "cookie", Public(303)),
    Row("GET", "/j/{code}", "/j/{code}", "cookie", Public(303)),
    Row("GET", "/lang/{lang}", "/lang/en?next=/w/{code}", "cookie", Public(303)),
    Row("GET", "/new", "/new", "cookie", Public(200)),
    Row("POST", "/new", "/new", "cookie", Public(303), form={"title": "Made on the form"}),
    # --- pages: the phone ---
    Row("GET", PAGE, PAGE, "cookie", Public(200), check=phone_or_join_form),
    # W has groups (the group facilitator's asker): its join form asks which one.
    Row("POST", f"{PAGE}/join", f"{PAGE}/join", "cookie", (A.join_workshop,), 303,
        body=lambda client, scene: {"name": "Newcomer", "group_id": str(scene.group_id)}),
    Row("GET", f"{PAGE}/me", f"{PAGE}/me", "cookie", (PHONE,)),
    Row("POST", f"{PAGE}/proposals", f"{PAGE}/proposals", "cookie", (PHONE, A.propose),
        form={"title": "From a phone"}),
    Row("GET", f"{PAGE}/mine", f"{PAGE}/mine", "cookie", (PHONE,)),
    Row("GET", f"{PAGE}/list", f"{PAGE}/list?q=x&offset=0", "cookie", (PHONE,)),
    Row("GET", f"{PAGE}/mine/{{project_id}}", f"{PAGE}/mine/{{a}}", "cookie", (PHONE, A.edit_project)),
    Row("POST", f"{PAGE}/mine/{{project_id}}", f"{PAGE}/mine/{{a}}", "cookie", (PHONE, A.edit_project),
        form={"title": "Edited on my phone"}),
    # b is the facilitator's: not the participant's to edit.
    Row("POST", f"{PAGE}/mine/{{project_id}}", f"{PAGE}/mine/{{b}}", "cookie", (PHONE, A.edit_project),
        form={"title": "Not mine"}),
    Row("POST", f"{PAGE}/ballot/{{project_id}}", f"{PAGE}/ballot/{{b}}", "cookie", (A.vote,), phase="vote",
        form={"change": "1"}),
    Row("POST", f"{PAGE}/scores/{{project_id}}", f"{PAGE}/scores/{{b}}", "cookie", (A.score,), phase="vote",
        form={"criterion": "impact", "value": "4"}, setup=scoring_round),
    # --- pages: the facilitator's console ---
    Row("GET", f"{PAGE}/facilitate/{{key}}", f"{PAGE}/facilitate/{{key}}", "path", (CONSOLE,), 303),
    Row("GET", f"{PAGE}/facilitate", f"{PAGE}/facilitate", "cookie", (CONSOLE,)),
    Row("GET", f"{PAGE}/facilitate/projects-table", f"{PAGE}/facilitate/projects-table?q=x", "cookie", (CONSOLE,)),
    Row("POST", f"{PAGE}/facilitate/phase", f"{PAGE}/facilitate/phase", "cookie", (CONSOLE, A.set_phase),
        form={"phase": "vote"}),
    Row("POST", f"{PAGE}/facilitate/tallies", f"{PAGE}/facilitate/tallies", "cookie", (CONSOLE, A.change_settings),
        form={"show": "on"}),
    Row("GET", f"{PAGE}/facilitate/projects/{{project_id}}", f"{PAGE}/facilitate/projects/{{a}}", "cookie",
        (CONSOLE,)),
    Row("POST", f"{PAGE}/facilitate/projects/{{project_id}}", f"{PAGE}/facilitate/projects/{{a}}", "cookie",
        (CONSOLE, A.edit_project), form={"title": "Edited on the console"}),
    Row("POST", f"{PAGE}/facilitate/projects/{{project_id}}/hide", f"{PAGE}/facilitate/projects/{{a}}/hide",
        "cookie", (CONSOLE, A.hide_project), once=True),
    Row("POST", f"{PAGE}/facilitate/projects/{{project_id}}/hide", f"{PAGE}/facilitate/projects/{{a}}/hide",
        "cookie", (CONSOLE, A.hide_project), phase="closed"),
    Row("POST", f"{PAGE}/facilitate/projects/{{project_id}}/restore",
        f"{PAGE}/facilitate/projects/{{a}}/restore", "cookie", (CONSOLE, A.restore_project)),
    Row("POST", f"{PAGE}/facilitate/projects/{{project_id}}/merge", f"{PAGE}/facilitate/projects/{{a}}/merge",
        "cookie", (CONSOLE, A.merge_projects), body=lambda client, scene: {"into": str(scene.b)}, once=True),
    Row("GET", f"{PAGE}/facilitate/projects/{{project_id}}/merge", f"{PAGE}/facilitate/projects/{{a}}/merge?into={{b}}",
        "cookie", (CONSOLE, A.merge_projects)),  # the compare before a merge
    Row("GET", f"{PAGE}/facilitate/export.{{fmt}}", f"{PAGE}/facilitate/export.csv", "cookie", (CONSOLE,)),
    Row("POST", f"{PAGE}/facilitate/projects/{{project_id}}/approve", f"{PAGE}/facilitate/projects/{{a}}/approve",
        "cookie", (CONSOLE, A.approve_project)),
    Row("POST", f"{PAGE}/facilitate/projects/{{project_id}}/reject", f"{PAGE}/facilitate/projects/{{a}}/reject",
        "cookie", (CONSOLE, A.hide_project), once=True),
    Row("POST", f"{PAGE}/facilitate/projects/{{project_id}}/pin", f"{PAGE}/facilitate/projects/{{a}}/pin",
        "cookie", (CONSOLE, A.pin_project), form={"pinned": "on"}),
    Row("POST", f"{PAGE}/facilitate/projects/{{project_id}}/edit/approve",
        f"{PAGE}/facilitate/projects/{{a}}/edit/approve", "cookie", (CONSOLE, A.moderate_edit),
        setup=pending_edit_on_a, once=True),
    Row("POST", f"{PAGE}/facilitate/projects/{{project_id}}/edit/reject",
        f"{PAGE}/facilitate/projects/{{a}}/edit/reject", "cookie", (CONSOLE, A.moderate_edit),
        setup=pending_edit_on_a, once=True),
    Row("POST", f"{PAGE}/facilitate/agencies/review", f"{PAGE}/facilitate/agencies/review", "cookie",
        (CONSOLE, A.review_agency), form={"name": "กรมที่พิมพ์เอง", "decision": "approve"}),
    Row("POST", f"{PAGE}/facilitate/premoderate", f"{PAGE}/facilitate/premoderate", "cookie",
        (CONSOLE, A.change_settings), form={"on": "on"}),
    Row("POST", f"{PAGE}/facilitate/own-preset", f"{PAGE}/facilitate/own-preset", "cookie",
        (CONSOLE, A.save_framework), form={"title": "My preset"}),
    Row("POST", f"{PAGE}/facilitate/own-preset", f"{PAGE}/facilitate/own-preset", "cookie",
        (CONSOLE, A.save_framework), phase="closed", form={"title": "My preset"}),
    Row("POST", f"{PAGE}/facilitate/settings", f"{PAGE}/facilitate/settings", "cookie",
        (CONSOLE, A.change_settings), form={"shuffle_projects": "on", "time_zone": "Asia/Bangkok"}),
    Row("POST", f"{PAGE}/facilitate/reveal", f"{PAGE}/facilitate/reveal", "cookie", (CONSOLE, A.change_settings),
        phase="vote", workshop={"show_live_tallies": False}),
    Row("POST", f"{PAGE}/facilitate/timer", f"{PAGE}/facilitate/timer", "cookie", (CONSOLE, A.run_timer),
        form={"action": "start", "minutes": "5"}),
    Row("POST", f"{PAGE}/facilitate/screen-view", f"{PAGE}/facilitate/screen-view", "cookie",
        (CONSOLE, A.choose_screen_view), form={"view": "wall"}),
    Row("POST", f"{PAGE}/facilitate/screen-page", f"{PAGE}/facilitate/screen-page", "cookie",
        (CONSOLE, A.hold_screen_page), form={"step": "next"}),
    Row("POST", f"{PAGE}/facilitate/screen-drill", f"{PAGE}/facilitate/screen-drill", "cookie",
        (CONSOLE, A.drill_screen), form={"strategy_id": ""}),
    Row("POST", f"{PAGE}/facilitate/rounds", f"{PAGE}/facilitate/rounds", "cookie", (CONSOLE, A.start_round),
        form={"mode": "scoring", "scoped": "on", "top_n": "1"}),
    Row("POST", f"{PAGE}/facilitate/rounds/current", f"{PAGE}/facilitate/rounds/current", "cookie",
        (CONSOLE, A.switch_round), form={"number": "1"}),
    Row("GET", f"{PAGE}/facilitate/import", f"{PAGE}/facilitate/import", "cookie", (CONSOLE,)),
    Row("POST", f"{PAGE}/facilitate/import", f"{PAGE}/facilitate/import", "cookie", (CONSOLE, A.import_projects),
        files=SPREADSHEET),
    Row("POST", f"{PAGE}/facilitate/import/commit", f"{PAGE}/facilitate/import/commit", "cookie",
        (CONSOLE, A.import_projects), files=SPREADSHEET),
    Row("POST", f"{PAGE}/facilitate/import/commit", f"{PAGE}/facilitate/import/commit", "cookie",
        (CONSOLE, A.import_projects), phase="closed", files=SPREADSHEET),
    Row("GET", f"{PAGE}/facilitate/import/progress/{{job_id}}", f"{PAGE}/facilitate/import/progress/gone",
        "cookie", (CONSOLE,)),
    Row("POST", f"{PAGE}/facilitate/plenary", f"{PAGE}/facilitate/plenary", "cookie",
        (CONSOLE, A.promote_to_plenary), form={"top": "1"}, setup=two_groups),
    Row("GET", f"{PAGE}/facilitate/plenary/groups/{{group_id}}", f"{PAGE}/facilitate/plenary/groups/{{g}}",
        "cookie", (CONSOLE,), setup=two_groups),
    Row("GET", f"{PAGE}/facilitate/report", f"{PAGE}/facilitate/report", "cookie", (CONSOLE,), phase="results"),
    Row("GET", f"{PAGE}/facilitate/report.pdf", f"{PAGE}/facilitate/report.pdf", "cookie", (CONSOLE,),
        phase="results"),
    # --- pages: the console's Groups card and the table cards (large events) ---
    Row("GET", f"{PAGE}/facilitate/groups", f"{PAGE}/facilitate/groups", "cookie", (CONSOLE,), setup=a_group),
    Row("POST", f"{PAGE}/facilitate/groups", f"{PAGE}/facilitate/groups", "cookie", (CONSOLE, A.manage_groups),
        form={"names": "ภาคเหนือ\nภาคใต้"}),
    Row("POST", f"{PAGE}/facilitate/groups", f"{PAGE}/facilitate/groups", "cookie", (CONSOLE, A.manage_groups),
        phase="closed", form={"names": "ภาคเหนือ"}),
    Row("POST", f"{PAGE}/facilitate/groups/phase", f"{PAGE}/facilitate/groups/phase", "cookie",
        (CONSOLE, A.manage_groups), form={"phase": "vote"}, setup=a_group),
    Row("POST", f"{PAGE}/facilitate/groups/{{group_id}}/links", f"{PAGE}/facilitate/groups/{{g}}/links", "cookie",
        (CONSOLE, A.manage_groups), setup=a_group),
    Row("GET", f"{PAGE}/facilitate/groups/people", f"{PAGE}/facilitate/groups/people?q=Insider", "cookie",
        (CONSOLE, A.move_participant), setup=a_group),
    Row("POST", f"{PAGE}/facilitate/groups/move", f"{PAGE}/facilitate/groups/move", "cookie",
        (CONSOLE, A.move_participant), setup=a_group,
        body=lambda client, scene: {"participant_id": str(scene.insider_id), "group_id": str(scene.group_id)}),
    Row("GET", f"{PAGE}/facilitate/table-cards", f"{PAGE}/facilitate/table-cards?size=a5", "cookie",
        (CONSOLE, A.manage_groups), setup=a_group),
    Row("GET", f"{PAGE}/facilitate/table-cards.pdf", f"{PAGE}/facilitate/table-cards.pdf", "cookie",
        (CONSOLE, A.manage_groups), setup=a_group),
    # --- pages: the console's Facilitators card and action log (issue 14) ---
    Row("POST", f"{PAGE}/facilitate/links", f"{PAGE}/facilitate/links", "cookie", (CONSOLE, A.manage_links),
        form={"name": "Helper", "role": "moderator"}),
    Row("POST", f"{PAGE}/facilitate/links", f"{PAGE}/facilitate/links", "cookie", (CONSOLE, A.manage_links),
        body=lambda client, scene: {"name": "Table helper", "role": "co_facilitator", "group_id": str(scene.group_id)}),
    Row("POST", f"{PAGE}/facilitate/links/{{link_id}}/revoke", f"{PAGE}/facilitate/links/{{link}}/revoke", "cookie",
        (CONSOLE, A.manage_links)),
    Row("GET", f"{PAGE}/facilitate/log", f"{PAGE}/facilitate/log?offset=0", "cookie", (CONSOLE, A.read_action_log)),
    Row("GET", f"{PAGE}/facilitate/log", f"{PAGE}/facilitate/log", "cookie", (CONSOLE, A.read_action_log),
        phase="closed"),
    # --- pages: the big screen ---
    Row("GET", f"{PAGE}/screen/{{key}}", f"{PAGE}/screen/{{key}}", "path", (A.watch_screen,), 303),
    Row("GET", f"{PAGE}/screen", f"{PAGE}/screen", "cookie", (A.watch_screen,)),
    Row("POST", f"{PAGE}/screen/view", f"{PAGE}/screen/view", "cookie", (A.watch_screen, A.choose_screen_view), 204,
        form={"view": "wall"}),
    # --- the websocket: a key in the query (scripts, tests) or the page's cookies (browsers); each
    # view asks its page's action (app/routes/live.py VIEWS), the asker's own view by default ---
    Row("WS", "/ws/workshops/{code}", "/ws/workshops/{code}", "query", (), ACCEPTED),
    Row("WS", "/ws/workshops/{code}", "/ws/workshops/{code}", "cookie", (), ACCEPTED),
    Row("WS", "/ws/workshops/{code}", "/ws/workshops/{code}?view=facilitator", "query", (), ACCEPTED),
    Row("WS", "/ws/workshops/{code}", "/ws/workshops/{code}?view=facilitator", "cookie", (), ACCEPTED),
    Row("WS", "/ws/workshops/{code}", "/ws/workshops/{code}?view=screen", "query", (), ACCEPTED),
    Row("WS", "/ws/workshops/{code}", "/ws/workshops/{code}?view=screen", "cookie", (), ACCEPTED),
    Row("WS", "/ws/workshops/{code}", "/ws/workshops/{code}?view=phone", "query", (), ACCEPTED),
    Row("WS", "/ws/workshops/{code}", "/ws/workshops/{code}?view=phone", "cookie", (), ACCEPTED),
    # Hidden tallies: the screen's view still opens (it shows that votes are hidden, not tallies).
    Row("WS", "/ws/workshops/{code}", "/ws/workshops/{code}?view=screen", "query", (), ACCEPTED,
        phase="vote", workshop={"show_live_tallies": False}),
    # --- files the pages load ---
    Row("GET", "/static/vendor/{name}", "/static/vendor/htmx.min.js", "cookie", Public(200)),
    Row("GET", "/static/fonts/{name}", "/static/fonts/{font}", "cookie", Public(200)),
    Row("MOUNT", "/static", "/static/app.js", "cookie", Public(200)),
]


def app_routes(app: FastAPI) -> dict[tuple[str, str], Any]:
    """Every route the app serves, by (method, path): "WS" for websockets, "MOUNT" for mounts."""
    found: dict[tuple[str, str], Any] = {}

    def walk(routes: list[Any], prefix: str) -> None:
        for route in routes:
            original = getattr(route, "original_router", None)  # FastAPI keeps included routers whole
            if original is not None:
                walk(original.routes, prefix + route.include_context.prefix)
            elif isinstance(route, Mount):
                found[("MOUNT", prefix + route.path)] = route
            elif isinstance(route, WebSocketRoute) or type(route).__name__ == "APIWebSocketRoute":
                found[("WS", prefix + route.path)] = route
            else:
                found.update(((method, prefix + route.path), route) for method in route.methods - {"HEAD"})

    walk(app.routes, "")
    return found


def door_actions(route: Any) -> tuple[A, ...]:
    """The actions a route's doors (app/deps.py api_door, page_door) ask, in the order they run."""
    found: list[A] = []

    def walk(dependant: Any) -> None:
        for sub in dependant.dependencies:
            walk(sub)
            if sub.call in deps.DOOR_ACTIONS:
                found.append(deps.DOOR_ACTIONS[sub.call])

    if getattr(route, "dependant", None) is not None:
        walk(route.dependant)
    return tuple(found)


def test_every_route_has_a_row(app: FastAPI) -> None:
    served = set(app_routes(app))
    covered = {(row.method, row.route) for row in ROWS}
    assert not served - covered, f"routes without a row in the authorisation matrix: {sorted(served - covered)}"
    assert not covered - served, f"rows for routes the app no longer has: {sorted(covered - served)}"


def test_each_row_asks_what_its_door_asks(app: FastAPI) -> None:
    """A route with a door is mapped to the action its door asks (and what its service asks
    after it); one without names the actions its handler, service or ballot box asks, or is public."""
    served = app_routes(app)
    for row in ROWS:
        doors = door_actions(served[(row.method, row.route)])
        if doors:
            assert not isinstance(row.asks, Public), f"{row.name}: its route has a door, so it is not public"
            assert row.asks[:len(doors)] == doors, f"{row.name}: its door asks {doors}, the row {row.asks}"
        elif row.method != "WS":
            assert isinstance(row.asks, Public) or row.asks, f"{row.name}: names no action and is not public"


def test_every_live_view_is_a_page_of_the_table() -> None:
    """Each view the websocket serves is watched by whom the rules let use its page."""
    assert set(live.VIEWS) == set(LIVE_VIEWS)
    assert set(live.VIEWS.values()) <= set(rules.RULES)
    assert all(live.DEFAULT_VIEW[role] in live.VIEWS for role in Role)


# Actions of large events whose routes are being built (issue 14); each leaves this set with its row.
NOT_YET_ROUTED: set[A] = set()


def test_every_action_of_the_table_is_tried() -> None:
    asked = {action for row in ROWS if not isinstance(row.asks, Public) for action in row.asks}
    asked |= set(live.VIEWS.values()) | NOT_YET_ROUTED
    assert asked == set(rules.RULES), f"actions no row tries: {sorted(set(rules.RULES) - asked)}"


def first_font() -> str:
    from app.routes import static

    fonts = getattr(static, "FONTS", {})
    return next(iter(fonts), "none.woff2")


def ask(client: TestClient, scene: Scene, row: Row, role: str) -> tuple[int, Any]:
    """Make the row's request as `role`; returns (status, response or None)."""
    key = scene.key(role)
    client.cookies.clear()
    headers: dict[str, str] = {}
    url = row.url.format(code=scene.code, a=scene.a, b=scene.b, key=key or "not-a-key", font=first_font(),
                         g=scene.group_id, insider=scene.insider_id, link=scene.spare_link)
    if row.auth == "bearer" and key:
        headers = bearer(key)
    elif row.auth == "cookie":
        present_cookie(client, scene, role)
    elif row.auth == "query" and key:
        url += ("&" if "?" in url else "?") + f"key={key}"
    if row.method == "WS":
        try:
            with client.websocket_connect(url) as websocket:
                assert websocket.receive_text()  # the snapshot
                return ACCEPTED, None
        except WebSocketDenialResponse as denied:
            return denied.status_code, denied
    payload = row.body(client, scene) if row.body else None
    json = row.json if row.json is not None else (payload if row.auth != "cookie" else None)
    form = row.form if row.form is not None else (payload if row.auth == "cookie" else None)
    verb = "GET" if row.method == "MOUNT" else row.method
    response = client.request(verb, url, headers=headers, json=json, data=form, files=row.files,
                              follow_redirects=False)
    return response.status_code, response


def order(expect: dict[str, int]) -> list[str]:
    """Refusals first (each must leave everything as it was), then the askers who may."""
    return sorted(ROLES, key=lambda role: expect[role] < 400)


@pytest.mark.parametrize("row", ROWS, ids=[row.name for row in ROWS])
def test_each_asker_gets_exactly_the_status_in_the_matrix(client: TestClient, engine: Engine, row: Row) -> None:
    def fresh() -> Scene:
        made = make_scene(client, row.phase, **row.workshop)
        if row.setup:
            row.setup(client, made)
        return made

    scene = fresh()
    expect = row.expect
    got: dict[str, int] = {}
    before, after_refusals = database_state(engine), None
    for role in order(expect):  # the refused askers first, then those who may
        if after_refusals is None and expect[role] < 400:
            after_refusals = database_state(engine)
        elif row.once and expect[role] < 400:
            scene = fresh()
        status, response = ask(client, scene, row, role)
        got[role] = status
        if status == expect[role] < 400 and row.check and response is not None:
            row.check(role, response)
        if status >= 400 and response is not None and row.method != "WS":
            assert status < 500, response.text
    assert got == expect, "status per asker differs from what the rules table says"
    assert (after_refusals or database_state(engine)) == before, "refused requests changed the database"


def test_no_key_opens_a_page_from_another_role_s_cookie(client: TestClient, engine: Engine) -> None:
    """Each key tried in each role's cookie: only a key in its own role's cookie counts; one in
    another role's cookie is still a key this workshop knows, of the wrong role: 403 (API.md)."""
    scene = make_scene(client)
    pages = {"participant": f"/w/{scene.code}/me", "screen": f"/w/{scene.code}/screen",
             "facilitator": f"/w/{scene.code}/facilitate"}
    for holder in ("participant", "screen", "facilitator"):
        for slot, url in pages.items():
            client.cookies.clear()
            client.cookies.set(f"rk_{slot[0]}_{scene.code}", scene.key(holder) or "")
            status = client.get(url, follow_redirects=False).status_code
            # The facilitator's key also opens the big screen, through the screen link, not its cookie.
            assert status == (200 if holder == slot else 403), (holder, slot, status)
