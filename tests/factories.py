"""Small factories for tests: a workshop, participants, projects, in a few words each."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from app.models import Participant, Phase, Project, Workshop
from app.models.participant import ParticipantJoin
from app.models.project import ProjectCreate
from app.models.workshop import WorkshopCreate
from app.services import participants, projects, workshops
from app.services.access import Actor, Role

FACILITATOR = Actor(Role.facilitator)


def make_workshop(session: Session, **overrides: Any) -> Workshop:
    values: dict[str, Any] = {"title": "แผนงานดิจิทัล 2569", "dots_per_participant": 5, "max_dots_per_project": 3}
    phase = overrides.pop("phase", None)
    values.update(overrides)
    workshop, _facilitator_key, _screen_key = workshops.create_workshop(session, workshop_in=WorkshopCreate(**values))
    if phase:
        workshops.set_phase(session, workshop=workshop, actor=FACILITATOR, phase=Phase(phase))
    return workshop


def make_participant(session: Session, workshop: Workshop, name: str = "สมชาย", agency: str = "") -> Participant:
    participant, _token = participants.join(session, workshop=workshop, join_in=ParticipantJoin(name=name, agency=agency))
    return participant


def make_project(session: Session, workshop: Workshop, title: str = "โครงการทดสอบ", *,
                 strategies: list[str] | None = None, areas: list[str] | None = None,
                 by: Participant | None = None, **overrides: Any) -> Project:
    strategy_ids = {s.code: s.id for s in workshops.list_strategies(session, workshop=workshop)}
    area_ids = {r.code: r.id for r in workshops.list_reform_areas(session, workshop=workshop)}
    project_in = ProjectCreate(title=title, strategy_ids=[strategy_ids[c] for c in strategies or []],
                               reform_area_ids=[area_ids[c] for c in areas or []], **overrides)
    actor = Actor(Role.participant, by) if by else FACILITATOR
    project, _created = projects.create_project(session, workshop=workshop, actor=actor, project_in=project_in)
    return project
