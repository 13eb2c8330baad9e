"""The big screen's pages over the websocket: long lists travel as pages that the screen turns
by itself, the facilitator holds one (by the API or the console's buttons) and every screen
shows it at once; the screen key and a participant may not hold a page, and nothing changes."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from app.services import screen_pages
from tests.test_ws_facilitation import Scene

TITLES = [f"โครงการพัฒนาระบบบริการประชาชนแบบดิจิทัลของจังหวัด ลำดับที่ {n}" for n in range(1, 20)]


def held(html: str) -> str | None:
    found = re.search(r'class="screen-body pager"[^>]*?data-held="(\d+)"', html)
    return found.group(1) if found else None


def shown_page(html: str) -> int:
    """The page drawn visible (the others carry `hidden`)."""
    pages = re.findall(r'<div class="screen-page[^"]*" data-page="(\d+)"[^>]*?( hidden)?>', html)
    visible = [int(n) for n, hidden in pages if not hidden]
    assert len(visible) == 1, pages
    return visible[0]


def a_long_ranking(client: TestClient) -> Scene:
    scene = Scene(client)
    scene.phase("propose")
    for title in TITLES:
        scene.propose(title)
    scene.phase("vote")
    answer = client.put(f"{scene.url}/screen-view", json={"view": "ranking"}, headers=scene.facilitator)
    assert answer.status_code == 200 and answer.json()["screen_page"] is None
    return scene


def test_a_long_ranking_travels_as_pages_that_together_hold_every_project(client: TestClient) -> None:
    scene = a_long_ranking(client)
    with scene.ws(scene.screen_key) as screen:
        snapshot = screen.receive_text()
    pages = -(-len(TITLES) // screen_pages.RANKING)
    assert f'data-pages="{pages}"' in snapshot and held(snapshot) is None
    assert all(f">{title}<" in snapshot for title in TITLES)  # every project is on one of the pages
    assert f"Page 1 of {pages}" in snapshot and f"Page {pages} of {pages}" in snapshot
    assert "and 1 more" not in snapshot and "more<" not in snapshot  # nothing is cut off


def test_the_facilitator_holds_page_2_and_the_screen_shows_it_at_once(client: TestClient) -> None:
    scene = a_long_ranking(client)
    with scene.ws(scene.screen_key) as screen:
        screen.receive_text()
        answer = client.put(f"{scene.url}/screen-view", json={"page": 2}, headers=scene.facilitator)
        assert answer.status_code == 200 and answer.json()["screen_page"] == 2
        update = screen.receive_text()
        assert held(update) == "2" and shown_page(update) == 2
        assert f">{TITLES[screen_pages.RANKING]}<" in update.split('data-page="2"')[1].split('data-page="3"')[0]
        # Let the pages turn again: nothing held.
        assert client.put(f"{scene.url}/screen-view", json={"page": None},
                          headers=scene.facilitator).json()["screen_page"] is None
        assert held(screen.receive_text()) is None


def test_the_consoles_buttons_step_hold_and_release_the_page(client: TestClient) -> None:
    scene = a_long_ranking(client)
    client.get(f"/w/{scene.code}/facilitate/{scene.created['facilitator_key']}")  # the console's cookie
    url = f"/w/{scene.code}/facilitate/screen-page"
    with scene.ws(scene.screen_key) as screen:
        first = shown_page(screen.receive_text())
        assert client.post(url, data={"step": "hold"}).status_code == 200
        assert held(screen.receive_text()) == str(first)
        console = client.post(url, data={"step": "next"})
        assert console.status_code == 200 and "เปลี่ยนหน้าอัตโนมัติ" in console.text  # the console is Thai
        pages = -(-len(TITLES) // screen_pages.RANKING)
        assert held(screen.receive_text()) == str(first % pages + 1)
        assert client.post(url, data={"step": "previous"}).status_code == 200
        assert held(screen.receive_text()) == str(first)
        assert client.post(url, data={"step": "rotate"}).status_code == 200
        assert held(screen.receive_text()) is None
        assert client.post(url, data={"step": "sideways"}).status_code == 422


def test_choosing_another_view_lets_the_pages_turn_again(client: TestClient) -> None:
    scene = a_long_ranking(client)
    client.put(f"{scene.url}/screen-view", json={"page": 3}, headers=scene.facilitator)
    answer = client.put(f"{scene.url}/screen-view", json={"view": "tallies"}, headers=scene.facilitator)
    assert answer.json()["screen_page"] is None


def test_a_page_past_the_last_holds_the_last(client: TestClient) -> None:
    scene = a_long_ranking(client)
    client.put(f"{scene.url}/screen-view", json={"page": 99}, headers=scene.facilitator)
    with scene.ws(scene.screen_key) as screen:
        snapshot = screen.receive_text()
    pages = -(-len(TITLES) // screen_pages.RANKING)
    assert held(snapshot) == str(pages) and shown_page(snapshot) == pages


def test_the_screen_key_may_choose_the_view_but_not_hold_a_page(client: TestClient) -> None:
    scene = a_long_ranking(client)
    screen_key = {"Authorization": f"Bearer {scene.screen_key}"}
    refused = client.put(f"{scene.url}/screen-view", json={"view": "tallies", "page": 2}, headers=screen_key)
    assert refused.status_code == 403
    workshop = client.get(scene.url, headers=scene.facilitator).json()
    assert workshop["screen_view"] == "ranking" and workshop["screen_page"] is None  # nothing changed
    assert client.put(f"{scene.url}/screen-view", json={"view": "tallies"}, headers=screen_key).status_code == 200


def test_a_participant_may_not_hold_a_page(client: TestClient) -> None:
    scene = a_long_ranking(client)
    phone = {"Authorization": f"Bearer {scene.join()}"}
    assert client.put(f"{scene.url}/screen-view", json={"page": 2}, headers=phone).status_code == 403
    assert client.get(scene.url, headers=scene.facilitator).json()["screen_page"] is None


def test_bad_pages_are_refused_with_a_clear_error(client: TestClient) -> None:
    scene = a_long_ranking(client)
    for body in ({"page": 0}, {"page": "2"}, {"page": 1001}, {}):
        answer = client.put(f"{scene.url}/screen-view", json=body, headers=scene.facilitator)
        assert answer.status_code == 422, (body, answer.text)
