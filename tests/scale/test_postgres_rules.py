"""On PostgreSQL (always, even in the SQLite pass): the budget and the cap hold under truly
concurrent requests, and merges and hides racing with votes never break them nor surface a
deadlock as a 500."""

from __future__ import annotations

import random
import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
import uvicorn
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from app.config import Settings
from app.main import create_app
from tests.phone_taps import simultaneous_taps_keep_the_budget_and_the_cap

pytestmark = pytest.mark.postgres

API = "/api/v1/workshops"
BUDGET, CAP = 5, 3


@pytest.fixture
def pg_server(postgres_url: str) -> Iterator[str]:
    """ruamkit on a fresh PostgreSQL database, served by uvicorn on 127.0.0.1 in a thread."""
    settings = Settings(database_url=postgres_url, broadcast_interval=0.02, phone_interval=0.02, rate_vote_per_participant=0,
                        rate_vote_per_address=0, rate_join_per_address=0)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(create_app(settings), lifespan="on", log_level="warning",
                                           ws="none", http="h11", loop="asyncio"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "uvicorn did not start"
        time.sleep(0.02)
    host, port = sock.getsockname()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=20)
        sock.close()


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def vote_workshop(base: str, *, projects: int, people: int) -> dict[str, Any]:
    with httpx.Client(base_url=base, timeout=30) as http:
        created = http.post(API, json={"title": "ประชุมใหญ่", "dots_per_participant": BUDGET,
                                       "max_dots_per_project": CAP}).json()
        code, facilitator = created["code"], bearer(created["facilitator_key"])
        http.put(f"{API}/{code}/phase", json={"phase": "propose"}, headers=facilitator).raise_for_status()
        ids = [http.post(f"{API}/{code}/projects", json={"title": f"โครงการ {i}"}, headers=facilitator)
               .raise_for_status().json()["id"] for i in range(projects)]
        tokens = [http.post(f"{API}/{code}/participants", json={"name": f"คนที่ {i}"})
                  .raise_for_status().json()["participant_token"] for i in range(people)]
        http.put(f"{API}/{code}/phase", json={"phase": "vote"}, headers=facilitator).raise_for_status()
    return {"code": code, "facilitator": facilitator, "ids": ids, "tokens": tokens}


def at_once(calls: list[Any]) -> list[httpx.Response]:
    """Run the calls (each given its own client) in as many threads, released together."""
    barrier = threading.Barrier(len(calls), timeout=30)

    def run(call: Any) -> httpx.Response:
        with httpx.Client(timeout=60) as http:
            barrier.wait()
            return call(http)

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))


def votes_in_database(postgres_url: str) -> list[tuple[int, int, int]]:
    """(participant, project, dots) straight from PostgreSQL, not through the app."""
    engine = create_engine(postgres_url, poolclass=NullPool)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT participant_id, project_id, dots FROM vote")).all()
    engine.dispose()
    return [tuple(r) for r in rows]  # type: ignore[misc]


def test_twenty_simultaneous_taps_of_one_participant_never_pass_the_budget_or_the_cap(
        pg_server: str, postgres_url: str) -> None:
    scene = vote_workshop(pg_server, projects=4, people=1)
    code, ids, token = scene["code"], scene["ids"], scene["tokens"][0]
    asks = [(ids[i % 4], [3, 2, 1, 4, 0, 3, 2][i % 7]) for i in range(20)]

    def put(project_id: int, dots: int) -> Any:
        return lambda http: http.put(f"{pg_server}{API}/{code}/votes/{project_id}", json={"dots": dots},
                                     headers=bearer(token))

    answers = at_once([put(p, d) for p, d in asks])

    assert {a.status_code for a in answers} <= {200, 409}, [a.text for a in answers if a.status_code not in (200, 409)]
    for (_project, dots), answer in zip(asks, answers):
        if dots > CAP:
            assert answer.status_code == 409
        if answer.status_code == 200:
            assert answer.json()["used"] <= BUDGET
    stored = votes_in_database(postgres_url)
    assert sum(dots for _p, _proj, dots in stored) <= BUDGET
    assert all(1 <= dots <= CAP for _p, _proj, dots in stored)


def test_twenty_simultaneous_phone_taps_never_pass_the_budget_or_the_cap(pg_server: str) -> None:
    """The same on PostgreSQL, through the phone page's + button and the ballot box."""
    figures = simultaneous_taps_keep_the_budget_and_the_cap(pg_server, budget=BUDGET, cap=CAP)
    assert figures["accepted"] == BUDGET


def test_merges_and_hides_racing_with_votes_keep_every_rule_and_never_answer_500(
        pg_server: str, postgres_url: str) -> None:
    scene = vote_workshop(pg_server, projects=4, people=6)
    code, ids, tokens, facilitator = scene["code"], scene["ids"], scene["tokens"], scene["facilitator"]
    first, merged_away, hidden, other = ids
    rng = random.Random(7)
    calls: list[Any] = []
    for i in range(24):
        token, project, dots = tokens[i % len(tokens)], rng.choice(ids), rng.randint(0, CAP)
        calls.append(lambda http, t=token, p=project, d=dots: http.put(
            f"{pg_server}{API}/{code}/votes/{p}", json={"dots": d}, headers=bearer(t)))
    calls.insert(8, lambda http: http.post(f"{pg_server}{API}/{code}/projects/{merged_away}/merge",
                                           json={"into": first}, headers=facilitator))
    calls.insert(16, lambda http: http.delete(f"{pg_server}{API}/{code}/projects/{hidden}", headers=facilitator))

    answers = at_once(calls)

    assert not [a.text for a in answers if a.status_code >= 500]
    # Votes lose to the merge or hide they race with (404 for a project gone) or to the rules (409).
    assert {a.status_code for a in answers} <= {200, 204, 404, 409}
    stored = votes_in_database(postgres_url)
    per_person: dict[int, int] = {}
    for person, project, dots in stored:
        assert project not in (merged_away, hidden), "dots left on a project that is merged away or hidden"
        assert 1 <= dots <= CAP
        per_person[person] = per_person.get(person, 0) + dots
    assert all(total <= BUDGET for total in per_person.values()), per_person
    with httpx.Client(base_url=pg_server, timeout=30) as http:
        ranking = http.get(f"{API}/{code}/results", headers=facilitator).json()["ranking"]
    assert {r["project_id"] for r in ranking} == {first, other}
    assert sum(r["dots"] for r in ranking) == sum(dots for _p, _proj, dots in stored)
