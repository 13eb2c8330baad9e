"""Proposals: create, edit, hide and merge projects, and read them with their tags."""

from __future__ import annotations

import bisect
import copy
import dataclasses
import json
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable
from datetime import datetime
from typing import Any, TypeVar, overload

from sqlalchemy import delete, false, func, or_, true, update
from sqlalchemy import select as sa_select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app import i18n
from app.errors import Conflict, Invalid, NotFound
from app.i18n import N_
from app.models.workshop import framework_of
from app.models import (
    Participant,
    PlenarySource,
    Project,
    ProjectReformArea,
    ProjectStrategy,
    ReformArea,
    Score,
    Strategy,
    Vote,
    Workshop,
    utcnow,
)
from app.models.project import ROW_COLUMNS, Draft, ProjectCreate, ProjectPublic, ProjectRow, ProjectUpdate
from app.services import ceilings as ceiling
from app.services import action_log, participants, rounds
from app.services.access import Actor, Role
from app.services.rules import Action, check
from app.versions import Memo

T = TypeVar("T")


class Tags:
    """Strategy and reform-area ids of a set of projects, read in two queries."""

    def __init__(self, session: Session, project_ids: Iterable[int] = (), *, workshop: Workshop | None = None) -> None:
        """The tags of these projects, or (a workshop) of all its projects: then selected by a
        join, not a list of thousands of ids for the database to parse; or (both) of those of
        these projects that the workshop holds."""
        ids = list(project_ids)
        self.strategies: dict[int, list[int]] = defaultdict(list)
        self.reform_areas: dict[int, list[int]] = defaultdict(list)
        if not ids and workshop is None:
            return
        # Plain (project, tag) rows, not ORM objects: a big workshop has tens of thousands of
        # links, and building an object for each was most of the time of its ranking.
        strategy_links = select(ProjectStrategy.project_id, ProjectStrategy.strategy_id)
        area_links = select(ProjectReformArea.project_id, ProjectReformArea.reform_area_id)
        if ids:
            strategy_links = strategy_links.where(col(ProjectStrategy.project_id).in_(ids))
            area_links = area_links.where(col(ProjectReformArea.project_id).in_(ids))
        if workshop is not None:
            strategy_links = strategy_links.join(Project, col(Project.id) == ProjectStrategy.project_id).where(
                Project.workshop_id == workshop.id)
            area_links = area_links.join(Project, col(Project.id) == ProjectReformArea.project_id).where(
                Project.workshop_id == workshop.id)
        connection = session.connection()  # Core rows, no ORM step per link
        for project_id, strategy_id in connection.execute(
                strategy_links.order_by(col(ProjectStrategy.strategy_id))).all():
            self.strategies[project_id].append(strategy_id)
        for project_id, reform_area_id in connection.execute(
                area_links.order_by(col(ProjectReformArea.reform_area_id))).all():
            self.reform_areas[project_id].append(reform_area_id)

    def patched(self, changed: Collection[int], fresh: Tags) -> Tags:
        """These tags with the changed projects' replaced by `fresh` (theirs read again); this
        object is left as it is (a redraw may be reading it)."""
        out = copy.copy(self)
        out.strategies, out.reform_areas = defaultdict(list, self.strategies), defaultdict(list, self.reform_areas)
        for project_id in changed:  # copied whole (in C), then the few changed ones taken out
            out.strategies.pop(project_id, None)
            out.reform_areas.pop(project_id, None)
        out.strategies.update(fresh.strategies)
        out.reform_areas.update(fresh.reform_areas)
        return out


def to_public(project: Project, tags: Tags, group_id: int | None = None) -> ProjectPublic:
    return ProjectPublic(
        id=project.id, title=project.title, description=project.description, agency=project.agency,
        strategy_ids=tags.strategies.get(project.id, []),
        reform_area_ids=tags.reform_areas.get(project.id, []),
        proposer_id=project.proposer_id, created_at=project.created_at,
        hidden=project.hidden, merged_into_id=project.merged_into_id,
        pinned=project.pinned, approved=project.approved, edit_pending=project.edit_pending,
        co_agencies=[name for name in project.co_agencies.splitlines() if name.strip()],
        group_id=group_id,
    )


