"""What the facilitation tools add to each live view: the timer, pinned-first orders, the
moderation queue, the big screen's chosen view, and the version a phone's "My proposals"
follows. Called from `views.view_context`, so pages and websocket messages agree."""

from __future__ import annotations

import hashlib
from typing import Any

from sqlmodel import Session

from app.models import Phase, Workshop, utcnow
from app.services import frameworks, group_grid, moderation, participation, projects, results, scoring, timer
from app.versions import Memo


def context(session: Session, *, workshop: Workshop, view: str, outcome: results.Outcome,
            memo: dict[Any, Any], kept: Memo | None = None) -> dict[str, Any]:
    """`kept`: the hub's projects-only Memo (app/versions.py), for the moderation queues."""
    now = utcnow()
    values: dict[str, Any] = {
        "timer": timer.state(workshop, now=lambda: now),
        "server_now_ms": int(now.timestamp() * 1000),
    }
    # The newest proposals first: the phones' list, and the big screen's "newest" view (which the
    # console counts the pages of). Sorted once per redraw, and only for a view that shows it:
    # 3,000 projects take a millisecond or two.
    if view == "phone" or (view in ("screen", "facilitator") and _screen_body(session, workshop, memo) == "newest"):
        if "newest_first" not in memo:
            memo["newest_first"] = projects.pinned_first(outcome.standings, project=_project, newest_first=True)
        values["newest_first"] = memo["newest_first"]
    if view == "phone":
        values["ballot_order"] = projects.pinned_first(outcome.standings, project=_project)
        values["projects_version"] = _projects_version(session, workshop, outcome, memo, kept)
    if view == "facilitator":
        pending = memo.get("pending")
        if pending is None:
            pending = memo["pending"] = projects.list_pending(session, workshop=workshop, kept=kept)
        values["pending"] = pending
        edits = memo.get("pending_edits")
        if edits is None:
            edits = memo["pending_edits"] = projects.list_pending_edits(session, workshop=workshop, kept=kept)
        values["pending_edits"] = [(p, p.pending_draft) for p in edits]
        values["pending_tags"] = projects.Tags(session, [*(p.id for p in pending), *(p.id for p in edits)])
        values["pending_agencies"] = moderation.pending_agencies(session, workshop=workshop)
    if view in ("screen", "facilitator"):  # the console counts the screen's pages too
        body = values["screen_body"] = _screen_body(session, workshop, memo)
        if body == "wall":
            values["wall_columns"] = wall_columns(outcome, workshop.screen_drill_id)
        if body == "agencies":
            if ("counts", True) not in memo:
                memo[("counts", True)] = participation.counts(session, workshop, by_agency=True)
            # Typed agency names the facilitator has not approved stay off the screen.
            values["agency_rows"] = moderation.screen_agency_rows(session, workshop=workshop,
                                                                  rows=memo[("counts", True)]["agency_rows"])
            values["agency_roster"] = participation.screen_roster(session, workshop=workshop,
                                                                  roster=memo[("counts", True)]["agency_roster"])
        if body == "matrix":
            values["matrix"] = matrix(session, workshop)
    return values


def _screen_body(session: Session, workshop: Workshop, memo: dict[Any, Any]) -> str:
    """What the big screen shows (once per redraw)."""
    body = memo.get("screen_body")
    if body is None:
        body = memo["screen_body"] = group_grid.screen_body(session, workshop)
    return str(body)


def _project(standing: results.Standing) -> Any:
    return standing.project


def wall_columns(outcome: results.Outcome, drill_id: int | None = None) -> list[tuple[Any, list[results.Standing]]]:
    """The proposals wall: one column per strategy of the level the screen is drilled to (pinned
    first, then newest; a column holds its sub-plans' projects too), and at the top level one for
    projects tagged with no strategy when there are any."""
    level = frameworks.drill(outcome.strategies, drill_id)
    columns: list[tuple[Any, list[results.Standing]]] = [
        (strategy, projects.pinned_first(outcome.by_strategy.get(strategy.id, []), project=_project,
                                         newest_first=True))
        for strategy in level.level
    ]
    untagged = [s for s in outcome.standings if not s.strategy_ids]
    if untagged and level.focus is None:
        columns.append((None, projects.pinned_first(untagged, project=_project, newest_first=True)))
    return columns


def matrix(session: Session, workshop: Workshop) -> dict[str, Any]:
    """Impact (y) against feasibility (x) of the projects scored in a scoring round, placed on a
    1-5 square; `points` is empty when no scoring round has scores yet."""
    points = list(scoring.matrix_points(session, workshop=workshop))
    placed: list[dict[str, Any]] = []
    for point in points:
        x, y = getattr(point, "x", None), getattr(point, "y", None)
        if x is None or y is None:
            continue
        # The plot is 600 x 600 units from (90, 10), drawn 1:1 on the screen, its quadrants meeting
        # at 3; scores 1 to 5 span the middle 420 units, leaving the corners to the quadrants' names.
        placed.append({"project": point.project, "x": float(x), "y": float(y),
                       "cx": round(180 + (min(5.0, max(1.0, float(x))) - 1) / 4 * 420, 1),
                       "cy": round(520 - (min(5.0, max(1.0, float(y))) - 1) / 4 * 420, 1)})
    placed.sort(key=lambda p: (-p["y"], -p["x"]))
    _spread(placed[:8])
    return {"points": placed}


def _spread(points: list[dict[str, Any]], gap: float = 56.0) -> None:
    """Nudge drawn dots apart so that projects with (nearly) the same means stay readable: each
    dot that would cover an earlier one moves out on a small spiral, never off the plot."""
    import math

    for index, point in enumerate(points):
        x0, y0 = point["cx"], point["cy"]
        for step in range(60):
            angle, radius = step * 2.4, gap * 0.5 * math.sqrt(step)
            x = min(660.0, max(120.0, x0 + radius * math.cos(angle)))
            y = min(546.0, max(74.0, y0 + radius * math.sin(angle)))
            if all(math.hypot(x - other["cx"], y - other["cy"]) >= gap for other in points[:index]):
                point["cx"], point["cy"] = round(x, 1), round(y, 1)
                break


def _projects_version(session: Session, workshop: Workshop, outcome: results.Outcome,
                      memo: dict[Any, Any], kept: Memo | None = None) -> str:
    """Changes whenever any proposal is approved, edited, pinned, hidden or merged: a phone then
    fetches its own "My proposals" again (the list of its proposals is personal, this is not)."""
    if workshop.phase != Phase.propose:
        return ""
    pending = memo.get("pending")
    if pending is None:
        pending = memo["pending"] = projects.list_pending(session, workshop=workshop, kept=kept)
    parts = [f"{s.project.id}|{s.project.title}|{s.project.description}|{s.project.agency}|{s.project.pinned}|"
             f"{s.strategy_ids}|{s.reform_area_ids}" for s in sorted(outcome.standings, key=lambda s: s.project.id)]
    parts += [f"p{p.id}|{p.title}|{p.description}|{p.agency}" for p in pending]
    edits = memo.get("pending_edits")
    if edits is None:
        edits = memo["pending_edits"] = projects.list_pending_edits(session, workshop=workshop, kept=kept)
    parts += [f"e{p.id}|{p.pending_since}" for p in edits]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]
