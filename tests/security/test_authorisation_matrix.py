"""The authorisation matrix: every route of the app, for every kind of asker, gives exactly the
status written here, and a refused request changes nothing.

The askers: nobody; workshop W's participant, screen and facilitator; and each of those three
roles of another workshop O, whose key is tried where W's key of that role would go (as a
Bearer header on the API, in W's cookie for that role on pages, on the secret links, and on
the websocket). The routes are read from the app itself, so a route added without a row here
fails `test_every_route_has_a_row`.
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

from tests.routes.helpers import bearer
from tests.security.conftest import ROLES, Scene, database_state, make_scene, present_cookie

ACCEPTED = 101  # the websocket was accepted (HTTP 101 Switching Protocols)
UNKNOWN = ("none", "other participant", "other screen", "other facilitator")


def anyone(status: int) -> dict[str, int]:
    """A public route: the same answer whoever asks."""
    return dict.fromkeys(ROLES, status)


def keyed(ok: int, *allowed: str, **overrides: int) -> dict[str, int]:
    """A keyed route: 401 without a key this workshop knows, 403 for a known key of another role."""
    table = {role: 401 if role in UNKNOWN else ok if role in allowed else 403 for role in ROLES}
    table.update({role.replace("_", " "): status for role, status in overrides.items()})
    return table


def link(ok: int, *allowed: str) -> dict[str, int]:
    """A secret link (the key is in the path): only the right key opens it, anything else is 401."""
    return {role: ok if role in allowed else 401 for role in ROLES}


@dataclass(frozen=True)
class Row:
    """One way of calling one route: how the asker's key travels, in which phase, and what each gets."""

    method: str  # HTTP method, or "WS"
    route: str  # the route's path as the app declares it
    url: str  # {code}, {a}, {b} and {key} are filled in
    auth: str  # "bearer", "cookie", "path" (the key in the URL) or "query" (?key=, websocket)
    expect: dict[str, int]
    phase: str = "propose"
    json: Any = None
    form: dict[str, str] | None = None
    body: Callable[[TestClient, Scene], Any] | None = None  # a JSON body that needs the scene
    workshop: dict[str, Any] = field(default_factory=dict)  # fields of W when it is created
    check: Callable[[str, Any], None] | None = None  # more to check about an allowed answer
    setup: Callable[[TestClient, Scene], None] | None = None  # more to prepare in W before asking

    @property
    def name(self) -> str:
        return f"{self.method} {self.url} [{self.auth}, {self.phase}]"


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


def phone_or_join_form(role: str, response: Any) -> None:
    """The phone page shows the ballot only to a participant; anyone else gets the join form."""
    if role == "participant":
        assert 'id="phone-shell"' in response.text
    else:
        assert 'name="name"' in response.text and 'id="phone-shell"' not in response.text


API = "/api/v1/workshops"
PAGE = "/w/{code}"
P, S, F = "participant", "screen", "facilitator"