def _group_id(workshop: Workshop | None) -> int | None:
    """A project's `group_id` in API answers: its workshop's id when that is a breakout group
    (app/services/groups.py), None for a workshop's own (an event's: the plenary's) projects."""
    return workshop.id if workshop is not None and workshop.parent_id is not None else None


def list_projects(session: Session, *, workshop: Workshop, include_removed: bool = False,
                  include_pending: bool = False, proposer_id: int | None = None) -> list[Project]:
    """Projects in proposal order. Left out unless asked for: hidden and merged-away ones
    (include_removed, which also brings every pending one) and proposals waiting for approval
    (include_pending; a proposer_id brings that participant's own)."""
    query = _listed(select(Project), workshop, include_removed, include_pending, proposer_id)
    return list(session.exec(query.order_by(col(Project.created_at), col(Project.id))))


def list_rows(session: Session, *, workshop: Workshop, include_removed: bool = False,
              include_pending: bool = False, proposer_id: int | None = None) -> list[ProjectRow]:
    """The same projects as `list_projects`, as plain rows: what the ranking and the live views
    read on every redraw (a tenth of the time of ORM objects for a workshop of 3,000)."""
    query = _listed(_row_select(), workshop, include_removed, include_pending, proposer_id)
    return _rows(session, query)


def visible_rows(session: Session, *, workshop: Workshop,
                 kept: Memo | None = None) -> tuple[list[ProjectRow], Tags]:
    """The visible projects (`list_rows`) and their tags; with `kept` (a projects-only Memo),
    read once until the projects change: a vote does not change them, and a change that names
    its projects (an edit, a new proposal, a hide...) reads only theirs again."""
    def read() -> tuple[list[ProjectRow], Tags]:
        return list_rows(session, workshop=workshop), Tags(session, workshop=workshop)

    def patch(before: tuple[list[ProjectRow], Tags], changed: frozenset[int]) -> tuple[list[ProjectRow], Tags]:
        if not changed:
            return before
        rows, tags = before
        fresh = _rows(session, _listed(_row_select(), workshop, False, False, None)
                      .where(col(Project.id).in_(sorted(changed))))
        patched = [row for row in rows if row.id not in changed]  # a new list: `rows` may be read meanwhile
        for row in fresh:  # back in place (hidden, merged away or deleted ones stay out)
            bisect.insort(patched, row, key=_proposal_order)
        return patched, tags.patched(changed, Tags(session, changed, workshop=workshop))

    return read() if kept is None else kept.get(workshop.code, ("visible projects", workshop.id), read, patch)


def list_removed_rows(session: Session, *, workshop: Workshop, kept: Memo | None = None) -> list[ProjectRow]:
    """Hidden and merged-away projects, in proposal order (the console's "removed" list); with
    `kept` (a projects-only Memo), read again only when the projects change (a vote does not
    hide or merge any: reading a big workshop's projects to find none took a millisecond)."""
    def read() -> list[ProjectRow]:
        removed = or_(col(Project.hidden) == true(), col(Project.merged_into_id).is_not(None))
        return _rows(session, _row_select().where(Project.workshop_id == workshop.id, removed))

    return read() if kept is None else kept.get(workshop.code, ("removed projects", workshop.id), read)


def _row_select() -> Any:
    table = Project.__table__  # type: ignore[attr-defined]  # SQLModel's table, for a Core select
    return sa_select(*(table.c[name] for name in ROW_COLUMNS))


def _rows(session: Session, query: Any) -> list[ProjectRow]:
    # Core, on the session's connection (same transaction): no ORM loading step for each row.
    # In proposal order (as _proposal_order sorts them).
    result = session.connection().execute(query.order_by(col(Project.created_at), col(Project.id)))
    return [ProjectRow(*row) for row in result.all()]  # all(): one fetch, not one call per row


def _proposal_order(row: ProjectRow) -> tuple[datetime, int]:
    """Where a row goes in a list read by _rows (the same order, for one put back in place)."""
    return row.created_at, row.id


Q = TypeVar("Q", bound=Any)


