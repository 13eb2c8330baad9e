"""Crash: the server process is killed with SIGKILL in the middle of a vote storm (from the API,
then from phones' + and - taps), then started again on the same database. Nothing that was
acknowledged may be lost.

Each participant's votes are sent one after another by one thread, so per participant at most
one request is in flight when the server dies. A vote sets (not adds) the dots on a project, so
the truth for each (participant, project) is the last value acknowledged with 200, except that
the one unanswered request may or may not have been committed: for that pair either value is
right, and for every other pair only the acknowledged one.
"""

from __future__ import annotations

import random
import re
import threading
import time
from dataclasses import dataclass, field

import httpx

from bench.phone import Phone
from tests.faults.conftest import ServerProcess, bearer, make_workshop, record_figures
from tests.phone_taps import join_by_phone, tap, token_of

PARTICIPANTS = 30
PROJECTS = 8
CAP = 10
BUDGET = CAP * PROJECTS  # the budget never refuses a vote: every answer should be 200
VOTES_PER_PARTICIPANT = 300
ROUNDS = 3  # storm, kill, restart, check: three times over
KILL_AFTER_ACKS = 400  # kill once this many votes of the round are acknowledged ...
KILL_AFTER_SECONDS = 3.0  # ... or after this long, whichever comes first


@dataclass
class Voter:
    """One participant's votes in one storm, as the client saw them."""

    token: str
    seed: int
    acknowledged: list[tuple[int, int]] = field(default_factory=list)  # (project, dots), in order
    refused: int = 0
    in_flight: tuple[int, int] | None = None  # sent, never answered: the server died meanwhile

    def storm(self, base_url: str, url: str, projects: list[int], stop: threading.Event, deadline: float) -> None:
        rng = random.Random(self.seed)
        with httpx.Client(base_url=base_url, headers=bearer(self.token), timeout=10) as http:
            for _ in range(VOTES_PER_PARTICIPANT):
                if stop.is_set() or time.monotonic() > deadline:
                    return
                project, dots = rng.choice(projects), rng.randint(0, CAP)
                try:
                    answer = http.put(f"{url}/votes/{project}", json={"dots": dots})
                except httpx.HTTPError:
                    self.in_flight = (project, dots)
                    return
                if answer.status_code == 200:
                    assert answer.json()["dots"] == dots
                    self.acknowledged.append((project, dots))
                else:
                    self.refused += 1  # a definite "no": nothing changed


def read_ballots(base_url: str, url: str, tokens: list[str]) -> list[dict[int, int]]:
    with httpx.Client(base_url=base_url, timeout=30) as http:
        ballots = []
        for token in tokens:
            answer = http.get(f"{url}/votes/me", headers=bearer(token))
            assert answer.status_code == 200, answer.text
            ballots.append({int(pid): dots for pid, dots in answer.json()["allocations"].items()})
        return ballots


def test_no_acknowledged_vote_is_lost_when_the_server_is_killed_mid_storm(server: ServerProcess) -> None:
    scene = make_workshop(server.base_url, participants=PARTICIPANTS, projects=PROJECTS, phase="vote",
                          budget=BUDGET, cap=CAP)
    url, projects, tokens = scene["url"], scene["projects"], scene["tokens"]
    # What the database must hold: (participant index, project) -> dots, zero when absent.
    truth: dict[tuple[int, int], int] = {}
    figures = {"rounds": ROUNDS, "participants": PARTICIPANTS, "acknowledged": 0, "refused": 0,
               "in_flight_at_kill": 0, "in_flight_committed": 0, "faults_injected": 0, "items_lost": 0}

    for round_ in range(ROUNDS):
        voters = [Voter(token, seed=round_ * 1000 + i) for i, token in enumerate(tokens)]
        stop = threading.Event()
        deadline = time.monotonic() + 30
        threads = [threading.Thread(target=v.storm, args=(server.base_url, url, projects, stop, deadline),
                                    daemon=True) for v in voters]
        for thread in threads:
            thread.start()
        started = time.monotonic()
        while (sum(len(v.acknowledged) for v in voters) < KILL_AFTER_ACKS
               and time.monotonic() - started < KILL_AFTER_SECONDS):
            time.sleep(0.01)
        server.kill()  # mid-storm: every thread has a request on the wire or about to be
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
        assert not any(thread.is_alive() for thread in threads)
        server.start()

        ballots = read_ballots(server.base_url, url, tokens)
        lost = []
        for i, (voter, ballot) in enumerate(zip(voters, ballots)):
            for project, dots in voter.acknowledged:
                truth[(i, project)] = dots
            for project in projects:
                acked = truth.get((i, project), 0)
                allowed = {acked}
                if voter.in_flight and voter.in_flight[0] == project:
                    allowed.add(voter.in_flight[1])  # committed before the kill, or not
                found = ballot.get(project, 0)
                if found not in allowed:
                    lost.append((i, project, acked, found))
                if found != acked:
                    figures["in_flight_committed"] += 1
                truth[(i, project)] = found  # the next round starts from what is there
        figures["acknowledged"] += sum(len(v.acknowledged) for v in voters)
        figures["refused"] += sum(v.refused for v in voters)
        figures["in_flight_at_kill"] += sum(1 for v in voters if v.in_flight)
        figures["items_lost"] += len(lost)
        assert not lost, f"round {round_ + 1}: (participant, project, acknowledged, found): {lost[:10]}"

        # The tallies are the sums of the ballots, as everyone sees them after the restart.
        with httpx.Client(base_url=server.base_url, timeout=30) as http:
            ranking = http.get(f"{url}/results", headers=scene["facilitator"]).json()["ranking"]
        sums = {project: sum(truth.get((i, project), 0) for i in range(PARTICIPANTS)) for project in projects}
        assert {row["project_id"]: row["dots"] for row in ranking} == sums

    figures["faults_injected"] = server.kills
    record_figures("crash_under_vote_storm", figures)
    assert server.kills == ROUNDS
    assert figures["acknowledged"] >= ROUNDS * 50, "the storms were too small to mean anything"
    assert figures["in_flight_at_kill"] >= ROUNDS, "the kills did not land in the middle of the storms"
    assert figures["refused"] == 0
    assert "database disk image is malformed" not in server.log()


