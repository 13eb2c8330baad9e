"""The big screen drills into a nested framework: its per-strategy ranking and coverage show the
top level, the facilitator drills into a strategy (by the API or the console's Screen card) and
every screen shows its children with their rolled-up figures at once, then goes back up. Only
the facilitator may drill; a flat framework's screen is as it always was."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient

from tests.routes.helpers import bearer
from tests.test_ws_facilitation import Scene

NESTED: dict[str, Any] = {
    "strategies": [
        {"code": "S1", "name": "ความมั่นคง", "children": [
            {"code": "S1.1", "name": "แผนแม่บทความมั่นคง", "children": [
                {"code": "S1.1.1", "name": "แผนย่อยไซเบอร์"}]},
            {"code": "S1.2", "name": "แผนแม่บทชายแดน"}]},
        {"code": "S2", "name": "การแข่งขัน"},
    ],
    "reform_areas": [
        {"code": "R1", "name": "เศรษฐกิจ", "children": [{"code": "R1.1", "name": "เศรษฐกิจดิจิทัล"}]},
        {"code": "R2", "name": "สังคม"},
    ],
}


def bands(html: str) -> list[str]:
    """The strategy codes of the bands on the screen's per-strategy ranking, in order."""
    return re.findall(r'<li class="strategy-band[^"]*" data-item="\d+">\s*<h3 class="band-name">'
                      r'<span class="chip strategy">([^<]+)</span>', html)


def nested_scene(client: TestClient, view: str = "strategies") -> tuple[Scene, dict[str, int]]:
    scene = Scene(client, framework=NESTED)
    codes = {s["code"]: s["id"] for s in client.get(scene.url).json()["strategies"]}
    areas = {r["code"]: r["id"] for r in client.get(scene.url).json()["reform_areas"]}
    scene.phase("propose")
    answer = client.post(f"{scene.url}/projects", json={
        "title": "ศูนย์เฝ้าระวังภัยไซเบอร์", "strategy_ids": [codes["S1.1.1"]], "reform_area_ids": [areas["R1.1"]]},
        headers=scene.facilitator)
    assert answer.status_code == 201
    scene.phase("results")
    assert client.put(f"{scene.url}/screen-view", json={"view": view}, headers=scene.facilitator).status_code == 200
    return scene, codes


def test_the_screen_shows_the_top_level_then_the_children_of_the_strategy_drilled_into(client: TestClient) -> None:
    scene, s = nested_scene(client)
    with scene.ws(scene.screen_key) as screen:
        assert bands(screen.receive_text()) == ["S1", "S2"]
        answer = client.put(f"{scene.url}/screen-view", json={"drill": s["S1"]}, headers=scene.facilitator)
        assert answer.status_code == 200 and answer.json()["screen_drill"] == s["S1"]
        drilled = screen.receive_text()
        assert bands(drilled) == ["S1.1", "S1.2"]
        # The sub-plan's project rolled up to its master plan; the heading says where the screen is.
        band = drilled.split(f'data-item="{s["S1.1"]}"')[1].split("</li>")[0]
        assert "ศูนย์เฝ้าระวังภัยไซเบอร์" in band
        assert f'class="drill-trail" data-drill="{s["S1"]}"' in drilled and "ความมั่นคง" in drilled
        client.put(f"{scene.url}/screen-view", json={"drill": s["S1.1"]}, headers=scene.facilitator)
        assert bands(screen.receive_text()) == ["S1.1.1"]
        client.put(f"{scene.url}/screen-view", json={"drill": None}, headers=scene.facilitator)
        assert bands(screen.receive_text()) == ["S1", "S2"]


def test_the_coverage_map_shows_the_level_drilled_to_rolled_up(client: TestClient) -> None:
    scene, s = nested_scene(client, view="coverage")
    with scene.ws(scene.screen_key) as screen:
        top = screen.receive_text()
        rows = re.findall(r'<tr data-item="(\d+)">', top)
        assert f'data-item="{s["S1.1"]}"' not in top and len(rows) == 2  # R1, R2 down; S1, S2 across
        client.put(f"{scene.url}/screen-view", json={"drill": s["S1"]}, headers=scene.facilitator)
        drilled = screen.receive_text()
        header = drilled.split("<thead>")[1].split("</thead>")[0]
        assert ">S1.1<" in header and ">S1.2<" in header and ">S2<" not in header and ">R1.1<" not in drilled
        r1 = drilled.split('<tr data-item="')[1].split("</tr>")[0]
        assert ">1</td>" in r1  # the sub-plan's project counts under S1.1 and under R1


