"""The plenary over the JSON API: POST /plenary promotes group projects with their lineage,
the event's /results ranks the plenary projects only (each row with `from`), a group's results
are read through the event's code, and a group facilitator's key is refused on the plenary."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.models import Workshop as WorkshopRow
from app.services import groups, workshops
from tests.factories import FACILITATOR
from tests.routes.helpers import (
    API,
    RANKED_FIELDS,
    Workshop,
    assert_error,
    bearer,
    create_workshop,
    has_fields,
    join,
    propose,
    results,
    set_phase,
    vote,
)


@dataclass
class Group:
    id: int
    code: str
    key: str  # its group facilitator's

    @property
    def url(self) -> str:
        return f"{API}/workshops/{self.code}"


@dataclass
class Event:
    hall: Workshop
    north: Group
    south: Group
    projects: dict[str, int]  # group projects by title


def add_groups(session: Session, hall: Workshop, *names: str) -> list[Group]:
    event = workshops.get_workshop(session, code=hall.code)
    return [Group(g.group.id, g.group.code, g.group_facilitator_key)
            for g in groups.add_groups(session, event=event, actor=FACILITATOR, names=list(names))]


def group_phase(client: TestClient, hall: Workshop, group: Group, phase: str) -> None:
    answer = client.put(f"{group.url}/phase", json={"phase": phase}, headers=hall.facilitator)
    assert answer.status_code == 200, answer.text


@pytest.fixture
def event(client: TestClient, session: Session) -> Event:
    """Two groups that voted: North ranks A (3 dots) then B; South ranks C (2) then D (1)."""
    hall = create_workshop(client, title="สมัชชาแผนดิจิทัล")
    north, south = add_groups(session, hall, "ภาคเหนือ", "ภาคใต้")
    made: dict[str, int] = {}
    for group, titles in ((north, ("A", "B")), (south, ("C", "D"))):
        as_workshop = Workshop(created={"code": group.code})
        for title in titles:
            made[title] = propose(client, as_workshop, hall.facilitator, title)["id"]
        group_phase(client, hall, group, "vote")
    ann = join(client, Workshop(created={"code": north.code}), "Ann")
    cat = join(client, Workshop(created={"code": south.code}), "Cat")
    vote(client, Workshop(created={"code": north.code}), ann, made["A"], 3)
    vote(client, Workshop(created={"code": north.code}), ann, made["B"], 1)
    vote(client, Workshop(created={"code": south.code}), cat, made["C"], 2)
    vote(client, Workshop(created={"code": south.code}), cat, made["D"], 1)
    return Event(hall, north, south, made)


def promote(client: TestClient, event: Event, body: dict[str, Any], headers: dict[str, str] | None = None) -> Any:
    return client.post(f"{event.hall.url}/plenary", json=body, headers=headers or event.hall.facilitator)


def test_the_facilitator_promotes_each_group_s_top_k_with_lineage(client: TestClient, event: Event) -> None:
    answer = promote(client, event, {"top": 1})
    assert answer.status_code == 201, answer.text
    promoted = answer.json()["projects"]
    assert [p["title"] for p in promoted] == ["A", "C"]
    assert promoted[0]["from"] == [{"group_id": event.north.id, "project_id": event.projects["A"], "rank": 1,
                                    "dots": 3}]
    assert promoted[1]["from"] == [{"group_id": event.south.id, "project_id": event.projects["C"], "rank": 1,
                                    "dots": 2}]
    # The event's /results ranks the plenary projects only, each row with where it came from.
    ranking = results(client, event.hall)["ranking"]
    assert [r["title"] for r in ranking] == ["A", "C"]
    assert all(has_fields(r, RANKED_FIELDS | {"from"}) for r in ranking)
    assert ranking[1]["from"][0]["group_id"] == event.south.id
    # Again: nothing new is made; B is new with top 2.
    again = promote(client, event, {"top": 2}).json()["projects"]
    assert [p["title"] for p in again] == ["A", "B", "C", "D"]
    assert again[0]["id"] == promoted[0]["id"]


def test_hand_picked_projects_and_bad_bodies(client: TestClient, event: Event) -> None:
    answer = promote(client, event, {"project_ids": [event.projects["D"]]})
    assert answer.status_code == 201, answer.text
    assert [(p["title"], p["from"][0]["rank"]) for p in answer.json()["projects"]] == [("D", 2)]
    assert promote(client, event, {"top": 1, "project_ids": [1]}).status_code == 422
    assert promote(client, event, {}).status_code == 422
    assert promote(client, event, {"top": 0}).status_code == 422
    assert_error(promote(client, event, {"project_ids": [999_999]}), 422, "999999")


def test_a_group_facilitator_key_gets_403_on_the_plenary(client: TestClient, event: Event) -> None:
    assert_error(promote(client, event, {"top": 1}, headers=bearer(event.north.key)), 403)
    # ... and on the event's phase, the plenary's control.
    refused = client.put(f"{event.hall.url}/phase", json={"phase": "vote"}, headers=bearer(event.north.key))
    assert refused.status_code == 403
    assert results(client, event.hall)["ranking"] == []  # nothing was promoted
    # A participant or the screen cannot promote either.
    assert promote(client, event, {"top": 1}, headers=event.hall.screen).status_code == 403


def test_a_group_s_results_through_the_event_code(client: TestClient, event: Event) -> None:
    answer = client.get(f"{event.hall.url}/groups/{event.south.id}/results", headers=event.hall.facilitator)
    assert answer.status_code == 200, answer.text
    assert [(r["title"], r["rank"], r["dots"], r["from"]) for r in answer.json()["ranking"]] == [
        ("C", 1, 2, []), ("D", 2, 1, [])]
    # The same as the group's own code answers.
    own = client.get(f"{event.south.url}/results", headers=event.hall.facilitator).json()
    assert own["ranking"] == answer.json()["ranking"]
    other = create_workshop(client, title="Another")
    assert client.get(f"{other.url}/groups/{event.south.id}/results",
                      headers=other.facilitator).status_code == 404


def test_the_hall_votes_with_the_plenary_budget_after_using_the_group_s(client: TestClient, event: Event,
                                                                         session: Session) -> None:
    promoted = promote(client, event, {"top": 1}).json()["projects"]
    set_phase(client, event.hall, "vote")
    ann = join(client, Workshop(created={"code": event.north.code}), "Ann's colleague")
    north = Workshop(created={"code": event.north.code})
    vote(client, north, ann, event.projects["B"], 3)  # the group's budget: 5
    answer = vote(client, event.hall, ann, promoted[1]["id"], 3)
    assert (answer["used"], answer["remaining"]) == (3, 2)  # the plenary's own 5
    # Group projects are not the plenary's: they cannot take plenary dots.
    assert client.put(f"{event.hall.url}/votes/{event.projects['A']}", json={"dots": 1},
                      headers=ann.headers).status_code == 404
    row = session.get(WorkshopRow, event.north.id)
    assert row is not None and row.parent_id is not None


def test_an_event_without_groups_answers_from_empty(client: TestClient) -> None:
    lone = create_workshop(client, phase="propose")
    propose(client, lone, lone.facilitator, "Only")
    assert [r["from"] for r in results(client, lone)["ranking"]] == [[]]
    assert_error(client.post(f"{lone.url}/plenary", json={"top": 1}, headers=lone.facilitator), 422, "groups")


def console_of(app: Any, hall: Workshop) -> TestClient:
    page = TestClient(app)
    page.__enter__()
    page.get("/lang/en")
    page.get(hall.created["facilitator_url"])
    return page


def test_the_console_s_plenary_card_promotes_by_number_and_by_ticks(app: Any, client: TestClient,
                                                                     event: Event) -> None:
    console = console_of(app, event.hall)
    try:
        page = console.get(f"/w/{event.hall.code}/facilitate")
        assert 'id="plenary"' in page.text and 'id="plenary-promote"' in page.text
        assert "Group 1: ภาคเหนือ" in page.text
        assert "No project has gone up to the plenary yet." in page.text
        answer = console.post(f"/w/{event.hall.code}/facilitate/plenary", data={"top": "1"})
        assert answer.status_code == 200, answer.text
        assert "from group ภาคเหนือ, rank 1, 3 dots" in answer.text
        assert "from group ภาคใต้, rank 1, 2 dots" in answer.text
        assert 'id="plenary-promote" class="card plenary-promote" aria-labelledby="plenary-promote-heading" ' \
               'hx-swap-oob="true"' in answer.text  # the promote card afresh
        # A group's list to tick, loaded when opened: what is up is ticked and cannot be ticked again.
        south = console.get(f"/w/{event.hall.code}/facilitate/plenary/groups/{event.south.id}")
        assert south.status_code == 200
        assert f'value="{event.projects["C"]}" checked disabled' in south.text
        assert f'value="{event.projects["D"]}">' in south.text and "2. D" in south.text
        assert console.get(f"/w/{event.hall.code}/facilitate/plenary/groups/999999").status_code == 404
        ticked = console.post(f"/w/{event.hall.code}/facilitate/plenary",
                              data={"project_ids": [str(event.projects["D"])]})
        assert "from group ภาคใต้, rank 2, 1 dot" in ticked.text
        assert [r["title"] for r in results(client, event.hall)["ranking"]] == ["A", "C", "D"]
        report = console.get(f"/w/{event.hall.code}/facilitate/report")
        assert report.status_code == 200
        assert "from group ภาคใต้, rank 2, 1 dot" in report.text and "Rankings of the groups" in report.text
        refused = console.post(f"/w/{event.hall.code}/facilitate/plenary", data={"top": "many"})
        assert refused.status_code == 422
        # Thai first: the card in the workshop's language.
        console.get("/lang/th")
        thai = console.get(f"/w/{event.hall.code}/facilitate").text
        assert "จากกลุ่ม ภาคเหนือ อันดับ 1 ได้ 3 จุด" in thai and "ส่งโครงการที่เลือกขึ้นที่ประชุมใหญ่" in thai
        # A group's console has no Plenary card.
        assert 'id="plenary"' not in console.get(f"/w/{event.north.code}/facilitate").text
    finally:
        console.__exit__(None, None, None)


def test_the_same_idea_from_two_groups_is_hinted_promoted_and_merged(app: Any, client: TestClient,
                                                                     session: Session) -> None:
    hall = create_workshop(client, title="สมัชชา")
    north, south = add_groups(session, hall, "เหนือ", "ใต้")
    north_ws, south_ws = Workshop(created={"code": north.code}), Workshop(created={"code": south.code})
    a = propose(client, north_ws, hall.facilitator, "ศูนย์ข้อมูลสุขภาพผู้สูงอายุแห่งชาติ",
                description="เชื่อมเวชระเบียนผู้สูงอายุทุกโรงพยาบาล")["id"]
    propose(client, north_ws, hall.facilitator, "ถนนลาดยางหมู่บ้าน")
    b = propose(client, south_ws, hall.facilitator, "ศูนย์ข้อมูลสุขภาพผู้สูงอายุ",
                description="เวชระเบียนผู้สูงอายุ เชื่อมโรงพยาบาล")["id"]
    console = console_of(app, hall)
    try:
        page = console.get(f"/w/{hall.code}/facilitate").text
        assert "The same idea in several groups?" in page and "Promote both" in page
        both = console.post(f"/w/{hall.code}/facilitate/plenary", data={"project_ids": [str(a), str(b)]})
        assert "Merge in the plenary" in both.text
        up = {r["title"]: r["project_id"] for r in results(client, hall)["ranking"]}
        merged = client.post(f"{hall.url}/projects/{up['ศูนย์ข้อมูลสุขภาพผู้สูงอายุ']}/merge",
                             json={"into": up["ศูนย์ข้อมูลสุขภาพผู้สูงอายุแห่งชาติ"]}, headers=hall.facilitator)
        assert merged.status_code == 200, merged.text
        (row,) = results(client, hall)["ranking"]
        assert [(s["group_id"], s["project_id"]) for s in row["from"]] == [(north.id, a), (south.id, b)]
        assert "Merged in the plenary" in console.get(f"/w/{hall.code}/facilitate").text
    finally:
        console.__exit__(None, None, None)


def test_an_event_exported_and_imported_over_the_api_answers_the_same_results(client: TestClient,
                                                                              event: Event) -> None:
    promote(client, event, {"top": 2})
    set_phase(client, event.hall, "vote")
    ann = join(client, Workshop(created={"code": event.north.code}), "Voter of the hall")
    plenary_ids = [r["project_id"] for r in results(client, event.hall)["ranking"]]
    vote(client, event.hall, ann, plenary_ids[-1], 3)
    exported = client.get(f"{event.hall.url}/export?format=json", headers=event.hall.facilitator)
    assert exported.status_code == 200, exported.text
    made = client.post(f"{API}/workshops/import", json=exported.json())
    assert made.status_code == 201, made.text
    copy = Workshop(created=made.json())

    def comparable(answer: dict[str, Any]) -> list[tuple[Any, ...]]:
        return [(r["rank"], r["title"], r["dots"], r["voters"], [(s["rank"], s["dots"]) for s in r["from"]])
                for r in answer["ranking"]]

    assert comparable(results(client, copy)) == comparable(results(client, event.hall))
    for number in (1, 2):
        old = client.get(f"{event.hall.url}-{number}/results", headers=event.hall.facilitator).json()
        new = client.get(f"{copy.url}-{number}/results", headers=copy.facilitator).json()
        assert comparable(new) == comparable(old) and new["ranking"]
    # The copy's groups answer under its own code, a dash and their numbers.
    groups_of_copy = {client.get(f"{copy.url}-{n}").json()["code"] for n in (1, 2)}
    assert groups_of_copy == {f"{copy.code}-1", f"{copy.code}-2"}
