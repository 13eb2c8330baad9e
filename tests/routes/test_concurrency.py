"""Concurrent requests against a real server: the budget, the cap and retries hold under load.

TestClient runs the app in one thread, so these tests start uvicorn on 127.0.0.1 (a port the
OS picks) in a background thread and fire requests from many threads at once.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from tests.phone_taps import simultaneous_taps_keep_the_budget_and_the_cap
from tests.routes.helpers import API, bearer

THREADS = 20
BUDGET, CAP = 5, 3


@pytest.fixture
def server(app: FastAPI) -> Iterator[str]:
    """The app served by uvicorn on 127.0.0.1 in a background thread; yields its base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    config = uvicorn.Config(app, lifespan="on", log_level="warning", ws="none", http="h11", loop="asyncio")
    uvicorn_server = uvicorn.Server(config)
    thread = threading.Thread(target=uvicorn_server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not uvicorn_server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            uvicorn_server.should_exit = True
            pytest.fail("uvicorn did not start within 20 seconds")
        time.sleep(0.02)
    host, port = sock.getsockname()
    try:
        yield f"http://{host}:{port}"
    finally:
        uvicorn_server.should_exit = True
        thread.join(timeout=20)
        sock.close()
    assert not thread.is_alive(), "uvicorn did not stop"


def all_at_once(requests: list[Any]) -> list[httpx.Response]:
    """Run the callables (each given its own httpx client) in THREADS threads released together."""
    barrier = threading.Barrier(len(requests), timeout=20)

    def run(request: Any) -> httpx.Response:
        with httpx.Client(timeout=60) as http:
            barrier.wait()
            return request(http)

    with ThreadPoolExecutor(max_workers=len(requests)) as pool:
        return list(pool.map(run, requests))


def setup_workshop(base: str, *, phase: str, projects: int) -> dict[str, Any]:
    """A workshop with `projects` projects and one participant, moved to `phase`."""
    with httpx.Client(base_url=base, timeout=30) as http:
        created = http.post(f"{API}/workshops", json={"title": "Load", "dots_per_participant": BUDGET,
                                                     "max_dots_per_project": CAP}).json()
        url, facilitator = f"{API}/workshops/{created['code']}", bearer(created["facilitator_key"])
        assert http.put(f"{url}/phase", json={"phase": "propose"}, headers=facilitator).status_code == 200
        ids = [http.post(f"{url}/projects", json={"title": f"Project {i}"}, headers=facilitator).json()["id"]
               for i in range(projects)]
        joined = http.post(f"{url}/participants", json={"name": "Quick fingers"}).json()
        assert http.put(f"{url}/phase", json={"phase": phase}, headers=facilitator).status_code == 200
    return {"url": url, "facilitator": facilitator, "ids": ids, "participant": bearer(joined["participant_token"])}


@pytest.mark.parametrize("round_", range(3))
def test_concurrent_votes_of_one_participant_never_exceed_the_budget_or_the_cap(server: str, round_: int) -> None:
    scene = setup_workshop(server, phase="vote", projects=4)
    url, headers, ids = scene["url"], scene["participant"], scene["ids"]
    # Several projects at once; some asks are over the cap (4), most together exceed the budget.
    asks = [(ids[i % 4], [3, 2, 1, 4, 0, 3, 2][(i + round_) % 7]) for i in range(THREADS)]

    def put(project_id: int, dots: int) -> Any:
        return lambda http: http.put(f"{server}{url}/votes/{project_id}", json={"dots": dots}, headers=headers)

    answers = all_at_once([put(project_id, dots) for project_id, dots in asks])

    assert {a.status_code for a in answers} <= {200, 409}, [a.text for a in answers if a.status_code >= 500]
    acknowledged = [a.json() for a in answers if a.status_code == 200]
    for (_project_id, dots), answer in zip(asks, answers):
        if dots > CAP:
            assert answer.status_code == 409
    for answer in acknowledged:
        assert answer["used"] <= BUDGET and answer["dots"] <= CAP
        assert answer["remaining"] == BUDGET - answer["used"]
    with httpx.Client(base_url=server, timeout=30) as http:
        final = http.get(f"{url}/votes/me", headers=headers).json()
        ranking = http.get(f"{url}/results", headers=scene["facilitator"]).json()["ranking"]
    allocations = {int(k): v for k, v in final["allocations"].items()}
    assert final["used"] == sum(allocations.values()) <= BUDGET
    assert final["remaining"] == BUDGET - final["used"]
    assert all(1 <= dots <= CAP for dots in allocations.values())
    # The final state is the last acknowledged one: each project holds what some 200 answer set
    # for it (or nothing, if none was acknowledged), and the total is what the last 200 reported.
    for project_id in ids:
        acked = {a["dots"] for a in acknowledged if a["project_id"] == project_id}
        assert allocations.get(project_id, 0) in (acked or {0}), (project_id, allocations, acknowledged)
    assert len(acknowledged) >= len(allocations)
    assert final["used"] in {a["used"] for a in acknowledged}
    assert {r["project_id"]: r["dots"] for r in ranking} == {pid: allocations.get(pid, 0) for pid in ids}


def test_a_burst_of_identical_proposals_makes_exactly_one_project(server: str) -> None:
    scene = setup_workshop(server, phase="propose", projects=0)
    url, headers = scene["url"], scene["participant"]
    body = {"title": "Sent twenty times by a shaky connection", "client_request_id": "retry-me"}

    answers = all_at_once([lambda http: http.post(f"{server}{url}/projects", json=body, headers=headers)]
                          * THREADS)

    statuses = sorted(a.status_code for a in answers)
    assert statuses == [200] * (THREADS - 1) + [201], [a.text for a in answers if a.status_code >= 300]
    assert len({a.json()["id"] for a in answers}) == 1
    with httpx.Client(base_url=server, timeout=30) as http:
        projects = http.get(f"{url}/projects", headers=scene["facilitator"]).json()
    assert [p["title"] for p in projects] == [body["title"]]


@pytest.mark.parametrize("round_", range(2))
def test_simultaneous_taps_on_the_phone_never_pass_the_budget_or_the_cap(server: str, round_: int) -> None:
    """Twenty + taps of one phone at once, through the page's own request and the ballot box."""
    figures = simultaneous_taps_keep_the_budget_and_the_cap(server, budget=BUDGET, cap=CAP)
    assert figures["accepted"] == BUDGET and figures["refused"] == figures["taps"] - BUDGET
