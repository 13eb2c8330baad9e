"""A phone's + and - and the JSON API's PUT are one vote path: for the same sequence of changes they
reach the same state.

Hypothesis plays two twin workshops through the real HTTP routes and the running ballot box. In
the first, people change their dots by tapping + and - on the phone page (cookie, form post); in
the twin, the same people send the same changes as JSON PUTs (their current dots plus or minus
one). Both also get the same API sets, merges, hides and phase changes from the facilitator.
After every step the two answered alike (accepted, or refused with the same status), and in the
end every person's dots and every project's tally are the same in both.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.config import Settings

from tests.routes.helpers import API, bearer

PEOPLE, PROJECTS = 3, 4


@pytest.fixture(name="settings")
def unlimited_creation(settings: Settings) -> Settings:
    """Two workshops per example, sixty from one address in well under a minute: the limit on
    creating workshops is not what this test is about."""
    return settings.model_copy(update={"rate_create_per_address": 0, "rate_create_total": 0})
PAGE = {"Sec-Fetch-Site": "same-origin", "HX-Request": "true"}

person = st.integers(0, PEOPLE - 1)
project = st.integers(0, PROJECTS - 1)
step = st.one_of(
    st.tuples(st.just("add"), person, project, st.sampled_from([1, 1, 1, -1])),
    st.tuples(st.just("set"), person, project, st.integers(0, 4)),
    st.tuples(st.just("merge"), project, project),
    st.tuples(st.just("hide"), project),
    st.tuples(st.just("phase"), st.sampled_from(["vote", "vote", "vote", "propose", "results"])),
)


class Twin:
    """One of the two workshops: its keys, its people's tokens and its projects' ids, by position."""

    def __init__(self, client: TestClient, *, by_phone: bool, budget: int, cap: int) -> None:
        self.client, self.by_phone = client, by_phone
        created = client.post(f"{API}/workshops", json={"title": "ฝาแฝด", "dots_per_participant": budget,
                                                        "max_dots_per_project": cap}).json()
        self.code, self.facilitator = created["code"], bearer(created["facilitator_key"])
        self.url = f"{API}/workshops/{self.code}"
        assert self.phase("propose") == 200
        self.projects = [client.post(f"{self.url}/projects", json={"title": f"โครงการ {i}"},
                                     headers=self.facilitator).json()["id"] for i in range(PROJECTS)]
        self.tokens = [self.join(f"คนที่ {i}") for i in range(PEOPLE)]
        assert self.phase("vote") == 200

    def join(self, name: str) -> str:
        if not self.by_phone:
            return self.client.post(f"{self.url}/participants", json={"name": name}).json()["participant_token"]
        answer = self.client.post(f"/w/{self.code}/join", data={"name": name, "agency": ""}, headers=PAGE,
                                  follow_redirects=False)
        assert answer.status_code == 303, answer.text
        token = answer.cookies[f"rk_p_{self.code}"]
        self.client.cookies.clear()  # each request below says who it is
        return token

    def phase(self, phase: str) -> int:
        return self.client.put(f"{self.url}/phase", json={"phase": phase}, headers=self.facilitator).status_code

    def mine(self, who: int) -> dict[int, int]:
        answer = self.client.get(f"{self.url}/votes/me", headers=bearer(self.tokens[who])).json()
        return {self.projects.index(int(pid)): dots for pid, dots in answer["allocations"].items()}

    def add(self, who: int, where: int, delta: int) -> int:
        pid = self.projects[where]
        if self.by_phone:
            return self.client.post(f"/w/{self.code}/ballot/{pid}", data={"change": str(delta)},
                                    headers={**PAGE, "Cookie": f"rk_p_{self.code}={self.tokens[who]}"}).status_code
        wanted = max(0, self.mine(who).get(where, 0) + delta)
        return self.set(who, where, wanted)

    def set(self, who: int, where: int, dots: int) -> int:
        return self.client.put(f"{self.url}/votes/{self.projects[where]}", json={"dots": dots},
                               headers=bearer(self.tokens[who])).status_code

    def merge(self, source: int, into: int) -> int:
        return self.client.post(f"{self.url}/projects/{self.projects[source]}/merge",
                                json={"into": self.projects[into]}, headers=self.facilitator).status_code

    def hide(self, where: int) -> int:
        return self.client.delete(f"{self.url}/projects/{self.projects[where]}", headers=self.facilitator).status_code

    def state(self) -> dict[str, Any]:
        assert self.phase("results") == 200  # anyone may read the tallies now; read them as facilitator
        ranking = self.client.get(f"{self.url}/results", headers=self.facilitator).json()["ranking"]
        return {"people": [self.mine(who) for who in range(PEOPLE)],
                "tallies": {self.projects.index(r["project_id"]): (r["dots"], r["voters"]) for r in ranking}}


def run(twin: Twin, move: tuple[Any, ...]) -> int:
    kind, *args = move
    return getattr(twin, kind)(*args)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
@given(budget=st.integers(2, 6), cap=st.integers(1, 3), moves=st.lists(step, min_size=1, max_size=25))
def test_taps_on_the_phone_and_puts_on_the_api_reach_the_same_state(client: TestClient, budget: int, cap: int,
                                                                    moves: list[tuple[Any, ...]]) -> None:
    by_phone = Twin(client, by_phone=True, budget=budget, cap=cap)
    by_api = Twin(client, by_phone=False, budget=budget, cap=cap)
    for number, move in enumerate(moves):
        tapped, put = run(by_phone, move), run(by_api, move)
        assert tapped == put, f"step {number} {move}: the phone got {tapped}, the API {put}"
        assert tapped in (200, 204, 404, 409, 422), (move, tapped)
    assert by_phone.state() == by_api.state()
