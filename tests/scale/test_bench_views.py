"""`ruamkit bench --projects 3000` times each live view's redraw and each file of a big workshop;
here the same scenario at a small size (200 projects, 50 participants) prints every view and file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from app.services.exports.registry import FORMATS

ROOT = Path(__file__).resolve().parents[2]


def test_the_views_bench_prints_every_live_view_and_every_export() -> None:
    run = subprocess.run(
        [sys.executable, "-m", "app.cli", "bench", "--views", "--projects", "200", "--clients", "50"],
        cwd=ROOT, capture_output=True, text=True, timeout=400,
        env={**{k: v for k, v in os.environ.items() if not k.startswith("RUAMKIT_")}, "PYTHONPATH": str(ROOT)},
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    lines = run.stdout.strip().splitlines()
    result = json.loads(lines[-1])
    assert result["projects"] == 200 and result["participants"] == 50
    for view in ("phone (live)", "screen (live)", "facilitator (live)", "phone page (one phone's own)"):
        assert result["views_ms"][view] > 0, view
        assert any(line.startswith("[bench") and f"view {view}:" in line for line in lines), view
    assert set(result["exports_ms"]) == {"pdf", *FORMATS}
    assert all(size > 0 for size in result["export_bytes"].values())
    # A phone's live message is one page of the lists, whatever the workshop's size.
    assert result["view_bytes"]["phone (live)"] < 20_000
