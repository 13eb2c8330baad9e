"""Floods of cheap requests at a real server with its default limits, as a curious person on
the venue's Wi-Fi would send them (all from 127.0.0.1, each bounded in count and time):
websockets held open with one key, websocket handshakes, workshop creation, join-code guessing.
Each is cut to what the limits allow, and the figures are kept for the issue's note."""

from __future__ import annotations

import random
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path

import httpx
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from app.config import Settings
from app.services.workshops import CODE_ALPHABET
from tests.faults.conftest import ServerProcess, make_workshop, record_figures

DEFAULTS = Settings()


def handshake(server: ServerProcess, path: str) -> int:
    try:
        with connect(f"{server.ws_url}{path}", open_timeout=10):
            return 101
    except InvalidStatus as refused:
        return refused.response.status_code


def test_floods_are_cut_to_the_default_limits(sqlite_url: str, tmp_path: Path) -> None:
    server = ServerProcess(sqlite_url, tmp_path)
    server.start()
    figures: dict[str, object] = {}
    try:
        scene = make_workshop(server.base_url, participants=1, projects=1, phase="vote")
        phone = f"/ws/workshops/{scene['code']}?key={scene['tokens'][0]}"
        screen = f"/ws/workshops/{scene['code']}?key={scene['keys']['screen_key']}"

        # 1. One phone's token opening 40 websockets and holding them.
        held, refused = 0, 0
        with ExitStack() as sockets:
            for _ in range(40):
                try:
                    sockets.enter_context(connect(f"{server.ws_url}{phone}", open_timeout=5)).recv(timeout=5)
                    held += 1
                except InvalidStatus as denied:
                    assert denied.response.status_code == 429
                    refused += 1
        assert held == DEFAULTS.ws_per_key and refused == 40 - held
        figures["websockets_one_key"] = {"tried": 40, "held": held, "refused_429": refused}

        # 2. Handshakes from 8 threads at once (one participant: 602 a minute, a burst of 301).
        began = time.monotonic()
        with ThreadPoolExecutor(max_workers=8) as pool:
            answers = list(pool.map(lambda _: handshake(server, screen), range(600)))
        seconds = time.monotonic() - began
        allowed = DEFAULTS.rate_ws_connect_per_address + 2
        assert answers.count(101) <= allowed / 2 + held + allowed / 60 * seconds + 1
        assert set(answers) == {101, 429}
        figures["handshakes"] = {"tried": 600, "seconds": round(seconds, 2), "accepted": answers.count(101),
                                 "refused_429": answers.count(429)}

        with httpx.Client(base_url=server.base_url, timeout=10) as http:
            # 3. Creating workshops anonymously (12,204 a minute went through before).
            began = time.monotonic()
            created = [http.post("/api/v1/workshops", json={"title": f"ท่วม {i}"}).status_code for i in range(300)]
            seconds = time.monotonic() - began
            limit = DEFAULTS.rate_create_per_address
            assert created.count(201) <= limit / 2 + limit / 60 * seconds + 1 and created[-1] == 429
            figures["creations"] = {"tried": 300, "seconds": round(seconds, 2), "created": created.count(201),
                                    "refused_429": created.count(429)}

            # 4. Guessing join codes (16-18k guesses a minute were answered before).
            rng = random.Random(10)
            began = time.monotonic()
            guesses = [http.get(f"/api/v1/workshops/{''.join(rng.choices(CODE_ALPHABET, k=6))}").status_code
                       for _ in range(600)]
            seconds = time.monotonic() - began
            limit = DEFAULTS.rate_code_miss_per_address
            assert guesses.count(404) <= limit / 2 + limit / 60 * seconds + 1 and guesses[-1] == 429
            # Past the limit, the right code is refused too: a lucky guess would not show.
            assert http.get(scene["url"]).status_code == 429
            figures["code_guesses"] = {"tried": 600, "seconds": round(seconds, 2), "answered_404": guesses.count(404),
                                       "refused_429": guesses.count(429)}
        record_figures("floods", figures)
    finally:
        server.stop()
