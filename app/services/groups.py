"""Breakout groups of a large event: each a workshop of its own under the event's workshop.

A group keeps its own phase, timer, projects, rounds, votes, results and screen, so every rule
and view of a workshop works inside it unchanged; it shares the event's framework and agency
list (Workshop.framework_id). Its code is the event's code, a dash and its number (MDES26-3).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import Session, col, select

from app.errors import Invalid
from app.models import LinkRole, Participant, Project, Workshop
from app.services import action_log, links, rounds, rules
from app.services.access import Actor, hash_key, new_key
from app.services.rules import Action

MAX_GROUPS = 200  # a national event has 20 to 60 tables; more is a mistake, not an event


@dataclass(frozen=True)
class NewGroup:
    group: Workshop
    group_facilitator_key: str  # shown once, as every key
    screen_key: str


def event_of(session: Session, workshop: Workshop) -> Workshop:
    """The event's workshop: this one, or the workshop this group belongs to."""
    if workshop.parent_id is None:
        return workshop
    event = session.get(Workshop, workshop.parent_id)
    assert event is not None
    return event


def list_groups(session: Session, *, event: Workshop) -> list[Workshop]:
    return list(session.exec(select(Workshop).where(Workshop.parent_id == event.id)
                             .order_by(col(Workshop.group_number))))


def group_ids(session: Session, *, event: Workshop) -> list[int]:
    return list(session.exec(select(Workshop.id).where(Workshop.parent_id == event.id)
                             .order_by(col(Workshop.group_number))))


def has_groups(session: Session, *, event: Workshop) -> bool:
    return session.exec(select(func.count()).select_from(Workshop).where(Workshop.parent_id == event.id)).one() > 0


def add_groups(session: Session, *, event: Workshop, actor: Actor, names: Sequence[str]) -> list[NewGroup]:
    """Groups named `names` (one, or many pasted at once), numbered after the event's last
    group, each with its own group-facilitator link and screen key. Commits."""
    rules.require(Action.manage_groups, actor, event)
    if event.parent_id is not None:
        raise Invalid("A group cannot have groups of its own; add groups to the workshop.")
    names = [name for name in names if name]
    if not names:
        raise Invalid("Give each group a name.")
    last = session.exec(select(func.max(Workshop.group_number)).where(Workshop.parent_id == event.id)).one() or 0
    if last + len(names) > MAX_GROUPS:
        raise Invalid("A workshop has at most {max} groups.", max=MAX_GROUPS)
    made = []
    for number, name in enumerate(names, start=last + 1):
        screen_key = new_key()
        group = Workshop(
            code=f"{event.code}-{number}", title=name, description="", language=event.language,
            framework=event.framework, dots_per_participant=event.dots_per_participant,
            max_dots_per_project=event.max_dots_per_project, show_live_tallies=event.show_live_tallies,
            premoderate=event.premoderate, time_zone=event.time_zone, shuffle_projects=event.shuffle_projects,
            require_strategy=event.require_strategy, typed_agencies=event.typed_agencies,
            strategies_label=event.strategies_label, reform_areas_label=event.reform_areas_label,
            # The event's facilitator key opens every group's console too (rotate_keys keeps them equal).
            facilitator_key_hash=event.facilitator_key_hash, screen_key_hash=hash_key(screen_key),
            parent_id=event.id, group_number=number)
        session.add(group)
        session.flush()
        rounds.ensure_first_round(session, workshop=group)
        _link, group_key = links.issue(session, event=event, workshop=group, name=name,
                                       role=LinkRole.group_facilitator, commit=False)
        made.append(NewGroup(group, group_key, screen_key))
    action_log.record(session, workshop=event, actor=actor, action=Action.manage_groups,
                      detail=", ".join(g.group.title for g in made))
    session.commit()
    return made


def counts(session: Session, *, event: Workshop) -> dict[int, tuple[int, int]]:
    """(participants, visible projects) per group id."""
    ids = group_ids(session, event=event)
    people = dict(session.exec(select(Participant.workshop_id, func.count()).where(
        col(Participant.workshop_id).in_(ids)).group_by(col(Participant.workshop_id))).all())
    projects = dict(session.exec(select(Project.workshop_id, func.count()).where(
        col(Project.workshop_id).in_(ids), col(Project.hidden).is_(False),
        col(Project.merged_into_id).is_(None)).group_by(col(Project.workshop_id))).all())
    return {gid: (people.get(gid, 0), projects.get(gid, 0)) for gid in ids}


def unused_key_hash() -> str:
    """A key hash no one holds (for rows that need one)."""
    return hash_key(new_key())
