"""The action log of an event: who did what, when (phase changes, merges, hides, edits,
promotions, links). Services record into it in the same transaction as the change itself, so
an entry exists exactly when the change does."""

from __future__ import annotations

from sqlmodel import Session, col, select

from app.models import ActionLogEntry, Workshop
from app.services.access import Actor

MAX_DETAIL = 2000


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
