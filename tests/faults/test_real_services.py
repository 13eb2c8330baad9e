"""The real services fail under a tap storm on two server processes (one database, one Redis), and
the hall goes on. Redis and PostgreSQL are the test's own (tests/faults/real_services.py), on
spare ports of 127.0.0.1, so the test can stop them; never the machine's shared ones.

- Redis stops for 10 s: every tap is still acknowledged (the database is the truth), none that was
  acknowledged is lost, both big screens equal the database within 2 s after Redis is back, and
  each server's log says "Redis unreachable" and "Redis back" once, not once per tap.
- PostgreSQL restarts (pg_ctl restart -m fast): taps in flight get a clear "try again" (503 with
  Retry-After and a sentence) and are sent again after it, as the phone page does; nothing
  acknowledged is lost; both servers serve again without a restart of their own.

Each phone taps one tap after another (its thread), so at most one of its taps is unanswered at
any time. Every loop is bounded in count and time.
"""

from __future__ import annotations

import random
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.sync.client import connect

from app import db
from bench.phone import Phone
from tests.conftest import TEST_POSTGRES_URL
from tests.faults.conftest import ServerProcess, bearer, make_workshop, record_figures
from tests.faults.real_services import OwnPostgres, OwnRedis
from tests.phone_taps import join_by_phone, tap, token_of

# The services are the test's own whatever the suite's database: once is enough (.ci/run's
# second pass, on the shared PostgreSQL, leaves these out).
pytestmark = pytest.mark.skipif(bool(TEST_POSTGRES_URL), reason="run in the suite's first pass (own services)")

PHONES = 16
PROJECTS = 8
CAP = 10
BUDGET = CAP * PROJECTS  # the budget never refuses a tap
TAPS_PER_PHONE = 2_000  # an upper bound: the storm ends on its event first
TAP_PAUSE = 0.02  # a thumb, not a loop: at most about 50 taps/s per phone
RETRIES = 5  # as app.js: a 503 is sent again at most this many times
STORM_LIMIT = 60.0  # seconds: no storm runs longer, whatever happens
TAP_COUNT = re.compile(r'id="vote-(\d+)".*?data-dots="(\d+)"', re.S)
SCREEN_TALLY = re.compile(r'id="row-(\d+)".*?class="tally-num">(\d+)<', re.S)


