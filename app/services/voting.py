"""Dot voting: set a participant's dots on a project within the budget and the cap.

Every change of dots or scores, whoever sends it (the phone's + and -, the JSON API's PUT, a
scoring tap), is one *command* (`SetDots`, `AddDot`, `SetScores`) recorded by `record`, which
the ballot box (app/ballot_box.py) calls with a batch in arrival order, or a script with one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any
from dataclasses import dataclass, field

from sqlalchemy import bindparam, delete, exists, func, insert, update
from sqlalchemy import select as core_select  # Core statements on tables: any number of columns
from sqlmodel import Session, col, select

from app.errors import Conflict, DomainError, NotFound
from app.models.workshop import framework_of
from app.models import Participant, Project, ProjectStrategy, Round, Strategy, Vote, Workshop, core_table
from app.models.round import Criterion, MyScores, ProjectScoresResult
from app.models.vote import MyVotes, VoteResult
from app.services import access, methods, rounds, rules, scoring, workshops
from app.services.access import Actor, Role
from app.services.methods.dots import AddDot, SetDots
from app.services.methods.scoring import SetScores
from app.services.rules import Action


# The tables themselves, for the vote path's plain statements (no ORM bookkeeping).
PARTICIPANT, VOTE = core_table(Participant), core_table(Vote)
PROJECT, ROUND = core_table(Project), core_table(Round)
# A batch's writes, made once and sent with many rows each (one statement per kind per batch).
_THIS_VOTE = (VOTE.c.participant_id == bindparam("p"), VOTE.c.project_id == bindparam("j"),
              VOTE.c.round_id == bindparam("r"))
_INSERT_VOTES = insert(VOTE)
_UPDATE_VOTES = update(VOTE).where(*_THIS_VOTE).values(dots=bindparam("d"))
_DELETE_VOTES = delete(VOTE).where(*_THIS_VOTE)
# What a batch reads, likewise made once (building a statement cost as much as running it).
_LOCK_PARTICIPANTS = (update(PARTICIPANT).where(PARTICIPANT.c.id.in_(bindparam("ids", expanding=True)))
                      .values(ballot_version=PARTICIPANT.c.ballot_version + 1))
_VOTES_OF = (core_select(VOTE.c.participant_id, VOTE.c.project_id, VOTE.c.dots)
             .where(VOTE.c.round_id == bindparam("round_id"),
                    VOTE.c.participant_id.in_(bindparam("ids", expanding=True))))
_PROJECTS = (core_select(PROJECT.c.id, PROJECT.c.workshop_id, PROJECT.c.hidden, PROJECT.c.merged_into_id,
                         PROJECT.c.approved, PROJECT.c.title)
             .where(PROJECT.c.id.in_(bindparam("ids", expanding=True))).with_for_update(read=True))
_ROUND = core_select(ROUND).where(ROUND.c.id == bindparam("round_id"),
                                  ROUND.c.workshop_id == bindparam("workshop_id"))


# --- Commands: what one tap or one API call asks for (each voting method defines its own) ---

Command = SetDots | AddDot | SetScores
Admit = Callable[[int], None]  # the rate limit for a participant id; raises RateLimited
# Who casts a batch's dots, for the rules that do not depend on which participant it is: every
# sender was identified as a participant first (record), or is one (set_dots, for scripts).
VOTER = Actor(Role.participant)


@dataclass(frozen=True)
class Request:
    """A command with who sends it: the workshop's code, their key, and the rate limit to apply
    once the key is known to be a participant's."""

    code: str
    key: str | None
    command: Command
    admit: Admit = lambda _participant_id: None


@dataclass
class Ballot:
    """A participant's ballot right after a command: what the answer to a tap redraws (that
    project's control, the budget, my votes or my scores) without rebuilding the ranking."""

    code: str
    language: str
    project_id: int
    vote: VoteResult | None = None  # dot rounds
    scores: ProjectScoresResult | None = None  # scoring rounds
    cap: int = 0
    budget: int = 0
    allocations: dict[int, int] = field(default_factory=dict)  # project id -> my dots (>= 1)
    my_scores: dict[int, dict[str, int]] = field(default_factory=dict)  # project id -> criterion -> 1-5
    criteria: list[Criterion] = field(default_factory=list)
    titles: dict[int, str] = field(default_factory=dict)  # this project's and those in my votes or scores
    strategy_codes: dict[int, str] = field(default_factory=dict)  # per-strategy budgets only

    def view(self) -> dict[str, Any]:
        """What the phone's partials need to redraw this project's control, the budget and my
        votes or scores (the same names the full page gives them)."""
        values: dict[str, Any] = {
            "workshop": {"code": self.code, "language": self.language},
            "project": {"id": self.project_id, "title": self.titles.get(self.project_id, "")},
            "project_titles": {str(pid): title for pid, title in self.titles.items()},
            "round_cap": self.cap, "round_budget": self.budget, "criteria": self.criteria,
            "strategy_codes": self.strategy_codes,
        }
        if self.vote is not None:
            values["mine"] = MyVotes(used=self.vote.used, remaining=self.vote.remaining,
                                     allocations={str(pid): n for pid, n in sorted(self.allocations.items())},
                                     remaining_by_strategy=self.vote.remaining_by_strategy)
        if self.scores is not None:
            keys = {c.key for c in self.criteria}
            values["my_scores"] = MyScores(round=self.scores.round, mode="scoring", criteria=self.criteria,
                                           scores={str(pid): {k: v for k, v in given.items() if k in keys}
                                                   for pid, given in sorted(self.my_scores.items())})
        return values


