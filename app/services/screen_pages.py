"""The big screen's pages: every list a view counts is split into pages that fit 1920x1080,
shown in turn at a steady interval (or held by the facilitator), so nothing is ever cut off.

A view is a sequence of pages; each page is one kind of list (`kind`: its partial is
partials/screen/page/_<kind>.html) with the slice of items it shows. The results slides are
the ranking's pages, then the strategies', then the coverage's, in one sequence.

Which page shows follows the server's clock (page = seconds // PAGE_SECONDS mod pages), so
every screen shows the same page, and a redraw after a vote does not send it back to page 1.
Page sizes are counted for 1920x1080 with the tallest header (the title on one line beside the timer);
the screen scales down as a whole on smaller displays (app.js), so they hold there too.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from app.services import frameworks
from app.services.results import Outcome, Standing

PAGE_SECONDS = 10  # every view turns its pages at this pace

# Rows or cards per page, measured in Chromium at 1920x1080 (tests/browser/test_screen_pages.py).
NEWEST = 6  # proposal cards, two across
TALLIES = 8  # ranking rows with a bar
RANKING = 4  # ranking rows with the title on two lines, agency and who took part
WALL_CHUNKS = 6  # strategy columns (or parts of one), three across, two down
WALL_TITLES = 2  # titles per column part, two lines each
STRATEGY_BANDS = 4  # strategies per page of the ranking within each strategy
STRATEGY_TOP = 3  # projects beside each strategy (the rest are counted: "and N more")
AGENCIES = 8
GROUPS = 40  # group tiles on the event's grid, 7 x 6 (app/services/group_grid.py)
COVERAGE_ROWS = 12  # table rows when the column legend stands beside the table (names on two lines at most)
COVERAGE_ROWS_UNDER = 6  # when it stands under it (many columns)
COVERAGE_SIDE_LEGEND = 7  # up to this many columns the legend fits beside the table

# A wall is no place to page through 3,000 projects: lists show their top (or newest) items and
# count the rest ("and 2,940 more"); the console and the exports have them all.
TOP = 60
WALL_ALL = 120  # a wall of up to this many titles shows them all; a bigger one, each column's first
WALL_TOP = 6  # titles per strategy column (its count gives the whole column)


@dataclass
class Page:
    kind: str  # newest, tallies, ranking, wall, strategies, agencies, coverage
    items: list[Any]
    number: int  # 1-based, within its kind
    of: int  # pages of its kind
    first: int = 0  # index of its first item in the whole list
    total: int = 0  # items in the whole list
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Paging:
    pages: list[Page]
    shown: int  # 1-based index of the page drawn first (the held one, or the clock's)
    held: int | None  # the page the facilitator holds (clamped to the pages there are)
    seconds: int = PAGE_SECONDS

    @property
    def count(self) -> int:
        return len(self.pages)


def split(kind: str, items: list[Any], size: int, **extra: Any) -> list[Page]:
    """Items in pages of `size`; an empty list still has one (empty) page, which says so."""
    chunks = [items[i:i + size] for i in range(0, len(items), size)] or [[]]
    return [Page(kind=kind, items=chunk, number=n, of=len(chunks), first=(n - 1) * size, total=len(items),
                 extra=dict(extra)) for n, chunk in enumerate(chunks, start=1)]


def split_top(kind: str, items: list[Any], size: int, top: int = TOP, **extra: Any) -> list[Page]:
    """The first `top` items in pages of `size`, each page knowing how many were left out (its
    `total` stays the whole list's count)."""
    pages = split(kind, items[:top], size, more=max(0, len(items) - top), **extra)
    for page in pages:
        page.total = len(items)
    return pages


def clock_page(count: int, now_ms: int, seconds: int = PAGE_SECONDS) -> int:
    """The 1-based page the clock points at (app.js counts the same way, in server time)."""
    return (now_ms // (seconds * 1000)) % max(1, count) + 1


@dataclass
class WallPart:
    """One strategy's column on the wall, or a part of it when it holds more than fits."""

    strategy: Any  # a Strategy, or None for projects with no strategy
    standings: list[Standing]
    part: int
    parts: int
    count: int  # projects in the whole column
    start: int  # index of its first title in the column


@dataclass
class CoverageTable:
    """The coverage heatmap turned so that it fits: the longer side runs down (and is paged),
    the shorter across, so a 17 x 5 or 23 x 13 framework fits as well as 6 x 11. In a nested
    framework it holds one level: the strategies drilled to and the top reform areas, each cell
    rolled up (results.py counts a project under every ancestor of its tags)."""

    rows_are_strategies: bool
    columns: list[tuple[int, str, str]]  # (id, code, name)
    rows: list[tuple[int, str, str]]
    max_dots: int = 0  # the most dots in a cell shown: the heat's top at this level

    def cell(self, outcome: Outcome, row_id: int, column_id: int) -> tuple[int, int]:
        key = (row_id, column_id) if self.rows_are_strategies else (column_id, row_id)
        return outcome.coverage.get(key, (0, 0))


def grid_shape(count: int) -> tuple[int, int]:
    """(columns, rows) for `count` group tiles on a 1920x1080 screen: tiles about twice as wide
    as tall, room for a group's name (7 x 6 for 40 groups, 4 x 3 for 12)."""
    count = max(1, count)
    columns = min(count, math.ceil(math.sqrt(count * 1.2)))
    return columns, math.ceil(count / columns)


def wall_parts(columns: list[tuple[Any, list[Standing]]]) -> list[WallPart]:
    parts: list[WallPart] = []
    cap = WALL_TOP if sum(len(standings) for _strategy, standings in columns) > WALL_ALL else None
    for strategy, all_standings in columns:
        standings = all_standings[:cap]
        chunks = [standings[i:i + WALL_TITLES] for i in range(0, len(standings), WALL_TITLES)] or [[]]
        parts += [WallPart(strategy, chunk, n, len(chunks), len(all_standings), (n - 1) * WALL_TITLES)
                  for n, chunk in enumerate(chunks, 1)]
    return parts


def coverage_table(values: dict[str, Any]) -> CoverageTable:
    level: frameworks.Drill = values["screen_drill"]
    strategies = [(s.id, s.code, values["strategy_names"][s.id]) for s in level.level]
    areas = [(r.id, r.code, values["area_names"][r.id]) for r in values["screen_area_drill"].level]
    coverage = values["outcome"].coverage
    most = max((coverage.get((s[0], r[0]), (0, 0))[1] for s in strategies for r in areas), default=0)
    if len(strategies) > len(areas):
        return CoverageTable(rows_are_strategies=True, columns=areas, rows=strategies, max_dots=most)
    return CoverageTable(rows_are_strategies=False, columns=strategies, rows=areas, max_dots=most)


def coverage_pages(values: dict[str, Any]) -> list[Page]:
    table = coverage_table(values)
    beside = len(table.columns) <= COVERAGE_SIDE_LEGEND
    size = COVERAGE_ROWS if beside else COVERAGE_ROWS_UNDER
    return split("coverage", table.rows, size, table=table, legend_beside=beside)


def strategy_bands(values: dict[str, Any]) -> list[tuple[Any, list[Standing], int]]:
    outcome: Outcome = values["outcome"]
    level: frameworks.Drill = values["screen_drill"]
    return [(s, outcome.by_strategy.get(s.id, [])[:STRATEGY_TOP], len(outcome.by_strategy.get(s.id, [])))
            for s in level.level]


def pages_of(body: str, values: dict[str, Any]) -> list[Page]:
    """The pages of a screen view ("join", "hidden" and "matrix" are a single screen: none)."""
    outcome: Outcome = values["outcome"]
    if body == "newest":
        return split_top("newest", values.get("newest_first", []), NEWEST)
    if body == "tallies":
        return split_top("tallies", outcome.standings, TALLIES)
    if body == "ranking":
        return split_top("ranking", outcome.standings, RANKING)
    if body == "wall":
        return split("wall", wall_parts(values.get("wall_columns", [])), WALL_CHUNKS)
    if body == "strategies":
        return split("strategies", strategy_bands(values), STRATEGY_BANDS)
    if body == "agencies":
        return split("agencies", values.get("agency_rows", []), AGENCIES)
    if body == "coverage":
        return coverage_pages(values)
    if body == "groups":
        pages = split("groups", values.get("group_tiles", []), GROUPS)
        for page in pages:
            page.extra["shape"] = grid_shape(len(page.items))
        return pages
    if body == "slides":
        return (split_top("tallies", outcome.standings, TALLIES)
                + split("strategies", strategy_bands(values), STRATEGY_BANDS)
                + coverage_pages(values))
    return []


def paging(body: str, values: dict[str, Any], *, held: int | None, now_ms: int) -> Paging:
    pages = pages_of(body, values)
    count = max(1, len(pages))
    held_page = None if held is None else min(max(1, held), count)
    return Paging(pages=pages, shown=held_page or clock_page(count, now_ms), held=held_page)