@dataclass
class Thumb:
    """One phone tapping + and - on one server, as the phone saw it."""

    phone: Phone
    base_url: str
    seed: int
    api_token: str | None = None  # set: this phone votes through the JSON API (PUT, absolute dots)
    shown: dict[int, int] = field(default_factory=dict)
    acknowledged: list[tuple[float, int, int]] = field(default_factory=list)  # (when, project, count)
    try_again: list[tuple[float, int, str, str]] = field(default_factory=list)  # (when, status, Retry-After, text)
    refused: list[tuple[int, str]] = field(default_factory=list)
    in_flight: int | None = None  # project of a tap sent and never answered
    phantoms: int = 0  # a tap answered "try again" that had been saved all the same
    reads: int = 0

    def storm(self, projects: list[int], stop: threading.Event) -> None:
        rng = random.Random(self.seed)
        deadline = time.monotonic() + STORM_LIMIT
        with httpx.Client(timeout=15) as http:
            for _ in range(TAPS_PER_PHONE):
                if stop.is_set() or time.monotonic() > deadline:
                    return
                project = rng.choice(projects)
                count = self.shown.get(project, 0)
                change = 1 if count == 0 or (count < CAP and rng.random() < 0.7) else -1
                if not self._send(http, project, count, change):
                    return
                if self.api_token and not self._check_mine(http):  # an app reading back its ballot
                    return
                time.sleep(TAP_PAUSE)

    def _check_mine(self, http: httpx.Client) -> bool:
        """Read my votes (a read, not a write), sent again after each "try again": False if unanswered."""
        for attempt in range(RETRIES + 1):
            try:
                answer = http.get(f"{self.base_url}/api/v1/workshops/{self.phone.code}/votes/me",
                                  headers=bearer(self.api_token or ""))
            except httpx.HTTPError:
                return False
            if answer.status_code == 200:
                stored = {int(p): n for p, n in answer.json()["allocations"].items()}
                assert all(stored.get(p, 0) == n for p, n in self.shown.items()), (stored, self.shown)
                self.reads += 1
                return True
            if answer.status_code == 503 and attempt < RETRIES:
                self.try_again.append((time.monotonic(), 503, answer.headers.get("Retry-After", ""), answer.text))
                time.sleep(float(answer.headers.get("Retry-After") or 1) * (1 + random.random() / 2))
                continue
            self.refused.append((answer.status_code, answer.text[:300]))
            return True
        return True

    def _send(self, http: httpx.Client, project: int, count: int, change: int) -> bool:
        """One tap, sent again after each "try again" (Retry-After, as app.js): False if unanswered."""
        for attempt in range(RETRIES + 1):
            try:
                if self.api_token:
                    answer = http.put(f"{self.base_url}/api/v1/workshops/{self.phone.code}/votes/{project}",
                                      json={"dots": count + change}, headers=bearer(self.api_token))
                else:
                    answer = tap(http, self.base_url, self.phone, project, change)
            except httpx.HTTPError:
                self.in_flight = project
                return False
            now = time.monotonic()
            if answer.status_code == 200:
                found = (answer.json()["dots"] if self.api_token
                         else int(dict(TAP_COUNT.findall(answer.text))[str(project)]))
                if attempt and found != count + change:
                    self.phantoms += 1
                self.shown[project] = found
                self.acknowledged.append((now, project, found))
                return True
            if answer.status_code == 503 and attempt < RETRIES:
                self.try_again.append((now, 503, answer.headers.get("Retry-After", ""), answer.text))
                time.sleep(float(answer.headers.get("Retry-After") or 1) * (1 + random.random() / 2))
                continue
            self.refused.append((answer.status_code, answer.text[:300]))
            return True
        return True


class Screen:
    """A big screen's websocket on one server: the tallies it shows now (read in a thread)."""

    def __init__(self, ws_url: str, code: str, screen_key: str) -> None:
        self.url = f"{ws_url}/ws/workshops/{code}?key={screen_key}&view=screen"
        self.tallies: dict[int, int] = {}
        self.messages = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._read, daemon=True)

    def __enter__(self) -> Screen:
        self._thread.start()
        deadline = time.monotonic() + 15
        while not self.messages and time.monotonic() < deadline:
            time.sleep(0.02)
        assert self.messages, f"no snapshot from {self.url}"
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def _read(self) -> None:
        deadline = time.monotonic() + 10 * STORM_LIMIT
        with connect(self.url, open_timeout=15, max_size=None) as ws:
            while not self._stop.is_set() and time.monotonic() < deadline:
                try:
                    message = str(ws.recv(timeout=0.2))
                except TimeoutError:
                    continue
                found = {int(p): int(n) for p, n in SCREEN_TALLY.findall(message)}
                if found:  # (before voting, the screen shows no tallies)
                    self.tallies = found
                self.messages += 1


def stored_tallies(base_url: str, scene: dict[str, Any]) -> dict[int, int]:
    answer = httpx.get(f"{base_url}{scene['url']}/results", headers=scene["facilitator"], timeout=15)
    assert answer.status_code == 200, answer.text
    return {row["project_id"]: row["dots"] for row in answer.json()["ranking"]}


