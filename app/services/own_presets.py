"""A facilitator's own presets: a workshop's framework and agency list, saved to start the next
workshop from, and frameworks as files (JSON) to export and import."""

from __future__ import annotations

import secrets

from sqlmodel import Session

from app.models import ReformArea, SavedFramework, Strategy, Workshop
from app.models.workshop import (
    OWN_PRESET_PREFIX,
    FrameworkAgency,
    FrameworkEntryIn,
    FrameworkFile,
    LabelsIn,
    OwnPresetPublic,
)
from app.services import presets, workshops
from app.services.access import Actor
from app.services.rules import Action, check


def framework_file(session: Session, *, workshop: Workshop, title: str | None = None) -> FrameworkFile:
    """The workshop's framework (its hierarchy, both names of each entry, its own names for the
    two dimensions) and agency list, as a file."""
    lang = workshop.language
    labels = None
    if workshop.strategies_label or workshop.reform_areas_label:
        labels = LabelsIn(strategies=workshop.strategies_label, reform_areas=workshop.reform_areas_label)
    return FrameworkFile(
        title=title or workshop.title,
        based_on=presets.PRESETS[workshop.framework].key if workshop.framework in presets.PRESETS else None,
        strategies=_tree(workshops.list_strategies(session, workshop=workshop), lang),
        reform_areas=_tree(workshops.list_reform_areas(session, workshop=workshop), lang),
        labels=labels,
        agencies=[FrameworkAgency(name_th=a.name_th, name_en=a.name_en)
                  for a in workshops.list_agencies(session, workshop=workshop)],
    )


def preset_file(preset: presets.Framework, language: str) -> FrameworkFile:
    """A built-in preset as a file (the same shape as an own preset's)."""
    def entry(e: presets.Entry) -> FrameworkEntryIn:
        first, second = (e.name_en, e.name_th) if language == "en" else (e.name_th, e.name_en)
        return FrameworkEntryIn(code=e.code, name=first or second or e.code, name_th=e.name_th, name_en=e.name_en)

    return FrameworkFile(title=preset.title_en if language == "en" else preset.title_th, based_on=preset.key,
                         strategies=[entry(e) for e in preset.strategies],
                         reform_areas=[entry(e) for e in preset.reform_areas],
                         agencies=[FrameworkAgency(name_th=a.name_th, name_en=a.name_en) for a in preset.agencies])


def _tree(rows: list[Strategy] | list[ReformArea], language: str) -> list[FrameworkEntryIn]:
    """Rows (in position order, parents first) as nested entries."""
    children: dict[int | None, list[Strategy | ReformArea]] = {}
    for row in rows:
        children.setdefault(row.parent_id, []).append(row)

    def build(parent_id: int | None, seen: frozenset[int]) -> list[FrameworkEntryIn]:
        return [FrameworkEntryIn(code=row.code, name=row.name_in(language) or row.code, name_th=row.name_th,
                                 name_en=row.name_en, children=build(row.id, seen | {row.id}))
                for row in children.get(parent_id, []) if row.id not in seen]

    return build(None, frozenset())


def save(session: Session, *, workshop: Workshop, actor: Actor, title: str | None = None) -> OwnPresetPublic:
    """Keep this workshop's framework and agencies as the facilitator's own preset."""
    check(Action.save_framework, actor, workshop)
    return store(session, framework=framework_file(session, workshop=workshop, title=title),
                 source_workshop_id=workshop.id)


def store(session: Session, *, framework: FrameworkFile, source_workshop_id: int | None = None) -> OwnPresetPublic:
    """Keep a framework file as an own preset under a new unguessable id (128 random bits)."""
    key = OWN_PRESET_PREFIX + secrets.token_urlsafe(16)
    saved = SavedFramework(key=key, title=framework.title, body=framework.model_dump_json(exclude_none=True),
                           source_workshop_id=source_workshop_id)
    session.add(saved)
    session.commit()
    return OwnPresetPublic(id=key, title=saved.title, framework=framework)


def read(session: Session, *, key: str) -> OwnPresetPublic:
    """An own preset by its id (whoever holds the id may read and use it)."""
    saved = workshops.saved_framework(session, key=key)
    return OwnPresetPublic(id=saved.key, title=saved.title,
                           framework=FrameworkFile.model_validate_json(saved.body))
