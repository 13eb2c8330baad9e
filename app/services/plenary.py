"""The roll-up of a large event: each group's top projects (or hand-picked ones) go up to the
plenary, the event's own workshop, where the whole hall votes on them.

A plenary project is a copy of its group project (title, description, agencies, tags) in the
event's workshop, with one PlenarySource row per group project it came from: that group, its
rank and dots there when promoted (its lineage). A group's ranking is the one its results show
(app/services/results.py, the ranking rule): "top K" takes every project ranked K or better, so
projects tied at the K-th place all go up. A merge of plenary projects unites their lineage
(app/services/projects.py moves the rows to the survivor).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import AliasChoices, BaseModel, ConfigDict, model_validator
from pydantic import Field as PydField
from sqlmodel import Session, col, select

from app.errors import Invalid, NotFound
from app.models import PlenarySource, Project, ProjectReformArea, ProjectStrategy, Workshop
from app.models.project import ProjectRow
from app.models.schemas import Id
from app.services import action_log, duplicates, groups, results, rules
from app.services.lineage import SourcePublic, lineage, to_public_sources
from app.services import projects as projects_service
from app.services.access import Actor
from app.services.rules import Action

MAX_TOP = 1000  # far past any group's list: a bigger K is a typo


class PlenaryIn(BaseModel):
    """Either each group's top K, or the projects picked by hand (group project ids)."""

    model_config = ConfigDict(extra="forbid")
    top: int | None = PydField(default=None, ge=1, le=MAX_TOP)
    project_ids: list[Id] | None = PydField(default=None, min_length=1, max_length=10_000)

    @model_validator(mode="after")
    def one_way(self) -> PlenaryIn:
        if (self.top is None) == (self.project_ids is None):
            raise ValueError("give either top (each group's top K) or project_ids, not both")
        return self


class PlenaryProjectPublic(BaseModel):
    model_config = ConfigDict(serialize_by_alias=True)
    id: int
    title: str
    from_: list[SourcePublic] = PydField(default_factory=list, serialization_alias="from",
                                   validation_alias=AliasChoices("from", "from_"))


class PromotedPublic(BaseModel):
    projects: list[PlenaryProjectPublic]


@dataclass(frozen=True)
class Candidate:
    """A group project as its group's ranking placed it."""

    group: Workshop
    project: Project | ProjectRow  # as the ranking read it (a plain row, app/models/project.py)
    rank: int
    dots: int


def group_rankings(session: Session, *, event: Workshop) -> list[tuple[Workshop, results.Outcome]]:
    """Each group (in number order) with its current round's ranking, as its results show it."""
    return [(group, results.compute(session, workshop=group)) for group in groups.list_groups(session, event=event)]


def _candidates(session: Session, *, event: Workshop, plenary_in: PlenaryIn) -> list[Candidate]:
    """The group projects asked for, by group number and then in their group's ranking order."""
    picked = set(plenary_in.project_ids or [])
    chosen: list[Candidate] = []
    for group, outcome in group_rankings(session, event=event):
        for standing in outcome.standings:
            wanted = (standing.rank <= plenary_in.top if plenary_in.top is not None
                      else standing.project.id in picked)
            if wanted:
                chosen.append(Candidate(group, standing.project, standing.rank, standing.dots))
    if plenary_in.project_ids is not None:
        unknown = picked - {c.project.id for c in chosen}
        if unknown:
            raise Invalid("These are not shown projects of this workshop's groups: {ids}.",
                          ids=", ".join(map(str, sorted(unknown)[:10])))
    return chosen


def promote(session: Session, *, event: Workshop, actor: Actor, plenary_in: PlenaryIn) -> list[Project]:
    """Copy the chosen group projects into the plenary, each with its lineage; a group project
    promoted before is not copied again (its plenary project is answered instead). Returns the
    plenary projects holding the chosen ones, in creation order. Commits."""
    rules.require(Action.promote_to_plenary, actor, event)
    if event.parent_id is not None:
        raise Invalid("Projects go up to the plenary from the workshop's console, not a group's.")
    if not groups.has_groups(session, event=event):
        raise Invalid("This workshop has no groups to promote projects from.")
    chosen = _candidates(session, event=event, plenary_in=plenary_in)
    already = dict(session.exec(select(PlenarySource.source_project_id, PlenarySource.project_id).where(
        col(PlenarySource.source_project_id).in_([c.project.id for c in chosen]))).all())
    tags = projects_service.Tags(session, (c.project.id for c in chosen if c.project.id not in already))
    answered: dict[int, None] = {}  # plenary project ids, in order, once each
    made: list[str] = []
    for candidate in chosen:
        source = candidate.project
        if source.id in already:
            answered[already[source.id]] = None
            continue
        copy = Project(workshop_id=event.id, title=source.title, description=source.description,
                       agency=source.agency, co_agencies=source.co_agencies)
        session.add(copy)
        session.flush()  # its id; created_at follows the creation order
        session.add_all(ProjectStrategy(project_id=copy.id, strategy_id=i) for i in tags.strategies.get(source.id, []))
        session.add_all(ProjectReformArea(project_id=copy.id, reform_area_id=i)
                        for i in tags.reform_areas.get(source.id, []))
        session.add(PlenarySource(project_id=copy.id, group_id=candidate.group.id, source_project_id=source.id,
                                  rank=candidate.rank, dots=candidate.dots))
        answered[copy.id] = None
        made.append(f"#{source.id} ({candidate.group.title}, {candidate.rank}) -> #{copy.id}")
    if made:
        moves = "; ".join(made)
        if plenary_in.top is not None:
            action_log.record(session, workshop=event, actor=actor, action=Action.promote_to_plenary,
                              message=action_log.PROMOTED_TOP, top=plenary_in.top, moves=moves)
        else:
            action_log.record(session, workshop=event, actor=actor, action=Action.promote_to_plenary,
                              message=action_log.PROMOTED_PICKED, moves=moves)
    session.commit()
    if not answered:
        return []
    by_id = {p.id: p for p in session.exec(select(Project).where(col(Project.id).in_(list(answered))))}
    return [by_id[pid] for pid in answered]