def test_the_consoles_screen_card_drills_down_and_back_up(client: TestClient) -> None:
    scene, s = nested_scene(client)
    client.get(f"/w/{scene.code}/facilitate/{scene.created['facilitator_key']}")  # the console's cookie
    url = f"/w/{scene.code}/facilitate/screen-drill"
    with scene.ws(scene.screen_key) as screen:
        screen.receive_text()
        console = client.post(url, data={"strategy_id": str(s["S1"])})
        assert console.status_code == 200
        offered = re.findall(r'class="button small drill-button"[^>]*?value="(\d*)"', console.text)
        assert offered == ["", str(s["S1.1"])]  # back up to the top; S1.1 opens further (S1.2 has nothing under it)
        assert bands(screen.receive_text()) == ["S1.1", "S1.2"]
        assert client.post(url, data={"strategy_id": ""}).status_code == 200  # back up to the top
        assert bands(screen.receive_text()) == ["S1", "S2"]
        refused = client.post(url, data={"strategy_id": str(s["S2"])})  # no children: nothing to show
        assert refused.status_code == 422


def test_only_the_facilitator_drills_and_a_refusal_changes_nothing(client: TestClient) -> None:
    scene, s = nested_scene(client)
    for key in (scene.screen_key, scene.join()):
        answer = client.put(f"{scene.url}/screen-view", json={"drill": s["S1"]}, headers=bearer(key))
        assert answer.status_code == 403, key
    leaf = client.put(f"{scene.url}/screen-view", json={"drill": s["S2"]}, headers=scene.facilitator)
    assert leaf.status_code == 422
    assert client.get(scene.url).json()["screen_drill"] is None


def test_a_flat_framework_shows_every_strategy_and_offers_no_drill(client: TestClient) -> None:
    scene = Scene(client)
    scene.phase("results")
    client.put(f"{scene.url}/screen-view", json={"view": "strategies"}, headers=scene.facilitator)
    with scene.ws(scene.screen_key) as screen:
        every = [s["code"] for s in client.get(scene.url).json()["strategies"]]
        assert bands(screen.receive_text()) == every  # on one page or another
    console = client.get(f"/w/{scene.code}/facilitate/{scene.created['facilitator_key']}", follow_redirects=True)
    assert "screen-drill" not in console.text


def coverage_rows(html: str) -> list[str]:
    """The row codes of the screen's coverage map, in order."""
    return re.findall(r'<tr data-item="\d+"><th scope="row"><span class="row-name"><b>([^<]+)</b>', html)


def coverage_columns(html: str) -> list[str]:
    """The column codes of the screen's coverage map, in order."""
    return re.findall(r'<th scope="col" title="[^"]*">([^<]+)</th>', html.split("<thead>")[1].split("</thead>")[0])


