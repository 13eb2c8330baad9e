"""Groups in the pages: the facilitator pastes a list of tables into the console, hands each
table its facilitator's link and prints table cards; phones join a table by its code or by
choosing it, see their table's projects only, and find the plenary vote from their table."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.deps import cookie_name
from tests.routes.helpers import API, Workshop, create_workshop, propose, set_phase

TABLES = ["ภาคเหนือ", "ภาคใต้", "ภาคตะวันออกเฉียงเหนือ"]


@pytest.fixture
def browsers(app: FastAPI) -> Iterator[Any]:
    """Separate browsers (own cookies), each opened at a link if given."""
    opened: list[TestClient] = []

    def open_browser(url: str | None = None, lang: str = "th") -> TestClient:
        browser = TestClient(app)
        browser.__enter__()
        opened.append(browser)
        browser.get(f"/lang/{lang}")
        if url:
            assert browser.get(url).status_code == 200
        return browser

    yield open_browser
    for browser in opened:
        browser.__exit__(None, None, None)


def pasted(console: TestClient, event: Workshop, names: list[str]) -> str:
    """Paste a list into the Groups card; the card as it answers."""
    answer = console.post(f"/w/{event.code}/facilitate/groups", data={"names": "\n".join(["", *names, "  "])})
    assert answer.status_code == 200, answer.text
    return answer.text


def listed(client: TestClient, event: Workshop) -> list[dict[str, Any]]:
    return client.get(f"{API}/workshops/{event.code}/groups").json()


def test_the_facilitator_pastes_tables_and_hands_out_their_links(client: TestClient, browsers: Any) -> None:
    event = create_workshop(client)
    console = browsers(event.created["facilitator_url"])
    page = console.get(f"/w/{event.code}/facilitate").text
    assert 'id="groups-card"' in page and "group-names" in page
    card = pasted(console, event, TABLES)
    groups = listed(client, event)
    assert [g["name"] for g in groups] == TABLES
    for group in groups:
        assert group["code"] in card and group["name"] in card
        assert f"/j/{group['code']}" in card
    # The links stay on the console (drawn again from its key), not only right after adding.
    again = console.get(f"/w/{event.code}/facilitate").text
    shown = r'id="g{}-\d+" class="secret-link" readonly value="[^"]*/w/({}-\d)/{}/([^"]+)"'
    links = re.findall(shown.format("f", event.code, "facilitate"), again)
    screens = re.findall(shown.format("s", event.code, "screen"), again)
    assert [code for code, _key in links] == [g["code"] for g in groups]
    assert [code for code, _key in screens] == [g["code"] for g in groups]
    assert again.count("<svg") >= len(groups) + 1  # a QR code a group, besides the event's
    # Each works: the group facilitator's link opens its console, the screen link its screen.
    code, key = links[1]
    table = browsers()
    assert table.get(f"/w/{code}/facilitate/{key}").status_code == 200
    client.cookies.clear()
    assert client.get(f"/w/{screens[1][0]}/screen/{screens[1][1]}").status_code == 200
    # ... in its own group only.
    assert table.get(f"/w/{links[0][0]}/facilitate/{key}").status_code == 401


def test_a_group_console_shows_only_what_its_facilitator_may_do(client: TestClient, browsers: Any) -> None:
    event = create_workshop(client)
    made = client.post(f"{API}/workshops/{event.code}/groups", json={"names": TABLES[:2]},
                       headers=event.facilitator).json()
    table = browsers(made[0]["facilitator_url"])
    page = table.get(f"/w/{made[0]['code']}/facilitate")
    assert page.status_code == 200
    html = page.text
    # Its phases and timer, yes; the event's settings, exports, imports and groups, no.
    assert 'name="phase"' in html and "/facilitate/timer" in html
    for hidden in ("/facilitate/settings", "/facilitate/export.", "/facilitate/own-preset", 'id="groups-card"'):
        assert hidden not in html, hidden
    assert "cannot-change_settings" in html and "cannot-import_projects" in html
    assert made[0]["screen_url"].split("/screen/")[1] in html  # its own screen link
    # Its phase buttons move its group, not another's; the event's console refuses it.
    assert table.post(f"/w/{made[0]['code']}/facilitate/phase", data={"phase": "propose"}).status_code == 200
    assert listed(client, event)[0]["phase"] == "propose"
    settings = table.post(f"/w/{made[0]['code']}/facilitate/settings", data={"time_zone": "Asia/Bangkok"})
    assert settings.status_code == 403
    assert table.get(f"/w/{event.code}/facilitate").status_code == 401  # no key of the event in its cookie
    # The event's facilitator opens the same console with everything, and the group's own links.
    console = browsers(event.created["facilitator_url"])
    event_console = console.get(f"/w/{event.code}/facilitate").text
    opened = re.search(rf'href="(/w/{made[0]["code"]}/facilitate/[^"]+)"', event_console)
    assert opened is not None  # the card's "open its console"
    html = console.get(opened.group(1)).text
    assert "cannot-change_settings" not in html and "/facilitate/settings" in html
    assert made[0]["facilitator_url"] in html and made[0]["screen_url"] in html


def test_every_group_moves_at_once_from_the_console(client: TestClient, browsers: Any) -> None:
    event = create_workshop(client)
    console = browsers(event.created["facilitator_url"])
    pasted(console, event, TABLES)
    answer = console.post(f"/w/{event.code}/facilitate/groups/phase", data={"phase": "vote"})
    assert answer.status_code == 200
    assert [g["phase"] for g in listed(client, event)] == ["vote"] * 3
    assert client.get(f"{API}/workshops/{event.code}").json()["phase"] == "setup"


def test_a_phone_picks_its_group_and_is_known_at_the_plenary_too(client: TestClient, browsers: Any) -> None:
    event = create_workshop(client)
    console = browsers(event.created["facilitator_url"])
    pasted(console, event, TABLES)
    north, south = listed(client, event)[:2]
    phone = browsers()
    form = phone.get(f"/w/{event.code}").text
    assert 'name="group_id"' in form and all(name in form for name in TABLES)
    # Without a group: the form again, saying so, with the name kept.
    again = phone.post(f"/w/{event.code}/join", data={"name": "มาลี"})
    assert again.status_code == 422 and "มาลี" in again.text and 'name="group_id"' in again.text
    joined = phone.post(f"/w/{event.code}/join", data={"name": "มาลี", "group_id": str(south["id"])},
                        follow_redirects=False)
    assert joined.status_code == 303 and joined.headers["location"] == f"/w/{south['code']}"
    assert phone.cookies.get(cookie_name("participant", south["code"]))
    assert phone.cookies.get(cookie_name("participant", event.code)) == \
        phone.cookies.get(cookie_name("participant", south["code"]))
    assert 'id="phone-shell"' in phone.get(f"/w/{south['code']}").text
    assert 'id="phone-shell"' in phone.get(f"/w/{event.code}").text  # the plenary
    # Not another table's phone.
    assert 'id="phone-shell"' not in phone.get(f"/w/{north['code']}").text
    assert [g["participant_count"] for g in listed(client, event)] == [0, 1, 0]


def test_a_phone_joins_by_the_group_code_on_the_table_card(client: TestClient, browsers: Any) -> None:
    event = create_workshop(client)
    console = browsers(event.created["facilitator_url"])
    pasted(console, event, TABLES)
    third = listed(client, event)[2]
    phone = browsers()
    short = phone.get(f"/j/{third['code'].lower()}", follow_redirects=False)
    assert short.headers["location"] == f"/w/{third['code']}"
    form = phone.get(f"/w/{third['code'].lower()}").text
    assert third["name"] in form and 'name="group_id"' not in form
    joined = phone.post(f"/w/{third['code'].lower()}/join", data={"name": "สมศักดิ์"}, follow_redirects=False)
    assert joined.headers["location"] == f"/w/{third['code']}"
    assert phone.cookies.get(cookie_name("participant", event.code))
    assert [g["participant_count"] for g in listed(client, event)] == [0, 0, 1]


def test_a_group_phone_lists_only_its_group_s_projects(client: TestClient, browsers: Any) -> None:
    event = create_workshop(client)
    made = client.post(f"{API}/workshops/{event.code}/groups", json={"names": TABLES[:2]},
                       headers=event.facilitator).json()
    client.put(f"{API}/workshops/{event.code}/groups/phase", json={"phase": "propose"}, headers=event.facilitator)
    north, south = (Workshop(created={"code": g["code"]}) for g in made)
    propose(client, north, event.facilitator, "ศูนย์ข้อมูลภาคเหนือ")
    propose(client, south, event.facilitator, "ท่าเรือน้ำลึกภาคใต้")
    propose(client, event, event.facilitator, "โครงการระดับชาติ")
    phone = browsers()
    phone.post(f"/w/{north.code}/join", data={"name": "มาลี"})
    assert event.created["title"] in phone.get(f"/w/{north.code}").text  # the event's name on the group's page
    for url in (f"/w/{north.code}", f"/w/{north.code}/list"):
        html = phone.get(url).text
        assert "ศูนย์ข้อมูลภาคเหนือ" in html, url
        assert "ท่าเรือน้ำลึกภาคใต้" not in html and "โครงการระดับชาติ" not in html, url


def test_a_group_phone_points_to_the_plenary_vote_while_it_is_open(client: TestClient, browsers: Any) -> None:
    event = create_workshop(client, phase="propose")
    (made,) = client.post(f"{API}/workshops/{event.code}/groups", json={"names": ["ภาคเหนือ"]},
                          headers=event.facilitator).json()
    phone = browsers()
    phone.post(f"/w/{made['code']}/join", data={"name": "มาลี"})
    banner = f'class="plenary-banner" href="/w/{event.code}"'
    set_phase(client, event, "vote")
    assert banner not in phone.get(f"/w/{made['code']}").text  # no plenary projects yet
    set_phase(client, event, "propose")
    propose(client, event, event.facilitator, "โครงการระดับชาติ")
    assert banner not in phone.get(f"/w/{made['code']}").text  # not voting yet
    set_phase(client, event, "vote")
    assert banner in phone.get(f"/w/{made['code']}/me").text
    plenary = phone.get(f"/w/{event.code}").text  # the same phone, at the plenary
    assert "โครงการระดับชาติ" in plenary and f'href="/w/{made["code"]}"' in plenary  # and the way back


def test_the_facilitator_moves_a_participant_from_the_console(client: TestClient, browsers: Any) -> None:
    event = create_workshop(client)
    console = browsers(event.created["facilitator_url"])
    pasted(console, event, TABLES)
    north, south = listed(client, event)[:2]
    client.post(f"{API}/workshops/{north['code']}/participants", json={"name": "มาลี", "agency": "กรมการปกครอง"})
    found = console.get(f"/w/{event.code}/facilitate/groups/people", params={"q": "ปกครอง"})
    assert found.status_code == 200 and "มาลี" in found.text
    person = re.search(r'name="participant_id" value="(\d+)"', found.text)
    assert person is not None
    moved = console.post(f"/w/{event.code}/facilitate/groups/move",
                         data={"participant_id": person.group(1), "group_id": str(south["id"]), "q": "มาลี"})
    assert moved.status_code == 200 and "มาลี" in moved.text
    assert [g["participant_count"] for g in listed(client, event)] == [0, 1, 0]


def test_table_cards_print_one_card_a_group_in_a4_and_a5(client: TestClient, browsers: Any) -> None:
    event = create_workshop(client)
    console = browsers(event.created["facilitator_url"])
    pasted(console, event, TABLES)
    for size in ("a4", "a5"):
        page = console.get(f"/w/{event.code}/facilitate/table-cards", params={"size": size})
        assert page.status_code == 200
        assert page.text.count('class="table-card"') == len(TABLES)
        assert f"cards-{size}" in page.text and "/static/table-cards.css" in page.text
        for group in listed(client, event):
            assert group["name"] in page.text and group["code"] in page.text
    css = client.get("/static/table-cards.css").text
    assert "size: A4" in css and "size: A5" in css and "@page" in css
    assert console.get(f"/w/{event.code}/facilitate/table-cards", params={"size": "a3"}).status_code == 422
    # Not for a phone.
    phone = browsers()
    phone.post(f"/w/{event.code}/join", data={"name": "มาลี", "group_id": str(listed(client, event)[0]["id"])})
    assert phone.get(f"/w/{event.code}/facilitate/table-cards").status_code in (401, 403)


def test_table_cards_as_a_pdf_name_every_group_and_code(client: TestClient, browsers: Any, tmp_path: Any) -> None:
    pytest.importorskip("weasyprint")
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    event = create_workshop(client)
    console = browsers(event.created["facilitator_url"])
    pasted(console, event, TABLES)
    for size in ("a4", "a5"):
        answer = console.get(f"/w/{event.code}/facilitate/table-cards.pdf", params={"size": size})
        for _attempt in range(60):  # drawn by a render worker: "try again" until it is ready
            if answer.status_code != 503:
                break
            answer = console.get(f"/w/{event.code}/facilitate/table-cards.pdf", params={"size": size})
        assert answer.status_code == 200 and answer.headers["content-type"] == "application/pdf"
        path = tmp_path / f"cards-{size}.pdf"
        path.write_bytes(answer.content)
        text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                              check=True).stdout
        for group in listed(client, event):
            assert group["name"] in text and group["code"] in text, (size, group)
        info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
        assert re.search(rf"^Pages:\s+{len(TABLES)}$", info, re.M), info  # one card a page
        # A4 portrait, A5 landscape (in points).
        wanted = "595.276 x 841.89 pts" if size == "a4" else "595.276 x 419.528 pts"
        assert wanted in info, info
