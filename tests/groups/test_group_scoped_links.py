"""The main facilitator gives a helper a link for one table only: a moderator who keeps the
northern table's proposals tidy, or a co-facilitator who runs it. Their key works at that
table as their role allows, and is refused (403) at every other table and on the event's own
controls; revoked, it stops at once (401)."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.routes.helpers import API, bearer, create_workshop

W = f"{API}/workshops"


def ok(answer: Any, status: int = 200) -> Any:
    assert answer.status_code == status, answer.text
    return answer.json() if answer.content else None


def an_event_with_two_tables(client: TestClient) -> tuple[Any, dict[str, Any], dict[str, Any]]:
    """An event proposing at tables North and South, each with a participant's proposals."""
    event = create_workshop(client, phase="propose")
    north, south = ok(client.post(f"{W}/{event.code}/groups", json={"names": ["ภาคเหนือ", "ภาคใต้"]},
                                  headers=event.facilitator), 201)
    for table, titles in ((north, ["ศูนย์ข้อมูลกลาง", "ศูนย์ข้อมูลภาครัฐ"]), (south, ["ท่าเรืออัจฉริยะ"])):
        ok(client.put(f"{W}/{event.code}/groups/{table['id']}/phase", json={"phase": "propose"},
                      headers=event.facilitator))
        seat = ok(client.post(f"{W}/{table['code']}/participants", json={"name": "ผู้เสนอ"}), 201)
        table["projects"] = [ok(client.post(f"{W}/{table['code']}/projects", json={"title": title},
                                            headers=bearer(seat["participant_token"])), 201)["id"] for title in titles]
    return event, north, south


def issue(client: TestClient, event: Any, role: str, group_id: Any, name: str = "สมศรี") -> Any:
    return client.post(f"{W}/{event.code}/links", json={"name": name, "role": role, "group_id": group_id},
                       headers=event.facilitator)


def test_a_moderator_of_one_table_moderates_there_and_nowhere_else(client: TestClient) -> None:
    event, north, south = an_event_with_two_tables(client)
    link = ok(issue(client, event, "moderator", north["id"]), 201)
    assert link["workshop_code"] == north["code"] and f"/w/{north['code']}/facilitate/" in link["facilitator_url"]
    moderator = bearer(link["key"])
    first, second = north["projects"]
    # At their table: merge and hide, as a moderator may.
    ok(client.post(f"{W}/{north['code']}/projects/{second}/merge", json={"into": first}, headers=moderator))
    ok(client.delete(f"{W}/{north['code']}/projects/{first}", headers=moderator), 204)
    # Still a moderator there: the phase is not theirs.
    assert client.put(f"{W}/{north['code']}/phase", json={"phase": "vote"}, headers=moderator).status_code == 403
    # At another table and on the event: refused, and saying why.
    other = client.delete(f"{W}/{south['code']}/projects/{south['projects'][0]}", headers=moderator)
    assert other.status_code == 403 and "another group" in other.json()["detail"]
    assert client.get(f"{W}/{event.code}/projects", headers=moderator).status_code == 403
    assert client.get(f"{W}/{south['code']}/projects", headers=moderator).status_code == 403
    # The main facilitator sees where the link acts; revoked, it stops at once.
    listed = {entry["id"]: entry for entry in ok(client.get(f"{W}/{event.code}/links", headers=event.facilitator))}
    assert listed[link["id"]]["workshop_code"] == north["code"] and listed[link["id"]]["role"] == "moderator"
    ok(client.delete(f"{W}/{event.code}/links/{link['id']}", headers=event.facilitator), 204)
    assert client.get(f"{W}/{north['code']}/projects", headers=moderator).status_code == 401