def _listed(query: Q, workshop: Workshop, include_removed: bool, include_pending: bool,
            proposer_id: int | None) -> Q:
    query = query.where(Project.workshop_id == workshop.id)
    if not include_removed:
        query = query.where(col(Project.hidden) == false(), col(Project.merged_into_id).is_(None))
        if not include_pending:
            own = col(Project.proposer_id) == proposer_id if proposer_id is not None else false()
            query = query.where(or_(col(Project.approved) == true(), own))
    return query


def list_public(session: Session, *, workshop: Workshop, include_removed: bool = False,
                include_pending: bool = False, proposer_id: int | None = None) -> list[ProjectPublic]:
    projects = list_projects(session, workshop=workshop, include_removed=include_removed,
                             include_pending=include_pending, proposer_id=proposer_id)
    tags = Tags(session, (p.id for p in projects))
    return [to_public(p, tags, _group_id(workshop)) for p in projects]


def visible_to(session: Session, *, workshop: Workshop, actor: Actor) -> list[ProjectPublic]:
    """GET /projects: the facilitator sees proposals waiting for approval too; a participant
    sees only their own of those; the screen sees none."""
    return list_public(session, workshop=workshop, include_pending=actor.is_staff,
                       proposer_id=actor.participant_id if actor.role == Role.participant else None)


def list_pending(session: Session, *, workshop: Workshop, kept: Memo | None = None) -> list[Project]:
    """Proposals waiting for the facilitator's approval, oldest first (the queue); `kept`: see
    `_queue`."""
    def read() -> list[Project]:
        return list(session.exec(select(Project).where(
            Project.workshop_id == workshop.id, col(Project.approved) == false(),
            col(Project.hidden) == false(), col(Project.merged_into_id).is_(None),
        ).order_by(col(Project.created_at), col(Project.id))))

    return _queue(session, workshop, kept, "pending projects", read)


def _queue(session: Session, workshop: Workshop, kept: Memo | None, name: str,
           read: Callable[[], list[Project]]) -> list[Project]:
    """A moderation queue as the live views read it. With `kept` (a projects-only Memo), its
    projects' ids are kept until the projects change (a vote changes no queue) and only those
    projects are read: finding the queue looks through all of a big workshop's projects, a
    millisecond on every redraw of its console, mostly to find none."""
    if kept is None:
        return read()
    ids = kept.get(workshop.code, (name, workshop.id), lambda: [p.id for p in read()])
    if not ids:
        return []
    found = {p.id: p for p in session.exec(select(Project).where(col(Project.id).in_(ids)))}
    return [found[i] for i in ids if i in found]


def list_by_proposer(session: Session, *, workshop: Workshop, participant_id: int) -> list[Project]:
    """A participant's own proposals, newest first, whatever became of them."""
    return list(session.exec(select(Project).where(
        Project.workshop_id == workshop.id, Project.proposer_id == participant_id,
    ).order_by(col(Project.created_at).desc(), col(Project.id).desc())))


@overload
def pinned_first(items: Iterable[Project], *, newest_first: bool = False) -> list[Project]: ...
@overload
def pinned_first(items: Iterable[T], *, project: Callable[[T], Project], newest_first: bool = False) -> list[T]: ...
def pinned_first(items: Iterable[Any], *, project: Callable[[Any], Project] | None = None,
                 newest_first: bool = False) -> list[Any]:
    """The order of the phones' lists and the screen's wall: pinned projects first, then by
    proposal time (newest first when asked), then id. `project` finds the project in an item."""
    of: Callable[[Any], Project] = project or (lambda item: item)
    if newest_first:  # one sort, one key per item (a big workshop's lists are sorted on every redraw)
        return sorted(items, key=lambda i: (bool((p := of(i)).pinned), p.created_at, p.id), reverse=True)
    return sorted(items, key=lambda i: (not (p := of(i)).pinned, p.created_at, p.id))


def get_project(session: Session, *, workshop: Workshop, project_id: int, include_removed: bool = False) -> Project:
    project = session.get(Project, project_id) if 0 < project_id < 2**62 else None
    if project is None or project.workshop_id != workshop.id or (
        not include_removed and (project.hidden or project.merged_into_id is not None)
    ):
        raise NotFound("This workshop has no project with id {id}.", id=project_id)
    return project


