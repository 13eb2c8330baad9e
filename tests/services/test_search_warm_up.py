"""The server warms the Thai word cutter up at start, in a background thread; what that loads
(the cutter's dictionary, hundreds of thousands of objects kept for the process's life) is then
moved out of the garbage collector's sight, or every full collection would walk it in the middle
of a redraw or a tap's answer. Run in a process of its own: freezing is for the whole process."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCRIPT = """
import gc, json, sys
from app import db
from app.config import Settings
from app.main import warm_search
url = "sqlite:///" + sys.argv[1]
db.upgrade(url)
engine = db.make_engine(Settings(database_url=url))
gc.collect(); gc.freeze()
before = len(gc.get_objects())
warm_search(engine, freeze=sys.argv[2] == "freeze")
print(json.dumps({"before": before, "after": len(gc.get_objects())}))
"""


def tracked_after_warm_up(tmp_path: Path, freeze: bool) -> dict[str, int]:
    import json

    done = subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path / f"{freeze}.db"), "freeze" if freeze else "keep"],
                          capture_output=True, text=True, timeout=300, cwd=Path(__file__).resolve().parents[2])
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_what_the_search_warm_up_loads_is_kept_out_of_the_collectors_sight(tmp_path: Path) -> None:
    unfrozen = tracked_after_warm_up(tmp_path, freeze=False)
    assert unfrozen["after"] - unfrozen["before"] > 100_000  # the dictionary, tracked, when not frozen
    frozen = tracked_after_warm_up(tmp_path, freeze=True)
    assert frozen["after"] < 1_000, frozen
