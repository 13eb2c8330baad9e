"""Dot voting: each participant spends a budget of dots, up to a cap on one project; the
ranking sorts by dots, then by voters. A tap on the phone is one dot more or less."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

from sqlalchemy import bindparam, func
from sqlalchemy import select as core_select
from sqlalchemy import ColumnElement
from sqlmodel.sql.expression import SelectOfScalar
from sqlmodel import Session, select

from app.errors import Invalid
from app.i18n import N_
from app.models import Project, Round, Vote, core_table
from app.models.project import ProjectRow
from app.services.methods.base import Method, Standing, Tags, competition_ranks


@dataclass(frozen=True)
class SetDots:
    """Set (not add) my dots on a project: the JSON API's PUT; idempotent."""

    project_id: int
    dots: int

    def check(self) -> None:
        """Pydantic has checked the body already (a whole number >= 0)."""

    def decide(self, current: int) -> int:
        return self.dots


@dataclass(frozen=True)
class AddDot:
    """One dot more (+1) or less (-1): the phone's + and - buttons. The current count is read
    under the participant's lock, so two quick taps make two dots."""

    project_id: int
    delta: int

    def check(self) -> None:
        if self.delta not in (-1, 1):
            raise Invalid("Tap + or - to change your dots.")

    def decide(self, current: int) -> int:
        return max(0, current + self.delta)


VOTE = core_table(Vote)
# Built once, in Core: each breakout group's redraw (40 groups, several a second) paid three
# times more for building the statement and loading its rows than SQLite took to run it.
_TALLIES = (core_select(VOTE.c.project_id, func.sum(VOTE.c.dots), func.count())
            .where(VOTE.c.workshop_id == bindparam("workshop_id"), VOTE.c.round_id == bindparam("round_id"),
                   VOTE.c.dots > 0)
            .group_by(VOTE.c.project_id))


def tallies(session: Session, *, workshop_id: int, round_id: int) -> dict[int, tuple[int, int]]:
    """project id -> (dots, voters) in a round, votes of one dot or more (committed or flushed)."""
    rows = session.connection().execute(_TALLIES, {"workshop_id": workshop_id, "round_id": round_id}).all()
    return {pid: (int(dots), int(voters)) for pid, dots, voters in rows}


class DotVoting(Method):
    mode = "dots"
    label = N_("Dot voting")
    choice = N_("Dot voting")
    phone_hint = N_("Dot voting")
    default = True
    takes_dots = True
    tap_answer = "partials/_ballot_update.html"

    def tap(self, project_id: int, form: Mapping[str, Any]) -> AddDot:
        return AddDot(project_id, _whole(form.get("change")))

    def rank(self, session: Session, *, round_: Round, projects: Iterable[Project | ProjectRow],
             tags: Tags) -> list[Standing]:
        totals = tallies(session, workshop_id=round_.workshop_id, round_id=round_.id)
        none = (0, 0)
        # `projects` come in proposal order and the sort is stable: by dots, then voters, is enough.
        # Most dots first, then most voters: (dots, voters) descending. A reversed sort keeps
        # equal keys in their order (stable), as sorting by (-dots, -voters) would.
        counted = sorted([(totals.get(p.id, none), p) for p in projects], key=itemgetter(0), reverse=True)
        ranks = competition_ranks([total for total, _p in counted])
        strategies, areas = tags.strategies, tags.reform_areas
        # Positional (rank, project, dots, voters, strategy_ids, reform_area_ids): a third
        # cheaper than by keyword, for every project on every redraw.
        return [Standing(r, p, total[0], total[1], strategies.get(p.id, []), areas.get(p.id, []))
                for r, (total, p) in zip(ranks, counted, strict=True)]

    def figure(self, standing: Standing) -> str:
        return str(standing.dots)

    def bar(self, standing: Standing, most_dots: int) -> int:
        return (standing.dots * 1000) // most_dots if most_dots else 0

    def took_part(self, round_id: int | ColumnElement[int]) -> SelectOfScalar[int]:
        return select(Vote.participant_id).where(Vote.round_id == round_id, Vote.dots > 0)


def _whole(value: object) -> int:
    try:
        return int(str(value))
    except ValueError:
        return 0  # refused by the command's own check, once we know who is asking


METHOD = DotVoting()
