"""JSON API: dots and results."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.security import HTTPAuthorizationCredentials

from app.deps import ApiActorDep, BallotBoxDep, MemoDep, SessionDep, WorkshopDep, api_door, bearer, limit
from app.models.vote import MyVotes, Results, VoteIn, VoteResult
from app.services import results, rounds, rules, voting
from app.services.access import Actor
from app.services.rules import Action

router = APIRouter(prefix="/api/v1/workshops/{code}", tags=["votes"])
BearerDep = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]


@router.put("/votes/{project_id}", response_model=VoteResult, response_model_exclude_none=True)
async def set_vote(request: Request, code: str, project_id: int, vote_in: VoteIn,
                   credentials: BearerDep, box: BallotBoxDep) -> VoteResult:
    """Set (not add) my dots on a project; idempotent; 409 past the cap or the budget."""
    # The hot path of a big room: the key is identified together with the rest of the ballot
    # box's batch, and the answer comes once the batch holding this vote is committed.
    ballot = await box.submit(
        code=code, key=credentials.credentials if credentials else None,
        command=voting.SetDots(project_id, vote_in.dots),
        admit=lambda participant_id: limit(request, "vote", participant_id=participant_id))
    assert ballot.vote is not None
    return ballot.vote


@router.get("/votes/me", response_model=MyVotes, response_model_exclude_none=True)
def my_votes(workshop: WorkshopDep, session: SessionDep, actor: Annotated[Actor, api_door(Action.read_own_votes)],
             round_number: Annotated[int | None, Query(alias="round", ge=1, le=10_000)] = None) -> MyVotes:
    """My allocations (one dot or more), dots used and left, in a round (default: the current one)."""
    assert actor.participant is not None
    return voting.my_votes(session, workshop=workshop, participant=actor.participant, round_number=round_number)


@router.get("/results", response_model=Results)
def read_results(workshop: WorkshopDep, session: SessionDep, actor: ApiActorDep, memo: MemoDep,
                 round_number: Annotated[int | None, Query(alias="round", ge=1, le=10_000)] = None) -> Results:
    """Ranking, rankings per strategy and coverage of a voting round (default: the current one);
    who may see them now is the rule every page follows for tallies (API.md)."""
    rules.check(Action.see_tallies, actor, workshop)
    round_ = rounds.get_round(session, workshop=workshop, number=round_number)
    return results.public(session, workshop=workshop, round_id=round_.id, memo=memo)