def public(session: Session, project: Project) -> ProjectPublic:
    return to_public(project, Tags(session, [project.id]), _group_id(session.get(Workshop, project.workshop_id)))


def _check_tags(session: Session, *, workshop: Workshop, strategy_ids: list[int], reform_area_ids: list[int]) -> None:
    for model, ids, label in ((Strategy, strategy_ids, "strategy"), (ReformArea, reform_area_ids, "reform area")):
        if not ids:
            continue
        known = set(session.exec(select(model.id).where(model.workshop_id == framework_of(workshop),
                                                        col(model.id).in_(ids))))
        unknown = [i for i in ids if i not in known]
        if unknown:
            raise Invalid("Unknown {label} id(s) for this workshop: {ids}.", label=label,
                          ids=", ".join(map(str, unknown[:10])))


def _set_tags(session: Session, *, project: Project, strategy_ids: list[int] | None,
              reform_area_ids: list[int] | None) -> None:
    if strategy_ids is not None:
        session.exec(delete(ProjectStrategy).where(col(ProjectStrategy.project_id) == project.id))
        session.add_all(ProjectStrategy(project_id=project.id, strategy_id=i) for i in strategy_ids)
    if reform_area_ids is not None:
        session.exec(delete(ProjectReformArea).where(col(ProjectReformArea.project_id) == project.id))
        session.add_all(ProjectReformArea(project_id=project.id, reform_area_id=i) for i in reform_area_ids)


def create_project(session: Session, *, workshop: Workshop, actor: Actor, project_in: ProjectCreate,
                   ceilings: ceiling.Ceilings = ceiling.DEFAULT) -> tuple[Project, bool]:
    """Add a proposal; returns (project, created). A repeated client_request_id returns the first."""
    check(Action.propose, actor, workshop)
    proposer_id = actor.participant_id
    if project_in.client_request_id:
        existing = _by_request_id(session, workshop=workshop, proposer_id=proposer_id,
                                  request_id=project_in.client_request_id)
        if existing is not None:
            return existing, False
    ceiling.check_room_for_project(session, workshop=workshop, ceilings=ceilings)
    _check_tags(session, workshop=workshop, strategy_ids=project_in.strategy_ids,
                reform_area_ids=project_in.reform_area_ids)
    # Pre-moderation: a participant's proposal waits for the facilitator's approval.
    approved = not (workshop.premoderate and actor.role == Role.participant)
    project = Project(workshop_id=workshop.id, title=project_in.title, description=project_in.description,
                      agency=project_in.agency or (actor.participant.agency if actor.participant else ""),
                      proposer_id=proposer_id, client_request_id=project_in.client_request_id,
                      approved=approved)
    session.add(project)
    try:
        session.flush()
        _set_tags(session, project=project, strategy_ids=project_in.strategy_ids,
                  reform_area_ids=project_in.reform_area_ids)
        session.commit()
    except IntegrityError:
        # The same request arrived twice at once and the other copy won: answer with it.
        session.rollback()
        existing = _by_request_id(session, workshop=workshop, proposer_id=proposer_id,
                                  request_id=project_in.client_request_id or "")
        if existing is None:
            raise
        return existing, False
    return project, True


def is_retry(session: Session, *, workshop: Workshop, actor: Actor, request_id: str | None) -> bool:
    """Whether this client request id already made a project (a retry, not a new proposal)."""
    return bool(request_id) and _by_request_id(session, workshop=workshop, proposer_id=actor.participant_id,
                                               request_id=request_id or "") is not None


def _by_request_id(session: Session, *, workshop: Workshop, proposer_id: int | None, request_id: str) -> Project | None:
    proposer = col(Project.proposer_id).is_(None) if proposer_id is None else Project.proposer_id == proposer_id
    return session.exec(select(Project).where(Project.workshop_id == workshop.id, proposer,
                                              Project.client_request_id == request_id)).first()