def to_public(session: Session, projects: Sequence[Project]) -> PromotedPublic:
    sources = lineage(session, project_ids=[p.id for p in projects])
    return PromotedPublic(projects=[PlenaryProjectPublic(id=p.id, title=p.title,
                                                         from_=to_public_sources(sources.get(p.id, [])))
                                    for p in projects])


@dataclass(frozen=True)
class CrossHint:
    """The same idea, probably, in two groups: promote both, then merge them in the plenary."""

    group_a: Workshop
    project_a: Project
    group_b: Workshop
    project_b: Project
    score: float
    shared_words: tuple[str, ...]


def cross_group_hints(session: Session, *, event_groups: Sequence[Workshop], limit: int = 30) -> list[CrossHint]:
    """Likely duplicates between shown projects of different groups (pairs within one group are
    that group's own hints), most similar first; the IDF is taken over every group's proposals."""
    by_id = {g.id: g for g in event_groups}
    shown = session.exec(select(Project).where(
        col(Project.workshop_id).in_(list(by_id)), col(Project.hidden).is_(False),
        col(Project.merged_into_id).is_(None), col(Project.approved).is_(True),
    ).order_by(col(Project.created_at), col(Project.id))).all()
    projects = {p.id: p for p in shown}
    docs = [duplicates.Doc(key=p.id, title=p.title, description=p.description) for p in shown]
    found = []
    for pair in duplicates.similar_pairs(docs):
        a, b = projects[pair.a], projects[pair.b]
        if a.workshop_id != b.workshop_id:
            found.append(CrossHint(by_id[a.workshop_id], a, by_id[b.workshop_id], b, pair.score, pair.shared_words))
            if len(found) >= limit:
                break
    return found


def console_context(session: Session, *, event: Workshop, outcome: results.Outcome) -> dict[str, Any]:
    """The event console's Plenary card: the plenary's projects with where they came from, the
    groups to promote from, and cross-group duplicate hints. Cheap enough for every redraw of the
    console (no group is ranked here: a group's list to tick loads when opened, group_pick).
    Nothing for a group's console or a workshop without groups."""
    if event.parent_id is not None:
        return {}
    event_groups = groups.list_groups(session, event=event)
    if not event_groups:
        return {}
    return {
        "plenary_groups": event_groups,
        "plenary_up": plenary_of(session, event=event),
        "plenary_group_names": {group.id: group for group in event_groups},
        "plenary_lineage": outcome.lineage,
        "plenary_hints": [] if event.phase == "closed" else cross_group_hints(session, event_groups=event_groups),
        "plenary_shown": {s.project.id for s in outcome.standings},
    }


# A group's list to tick shows this many of its ranking (a table rarely sends more than its top
# ten; the top K form reaches past it).
CONSOLE_LIST = 30


def get_group(session: Session, *, event: Workshop, group_id: int) -> Workshop:
    group = session.get(Workshop, group_id) if 0 < group_id < 2**62 else None
    if group is None or group.parent_id != event.id:
        raise NotFound("This workshop has no group with id {id}.", id=group_id)
    return group


def group_pick(session: Session, *, event: Workshop, group_id: int) -> dict[str, Any]:
    """One group's ranking to tick projects from, what is up already marked."""
    group = get_group(session, event=event, group_id=group_id)
    standings = results.compute(session, workshop=group).standings
    return {"group": group, "standings": standings[:CONSOLE_LIST], "total": len(standings),
            "plenary_up": plenary_of(session, event=event)}


def plenary_of(session: Session, *, event: Workshop) -> dict[int, int]:
    """group project id -> the plenary project holding it now (after any merges)."""
    return dict(session.exec(select(PlenarySource.source_project_id, PlenarySource.project_id)
                             .join(Workshop, col(Workshop.id) == PlenarySource.group_id)
                             .where(Workshop.parent_id == event.id)).all())
