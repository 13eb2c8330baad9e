"""The groups API (API.md, "Groups"): a facilitator adds tables, each table runs its own phase
with its own facilitator link, phones join a table by its code or by choosing it, and the
facilitator can move someone to another table."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.models import LinkRole
from app.models import Workshop as WorkshopRow
from app.services import groups, links, workshops
from tests.factories import FACILITATOR

from tests.routes.helpers import (
    RESULTS_FIELDS,
    Workshop,
    assert_error,
    bearer,
    create_workshop,
    has_fields,
    join,
    propose,
    set_phase,
)

GROUP_FIELDS = {"id", "code", "name", "phase", "group_facilitator_key", "screen_key", "join_url",
                "facilitator_url", "screen_url"}
LISTED_FIELDS = {"id", "code", "name", "phase", "participant_count", "project_count"}


def add_groups(client: TestClient, event: Workshop, *names: str) -> list[dict[str, Any]]:
    answer = client.post(f"{event.url}/groups", json={"names": list(names)}, headers=event.facilitator)
    assert answer.status_code == 201, answer.text
    return answer.json()


def test_the_facilitator_adds_one_group_and_gets_its_links(client: TestClient) -> None:
    event = create_workshop(client)
    answer = client.post(f"{event.url}/groups", json={"name": "ภาคเหนือ"}, headers=event.facilitator)
    assert answer.status_code == 201, answer.text
    group = answer.json()
    assert has_fields(group, GROUP_FIELDS)
    assert group["code"] == f"{event.code}-1" and group["name"] == "ภาคเหนือ" and group["phase"] == "setup"
    assert group["join_url"].endswith(f"/j/{event.code}-1")
    # Both links open their pages.
    assert client.get(group["facilitator_url"]).status_code == 200
    client.cookies.clear()
    assert client.get(group["screen_url"]).status_code == 200


def test_a_pasted_list_makes_many_groups_numbered_in_order(client: TestClient) -> None:
    event = create_workshop(client)
    made = add_groups(client, event, "ภาคเหนือ", "ภาคใต้", "ภาคกลาง")
    assert [g["code"] for g in made] == [f"{event.code}-{n}" for n in (1, 2, 3)]
    more = add_groups(client, event, "ภาคตะวันออก")
    assert more[0]["code"] == f"{event.code}-4"
    listed = client.get(f"{event.url}/groups")  # anyone with the code
    assert listed.status_code == 200
    assert [g["name"] for g in listed.json()] == ["ภาคเหนือ", "ภาคใต้", "ภาคกลาง", "ภาคตะวันออก"]
    assert all(has_fields(g, LISTED_FIELDS) for g in listed.json())
    # A group's code lists the event's groups too.
    assert client.get(f"/api/v1/workshops/{made[0]['code']}/groups").json() == listed.json()


def test_adding_groups_is_the_facilitator_s_only(client: TestClient) -> None:
    event = create_workshop(client)
    person = join(client, event, "นก")
    assert_error(client.post(f"{event.url}/groups", json={"name": "X"}), 401)
    assert_error(client.post(f"{event.url}/groups", json={"name": "X"}, headers=person.headers), 403)
    assert_error(client.post(f"{event.url}/groups", json={"name": "X"}, headers=event.screen), 403)
    (group,) = add_groups(client, event, "A")
    group_key = bearer(group["group_facilitator_key"])
    assert_error(client.post(f"{event.url}/groups", json={"name": "X"}, headers=group_key), 403)
    # Neither a name nor names, both, or an empty name: 422.
    for body in ({}, {"name": "A", "names": ["B"]}, {"name": ""}, {"names": []}):
        assert client.post(f"{event.url}/groups", json=body, headers=event.facilitator).status_code == 422
    # A group has no groups of its own.
    assert_error(client.post(f"/api/v1/workshops/{group['code']}/groups", json={"name": "X"},
                             headers=event.facilitator), 422)


def test_a_group_facilitator_moves_its_own_group_only(client: TestClient) -> None:
    event = create_workshop(client)
    first, second = add_groups(client, event, "A", "B")
    mine = bearer(first["group_facilitator_key"])
    ok = client.put(f"{event.url}/groups/{first['id']}/phase", json={"phase": "propose"}, headers=mine)
    assert ok.status_code == 200, ok.text
    assert ok.json()["phase"] == "propose" and ok.json()["code"] == first["code"]
    assert_error(client.put(f"{event.url}/groups/{second['id']}/phase", json={"phase": "propose"}, headers=mine), 403)
    # Nor the plenary's controls: the event's phase, timer, settings, new groups.
    assert_error(client.put(f"{event.url}/phase", json={"phase": "vote"}, headers=mine), 403)
    assert_error(client.put(f"{event.url}/timer", json={"action": "start", "minutes": 5}, headers=mine), 403)
    assert_error(client.put(f"{event.url}/groups/phase", json={"phase": "vote"}, headers=mine), 403)
    # Its own group through the group's code works as a workshop's: its timer too.
    assert client.put(f"/api/v1/workshops/{first['code']}/timer", json={"action": "start", "minutes": 5},
                      headers=mine).status_code == 200
    assert_error(client.put(f"/api/v1/workshops/{second['code']}/phase", json={"phase": "vote"}, headers=mine), 403)
    # The event's facilitator moves any group; the event itself does not move.
    assert client.put(f"{event.url}/groups/{second['id']}/phase", json={"phase": "vote"},
                      headers=event.facilitator).json()["phase"] == "vote"
    assert client.get(event.url).json()["phase"] == "setup"
    # Another event's group id: 404; a screen key or a participant: 403.
    other = create_workshop(client, title="Another")
    (theirs,) = add_groups(client, other, "C")
    assert_error(client.put(f"{event.url}/groups/{theirs['id']}/phase", json={"phase": "vote"},
                            headers=event.facilitator), 404)
    person = join(client, event, "นก")
    assert_error(client.put(f"{event.url}/groups/{first['id']}/phase", json={"phase": "vote"},
                            headers=person.headers), 403)
    assert_error(client.put(f"{event.url}/groups/{first['id']}/phase", json={"phase": "vote"}), 401)


def test_the_facilitator_moves_every_group_at_once(client: TestClient) -> None:
    event = create_workshop(client)
    add_groups(client, event, "A", "B", "C")
    answer = client.put(f"{event.url}/groups/phase", json={"phase": "propose"}, headers=event.facilitator)
    assert answer.status_code == 200, answer.text
    assert [g["phase"] for g in answer.json()] == ["propose"] * 3
    assert client.get(event.url).json()["phase"] == "setup"


def test_phones_join_a_group_by_its_code_or_by_choosing_it(client: TestClient) -> None:
    event = create_workshop(client)
    first, second = add_groups(client, event, "A", "B")
    by_code = client.post(f"/api/v1/workshops/{first['code'].lower()}/participants", json={"name": "นก"})
    assert by_code.status_code == 201, by_code.text
    by_choice = client.post(f"{event.url}/participants", json={"name": "ปลา", "group_id": second["id"]})
    assert by_choice.status_code == 201, by_choice.text
    counts = {g["name"]: g["participant_count"] for g in client.get(f"{event.url}/groups").json()}
    assert counts == {"A": 1, "B": 1}
    # An unknown group: 422, nobody joins.
    assert client.post(f"{event.url}/participants", json={"name": "ม้า", "group_id": 10**6}).status_code == 422
    assert client.get(f"/api/v1/workshops/{first['code']}").json()["participant_count"] == 1


def test_a_participant_sees_and_votes_on_their_own_group_only(client: TestClient) -> None:
    event = create_workshop(client)
    first, second = add_groups(client, event, "A", "B")
    client.put(f"{event.url}/groups/phase", json={"phase": "propose"}, headers=event.facilitator)
    a = Workshop(created={"code": first["code"]})
    b = Workshop(created={"code": second["code"]})
    person = join(client, a, "นก")
    propose(client, a, person.headers, "ศูนย์ข้อมูลภาคเหนือ")
    propose(client, b, event.facilitator, "ท่าเรือภาคใต้")
    mine = client.get(f"{a.url}/projects", headers=person.headers)
    assert [p["title"] for p in mine.json()] == ["ศูนย์ข้อมูลภาคเหนือ"]
    assert_error(client.get(f"{b.url}/projects", headers=person.headers), 403)


def test_group_results_follow_the_tallies_rule(client: TestClient) -> None:
    event = create_workshop(client, show_live_tallies=False)
    first, second = add_groups(client, event, "A", "B")
    url = f"{event.url}/groups/{first['id']}/results"
    client.put(f"{event.url}/groups/phase", json={"phase": "vote"}, headers=event.facilitator)
    person = join(client, Workshop(created={"code": first["code"]}), "นก")
    mine = bearer(first["group_facilitator_key"])
    answer = client.get(url, headers=event.facilitator)
    assert answer.status_code == 200 and has_fields(answer.json(), RESULTS_FIELDS)
    assert client.get(url, headers=mine).status_code == 200
    assert_error(client.get(url, headers=person.headers), 403)  # hidden until results
    assert_error(client.get(f"{event.url}/groups/{second['id']}/results", headers=mine), 403)
    client.put(f"{event.url}/groups/{first['id']}/phase", json={"phase": "results"}, headers=mine)
    assert client.get(url).status_code == 200  # published: anyone with the code
    assert client.get(url).json() == client.get(f"/api/v1/workshops/{first['code']}/results").json()


def test_a_moved_participant_gets_their_dots_back_and_votes_in_the_new_group(client: TestClient) -> None:
    event = create_workshop(client)
    first, second = add_groups(client, event, "A", "B")
    a = Workshop(created={"code": first["code"]})
    b = Workshop(created={"code": second["code"]})
    person = join(client, a, "นก")
    project_a = propose(client, a, event.facilitator, "ศูนย์ข้อมูลภาคเหนือ")
    project_b = propose(client, b, event.facilitator, "ท่าเรือภาคใต้")
    plenary = propose(client, event, event.facilitator, "โครงการรวม")
    client.put(f"{event.url}/groups/phase", json={"phase": "vote"}, headers=event.facilitator)
    set_phase(client, event, "vote")
    assert client.put(f"{a.url}/votes/{project_a['id']}", json={"dots": 2}, headers=person.headers).status_code == 200
    assert client.put(f"{event.url}/votes/{plenary['id']}", json={"dots": 1},
                      headers=person.headers).status_code == 200
    url = f"{event.url}/participants/{person.id}/group"
    assert_error(client.put(url, json={"group_id": second["id"]}, headers=bearer(first["group_facilitator_key"])), 403)
    assert_error(client.put(url, json={"group_id": second["id"]}, headers=person.headers), 403)
    moved = client.put(url, json={"group_id": second["id"]}, headers=event.facilitator)
    assert moved.status_code == 200, moved.text
    assert moved.json() == {"participant_id": person.id, "group_id": second["id"], "code": second["code"]}
    # The old group's dots went back; the plenary's stay; the new group takes their dots.
    assert client.get(f"{a.url}/results", headers=event.facilitator).json()["ranking"][0]["dots"] == 0
    assert client.get(f"{event.url}/votes/me", headers=person.headers).json()["allocations"] == {str(plenary["id"]): 1}
    assert_error(client.put(f"{a.url}/votes/{project_a['id']}", json={"dots": 1}, headers=person.headers), 403)
    answer = client.put(f"{b.url}/votes/{project_b['id']}", json={"dots": 3}, headers=person.headers)
    assert answer.status_code == 200 and answer.json()["remaining"] == 2
    # Someone of another event, or a group of another event: 404.
    other = create_workshop(client, title="Another")
    (theirs,) = add_groups(client, other, "C")
    assert_error(client.put(url, json={"group_id": theirs["id"]}, headers=event.facilitator), 404)
    stranger = join(client, other, "ม้า")
    assert_error(client.put(f"{event.url}/participants/{stranger.id}/group", json={"group_id": first["id"]},
                            headers=event.facilitator), 404)
    # Out of every group: the plenary only.
    out = client.put(url, json={"group_id": None}, headers=event.facilitator)
    assert out.json() == {"participant_id": person.id, "group_id": None, "code": event.code}


def test_named_links_run_groups_as_the_rules_table_says(client: TestClient, session: Session) -> None:
    """A co-facilitator adds groups and moves them (their keys then shown once); a moderator
    does neither."""
    event = create_workshop(client)
    (first,) = add_groups(client, event, "A")
    found = session.exec(select(WorkshopRow).where(WorkshopRow.code == event.code)).one()
    _link, co_key = links.issue(session, event=found, workshop=found, name="คุณสมร", role=LinkRole.co_facilitator,
                                actor=FACILITATOR)
    _link, moderator_key = links.issue(session, event=found, workshop=found, name="คุณมานี",
                                       role=LinkRole.moderator, actor=FACILITATOR)
    co, moderator = bearer(co_key), bearer(moderator_key)
    made = client.post(f"{event.url}/groups", json={"name": "B"}, headers=co)
    assert made.status_code == 201, made.text
    assert client.get(made.json()["facilitator_url"]).status_code == 200  # its link works
    assert client.put(f"{event.url}/groups/{first['id']}/phase", json={"phase": "vote"}, headers=co).status_code == 200
    assert_error(client.post(f"{event.url}/groups", json={"name": "C"}, headers=moderator), 403)
    assert_error(client.put(f"{event.url}/groups/{first['id']}/phase", json={"phase": "propose"},
                            headers=moderator), 403)
    # The event's facilitator's console draws again the links of groups it made, not the co-facilitator's.
    keys = groups.group_keys(session, event=found, facilitator_key=event.created["facilitator_key"])
    assert keys[first["id"]].group_facilitator_key == first["group_facilitator_key"]
    assert keys[first["id"]].screen_key == first["screen_key"]
    assert keys[made.json()["id"]].group_facilitator_key is None


def test_an_event_s_room_counts_its_groups_phones(client: TestClient, session: Session) -> None:
    """Per-address limits on joining and on sockets grow with the room: at the event's code
    (its join page and the plenary) that is every group's phones too."""
    event = create_workshop(client)
    first, second = add_groups(client, event, "A", "B")
    for group, count in ((first, 3), (second, 2)):
        for n in range(count):
            client.post(f"/api/v1/workshops/{group['code']}/participants", json={"name": f"คนที่ {n}"})
    join(client, event, "ผู้สังเกตการณ์")
    found = session.exec(select(WorkshopRow).where(WorkshopRow.code == event.code)).one()
    assert workshops.room_size(session, workshop=found) == 6
    assert workshops.room_size(session, workshop=groups.get_group(session, event=found, group_id=first["id"])) == 3
    assert client.get(event.url).json()["participant_count"] == 6  # the whole hall votes in the plenary
