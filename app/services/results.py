"""Tallies, the priority ranking, rankings per strategy and the coverage matrix."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from itertools import product

from sqlalchemy import func
from sqlmodel import Session, select

from app.models import Project, ReformArea, Round, Strategy, Vote, Workshop
from app.models.round import Criterion
from app.models.vote import CoverageCell, RankedProject, Results
from app.services import projects as projects_service
from app.services import rounds, scoring
from app.services.workshops import list_reform_areas, list_strategies
from app.versions import Memo


@dataclass
class Standing:
    """One project's place in the ranking, with what a page needs to show it."""

    rank: int
    project: Project
    dots: int
    voters: int
    strategy_ids: list[int]
    reform_area_ids: list[int]
    rank_shared: bool = False
    # Scoring rounds: weighted mean (None: nobody scored it), each criterion's mean, scorers.
    score: float | None = None
    scores: dict[str, float] = field(default_factory=dict)
    scorers: int = 0


@dataclass
class Outcome:
    workshop: Workshop
    standings: list[Standing]
    strategies: list[Strategy]
    reform_areas: list[ReformArea]
    by_strategy: dict[int, list[Standing]] = field(default_factory=dict)
    coverage: dict[tuple[int, int], tuple[int, int]] = field(default_factory=dict)
    round: Round | None = None
    criteria: list[Criterion] = field(default_factory=list)

    @property
    def scoring(self) -> bool:
        return self.round is not None and self.round.mode == "scoring"

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
    rows = session.exec(
        select(Vote.project_id, func.sum(Vote.dots), func.count())
        .where(Vote.workshop_id == workshop.id, Vote.round_id == round_id, Vote.dots > 0)
        .group_by(Vote.project_id)
    ).all()
    return {pid: (int(dots), int(voters)) for pid, dots, voters in rows}


def rank(items: list[tuple[int, int, object, int]]) -> list[int]:
    """Competition ranks (1, 2, 2, 4) of items sorted by (dots, voters) desc, then created_at, id.

    `items` are (dots, voters, created_at, id) in any order; returns ranks in sorted order.
    """
    return competition_ranks([(dots, voters) for dots, voters, _created, _id in items])


def competition_ranks(keys: list[tuple[object, ...]]) -> list[int]:
    """Competition ranks (1, 2, 2, 4) of already sorted keys: equal keys share a rank."""
    ranks: list[int] = []
    previous: tuple[object, ...] | None = None
    for position, key in enumerate(keys, start=1):
        ranks.append(ranks[-1] if key == previous else position)
        previous = key
    return ranks


def score_key(score: float | None) -> float:
    """Scores compared as shown (rounded), so float noise never splits a tie; unscored last."""
    return -1.0 if score is None else round(score, 4)


