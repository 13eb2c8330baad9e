"""The main facilitator watches the tables over the console's Groups card, without pressing
anything: when a table moves to another phase, or gains a participant or a proposal, the card's
list of groups changes on every console of the event, as the console's other live parts do."""

from __future__ import annotations

import re
from collections.abc import Callable

from fastapi.testclient import TestClient
from starlette.testclient import WebSocketTestSession

from tests.routes.helpers import API, bearer, create_workshop

W = f"{API}/workshops"


def groups_part(message: str) -> str:
    """The Groups card's live part of a console message (each top-level part replaces its id)."""
    start = message.find('<div id="groups-live"')
    assert start >= 0, "the console's message carries no Groups list"
    return message[start:]


def next_list(console: WebSocketTestSession, wanted: Callable[[str], bool]) -> str:
    """The console's messages until the Groups list shows what is wanted (a few at most: the
    hub may send one message for several changes, never many for one)."""
    seen = ""
    for _ in range(6):
        seen = groups_part(console.receive_text())
        if wanted(seen):
            return seen
    raise AssertionError(f"the Groups list never showed it; last seen:\n{seen}")


def test_the_groups_card_follows_each_table_live(client: TestClient) -> None:
    event = create_workshop(client, language="en")
    north, south = client.post(f"{W}/{event.code}/groups", json={"names": ["North", "South"]},
                               headers=event.facilitator).json()
    key = event.created["facilitator_key"]
    with client.websocket_connect(f"/ws/workshops/{event.code}?view=facilitator&lang=en&key={key}") as console:
        first = groups_part(console.receive_text())
        assert 'hx-swap-oob="true"' in first  # it replaces the card's list, wherever the console draws it
        assert first.count('class="group-row"') == 2 and first.count("Getting ready") == 2
        # Nothing secret travels with it: every console of the event gets the same part.
        for secret in (key, north["group_facilitator_key"], north["screen_key"], south["screen_key"]):
            assert secret not in first

        # North's own facilitator opens proposing at the table.
        assert client.put(f"{W}/{north['code']}/phase", json={"phase": "propose"},
                          headers=bearer(north["group_facilitator_key"])).status_code == 200
        shown = next_list(console, lambda part: "phase-propose" in part)
        assert re.search(r"North.*?phase-propose.*?South.*?phase-setup", shown, re.S)

        # A phone joins North and proposes.
        token = client.post(f"{W}/{north['code']}/participants", json={"name": "Malee"}).json()["participant_token"]
        next_list(console, lambda part: "1 participant" in part)
        assert client.post(f"{W}/{north['code']}/projects", json={"title": "Open data portal"},
                           headers=bearer(token)).status_code == 201
        shown = next_list(console, lambda part: "1 project" in part)
        north_row = shown.split("South", 1)[0]
        assert "1 participant" in north_row and "1 project" in north_row
        assert "0 participants" in shown.split("South", 1)[1]


def test_the_console_page_draws_the_list_once_in_the_card_and_its_actions_bring_it_along(
        client: TestClient) -> None:
    event = create_workshop(client, language="en")
    client.post(f"{W}/{event.code}/groups", json={"names": ["North"]}, headers=event.facilitator)
    with TestClient(client.app) as console:
        console.get("/lang/en")
        page = console.get(event.created["facilitator_url"]).text
        assert page.count('id="groups-live"') == 1
        card = page[page.index('id="groups-card"'):]
        assert 'id="groups-live"' in card and "Refresh" not in card
        # An action of the console's live part answers with the Groups list too, out of band.
        answer = console.post(f"/w/{event.code}/facilitate/phase", data={"phase": "propose"})
        assert answer.status_code == 200, answer.text
        assert answer.text.count('id="groups-live"') == 1 and 'hx-swap-oob="true"' in groups_part(answer.text)


def console_of(client: TestClient, code: str, key: str) -> WebSocketTestSession:
    return client.websocket_connect(f"/ws/workshops/{code}?view=facilitator&key={key}")


def test_a_workshop_without_groups_or_a_group_s_console_has_no_groups_list(client: TestClient) -> None:
    plain = create_workshop(client)
    moderator = client.post(f"{W}/{plain.code}/links", json={"name": "Mod", "role": "moderator"},
                            headers=plain.facilitator).json()["key"]
    # A moderator may not add groups, and there are none: no card, so no list in the messages.
    with console_of(client, plain.code, moderator) as console:
        assert 'id="groups-live"' not in console.receive_text()
    # The facilitator may add the first group: the card is there, with its (empty) list.
    with console_of(client, plain.code, plain.created["facilitator_key"]) as console:
        assert 'id="groups-live"' in console.receive_text()
    (group,) = client.post(f"{W}/{plain.code}/groups", json={"names": ["North"]}, headers=plain.facilitator).json()
    with console_of(client, group["code"], group["group_facilitator_key"]) as console:
        assert 'id="groups-live"' not in console.receive_text()
