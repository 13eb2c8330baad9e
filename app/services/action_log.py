"""The action log of an event: who did what, when (phase changes, merges, hides, edits,
promotions, links). Services record into it in the same transaction as the change itself, so
an entry exists exactly when the change does."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import Session, col, select

from app.i18n import N_
from app.models import ActionLogEntry, Workshop
from app.services.access import Actor
from app.services.rules import Action

MAX_DETAIL = 2000

# What each kind of entry is called in the console and the exports (the catalogs translate it).
LABELS: dict[str, str] = {
    Action.set_phase: N_("Phase changed"),
    Action.change_settings: N_("Settings changed"),
    Action.run_timer: N_("Timer"),
    Action.control_timer: N_("Timer stopped"),
    Action.edit_project: N_("Project edited"),
    Action.moderate_edit: N_("Proposer's edit reviewed"),
    Action.approve_project: N_("Project approved"),
    Action.hide_project: N_("Project hidden"),
    Action.restore_project: N_("Project restored"),
    Action.merge_projects: N_("Projects merged"),
    Action.manage_links: N_("Facilitator links"),
    Action.manage_groups: N_("Groups"),
    Action.move_participant: N_("Participant moved"),
    Action.promote_to_plenary: N_("Promoted to the plenary"),
}


def label(action: str) -> str:
    """The untranslated name of a kind of entry (an unknown one is shown as it is)."""
    return LABELS.get(action, action)


def record(session: Session, *, workshop: Workshop, actor: Actor, action: str, detail: str = "") -> None:
    """Add an entry (no commit: the caller commits it with the change)."""
    event_id = workshop.parent_id if workshop.parent_id is not None else workshop.id
    session.add(ActionLogEntry(event_id=event_id, workshop_id=workshop.id, who=actor.label[:120],
                               action=str(action)[:40], detail=detail[:MAX_DETAIL]))


def entries(session: Session, *, event: Workshop, limit: int | None = None) -> list[ActionLogEntry]:
    """Newest first."""
    query = select(ActionLogEntry).where(ActionLogEntry.event_id == event.id).order_by(col(ActionLogEntry.id).desc())
    if limit is not None:
        query = query.limit(limit)
    return list(session.exec(query))


def entries_in(session: Session, *, workshop: Workshop) -> list[ActionLogEntry]:
    """One workshop's (a group's) own entries, newest first."""
    return list(session.exec(select(ActionLogEntry).where(ActionLogEntry.workshop_id == workshop.id)
                             .order_by(col(ActionLogEntry.id).desc())))


PAGE_SIZE = 20  # the console shows the newest entries and pages back through the rest


@dataclass(frozen=True)
class Page:
    """A page of the log, newest first, with where each entry happened (a workshop's code)."""

    entries: list[ActionLogEntry]
    total: int
    offset: int
    size: int
    where: dict[int, str]  # workshop id -> code (the event's or a group's)

    @staticmethod
    def label(action: str) -> str:
        return label(action)

    @property
    def older(self) -> int | None:
        """The offset of the next (older) page, if there is one."""
        return self.offset + self.size if self.offset + self.size < self.total else None

    @property
    def newer(self) -> int | None:
        return max(0, self.offset - self.size) if self.offset > 0 else None


def page(session: Session, *, event: Workshop, offset: int = 0, size: int = PAGE_SIZE) -> Page:
    """One page of the event's log, newest first."""
    offset, size = max(0, offset), max(1, min(size, 500))
    total = session.exec(select(func.count()).select_from(ActionLogEntry)
                         .where(ActionLogEntry.event_id == event.id)).one()
    rows = list(session.exec(select(ActionLogEntry).where(ActionLogEntry.event_id == event.id)
                             .order_by(col(ActionLogEntry.id).desc()).offset(offset).limit(size)))
    ids = {row.workshop_id for row in rows}
    where = dict(session.exec(select(Workshop.id, Workshop.code).where(col(Workshop.id).in_(ids))).all()) if ids else {}
    return Page(rows, total, offset, size, where)
