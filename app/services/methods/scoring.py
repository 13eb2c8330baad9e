"""Scoring 1-5 on criteria: each participant scores projects on the round's criteria; a
project's priority score is the weighted mean, across criteria, of each criterion's mean over
the participants who scored it (a missing score is left out, never counted as zero). The
ranking sorts by that score, then by scorers. A tap on the phone is one score on one criterion.
The rules for setting scores are in app/services/scoring.py."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func
from sqlalchemy import ColumnElement
from sqlmodel.sql.expression import SelectOfScalar
from sqlmodel import Session, col, select

from app.i18n import N_
from app.models import Project, Round, Score
from app.models.project import ProjectRow
from app.models.round import Criterion
from app.services import rounds
from app.services.methods.base import Method, Standing, Tags, competition_ranks


@dataclass(frozen=True)
class SetScores:
    """Score a project 1-5 on some criteria of a scoring round (None takes a score back)."""

    project_id: int
    scores: dict[str, int | None]

    def check(self) -> None:
        """The criteria and values are checked against the round (scoring.apply_scores)."""


@dataclass
class ProjectScore:
    """One project's scores in one round."""

    means: dict[str, float] = field(default_factory=dict)  # criterion key -> mean of its scores
    counts: dict[str, int] = field(default_factory=dict)  # criterion key -> how many scored it
    scorers: int = 0  # participants with at least one score on the project
    score: float | None = None  # the weighted mean; None when nobody scored it


def weighted_mean(means: dict[str, float], criteria: list[Criterion]) -> float | None:
    """The weighted mean of the criteria that have a mean (the weights of the others drop out)."""
    pairs = [(c.weight, means[c.key]) for c in criteria if c.key in means]
    if not pairs:
        return None
    return sum(weight * mean for weight, mean in pairs) / sum(weight for weight, _mean in pairs)


def project_scores(session: Session, *, round_: Round) -> dict[int, ProjectScore]:
    """project id -> its scores in this round, for every project scored at least once."""
    criteria = rounds.criteria(round_)
    known = {c.key for c in criteria}
    table: dict[int, ProjectScore] = defaultdict(ProjectScore)
    for project_id, criterion, total, count in session.exec(
        select(Score.project_id, Score.criterion, func.sum(Score.value), func.count())
        .where(Score.round_id == round_.id).group_by(col(Score.project_id), col(Score.criterion))
    ):
        if criterion in known:
            table[project_id].means[criterion] = int(total) / int(count)
            table[project_id].counts[criterion] = int(count)
    for project_id, scorers in session.exec(
        select(Score.project_id, func.count(func.distinct(Score.participant_id)))
        .where(Score.round_id == round_.id, col(Score.criterion).in_(known or {""}))
        .group_by(col(Score.project_id))
    ):
        table[project_id].scorers = int(scorers)
    for entry in table.values():
        entry.score = weighted_mean(entry.means, criteria)
    return dict(table)


def score_key(score: float | None) -> float:
    """Scores compared as shown (rounded), so float noise never splits a tie; unscored last."""
    return -1.0 if score is None else round(score, 4)


class Scoring(Method):
    mode = "scoring"
    label = N_("Scoring")
    choice = N_("Scoring 1-5 on criteria")
    phone_hint = N_("Score each project 1-5")
    takes_criteria = True
    tap_answer = "partials/_score_update.html"

    def tap(self, project_id: int, form: Mapping[str, Any]) -> SetScores:
        """A tap on 1-5 for one criterion; 0 takes the score back."""
        value = _whole(form.get("value"))
        if value is None or not 0 <= value <= 5:
            value = -1  # refused with a clear message by the scoring rules, once we know who is asking
        criterion = str(form.get("criterion", ""))[:40]
        return SetScores(project_id, {criterion: value or None})

    def rank(self, session: Session, *, round_: Round, projects: Iterable[Project | ProjectRow],
             tags: Tags) -> list[Standing]:
        table = project_scores(session, round_=round_)
        empty = ProjectScore()
        ordered = sorted(projects, key=lambda p: (-score_key(table.get(p.id, empty).score),
                                                  -table.get(p.id, empty).scorers, p.created_at, p.id))
        keys: list[tuple[object, ...]] = [(score_key(table.get(p.id, empty).score), table.get(p.id, empty).scorers)
                                          for p in ordered]
        return [
            Standing(rank=r, project=p, dots=0, voters=table.get(p.id, empty).scorers,
                     strategy_ids=tags.strategies.get(p.id, []), reform_area_ids=tags.reform_areas.get(p.id, []),
                     score=table.get(p.id, empty).score, scores=dict(table.get(p.id, empty).means),
                     scorers=table.get(p.id, empty).scorers)
            for r, p in zip(competition_ranks(keys), ordered, strict=True)
        ]

    def figure(self, standing: Standing) -> str:
        return "\N{EN DASH}" if standing.score is None else f"{standing.score:.1f}"

    def bar(self, standing: Standing, most_dots: int) -> int:
        return int((standing.score or 0) * 200)  # a score of 5 fills the bar

    def took_part(self, round_id: int | ColumnElement[int]) -> SelectOfScalar[int]:
        return select(Score.participant_id).where(Score.round_id == round_id)


def _whole(value: object) -> int | None:
    text = str(value or "").strip()
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        return None


METHOD = Scoring()