def test_a_co_facilitator_of_one_table_runs_it_but_not_the_event(app: FastAPI, client: TestClient) -> None:
    event, north, south = an_event_with_two_tables(client)
    link = ok(issue(client, event, "co_facilitator", north["id"], name="Khun Dao"), 201)
    co = bearer(link["key"])
    ok(client.put(f"{W}/{north['code']}/phase", json={"phase": "vote"}, headers=co))
    ok(client.put(f"{W}/{north['code']}/timer", json={"action": "start", "minutes": 5}, headers=co))
    refused = [
        client.put(f"{W}/{south['code']}/phase", json={"phase": "vote"}, headers=co),
        client.put(f"{W}/{event.code}/phase", json={"phase": "vote"}, headers=co),
        client.put(f"{W}/{event.code}/groups/phase", json={"phase": "vote"}, headers=co),
        client.post(f"{W}/{event.code}/plenary", json={"top": 1}, headers=co),
        client.post(f"{W}/{event.code}/groups", json={"name": "ภาคกลาง"}, headers=co),
        client.post(f"{W}/{north['code']}/links", json={"name": "x", "role": "moderator"}, headers=co),
        client.get(f"{W}/{event.code}/log", headers=co),
    ]
    assert [answer.status_code for answer in refused] == [403] * len(refused), [a.text for a in refused]
    # Their table's log is theirs to read: its own entries only, not the event's or South's.
    log = ok(client.get(f"{W}/{north['code']}/log", headers=co))
    assert {entry["workshop_code"] for entry in log["entries"]} == {north["code"]}
    assert [e["action"] for e in log["entries"]][:2] == ["run_timer", "set_phase"]
    assert log["total"] == len(log["entries"])
    # The main facilitator's log has everything; at North's code, North's part of it (as its console shows).
    whole = ok(client.get(f"{W}/{event.code}/log", headers=event.facilitator))
    assert {entry["workshop_code"] for entry in whole["entries"]} == {event.code, north["code"], south["code"]}
    assert ok(client.get(f"{W}/{north['code']}/log", headers=event.facilitator)) == log
    # Their console's log card, the same.
    with TestClient(app) as console:
        assert console.get(link["facilitator_url"].removeprefix("http://testserver")).status_code == 200
        card = console.get(f"/w/{north['code']}/facilitate/log").text
    assert north["code"] in card and south["code"] not in card and f">{event.code}<" not in card


def test_a_link_for_a_table_that_is_not_the_event_s_is_refused_clearly(client: TestClient) -> None:
    event, north, _south = an_event_with_two_tables(client)
    _, stranger_s_table, _ = an_event_with_two_tables(client)
    for group_id in (stranger_s_table["id"], 2**63, 0):
        answer = issue(client, event, "moderator", group_id)
        assert answer.status_code == 422, answer.text
    assert issue(client, event, "moderator", str(north["id"])).status_code == 422  # an id is a number
    # A table's own code: the link is the event's to give (as every link route acts on its event).
    made = client.post(f"{W}/{north['code']}/links", json={"name": "ก", "role": "moderator", "group_id": north["id"]},
                       headers=event.facilitator)
    assert made.status_code == 201 and made.json()["workshop_code"] == north["code"], made.text
    # Nothing was issued by the refused ones.
    names = [entry["name"] for entry in ok(client.get(f"{W}/{event.code}/links", headers=event.facilitator))]
    assert names.count("สมศรี") == 0 and names.count("ก") == 1


def test_the_console_issues_a_link_for_one_table(app: FastAPI, client: TestClient) -> None:
    event, north, _south = an_event_with_two_tables(client)
    with TestClient(app) as console:
        console.get("/lang/en")
        page = console.get(event.created["facilitator_url"]).text
        assert 'name="group_id"' in page and north["code"] in page
        card = console.post(f"/w/{event.code}/facilitate/links",
                            data={"name": "Table helper", "role": "moderator", "group_id": str(north["id"])})
        assert card.status_code == 200, card.text
        issued_url = card.text.split('id="issued-link"', 1)[1].split('value="', 1)[1].split('"', 1)[0]
        assert f"/w/{north['code']}/facilitate/" in issued_url
        unknown = console.post(f"/w/{event.code}/facilitate/links",
                               data={"name": "Nobody", "role": "moderator", "group_id": "999999"})
        assert unknown.status_code == 422
    key = issued_url.rsplit("/", 1)[1]
    with TestClient(app) as helper:  # the helper opens their link: their table's console, and only it
        assert helper.get(f"/w/{north['code']}/facilitate/{key}").status_code == 200
        assert helper.get(f"/w/{event.code}/facilitate/{key}", follow_redirects=False).status_code == 401