def test_the_coverage_map_drills_into_a_reform_area_too_and_both_drills_combine(client: TestClient) -> None:
    scene, s = nested_scene(client, view="coverage")
    areas = {r["code"]: r["id"] for r in client.get(scene.url).json()["reform_areas"]}
    with scene.ws(scene.screen_key) as screen:
        assert coverage_rows(screen.receive_text()) == ["R1", "R2"]
        answer = client.put(f"{scene.url}/screen-view", json={"area_drill": areas["R1"]}, headers=scene.facilitator)
        assert answer.status_code == 200 and answer.json()["screen_area_drill"] == areas["R1"]
        assert answer.json()["screen_drill"] is None
        drilled = screen.receive_text()
        # One area under R1 against two strategies: the longer side (strategies) runs down.
        assert coverage_rows(drilled) == ["S1", "S2"] and coverage_columns(drilled) == ["R1.1"]
        row = drilled.split('<tr data-item="')[1].split("</tr>")[0]
        assert ">1</td>" in row  # the project tagged R1.1 (and S1.1.1), counted under S1
        assert f'data-area-drill="{areas["R1"]}"' in drilled and "เศรษฐกิจ" in drilled
        # Both dimensions drilled: the sub-plans of S1 against the areas under R1.
        client.put(f"{scene.url}/screen-view", json={"drill": s["S1"]}, headers=scene.facilitator)
        both = screen.receive_text()
        assert coverage_rows(both) == ["S1.1", "S1.2"] and coverage_columns(both) == ["R1.1"]
        assert f'data-drill="{s["S1"]}"' in both and f'data-area-drill="{areas["R1"]}"' in both
        client.put(f"{scene.url}/screen-view", json={"area_drill": None, "drill": None}, headers=scene.facilitator)
        assert coverage_rows(screen.receive_text()) == ["R1", "R2"]


def test_a_drill_into_a_leaf_area_is_refused_and_changes_neither_drill(client: TestClient) -> None:
    scene, s = nested_scene(client, view="coverage")
    areas = {r["code"]: r["id"] for r in client.get(scene.url).json()["reform_areas"]}
    for body in ({"area_drill": areas["R2"]}, {"drill": s["S1"], "area_drill": areas["R1.1"]},
                 {"area_drill": 999_999}):
        answer = client.put(f"{scene.url}/screen-view", json=body, headers=scene.facilitator)
        assert answer.status_code == 422, body
        assert "reform area" in answer.json()["detail"].lower()
    described = client.get(scene.url).json()
    assert described["screen_drill"] is None and described["screen_area_drill"] is None
    answer = client.put(f"{scene.url}/screen-view", json={"area_drill": areas["R1"]}, headers=bearer(scene.join()))
    assert answer.status_code == 403


def test_the_consoles_screen_card_drills_into_reform_areas(client: TestClient) -> None:
    scene, s = nested_scene(client, view="coverage")
    areas = {r["code"]: r["id"] for r in client.get(scene.url).json()["reform_areas"]}
    client.get(f"/w/{scene.code}/facilitate/{scene.created['facilitator_key']}")  # the console's cookie
    url = f"/w/{scene.code}/facilitate/screen-drill"
    with scene.ws(scene.screen_key) as screen:
        screen.receive_text()
        console = client.post(url, data={"area_id": str(areas["R1"])})
        assert console.status_code == 200
        offered = re.findall(r'class="button small drill-button area-drill"[^>]*?value="(\d*)"', console.text)
        assert offered == [""]  # back up; R1.1 has nothing under it
        assert "เศรษฐกิจ" in console.text.split('id="area-drill-heading"')[1].split("</p>")[0]
        assert coverage_columns(screen.receive_text()) == ["R1.1"]
        assert client.post(url, data={"area_id": ""}).status_code == 200
        assert coverage_rows(screen.receive_text()) == ["R1", "R2"]
        assert client.post(url, data={"area_id": "R1"}).status_code == 422
        assert client.post(url, data={"area_id": str(areas["R2"])}).status_code == 422


def test_the_proposals_wall_shows_the_level_drilled_to(client: TestClient) -> None:
    scene, s = nested_scene(client, view="wall")
    with scene.ws(scene.screen_key) as screen:
        top = screen.receive_text()
        columns = re.findall(r'<section class="strategy-col wall-col">\s*<h3><span class="chip strategy">([^<]+)</span>', top)
        assert columns == ["S1", "S2"]
        client.put(f"{scene.url}/screen-view", json={"drill": s["S1"]}, headers=scene.facilitator)
        drilled = screen.receive_text()
        columns = re.findall(r'<section class="strategy-col wall-col">\s*<h3><span class="chip strategy">([^<]+)</span>', drilled)
        assert columns == ["S1.1", "S1.2"]
        assert "ศูนย์เฝ้าระวังภัยไซเบอร์" in drilled.split(">S1.1<")[1].split("</section>")[0]
        assert f'data-drill="{s["S1"]}"' in drilled
