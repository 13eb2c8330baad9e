"""All tables, imported here so Alembic's autogenerate sees every one."""

from app.models.participant import AgencyReview, Participant
from app.models.project import Project, ProjectReformArea, ProjectStrategy
from app.models.vote import Round, RoundProject, Score, Vote
from app.models.workshop import Agency, Phase, ReformArea, Strategy, Workshop, utcnow

__all__ = [
    "Agency",
    "AgencyReview",
    "Participant",
    "Phase",
    "Project",
    "ProjectReformArea",
    "ProjectStrategy",
    "ReformArea",
    "Round",
    "RoundProject",
    "Score",
    "Strategy",
    "Vote",
    "Workshop",
    "utcnow",
]
