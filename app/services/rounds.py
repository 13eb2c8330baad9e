"""Voting rounds: which round is current, its limits, its criteria and its scope."""

from __future__ import annotations

import json
from typing import Protocol

from sqlalchemy import Integer, bindparam, func
from sqlalchemy import select as core_select
from sqlmodel import Session, col, select

from app.errors import NotFound
from app.models import Project, Round, RoundProject, Workshop, core_table
from app.models.round import Criterion, RoundPublic, RoundScope
from app.models.vote import Results
from app.services.access import Actor
from app.services.rules import Action, check

# Default criteria of a scoring round, named in the workshop's language.
DEFAULT_CRITERIA = {
    "th": [("impact", "ผลกระทบ"), ("feasibility", "ความเป็นไปได้")],
    "en": [("impact", "Impact"), ("feasibility", "Feasibility")],
}


def ensure_first_round(session: Session, *, workshop: Workshop) -> Round:
    """Round 1 (dot voting on all projects), made current; every workshop has one."""
    first = Round(workshop_id=workshop.id, number=1, mode="dots")
    session.add(first)
    session.flush()
    workshop.current_round_id = first.id
    session.add(workshop)
    return first


def current_round(session: Session, *, workshop: Workshop) -> Round:
    round_ = session.get(Round, workshop.current_round_id) if workshop.current_round_id else None
    if round_ is None or round_.workshop_id != workshop.id:
        round_ = session.exec(select(Round).where(Round.workshop_id == workshop.id)
                              .order_by(col(Round.number).desc())).first()
    if round_ is None:
        round_ = ensure_first_round(session, workshop=workshop)
        session.commit()
    return round_


ROUND = core_table(Round)
# Built once: every live view shows how many rounds there are (each group's redraw, 40 at once).
_COUNT = core_select(func.count()).select_from(ROUND).where(
    ROUND.c.workshop_id == bindparam("workshop_id", type_=Integer))


def count(session: Session, *, workshop: Workshop) -> int:
    """How many rounds the workshop has had (the current one included)."""
    return int(session.connection().execute(_COUNT, {"workshop_id": workshop.id}).scalar_one())


def list_rounds(session: Session, *, workshop: Workshop) -> list[Round]:
    return list(session.exec(select(Round).where(Round.workshop_id == workshop.id).order_by(col(Round.number))))


def get_round(session: Session, *, workshop: Workshop, number: int | None = None) -> Round:
    """The round with this number (default: the current one); NotFound otherwise."""
    if number is None:
        return current_round(session, workshop=workshop)
    round_ = None
    if 0 < number < 2**31:
        round_ = session.exec(select(Round).where(Round.workshop_id == workshop.id, Round.number == number)).first()
    if round_ is None:
        raise NotFound("This workshop has no voting round {number}.", number=number)
    return round_


class RoundLimits(Protocol):
    """A round's own limits (None: the workshop's), on a round or on one being imported."""

    @property
    def dots_per_participant(self) -> int | None: ...
    @property
    def max_dots_per_project(self) -> int | None: ...


class WorkshopLimits(Protocol):
    @property
    def dots_per_participant(self) -> int: ...
    @property
    def max_dots_per_project(self) -> int: ...


# The one home of "the round's limit, else the workshop's": voting, the views, the exports and
# the import all ask these two.
def budget(round_: RoundLimits, workshop: WorkshopLimits) -> int:
    """Dots each participant may spend in the round."""
    return round_.dots_per_participant or workshop.dots_per_participant


def cap(round_: RoundLimits, workshop: WorkshopLimits) -> int:
    """Dots one participant may put on one project in the round."""
    return round_.max_dots_per_project or workshop.max_dots_per_project


def criteria(round_: Round) -> list[Criterion]:
    """A round's criteria: those it was made with, if its method takes criteria (a round of any
    other method is made with none: app/services/round_setup.py, the API's and the import's
    models)."""
    return [Criterion.model_validate(c) for c in json.loads(round_.criteria or "[]")]


def default_criteria(language: str) -> list[Criterion]:
    return [Criterion(key=key, name=name) for key, name in DEFAULT_CRITERIA.get(language, DEFAULT_CRITERIA["th"])]


def scope(session: Session, *, round_: Round) -> set[int] | None:
    """The project ids a scoped round is limited to, or None for all visible projects."""
    if round_.scope_top_n is None:
        return None
    return set(session.exec(select(RoundProject.project_id).where(RoundProject.round_id == round_.id)))


def switch_round(session: Session, *, workshop: Workshop, actor: Actor, number: int) -> Round:
    """Make an existing round current again (its votes and scores are kept as they were)."""
    check(Action.switch_round, actor, workshop)
    round_ = get_round(session, workshop=workshop, number=number)
    workshop.current_round_id = round_.id
    session.add(workshop)
    session.commit()
    return round_


def carry_scope(session: Session, *, source_id: int, target_id: int) -> None:
    """A merge: the surviving project joins every short list the duplicate was on, so the
    votes and scores that move to it still count there."""
    round_ids = set(session.exec(select(RoundProject.round_id).where(RoundProject.project_id == source_id)))
    have = set(session.exec(select(RoundProject.round_id).where(RoundProject.project_id == target_id)))
    session.add_all(RoundProject(round_id=rid, project_id=target_id) for rid in sorted(round_ids - have))


def label(round_: Round) -> str:
    return round_.title or f"#{round_.number}"


def to_public(session: Session, *, workshop: Workshop, round_: Round, results: Results | None = None) -> RoundPublic:
    source = session.get(Round, round_.scope_round_id) if round_.scope_round_id else None
    scoped = scope(session, round_=round_)
    project_ids: list[int] = []
    if scoped:
        # In proposal order, as every list of projects is.
        project_ids = list(session.exec(select(Project.id).where(col(Project.id).in_(scoped))
                                        .order_by(col(Project.created_at), col(Project.id))))
    return RoundPublic(
        number=round_.number, title=round_.title, mode=round_.mode,  # type: ignore[arg-type]  # str column, one of RoundCreate's modes
        current=round_.id == current_round(session, workshop=workshop).id,
        dots_per_participant=budget(round_, workshop), max_dots_per_project=cap(round_, workshop),
        per_strategy_budget=round_.per_strategy_budget, criteria=criteria(round_),
        scope=None if round_.scope_top_n is None else RoundScope(
            top_n=round_.scope_top_n, from_round=source.number if source else None, project_ids=project_ids),
        created_at=round_.created_at, results=results,
    )