# --- the same storm from phones: the + and - buttons' own requests, through the ballot box ---

TAP_COUNT = re.compile(r'id="vote-(\d+)".*?data-dots="(\d+)"', re.S)


@dataclass
class Thumb:
    """One phone's taps in one storm, as the phone saw them: each acknowledged tap's answer
    redraws that project's count, which is what the phone now believes is stored."""

    phone: Phone
    seed: int
    acknowledged: list[tuple[int, int]] = field(default_factory=list)  # (project, count shown), in order
    refused: int = 0
    in_flight: tuple[int, int] | None = None  # (project, change) sent, never answered
    shown: dict[int, int] = field(default_factory=dict)

    def storm(self, base_url: str, projects: list[int], stop: threading.Event, deadline: float) -> None:
        rng = random.Random(self.seed)
        with httpx.Client(timeout=10) as http:
            for _ in range(VOTES_PER_PARTICIPANT):
                if stop.is_set() or time.monotonic() > deadline:
                    return
                project = rng.choice(projects)
                count = self.shown.get(project, 0)
                change = 1 if count == 0 or (count < CAP and rng.random() < 0.7) else -1
                try:
                    answer = tap(http, base_url, self.phone, project, change)
                except httpx.HTTPError:
                    self.in_flight = (project, change)
                    return
                if answer.status_code == 200:
                    found = dict(TAP_COUNT.findall(answer.text))
                    self.shown[project] = int(found[str(project)])
                    assert self.shown[project] == max(0, count + change)
                    self.acknowledged.append((project, self.shown[project]))
                else:
                    self.refused += 1


def test_no_acknowledged_tap_is_lost_when_the_server_is_killed_mid_storm(server: ServerProcess) -> None:
    scene = make_workshop(server.base_url, participants=0, projects=PROJECTS, phase="propose",
                          budget=BUDGET, cap=CAP)
    url, projects = scene["url"], scene["projects"]
    phones = [join_by_phone(server.base_url, scene["code"], f"โทรศัพท์ {i + 1}") for i in range(PARTICIPANTS)]
    with httpx.Client(base_url=server.base_url, timeout=30) as http:
        http.put(f"{url}/phase", json={"phase": "vote"}, headers=scene["facilitator"]).raise_for_status()
    tokens = [token_of(phone) for phone in phones]
    truth: dict[tuple[int, int], int] = {}
    figures = {"rounds": ROUNDS, "phones": PARTICIPANTS, "acknowledged": 0, "refused": 0,
               "in_flight_at_kill": 0, "in_flight_committed": 0, "faults_injected": 0, "items_lost": 0}

    for round_ in range(ROUNDS):
        thumbs = [Thumb(phone, seed=round_ * 1000 + i,
                        shown={p: truth.get((i, p), 0) for p in projects}) for i, phone in enumerate(phones)]
        stop = threading.Event()
        deadline = time.monotonic() + 30
        threads = [threading.Thread(target=t.storm, args=(server.base_url, projects, stop, deadline), daemon=True)
                   for t in thumbs]
        for thread in threads:
            thread.start()
        started = time.monotonic()
        while (sum(len(t.acknowledged) for t in thumbs) < KILL_AFTER_ACKS
               and time.monotonic() - started < KILL_AFTER_SECONDS):
            time.sleep(0.01)
        server.kill()
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
        assert not any(thread.is_alive() for thread in threads)
        server.start()

        ballots = read_ballots(server.base_url, url, tokens)
        lost = []
        for i, (thumb, ballot) in enumerate(zip(thumbs, ballots)):
            for project, count in thumb.acknowledged:
                truth[(i, project)] = count
            for project in projects:
                acked = truth.get((i, project), 0)
                allowed = {acked}
                if thumb.in_flight and thumb.in_flight[0] == project:  # committed before the kill, or not
                    allowed.add(min(CAP, max(0, acked + thumb.in_flight[1])))
                found = ballot.get(project, 0)
                if found not in allowed:
                    lost.append((i, project, acked, found))
                if found != acked:
                    figures["in_flight_committed"] += 1
                truth[(i, project)] = found
        figures["acknowledged"] += sum(len(t.acknowledged) for t in thumbs)
        figures["refused"] += sum(t.refused for t in thumbs)
        figures["in_flight_at_kill"] += sum(1 for t in thumbs if t.in_flight)
        figures["items_lost"] += len(lost)
        assert not lost, f"round {round_ + 1}: (phone, project, acknowledged, found): {lost[:10]}"

    figures["faults_injected"] = server.kills
    record_figures("crash_under_tap_storm", figures)
    assert server.kills == ROUNDS
    assert figures["acknowledged"] >= ROUNDS * 50, "the storms were too small to mean anything"
    assert figures["in_flight_at_kill"] >= ROUNDS, "the kills did not land in the middle of the storms"
    assert "database disk image is malformed" not in server.log()
