"""Starting a voting round: numbered after the last and made current, on every visible project
or on a short list frozen from an earlier round's ranking (so it sits above `results`, which
ranks rounds: `rounds` itself stays below both)."""

from __future__ import annotations

import json

from sqlalchemy import update
from sqlmodel import Session, col

from app.errors import Invalid
from app.models import Round, RoundProject, Workshop
from app.models.round import RoundCreate
from app.services import methods, results, rounds
from app.services.access import Actor
from app.services.rules import Action, check


def create_round(session: Session, *, workshop: Workshop, actor: Actor, round_in: RoundCreate) -> Round:
    """A new round, numbered after the last, made current. A scope freezes the top N of an
    earlier round's ranking as it stands now (ties at the cut go by the ranking's own order)."""
    check(Action.start_round, actor, workshop)
    try:
        # The workshop's row lock: two rounds made at once get different numbers.
        session.exec(update(Workshop).where(col(Workshop.id) == workshop.id).values(id=Workshop.id))
        existing = rounds.list_rounds(session, workshop=workshop)
        source: Round | None = None
        chosen: list[int] = []
        if round_in.scope is not None:
            number = round_in.scope.from_round
            source = (rounds.current_round(session, workshop=workshop) if number is None else
                      next((r for r in existing if r.number == number), None))
            if source is None:
                raise Invalid("The short list must come from an earlier round; this workshop has no round {number}.",
                              number=number)
            standings = results.compute(session, workshop=workshop, round_id=source.id).standings
            if not standings:
                raise Invalid("Round {number} has no projects to take a short list from.", number=source.number)
            chosen = [s.project.id for s in standings[:round_in.scope.top_n]]
        chosen_criteria = ((round_in.criteria or rounds.default_criteria(workshop.language))
                           if methods.of(round_in.mode).takes_criteria else [])
        round_ = Round(
            workshop_id=workshop.id,
            number=max((r.number for r in existing), default=0) + 1,
            title=round_in.title,
            mode=round_in.mode,
            dots_per_participant=round_in.dots_per_participant,
            max_dots_per_project=round_in.max_dots_per_project,
            per_strategy_budget=round_in.per_strategy_budget,
            criteria=json.dumps([c.model_dump() for c in chosen_criteria], ensure_ascii=False),
            scope_top_n=round_in.scope.top_n if round_in.scope else None,
            scope_round_id=source.id if source else None,
        )
        session.add(round_)
        session.flush()
        session.add_all(RoundProject(round_id=round_.id, project_id=pid) for pid in chosen)
        workshop.current_round_id = round_.id
        session.add(workshop)
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return round_