def update_project(session: Session, *, workshop: Workshop, actor: Actor, project_id: int,
                   project_in: ProjectUpdate) -> Project:
    """The facilitator edits in any phase but closed; a proposer edits their own while proposing."""
    check(Action.edit_project, actor, workshop)
    project = get_project(session, workshop=workshop, project_id=project_id,
                          include_removed=actor.is_staff)
    check(Action.edit_project, actor, project=project)  # a proposer: only their own
    changes = project_in.model_dump(exclude_unset=True, exclude={"strategy_ids", "reform_area_ids"})
    if any(v is None for v in changes.values()):
        raise Invalid("Fields of a project cannot be set to null.")
    _check_tags(session, workshop=workshop, strategy_ids=project_in.strategy_ids or [],
                reform_area_ids=project_in.reform_area_ids or [])
    if actor.role == Role.participant and workshop.premoderate and project.approved:
        # Pre-moderation: the approved text stays on the screen until the facilitator approves this.
        _hold_edit(session, project=project, changes=changes, strategy_ids=project_in.strategy_ids,
                   reform_area_ids=project_in.reform_area_ids)
        session.commit()
        return project
    for field, value in changes.items():
        setattr(project, field, value)
    session.add(project)
    _set_tags(session, project=project, strategy_ids=project_in.strategy_ids,
              reform_area_ids=project_in.reform_area_ids)
    if actor.is_staff:  # staff edits are logged; a proposer editing their own is not moderation
        _log(session, workshop, actor, Action.edit_project, project)
    session.commit()
    return project


# --- pre-moderation of edits ---


def approved_draft(session: Session, project: Project) -> Draft:
    tags = Tags(session, [project.id])
    return Draft(project.title, project.description, project.agency,
                 tags.strategies.get(project.id, []), tags.reform_areas.get(project.id, []))


def _hold_edit(session: Session, *, project: Project, changes: dict[str, str], strategy_ids: list[int] | None,
               reform_area_ids: list[int] | None) -> None:
    """Keep the proposer's edit (on top of an edit already waiting) for the facilitator; an edit
    back to the approved text withdraws it."""
    approved = approved_draft(session, project)
    draft = project.pending_draft or approved
    draft = Draft(title=changes.get("title", draft.title), description=changes.get("description", draft.description),
                  agency=changes.get("agency", draft.agency),
                  strategy_ids=draft.strategy_ids if strategy_ids is None else sorted(strategy_ids),
                  reform_area_ids=draft.reform_area_ids if reform_area_ids is None else sorted(reform_area_ids))
    if draft == approved:
        _clear_edit(project)
    else:
        project.pending_title, project.pending_description, project.pending_agency = (
            draft.title, draft.description, draft.agency)
        project.pending_tags = json.dumps({"strategy_ids": draft.strategy_ids,
                                           "reform_area_ids": draft.reform_area_ids})
        project.pending_since = utcnow()
    session.add(project)


def _clear_edit(project: Project) -> None:
    project.pending_title = project.pending_description = project.pending_agency = project.pending_tags = None
    project.pending_since = None


def list_pending_edits(session: Session, *, workshop: Workshop, kept: Memo | None = None) -> list[Project]:
    """Shown projects whose proposer's edit waits for approval, oldest edit first (the queue);
    `kept`: see `_queue`."""
    def read() -> list[Project]:
        return list(session.exec(select(Project).where(
            Project.workshop_id == workshop.id, col(Project.pending_since).is_not(None),
            col(Project.hidden) == false(), col(Project.merged_into_id).is_(None),
        ).order_by(col(Project.pending_since), col(Project.id))))

    return _queue(session, workshop, kept, "pending edits", read)


def approve_edit(session: Session, *, workshop: Workshop, actor: Actor, project_id: int) -> Project:
    """Put the proposer's waiting edit in place of the approved text: now it shows everywhere."""
    check(Action.moderate_edit, actor, workshop)
    project = get_project(session, workshop=workshop, project_id=project_id)
    draft = project.pending_draft
    if draft is None:
        raise Conflict("This project has no edit waiting for approval.")
    _check_tags(session, workshop=workshop, strategy_ids=draft.strategy_ids, reform_area_ids=draft.reform_area_ids)
    project.title, project.description, project.agency = draft.title, draft.description, draft.agency
    _set_tags(session, project=project, strategy_ids=draft.strategy_ids, reform_area_ids=draft.reform_area_ids)
    _clear_edit(project)
    session.add(project)
    _log(session, workshop, actor, Action.moderate_edit, project, action_log.EDIT_APPROVED)
    session.commit()
    return project


