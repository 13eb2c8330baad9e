"""JSON API: proposals."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request, Response, status

from app.deps import CeilingsDep, SessionDep, WorkshopDep, api_door, limit, notify
from app.models.project import MergeIn, PinIn, ProjectCreate, ProjectPublic, ProjectUpdate
from app.services import projects
from app.services.access import Actor, Role
from app.services.rules import Action

router = APIRouter(prefix="/api/v1/workshops/{code}/projects", tags=["projects"])


@router.get("", response_model=list[ProjectPublic])
def list_projects(workshop: WorkshopDep, session: SessionDep,
                  actor: Annotated[Actor, api_door(Action.list_projects)]) -> list[ProjectPublic]:
    """Visible projects in proposal order (hidden and merged-away ones left out). Proposals
    waiting for approval: all for the facilitator, their own for a participant, none for the screen."""
    return projects.visible_to(session, workshop=workshop, actor=actor)


@router.post("", status_code=status.HTTP_201_CREATED, response_model=ProjectPublic,
             responses={200: {"description": "The project already made with this client_request_id."}})
def create_project(request: Request, response: Response, project_in: ProjectCreate, workshop: WorkshopDep,
                   session: SessionDep, actor: Annotated[Actor, api_door(Action.propose)],
                   ceilings: CeilingsDep) -> ProjectPublic:
    """Propose a project (participant while proposing; facilitator in any phase but closed)."""
    # Retries of one submission are answered, not counted against the limit.
    if actor.role == Role.participant and not projects.is_retry(
            session, workshop=workshop, actor=actor, request_id=project_in.client_request_id):
        limit(request, "propose", participant_id=actor.participant_id)
    project, created = projects.create_project(session, workshop=workshop, actor=actor, project_in=project_in,
                                               ceilings=ceilings)
    if created:
        notify(request, workshop.code, projects=[project.id])
    else:
        response.status_code = status.HTTP_200_OK
    return projects.public(session, project)


@router.patch("/{project_id}", response_model=ProjectPublic)
def update_project(request: Request, project_id: int, project_in: ProjectUpdate, workshop: WorkshopDep,
                   session: SessionDep, actor: Annotated[Actor, api_door(Action.edit_project)]) -> ProjectPublic:
    """Edit a project (facilitator; its proposer while proposing). Under pre-moderation a
    proposer's change to an approved project waits for the facilitator (edit_pending: true) and
    the answer shows the text still shown."""
    project = projects.update_project(session, workshop=workshop, actor=actor, project_id=project_id,
                                      project_in=project_in)
    notify(request, workshop.code, projects=[project.id])
    return projects.public(session, project)


@router.post("/{project_id}/merge", response_model=ProjectPublic)
def merge_project(request: Request, project_id: int, merge_in: MergeIn, workshop: WorkshopDep,
                  session: SessionDep, actor: Annotated[Actor, api_door(Action.merge_projects)]) -> ProjectPublic:
    """Merge this project into another (facilitator); answers with the surviving project."""
    target = projects.merge_projects(session, workshop=workshop, actor=actor, project_id=project_id,
                                     into_id=merge_in.into)
    notify(request, workshop.code, projects=[project_id, target.id])
    return projects.public(session, target)


@router.delete("/{project_id}", status_code=status.HTTP_204_NO_CONTENT)
def hide_project(request: Request, project_id: int, workshop: WorkshopDep, session: SessionDep,
                 actor: Annotated[Actor, api_door(Action.hide_project)]) -> Response:
    """Hide a project (facilitator): kept for the export, its dots returned to their owners."""
    projects.hide_project(session, workshop=workshop, actor=actor, project_id=project_id)
    notify(request, workshop.code, projects=[project_id])
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/{project_id}/restore", response_model=ProjectPublic)
def restore_project(request: Request, project_id: int, workshop: WorkshopDep, session: SessionDep,
                    actor: Annotated[Actor, api_door(Action.restore_project)]) -> ProjectPublic:
    """Show a hidden project again (facilitator)."""
    project = projects.restore_project(session, workshop=workshop, actor=actor, project_id=project_id)
    notify(request, workshop.code, projects=[project.id])
    return projects.public(session, project)


@router.post("/{project_id}/approve", response_model=ProjectPublic)
def approve_project(request: Request, project_id: int, workshop: WorkshopDep, session: SessionDep,
                    actor: Annotated[Actor, api_door(Action.approve_project)]) -> ProjectPublic:
    """Approve a proposal waiting for moderation, or its proposer's change waiting under
    pre-moderation: it shows on the screen and phones (facilitator)."""
    project = projects.approve_project(session, workshop=workshop, actor=actor, project_id=project_id)
    notify(request, workshop.code, projects=[project.id])
    return projects.public(session, project)


@router.delete("/{project_id}/pending-edit", response_model=ProjectPublic)
def reject_edit(request: Request, project_id: int, workshop: WorkshopDep, session: SessionDep,
                actor: Annotated[Actor, api_door(Action.moderate_edit)]) -> ProjectPublic:
    """Reject the proposer's change waiting for approval (facilitator): the shown text stays.
    (Approving it is /approve.)"""
    project = projects.reject_edit(session, workshop=workshop, actor=actor, project_id=project_id)
    notify(request, workshop.code, projects=[project.id])
    return projects.public(session, project)


@router.post("/{project_id}/pin", response_model=ProjectPublic)
def pin_project(request: Request, project_id: int, pin_in: PinIn, workshop: WorkshopDep, session: SessionDep,
                actor: Annotated[Actor, api_door(Action.pin_project)]) -> ProjectPublic:
    """Pin a project to the top of the phones' lists and the screen's wall, or unpin it (facilitator)."""
    project = projects.set_pinned(session, workshop=workshop, actor=actor, project_id=project_id,
                                   pinned=pin_in.pinned)
    notify(request, workshop.code, projects=[project.id])
    return projects.public(session, project)
