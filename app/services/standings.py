"""One results model across rounds, the one every file a planning office takes home is made of
(CSV, XLSX, the printable report and its PDF): each visible project once, with its measure in
every round (dots, voters and rank in a dot round; score, scorers, each criterion's mean and rank
in a scoring round). A project outside a round's short list has no measure there (blank, never
0). The hidden, merged-away and waiting projects follow, with their status and no measure.

Read in a handful of grouped queries whatever the size (one per round for its ranking, through
the round's own method, so the ranks are those the screens show), never one per project.

`app/services/results.py` stays the one round's live ranking the screens and the API show.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from itertools import product

from sqlalchemy import func
from sqlmodel import Session, col, select

from app.models import Participant, PlenarySource, Project, ReformArea, Round, Score, Strategy, Vote, Workshop
from app.models.round import Criterion
from app.services import frameworks, groups, lineage, methods, rounds
from app.services import projects as projects_service
from app.services.methods.base import competition_ranks
from app.services.workshops import list_reform_areas, list_strategies

ACTIVE, MERGED, HIDDEN, WAITING = "active", "merged", "hidden", "waiting"


@dataclass
class Measure:
    """One project's measure in one round."""

    rank: int
    dots: int = 0
    voters: int = 0
    score: float | None = None  # None: in the round's list, nobody scored it
    scorers: int = 0
    means: dict[str, float] = field(default_factory=dict)  # criterion key -> mean


@dataclass
class RoundColumn:
    """One round of the model, with its headline counts."""

    round: Round
    criteria: list[Criterion]
    scoped: bool  # limited to a short list
    budget: int
    cap: int
    projects: int = 0  # active projects in the round
    dots: int = 0  # dots cast (dot rounds)
    people: int = 0  # participants who voted (dot rounds) or scored (scoring rounds)

    @property
    def number(self) -> int:
        return self.round.number

    @property
    def method(self) -> methods.Method:
        return methods.of(self.round.mode)

    @property
    def scoring(self) -> bool:
        return self.method.takes_criteria


@dataclass
class Entry:
    """One project: its place overall, its status and its measure in each round it was in."""

    project: Project
    strategy_ids: list[int]
    reform_area_ids: list[int]
    status: str = ACTIVE
    rank: int | None = None  # overall place; None for a hidden, merged or waiting project
    measures: dict[int, Measure] = field(default_factory=dict)  # round number -> measure

    def at(self, number: int) -> Measure | None:
        return self.measures.get(number)


@dataclass
class Standings:
    workshop: Workshop
    rounds: list[RoundColumn]
    entries: list[Entry]  # the active projects, in overall order
    removed: list[Entry]  # then the hidden, merged-away and waiting ones, in proposal order
    strategies: list[Strategy]
    reform_areas: list[ReformArea]
    people: dict[int, Participant]
    limited: bool = False  # limited to one round (its short list)
    by_strategy: dict[int, list[Entry]] = field(default_factory=dict)
    # (strategy id, reform area id) -> active projects; and per dot round, their dots.
    coverage: dict[tuple[int, int], int] = field(default_factory=dict)
    coverage_dots: dict[int, dict[tuple[int, int], int]] = field(default_factory=dict)
    # Large events: where each plenary project came from, and the event's groups (id -> group).
    lineage: dict[int, list[PlenarySource]] = field(default_factory=dict)
    groups: dict[int, Workshop] = field(default_factory=dict)

    @property
    def everyone(self) -> list[Entry]:
        return [*self.entries, *self.removed]

    @property
    def dot_rounds(self) -> list[RoundColumn]:
        return [r for r in self.rounds if not r.scoring]

    @property
    def many_rounds(self) -> bool:
        return len(self.rounds) > 1

    def column(self, number: int) -> RoundColumn:
        return next(r for r in self.rounds if r.number == number)

    def ranked_in(self, number: int) -> list[Entry]:
        """The projects of one round in its own ranking order."""
        inside = [e for e in self.entries if number in e.measures]
        return sorted(inside, key=lambda e: e.measures[number].rank)