def reject_edit(session: Session, *, workshop: Workshop, actor: Actor, project_id: int) -> Project:
    """Drop the proposer's waiting edit; the approved text stays."""
    check(Action.moderate_edit, actor, workshop)
    project = get_project(session, workshop=workshop, project_id=project_id)
    if project.pending_since is None:
        raise Conflict("This project has no edit waiting for approval.")
    _clear_edit(project)
    session.add(project)
    _log(session, workshop, actor, Action.moderate_edit, project, action_log.EDIT_REJECTED)
    session.commit()
    return project


def hide_project(session: Session, *, workshop: Workshop, actor: Actor, project_id: int) -> Project:
    """Hide a project (kept for the export); its dots go back to their owners."""
    check(Action.hide_project, actor, workshop)
    project = _lock_project(session, workshop=workshop, project_id=project_id)
    project.hidden = True
    session.add(project)
    session.exec(delete(Vote).where(col(Vote.project_id) == project.id))
    session.exec(delete(Score).where(col(Score.project_id) == project.id))
    _log(session, workshop, actor, Action.hide_project, project)
    session.commit()
    return project


def restore_project(session: Session, *, workshop: Workshop, actor: Actor, project_id: int) -> Project:
    """Show a hidden project again (with no dots: those went back when it was hidden)."""
    check(Action.restore_project, actor, workshop)
    project = get_project(session, workshop=workshop, project_id=project_id, include_removed=True)
    if project.merged_into_id is not None:
        raise Conflict("A project merged into another cannot be restored.")
    project.hidden = False
    session.add(project)
    _log(session, workshop, actor, Action.restore_project, project)
    session.commit()
    return project


def merge_projects(session: Session, *, workshop: Workshop, actor: Actor, project_id: int, into_id: int) -> Project:
    """Merge a duplicate into another: tags united, agencies united (the duplicate's become the
    survivor's co-proposers), each owner's dots summed and clipped to the cap; a participant
    whose dots were clipped is told on their phone how many came back to them."""
    check(Action.merge_projects, actor, workshop)
    if project_id == into_id:
        raise Invalid("A project cannot be merged into itself.")
    # Lock both rows first (in id order): votes on them wait until the merge is done.
    for pid in sorted((project_id, into_id)):
        _lock_project(session, workshop=workshop, project_id=pid)
    source = get_project(session, workshop=workshop, project_id=project_id)
    target = get_project(session, workshop=workshop, project_id=into_id)
    tags = Tags(session, [source.id, target.id])
    _set_tags(session, project=target,
              strategy_ids=sorted(set(tags.strategies[source.id]) | set(tags.strategies[target.id])),
              reform_area_ids=sorted(set(tags.reform_areas[source.id]) | set(tags.reform_areas[target.id])))
    target.co_agencies = _co_agencies(united_agencies(target, source)[1:])
    # Per participant and round: dots summed and clipped to that round's cap. Clipped dots need
    # no bookkeeping: a budget is what its votes do not use.
    plan = merged_dots(session, workshop=workshop, source=source, target=target)
    target_votes = {(v.participant_id, v.round_id): v
                    for v in session.exec(select(Vote).where(Vote.project_id == target.id))}
    for vote in session.exec(select(Vote).where(Vote.project_id == source.id)).all():
        kept = target_votes.get((vote.participant_id, vote.round_id))
        total = plan.totals[(vote.participant_id, vote.round_id)]
        session.delete(vote)
        if kept is not None:
            kept.dots = total
            session.add(kept)
        else:
            session.add(Vote(participant_id=vote.participant_id, project_id=target.id, round_id=vote.round_id,
                             workshop_id=workshop.id, dots=total))
    # Scores: the surviving project keeps its own; a score given only to the duplicate moves over.
    target_scores = {(s.participant_id, s.round_id, s.criterion)
                     for s in session.exec(select(Score).where(Score.project_id == target.id))}
    for score in session.exec(select(Score).where(Score.project_id == source.id)).all():
        key = (score.participant_id, score.round_id, score.criterion)
        session.delete(score)
        if key not in target_scores:
            session.add(Score(participant_id=score.participant_id, project_id=target.id, round_id=score.round_id,
                              criterion=score.criterion, workshop_id=workshop.id, value=score.value))
    rounds.carry_scope(session, source_id=source.id, target_id=target.id)
    # Large events: merging plenary projects unites where they came from (app/services/plenary.py).
    session.exec(update(PlenarySource).where(col(PlenarySource.project_id) == source.id)
                 .values(project_id=target.id))
    _tell_refunds(session, workshop=workshop, source=source, target=target, refunds=plan.refunds)
    session.flush()
    source.merged_into_id = target.id
    # Merging a shown proposal into one still waiting shows the survivor: the facilitator chose it.
    target.approved = target.approved or source.approved
    session.add_all([source, target])
    action_log.record(session, workshop=workshop, actor=actor, action=Action.merge_projects, message=action_log.MERGE,
                      source=source.id, source_title=_short(source.title, 200), target=target.id,
                      target_title=_short(target.title, 200))
    session.commit()
    return target


