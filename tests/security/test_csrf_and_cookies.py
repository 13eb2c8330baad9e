"""Cross-site requests: a page of another site cannot make a logged-in browser act here.

Every state change of the pages (all POSTs outside /api/) is tried with the browser's own
cookie but from evil.example: each is refused with 403 and changes nothing, while the same
request from our own page (htmx, same origin) works. Key cookies are HttpOnly, SameSite=Lax,
and Secure over https.
"""

from __future__ import annotations

from http.cookies import SimpleCookie
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from app.deps import DEVICE_COOKIE, cookie_name
from tests.routes.helpers import bearer, create_workshop, join, set_phase
from tests.security.conftest import database_state, make_scene
from tests.security.test_authorisation_matrix import ROWS, Row, app_routes, ask

# Page actions, each with the asker who may do it (the row of the authorisation matrix).
ACTIONS = [row for row in ROWS if row.auth == "cookie" and row.method == "POST"
           and any(status < 400 for status in row.expect.values())]


def allowed_asker(row: Row) -> str:
    return next(role for role in ("facilitator", "participant", "none") if row.expect[role] < 400)


CROSS_SITE = {
    "Origin of another site": {"Origin": "http://evil.example"},
    "Sec-Fetch-Site cross-site": {"Sec-Fetch-Site": "cross-site"},
    "Sec-Fetch-Site same-site (a sibling host)": {"Sec-Fetch-Site": "same-site"},
    "Referer of another site, no Origin": {"Referer": "http://evil.example/form.html"},
    "Origin null (a sandboxed frame)": {"Origin": "null"},
    "Origin of our host on another port": {"Origin": "http://testserver:8080"},
}
SAME_ORIGIN_HTMX = {"HX-Request": "true", "Origin": "http://testserver", "Sec-Fetch-Site": "same-origin",
                    "Referer": "http://testserver/w/page"}


def test_every_page_action_is_in_this_test(app: FastAPI) -> None:
    unsafe = {(method, path) for method, path in app_routes(app)
              if method in {"POST", "PUT", "PATCH", "DELETE"} and not path.startswith("/api/")}
    assert unsafe == {(row.method, row.route) for row in ACTIONS}


def request(client: TestClient, row: Row, scene: Any, role: str, headers: dict[str, str]) -> Any:
    """The row's request as `role`'s browser (its cookie), with these extra headers."""
    original = client.headers.copy()
    client.headers.update(headers)
    try:
        _status, response = ask(client, scene, row, role)
    finally:
        client.headers = original
    return response


@pytest.mark.parametrize("row", ACTIONS, ids=[row.route for row in ACTIONS])
def test_a_cross_site_post_is_refused_and_changes_nothing(client: TestClient, engine: Engine, row: Row) -> None:
    scene = make_scene(client, row.phase, **row.workshop)
    if row.setup:
        row.setup(client, scene)
    role = allowed_asker(row)
    for label, headers in CROSS_SITE.items():
        before = database_state(engine)
        response = request(client, row, scene, role, headers)
        assert response.status_code == 403, (label, response.status_code, response.text[:200])
        assert "Cross-site request refused" in response.json()["detail"]
        assert database_state(engine) == before, f"{label}: the refused request changed the database"
    # The same request from our own page goes through.
    response = request(client, row, scene, role, SAME_ORIGIN_HTMX)
    assert response.status_code == row.expect[role], response.text[:300]


def test_a_form_posted_by_the_browser_itself_without_fetch_metadata_works(client: TestClient) -> None:
    """Older browsers send only Origin (or only Referer): our own host is enough."""
    scene = make_scene(client)
    for headers in ({"Origin": "http://testserver"}, {"Referer": "http://testserver/w/x"}):
        client.cookies.clear()
        client.cookies.set(cookie_name("participant", scene.code), scene.key("participant") or "")
        response = client.post(f"/w/{scene.code}/proposals", data={"title": "From our own page"}, headers=headers)
        assert response.status_code == 200, response.text


