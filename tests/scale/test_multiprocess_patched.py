"""A change made through one server process names the projects it changed in its notice, and
that notice crosses Redis whole: the other process reads only those rows again into the project
list it keeps, and its screen shows the edit, the new proposal and the hide as they are."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import httpx
import pytest
import redis
from websockets.sync.client import ClientConnection, connect

from app.live.broker import CHANNEL, read_notice
from bench.procs import ServerProcess
from tests.scale.test_multiprocess import API, REDIS_URL, two_workers  # noqa: F401  (the two processes)

pytestmark = pytest.mark.redis


@pytest.fixture
def notices() -> Iterator[Callable[[str], list[tuple[str, bool, frozenset[int] | None]]]]:
    """What travels on the change channel for a workshop, as its listeners read it."""
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3, socket_timeout=3)
    pubsub = client.pubsub(ignore_subscribe_messages=True)
    pubsub.subscribe(CHANNEL)
    heard: list[str] = []

    def of(code: str) -> list[tuple[str, bool, frozenset[int] | None]]:
        deadline = time.monotonic() + 2
        while time.monotonic() < deadline:  # what has arrived by now (bounded)
            message = pubsub.get_message(timeout=0.2)
            if message and message.get("type") == "message":
                heard.append(message["data"].decode())
        return [read_notice(text) for text in heard if read_notice(text)[0] == code]

    yield of
    pubsub.close()
    client.close()


def wait_for(screen: ClientConnection, shows: Callable[[str], bool], what: str, timeout: float = 15.0) -> None:
    """Read the screen's messages until one `shows` what is wanted (bounded in time)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            message = str(screen.recv(timeout=max(0.1, deadline - time.monotonic())))
        except TimeoutError:
            break
        if shows(message):
            return
    pytest.fail(f"the screen held by the other worker never showed {what}")


def test_an_edit_on_one_worker_reaches_the_other_naming_its_project(
        two_workers: list[ServerProcess],  # noqa: F811
        notices: Callable[[str], list[tuple[str, bool, frozenset[int] | None]]]) -> None:
    a, b = two_workers
    with httpx.Client(base_url=a.base, timeout=30) as http:
        created = http.post(API, json={"title": "สัมมนาสองเครื่อง"}).raise_for_status().json()
        code, facilitator = created["code"], {"Authorization": f"Bearer {created['facilitator_key']}"}
        http.put(f"{API}/{code}/phase", json={"phase": "propose"}, headers=facilitator).raise_for_status()
        ids = [http.post(f"{API}/{code}/projects", json={"title": title}, headers=facilitator)
               .raise_for_status().json()["id"] for title in ("ระบบคลาวด์กลางภาครัฐ", "ศูนย์ข้อมูลน้ำ")]
    screen_path = f"/ws/workshops/{code}?key={created['screen_key']}&view=screen"
    with connect(f"ws://127.0.0.1:{b.port}{screen_path}", open_timeout=15) as screen:
        assert "ศูนย์ข้อมูลน้ำ" in str(screen.recv(timeout=15))  # worker B's snapshot: its list is kept

        with httpx.Client(base_url=a.base, timeout=30) as http:
            http.patch(f"{API}/{code}/projects/{ids[1]}", json={"title": "ศูนย์ข้อมูลน้ำแห่งชาติ"},
                       headers=facilitator).raise_for_status()
            wait_for(screen, lambda html: "ศูนย์ข้อมูลน้ำแห่งชาติ" in html, "the edited title")
            added = http.post(f"{API}/{code}/projects", json={"title": "แอปแจ้งเหตุฉุกเฉิน"},
                              headers=facilitator).raise_for_status().json()["id"]
            wait_for(screen, lambda html: "แอปแจ้งเหตุฉุกเฉิน" in html, "the new proposal")
            http.delete(f"{API}/{code}/projects/{ids[0]}", headers=facilitator).raise_for_status()
            wait_for(screen, lambda html: "ระบบคลาวด์กลางภาครัฐ" not in html and "แอปแจ้งเหตุฉุกเฉิน" in html,
                     "the hidden project gone")

    heard = notices(code)
    for project_id in (ids[1], added, ids[0]):  # each change named its project on the way
        assert (code, False, frozenset({project_id})) in heard, heard
