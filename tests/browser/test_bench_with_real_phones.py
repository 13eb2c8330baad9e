"""`ruamkit bench --browsers K`: real Chromium phones tap + on the real page beside the simulated ones,
and their latencies are reported next to the simulated phones'."""

from __future__ import annotations

import pytest

from tests.scale.test_bench_smoke import bench

pytestmark = pytest.mark.browser


def test_real_phones_tap_in_the_same_run_and_are_measured() -> None:
    result = bench("--clients", "30", "--rate", "10", "--seconds", "4", "--browsers", "1", "--no-baseline")

    real = result["browsers"]
    assert real["count"] == 1 and real["taps"] >= 10 and real["acked"] == real["taps"]
    assert real["p95_own_screen_ms"] is not None and real["p95_big_screen_ms"] is not None
    assert real["simulated_p95_own_screen_ms"] == result["p95_ack_ms"]
    # The screens' total counts the real phones' taps too: nothing acknowledged is missing.
    assert result["final_tallies_match"] and result["db_total"] == result["votes_acked"] + real["acked"]