def record(session: Session, requests: Sequence[Request]) -> tuple[list[Ballot | DomainError], set[str]]:
    """Apply commands in order in the session's transaction (no commit): each one's ballot or
    the domain error that refused it (a refused command writes nothing; the others stand), and
    the codes of the workshops that changed. Who is asking, the round, the projects and the
    voters' earlier dots are read once per workshop for the whole batch."""
    answers: dict[int, Ballot | DomainError] = {}
    changed: set[str] = set()
    by_code: dict[str, list[int]] = {}
    for i, request in enumerate(requests):
        by_code.setdefault(workshops.normalise_code(request.code), []).append(i)
    for code, indexes in by_code.items():
        try:
            workshop = workshops.voting_row(session, code=code)
        except DomainError as unknown:
            answers.update(dict.fromkeys(indexes, unknown))
            continue
        actors = access.identify_many(session, workshop=workshop, keys=[requests[i].key for i in indexes], load=False)
        admitted: list[tuple[int, int]] = []  # (request index, participant id)
        for i, actor in zip(indexes, actors, strict=True):
            try:
                # Who, here (with the workshop: a participant of another group is refused); the
                # phase and each project once the batch has read them.
                actor = rules.require(Action.score if isinstance(requests[i].command, SetScores) else Action.vote,
                                      actor, workshop)
                assert actor.participant_id is not None
                requests[i].admit(actor.participant_id)
                requests[i].command.check()
            except DomainError as refused:
                answers[i] = refused
                continue
            admitted.append((i, actor.participant_id))
        if not admitted:
            continue
        dot_changes = [(i, p) for i, p in admitted if not isinstance(requests[i].command, SetScores)]
        score_changes = [(i, p) for i, p in admitted if isinstance(requests[i].command, SetScores)]
        if dot_changes:
            answers.update(_record_dots(session, workshop, requests, dot_changes))
        if score_changes:  # less hot: the scoring rules read the workshop itself
            answers.update(_record_scores(session, workshops.get_workshop(session, code=code), requests,
                                          score_changes))
        if any(isinstance(answers[i], Ballot) for i, _p in admitted):
            changed.add(workshop.code)
    return [answers[i] for i in range(len(requests))], changed


def _record_dots(session: Session, workshop: Workshop, requests: Sequence[Request],
                 changes: list[tuple[int, int]]) -> dict[int, Ballot | DomainError]:
    answers: dict[int, Ballot | DomainError] = {}
    try:
        ballots = _Ballots(session, workshop=workshop, participant_ids={p for _i, p in changes},
                           project_ids={requests[i].command.project_id for i, _p in changes})
    except DomainError as refused:
        return dict.fromkeys((i for i, _p in changes), refused)
    done: list[tuple[int, int, VoteResult]] = []
    for i, participant_id in changes:
        command = requests[i].command
        assert not isinstance(command, SetScores)
        try:
            vote = ballots.change(participant_id, command.project_id, command.decide)
        except DomainError as refused:
            answers[i] = refused
            continue
        # A copy: later commands of the same person in this batch change `mine` again.
        done.append((i, participant_id, vote))
        answers[i] = Ballot(code=workshop.code, language=workshop.language, project_id=command.project_id,
                            vote=vote, cap=ballots.cap, budget=ballots.budget,
                            allocations=dict(ballots.mine[participant_id]))
    ballots.flush()
    if done:
        titles = {pid: row.title for pid, row in ballots.projects.items()}
        codes = ({s.id: s.code for s in workshops.list_strategies(session, workshop=workshop)}
                 if ballots.round.per_strategy_budget else {})
        for i, _p, _v in done:
            ballot = answers[i]
            assert isinstance(ballot, Ballot)
            ballot.titles = {pid: titles[pid] for pid in [*ballot.allocations, ballot.project_id] if pid in titles}
            ballot.strategy_codes = codes
    return answers


