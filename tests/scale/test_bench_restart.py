"""The reconnect storm an organiser can rehearse (`ruamkit bench --scenario restart`): the
server is killed under the held phones and started again, and every phone comes back with its
snapshot on the page's own jittered schedule. A small run end to end, and the schedule itself."""

from __future__ import annotations

import random
import statistics

from bench.restart import ceiling_exponent, reconnect_ceiling, reconnect_delay
from tests.scale.test_bench_smoke import bench


def test_the_simulated_phones_wait_as_the_page_does_a_random_part_of_a_doubling_ceiling() -> None:
    rng = random.Random(15)
    assert [reconnect_ceiling(n) for n in range(6)] == [1, 2, 4, 8, 8, 8]  # app.js holds it at 8 s
    for retry in range(6):
        waits = [reconnect_delay(retry, rng, ceiling_exponent()) for _ in range(2000)]
        assert all(0 <= w < reconnect_ceiling(retry) for w in waits)
        # Full jitter: spread over the whole range, half the ceiling on average.
        assert abs(statistics.mean(waits) / reconnect_ceiling(retry) - 0.5) < 0.05
        assert min(waits) < 0.05 * reconnect_ceiling(retry) < 0.95 * reconnect_ceiling(retry) < max(waits)


def test_a_small_restart_brings_every_phone_back_with_its_snapshot() -> None:
    result = bench("--scenario", "restart", "--clients", "30")

    assert result["scenario"] == "restart" and result["clients"] == 30
    assert result["phones_back"] == 30 and result["all_back"] and result["phones_gave_up"] == 0
    assert sum(result["back_per_second"]) == 30  # the recovery curve counts every phone once
    assert result["server_ready_seconds"] <= result["seconds_to_all_back"] < 120
    # Nobody is back before the new server answers: a phone's snapshot came from the new process.
    assert sum(result["back_per_second"][:max(0, int(result["server_ready_seconds"]) - 1)]) == 0
    assert result["reconnect_attempts"] >= 30
    assert 0 < result["server_rss_mb_recovery_peak"] < result["memory_target_mb"]
