"""Multi-criteria scoring's rules: a participant scores projects 1-5 on the round's criteria,
only while voting, in a scoring round, within its scope; their own scores; and the
impact/feasibility matrix. How scores rank projects is the scoring method's
(app/services/methods/scoring.py)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import update
from sqlmodel import Session, col, select

from app.errors import Conflict, Invalid, NotFound
from app.models import Participant, Project, Round, Score, Workshop
from app.models.round import MyScores, ProjectScoresResult
from app.services import methods, rounds
from app.services import projects as projects_service
from app.services.access import Actor, Role
from app.services.methods.scoring import project_scores
from app.services.rules import Action, check


def set_scores(session: Session, *, workshop: Workshop, participant: Participant, project_id: int,
               scores: dict[str, int | None]) -> ProjectScoresResult:
    """Set this participant's scores of one project and commit. For scripts and tests: servers
    send scores through the ballot box (voting.SetScores)."""
    assert participant.id is not None
    try:
        result, _round = apply_scores(session, workshop=workshop, participant_id=participant.id,
                                      project_id=project_id, scores=scores)
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return result


def apply_scores(session: Session, *, workshop: Workshop, participant_id: int, project_id: int,
                 scores: dict[str, int | None]) -> tuple[ProjectScoresResult, Round]:
    """Set this participant's scores of one project on the given criteria (null takes one back)
    in the session's transaction, no commit; other criteria keep their scores. Only in phase
    vote, in a scoring round, within its scope. Everything is checked before anything is
    written, so a refusal changes nothing."""
    voter = Actor(Role.participant, participant_id=participant_id)
    check(Action.score, voter, workshop)
    if not 0 < project_id < 2**62:
        raise NotFound("This workshop has no project with id {id}.", id=project_id)
    # The participant's row lock first, as for dots: one person's taps run one after another.
    session.exec(update(Participant).where(col(Participant.id) == participant_id)
                 .values(ballot_version=Participant.ballot_version + 1))
    round_ = rounds.current_round(session, workshop=workshop)
    if not methods.of(round_.mode).takes_criteria:
        raise Conflict("This voting round takes dots; projects are scored only in a scoring round.")
    session.exec(select(Project.id).where(Project.id == project_id).with_for_update(read=True))
    project = projects_service.get_project(session, workshop=workshop, project_id=project_id)
    check(Action.score, voter, project=project)  # as for dots: not while it waits for approval
    in_scope = rounds.scope(session, round_=round_)
    if in_scope is not None and project_id not in in_scope:
        raise Conflict("This project is not on the short list of the current voting round.")
    keys = [c.key for c in rounds.criteria(round_)]
    for key, value in scores.items():
        if key not in keys:
            raise Invalid("This round has no criterion '{key}'; its criteria are: {keys}.",
                          key=key[:40], keys=", ".join(keys))
        if value is not None and (type(value) is not int or not 1 <= value <= 5):
            raise Invalid("A score must be a whole number from 1 to 5.")
    for key, value in scores.items():
        row = session.get(Score, (participant_id, project_id, round_.id, key))
        if value is None:
            if row is not None:
                session.delete(row)
        elif row is None:
            session.add(Score(participant_id=participant_id, project_id=project_id, round_id=round_.id,
                              criterion=key, workshop_id=workshop.id, value=value))
        else:
            row.value = value
            session.add(row)
    session.flush()
    mine = scores_of(session, participant_id=participant_id, round_id=round_.id, project_id=project_id)
    return ProjectScoresResult(project_id=project_id, round=round_.number, scores=mine.get(project_id, {})), round_


def scores_of(session: Session, *, participant_id: int, round_id: int,
               project_id: int | None = None) -> dict[int, dict[str, int]]:
    query = select(Score).where(Score.participant_id == participant_id, Score.round_id == round_id)
    if project_id is not None:
        query = query.where(Score.project_id == project_id)
    mine: dict[int, dict[str, int]] = defaultdict(dict)
    for score in session.exec(query.order_by(col(Score.project_id), col(Score.criterion))):
        mine[score.project_id][score.criterion] = score.value
    return dict(mine)


def my_scores(session: Session, *, workshop: Workshop, participant: Participant,
              round_number: int | None = None) -> MyScores:
    """This participant's scores in a round (default: the current one), by project and criterion."""
    round_ = rounds.get_round(session, workshop=workshop, number=round_number)
    criteria = rounds.criteria(round_)
    keys = {c.key for c in criteria}
    mine = scores_of(session, participant_id=participant.id, round_id=round_.id)
    return MyScores(round=round_.number, mode=round_.mode, criteria=criteria,  # type: ignore[arg-type]  # as in rounds.to_public
                    scores={str(pid): {k: v for k, v in by_key.items() if k in keys}
                            for pid, by_key in mine.items()})


@dataclass
class MatrixPoint:
    """A project placed on the impact/feasibility matrix."""

    project: Project
    x: float  # mean feasibility
    y: float  # mean impact
    score: float | None
    scorers: int


def matrix_round(session: Session, *, workshop: Workshop, round_id: int | None = None) -> Round | None:
    """The given round, or the latest scoring round, if it scores both impact and feasibility."""
    if round_id is not None:
        candidates = [r for r in rounds.list_rounds(session, workshop=workshop) if r.id == round_id]
    else:
        candidates = list(reversed(rounds.list_rounds(session, workshop=workshop)))
    for round_ in candidates:
        keys = {c.key for c in rounds.criteria(round_)}
        if {"impact", "feasibility"} <= keys:
            return round_
    return None


def matrix_points(session: Session, *, workshop: Workshop, round_id: int | None = None) -> list[MatrixPoint]:
    """The projects of the latest (or the given) scoring round that has impact and feasibility,
    each with its mean feasibility (x) and mean impact (y); projects lacking either are left out."""
    round_ = matrix_round(session, workshop=workshop, round_id=round_id)
    if round_ is None:
        return []
    table = project_scores(session, round_=round_)
    in_scope = rounds.scope(session, round_=round_)
    points = []
    for project in projects_service.list_projects(session, workshop=workshop):
        entry = table.get(project.id)
        if entry is None or (in_scope is not None and project.id not in in_scope):
            continue
        if "impact" in entry.means and "feasibility" in entry.means:
            points.append(MatrixPoint(project=project, x=entry.means["feasibility"], y=entry.means["impact"],
                                      score=entry.score, scorers=entry.scorers))
    return points