def lost_taps(base_url: str, scene: dict[str, Any], thumbs: list[Thumb]) -> list[tuple[int, int, int, int]]:
    """(phone, project, acknowledged, stored) for every pair whose store differs from the phone's
    last acknowledged count, except a pair whose last tap was never answered."""
    lost = []
    with httpx.Client(base_url=base_url, timeout=15) as http:
        for i, thumb in enumerate(thumbs):
            answer = http.get(f"{scene['url']}/votes/me", headers=bearer(token_of(thumb.phone)))
            assert answer.status_code == 200, answer.text
            stored = {int(p): n for p, n in answer.json()["allocations"].items()}
            for project in scene["projects"]:
                acked = thumb.shown.get(project, 0)
                if stored.get(project, 0) != acked and thumb.in_flight != project:
                    lost.append((i, project, acked, stored.get(project, 0)))
    return lost


def start_storm(servers: list[ServerProcess], scene: dict[str, Any], *, api_half: bool = False,
                ) -> tuple[list[Thumb], list[threading.Thread], list[threading.Event]]:
    """Phones tapping, half on each server; stops[i] ends the taps on server i."""
    phones = [join_by_phone(servers[0].base_url, scene["code"], f"โทรศัพท์ {i + 1}") for i in range(PHONES)]
    with httpx.Client(base_url=servers[0].base_url, timeout=30) as http:
        http.put(f"{scene['url']}/phase", json={"phase": "vote"}, headers=scene["facilitator"]).raise_for_status()
    thumbs = [Thumb(phone, servers[i % 2].base_url, seed=i,
                    api_token=token_of(phone) if api_half and i % 4 >= 2 else None)
              for i, phone in enumerate(phones)]
    stops = [threading.Event() for _ in servers]
    threads = [threading.Thread(target=t.storm, args=(scene["projects"], stops[i % 2]), daemon=True)
               for i, t in enumerate(thumbs)]
    for thread in threads:
        thread.start()
    return thumbs, threads, stops


def end_storm(threads: list[threading.Thread], stops: list[threading.Event]) -> None:
    for stop in stops:
        stop.set()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a phone's thread did not end"


def acks_between(thumbs: list[Thumb], start: float, end: float) -> int:
    return sum(1 for t in thumbs for when, _p, _n in t.acknowledged if start <= when <= end)


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[OwnRedis]:
    redis = OwnRedis(tmp_path)
    redis.start()
    yield redis
    redis.stop()


@pytest.fixture
def own_postgres() -> Iterator[OwnPostgres]:
    cluster = OwnPostgres()
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture
def two_servers(own_postgres: OwnPostgres, own_redis: OwnRedis, tmp_path: Path) -> Iterator[list[ServerProcess]]:
    """Two uvicorn processes on one database (the test's own PostgreSQL) and one Redis broker."""
    url = own_postgres.create_database("ruamkit")
    db.upgrade(url)
    servers = []
    try:
        for name in ("a", "b"):
            (tmp_path / name).mkdir()
            server = ServerProcess(url, tmp_path / name, RUAMKIT_REDIS_URL=own_redis.url)
            server.start()
            servers.append(server)
        yield servers
    finally:
        for server in servers:
            server.stop()