def _record_scores(session: Session, workshop: Workshop, requests: Sequence[Request],
                   changes: list[tuple[int, int]]) -> dict[int, Ballot | DomainError]:
    answers: dict[int, Ballot | DomainError] = {}
    for i, participant_id in changes:
        command = requests[i].command
        assert isinstance(command, SetScores)
        try:
            result, round_ = scoring.apply_scores(session, workshop=workshop, participant_id=participant_id,
                                                  project_id=command.project_id, scores=command.scores)
        except DomainError as refused:
            answers[i] = refused
            continue
        mine = scoring.scores_of(session, participant_id=participant_id, round_id=round_.id)
        titles = _titles(session, {*mine, command.project_id})
        answers[i] = Ballot(code=workshop.code, language=workshop.language, project_id=command.project_id,
                            scores=result, my_scores=mine, criteria=rounds.criteria(round_), titles=titles)
    return answers


def _titles(session: Session, project_ids: set[int]) -> dict[int, str]:
    ids = sorted(p for p in project_ids if 0 < p < 2**62)
    if not ids:
        return {}
    return {pid: title for pid, title in session.connection().execute(
        core_select(PROJECT.c.id, PROJECT.c.title).where(PROJECT.c.id.in_(ids)))}


def set_dots(session: Session, *, workshop: Workshop, participant: Participant, project_id: int,
             dots: int) -> VoteResult:
    """Set (not add) this participant's dots on a project and commit; refuses past the cap or
    budget. For scripts and tests: servers send commands through the ballot box."""
    return _apply_alone(session, workshop, participant, SetDots(project_id, dots))


def add_dots(session: Session, *, workshop: Workshop, participant: Participant, project_id: int,
             delta: int) -> VoteResult:
    """Add (or with a negative delta take back) dots and commit, as the phone's + and - do."""
    return _apply_alone(session, workshop, participant, AddDot(project_id, delta))


def _apply_alone(session: Session, workshop: Workshop, participant: Participant,
                 command: SetDots | AddDot) -> VoteResult:
    assert participant.id is not None
    request = Request(code=workshop.code, key=None, command=command)
    try:
        answer = _record_dots(session, workshop, [request], [(0, participant.id)])[0]
        if isinstance(answer, DomainError):
            raise answer
        session.commit()
    except BaseException:
        session.rollback()
        raise
    assert answer.vote is not None
    return answer.vote


def _current_round(session: Session, workshop: Any) -> Any:
    """The workshop's current round as a plain row (the entity where it has to be made first)."""
    if workshop.current_round_id is not None:
        row = session.connection().execute(_ROUND, {"round_id": workshop.current_round_id,
                                                    "workshop_id": workshop.id}).first()
        if row is not None:
            return row
    entity = workshop if isinstance(workshop, Workshop) else workshops.get_workshop(session, code=workshop.code)
    return rounds.current_round(session, workshop=entity)


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
        rules.check(Action.vote, VOTER, workshop)
        self.session, self.workshop = session, workshop
        conn = session.connection()  # plain statements, made once: no ORM bookkeeping on the hot path
        # In id order, so two processes locking overlapping sets cannot deadlock.
        conn.execute(_LOCK_PARTICIPANTS, {"ids": sorted(participant_ids)})
        self.round = _current_round(session, workshop)
        # Refused once the project id is known to be in range, as before this batching.
        self.refusal = (Conflict("This voting round scores projects instead of taking dots.")
                        if not methods.of(self.round.mode).takes_dots else None)
        self.cap, self.budget = rounds.cap(self.round, workshop), rounds.budget(self.round, workshop)
        self.mine: dict[int, dict[int, int]] = {pid: {} for pid in participant_ids}
        for participant_id, project_id, dots in conn.execute(
                _VOTES_OF, {"round_id": self.round.id, "ids": sorted(participant_ids)}):
            self.mine[participant_id][project_id] = dots
        # The batch's projects and those its voters have dots on (their titles redraw "my votes").
        ids = sorted(p for p in project_ids | {p for votes in self.mine.values() for p in votes}
                     if 0 < p < 2**62)  # past what the id column holds
        self.projects: dict[int, Any] = ({row.id: row for row in conn.execute(_PROJECTS, {"ids": ids})}
                                         if ids else {})
        self.in_scope = rounds.scope(session, round_=self.round)
        # What the database holds, so flush() writes only the difference. A per-strategy budget
        # is checked against the database itself, so its changes are written at once instead.
        self.stored = {pid: dict(votes) for pid, votes in self.mine.items()}
        self.write_at_once = self.round.per_strategy_budget

    def change(self, participant_id: int, project_id: int, decide: Callable[[int], int]) -> VoteResult:
        """Apply one change under the rules (later ones see it); flush() writes them all."""
        no_such_project = NotFound("This workshop has no project with id {id}.", id=project_id)
        if not 0 < project_id < 2**62:
            raise no_such_project
        if self.refusal is not None:
            raise self.refusal
        project = self.projects.get(project_id)
        if project is None or project.workshop_id != self.workshop.id or project.hidden or project.merged_into_id:
            raise no_such_project
        rules.check(Action.vote, VOTER, project=project)  # not while it waits for approval
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
        if dots:
            mine[project_id] = dots
        elif current is not None:
            del mine[project_id]
        if self.write_at_once:
            self.flush()
        used = used_elsewhere + dots
        if round_.per_strategy_budget:
            by_strategy = remaining_by_strategy(self.session, workshop=self.workshop, participant_id=participant_id,
                                                round_=round_)
            return VoteResult(project_id=project_id, dots=dots, used=used, remaining=sum(by_strategy.values()),
                              remaining_by_strategy=by_strategy)
        return VoteResult(project_id=project_id, dots=dots, used=used, remaining=max(0, self.budget - used))

    def flush(self) -> None:
        """Write what changed since the last flush: one statement per kind for the whole batch."""
        inserts, updates, deletes = [], [], []
        round_id, workshop_id = self.round.id, self.workshop.id
        for participant_id, mine in self.mine.items():
            stored = self.stored[participant_id]
            for project_id in mine.keys() | stored.keys():
                new, old = mine.get(project_id), stored.get(project_id)
                if new == old:
                    continue
                row = {"p": participant_id, "j": project_id, "r": round_id}
                if new is None:
                    deletes.append(row)
                elif old is None:
                    inserts.append({"participant_id": participant_id, "project_id": project_id, "round_id": round_id,
                                    "workshop_id": workshop_id, "dots": new})
                else:
                    updates.append({**row, "d": new})
            self.stored[participant_id] = dict(mine)
        for statement, rows in ((_DELETE_VOTES, deletes), (_UPDATE_VOTES, updates), (_INSERT_VOTES, inserts)):
            if rows:
                self.session.connection().execute(statement, rows)