ROWS: list[Row] = [
    # --- the API description ---
    Row("GET", "/openapi.json", "/openapi.json", "bearer", anyone(200)),
    Row("GET", "/docs", "/docs", "bearer", anyone(200)),
    # --- JSON API: workshops ---
    Row("POST", f"{API}", f"{API}", "bearer", anyone(201), json={"title": "A new workshop"}),
    Row("GET", f"{API}/{{code}}", f"{API}/{{code}}", "bearer", anyone(200)),
    Row("PUT", f"{API}/{{code}}/phase", f"{API}/{{code}}/phase", "bearer", keyed(200, F), json={"phase": "vote"}),
    Row("PATCH", f"{API}/{{code}}", f"{API}/{{code}}", "bearer", keyed(200, F), json={"title": "Renamed"}),
    Row("POST", f"{API}/{{code}}/participants", f"{API}/{{code}}/participants", "bearer", anyone(201),
        json={"name": "Newcomer"}),
    Row("PUT", f"{API}/{{code}}/timer", f"{API}/{{code}}/timer", "bearer", keyed(200, F),
        json={"action": "start", "minutes": 5}),
    # The big screen's one power: choosing what it shows.
    Row("PUT", f"{API}/{{code}}/screen-view", f"{API}/{{code}}/screen-view", "bearer", keyed(200, S, F),
        json={"view": "wall"}),
    Row("GET", "/api/v1/time", "/api/v1/time", "bearer", anyone(200)),
    # --- JSON API: projects ---
    Row("GET", f"{API}/{{code}}/projects", f"{API}/{{code}}/projects", "bearer", keyed(200, P, S, F)),
    Row("POST", f"{API}/{{code}}/projects", f"{API}/{{code}}/projects", "bearer", keyed(201, P, F),
        json={"title": "Proposed"}),
    Row("PATCH", f"{API}/{{code}}/projects/{{project_id}}", f"{API}/{{code}}/projects/{{a}}", "bearer",
        keyed(200, P, F), json={"title": "Edited by its proposer"}),
    # A participant may edit only their own proposals: b is the facilitator's.
    Row("PATCH", f"{API}/{{code}}/projects/{{project_id}}", f"{API}/{{code}}/projects/{{b}}", "bearer",
        keyed(200, F), json={"title": "Edited"}),
    Row("POST", f"{API}/{{code}}/projects/{{project_id}}/merge", f"{API}/{{code}}/projects/{{a}}/merge", "bearer",
        keyed(200, F), body=lambda client, scene: {"into": scene.b}),
    Row("DELETE", f"{API}/{{code}}/projects/{{project_id}}", f"{API}/{{code}}/projects/{{a}}", "bearer",
        keyed(204, F)),
    Row("POST", f"{API}/{{code}}/projects/{{project_id}}/restore", f"{API}/{{code}}/projects/{{a}}/restore",
        "bearer", keyed(200, F)),
    Row("POST", f"{API}/{{code}}/projects/{{project_id}}/approve", f"{API}/{{code}}/projects/{{a}}/approve",
        "bearer", keyed(200, F)),
    Row("POST", f"{API}/{{code}}/projects/{{project_id}}/pin", f"{API}/{{code}}/projects/{{a}}/pin", "bearer",
        keyed(200, F), json={"pinned": True}),
    Row("POST", f"{API}/{{code}}/projects/{{project_id}}/approve", f"{API}/{{code}}/projects/{{a}}/approve",
        "bearer", keyed(200, F), setup=pending_edit_on_a),
    Row("DELETE", f"{API}/{{code}}/projects/{{project_id}}/pending-edit",
        f"{API}/{{code}}/projects/{{a}}/pending-edit", "bearer", keyed(200, F), setup=pending_edit_on_a),
    # --- JSON API: dots and results ---
    Row("PUT", f"{API}/{{code}}/votes/{{project_id}}", f"{API}/{{code}}/votes/{{b}}", "bearer", keyed(200, P),
        phase="vote", json={"dots": 2}),
    Row("GET", f"{API}/{{code}}/votes/me", f"{API}/{{code}}/votes/me", "bearer", keyed(200, P), phase="vote"),
    Row("GET", f"{API}/{{code}}/results", f"{API}/{{code}}/results", "bearer", keyed(200, S, F), phase="vote"),
    # Hidden tallies are the facilitator's alone until phase results; then results are public.
    Row("GET", f"{API}/{{code}}/results", f"{API}/{{code}}/results", "bearer", keyed(200, F), phase="vote",
        workshop={"show_live_tallies": False}),
    Row("GET", f"{API}/{{code}}/results", f"{API}/{{code}}/results", "bearer", anyone(200), phase="results"),
    Row("GET", f"{API}/{{code}}/export", f"{API}/{{code}}/export?format=json", "bearer", keyed(200, F),
        phase="results"),
    Row("POST", f"{API}/import", f"{API}/import", "bearer", anyone(201), body=export_of_w),
    # --- JSON API: voting rounds, scores and duplicate hints ---
    Row("GET", f"{API}/{{code}}/rounds", f"{API}/{{code}}/rounds", "bearer", keyed(200, P, S, F)),
    Row("POST", f"{API}/{{code}}/rounds", f"{API}/{{code}}/rounds", "bearer", keyed(201, F),
        json={"mode": "scoring", "scope": {"top_n": 1}}),
    Row("PUT", f"{API}/{{code}}/rounds/current", f"{API}/{{code}}/rounds/current", "bearer", keyed(200, F),
        json={"number": 1}),
    Row("PUT", f"{API}/{{code}}/scores/{{project_id}}", f"{API}/{{code}}/scores/{{b}}", "bearer", keyed(200, P),
        phase="vote", json={"scores": {"impact": 4}}, setup=scoring_round),
    Row("GET", f"{API}/{{code}}/scores/me", f"{API}/{{code}}/scores/me", "bearer", keyed(200, P), phase="vote",
        setup=scoring_round),
    Row("GET", f"{API}/{{code}}/duplicates", f"{API}/{{code}}/duplicates", "bearer", keyed(200, F)),
    # --- pages: the front door ---
    Row("GET", "/", "/", "cookie", anyone(200)),
    Row("GET", "/join", "/join?code={code}", "cookie", anyone(303)),
    Row("GET", "/j/{code}", "/j/{code}", "cookie", anyone(303)),
    Row("GET", "/lang/{lang}", "/lang/en?next=/w/{code}", "cookie", anyone(303)),
    Row("GET", "/new", "/new", "cookie", anyone(200)),
    Row("POST", "/new", "/new", "cookie", anyone(303), form={"title": "Made on the form"}),
    # --- pages: the phone ---
    Row("GET", PAGE, PAGE, "cookie", anyone(200), check=phone_or_join_form),
    Row("POST", f"{PAGE}/join", f"{PAGE}/join", "cookie", anyone(303), form={"name": "Newcomer"}),
    Row("GET", f"{PAGE}/me", f"{PAGE}/me", "cookie", keyed(200, P)),
    Row("POST", f"{PAGE}/proposals", f"{PAGE}/proposals", "cookie", keyed(200, P),
        form={"title": "From a phone"}),
    Row("GET", f"{PAGE}/mine", f"{PAGE}/mine", "cookie", keyed(200, P)),
    Row("GET", f"{PAGE}/mine/{{project_id}}", f"{PAGE}/mine/{{a}}", "cookie", keyed(200, P)),
    Row("POST", f"{PAGE}/mine/{{project_id}}", f"{PAGE}/mine/{{a}}", "cookie", keyed(200, P),
        form={"title": "Edited on my phone"}),
    # b is the facilitator's: not the participant's to edit.
    Row("POST", f"{PAGE}/mine/{{project_id}}", f"{PAGE}/mine/{{b}}", "cookie", keyed(200),
        form={"title": "Not mine"}),
    Row("POST", f"{PAGE}/ballot/{{project_id}}", f"{PAGE}/ballot/{{b}}", "cookie", keyed(200, P), phase="vote",
        form={"change": "1"}),
    Row("POST", f"{PAGE}/scores/{{project_id}}", f"{PAGE}/scores/{{b}}", "cookie", keyed(200, P), phase="vote",
        form={"criterion": "impact", "value": "4"}, setup=scoring_round),
    # --- pages: the facilitator's console ---
    Row("GET", f"{PAGE}/facilitate/{{key}}", f"{PAGE}/facilitate/{{key}}", "path", link(303, F)),
    Row("GET", f"{PAGE}/facilitate", f"{PAGE}/facilitate", "cookie", keyed(200, F)),
    Row("POST", f"{PAGE}/facilitate/phase", f"{PAGE}/facilitate/phase", "cookie", keyed(200, F),
        form={"phase": "vote"}),
    Row("POST", f"{PAGE}/facilitate/tallies", f"{PAGE}/facilitate/tallies", "cookie", keyed(200, F),
        form={"show": "on"}),
    Row("GET", f"{PAGE}/facilitate/projects/{{project_id}}", f"{PAGE}/facilitate/projects/{{a}}", "cookie",
        keyed(200, F)),
    Row("POST", f"{PAGE}/facilitate/projects/{{project_id}}", f"{PAGE}/facilitate/projects/{{a}}", "cookie",
        keyed(200, F), form={"title": "Edited on the console"}),
    Row("POST", f"{PAGE}/facilitate/projects/{{project_id}}/hide", f"{PAGE}/facilitate/projects/{{a}}/hide",
        "cookie", keyed(200, F)),
    Row("POST", f"{PAGE}/facilitate/projects/{{project_id}}/restore",
        f"{PAGE}/facilitate/projects/{{a}}/restore", "cookie", keyed(200, F)),
    Row("POST", f"{PAGE}/facilitate/projects/{{project_id}}/merge", f"{PAGE}/facilitate/projects/{{a}}/merge",
        "cookie", keyed(200, F), body=lambda client, scene: {"into": str(scene.b)}),
    Row("GET", f"{PAGE}/facilitate/export.{{fmt}}", f"{PAGE}/facilitate/export.csv", "cookie", keyed(200, F)),
    Row("POST", f"{PAGE}/facilitate/projects/{{project_id}}/approve", f"{PAGE}/facilitate/projects/{{a}}/approve",
        "cookie", keyed(200, F)),
    Row("POST", f"{PAGE}/facilitate/projects/{{project_id}}/reject", f"{PAGE}/facilitate/projects/{{a}}/reject",
        "cookie", keyed(200, F)),
    Row("POST", f"{PAGE}/facilitate/projects/{{project_id}}/pin", f"{PAGE}/facilitate/projects/{{a}}/pin",
        "cookie", keyed(200, F), form={"pinned": "on"}),
    Row("POST", f"{PAGE}/facilitate/projects/{{project_id}}/edit/approve",
        f"{PAGE}/facilitate/projects/{{a}}/edit/approve", "cookie", keyed(200, F), setup=pending_edit_on_a),
    Row("POST", f"{PAGE}/facilitate/projects/{{project_id}}/edit/reject",
        f"{PAGE}/facilitate/projects/{{a}}/edit/reject", "cookie", keyed(200, F), setup=pending_edit_on_a),
    Row("POST", f"{PAGE}/facilitate/agencies/review", f"{PAGE}/facilitate/agencies/review", "cookie",
        keyed(200, F), form={"name": "กรมที่พิมพ์เอง", "decision": "approve"}),
    Row("POST", f"{PAGE}/facilitate/premoderate", f"{PAGE}/facilitate/premoderate", "cookie", keyed(200, F),
        form={"on": "on"}),
    Row("POST", f"{PAGE}/facilitate/reveal", f"{PAGE}/facilitate/reveal", "cookie", keyed(200, F), phase="vote",
        workshop={"show_live_tallies": False}),
    Row("POST", f"{PAGE}/facilitate/timer", f"{PAGE}/facilitate/timer", "cookie", keyed(200, F),
        form={"action": "start", "minutes": "5"}),
    Row("POST", f"{PAGE}/facilitate/screen-view", f"{PAGE}/facilitate/screen-view", "cookie", keyed(200, F),
        form={"view": "wall"}),
    Row("POST", f"{PAGE}/facilitate/rounds", f"{PAGE}/facilitate/rounds", "cookie", keyed(200, F),
        form={"mode": "scoring", "scoped": "on", "top_n": "1"}),
    Row("POST", f"{PAGE}/facilitate/rounds/current", f"{PAGE}/facilitate/rounds/current", "cookie",
        keyed(200, F), form={"number": "1"}),
    Row("GET", f"{PAGE}/facilitate/report", f"{PAGE}/facilitate/report", "cookie", keyed(200, F),
        phase="results"),
    Row("GET", f"{PAGE}/facilitate/report.pdf", f"{PAGE}/facilitate/report.pdf", "cookie", keyed(200, F),
        phase="results"),
    # --- pages: the big screen ---
    Row("GET", f"{PAGE}/screen/{{key}}", f"{PAGE}/screen/{{key}}", "path", link(303, S, F)),
    Row("GET", f"{PAGE}/screen", f"{PAGE}/screen", "cookie", keyed(200, S, F)),
    Row("POST", f"{PAGE}/screen/view", f"{PAGE}/screen/view", "cookie", keyed(204, S, F), form={"view": "wall"}),
    # --- the websocket: a key in the query (scripts, tests) or the page's cookies (browsers) ---
    Row("WS", "/ws/workshops/{code}", "/ws/workshops/{code}", "query", keyed(ACCEPTED, P, S, F)),
    Row("WS", "/ws/workshops/{code}", "/ws/workshops/{code}", "cookie", keyed(ACCEPTED, P, S, F)),
    Row("WS", "/ws/workshops/{code}", "/ws/workshops/{code}?view=facilitator", "query", keyed(ACCEPTED, F)),
    Row("WS", "/ws/workshops/{code}", "/ws/workshops/{code}?view=facilitator", "cookie", keyed(ACCEPTED, F)),
    Row("WS", "/ws/workshops/{code}", "/ws/workshops/{code}?view=screen", "query", keyed(ACCEPTED, S, F)),
    Row("WS", "/ws/workshops/{code}", "/ws/workshops/{code}?view=screen", "cookie", keyed(ACCEPTED, S, F)),
    Row("WS", "/ws/workshops/{code}", "/ws/workshops/{code}?view=phone", "query", keyed(ACCEPTED, P)),
    Row("WS", "/ws/workshops/{code}", "/ws/workshops/{code}?view=phone", "cookie", keyed(ACCEPTED, P)),
    # Hidden tallies: the screen's view still opens (it shows that votes are hidden, not tallies).
    Row("WS", "/ws/workshops/{code}", "/ws/workshops/{code}?view=screen", "query", keyed(ACCEPTED, S, F),
        phase="vote", workshop={"show_live_tallies": False}),
    # --- files the pages load ---
    Row("GET", "/static/vendor/{name}", "/static/vendor/htmx.min.js", "cookie", anyone(200)),
    Row("GET", "/static/fonts/{name}", "/static/fonts/{font}", "cookie", anyone(200)),
    Row("MOUNT", "/static", "/static/app.js", "cookie", anyone(200)),
]


