"""JSON API: voting rounds, multi-criteria scores and duplicate hints."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, status
from fastapi.security import HTTPAuthorizationCredentials
from sqlmodel import Session

from app.deps import BallotBoxDep, SessionDep, WorkshopDep, api_door, bearer, limit, notify
from app.models import Round, Workshop
from app.models.round import (
    CurrentRoundIn,
    MyScores,
    ProjectScoresResult,
    RoundCreate,
    RoundPublic,
    ScoresIn,
)
from app.services import duplicates, results, round_setup, rounds, rules, scoring, voting
from app.services.access import Actor
from app.services.rules import Action

router = APIRouter(prefix="/api/v1/workshops/{code}", tags=["rounds"])

RoundNumber = Annotated[int | None, Query(alias="round", ge=1, le=10_000)]


def _public(request: Request, session: Session, workshop: Workshop, round_: Round,
            actor: Actor | None) -> RoundPublic:
    """A round with its results when this actor may see tallies now."""
    shown = (results.public(session, workshop=workshop, round_id=round_.id, memo=request.app.state.memo)
             if rules.allows(Action.see_tallies, actor, workshop) else None)
    return rounds.to_public(session, workshop=workshop, round_=round_, results=shown)


@router.get("/rounds", response_model=list[RoundPublic])
def list_rounds(request: Request, workshop: WorkshopDep, session: SessionDep,
                actor: Annotated[Actor, api_door(Action.list_rounds)]) -> list[RoundPublic]:
    """Every voting round, oldest first, each with its results (null where the asker may not see them yet)."""
    return [_public(request, session, workshop, r, actor) for r in rounds.list_rounds(session, workshop=workshop)]


@router.post("/rounds", status_code=status.HTTP_201_CREATED, response_model=RoundPublic)
def create_round(request: Request, round_in: RoundCreate, workshop: WorkshopDep, session: SessionDep,
                 actor: Annotated[Actor, api_door(Action.start_round)]) -> RoundPublic:
    """Start a new voting round (facilitator); it becomes the current round."""
    round_ = round_setup.create_round(session, workshop=workshop, actor=actor, round_in=round_in)
    notify(request, workshop.code)
    return _public(request, session, workshop, round_, actor)


@router.put("/rounds/current", response_model=RoundPublic)
def switch_round(request: Request, round_in: CurrentRoundIn, workshop: WorkshopDep, session: SessionDep,
                 actor: Annotated[Actor, api_door(Action.switch_round)]) -> RoundPublic:
    """Make an earlier (or later) round current again (facilitator)."""
    round_ = rounds.switch_round(session, workshop=workshop, actor=actor, number=round_in.number)
    notify(request, workshop.code)
    return _public(request, session, workshop, round_, actor)


@router.put("/scores/{project_id}", response_model=ProjectScoresResult)
async def set_scores(request: Request, code: str, project_id: int, scores_in: ScoresIn, box: BallotBoxDep,
                     credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
                     ) -> ProjectScoresResult:
    """Score a project 1-5 on criteria of the current scoring round (null takes a score back)."""
    ballot = await box.submit(
        code=code, key=credentials.credentials if credentials else None,
        command=voting.SetScores(project_id, scores_in.scores),
        admit=lambda participant_id: limit(request, "vote", participant_id=participant_id))
    assert ballot.scores is not None
    return ballot.scores


@router.get("/scores/me", response_model=MyScores)
def my_scores(workshop: WorkshopDep, session: SessionDep, actor: Annotated[Actor, api_door(Action.read_own_scores)],
              round_number: RoundNumber = None) -> MyScores:
    """My scores in a round (default: the current one), by project id and criterion."""
    assert actor.participant is not None
    return scoring.my_scores(session, workshop=workshop, participant=actor.participant, round_number=round_number)


@router.get("/duplicates", response_model=list[duplicates.HintPublic],
            dependencies=[api_door(Action.see_duplicates)])
def list_duplicates(workshop: WorkshopDep, session: SessionDep,
                    threshold: Annotated[float | None, Query(gt=0, le=1)] = None) -> list[duplicates.HintPublic]:
    """Likely duplicate proposals, most similar first, with the shared words that paired them (facilitator)."""
    hints = duplicates.likely_duplicates(session, workshop=workshop,
                                         threshold=duplicates.THRESHOLD if threshold is None else threshold)
    return [duplicates.to_public(h) for h in hints]
