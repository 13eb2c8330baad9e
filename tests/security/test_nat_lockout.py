"""A whole hall behind one address (the venue's Wi-Fi NAT): one phone stuck in a join loop, or
a script looping on the API, must not get honest people's joins refused. Each phone carries a
device cookie from the join page, so its own retries count against that phone; and what one
address may do grows with the workshop's size."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import Session

from app.deps import DEVICE_COOKIE
from app.services import workshops
from tests.factories import make_participant
from tests.routes.helpers import create_workshop

ATTEMPTS = 200  # a looping joiner, bounded


def new_phone(venue: TestClient, code: str) -> None:
    """A phone that opens the join page (and gets its device cookie there), as every phone does."""
    venue.cookies.clear()
    assert venue.get(f"/w/{code}").status_code == 200
    assert venue.cookies.get(DEVICE_COOKIE)


def join_page(venue: TestClient, code: str, name: str) -> int:
    return venue.post(f"/w/{code}/join", data={"name": name}, follow_redirects=False).status_code


def honest_hall(venue: TestClient, code: str, people: int = 15) -> list[int]:
    answers = []
    for i in range(people):
        new_phone(venue, code)
        answers.append(join_page(venue, code, f"ผู้เข้าร่วม {i + 1}"))
    return answers


def test_a_phone_stuck_in_a_join_loop_does_not_lock_the_hall_out(client_with: Any) -> None:
    venue = client_with(rate_join_per_address=60)  # a burst of 30 from one address
    workshop = create_workshop(venue)
    new_phone(venue, workshop.code)
    looped = [join_page(venue, workshop.code, "วนซ้ำ") for _ in range(ATTEMPTS)]
    assert looped.count(303) <= 5 and looped[-1] == 429  # the phone's own allowance (10 a minute)
    assert honest_hall(venue, workshop.code) == [303] * 15


def test_a_script_looping_on_the_api_does_not_lock_the_phones_out(client_with: Any) -> None:
    venue = client_with(rate_join_per_address=60)
    workshop = create_workshop(venue)
    venue.cookies.clear()
    looped = [venue.post(f"{workshop.url}/participants", json={"name": "บอท"}).status_code for _ in range(ATTEMPTS)]
    assert looped[-1] == 429  # scripts without a device cookie still have their own limit
    assert honest_hall(venue, workshop.code) == [303] * 15


def test_what_one_address_may_join_grows_with_the_workshop(client_with: Any, session: Session) -> None:
    venue = client_with(rate_join_per_address=4)  # a burst of 2 for a workshop nobody has joined yet
    small, big = create_workshop(venue), create_workshop(venue)
    big_workshop = workshops.get_workshop(session, code=big.code)
    for i in range(200):  # the hall has been arriving for a while
        make_participant(session, big_workshop, f"คนที่ {i}")
    venue.cookies.clear()
    to_small = [venue.post(f"{small.url}/participants", json={"name": "ก"}).status_code for _ in range(3)]
    assert to_small == [201, 201, 429]
    to_big = [venue.post(f"{big.url}/participants", json={"name": "ข"}).status_code for _ in range(40)]
    assert to_big == [201] * 40