def app_routes(app: FastAPI) -> set[tuple[str, str]]:
    """(method, path) of every route the app serves: "WS" for websockets, "MOUNT" for mounts."""
    found: set[tuple[str, str]] = set()

    def walk(routes: list[Any], prefix: str) -> None:
        for route in routes:
            original = getattr(route, "original_router", None)  # FastAPI keeps included routers whole
            if original is not None:
                walk(original.routes, prefix + route.include_context.prefix)
            elif isinstance(route, Mount):
                found.add(("MOUNT", prefix + route.path))
            elif isinstance(route, WebSocketRoute) or type(route).__name__ == "APIWebSocketRoute":
                found.add(("WS", prefix + route.path))
            else:
                found.update((method, prefix + route.path) for method in route.methods - {"HEAD"})

    walk(app.routes, "")
    return found


def test_every_route_has_a_row(app: FastAPI) -> None:
    served = app_routes(app)
    covered = {(row.method, row.route) for row in ROWS}
    assert not served - covered, f"routes without a row in the authorisation matrix: {sorted(served - covered)}"
    assert not covered - served, f"rows for routes the app no longer has: {sorted(covered - served)}"


def first_font() -> str:
    from app.routes import static

    fonts = getattr(static, "FONTS", {})
    return next(iter(fonts), "none.woff2")


