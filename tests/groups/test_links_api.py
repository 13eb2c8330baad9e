"""Many facilitators, accountable: the main facilitator issues named links, sees each one's
last use, and revokes them; a revoked link stops at once and its open consoles close. A
moderator moderates and nothing else; a co-facilitator does everything but manage links."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from app.deps import cookie_name
from app.live.broker import LocalBroker
from app.live.hub import REVOKED_CLOSE
from tests.routes.helpers import Workshop, bearer, create_workshop, join, propose, set_phase

API = "/api/v1/workshops"


def issue(client: TestClient, workshop: Workshop, name: str, role: str) -> dict[str, Any]:
    answer = client.post(f"{API}/{workshop.code}/links", json={"name": name, "role": role},
                         headers=workshop.facilitator)
    assert answer.status_code == 201, answer.text
    return answer.json()


def listed(client: TestClient, workshop: Workshop) -> dict[str, dict[str, Any]]:
    answer = client.get(f"{API}/{workshop.code}/links", headers=workshop.facilitator)
    assert answer.status_code == 200, answer.text
    return {link["name"]: link for link in answer.json()}


def test_a_named_link_is_issued_listed_with_its_last_use_and_revoked_at_once(client: TestClient) -> None:
    workshop = create_workshop(client, phase="propose")
    link = issue(client, workshop, "สมชาย ใจดี", "co_facilitator")
    assert link["role"] == "co_facilitator" and link["workshop_code"] == workshop.code
    assert link["facilitator_url"].endswith(f"/w/{workshop.code}/facilitate/{link['key']}")
    assert listed(client, workshop)["สมชาย ใจดี"]["last_used_at"] is None
    assert "key" not in listed(client, workshop)["สมชาย ใจดี"]  # the key is shown once only

    # Used: its last use is listed.
    assert client.put(f"{API}/{workshop.code}/phase", json={"phase": "vote"},
                      headers=bearer(link["key"])).status_code == 200
    assert listed(client, workshop)["สมชาย ใจดี"]["last_used_at"] is not None

    # Revoked: the very next request with it is 401, and the list says when.
    assert client.delete(f"{API}/{workshop.code}/links/{link['id']}", headers=workshop.facilitator).status_code == 204
    assert client.get(f"{API}/{workshop.code}/projects", headers=bearer(link["key"])).status_code == 401
    assert listed(client, workshop)["สมชาย ใจดี"]["revoked_at"] is not None
    # Its secret link no longer opens the console either.
    assert client.get(f"/w/{workshop.code}/facilitate/{link['key']}", follow_redirects=False).status_code == 401


def test_only_the_main_facilitator_manages_links(client: TestClient) -> None:
    workshop = create_workshop(client, phase="propose")
    co = issue(client, workshop, "Co", "co_facilitator")
    moderator = issue(client, workshop, "Mod", "moderator")
    for key in (co["key"], moderator["key"]):
        assert client.get(f"{API}/{workshop.code}/links", headers=bearer(key)).status_code == 403
        assert client.post(f"{API}/{workshop.code}/links", json={"name": "X", "role": "moderator"},
                           headers=bearer(key)).status_code == 403
        assert client.delete(f"{API}/{workshop.code}/links/{co['id']}", headers=bearer(key)).status_code == 403
    # Group-facilitator links are the groups' own: this API issues co-facilitators and moderators.
    assert client.post(f"{API}/{workshop.code}/links", json={"name": "G", "role": "group_facilitator"},
                       headers=workshop.facilitator).status_code == 422
    assert client.delete(f"{API}/{workshop.code}/links/999999", headers=workshop.facilitator).status_code == 404


def test_a_moderator_hides_and_merges_but_may_not_run_the_workshop(client: TestClient) -> None:
    workshop = create_workshop(client, phase="propose")
    moderator = bearer(issue(client, workshop, "Mod", "moderator")["key"])
    a = propose(client, workshop, workshop.facilitator, "ศูนย์ข้อมูลกลาง")["id"]
    b = propose(client, workshop, workshop.facilitator, "ศูนย์ข้อมูลกลางภาครัฐ")["id"]
    c = propose(client, workshop, workshop.facilitator, "ถนนดิจิทัล")["id"]
    merged = client.post(f"{API}/{workshop.code}/projects/{b}/merge", json={"into": a}, headers=moderator)
    assert merged.status_code == 200
    assert client.delete(f"{API}/{workshop.code}/projects/{c}", headers=moderator).status_code == 204
    assert client.patch(f"{API}/{workshop.code}/projects/{a}", json={"title": "ศูนย์ข้อมูล"},
                        headers=moderator).status_code == 200
    assert client.put(f"{API}/{workshop.code}/phase", json={"phase": "vote"}, headers=moderator).status_code == 403
    assert client.patch(f"{API}/{workshop.code}", json={"title": "Renamed"}, headers=moderator).status_code == 403
    assert client.get(f"{API}/{workshop.code}/export?format=json", headers=moderator).status_code == 403
    assert client.get(f"{API}/{workshop.code}/log", headers=moderator).status_code == 403


def console_as(client: TestClient, workshop: Workshop, key: str) -> str:
    client.cookies.clear()
    client.cookies.set(cookie_name("facilitator", workshop.code), key)
    page = client.get(f"/w/{workshop.code}/facilitate")
    assert page.status_code == 200, page.text
    return page.text


def test_each_console_shows_what_its_role_may_do(client: TestClient) -> None:
    workshop = create_workshop(client, phase="propose")
    propose(client, workshop, workshop.facilitator, "ศูนย์ข้อมูลกลาง")
    co = issue(client, workshop, "Co", "co_facilitator")["key"]
    moderator = issue(client, workshop, "Mod", "moderator")["key"]
    phase_button = f'hx-post="/w/{workshop.code}/facilitate/phase"'
    links_card = 'id="facilitators"'
    timer = f'hx-post="/w/{workshop.code}/facilitate/timer"'
    export = f"/w/{workshop.code}/facilitate/export."
    log = 'id="action-log"'
    main = console_as(client, workshop, workshop.created["facilitator_key"])
    assert all(part in main for part in (phase_button, links_card, timer, export, log))
    co_console = console_as(client, workshop, co)
    assert all(part in co_console for part in (phase_button, timer, export, log))
    assert links_card not in co_console
    mod_console = console_as(client, workshop, moderator)
    assert not any(part in mod_console for part in (phase_button, links_card, timer, export, log))
    assert 'id="moderation"' in mod_console and f"/w/{workshop.code}/facilitate/projects/" in mod_console
    client.cookies.clear()


def test_a_revoked_link_s_open_console_is_closed(client: TestClient) -> None:
    workshop = create_workshop(client, phase="propose")
    link = issue(client, workshop, "Mod", "moderator")
    kept = issue(client, workshop, "Other", "co_facilitator")
    url = f"/ws/workshops/{workshop.code}?view=facilitator&key="
    with client.websocket_connect(url + link["key"]) as console, client.websocket_connect(url + kept["key"]) as other:
        snapshot = console.receive_text()
        assert 'id="fac-live"' in snapshot
        assert f'hx-post="/w/{workshop.code}/facilitate/phase"' not in snapshot  # a moderator's console
        assert f'hx-post="/w/{workshop.code}/facilitate/phase"' in other.receive_text()
        assert client.delete(f"{API}/{workshop.code}/links/{link['id']}",
                             headers=workshop.facilitator).status_code == 204
        with pytest.raises(WebSocketDisconnect) as closed:
            for _ in range(20):  # a redraw may come first; the close follows
                console.receive_text()
        assert closed.value.code == REVOKED_CLOSE
        # The other console stays open and live.
        set_phase(client, workshop, "vote")
        assert 'id="fac-live"' in other.receive_text()
    # And the revoked key cannot open a socket again.
    from starlette.testclient import WebSocketDenialResponse
    with pytest.raises(WebSocketDenialResponse) as denied, client.websocket_connect(url + link["key"]):
        pass
    assert denied.value.status_code == 401


def test_the_broker_carries_revokes_apart_from_changes() -> None:
    broker = LocalBroker()
    changes: list[str] = []
    revokes: list[int] = []
    broker.subscribe(lambda code, votes_only, projects: changes.append(code))
    broker.subscribe_revokes(revokes.append)
    broker.publish("MDES26")
    broker.publish_revoke(7)
    broker.publish("revoke-link:not-a-number")  # nothing a listener must see
    assert changes == ["MDES26"] and revokes == [7]


def test_a_participant_is_not_staff_anywhere_near_links(client: TestClient) -> None:
    workshop = create_workshop(client, phase="propose")
    person = join(client, workshop, "ปกรณ์")
    assert client.get(f"{API}/{workshop.code}/links", headers=person.headers).status_code == 403
    assert client.get(f"{API}/{workshop.code}/log", headers=person.headers).status_code == 403
    assert client.get(f"{API}/{workshop.code}/log").status_code == 401


def test_the_facilitators_card_issues_a_link_once_and_revokes_it_after_asking(client: TestClient) -> None:
    workshop = create_workshop(client, phase="propose")
    main_key = workshop.created["facilitator_key"]
    console_as(client, workshop, main_key)
    htmx = {"HX-Request": "true", "Origin": str(client.base_url)}
    card = client.post(f"/w/{workshop.code}/facilitate/links", data={"name": "วิภา", "role": "moderator"},
                       headers=htmx)
    assert card.status_code == 200, card.text
    assert 'id="facilitators"' in card.text and "data-copy=\"issued-link\"" in card.text and "<svg" in card.text
    key = card.text.split(f"/w/{workshop.code}/facilitate/")[1].split('"')[0]
    assert client.get(f"{API}/{workshop.code}/projects", headers=bearer(key)).status_code == 200
    link_id = listed(client, workshop)["วิภา"]["id"]
    # Listed on the next draw without its key; the revoke button asks first.
    again = console_as(client, workshop, main_key)
    assert "วิภา" in again and key not in again and "hx-confirm" in again.split(f'id="link-{link_id}"')[1][:800]
    revoked = client.post(f"/w/{workshop.code}/facilitate/links/{link_id}/revoke", headers=htmx)
    assert revoked.status_code == 200 and "วิภา" in revoked.text
    assert client.get(f"{API}/{workshop.code}/projects", headers=bearer(key)).status_code == 401
    # The console's log shows both, newest first, and pages back.
    log = client.get(f"/w/{workshop.code}/facilitate/log?offset=0", headers=htmx)
    assert log.status_code == 200 and 'id="action-log"' in log.text
    # In the console's language (the workshop's: Thai), the role by its label.
    assert log.text.index("ยกเลิกลิงก์ผู้ตรวจกลั่นกรองของ วิภา") < log.text.index("ออกลิงก์ผู้ตรวจกลั่นกรองให้ วิภา")
    client.cookies.clear()
