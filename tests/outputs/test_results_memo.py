"""What is computed from a workshop for anyone who asks (its results, round by round) is
computed once per version of the workshop: a crowd asking again and again for a big
workshop's results costs one ranking, until something changes."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from fastapi.testclient import TestClient

from app.versions import Memo, Versions


def test_a_value_is_computed_once_per_version_even_when_many_ask_at_once() -> None:
    versions = Versions()
    memo = Memo(versions)
    calls: list[int] = []

    def slow_ranking() -> str:
        calls.append(1)
        time.sleep(0.2)
        return f"ranking {len(calls)}"

    got: list[str] = []
    askers = [threading.Thread(target=lambda: got.append(memo.get("ABCDE", "results", slow_ranking)))
              for _ in range(8)]
    for asker in askers:
        asker.start()
    for asker in askers:
        asker.join(10)
    assert got == ["ranking 1"] * 8 and len(calls) == 1
    versions.changed("OTHER")  # another workshop's change leaves this one's value alone
    assert memo.get("ABCDE", "results", slow_ranking) == "ranking 1"
    versions.changed("ABCDE")
    assert memo.get("ABCDE", "results", slow_ranking) == "ranking 2"


def test_the_rounds_results_of_a_big_workshop_are_ranked_once_until_it_changes(
        client: TestClient, imported: Callable) -> None:
    created = imported(projects=400, tags=50, participants=1000, votes=100)  # phase results: anyone may read
    memo = client.app.state.memo  # type: ignore[attr-defined]
    url = f"/api/v1/workshops/{created['code']}/rounds"
    participant = client.post(f"/api/v1/workshops/{created['code']}/participants", json={"name": "ผู้อ่าน"}).json()
    reader = {"Authorization": f"Bearer {participant['participant_token']}"}
    first = client.get(url, headers=reader)
    assert first.status_code == 200 and first.json()[0]["results"]["ranking"][0]["dots"] == 100
    computed = memo.computed
    for _ in range(5):
        assert client.get(url, headers=reader).json() == first.json()
    assert memo.computed == computed
    # The facilitator hides the leading project: the next answer is ranked afresh.
    leader = first.json()[0]["results"]["ranking"][0]["project_id"]
    assert client.delete(f"/api/v1/workshops/{created['code']}/projects/{leader}",
                         headers=created["headers"]).status_code == 204
    after = client.get(url, headers=reader).json()
    assert memo.computed == computed + 1
    assert leader not in [row["project_id"] for row in after[0]["results"]["ranking"]]


def test_after_lost_notices_every_kept_value_is_drawn_again() -> None:
    """Redis was away: other processes' notices were lost, so what was kept for any workshop, even
    one this process never heard of, may be out of date (app/live/broker.py, on_resync)."""
    versions = Versions()
    memo, project_rows = Memo(versions), Memo(versions, projects_only=True)
    versions.changed("HEARD")
    for code in ("HEARD", "NEVER"):
        for kept in (memo, project_rows):
            assert kept.get(code, "ranking", lambda: "before") == "before"
    versions.changed_all()
    for code in ("HEARD", "NEVER"):
        for kept in (memo, project_rows):
            assert kept.get(code, "ranking", lambda: "after") == "after"
    versions.changed("LATER")  # a workshop first heard of now still moves past what was kept
    assert versions.of("LATER") > versions.of("NEVER")
