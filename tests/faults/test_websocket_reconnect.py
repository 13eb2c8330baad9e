"""Reconnect: a big screen or a phone whose websocket drops in the middle of voting comes back
and is shown the right tallies at once (the first message is a complete, current snapshot),
and keeps up with the votes that follow. A real server, a real websocket client."""

from __future__ import annotations

import random
import re
import socket
import threading
import time
from typing import Any, Self

import httpx
from websockets.sync.client import ClientConnection, connect

from tests.faults.conftest import ServerProcess, bearer, make_workshop, record_figures

SCREEN_TALLY = re.compile(r'id="row-(\d+)"[^>]*>.*?class="tally-num">(\d+)<', re.DOTALL)
PHONE_TALLY = re.compile(r'id="tally-(\d+)" class="tally">(\d+)')


def tallies(message: str, pattern: re.Pattern[str]) -> dict[int, int]:
    return {int(pid): int(dots) for pid, dots in pattern.findall(message)}


def results(base_url: str, scene: dict[str, Any]) -> dict[int, int]:
    answer = httpx.get(f"{base_url}{scene['url']}/results", headers=scene["facilitator"], timeout=30)
    assert answer.status_code == 200
    return {row["project_id"]: row["dots"] for row in answer.json()["ranking"]}


class Voting:
    """Participants voting in a background thread, until stopped (and at most 2000 votes or 30 s)."""

    def __init__(self, base_url: str, scene: dict[str, Any]) -> None:
        self.base_url, self.scene = base_url, scene
        self.stop = threading.Event()
        self.acknowledged = 0
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self) -> None:
        rng = random.Random(7)
        deadline = time.monotonic() + 30
        with httpx.Client(base_url=self.base_url, timeout=10) as http:
            for _ in range(2000):
                if self.stop.is_set() or time.monotonic() > deadline:
                    return
                token = rng.choice(self.scene["tokens"])
                project = rng.choice(self.scene["projects"])
                answer = http.put(f"{self.scene['url']}/votes/{project}", json={"dots": rng.randint(0, 3)},
                                  headers=bearer(token))
                assert answer.status_code in (200, 409), answer.text
                self.acknowledged += answer.status_code == 200
                time.sleep(0.005)

    def __enter__(self) -> Self:
        self.thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop.set()
        self.thread.join(timeout=30)
        assert not self.thread.is_alive()


def open_view(server: ServerProcess, scene: dict[str, Any], view: str, key: str) -> ClientConnection:
    return connect(f"{server.ws_url}/ws/workshops/{scene['code']}?view={view}&key={key}", proxy=None,
                   open_timeout=10, close_timeout=2, legacy=True)


def drop(websocket: ClientConnection) -> None:
    """The network goes away under the connection: no closing handshake."""
    try:
        websocket.socket.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    websocket.close()


def until_equal(websocket: ClientConnection, pattern: re.Pattern[str], wanted: dict[int, int],
                shown: dict[int, int], timeout: float = 10.0) -> tuple[dict[int, int], int]:
    """Read messages until the shown tallies equal `wanted` (bounded), starting from what the view
    already shows (the last vote may have landed before its snapshot, so no update follows);
    returns (last shown, messages read)."""
    deadline, read = time.monotonic() + timeout, 0
    while shown != wanted and time.monotonic() < deadline:
        try:
            message = websocket.recv(timeout=max(0.05, deadline - time.monotonic()))
        except TimeoutError:
            break
        read += 1
        shown = tallies(message, pattern) or shown
    return shown, read


VIEWS = [("screen", SCREEN_TALLY), ("phone", PHONE_TALLY)]


def test_a_view_dropped_mid_vote_reconnects_to_a_correct_snapshot(server: ServerProcess) -> None:
    scene = make_workshop(server.base_url, participants=12, projects=4, phase="vote", budget=6, cap=3)
    keys = {"screen": scene["keys"]["screen_key"], "phone": scene["tokens"][0]}
    drops = 0
    with Voting(server.base_url, scene) as voting:
        for view, pattern in VIEWS:
            websocket = open_view(server, scene, view, keys[view])
            first = websocket.recv(timeout=10)
            assert set(tallies(first, pattern)) == set(scene["projects"])
            for _ in range(3):  # a few live updates arrive while people vote
                websocket.recv(timeout=10)
            drop(websocket)
            drops += 1
        time.sleep(0.5)  # votes go on while both are away
        # Back while voting still goes on: the snapshot is complete, and the view keeps up.
        midway = {view: open_view(server, scene, view, keys[view]) for view, _ in VIEWS}
        snapshots = {view: tallies(midway[view].recv(timeout=10), pattern) for view, pattern in VIEWS}
        for view, _ in VIEWS:
            assert set(snapshots[view]) == set(scene["projects"])
    final = results(server.base_url, scene)
    assert sum(final.values()) > 0 and voting.acknowledged > 20
    for view, pattern in VIEWS:
        shown, _read = until_equal(midway[view], pattern, final, snapshots[view])
        assert shown == final, f"{view}: a view that reconnected mid-vote did not catch up"
        midway[view].close()
    # Back after voting: the very first message is already right.
    for view, pattern in VIEWS:
        with open_view(server, scene, view, keys[view]) as websocket:
            assert tallies(websocket.recv(timeout=10), pattern) == final, view
    record_figures("websocket_reconnect", {"faults_injected": drops, "votes_meanwhile": voting.acknowledged,
                                           "wrong_snapshots": 0})


def test_a_screen_that_loses_the_server_reconnects_after_a_restart(server: ServerProcess) -> None:
    """The whole server dies mid-vote; the screen's next connection shows every acknowledged dot."""
    scene = make_workshop(server.base_url, participants=8, projects=3, phase="vote", budget=6, cap=3)
    key = scene["keys"]["screen_key"]
    websocket = open_view(server, scene, "screen", key)
    websocket.recv(timeout=10)
    with Voting(server.base_url, scene) as voting:
        while voting.acknowledged < 30 and voting.thread.is_alive():
            time.sleep(0.01)
    before = results(server.base_url, scene)
    server.kill()
    websocket.close()
    server.start()
    with open_view(server, scene, "screen", key) as websocket:
        assert tallies(websocket.recv(timeout=10), SCREEN_TALLY) == results(server.base_url, scene) == before
