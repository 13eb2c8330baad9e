"""A proposed project and its tags."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel, UniqueConstraint

from app.models.workshop import utcnow


class Project(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("workshop_id", "proposer_id", "client_request_id"),)
    id: int | None = Field(default=None, primary_key=True)
    workshop_id: int = Field(foreign_key="workshop.id", index=True, ondelete="CASCADE")
    title: str = Field(max_length=200)
    description: str = Field(default="", max_length=5000)
    agency: str = Field(default="", max_length=200)
    proposer_id: int | None = Field(default=None, foreign_key="participant.id", ondelete="SET NULL")
    client_request_id: str | None = Field(default=None, max_length=100)
    hidden: bool = False
    merged_into_id: int | None = Field(default=None, foreign_key="project.id")
    created_at: datetime = Field(default_factory=utcnow)


class ProjectStrategy(SQLModel, table=True):
    __tablename__ = "project_strategy"
    project_id: int = Field(foreign_key="project.id", primary_key=True, ondelete="CASCADE")
    strategy_id: int = Field(foreign_key="strategy.id", primary_key=True, ondelete="CASCADE")


class ProjectReformArea(SQLModel, table=True):
    __tablename__ = "project_reform_area"
    project_id: int = Field(foreign_key="project.id", primary_key=True, ondelete="CASCADE")
    reform_area_id: int = Field(foreign_key="reform_area.id", primary_key=True, ondelete="CASCADE")
