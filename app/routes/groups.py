"""JSON API: breakout groups of an event (API.md, "Groups"), and moving a participant between them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, status
from fastapi.security import HTTPAuthorizationCredentials

from app.config import Settings
from app.deps import (
    ApiActorDep,
    GroupDep,
    MemoDep,
    SessionDep,
    SettingsDep,
    WorkshopDep,
    api_door,
    base_url,
    bearer,
    group_api_door,
    notify,
)
from app.models import Phase
from app.models.group import GroupCreate, GroupCreated, GroupPublic, ParticipantMove, ParticipantMoved
from app.models.vote import Results
from app.models.workshop import PhaseIn, WorkshopPublic
from app.services import groups, results, rounds, rules, workshops
from app.services.access import Actor
from app.services.rules import Action

router = APIRouter(prefix="/api/v1/workshops/{code}", tags=["groups"])


def created(request: Request, settings: Settings, made: groups.NewGroup) -> GroupCreated:
    """A new group's code, keys and links (its keys are shown in this answer)."""
    base = base_url(request, settings)
    group = made.group
    return GroupCreated(id=group.id, code=group.code, name=group.title, phase=Phase(group.phase),
                        group_facilitator_key=made.group_facilitator_key, screen_key=made.screen_key,
                        join_url=f"{base}/j/{group.code}",
                        facilitator_url=f"{base}/w/{group.code}/facilitate/{made.group_facilitator_key}",
                        screen_url=f"{base}/w/{group.code}/screen/{made.screen_key}")


@router.post("/groups", status_code=status.HTTP_201_CREATED, response_model=GroupCreated | list[GroupCreated])
def create_groups(request: Request, group_in: GroupCreate, workshop: WorkshopDep, session: SessionDep,
                  settings: SettingsDep, actor: Annotated[Actor, api_door(Action.manage_groups)],
                  credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
                  ) -> GroupCreated | list[GroupCreated]:
    """Add a group (`name`) or several (`names`: a list, answered with a list) (facilitator)."""
    made = groups.add_groups(session, event=workshop, actor=actor, names=group_in.all_names,
                             facilitator_key=credentials.credentials if credentials else None)
    notify(request, workshop.code)
    answers = [created(request, settings, m) for m in made]
    return answers[0] if group_in.name is not None else answers


@router.get("/groups", response_model=list[GroupPublic])
def list_groups(workshop: WorkshopDep, session: SessionDep) -> list[GroupPublic]:
    """The event's groups with their phase and counts (anyone with the code)."""
    event = groups.event_of(session, workshop)
    counts = groups.counts(session, event=event)
    return [GroupPublic(id=g.id, code=g.code, name=g.title, phase=Phase(g.phase),
                        participant_count=counts[g.id][0], project_count=counts[g.id][1])
            for g in groups.list_groups(session, event=event)]


@router.put("/groups/{group_id}/phase", response_model=WorkshopPublic)
def set_group_phase(request: Request, phase_in: PhaseIn, workshop: WorkshopDep, group: GroupDep,
                    session: SessionDep, actor: Annotated[Actor, group_api_door(Action.set_phase)]) -> WorkshopPublic:
    """Move one group to any phase (the event's facilitator or co-facilitator, or that group's facilitator)."""
    workshops.set_phase(session, workshop=group, actor=actor, phase=phase_in.phase)
    notify(request, group.code)
    notify(request, workshop.code)
    return workshops.describe(session, workshop=group)


@router.put("/groups/phase", response_model=list[GroupPublic])
def set_every_group_phase(request: Request, phase_in: PhaseIn, workshop: WorkshopDep, session: SessionDep,
                          actor: Annotated[Actor, api_door(Action.manage_groups)]) -> list[GroupPublic]:
    """Move every group to one phase at once (facilitator)."""
    for group in groups.set_phase_all(session, event=workshop, actor=actor, phase=phase_in.phase):
        notify(request, group.code)
    notify(request, workshop.code)
    return list_groups(workshop, session)


@router.get("/groups/{group_id}/results", response_model=Results)
def read_group_results(group: GroupDep, session: SessionDep, memo: MemoDep,
                       actor: ApiActorDep,
                       round_number: Annotated[int | None, Query(alias="round", ge=1, le=10_000)] = None) -> Results:
    """The group's results, as /results gives a workshop's, under the same rule for who may see them."""
    rules.check(Action.see_tallies, actor, group)
    round_ = rounds.get_round(session, workshop=group, number=round_number)
    return results.public(session, workshop=group, round_id=round_.id, memo=memo)


@router.put("/participants/{participant_id}/group", response_model=ParticipantMoved)
def move_participant(request: Request, participant_id: int, move_in: ParticipantMove, workshop: WorkshopDep,
                     session: SessionDep,
                     actor: Annotated[Actor, api_door(Action.move_participant)]) -> ParticipantMoved:
    """Put a participant in another group, or in none (facilitator); their dots in the group they
    leave go back to them."""
    participant, left, joined = groups.move_participant(session, event=workshop, actor=actor,
                                                        participant_id=participant_id, group_id=move_in.group_id)
    for place in {left.code, joined.code, workshop.code}:
        notify(request, place)
    return ParticipantMoved(participant_id=participant.id, group_id=joined.id if joined.is_group else None,
                            code=joined.code)
