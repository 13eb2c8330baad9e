"""What voting rounds, scores and duplicate hints add to each live view: the current round
(its voting method, limits, criteria) everywhere, and for the console each round's results
summary, the methods a new round may use and the duplicate hints. Called from `views.view_context`,
so pages and websocket messages agree."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import distinct, func, union
from sqlmodel import Session, col, select

from app.models import Phase, Round, Score, Vote, Workshop
from app.services import duplicates, methods, results, rounds
from app.versions import Memo

SUMMARY_TOP = 5


@dataclass
class RoundSummary:
    """One round as the console's Rounds panel shows it."""

    round: Round
    current: bool
    source_number: int | None
    outcome: results.Outcome
    took_part: int  # participants with a dot or a score in the round
    budget: int  # dots per participant (the round's own, else the workshop's)
    cap: int  # most dots on one project (likewise)

    @property
    def top(self) -> list[results.Standing]:
        return self.outcome.standings[:SUMMARY_TOP]


def context(session: Session, *, workshop: Workshop, view: str, outcome: results.Outcome,
            memo: dict[Any, Any], kept: Memo | None = None) -> dict[str, Any]:
    round_ = outcome.round or rounds.current_round(session, workshop=workshop)
    method = methods.of(round_.mode)
    values: dict[str, Any] = {
        "round": round_,
        "method": method,
        "round_budget": rounds.budget(round_, workshop),
        "round_cap": rounds.cap(round_, workshop),
        "criteria": outcome.criteria,
    }
    if "round_count" not in memo:
        memo["round_count"] = rounds.count(session, workshop=workshop)
    values["round_count"] = memo["round_count"]
    if view == "facilitator":
        values["round_summaries"] = summaries(session, workshop=workshop, current=outcome)
        values["default_criteria"] = rounds.default_criteria(workshop.language)
        values["methods"] = list(methods.METHODS.values())
        if method.takes_criteria:
            values["scorer_count"] = _took_part(session, [round_.id]).get(round_.id, 0)
            values["scores_cast"] = int(session.exec(select(func.count()).select_from(Score)
                                                     .where(Score.round_id == round_.id)).one())
        values["duplicate_hints"], values["duplicate_hints_updating"] = (
            ([], False) if workshop.phase == Phase.closed else duplicates.live_hints(session, workshop=workshop,
                                                                                    kept=kept))
    return values


def _took_part(session: Session, round_ids: list[int]) -> dict[int, int]:
    """round id -> participants with a dot or a score in it (counted by the database: loading
    the 2,000 voters' ids took a third of the console's redraw after a vote)."""
    either = union(*(select(model.round_id.label("round_id"),  # type: ignore[attr-defined]
                            model.participant_id.label("participant_id"))  # type: ignore[attr-defined]
                     .where(col(model.round_id).in_(round_ids)) for model in (Vote, Score))).subquery()
    rows = session.connection().execute(select(either.c.round_id, func.count(distinct(either.c.participant_id)))
                                        .group_by(either.c.round_id))  # Core rows: no ORM step
    return {int(rid): int(n) for rid, n in rows}


def summaries(session: Session, *, workshop: Workshop, current: results.Outcome) -> list[RoundSummary]:
    """Every round, newest first, with its ranking (the current one's is the live outcome)."""
    all_rounds = rounds.list_rounds(session, workshop=workshop)
    numbers = {r.id: r.number for r in all_rounds}
    took_part = _took_part(session, [r.id for r in all_rounds])
    current_id = current.round.id if current.round else None
    return [
        RoundSummary(
            round=r, current=r.id == current_id,
            source_number=numbers.get(r.scope_round_id) if r.scope_round_id else None,
            outcome=current if r.id == current_id else results.compute(session, workshop=workshop, round_id=r.id),
            took_part=took_part.get(r.id, 0),
            budget=rounds.budget(r, workshop), cap=rounds.cap(r, workshop),
        )
        for r in reversed(all_rounds)
    ]

