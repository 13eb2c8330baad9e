"""Dot voting: set a participant's dots on a project within the budget and the cap."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import exists, func, update
from sqlmodel import Session, select

from app.errors import Conflict, NotFound
from app.models import Participant, Phase, Project, ProjectStrategy, Round, Strategy, Vote, Workshop
from app.models.vote import MyVotes, VoteResult
from app.services import rounds
from app.services.projects import get_project


def used_dots(session: Session, *, participant_id: int, round_id: int, except_project: int | None = None) -> int:
    query = select(func.coalesce(func.sum(Vote.dots), 0)).where(Vote.participant_id == participant_id,
                                                                Vote.round_id == round_id)
    if except_project is not None:
        query = query.where(Vote.project_id != except_project)
    return int(session.exec(query).one())


def set_dots(session: Session, *, workshop: Workshop, participant: Participant, project_id: int,
             dots: int, commit: bool = True) -> VoteResult:
    """Set (not add) this participant's dots on a project; refuses past the cap or budget.

    With commit=False the change joins the caller's transaction (the ballot box's batch), and
    a refusal leaves that transaction usable: every rule is checked before the vote is written.
    """
    return _change(session, workshop=workshop, participant=participant, project_id=project_id,
                   decide=lambda _current: dots, commit=commit)


def add_dots(session: Session, *, workshop: Workshop, participant: Participant, project_id: int,
             delta: int) -> VoteResult:
    """Add (or with a negative delta take back) dots: the phone's + and - buttons.

    The current count is read under the participant's lock, so two quick taps make two dots.
    """
    return _change(session, workshop=workshop, participant=participant, project_id=project_id,
                   decide=lambda current: max(0, current + delta))


def _change(session: Session, *, workshop: Workshop, participant: Participant, project_id: int,
            decide: Callable[[int], int], commit: bool = True) -> VoteResult:
    if workshop.phase != Phase.vote:
        raise Conflict("Votes can be changed only in phase 'vote'; the workshop is in phase '{phase}'.",
                       phase=workshop.phase)
    if not 0 < project_id < 2**62:  # past what the id column holds: the queries would overflow
        raise NotFound("This workshop has no project with id {id}.", id=project_id)
    try:
        # First statement: take this participant's write lock, so concurrent taps of the same
        # person run one after another and each sees the other's dots (budget never exceeded).
        session.exec(update(Participant).where(Participant.id == participant.id)
                     .values(ballot_version=Participant.ballot_version + 1))
        round_ = rounds.current_round(session, workshop=workshop)
        if round_.mode != "dots":
            raise Conflict("This voting round scores projects instead of taking dots.")
        cap, budget = rounds.cap(round_, workshop), rounds.budget(round_, workshop)
        # A shared row lock on PostgreSQL: a concurrent hide or merge of this project waits.
        # (The whole row, so get_project below finds it loaded instead of asking again.)
        session.exec(select(Project).where(Project.id == project_id).with_for_update(read=True))
        if not get_project(session, workshop=workshop, project_id=project_id).approved:
            raise Conflict("This project is waiting for the facilitator's approval; it cannot take dots yet.")
        in_scope = rounds.scope(session, round_=round_)
        if in_scope is not None and project_id not in in_scope:
            raise Conflict("This project is not on the short list of the current voting round.")
        # All of this participant's votes in the round in one query: this one and the rest's sum.
        mine = {v.project_id: v for v in session.exec(
            select(Vote).where(Vote.participant_id == participant.id, Vote.round_id == round_.id))}
        vote = mine.get(project_id)
        dots = decide(vote.dots if vote else 0)
        if dots > cap:
            raise Conflict("At most {cap} dots per project; {dots} is over the cap.", cap=cap, dots=dots)
        used_elsewhere = sum(v.dots for pid, v in mine.items() if pid != project_id)
        if round_.per_strategy_budget:
            _check_strategy_budgets(session, participant_id=participant.id, round_id=round_.id,
                                    project_id=project_id, dots=dots, budget=budget)
        elif used_elsewhere + dots > budget:
            raise Conflict("Not enough dots: {left} left of {budget}, and {dots} asked for this project.",
                           left=budget - used_elsewhere, budget=budget, dots=dots)
        if dots == 0:
            if vote is not None:
                session.delete(vote)
        elif vote is None:
            session.add(Vote(participant_id=participant.id, project_id=project_id, round_id=round_.id,
                             workshop_id=workshop.id, dots=dots))
        else:
            vote.dots = dots
            session.add(vote)
        if commit:
            session.commit()
        else:
            session.flush()
    except BaseException:
        if commit:
            session.rollback()
        raise
    used = used_elsewhere + dots
    if round_.per_strategy_budget:
        by_strategy = remaining_by_strategy(session, workshop=workshop, participant_id=participant.id, round_=round_)
        return VoteResult(project_id=project_id, dots=dots, used=used, remaining=sum(by_strategy.values()),
                          remaining_by_strategy=by_strategy)
    return VoteResult(project_id=project_id, dots=dots, used=used, remaining=max(0, budget - used))


# In a round with a budget per strategy, projects tagged with no strategy share one budget of
# their own (else their dots would be unlimited); it is reported under this key.
NO_STRATEGY = "none"


def _strategy_dots(session: Session, *, participant_id: int, round_id: int,
                   except_project: int | None = None) -> dict[str, int]:
    """Dots this participant has in each strategy (and on untagged projects) in one round."""
    others = () if except_project is None else (Vote.project_id != except_project,)
    tagged = session.exec(
        select(ProjectStrategy.strategy_id, func.coalesce(func.sum(Vote.dots), 0))
        .join(ProjectStrategy, ProjectStrategy.project_id == Vote.project_id)
        .where(Vote.participant_id == participant_id, Vote.round_id == round_id, *others)
        .group_by(ProjectStrategy.strategy_id)
    ).all()
    untagged = session.exec(
        select(func.coalesce(func.sum(Vote.dots), 0))
        .where(Vote.participant_id == participant_id, Vote.round_id == round_id, *others,
               ~exists().where(ProjectStrategy.project_id == Vote.project_id))
    ).one()
    return {**{str(sid): int(dots) for sid, dots in tagged}, NO_STRATEGY: int(untagged)}


def _check_strategy_budgets(session: Session, *, participant_id: int, round_id: int, project_id: int,
                            dots: int, budget: int) -> None:
    """With a budget per strategy, dots on a project count against each strategy it serves
    (a project with no strategy, against the shared budget of such projects)."""
    strategies = [str(sid) for sid in session.exec(select(ProjectStrategy.strategy_id)
                                                   .where(ProjectStrategy.project_id == project_id))]
    used = _strategy_dots(session, participant_id=participant_id, round_id=round_id, except_project=project_id)
    for key in strategies or [NO_STRATEGY]:
        if used.get(key, 0) + dots > budget:
            raise Conflict("Not enough dots for one of this project's strategies: {left} left of {budget} "
                           "there, and {dots} asked for this project.",
                           left=budget - used.get(key, 0), budget=budget, dots=dots)


def remaining_by_strategy(session: Session, *, workshop: Workshop, participant_id: int, round_: Round) -> dict[str, int]:
    """Dots left in each strategy's budget ("<strategy id>" and "none") in a per-strategy round."""
    budget = rounds.budget(round_, workshop)
    used = _strategy_dots(session, participant_id=participant_id, round_id=round_.id)
    strategy_ids = session.exec(select(Strategy.id).where(Strategy.workshop_id == workshop.id)
                                .order_by(Strategy.position, Strategy.id)).all()
    return {key: max(0, budget - used.get(key, 0)) for key in [*map(str, strategy_ids), NO_STRATEGY]}


def my_votes(session: Session, *, workshop: Workshop, participant: Participant,
             round_number: int | None = None) -> MyVotes:
    """This participant's allocations of one dot or more in a round (default: the current one),
    with what is used and left (in a per-strategy round: left in all strategies together, and
    in each)."""
    round_ = rounds.get_round(session, workshop=workshop, number=round_number)
    votes = session.exec(select(Vote).where(Vote.participant_id == participant.id, Vote.round_id == round_.id,
                                            Vote.dots > 0).order_by(Vote.project_id)).all()
    used = sum(v.dots for v in votes)
    allocations = {str(v.project_id): v.dots for v in votes}
    if round_.mode == "dots" and round_.per_strategy_budget:
        by_strategy = remaining_by_strategy(session, workshop=workshop, participant_id=participant.id, round_=round_)
        return MyVotes(used=used, remaining=sum(by_strategy.values()), allocations=allocations,
                       remaining_by_strategy=by_strategy)
    remaining = max(0, rounds.budget(round_, workshop) - used) if round_.mode == "dots" else 0
    return MyVotes(used=used, remaining=remaining, allocations=allocations)
