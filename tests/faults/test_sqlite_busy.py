"""SQLite under many concurrent writers: joins, proposals, votes from the API and the phone
pages, and the facilitator hiding, restoring and merging projects meanwhile. Writers that
collide wait or are retried; no request ever fails with a server error."""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from collections.abc import Callable

import httpx
from websockets.sync.client import connect

from tests.faults.conftest import ServerProcess, bearer, make_workshop, record_figures

SECONDS = 4.0  # per phase of the storm
MAX_REQUESTS = 400  # per thread, whatever happens


class Storm:
    def __init__(self, server: ServerProcess) -> None:
        self.server = server
        self.statuses: Counter[int] = Counter()
        self.failures: list[str] = []
        self.lock = threading.Lock()

    def note(self, answer: httpx.Response) -> None:
        with self.lock:
            self.statuses[answer.status_code] += 1
            if answer.status_code >= 500:
                self.failures.append(f"{answer.request.method} {answer.request.url.path}: "
                                     f"{answer.status_code} {answer.text[:200]}")

    def run(self, workers: list[Callable[[httpx.Client, random.Random], None]], seconds: float) -> None:
        deadline = time.monotonic() + seconds

        def loop(worker: Callable[[httpx.Client, random.Random], None], seed: int) -> None:
            rng = random.Random(seed)
            with httpx.Client(base_url=self.server.base_url, timeout=60) as http:
                for _ in range(MAX_REQUESTS):
                    if time.monotonic() > deadline:
                        return
                    worker(http, rng)

        threads = [threading.Thread(target=loop, args=(w, i), daemon=True) for i, w in enumerate(workers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=seconds + 120)
        assert not any(thread.is_alive() for thread in threads)


def test_concurrent_writers_never_get_a_server_error(server: ServerProcess) -> None:
    scene = make_workshop(server.base_url, participants=10, projects=6, phase="propose", budget=5, cap=3)
    url, facilitator, code = scene["url"], scene["facilitator"], scene["code"]
    tokens = list(scene["tokens"])
    project_ids = list(scene["projects"])
    storm = Storm(server)
    same_origin = {"Origin": server.base_url, "HX-Request": "true"}

    def joiner(http: httpx.Client, rng: random.Random) -> None:
        answer = http.post(f"{url}/participants", json={"name": f"คนที่ {rng.randint(1, 10**6)}"})
        storm.note(answer)
        if answer.status_code == 201:
            token = answer.json()["participant_token"]
            tokens.append(token)
            for n in range(2):
                body = {"title": f"ข้อเสนอ {rng.random():.6f}", "client_request_id": f"{token[:8]}-{n}"}
                for _retry in range(rng.randint(1, 2)):  # a shaky phone sends some twice
                    made = http.post(f"{url}/projects", json=body, headers=bearer(token))
                    storm.note(made)
                    if made.status_code in (200, 201):
                        project_ids.append(made.json()["id"])

    def phone(http: httpx.Client, rng: random.Random) -> None:
        if not http.cookies:
            storm.note(http.post(f"/w/{code}/join", data={"name": "โทรศัพท์"}, headers=same_origin))
        storm.note(http.post(f"/w/{code}/proposals", data={"title": f"จากโทรศัพท์ {rng.random():.6f}"},
                             headers=same_origin))

    def voter(http: httpx.Client, rng: random.Random) -> None:
        token = rng.choice(tokens)
        storm.note(http.put(f"{url}/votes/{rng.choice(project_ids)}", json={"dots": rng.randint(0, 3)},
                            headers=bearer(token)))

    def tapper(http: httpx.Client, rng: random.Random) -> None:
        if not http.cookies:
            storm.note(http.post(f"/w/{code}/join", data={"name": "นิ้วไว"}, headers=same_origin))
        storm.note(http.post(f"/w/{code}/ballot/{rng.choice(project_ids)}", data={"change": rng.choice("11-")},
                             headers=same_origin))

    def moderator(http: httpx.Client, rng: random.Random) -> None:
        a, b = rng.choice(project_ids), rng.choice(project_ids)
        action = rng.choice(["hide", "restore", "merge", "edit", "tallies"])
        if action == "hide":
            storm.note(http.delete(f"{url}/projects/{a}", headers=facilitator))
        elif action == "restore":
            storm.note(http.post(f"{url}/projects/{a}/restore", headers=facilitator))
        elif action == "merge":
            storm.note(http.post(f"{url}/projects/{a}/merge", json={"into": b}, headers=facilitator))
        elif action == "edit":
            storm.note(http.patch(f"{url}/projects/{a}", json={"title": f"แก้ {rng.random():.4f}"},
                                  headers=facilitator))
        else:
            storm.note(http.patch(url, json={"show_live_tallies": rng.random() < 0.5}, headers=facilitator))
        time.sleep(0.02)

    with connect(f"{server.ws_url}/ws/workshops/{code}?key={scene['keys']['screen_key']}", proxy=None,
                 open_timeout=10) as screen:  # a big screen redraws throughout, reading as others write
        screen.recv(timeout=10)
        storm.run([joiner] * 8 + [phone] * 2 + [moderator], SECONDS)
        with httpx.Client(base_url=server.base_url, timeout=30) as http:
            assert http.put(f"{url}/phase", json={"phase": "vote"}, headers=facilitator).status_code == 200
        storm.run([voter] * 12 + [tapper] * 3 + [moderator] * 2, SECONDS)
        screen.recv(timeout=10)

    total = sum(storm.statuses.values())
    record_figures("sqlite_concurrent_writers", {"requests": total, "statuses": dict(sorted(storm.statuses.items())),
                                                 "server_errors": len(storm.failures)})
    assert not storm.failures, storm.failures[:10]
    assert total > 150, "the storm was too small to mean anything"
    log = server.log()
    assert "database is locked" not in log and "Traceback" not in log, log[-3000:]
    # The votes that stand are within the rules after all that.
    with httpx.Client(base_url=server.base_url, timeout=30) as http:
        for token in tokens[:20]:
            mine = http.get(f"{url}/votes/me", headers=bearer(token)).json()
            assert mine["used"] <= 5 and all(d <= 3 for d in mine["allocations"].values())
