"""The benchmark an organiser runs to rehearse a venue keeps working: small runs end to end, on
the phone's own path (the default) and on the JSON API's."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]


def bench(*args: str) -> dict[str, Any]:
    run = subprocess.run(
        [sys.executable, "-m", "app.cli", "bench", *args],
        cwd=ROOT, capture_output=True, text=True, timeout=400,
        env={**{k: v for k, v in os.environ.items() if not k.startswith("RUAMKIT_")}, "PYTHONPATH": str(ROOT)},
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    lines = run.stdout.strip().splitlines()
    assert any(line.startswith("[bench") for line in lines), "no progress lines"
    return json.loads(lines[-1])  # the last line is one JSON object


@pytest.mark.parametrize("path", ["phone", "api"])
def test_a_small_bench_run_acknowledges_every_tap_and_the_screen_matches_the_database(path: str) -> None:
    result = bench("--clients", "50", "--rate", "20", "--seconds", "3", "--path", path)

    for field in ("path", "clients", "rate", "seconds", "projects", "votes_sent", "votes_acked", "p50_ack_ms",
                  "p95_ack_ms", "p95_screen_ms", "p95_phone_ms", "baseline_p95_ms", "ratio_p95",
                  "final_tallies_match", "server_rss_mb", "server_cpu_pct"):
        assert field in result, field
    assert result["path"] == path and result["projects"] == 20
    assert result["clients"] == 50 and result["votes_sent"] == 60
    assert result["votes_acked"] == result["votes_sent"]
    assert result["final_tallies_match"] and result["db_matches_acks"] and result["phones_final_match"] == 1.0
    assert result["screen_delivery"] == 1.0 and result["phone_delivery"] == 1.0
    assert result["baseline_votes_acked"] == 60
    assert result["p95_screen_ms"] is not None and result["baseline_p95_ms"] is not None
    if path == "phone":  # every phone drew its ballot when voting opened, and taps got small answers
        assert result["ballots_drawn_seconds"] is not None
        assert result["tap_answer_bytes"] < 4000


def test_a_small_bench_run_with_groups_measures_the_group_screens_and_the_grid_against_as_many_bare_rooms() -> None:
    result = bench("--groups", "3", "--clients", "60", "--rate", "20", "--seconds", "3", "--projects", "4")

    assert result["groups"] == 3 and result["votes_acked"] == result["votes_sent"] == 60
    assert result["final_tallies_match"] and result["db_matches_acks"] and result["phones_final_match"] == 1.0
    assert result["screen_delivery"] == 1.0
    # The bare rooms took the same taps, and their screens and grid showed them all.
    assert result["baseline_votes_acked"] == 60 and result["baseline_screen_delivery"] == 1.0
    for field in ("p95_grid_ms", "p95_group_screen_ms_worst", "baseline_p95_grid_ms",
                  "baseline_p95_group_screen_ms_worst"):
        assert result[field] is not None, field
    assert result["ratio_p95_grid"] == round(result["p95_grid_ms"] / result["baseline_p95_grid_ms"], 2)
    assert result["ratio_p95_group_screens"] == round(
        result["p95_group_screen_ms_worst"] / result["baseline_p95_group_screen_ms_worst"], 2)
