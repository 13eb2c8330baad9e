"""A participant's dots on one project."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AliasChoices, BaseModel, ConfigDict
from pydantic import Field as PydField
from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from app.models.workshop import utcnow


class Round(SQLModel, table=True):
    """One voting round: dot voting or multi-criteria scoring, on all projects or an earlier top N."""

    id: int = Field(default=None, primary_key=True)  # see Workshop.id
    workshop_id: int = Field(foreign_key="workshop.id", index=True, ondelete="CASCADE")
    number: int = 1
    title: str = Field(default="", max_length=200)
    mode: str = Field(default="dots", max_length=10)  # "dots" or "scoring"
    # Dot rounds: None means the workshop's settings.
    dots_per_participant: int | None = None
    max_dots_per_project: int | None = None
    # Each strategy has its own budget: dots on a project count against each of its strategies.
    per_strategy_budget: bool = False
    # Scoring rounds: [{"key": "impact", "name": "Impact", "weight": 1.0}, ...] as JSON text.
    criteria: str = Field(default="[]", max_length=5000)
    # Scope: all visible projects, or the top N of an earlier round (frozen in round_project).
    scope_top_n: int | None = None
    scope_round_id: int | None = Field(default=None, foreign_key="round.id")
    created_at: datetime = Field(default_factory=utcnow)


class RoundProject(SQLModel, table=True):
    """The projects of a scoped round, fixed when the round was made."""

    __tablename__ = "round_project"
    round_id: int = Field(foreign_key="round.id", primary_key=True, ondelete="CASCADE")
    project_id: int = Field(foreign_key="project.id", primary_key=True, ondelete="CASCADE")


class Vote(SQLModel, table=True):
    # A round's tallies and its voters, read on every redraw, each from its index alone
    # (migration 0010; they serve lookups by round too).
    __table_args__ = (Index("ix_vote_round_tally", "round_id", "project_id", "workshop_id", "dots"),
                      Index("ix_vote_round_voter", "round_id", "participant_id", "dots"))
    participant_id: int = Field(foreign_key="participant.id", primary_key=True, ondelete="CASCADE")
    project_id: int = Field(foreign_key="project.id", primary_key=True, index=True, ondelete="CASCADE")
    round_id: int = Field(foreign_key="round.id", primary_key=True, ondelete="CASCADE")
    workshop_id: int = Field(foreign_key="workshop.id", index=True, ondelete="CASCADE")
    dots: int = 0


class Score(SQLModel, table=True):
    """A participant's 1-5 score of one project on one criterion, in a scoring round."""

    participant_id: int = Field(foreign_key="participant.id", primary_key=True, ondelete="CASCADE")
    project_id: int = Field(foreign_key="project.id", primary_key=True, index=True, ondelete="CASCADE")
    round_id: int = Field(foreign_key="round.id", primary_key=True, index=True, ondelete="CASCADE")
    criterion: str = Field(primary_key=True, max_length=40)
    workshop_id: int = Field(foreign_key="workshop.id", index=True, ondelete="CASCADE")
    value: int


# --- API models ---


class VoteIn(BaseModel):
    dots: Annotated[int, PydField(strict=True, ge=0, le=100_000)]


class VoteResult(BaseModel):
    project_id: int
    dots: int
    used: int
    remaining: int
    remaining_by_strategy: dict[str, int] | None = None


class MyVotes(BaseModel):
    used: int
    remaining: int
    allocations: dict[str, int]
    # Only in rounds with a budget per strategy: what is left in each ("none": projects without one).
    remaining_by_strategy: dict[str, int] | None = None


class Source(BaseModel):
    """Where a plenary project came from (large events): a group, its project there, its rank
    and dots in that group when promoted."""

    group_id: int
    project_id: int
    rank: int
    dots: int


class RankedProject(BaseModel):
    # `from` is a Python keyword: the field is from_, read and written as "from".
    model_config = ConfigDict(serialize_by_alias=True)
    rank: int
    project_id: int
    title: str
    dots: int
    voters: int
    strategy_ids: list[int]
    reform_area_ids: list[int]
    # Scoring rounds: the weighted mean (null when nobody scored it), each criterion's mean over
    # those who scored it, and how many scored it (dots are then 0, voters = scorers).
    score: float | None = None
    scores: dict[str, float | None] = PydField(default_factory=dict)
    scorers: int = 0
    # A plenary project's lineage (API.md, "Groups"); empty for any other project.
    from_: list[Source] = PydField(default_factory=list, serialization_alias="from",
                                   validation_alias=AliasChoices("from", "from_"))


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
    # Which voting round these results are of.
    round: int = 1
    mode: str = "dots"
