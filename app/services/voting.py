"""Dot voting: set a participant's dots on a project within the budget and the cap."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import delete, exists, func, insert, update
from sqlmodel import Session, col, select

from app.errors import Conflict, DomainError, NotFound
from app.models import Participant, Phase, Project, ProjectStrategy, Round, Strategy, Vote, Workshop
from app.models.vote import MyVotes, VoteResult
from app.services import rounds


# The tables themselves, for the vote path's plain statements (no ORM bookkeeping).
PARTICIPANT, VOTE = Participant.__table__, Vote.__table__  # type: ignore[attr-defined]


def set_dots(session: Session, *, workshop: Workshop, participant: Participant, project_id: int,
             dots: int) -> VoteResult:
    """Set (not add) this participant's dots on a project; refuses past the cap or budget."""
    return _change(session, workshop=workshop, participant=participant, project_id=project_id,
                   decide=lambda _current: dots)


def add_dots(session: Session, *, workshop: Workshop, participant: Participant, project_id: int,
             delta: int) -> VoteResult:
    """Add (or with a negative delta take back) dots: the phone's + and - buttons.

    The current count is read under the participant's lock, so two quick taps make two dots.
    """
    return _change(session, workshop=workshop, participant=participant, project_id=project_id,
                   decide=lambda current: max(0, current + delta))


def set_dots_together(session: Session, *, workshop: Workshop,
                      votes: list[tuple[int, int, int]]) -> list[VoteResult | DomainError]:
    """Several set_dots, as (participant id, project id, dots), applied in order in the caller's
    transaction (no commit): the ballot box's batch. What the rules need is read once for all
    of them. Each gets its result or the domain error that refused it; a refused vote writes
    nothing, so the others stand."""
    try:
        ballots = _Ballots(session, workshop=workshop, participant_ids={v[0] for v in votes},
                           project_ids={v[1] for v in votes})
    except DomainError as refused:
        return [refused] * len(votes)
    answers: list[VoteResult | DomainError] = []
    for participant_id, project_id, dots in votes:
        try:
            answers.append(ballots.change(participant_id, project_id, lambda _current, dots=dots: dots))
        except DomainError as refused:
            answers.append(refused)
    return answers


def _change(session: Session, *, workshop: Workshop, participant: Participant, project_id: int,
            decide: Callable[[int], int]) -> VoteResult:
    try:
        ballots = _Ballots(session, workshop=workshop, participant_ids={participant.id},  # type: ignore[arg-type]
                           project_ids={project_id})
        answer = ballots.change(participant.id, project_id, decide)  # type: ignore[arg-type]
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return answer


class _Ballots:
    """The dot rules, over what they need read once for some participants and projects in the
    current round: their votes, the projects' state, the round's limits and scope.

    Reading first locks the participants' rows (concurrent taps of one person run one after
    another and each sees the other's dots: the budget is never exceeded) and share-locks the
    projects on PostgreSQL (a concurrent hide or merge waits). Plain rows, not ORM objects: on
    this hot path about a third of a vote's CPU went into loading entities.
    """

    def __init__(self, session: Session, *, workshop: Workshop, participant_ids: set[int],
                 project_ids: set[int]) -> None:
        if workshop.phase != Phase.vote:
            raise Conflict("Votes can be changed only in phase 'vote'; the workshop is in phase '{phase}'.",
                           phase=workshop.phase)
        self.session, self.workshop = session, workshop
        # In id order, so two processes locking overlapping sets cannot deadlock.
        session.execute(update(PARTICIPANT).where(PARTICIPANT.c.id.in_(sorted(participant_ids)))
                        .values(ballot_version=PARTICIPANT.c.ballot_version + 1))
        self.round = rounds.current_round(session, workshop=workshop)
        # Refused once the project id is known to be in range, as before this batching.
        self.refusal = (Conflict("This voting round scores projects instead of taking dots.")
                        if self.round.mode != "dots" else None)
        self.cap, self.budget = rounds.cap(self.round, workshop), rounds.budget(self.round, workshop)
        ids = sorted(p for p in project_ids if 0 < p < 2**62)  # past what the id column holds
        self.projects = {row.id: row for row in session.execute(
            select(Project.id, Project.workshop_id, Project.hidden, Project.merged_into_id, Project.approved)
            .where(col(Project.id).in_(ids)).with_for_update(read=True))} if ids else {}
        self.in_scope = rounds.scope(session, round_=self.round)
        self.mine: dict[int, dict[int, int]] = {pid: {} for pid in participant_ids}
        for participant_id, project_id, dots in session.execute(
                select(VOTE.c.participant_id, VOTE.c.project_id, VOTE.c.dots)
                .where(VOTE.c.round_id == self.round.id, VOTE.c.participant_id.in_(sorted(participant_ids)))):
            self.mine[participant_id][project_id] = dots

    def change(self, participant_id: int, project_id: int, decide: Callable[[int], int]) -> VoteResult:
        """Apply one change under the rules and write it at once (later ones see it)."""
        no_such_project = NotFound("This workshop has no project with id {id}.", id=project_id)
        if not 0 < project_id < 2**62:
            raise no_such_project
        if self.refusal is not None:
            raise self.refusal
        project = self.projects.get(project_id)
        if project is None or project.workshop_id != self.workshop.id or project.hidden or project.merged_into_id:
            raise no_such_project
        if not project.approved:
            raise Conflict("This project is waiting for the facilitator's approval; it cannot take dots yet.")
        if self.in_scope is not None and project_id not in self.in_scope:
            raise Conflict("This project is not on the short list of the current voting round.")
        mine, round_ = self.mine[participant_id], self.round
        current = mine.get(project_id)
        dots = decide(current or 0)
        if dots > self.cap:
            raise Conflict("At most {cap} dots per project; {dots} is over the cap.", cap=self.cap, dots=dots)
        used_elsewhere = sum(n for pid, n in mine.items() if pid != project_id)
        if round_.per_strategy_budget:
            _check_strategy_budgets(self.session, participant_id=participant_id, round_id=round_.id,
                                    project_id=project_id, dots=dots, budget=self.budget)
        elif used_elsewhere + dots > self.budget:
            raise Conflict("Not enough dots: {left} left of {budget}, and {dots} asked for this project.",
                           left=self.budget - used_elsewhere, budget=self.budget, dots=dots)
        this_vote = (VOTE.c.participant_id == participant_id, VOTE.c.project_id == project_id,
                     VOTE.c.round_id == round_.id)
        if dots == 0:
            if current is not None:
                self.session.execute(delete(VOTE).where(*this_vote))
                del mine[project_id]
        elif current is None:
            self.session.execute(insert(VOTE).values(participant_id=participant_id, project_id=project_id,
                                                     round_id=round_.id, workshop_id=self.workshop.id, dots=dots))
        elif current != dots:
            self.session.execute(update(VOTE).where(*this_vote).values(dots=dots))
        if dots:
            mine[project_id] = dots
        used = used_elsewhere + dots
        if round_.per_strategy_budget:
            by_strategy = remaining_by_strategy(self.session, workshop=self.workshop, participant_id=participant_id,
                                                round_=round_)
            return VoteResult(project_id=project_id, dots=dots, used=used, remaining=sum(by_strategy.values()),
                              remaining_by_strategy=by_strategy)
        return VoteResult(project_id=project_id, dots=dots, used=used, remaining=max(0, self.budget - used))


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
