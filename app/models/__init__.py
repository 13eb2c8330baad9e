"""All tables, imported here so Alembic's autogenerate sees every one."""

from sqlalchemy import Table, inspect
from sqlmodel import SQLModel

from app.models.group import ActionLogEntry, FacilitatorLink, LinkRole, PlenarySource
from app.models.participant import AgencyReview, Participant
from app.models.project import Project, ProjectReformArea, ProjectStrategy
from app.models.vote import Round, RoundProject, Score, Vote
from app.models.workshop import Agency, Phase, ReformArea, SavedFramework, Strategy, Workshop, utcnow

__all__ = [
    "ActionLogEntry",
    "Agency",
    "AgencyReview",
    "FacilitatorLink",
    "LinkRole",
    "Participant",
    "Phase",
    "PlenarySource",
    "Project",
    "ProjectReformArea",
    "ProjectStrategy",
    "ReformArea",
    "Round",
    "RoundProject",
    "SavedFramework",
    "Score",
    "Strategy",
    "Vote",
    "Workshop",
    "core_table",
    "utcnow",
]


def core_table(model: type[SQLModel]) -> Table:
    """A table model's SQLAlchemy Core table, for the hot paths written in Core."""
    table = inspect(model).local_table
    assert isinstance(table, Table)
    return table
