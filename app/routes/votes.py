"""JSON API: dots and results."""

from __future__ import annotations

from fastapi import APIRouter, Request

from app.db import with_retry
from app.deps import ApiActorDep, SessionDep, WorkshopDep, limit, notify
from app.models import Phase
from app.models.vote import MyVotes, Results, VoteIn, VoteResult
from app.services import results, voting
from app.services.access import Role, require

router = APIRouter(prefix="/api/v1/workshops/{code}", tags=["votes"])


@router.put("/votes/{project_id}", response_model=VoteResult)
def set_vote(request: Request, project_id: int, vote_in: VoteIn, workshop: WorkshopDep, session: SessionDep,
             actor: ApiActorDep) -> VoteResult:
    """Set (not add) my dots on a project; idempotent; 409 past the cap or the budget."""
    actor = require(actor, Role.participant, action="vote")
    limit(request, "vote", participant_id=actor.participant_id)
    assert actor.participant is not None
    answer = with_retry(lambda: voting.set_dots(session, workshop=workshop, participant=actor.participant,
                                                project_id=project_id, dots=vote_in.dots))
    notify(request, workshop.code)
    return answer


@router.get("/votes/me", response_model=MyVotes)
def my_votes(workshop: WorkshopDep, session: SessionDep, actor: ApiActorDep) -> MyVotes:
    """My allocations (one dot or more), dots used and left."""
    actor = require(actor, Role.participant, action="read their own votes")
    assert actor.participant is not None
    return voting.my_votes(session, workshop=workshop, participant=actor.participant)


@router.get("/results", response_model=Results)
def read_results(workshop: WorkshopDep, session: SessionDep, actor: ApiActorDep) -> Results:
    """Ranking, rankings per strategy and coverage (who may see them depends on phase and tallies)."""
    if workshop.phase not in (Phase.results, Phase.closed):
        actor = require(actor, Role.facilitator, Role.screen, action="see results before phase 'results'")
        if actor.role == Role.screen and workshop.phase == Phase.vote and not workshop.show_live_tallies:
            require(actor, Role.facilitator, action="see tallies while they are hidden")
    return results.to_public(results.compute(session, workshop=workshop))
