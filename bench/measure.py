"""What the load generator records, and the numbers drawn from it.

Attribution: every vote raises one participant's dots on one project by one (a + tap, or a `set`
to the previous value + 1), so a project's total only grows and equals the number of votes
committed on it. When the k-th vote on project p is acknowledged, at least k votes on p are
committed, so the vote's effect is visible in the first message (after the vote was sent) whose
tally for p is k or more. Latency = arrival of that message - the moment the vote was sent.
Phones carry every project's tally. The big screen shows the top entries only (its list is
sized to be read from the back of the hall), so screens are measured on the total of dots cast
it shows: the k-th acknowledged vote overall is on screen in the first message whose total is k
or more.
"""

from __future__ import annotations

import re
from array import array
from dataclasses import dataclass, field

PHONE_TALLY = re.compile(rb'id="tally-(\d+)"[^>]*>\D*?(\d+)')
SCREEN_TALLY = re.compile(rb'id="row-(\d+)".*?class="tally-num">(\d+)<', re.S)
PHONE_SYNC = re.compile(rb'id="phone-sync"[^>]*data-version="([^"]*)"')
SCREEN_TOTAL = re.compile(rb'id="screen-dots"[^>]*>(\d+)<')
# The event's grid of breakout groups: each tile's group code (EVENT-n) and its dots cast.
GRID_DOTS = re.compile(rb'data-group="[^"]*?-(\d+)" data-dots="(\d+)"')


def grid_totals(payload: bytes, groups: int) -> tuple[int, ...]:
    """The dots cast in each group (by group index, number - 1) on a grid message; -1 where not shown."""
    found = {int(n) - 1: int(dots) for n, dots in GRID_DOTS.findall(payload)}
    return tuple(found.get(g, -1) for g in range(groups))


def screen_total(payload: bytes) -> tuple[int, ...]:
    """The total of dots cast on a screen message, as a one-entry tally (-1 when not shown)."""
    found = SCREEN_TOTAL.search(payload)
    return (int(found.group(1)) if found else -1,)


def screen_rows(payload: bytes) -> dict[int, int]:
    """The tallies the screen shows (its top entries), by project id."""
    return {int(pid): int(dots) for pid, dots in SCREEN_TALLY.findall(payload)}


def parse(pattern: re.Pattern[bytes], payload: bytes, project_ids: list[int]) -> tuple[int, ...]:
    """Tallies by project position; -1 where a project is not shown."""
    found = {int(pid): int(dots) for pid, dots in pattern.findall(payload)}
    return tuple(found.get(pid, -1) for pid in project_ids)


@dataclass
class Vote:
    project: int  # position in the project list
    send: float
    ack: float = 0.0
    nth: int = 0  # this vote's rank among acknowledged votes on its project (1-based)
    seq: int = 0  # its rank among all acknowledged votes (1-based): the screens' total
    group: int = -1  # with breakout groups: the group (index) of its project
    group_seq: int = 0  # its rank among its group's acknowledged votes: that group's total
    worker: int = 0
    status: int = 0
    source: str = "simulated"  # or "browser": a real Chromium phone


