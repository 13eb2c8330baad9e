"""Where plenary projects came from (PlenarySource rows): read by the plenary's roll-up, its
results (each ranking row's `from`) and the exports. Kept apart from app/services/plenary.py,
which ranks groups through app/services/results.py, so that results can read lineage too."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlmodel import Session, col, select

from app.models import PlenarySource, Project, Workshop
from app.models.vote import Source


SourcePublic = Source  # the API's shape of one PlenarySource row


def _read(session: Session, *where: Any) -> dict[int, list[PlenarySource]]:
    rows = session.exec(select(PlenarySource)
                        .join(Workshop, col(Workshop.id) == PlenarySource.group_id)
                        .join(Project, col(Project.id) == PlenarySource.project_id)
                        .where(*where)
                        .order_by(col(Workshop.group_number), col(PlenarySource.rank),
                                  col(PlenarySource.source_project_id))).all()
    found: dict[int, list[PlenarySource]] = defaultdict(list)
    for source in rows:
        found[source.project_id].append(source)
    return dict(found)


def lineage(session: Session, *, project_ids: Sequence[int]) -> dict[int, list[PlenarySource]]:
    """plenary project id -> where it came from, by group number, then group rank."""
    if not project_ids:
        return {}
    return _read(session, col(PlenarySource.project_id).in_(list(project_ids)))


def event_lineage(session: Session, *, event: Workshop) -> dict[int, list[PlenarySource]]:
    """Every plenary project's lineage, in one query (a group has no plenary: empty)."""
    if event.parent_id is not None:
        return {}
    return _read(session, Project.workshop_id == event.id)


def to_public_sources(sources: Sequence[PlenarySource]) -> list[SourcePublic]:
    return [SourcePublic(group_id=s.group_id, project_id=s.source_project_id, rank=s.rank, dots=s.dots)
            for s in sources]