def united_agencies(*merged: Project) -> list[str]:
    """The agencies of projects merged into one: the first's own agency first, then the others'
    agencies and co-proposers, each once (compared ignoring case and spaces), empty ones left out."""
    seen: set[str] = set()
    united: list[str] = []
    for project in merged:
        for name in project.agencies:
            key = " ".join(name.split()).casefold()
            if key and key not in seen:
                seen.add(key)
                united.append(name.strip())
    if merged and not merged[0].agency.strip():
        united.insert(0, "")  # the survivor names no agency of its own: the others stay co-proposers
    return united


def _co_agencies(names: list[str], limit: int = 2000) -> str:
    """One per line, as many as the column holds (a name is never cut in half)."""
    kept: list[str] = []
    for name in names:
        if len("\n".join([*kept, name])) > limit:
            break
        kept.append(name)
    return "\n".join(kept)


@dataclasses.dataclass
class MergedDots:
    """What a merge does to dots: (participant, round) -> the dots on the survivor afterwards,
    and participant -> the dots the cap gave back to them."""

    totals: dict[tuple[int, int], int] = dataclasses.field(default_factory=dict)
    refunds: dict[int, int] = dataclasses.field(default_factory=dict)


def merged_dots(session: Session, *, workshop: Workshop, source: Project, target: Project) -> MergedDots:
    """Each participant's dots on both projects, summed and clipped to their round's cap."""
    caps = {r.id: rounds.cap(r, workshop) for r in rounds.list_rounds(session, workshop=workshop)}
    kept = {(v.participant_id, v.round_id): v.dots
            for v in session.exec(select(Vote).where(Vote.project_id == target.id))}
    plan = MergedDots()
    for vote in session.exec(select(Vote).where(Vote.project_id == source.id)).all():
        key = (vote.participant_id, vote.round_id)
        summed = vote.dots + kept.get(key, 0)
        plan.totals[key] = min(caps[vote.round_id], summed)
        if summed > plan.totals[key]:
            plan.refunds[vote.participant_id] = plan.refunds.get(vote.participant_id, 0) + summed - plan.totals[key]
    return plan


REFUND_NOTICE = N_("“{source}” was merged into “{target}”. You had more dots on the two than one project "
                   "may hold, so {dots} dot(s) came back to you: you can give them again.")


def _tell_refunds(session: Session, *, workshop: Workshop, source: Project, target: Project,
                  refunds: dict[int, int]) -> None:
    """Leave each participant whose dots the cap gave back a notice for their phone, in the
    workshop's language (the phone shows it once)."""
    if not refunds:
        return
    for participant in session.exec(select(Participant).where(col(Participant.id).in_(list(refunds)))):
        text = i18n.translate_error(REFUND_NOTICE, {"source": _short(source.title), "target": _short(target.title),
                                                    "dots": refunds[participant.id]}, workshop.language)
        participants.add_notice(participant, text)
        session.add(participant)


@dataclasses.dataclass
class Side:
    """One of two projects as the merge's compare shows it: its text, tags, agencies and the
    current round's dots and voters."""

    project: Project
    strategy_ids: list[int]
    reform_area_ids: list[int]
    dots: int
    voters: int