def test_cookies_never_authenticate_the_json_api(client: TestClient) -> None:
    """The API takes keys only from the Authorization header, which another site cannot make a
    browser send; a browser's cookies give it nothing there."""
    scene = make_scene(client)
    client.cookies.set(cookie_name("facilitator", scene.code), scene.key("facilitator") or "")
    client.cookies.set(cookie_name("participant", scene.code), scene.key("participant") or "")
    answer = client.put(f"/api/v1/workshops/{scene.code}/phase", json={"phase": "closed"})
    assert answer.status_code == 401
    assert client.get(f"/api/v1/workshops/{scene.code}").json()["phase"] == "propose"
    # With its Bearer header the API works from any origin (scripts, other tools): no CSRF there.
    answer = client.put(f"/api/v1/workshops/{scene.code}/phase", json={"phase": "vote"},
                        headers={**bearer(scene.key("facilitator") or ""), "Origin": "http://evil.example"})
    assert answer.status_code == 200


# --- cookie flags ---


def cookies_set(response: Any) -> dict[str, Any]:
    jar: dict[str, Any] = {}
    for header in response.headers.get_list("set-cookie"):
        parsed = SimpleCookie()
        parsed.load(header)
        jar.update(parsed)
    return jar


def key_cookies(client: TestClient) -> dict[str, Any]:
    """Every cookie ruamkit sets, by the step that sets it: creating, joining, both secret links,
    and the language switch."""
    made: dict[str, Any] = {}
    answer = client.post("/new", data={"title": "Cookie flags"}, follow_redirects=False)
    assert answer.status_code == 303, answer.text
    made.update(cookies_set(answer))
    code = answer.headers["location"].split("/")[2]
    workshop = create_workshop(client)
    set_phase(client, workshop, "propose")
    for url in (f"/w/{workshop.code}/facilitate/{workshop.created['facilitator_key']}",
                f"/w/{workshop.code}/screen/{workshop.created['screen_key']}", "/lang/en?next=/"):
        answer = client.get(url, follow_redirects=False)
        assert answer.status_code == 303
        made.update(cookies_set(answer))
    answer = client.post(f"/w/{code}/join", data={"name": "สมศรี"}, follow_redirects=False)
    assert answer.status_code == 303
    made.update(cookies_set(answer))
    kinds = {name.split("_")[1] for name in made if name.startswith("rk_") and name.count("_") == 2}
    assert {"f", "s", "p"} <= kinds, sorted(made)
    return made


def test_cookies_are_httponly_and_samesite_lax_and_not_secure_over_plain_http(client: TestClient) -> None:
    for name, morsel in key_cookies(client).items():
        assert morsel["httponly"], name
        assert morsel["samesite"].lower() == "lax", name
        assert not morsel["secure"], name
        assert morsel["path"] == "/", name


def test_cookies_are_secure_when_the_page_is_served_over_https(app: FastAPI) -> None:
    with TestClient(app, base_url="https://testserver") as https:
        for name, morsel in key_cookies(https).items():
            assert morsel["secure"], name
            assert morsel["httponly"] and morsel["samesite"].lower() == "lax", name


def test_cookies_are_secure_behind_a_tls_proxy_when_the_setting_says_so(client_with: Any) -> None:
    for name, morsel in key_cookies(client_with(secure_cookies=True)).items():
        if name.startswith("rk_") and name.count("_") == 2:
            assert morsel["secure"], name


def test_a_participant_cookie_is_scoped_to_its_workshop(client: TestClient) -> None:
    workshop = create_workshop(client, phase="propose")
    other = create_workshop(client, title="Other", phase="propose")
    join(client, workshop)
    answer = client.post(f"/w/{workshop.code}/join", data={"name": "Phone"}, follow_redirects=False)
    # The key's cookie, named for its workshop (and the phone's device id, which is no key).
    assert sorted(cookies_set(answer)) == sorted([cookie_name("participant", workshop.code), DEVICE_COOKIE])
    # That browser is a stranger in the other workshop.
    assert client.get(f"/w/{other.code}/me", follow_redirects=False).status_code == 401