def ask(client: TestClient, scene: Scene, row: Row, role: str) -> tuple[int, Any]:
    """Make the row's request as `role`; returns (status, response or None)."""
    key = scene.key(role)
    client.cookies.clear()
    headers: dict[str, str] = {}
    url = row.url.format(code=scene.code, a=scene.a, b=scene.b, key=key or "not-a-key", font=first_font())
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
    response = client.request(verb, url, headers=headers, json=json, data=form, follow_redirects=False)
    return response.status_code, response


def order(row: Row) -> list[str]:
    """Refusals first (each must leave everything as it was), then the askers who may."""
    ok = {status for status in row.expect.values() if status < 400}
    return sorted(ROLES, key=lambda role: row.expect[role] in ok)


@pytest.mark.parametrize("row", ROWS, ids=[row.name for row in ROWS])
def test_each_asker_gets_exactly_the_status_in_the_matrix(client: TestClient, engine: Engine, row: Row) -> None:
    scene = make_scene(client, row.phase, **row.workshop)
    if row.setup:
        row.setup(client, scene)
    got: dict[str, int] = {}
    before, after_refusals = database_state(engine), None
    for role in order(row):  # the refused askers first, then those who may
        if after_refusals is None and row.expect[role] < 400:
            after_refusals = database_state(engine)
        status, response = ask(client, scene, row, role)
        got[role] = status
        if status == row.expect[role] < 400 and row.check and response is not None:
            row.check(role, response)
        if status >= 400 and response is not None and row.method != "WS":
            assert status < 500, response.text
    assert got == row.expect, "status per asker differs from the matrix"
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
