"""A participant's dots on one project."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel
from pydantic import Field as PydField
from sqlmodel import Field, SQLModel


class Vote(SQLModel, table=True):
    participant_id: int = Field(foreign_key="participant.id", primary_key=True, ondelete="CASCADE")
    project_id: int = Field(
        foreign_key="project.id", primary_key=True, index=True, ondelete="CASCADE"
    )
    workshop_id: int = Field(foreign_key="workshop.id", index=True, ondelete="CASCADE")
    dots: int = 0


# --- API models ---


class VoteIn(BaseModel):
    dots: Annotated[int, PydField(strict=True, ge=0, le=100_000)]


class VoteResult(BaseModel):
    project_id: int
    dots: int
    used: int
    remaining: int


class MyVotes(BaseModel):
    used: int
    remaining: int
    allocations: dict[str, int]


class RankedProject(BaseModel):
    rank: int
    project_id: int
    title: str
    dots: int
    voters: int
    strategy_ids: list[int]
    reform_area_ids: list[int]


class CoverageCell(BaseModel):
    strategy_id: int
    reform_area_id: int
    projects: int
    dots: int


class Results(BaseModel):
    phase: str
    ranking: list[RankedProject]
    by_strategy: dict[str, list[int]]
    coverage: list[CoverageCell]
