"""Tallies, the priority ranking, rankings per strategy and the coverage matrix."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from itertools import product

from sqlmodel import Session

from app.models import PlenarySource, ReformArea, Round, Strategy, Workshop
from app.models.round import Criterion
from app.models.vote import CoverageCell, RankedProject, Results
from app.services import frameworks, lineage, methods, rounds
from app.services import projects as projects_service
from app.services.methods.base import Standing
from app.services.workshops import framework
from app.versions import Memo


@dataclass
class Outcome:
    workshop: Workshop
    standings: list[Standing]
    strategies: list[Strategy]
    reform_areas: list[ReformArea]
    by_strategy: dict[int, list[Standing]] = field(default_factory=dict)
    round: Round | None = None
    criteria: list[Criterion] = field(default_factory=list)
    # Plenary projects of a large event: where each came from (app/services/lineage.py).
    lineage: dict[int, list[PlenarySource]] = field(default_factory=dict)
    # What `coverage` is drawn from (compute() counts them): projects and dots per tagged pair.
    projects_in: Counter[tuple[int, int]] = field(default_factory=Counter, repr=False)
    dots_in: dict[tuple[int, int], int] = field(default_factory=dict, repr=False)
    _coverage: dict[tuple[int, int], tuple[int, int]] | None = field(default=None, repr=False)

    @property
    def coverage(self) -> dict[tuple[int, int], tuple[int, int]]:
        """(strategy id, reform area id) -> (projects, dots) for every cell of the framework's
        matrix; drawn when first asked: a framework of hundreds of cells made it a tenth of
        every group screen's redraw, which never shows it."""
        if self._coverage is None:
            projects_in, dots_in = self.projects_in, self.dots_in
            self._coverage = {(s.id, r.id): (projects_in[(s.id, r.id)], dots_in.get((s.id, r.id), 0))
                              for s in self.strategies for r in self.reform_areas}
        return self._coverage

    @property
    def method(self) -> methods.Method:
        """The round's voting method: what the ranking sorted by and what the screens show."""
        return methods.of(self.round.mode) if self.round is not None else methods.DEFAULT

    @property
    def scoring(self) -> bool:
        """Whether the round scores projects on criteria (the exports' tables ask)."""
        return self.method.takes_criteria

    @property
    def total_dots(self) -> int:
        return sum(s.dots for s in self.standings)

    @property
    def max_dots(self) -> int:
        return max((s.dots for s in self.standings), default=0)

    @property
    def max_cell_dots(self) -> int:
        return max((dots for _projects, dots in self.coverage.values()), default=0)


def tallies(session: Session, *, workshop: Workshop, round_id: int | None = None) -> dict[int, tuple[int, int]]:
    """project id -> (dots, voters) in a round (default: the current one), votes of one dot or more."""
    if round_id is None:
        round_id = rounds.current_round(session, workshop=workshop).id
    return methods.dots.tallies(session, workshop_id=workshop.id, round_id=round_id)


def compute(session: Session, *, workshop: Workshop, round_id: int | None = None,
            kept: Memo | None = None) -> Outcome:
    """The ranking of a round (default: the current one), over its scope's visible projects.
    `kept` (a projects-only Memo) keeps the visible projects and their tags until they change:
    then a vote costs the tallies and the sort, not re-reading thousands of titles."""
    round_ = session.get(Round, round_id) if round_id is not None else None
    if round_ is None or round_.workshop_id != workshop.id:
        round_ = rounds.current_round(session, workshop=workshop)
    projects, tags = projects_service.visible_rows(session, workshop=workshop, kept=kept)
    in_scope = rounds.scope(session, round_=round_)
    if in_scope is not None:
        projects = [p for p in projects if p.id in in_scope]
    standings = methods.of(round_.mode).rank(session, round_=round_, projects=projects, tags=tags)
    for i, s in enumerate(standings):
        s.rank_shared = (i > 0 and standings[i - 1].rank == s.rank) or (
            i + 1 < len(standings) and standings[i + 1].rank == s.rank)
    strategies, reform_areas = framework(session, workshop=workshop, kept=kept)
    outcome = Outcome(workshop=workshop, standings=standings, strategies=strategies, reform_areas=reform_areas,
                      round=round_, criteria=rounds.criteria(round_))
    outcome.by_strategy = {s.id: [] for s in strategies}
    # API.md, "Frameworks": a project counts under its tags and every ancestor of them, once each.
    nested = any(s.parent_id is not None for s in strategies) or any(r.parent_id is not None for r in reform_areas)
    strategy_up, area_up = frameworks.lineages(strategies), frameworks.lineages(reform_areas)
    # Every project's pairs gathered, then counted in C at once (Counter of one list): a project
    # has up to 25 x 25 pairs, a big workshop thousands of projects, redrawn on every vote.
    every_pair: list[tuple[int, int]] = []
    dots_in: defaultdict[tuple[int, int], int] = defaultdict(int)
    by_strategy = outcome.by_strategy
    for standing in standings:
        sids, rids = standing.strategy_ids, standing.reform_area_ids
        if nested:
            sids, rids = frameworks.rolled_up(sids, strategy_up), frameworks.rolled_up(rids, area_up)
        for sid in sids:
            by_strategy[sid].append(standing)
        if sids and rids:
            pairs = list(product(sids, rids))
            every_pair += pairs
            if standing.dots:
                for pair in pairs:
                    dots_in[pair] += standing.dots
    outcome.projects_in, outcome.dots_in = Counter(every_pair), dict(dots_in)
    outcome.lineage = lineage.event_lineage(session, event=workshop)
    return outcome


def to_public(outcome: Outcome) -> Results:
    return Results(
        phase=outcome.workshop.phase,
        ranking=[RankedProject(rank=s.rank, project_id=s.project.id, title=s.project.title, dots=s.dots,
                               voters=s.voters, strategy_ids=s.strategy_ids, reform_area_ids=s.reform_area_ids,
                               score=None if s.score is None else round(s.score, 4),
                               scores={c.key: round(s.scores[c.key], 4) if c.key in s.scores else None
                                       for c in outcome.criteria},
                               scorers=s.scorers,
                               from_=lineage.to_public_sources(outcome.lineage.get(s.project.id, [])))
                 for s in outcome.standings],
        by_strategy={str(sid): [s.project.id for s in standings] for sid, standings in outcome.by_strategy.items()},
        coverage=[CoverageCell(strategy_id=sid, reform_area_id=rid, projects=n, dots=d)
                  for (sid, rid), (n, d) in outcome.coverage.items()],
        round=outcome.round.number if outcome.round else 1,
        mode=outcome.method.mode,
    )


def public(session: Session, *, workshop: Workshop, round_id: int, memo: Memo | None = None) -> Results:
    """A round's results as the API shows them; with a memo, computed once per version of the
    workshop (app/versions.py): ranking a big workshop takes most of a second, and anyone with
    the code may ask for it, again and again, once the phase is 'results'."""
    def compute_public() -> Results:
        return to_public(compute(session, workshop=workshop, round_id=round_id))

    return compute_public() if memo is None else memo.get(workshop.code, ("results", round_id), compute_public)