def test_redis_away_for_ten_seconds_loses_no_tap_and_both_screens_catch_up(
        two_servers: list[ServerProcess], own_redis: OwnRedis) -> None:
    a, b = two_servers
    scene = make_workshop(a.base_url, participants=0, projects=PROJECTS, phase="propose", budget=BUDGET, cap=CAP)
    key = scene["keys"]["screen_key"]
    with Screen(a.ws_url, scene["code"], key) as screen_a, Screen(b.ws_url, scene["code"], key) as screen_b:
        thumbs, threads, stops = start_storm(two_servers, scene)
        time.sleep(2.0)
        own_redis.stop()
        stopped = time.monotonic()
        time.sleep(6.0)
        # The last seconds of the outage, only A's phones tap: B draws its screen from the
        # database on its own taps' notices, so without them it can only learn of A's through
        # Redis, which is away.
        stops[1].set()
        time.sleep(10.0 - (time.monotonic() - stopped))
        end_storm(threads, stops)  # the room is quiet: what the screens must show is what is stored
        truth = stored_tallies(a.base_url, scene)
        time.sleep(0.5)  # (A's screen has its last redraw meanwhile)
        behind = dict(screen_b.tallies)
        own_redis.start()
        back = time.monotonic()
        caught_up = None
        while time.monotonic() - back < 10.0:
            if screen_a.tallies == truth and screen_b.tallies == truth:
                caught_up = time.monotonic() - back
                break
            time.sleep(0.02)
        shown = (screen_a.tallies, screen_b.tallies)

        # Live again across processes: a tap on A reaches B's screen.
        http = httpx.Client(timeout=15)
        thumb = thumbs[0]
        project = scene["projects"][0]
        change = 1 if thumb.shown.get(project, 0) < CAP else -1
        assert tap(http, a.base_url, thumb.phone, project, change).status_code == 200
        thumb.shown[project] = thumb.shown.get(project, 0) + change
        expected = stored_tallies(a.base_url, scene)
        deadline = time.monotonic() + 5
        while screen_b.tallies != expected and time.monotonic() < deadline:
            time.sleep(0.02)
        live_again = screen_b.tallies == expected
        http.close()

    lost = lost_taps(a.base_url, scene, thumbs)
    logs = a.log() + b.log()
    while_down = acks_between(thumbs, stopped, back)
    figures: dict[str, Any] = {
        "phones": PHONES, "servers": 2, "redis_down_seconds": round(back - stopped, 1),
        "taps_acknowledged": sum(len(t.acknowledged) for t in thumbs),
        "taps_acknowledged_while_redis_down": while_down,
        "taps_sent": sum(len(t.acknowledged) + len(t.refused) + (t.in_flight is not None) for t in thumbs),
        "taps_refused": sum(len(t.refused) for t in thumbs),
        "taps_lost": len(lost),
        "seconds_until_both_screens_equal_the_database": None if caught_up is None else round(caught_up, 2),
        "log_lines_unreachable": logs.count("Redis unreachable"), "log_lines_back": logs.count("Redis back"),
    }
    record_figures("redis_away_under_tap_storm", figures)
    assert not lost, f"(phone, project, acknowledged, stored): {lost[:10]}"
    assert not any(t.refused or t.try_again or t.in_flight for t in thumbs), \
        [(t.refused[:2], t.try_again[:2], t.in_flight) for t in thumbs if t.refused or t.try_again or t.in_flight]
    assert while_down >= 100, "too few taps while Redis was down to mean anything"
    assert behind != truth, "B's screen never fell behind while Redis was down: the outage was not seen"
    assert caught_up is not None and caught_up <= 2.0, f"after Redis was back: {shown} against {truth}"
    assert live_again, "a tap on one server no longer reaches the other's screen"
    for server in (a, b):
        log = server.log()
        assert log.count("Redis unreachable") == 1, log[-3000:]
        assert log.count("Redis back") == 1, log[-3000:]
        assert "Traceback" not in log, log[-3000:]