@dataclass
class Watcher:
    """What one connection saw: its last tallies and, if recorded, when each total first appeared."""

    projects: int
    record: bool = True
    last: tuple[int, ...] = ()
    messages: int = 0
    first_seen: list[array] = field(default_factory=list)
    arrivals: list[tuple[tuple[int, ...], float]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.first_seen = [array("d") for _ in range(self.projects)]

    def saw(self, tallies: tuple[int, ...], now: float) -> None:
        self.messages += 1
        self.last = tallies
        if self.record:
            self.arrivals.append((tallies, now))

    def build(self) -> None:
        """first_seen[p][k-1] = when a total of k or more on project p first arrived here."""
        for tallies, now in self.arrivals:
            for position, total in enumerate(tallies):
                seen = self.first_seen[position]
                if total > len(seen):
                    seen.extend([now] * (total - len(seen)))
        self.arrivals = []

    total: bool = False  # a screen: one entry, the total of dots cast
    # With breakout groups: a group's screen or phone watches that group only (its total is the
    # group's); the event's grid (by_group) has one entry per group, that group's total.
    group: int | None = None
    by_group: bool = False

    def _where(self, vote: Vote) -> tuple[int, int]:
        if self.by_group:
            return (vote.group, vote.group_seq)
        if self.total:
            return (0, vote.group_seq if self.group is not None else vote.seq)
        return (vote.project, vote.nth)

    def watches(self, vote: Vote) -> bool:
        return self.group is None or vote.group == self.group

    def latency(self, vote: Vote) -> float | None:
        if not self.watches(vote):
            return None
        position, nth = self._where(vote)
        seen = self.first_seen[position]
        if nth <= 0 or len(seen) < nth:
            return None
        return max(0.0, seen[nth - 1] - vote.send)

    def reached(self, vote: Vote) -> bool:
        if not self.watches(vote):
            return True  # another group's vote: not this one's to show
        position, nth = self._where(vote)
        return bool(self.last) and nth > 0 and self.last[position] >= nth


def percentile(values: list[float], pct: float) -> float | None:
    """Nearest-rank percentile; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, min(len(ordered), int(-(-pct * len(ordered) // 100))))
    return ordered[rank - 1]


def ms(value: float | None) -> float | None:
    return None if value is None else round(value * 1000, 1)


def summarise(votes: list[Vote], screens: list[Watcher], phones: list[Watcher],
              project_groups: list[int] | None = None) -> dict[str, object]:
    """Latencies, delivery and attribution counts over the acknowledged votes of simulated phones
    (real browsers' taps are counted in the attribution, and reported apart: see `browsers`).
    With breakout groups (`project_groups`: each project position's group), a phone is measured
    on its own group's votes only."""
    acked = [v for v in votes if v.status == 200 and v.source == "simulated"]
    for watcher in [*screens, *phones]:
        if watcher.record:
            watcher.build()
    ack = [v.ack - v.send for v in acked]
    screen_lat: list[float] = []
    screen_reached = 0
    per_screen: list[float | None] = []
    for screen in screens:
        lat = [x for v in acked if (x := screen.latency(v)) is not None]
        per_screen.append(ms(percentile(lat, 95)))
        screen_lat += lat
    for v in acked:
        screen_reached += all(s.reached(v) for s in screens)
    sampled = [p for p in phones if p.record]
    phone_lat = [x for p in sampled for v in acked if (x := p.latency(v)) is not None]
    slowest: list[float] = []
    for v in acked:
        worst = [p.latency(v) for p in sampled if p.watches(v)]
        if worst and all(x is not None for x in worst):
            slowest.append(max(worst))  # type: ignore[type-var]
    # Delivery to all phones: a vote reached every phone if every phone's last tallies include it.
    lowest = [min(((p.last[i] if p.last else -1) for p in phones
                   if project_groups is None or p.group == project_groups[i]), default=-1)
              for i in range(phones[0].projects if phones else 0)]
    phone_reached = sum(1 for v in acked if lowest and lowest[v.project] >= v.nth)
    n = len(acked) or 1
    return {
        "p50_ack_ms": ms(percentile(ack, 50)), "p95_ack_ms": ms(percentile(ack, 95)),
        "max_ack_ms": ms(max(ack) if ack else None),
        "p50_screen_ms": ms(percentile(screen_lat, 50)), "p95_screen_ms": ms(percentile(screen_lat, 95)),
        "p95_screen_ms_by_screen": per_screen,
        "p50_phone_ms": ms(percentile(phone_lat, 50)), "p95_phone_ms": ms(percentile(phone_lat, 95)),
        "p95_phone_slowest_sampled_ms": ms(percentile(slowest, 95)),
        "phones_sampled_for_latency": len(sampled),
        "screen_delivery": round(screen_reached / n, 4),
        "phone_delivery": round(phone_reached / n, 4),
    }
