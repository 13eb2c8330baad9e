"""Ceilings per workshop: participants, agencies typed in at joining, and projects. A flood of
joins or proposals from anyone with the code stops at a ceiling with a clear sentence (JSON
409 on the API, the page's language on the phone), keeps what was there, and an import is held
to the same ceilings (422). The defaults are far above any real workshop (tests/test_readme.py)."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from app.deps import cookie_name
from tests.routes.helpers import assert_error, create_workshop, join, propose

LISTED = "กรมบัญชีกลาง"


def test_a_full_workshop_refuses_one_more_participant_and_says_why(client_with: Any) -> None:
    venue = client_with(max_participants_per_workshop=3)
    workshop = create_workshop(venue)
    for name in ("ก", "ข", "ค"):
        join(venue, workshop, name)
    answer = venue.post(f"{workshop.url}/participants", json={"name": "ง"})
    assert_error(answer, 409, "This workshop is full", "3 participants")
    # The phone's join form says it in Thai and keeps what was typed.
    page = venue.post(f"/w/{workshop.code}/join", data={"name": "สมศรี", "agency": LISTED})
    assert page.status_code == 409
    assert "เวิร์กช็อปนี้เต็มแล้ว" in page.text and 'value="สมศรี"' in page.text
    assert venue.get(workshop.url).json()["participant_count"] == 3


def test_typed_agencies_stop_at_their_ceiling_but_listed_and_known_ones_still_join(client_with: Any) -> None:
    venue = client_with(max_typed_agencies_per_workshop=2)
    workshop = create_workshop(venue, agencies=[LISTED], typed_agencies=True)
    url = f"{workshop.url}/participants"
    for agency in ("สำนักงาน ก", "สำนักงาน ข"):
        join(venue, workshop, agency=agency)
    answer = venue.post(url, json={"name": "คนที่สาม", "agency": "สำนักงาน ค"})
    assert_error(answer, 409, "2 agencies typed in", "choose one from the list")
    # An agency already typed by someone, one from the list, or none at all: still welcome.
    for agency in ("สำนักงาน ก", LISTED, LISTED.upper(), ""):
        assert venue.post(url, json={"name": "มาทีหลัง", "agency": agency}).status_code == 201, agency
    page = venue.post(f"/w/{workshop.code}/join", data={"name": "สมศรี", "agency": "สำนักงาน ง"})
    assert page.status_code == 409 and "หน่วยงานที่ผู้เข้าร่วมพิมพ์เองครบ 2 หน่วยงานแล้ว" in page.text
    console = venue.get(workshop.url).json()
    assert console["participant_count"] == 6


def test_a_workshop_takes_no_project_past_its_ceiling(client_with: Any) -> None:
    venue = client_with(max_projects_per_workshop=2)
    workshop = create_workshop(venue, phase="propose")
    person = join(venue, workshop)
    propose(venue, workshop, workshop.facilitator, "หนึ่ง")
    hidden = propose(venue, workshop, person.headers, "สอง")
    # A hidden project still counts: it is kept and exported.
    assert venue.delete(f"{workshop.url}/projects/{hidden['id']}", headers=workshop.facilitator).status_code == 204
    answer = venue.post(f"{workshop.url}/projects", json={"title": "สาม"}, headers=workshop.facilitator)
    assert_error(answer, 409, "2 projects", "no more can be added")
    venue.cookies.set(cookie_name("participant", workshop.code), person.token)
    toast = venue.post(f"/w/{workshop.code}/proposals", data={"title": "สี่"},
                       headers={"HX-Request": "true", "Origin": "http://testserver"})
    assert toast.status_code == 409 and "เพิ่มโครงการอีกไม่ได้" in toast.text
    assert toast.headers["hx-retarget"] == "#toast"  # the typed proposal stays in its form
    titles = [p["title"] for p in venue.get(f"{workshop.url}/projects", headers=workshop.facilitator).json()]
    assert titles == ["หนึ่ง"]


def test_an_import_is_held_to_the_same_ceilings(client: TestClient, client_with: Any) -> None:
    workshop = create_workshop(client, phase="propose", agencies=[LISTED], typed_agencies=True)
    for agency in ("สำนักงาน ก", "สำนักงาน ข", LISTED):
        join(client, workshop, agency=agency)
    for title in ("หนึ่ง", "สอง"):
        propose(client, workshop, workshop.facilitator, title)
    export = client.get(f"{workshop.url}/export", headers=workshop.facilitator).json()
    for ceiling, words in (({"max_participants_per_workshop": 2}, ("3 participants", "at most 2")),
                           ({"max_projects_per_workshop": 1}, ("2 projects", "at most 1")),
                           ({"max_typed_agencies_per_workshop": 1}, ("typed in 2 agencies", "at most 1"))):
        small = client_with(**ceiling)
        assert_error(small.post("/api/v1/workshops/import", json=export), 422, *words)
    assert client_with().post("/api/v1/workshops/import", json=export).status_code == 201
