"""The event's big screen during group work: every breakout group on one grid (its name, phase,
time left, proposals, voters and leading project), live; then the plenary as before.

A group is a workshop of its own (app/services/groups.py), so each tile is drawn from the
group's own rows: its phase and timer, its ranking by its round's method (results.compute) and
its counts. The leading project shows only while that group's tallies may be shown to the room
(the rules table's see_tallies, as on the group's own screen).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from app.errors import NotFound
from app.models import Project, Workshop
from app.services import groups, methods, participation, projects, results, rounds, timer, workshops
from app.services.methods.base import Standing as Ranked
from app.versions import Memo


event_code = workshops.event_code  # its home is with the codes' rules; the grid's callers ask here


def changed_codes(code: str) -> tuple[str, ...]:
    """Whose live views a change to `code` touches: the workshop's, and for a group its event's
    too (the event's big screen shows every group on its grid). The one home of that rule: the
    publish path (app/main.py) sends a notice for each."""
    event = event_code(code)
    return (code,) if event == code else (code, event)


def plenary_started(session: Session, event: Workshop) -> bool:
    """Whether the event has plenary projects: visible projects of the event's own workshop."""
    return session.exec(select(func.count()).select_from(Project).where(
        Project.workshop_id == event.id, col(Project.hidden).is_(False),
        col(Project.merged_into_id).is_(None))).one() > 0


def screen_body(session: Session, workshop: Workshop) -> str:
    """The big screen's view, with the groups grid: an event's screen on "auto" shows it while
    the event has groups and no plenary projects yet (or when the facilitator picks it); a
    group's own screen has no grid and follows its phase."""
    if workshop.parent_id is None and (
            workshop.screen_view == "groups"
            or (workshop.screen_view == "auto" and groups.has_groups(session, event=workshop)
                and not plenary_started(session, workshop))):
        return "groups"
    return workshops.screen_body(workshop, view="auto" if workshop.screen_view == "groups" else None)


@dataclass(frozen=True)
class Standing:
    """What a group's ranking and votes give its tile; kept per version of the group."""

    voters: int
    dots_cast: int  # in the group's current round (0 in a scoring round)
    leader: str | None  # the leading project's title (None: no votes yet)
    leader_dots: int
    leader_score: float | None
    leader_tied: bool  # shares first place by the ranking rule
    takes_dots: bool


@dataclass(frozen=True)
class Tile:
    group: Workshop
    timer: timer.TimerState | None
    participants: int
    proposals: int
    standing: Standing
    show_leader: bool  # see_tallies for the room, in this group


GRID_STANDING = "grid-standing"  # the memo's key of a group's Standing


def _standing(session: Session, group: Workshop, projects_kept: Memo | None = None) -> Standing:
    """The group's leader by its round's method (the method's own ranking, as results.compute
    ranks it, without the strategy and coverage tables the grid does not show) and its counts.
    `projects_kept`: the hub's projects-only Memo, which keeps the group's visible projects."""
    round_ = rounds.current_round(session, workshop=group)
    method = methods.of(round_.mode)
    candidates = projects.visible_rows(session, workshop=group, kept=projects_kept)[0]
    in_scope = rounds.scope(session, round_=round_)
    if in_scope is not None:
        candidates = [p for p in candidates if p.id in in_scope]
    standings = method.rank(session, round_=round_, projects=candidates, tags=projects.Tags(session, ()))
    return _standing_of(standings, method, participation.counts(session, group, by_agency=False))


def _standing_of(standings: list[Ranked], method: methods.Method,
                 counted: dict[str, Any]) -> Standing:
    voters, dots = counted["voter_count"], counted["dots_cast"]
    top = standings[0] if standings else None
    if top is None or not (top.dots or top.voters or top.scorers):
        return Standing(voters, dots, None, 0, None, False, method.takes_dots)
    tied = len(standings) > 1 and standings[1].rank == top.rank
    return Standing(voters, dots, top.project.title, top.dots, top.score, tied, method.takes_dots)


def keep_standing(kept: Memo, *, group: Workshop, outcome: results.Outcome, counted: dict[str, Any],
                  version: int) -> None:
    """A group's redraw has ranked the group already: its standing is kept for the event's grid
    (as of `version`, read before the redraw's first query), which then ranks it only if the
    group changed since. 40 groups ranked again for every redraw of the grid cost about 120 ms of CPU."""
    kept.put(group.code, GRID_STANDING, _standing_of(outcome.standings, outcome.method, counted), version=version)


def _kept_current(kept: Memo, code: str) -> bool:
    seen = kept.peek(code, GRID_STANDING)
    return seen is not None and seen[0]


def grid_steps(engine: Engine, code: str, kept: Memo,
               projects_kept: Memo | None = None) -> list[Callable[[], object]]:
    """Before an event's grid is drawn: one step per group whose standing is not kept for its
    current version, each ranking that group in a session of its own. The hub runs them one at a
    time, letting waiting requests in between (app/live/hub.py); the grid then finds them kept."""
    if event_code(code) != code:
        return []
    with Session(engine) as session:
        try:
            event = workshops.get_workshop(session, code=code)
        except NotFound:
            return []
        if event.parent_id is not None or screen_body(session, event) != "groups":
            return []
        stale = [group_code for group_code in groups.group_codes(session, event=event)
                 if not _kept_current(kept, group_code)]

    def rank(group_code: str) -> Callable[[], object]:
        def step() -> object:
            with Session(engine, expire_on_commit=False) as session:  # read after the version, in get()
                return kept.get(group_code, GRID_STANDING, lambda: _standing(
                    session, workshops.get_workshop(session, code=group_code), projects_kept))
        return step

    return [rank(group_code) for group_code in stale]


def tiles(session: Session, *, event: Workshop, now: datetime, kept: Memo | None = None,
          settled: bool = False, projects_kept: Memo | None = None) -> list[Tile]:
    """Every group of the event, in number order. With `kept` (the hub's memo), each group's
    ranking is computed once per version of that group: a vote in one group redraws the grid
    without ranking the other 39 again. `settled`: grid_steps have just ranked every group
    that had changed, in this pass of the hub; a group that changed again since shows the
    standing they kept, and its change has marked the event for the next pass (which ranks it)."""
    made = []
    counted = groups.counts(session, event=event)
    for group in groups.list_groups(session, event=event):
        def compute(group: Workshop = group) -> Standing:
            return _standing(session, group, projects_kept)

        seen = kept.peek(group.code, GRID_STANDING) if kept is not None and settled else None
        standing = (compute() if kept is None else cast(Standing, seen[1]) if seen is not None
                    else kept.get(group.code, GRID_STANDING, compute))
        people, proposals = counted.get(group.id or 0, (0, 0))
        made.append(Tile(group=group, timer=timer.state(group, now=lambda: now), participants=people,
                         proposals=proposals, standing=standing,
                         show_leader=workshops.tallies_visible(group)))
    return made


def context(session: Session, *, workshop: Workshop, body: str, now: datetime,
            kept: Memo | None = None, settled: bool = False, projects_kept: Memo | None = None) -> dict[str, Any]:
    """What the screen's partials need beyond the workshop's own view: the tiles on the grid, and
    on a group's own screen its event (the group's name is the title; the event's stands above)."""
    values: dict[str, Any] = {}
    if body == "groups":
        values["group_tiles"] = tiles(session, event=workshop, now=now, kept=kept, settled=settled,
                                      projects_kept=projects_kept)
    if workshop.parent_id is not None:
        values["event"] = groups.event_of(session, workshop, projects_kept)
    return values
