"""Several server processes: a vote taken by one worker reaches screens held by another,
through the real Redis at 127.0.0.1:6379 and a database both processes share (the suite's
database: SQLite in the first pass, PostgreSQL in the second)."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from websockets.sync.client import ClientConnection, connect

from bench.procs import ServerProcess, free_port, python_argv
from tests.conftest import skip_or_fail

pytestmark = pytest.mark.redis

REDIS_URL = os.environ.get("RUAMKIT_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
API = "/api/v1/workshops"


def redis_reachable(url: str) -> bool:
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=3, socket_timeout=3)
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False
    finally:
        client.close()


@pytest.fixture
def two_workers(database_url: str, tmp_path: Path) -> Iterator[list[ServerProcess]]:
    """Two `ruamkit serve` processes on their own ports, one database, one Redis."""
    if not redis_reachable(REDIS_URL):
        skip_or_fail(f"Redis is not reachable at {REDIS_URL}")
    root = Path(__file__).resolve().parents[2]
    servers: list[ServerProcess] = []
    try:
        for name in ("a", "b"):
            port = free_port()
            env = {**os.environ, "RUAMKIT_DATABASE_URL": database_url, "RUAMKIT_REDIS_URL": REDIS_URL,
                   "RUAMKIT_BROADCAST_INTERVAL": "0.05", "RUAMKIT_PUBLIC_URL": f"http://127.0.0.1:{port}",
                   "PYTHONPATH": str(root)}
            argv = python_argv("-m", "app.cli", "serve", "--host", "127.0.0.1", "--port", str(port), "--no-migrate")
            servers.append(ServerProcess(f"worker-{name}", argv, port=port, env=env, cwd=tmp_path,
                                         log_path=tmp_path / f"worker-{name}.log"))
        for server in servers:
            server.wait_ready("/openapi.json", timeout=60)
        yield servers
    finally:
        for server in servers:
            server.stop()


def tally_on_screen(message: str, project_id: int) -> int | None:
    found = re.search(rf'id="row-{project_id}".*?class="tally-num">(\d+)<', message, re.S)
    return int(found.group(1)) if found else None


def wait_for_tally(screen: ClientConnection, project_id: int, dots: int, timeout: float = 15.0) -> None:
    """Read screen messages until one shows `dots` on the project (bounded in time)."""
    deadline = time.monotonic() + timeout
    seen = None
    while time.monotonic() < deadline:
        try:
            message = screen.recv(timeout=max(0.1, deadline - time.monotonic()))
        except TimeoutError:
            break
        seen = tally_on_screen(str(message), project_id)
        if seen == dots:
            return
    pytest.fail(f"the screen still showed {seen} dots, not {dots}, after {timeout:.0f} s")


def test_a_vote_taken_by_either_worker_reaches_the_screens_held_by_both(two_workers: list[ServerProcess]) -> None:
    a, b = two_workers
    with httpx.Client(base_url=a.base, timeout=30) as http:
        created = http.post(API, json={"title": "สัมมนาสองเครื่อง", "dots_per_participant": 10,
                                       "max_dots_per_project": 10}).raise_for_status().json()
        code, facilitator = created["code"], {"Authorization": f"Bearer {created['facilitator_key']}"}
        http.put(f"{API}/{code}/phase", json={"phase": "propose"}, headers=facilitator).raise_for_status()
        project = http.post(f"{API}/{code}/projects", json={"title": "ระบบคลาวด์กลางภาครัฐ"},
                            headers=facilitator).raise_for_status().json()["id"]
        token = http.post(f"{API}/{code}/participants", json={"name": "อรุณี"}).raise_for_status().json()[
            "participant_token"]
        http.put(f"{API}/{code}/phase", json={"phase": "vote"}, headers=facilitator).raise_for_status()
    voter = {"Authorization": f"Bearer {token}"}
    screen_path = f"/ws/workshops/{code}?key={created['screen_key']}&view=screen"

    with connect(f"ws://127.0.0.1:{a.port}{screen_path}", open_timeout=15) as screen_a, \
            connect(f"ws://127.0.0.1:{b.port}{screen_path}", open_timeout=15) as screen_b:
        for screen in (screen_a, screen_b):
            assert tally_on_screen(str(screen.recv(timeout=15)), project) == 0  # the snapshot

        # Worker A takes the vote; the screen held by worker B shows it (and A's own too).
        httpx.put(f"{a.base}{API}/{code}/votes/{project}", json={"dots": 3}, headers=voter,
                  timeout=30).raise_for_status()
        wait_for_tally(screen_b, project, 3)
        wait_for_tally(screen_a, project, 3)

        # And the other way round.
        httpx.put(f"{b.base}{API}/{code}/votes/{project}", json={"dots": 7}, headers=voter,
                  timeout=30).raise_for_status()
        wait_for_tally(screen_a, project, 7)
        wait_for_tally(screen_b, project, 7)
