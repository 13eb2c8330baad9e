"""API models of voting rounds and multi-criteria scores (the tables live in app/models/vote.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, StringConstraints, model_validator
from pydantic import Field as PydField

from app.models.schemas import OptionalName, Title
from app.models.vote import Results

# A criterion's key is what scores are stored under: short, lower-case, stable.
CriterionKey = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,39}$")]
Setting = Annotated[int, PydField(strict=True, ge=1, le=1000)]
Weight = Annotated[float, PydField(gt=0, le=100)]
ScoreValue = Annotated[int, PydField(strict=True, ge=1, le=5)]
MAX_CRITERIA = 10


class Criterion(BaseModel):
    model_config = ConfigDict(extra="forbid")
    key: CriterionKey
    name: Title
    weight: Weight = 1.0


class ScopeIn(BaseModel):
    """The short list of a round: the top N of an earlier round's ranking (default: the current round)."""

    model_config = ConfigDict(extra="forbid")
    top_n: Annotated[int, PydField(strict=True, ge=1, le=10_000)]
    from_round: Annotated[int, PydField(strict=True, ge=1, le=10_000)] | None = None


class RoundCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: OptionalName = ""
    mode: Literal["dots", "scoring"] = "dots"
    # Dot rounds only; None keeps the workshop's settings.
    dots_per_participant: Setting | None = None
    max_dots_per_project: Setting | None = None
    per_strategy_budget: Annotated[bool, PydField(strict=True)] = False
    # Scoring rounds only; None gives the defaults (impact and feasibility, weight 1).
    criteria: Annotated[list[Criterion], PydField(min_length=1, max_length=MAX_CRITERIA)] | None = None
    scope: ScopeIn | None = None

    @model_validator(mode="after")
    def fits_the_mode(self) -> RoundCreate:
        if self.mode == "scoring":
            if self.dots_per_participant or self.max_dots_per_project or self.per_strategy_budget:
                raise ValueError("dot budgets and caps apply only to rounds of mode 'dots'")
        elif self.criteria is not None:
            raise ValueError("criteria apply only to rounds of mode 'scoring'")
        keys = [c.key for c in self.criteria or []]
        if len(keys) != len(set(keys)):
            raise ValueError("each criterion key must be unique")
        return self


class CurrentRoundIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    number: Annotated[int, PydField(strict=True, ge=1, le=10_000)]


class RoundScope(BaseModel):
    top_n: int
    from_round: int | None
    project_ids: list[int]


class RoundPublic(BaseModel):
    number: int
    title: str
    mode: Literal["dots", "scoring"]
    current: bool
    # Effective limits (the workshop's when the round does not set its own).
    dots_per_participant: int
    max_dots_per_project: int
    per_strategy_budget: bool
    criteria: list[Criterion]
    scope: RoundScope | None
    created_at: datetime
    # The round's results, when the asker may see results now (null otherwise).
    results: Results | None = None


class ScoresIn(BaseModel):
    """Scores to set on one project: criterion key -> 1..5, or null to take a score back."""

    model_config = ConfigDict(extra="forbid")
    scores: Annotated[dict[Annotated[str, StringConstraints(min_length=1, max_length=40)], ScoreValue | None],
                      PydField(min_length=1, max_length=MAX_CRITERIA)]


class ProjectScoresResult(BaseModel):
    project_id: int
    round: int
    scores: dict[str, int]


class MyScores(BaseModel):
    round: int
    mode: Literal["dots", "scoring"]
    criteria: list[Criterion]
    scores: dict[str, dict[str, int]]