# In a round with a budget per strategy, projects tagged with no strategy share one budget of
# their own (else their dots would be unlimited); it is reported under this key.
NO_STRATEGY = "none"


def _strategy_dots(session: Session, *, participant_id: int, round_id: int,
                   except_project: int | None = None) -> dict[str, int]:
    """Dots this participant has in each strategy (and on untagged projects) in one round."""
    others = () if except_project is None else (Vote.project_id != except_project,)
    tagged = session.exec(
        select(ProjectStrategy.strategy_id, func.coalesce(func.sum(Vote.dots), 0))
        .join(ProjectStrategy, col(ProjectStrategy.project_id) == Vote.project_id)
        .where(Vote.participant_id == participant_id, Vote.round_id == round_id, *others)
        .group_by(col(ProjectStrategy.strategy_id))
    ).all()
    untagged = session.exec(
        select(func.coalesce(func.sum(Vote.dots), 0))
        .where(Vote.participant_id == participant_id, Vote.round_id == round_id, *others,
               ~exists().where(col(ProjectStrategy.project_id) == Vote.project_id))
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


def remaining_by_strategy(session: Session, *, workshop: Workshop, participant_id: int,
                          round_: Round) -> dict[str, int]:
    """Dots left in each strategy's budget ("<strategy id>" and "none") in a per-strategy round."""
    budget = rounds.budget(round_, workshop)
    used = _strategy_dots(session, participant_id=participant_id, round_id=round_.id)
    strategy_ids = session.exec(select(Strategy.id).where(Strategy.workshop_id == framework_of(workshop))
                                .order_by(col(Strategy.position), col(Strategy.id))).all()
    return {key: max(0, budget - used.get(key, 0)) for key in [*map(str, strategy_ids), NO_STRATEGY]}


def my_votes(session: Session, *, workshop: Workshop, participant: Participant,
             round_number: int | None = None) -> MyVotes:
    """This participant's allocations of one dot or more in a round (default: the current one),
    with what is used and left (in a per-strategy round: left in all strategies together, and
    in each)."""
    round_ = rounds.get_round(session, workshop=workshop, number=round_number)
    votes = session.exec(select(Vote).where(Vote.participant_id == participant.id, Vote.round_id == round_.id,
                                            Vote.dots > 0).order_by(col(Vote.project_id))).all()
    used = sum(v.dots for v in votes)
    allocations = {str(v.project_id): v.dots for v in votes}
    takes_dots = methods.of(round_.mode).takes_dots
    if takes_dots and round_.per_strategy_budget:
        by_strategy = remaining_by_strategy(session, workshop=workshop, participant_id=participant.id, round_=round_)
        return MyVotes(used=used, remaining=sum(by_strategy.values()), allocations=allocations,
                       remaining_by_strategy=by_strategy)
    remaining = max(0, rounds.budget(round_, workshop) - used) if takes_dots else 0
    return MyVotes(used=used, remaining=remaining, allocations=allocations)