def compute(session: Session, *, workshop: Workshop, round_id: int | None = None) -> Outcome:
    """The ranking of a round (default: the current one), over its scope's visible projects."""
    round_ = session.get(Round, round_id) if round_id is not None else None
    if round_ is None or round_.workshop_id != workshop.id:
        round_ = rounds.current_round(session, workshop=workshop)
    projects = projects_service.list_projects(session, workshop=workshop)
    in_scope = rounds.scope(session, round_=round_)
    if in_scope is not None:
        projects = [p for p in projects if p.id in in_scope]
    tags = projects_service.Tags(session, (p.id for p in projects))
    if round_.mode == "scoring":
        table = scoring.project_scores(session, round_=round_)
        empty = scoring.ProjectScore()
        ordered = sorted(projects, key=lambda p: (-score_key(table.get(p.id, empty).score),
                                                  -table.get(p.id, empty).scorers, p.created_at, p.id))
        keys: list[tuple[object, ...]] = [(score_key(table.get(p.id, empty).score), table.get(p.id, empty).scorers)
                                          for p in ordered]
        standings = [
            Standing(rank=r, project=p, dots=0, voters=table.get(p.id, empty).scorers,
                     strategy_ids=tags.strategies.get(p.id, []), reform_area_ids=tags.reform_areas.get(p.id, []),
                     score=table.get(p.id, empty).score, scores=dict(table.get(p.id, empty).means),
                     scorers=table.get(p.id, empty).scorers)
            for r, p in zip(competition_ranks(keys), ordered)
        ]
    else:
        totals = tallies(session, workshop=workshop, round_id=round_.id)
        ordered = sorted(projects, key=lambda p: (-totals.get(p.id, (0, 0))[0], -totals.get(p.id, (0, 0))[1],
                                                  p.created_at, p.id))
        items = [(*totals.get(p.id, (0, 0)), p.created_at, p.id) for p in ordered]
        ranks = rank(items)  # type: ignore[arg-type]
        standings = [
            Standing(rank=r, project=p, dots=totals.get(p.id, (0, 0))[0], voters=totals.get(p.id, (0, 0))[1],
                     strategy_ids=tags.strategies.get(p.id, []), reform_area_ids=tags.reform_areas.get(p.id, []))
            for r, p in zip(ranks, ordered)
        ]
    for i, s in enumerate(standings):
        s.rank_shared = (i > 0 and standings[i - 1].rank == s.rank) or (
            i + 1 < len(standings) and standings[i + 1].rank == s.rank)
    strategies = list_strategies(session, workshop=workshop)
    reform_areas = list_reform_areas(session, workshop=workshop)
    outcome = Outcome(workshop=workshop, standings=standings, strategies=strategies, reform_areas=reform_areas,
                      round=round_, criteria=rounds.criteria(round_))
    outcome.by_strategy = {s.id: [] for s in strategies}
    # Counted pair by pair in C (Counter.update): a project has up to 25 x 25 pairs.
    projects_in: Counter[tuple[int, int]] = Counter()
    dots_in: Counter[tuple[int, int]] = Counter()
    for standing in standings:
        for sid in standing.strategy_ids:
            outcome.by_strategy[sid].append(standing)
        pairs = product(standing.strategy_ids, standing.reform_area_ids)
        if standing.dots:
            pairs = list(pairs)  # type: ignore[assignment]
            dots_in.update(dict.fromkeys(pairs, standing.dots))
        projects_in.update(pairs)
    outcome.coverage = {(s.id, r.id): (projects_in[(s.id, r.id)], dots_in[(s.id, r.id)])
                        for s in strategies for r in reform_areas}
    return outcome


def to_public(outcome: Outcome) -> Results:
    return Results(
        phase=outcome.workshop.phase,
        ranking=[RankedProject(rank=s.rank, project_id=s.project.id, title=s.project.title, dots=s.dots,
                               voters=s.voters, strategy_ids=s.strategy_ids, reform_area_ids=s.reform_area_ids,
                               score=None if s.score is None else round(s.score, 4),
                               scores={c.key: round(s.scores[c.key], 4) if c.key in s.scores else None
                                       for c in outcome.criteria},
                               scorers=s.scorers)
                 for s in outcome.standings],
        by_strategy={str(sid): [s.project.id for s in standings] for sid, standings in outcome.by_strategy.items()},
        coverage=[CoverageCell(strategy_id=sid, reform_area_id=rid, projects=n, dots=d)
                  for (sid, rid), (n, d) in outcome.coverage.items()],
        round=outcome.round.number if outcome.round else 1,
        mode=outcome.round.mode if outcome.round else "dots",
    )


def public(session: Session, *, workshop: Workshop, round_id: int, memo: Memo | None = None) -> Results:
    """A round's results as the API shows them; with a memo, computed once per version of the
    workshop (app/versions.py): ranking a big workshop takes most of a second, and anyone with
    the code may ask for it, again and again, once the phase is 'results'."""
    def compute_public() -> Results:
        return to_public(compute(session, workshop=workshop, round_id=round_id))

    return compute_public() if memo is None else memo.get(workshop.code, ("results", round_id), compute_public)