@dataclasses.dataclass
class MergePreview:
    """What merging `source` into `target` would make: both sides, the survivor's united tags
    and agencies, and the dots the cap would give back (to how many participants)."""

    source: Side
    target: Side
    strategy_ids: list[int]
    reform_area_ids: list[int]
    agencies: list[str]
    refunded_dots: int
    refunded_people: int


def merge_preview(session: Session, *, workshop: Workshop, actor: Actor, project_id: int, into_id: int) -> MergePreview:
    """The side-by-side compare the console shows before a merge (nothing is changed)."""
    check(Action.merge_projects, actor, workshop)
    if project_id == into_id:
        raise Invalid("A project cannot be merged into itself.")
    source = get_project(session, workshop=workshop, project_id=project_id)
    target = get_project(session, workshop=workshop, project_id=into_id)
    tags = Tags(session, [source.id, target.id])
    round_id = rounds.current_round(session, workshop=workshop).id
    figures = {pid: (int(dots), int(voters)) for pid, dots, voters in session.exec(
        select(Vote.project_id, func.sum(Vote.dots), func.count())
        .where(col(Vote.project_id).in_([source.id, target.id]), Vote.round_id == round_id, Vote.dots > 0)
        .group_by(col(Vote.project_id)))}
    plan = merged_dots(session, workshop=workshop, source=source, target=target)

    def side(project: Project) -> Side:
        dots, voters = figures.get(project.id, (0, 0))
        return Side(project, tags.strategies[project.id], tags.reform_areas[project.id], dots, voters)

    return MergePreview(
        source=side(source), target=side(target),
        strategy_ids=sorted(set(tags.strategies[source.id]) | set(tags.strategies[target.id])),
        reform_area_ids=sorted(set(tags.reform_areas[source.id]) | set(tags.reform_areas[target.id])),
        agencies=[name for name in united_agencies(target, source) if name],
        refunded_dots=sum(plan.refunds.values()), refunded_people=len(plan.refunds),
    )


def _short(title: str, length: int = 120) -> str:
    one_line = " ".join(title.split())
    return one_line if len(one_line) <= length else one_line[:length - 1] + "…"


def approve_project(session: Session, *, workshop: Workshop, actor: Actor, project_id: int) -> Project:
    """Let a proposal waiting for approval show on the screen and the phones; for a shown
    proposal, its proposer's waiting edit."""
    check(Action.approve_project, actor, workshop)
    project = get_project(session, workshop=workshop, project_id=project_id)
    if project.approved and project.pending_since is not None:
        return approve_edit(session, workshop=workshop, actor=actor, project_id=project_id)
    project.approved = True
    session.add(project)
    _log(session, workshop, actor, Action.approve_project, project)
    session.commit()
    return project


def _log(session: Session, workshop: Workshop, actor: Actor, action: Action, project: Project,
         message: str = action_log.PROJECT) -> None:
    """An entry of the action log for a change to one project (committed with the change)."""
    action_log.record(session, workshop=workshop, actor=actor, action=action, message=message, id=project.id,
                      title=_short(project.title, 300))


def set_pinned(session: Session, *, workshop: Workshop, actor: Actor, project_id: int, pinned: bool) -> Project:
    """Pin a project to the top of the phones' lists and the screen's wall (or unpin it)."""
    check(Action.pin_project, actor, workshop)
    project = get_project(session, workshop=workshop, project_id=project_id)
    project.pinned = pinned
    session.add(project)
    session.commit()
    return project


def _lock_project(session: Session, *, workshop: Workshop, project_id: int) -> Project:
    """Take the project's row lock (PostgreSQL; SQLite locks the database on first write)."""
    if not 0 < project_id < 2**62:  # past what the id column holds: the UPDATE would overflow
        raise NotFound("This workshop has no project with id {id}.", id=project_id)
    result = session.exec(update(Project).where(col(Project.id) == project_id, col(Project.workshop_id) == workshop.id)
                          .values(id=Project.id))
    if result.rowcount == 0:
        raise NotFound("This workshop has no project with id {id}.", id=project_id)
    return get_project(session, workshop=workshop, project_id=project_id)


def participants_by_id(session: Session, *, workshop: Workshop) -> dict[int, Participant]:
    return {p.id: p for p in session.exec(select(Participant).where(Participant.workshop_id == workshop.id))}
