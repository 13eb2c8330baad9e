"""The hostile import of issue 10, made to measure: a JSON export with many projects, each with
many tags, and many participants, written as compactly as an attacker would to fit one request."""

from __future__ import annotations

import json
from typing import Any

WHEN = "2026-01-01T00:00:00Z"


def big_export(*, projects: int, tags: int, participants: int, agencies: int = 0,
               strategies: int | None = None, areas: int | None = None, votes: int = 0) -> dict[str, Any]:
    """An export with `projects` projects, each tagged with `tags` tags (half strategies, half
    reform areas, taken in turn from frameworks of `strategies` and `areas` entries: by default
    just enough), `participants` participants, `agencies` typed agencies among them, and each
    of the first `votes` participants giving one dot to each of the first five projects."""
    per_strategy = (tags + 1) // 2
    per_area = tags - per_strategy
    strategies = strategies or max(1, per_strategy)
    areas = areas if areas is not None else per_area

    def turn(i: int, count: int, of: int, first: int) -> list[int]:
        return sorted({first + (i + k) % of for k in range(min(count, of))}) if of else []

    return {
        "format": "ruamkit-workshop", "version": 1,
        "workshop": {"title": "Big", "phase": "results", "dots_per_participant": 5},
        "strategies": [{"id": i, "code": f"S{i}", "name_en": f"S{i}"} for i in range(1, strategies + 1)],
        "reform_areas": [{"id": strategies + i, "code": f"R{i}", "name_en": f"R{i}"} for i in range(1, areas + 1)],
        "participants": [{"id": i, "name": "p", "created_at": WHEN,
                          **({"agency": f"a{i % agencies}"} if agencies else {})}
                         for i in range(1, participants + 1)],
        "projects": [{"id": i, "title": f"Project {i:04d}", "created_at": WHEN,
                      "strategy_ids": turn(i, per_strategy, strategies, 1),
                      "reform_area_ids": turn(i, per_area, areas, strategies + 1)}
                     for i in range(1, projects + 1)],
        "votes": [{"participant_id": p, "project_id": j, "dots": 1}
                  for p in range(1, min(votes, participants) + 1) for j in range(1, min(5, projects) + 1)],
    }


def body(export: dict[str, Any]) -> bytes:
    """The export as the smallest JSON text (what an attacker sends)."""
    return json.dumps(export, separators=(",", ":")).encode()


# Issue 10's attack: 2,500 projects x 50 tags and 6,000 participants in 985 KB.
ATTACK = {"projects": 2500, "tags": 50, "participants": 6000}
# Issue 10's 400-project workshop (participants within the limit of 5,000, so that it still imports).
MID = {"projects": 400, "tags": 50, "participants": 5000}
# The largest import the default limits accept, tagged as densely as allowed, with votes.
CEILING = {"projects": 2000, "tags": 50, "participants": 5000, "strategies": 100, "areas": 100, "votes": 300}
# A real workshop's size (the demo has 20 projects).
SMALL = {"projects": 20, "tags": 3, "participants": 50, "votes": 50}