def test_postgres_restart_mid_storm_is_a_clear_try_again_and_nothing_acknowledged_is_lost(
        two_servers: list[ServerProcess], own_postgres: OwnPostgres) -> None:
    a, b = two_servers
    scene = make_workshop(a.base_url, participants=0, projects=PROJECTS, phase="propose", budget=BUDGET, cap=CAP)
    pids = [server.process.pid for server in two_servers if server.process]
    thumbs, threads, stops = start_storm(two_servers, scene, api_half=True)
    time.sleep(2.0)
    restart_began = time.monotonic()
    own_postgres.restart()
    restarted = time.monotonic()
    time.sleep(8.0)  # the storm goes on: the retried taps and the new ones
    end_storm(threads, stops)

    lost = lost_taps(a.base_url, scene, thumbs)
    first_ok = {server.base_url: min((when for t in thumbs if t.base_url == server.base_url
                                      for when, _p, _n in t.acknowledged if when > restarted), default=None)
                for server in two_servers}
    try_again = [answer for t in thumbs for answer in t.try_again]
    figures: dict[str, Any] = {
        "phones": PHONES, "servers": 2, "pg_restart_seconds": round(restarted - restart_began, 2),
        # A tap answered "try again" is sent again (up to RETRIES times) until it is answered.
        "taps_sent": sum(len(t.acknowledged) + len(t.refused) + (t.in_flight is not None) for t in thumbs),
        "requests_sent_with_retries_and_reads": sum(len(t.acknowledged) + len(t.refused) + len(t.try_again)
                                                    + (t.in_flight is not None) + t.reads for t in thumbs),
        "taps_acknowledged": sum(len(t.acknowledged) for t in thumbs),
        "reads_answered": sum(t.reads for t in thumbs),
        "answered_try_again_503": len(try_again),
        "try_again_database_not_answering": sum("database is not answering" in body or "ฐานข้อมูลไม่ตอบ" in body
                                                for *_rest, body in try_again),
        "taps_refused": sum(len(t.refused) for t in thumbs),
        "taps_unanswered": sum(t.in_flight is not None for t in thumbs),
        "taps_lost": len(lost), "phantom_saves": sum(t.phantoms for t in thumbs),
        "seconds_to_first_200_after_restart": {name[-5:]: None if when is None else round(when - restarted, 2)
                                               for name, when in first_ok.items()},
    }
    record_figures("postgres_restart_under_tap_storm", figures)
    assert not lost, f"(phone, project, acknowledged, stored): {lost[:10]}"
    assert try_again, "no tap met the restart: the fault did not land in the storm"
    for _when, _status, retry_after, body in try_again:
        assert retry_after.isdigit() and int(retry_after) >= 1, retry_after
        assert "Try again" in body or "ลองใหม่" in body, body[:300]
    api_answers = [body for t in thumbs if t.api_token for _w, _s, _r, body in t.try_again]
    for body in api_answers:  # the JSON API's answer is one sentence under "detail"
        detail = httpx.Response(503, content=body).json()["detail"]
        assert "nothing was changed" in detail and "Try again" in detail and detail.endswith("."), body
    assert not [r for t in thumbs for r in t.refused], [r for t in thumbs for r in t.refused][:5]
    assert not any(t.in_flight for t in thumbs), "a tap was never answered"
    assert figures["phantom_saves"] == 0, "a tap answered 'try again' had been saved"
    assert all(when is not None for when in first_ok.values()), first_ok
    assert [server.process.pid for server in two_servers if server.process] == pids
    assert all(server.process and server.process.poll() is None and server.starts == 1 for server in two_servers)
    for server in (a, b):
        assert "Exception in ASGI application" not in server.log(), server.log()[-3000:]


def test_a_machine_without_the_services_skips_them_and_ci_fails_instead(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import tests.conftest
    from tests.faults import real_services

    monkeypatch.setattr(real_services.shutil, "which", lambda _name: None)
    monkeypatch.setattr(real_services.glob, "glob", lambda _pattern: [])
    monkeypatch.setattr(tests.conftest, "REQUIRE_SERVICES", False)
    with pytest.raises(pytest.skip.Exception, match="redis-server is not installed"):
        OwnRedis(tmp_path)
    with pytest.raises(pytest.skip.Exception, match="PostgreSQL's server binaries are not installed"):
        OwnPostgres()
    monkeypatch.setattr(tests.conftest, "REQUIRE_SERVICES", True)
    with pytest.raises(pytest.fail.Exception, match="RUAMKIT_REQUIRE_SERVICES=1"):
        OwnRedis(tmp_path)
    with pytest.raises(pytest.fail.Exception, match="RUAMKIT_REQUIRE_SERVICES=1"):
        OwnPostgres()
