"""Response headers: a strict Content-Security-Policy everywhere, no framing of the phone and
console pages, and no caching of anything that carries a key."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.deps import cookie_name
from tests.routes.helpers import API
from tests.security.conftest import Scene


def csp(response: Any) -> dict[str, str]:
    """The policy as {directive: sources}."""
    policy = response.headers["content-security-policy"]
    return {part.split()[0]: " ".join(part.split()[1:]) for part in policy.split(";") if part.strip()}


def as_role(client: TestClient, scene: Scene, role: str | None) -> TestClient:
    client.cookies.clear()
    if role:
        client.cookies.set(cookie_name(role, scene.code), scene.key(role) or "")
    return client


PAGES = {  # name: (role whose cookie is sent, url)
    "home": (None, "/"),
    "new workshop form": (None, "/new"),
    "phone join page": (None, "/w/{code}"),
    "phone page": ("participant", "/w/{code}"),
    "facilitator console": ("facilitator", "/w/{code}/facilitate"),
    "project editor": ("facilitator", "/w/{code}/facilitate/projects/{a}"),
    "big screen": ("screen", "/w/{code}/screen"),
    "error page": (None, "/w/ZZZZZZ"),
    "printable report": ("facilitator", "/w/{code}/facilitate/report"),
}


def fetch(client: TestClient, scene: Scene, name: str) -> Any:
    role, url = PAGES[name]
    return as_role(client, scene, role).get(url.format(code=scene.code, a=scene.a), follow_redirects=False)


@pytest.mark.parametrize("name", PAGES)
def test_every_page_has_a_strict_policy_and_no_inline_code(client: TestClient, scene: Scene, name: str) -> None:
    response = fetch(client, scene, name)
    assert response.status_code in (200, 404), response.text[:300]
    policy = csp(response)
    for directive in ("default-src", "script-src", "style-src", "object-src", "base-uri", "frame-ancestors"):
        assert directive in policy, directive
    assert policy["script-src"] == "'self'"
    assert policy["object-src"] == "'none'"
    header = response.headers["content-security-policy"]
    assert "unsafe-inline" not in header and "unsafe-eval" not in header and "*" not in header
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"
    # What the policy forbids is not in the page either (the browser would refuse it silently).
    html = response.text
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "an inline <script>"
    assert not re.search(r"<style\b", html), "a <style> element"
    assert not re.search(r"\sstyle\s*=", html), "a style attribute"
    assert not re.search(r"\son[a-z]+\s*=", html), "an inline event handler"
    assert "javascript:" not in html.lower()


@pytest.mark.parametrize("name", ["home", "new workshop form", "phone join page", "phone page",
                                  "facilitator console", "project editor", "printable report"])
def test_phone_and_console_pages_cannot_be_framed(client: TestClient, scene: Scene, name: str) -> None:
    response = fetch(client, scene, name)
    assert csp(response)["frame-ancestors"] == "'none'"
    assert response.headers["x-frame-options"] == "DENY"


def test_only_the_big_screen_may_be_framed_and_only_by_our_own_pages(client: TestClient, scene: Scene) -> None:
    response = fetch(client, scene, "big screen")
    assert csp(response)["frame-ancestors"] == "'self'"
    assert "x-frame-options" not in response.headers


def key_carrying_answers(client: TestClient, scene: Scene) -> dict[str, Any]:
    """Every answer that carries a key, in its body, its address or a cookie it sets."""
    code, keys = scene.code, scene.workshop.created
    client.cookies.clear()
    answers = {
        "API: create a workshop": client.post(f"{API}/workshops", json={"title": "t"}),
        "API: join": client.post(f"{API}/workshops/{code}/participants", json={"name": "n"}),
        "API: import": client.post(f"{API}/workshops/import", json=client.get(
            f"{API}/workshops/{code}/export?format=json", headers={"Authorization": f"Bearer {keys['facilitator_key']}"}
        ).json()),
        "form: create a workshop": client.post("/new", data={"title": "t"}, follow_redirects=False),
        "form: join": client.post(f"/w/{code}/join", data={"name": "n", "group_id": str(scene.group_id)},
                                  follow_redirects=False),
        "facilitator's secret link": client.get(f"/w/{code}/facilitate/{keys['facilitator_key']}",
                                                follow_redirects=False),
        "screen's secret link": client.get(f"/w/{code}/screen/{keys['screen_key']}", follow_redirects=False),
    }
    for name in ("facilitator console", "big screen", "phone page", "project editor"):
        answers[name] = fetch(client, scene, name)
    client.cookies.set(cookie_name("facilitator", code), keys["facilitator_key"])
    for fmt in ("csv", "xlsx", "json"):
        answers[f"console export {fmt}"] = client.get(f"/w/{code}/facilitate/export.{fmt}")
        answers[f"API export {fmt}"] = client.get(f"{API}/workshops/{code}/export?format={fmt}",
                                                  headers={"Authorization": f"Bearer {keys['facilitator_key']}"})
    return answers


def test_nothing_that_carries_a_key_is_cached(client: TestClient, scene: Scene) -> None:
    for name, response in key_carrying_answers(client, scene).items():
        assert response.status_code < 400, (name, response.status_code, response.text[:200])
        assert response.headers.get("cache-control") == "no-store", name


def test_static_files_may_be_cached(client: TestClient) -> None:
    for url in ("/static/app.js", "/static/app.css", "/static/vendor/htmx.min.js"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "no-store" not in response.headers.get("cache-control", ""), url