def read(session: Session, *, workshop: Workshop, round_number: int | None = None) -> Standings:
    """The whole workshop (default), or one round (its number; NotFound if it has none): that
    round's projects only, ranked as in that round."""
    all_rounds = rounds.list_rounds(session, workshop=workshop) or [rounds.current_round(session, workshop=workshop)]
    if round_number is not None:
        all_rounds = [rounds.get_round(session, workshop=workshop, number=round_number)]
    everything = projects_service.list_projects(session, workshop=workshop, include_removed=True)
    tags = projects_service.Tags(session, (p.id for p in everything))
    active = [p for p in everything if not (p.hidden or p.merged_into_id is not None or not p.approved)]
    columns: list[RoundColumn] = []
    measures: dict[int, dict[int, Measure]] = {p.id: {} for p in everything}
    scopes: dict[int, set[int] | None] = {}
    for round_ in all_rounds:
        scope = rounds.scope(session, round_=round_)
        scopes[round_.number] = scope
        inside = active if scope is None else [p for p in active if p.id in scope]
        column = RoundColumn(round=round_, criteria=rounds.criteria(round_), scoped=scope is not None,
                             budget=rounds.budget(round_, workshop), cap=rounds.cap(round_, workshop),
                             projects=len(inside))
        for standing in methods.of(round_.mode).rank(session, round_=round_, projects=inside, tags=tags):
            column.dots += standing.dots
            measures[standing.project.id][round_.number] = Measure(
                rank=standing.rank, dots=standing.dots, voters=standing.voters if not column.scoring else 0,
                score=standing.score, scorers=standing.scorers, means=dict(standing.scores))
        columns.append(column)
    _count_people(session, workshop, columns)
    active_ids = {p.id for p in active}
    removed_projects = [p for p in everything if p.id not in active_ids]
    if round_number is not None and (kept := scopes[round_number]) is not None:
        active = [p for p in active if p.id in kept]
        removed_projects = [p for p in removed_projects if p.id in kept]
    entries = [Entry(p, tags.strategies.get(p.id, []), tags.reform_areas.get(p.id, []), measures=measures[p.id])
               for p in active]
    _rank_overall(entries, [c.number for c in columns])
    removed = [Entry(p, tags.strategies.get(p.id, []), tags.reform_areas.get(p.id, []), status=_status(p))
               for p in removed_projects]
    standings = Standings(workshop=workshop, rounds=columns, entries=entries, removed=removed,
                          strategies=list_strategies(session, workshop=workshop),
                          reform_areas=list_reform_areas(session, workshop=workshop),
                          people=projects_service.participants_by_id(session, workshop=workshop),
                          limited=round_number is not None,
                          lineage=lineage.event_lineage(session, event=workshop),
                          groups={g.id: g for g in groups.list_groups(session, event=workshop)}
                          if workshop.parent_id is None else {})
    _group(standings)
    return standings


def _status(project: Project) -> str:
    if project.merged_into_id is not None:
        return MERGED
    return HIDDEN if project.hidden else WAITING


def _rank_overall(entries: list[Entry], numbers: list[int]) -> None:
    """The overall order: by the latest round that measured a project (a short list's ranking
    first), then by the earlier ones; proposal order breaks what is left. Equal keys share a rank."""
    def key(entry: Entry) -> tuple[tuple[int, int], ...]:
        return tuple((0, entry.measures[n].rank) if n in entry.measures else (1, 0) for n in reversed(numbers))

    entries.sort(key=key)  # stable: proposal order within equal keys
    for entry, rank in zip(entries, competition_ranks([key(e) for e in entries]), strict=True):
        entry.rank = rank


def _count_people(session: Session, workshop: Workshop, columns: list[RoundColumn]) -> None:
    """Who voted in each dot round and who scored in each scoring round: two grouped queries."""
    by_id = {c.round.id: c for c in columns}
    voters = session.exec(
        select(Vote.round_id, func.count(func.distinct(Vote.participant_id)))
        .where(Vote.workshop_id == workshop.id, Vote.dots > 0, col(Vote.round_id).in_(by_id))
        .group_by(col(Vote.round_id)))
    scorers = session.exec(
        select(Score.round_id, func.count(func.distinct(Score.participant_id)))
        .where(Score.workshop_id == workshop.id, col(Score.round_id).in_(by_id))
        .group_by(col(Score.round_id)))
    for round_id, people in [*voters, *scorers]:
        by_id[round_id].people = int(people)


def _group(standings: Standings) -> None:
    """Projects per strategy (overall order) and the coverage counts, pair by pair in C."""
    standings.by_strategy = {s.id: [] for s in standings.strategies}
    projects_in: Counter[tuple[int, int]] = Counter()
    dots_in: dict[int, Counter[tuple[int, int]]] = {c.number: Counter() for c in standings.dot_rounds}
    # A project counts under its tags and every ancestor of them, once each (as in /results).
    strategy_up, area_up = frameworks.lineages(standings.strategies), frameworks.lineages(standings.reform_areas)
    for entry in standings.entries:
        sids = frameworks.rolled_up(entry.strategy_ids, strategy_up)
        for sid in sids:
            standings.by_strategy[sid].append(entry)
        pairs = list(product(sids, frameworks.rolled_up(entry.reform_area_ids, area_up)))
        projects_in.update(pairs)
        for number, counter in dots_in.items():
            measure = entry.measures.get(number)
            if measure is not None and measure.dots:
                counter.update(dict.fromkeys(pairs, measure.dots))
    cells = [(s.id, r.id) for s in standings.strategies for r in standings.reform_areas]
    standings.coverage = {cell: projects_in[cell] for cell in cells}
    standings.coverage_dots = {number: {cell: counter[cell] for cell in cells} for number, counter in dots_in.items()}
