"""A participant's dots on one project."""

from __future__ import annotations

from sqlmodel import Field, SQLModel


class Vote(SQLModel, table=True):
    participant_id: int = Field(foreign_key="participant.id", primary_key=True, ondelete="CASCADE")
    project_id: int = Field(foreign_key="project.id", primary_key=True, index=True, ondelete="CASCADE")
    workshop_id: int = Field(foreign_key="workshop.id", index=True, ondelete="CASCADE")
    dots: int = 0
