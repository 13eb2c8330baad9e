"""A proposed project and its tags."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, model_validator
from pydantic import Field as PydField
from sqlmodel import Field, SQLModel, UniqueConstraint

from app.models.schemas import MAX_TAGS, MAX_TITLE, Description, Id, LongTitle, OptionalName
from app.models.workshop import utcnow


class Project(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("workshop_id", "proposer_id", "client_request_id"),)
    id: int = Field(default=None, primary_key=True)  # see Workshop.id
    workshop_id: int = Field(foreign_key="workshop.id", index=True, ondelete="CASCADE")
    title: str = Field(max_length=MAX_TITLE)
    description: str = Field(default="", max_length=5000)
    agency: str = Field(default="", max_length=200)
    proposer_id: int | None = Field(default=None, foreign_key="participant.id", ondelete="SET NULL")
    client_request_id: str | None = Field(default=None, max_length=100)
    hidden: bool = False
    merged_into_id: int | None = Field(default=None, foreign_key="project.id")
    created_at: datetime = Field(default_factory=utcnow)
    pinned: bool = False
    # False while a pre-moderated proposal waits for the facilitator.
    approved: bool = True
    # Pre-moderation: the proposer's edit of an approved proposal waits here (pending_since set)
    # while the approved text above stays on the screen, the phones and in the ranking.
    pending_title: str | None = Field(default=None, max_length=MAX_TITLE)
    pending_description: str | None = Field(default=None, max_length=5000)
    pending_agency: str | None = Field(default=None, max_length=200)
    # {"strategy_ids": [...], "reform_area_ids": [...]} as JSON text.
    pending_tags: str | None = Field(default=None, max_length=2000)
    pending_since: datetime | None = None
    # Agencies of the proposals merged into this one (co-proposers), one per line.
    co_agencies: str = Field(default="", max_length=2000)

    @property
    def agencies(self) -> list[str]:
        """Every agency behind the project: its own first, then the co-proposers of the
        proposals merged into it (empty entries left out). Exports and lists show these."""
        return _agencies(self.agency, self.co_agencies)

    @property
    def edit_pending(self) -> bool:
        return self.pending_since is not None

    @property
    def pending_draft(self) -> Draft | None:
        """What the proposer's waiting edit would make of the project (None: no edit waits)."""
        return _pending_draft(self.pending_since, self.pending_title, self.pending_description,
                              self.pending_agency, self.pending_tags)


@dataclass(slots=True, frozen=True)  # frozen: one list of them is kept and shared between redraws
class ProjectRow:
    """A project as the live views and the ranking read it: one plain row, not an ORM object.
    A big workshop's every redraw reads all its projects, and building 3,000 ORM objects took
    three quarters of it (issue 13). Same names as `Project`, so templates take either."""

    id: int
    workshop_id: int
    title: str
    description: str
    agency: str
    proposer_id: int | None
    hidden: bool
    merged_into_id: int | None
    created_at: datetime
    pinned: bool
    approved: bool
    pending_title: str | None
    pending_description: str | None
    pending_agency: str | None
    pending_tags: str | None
    pending_since: datetime | None
    co_agencies: str

    # The same answers as Project's, from the same fields (one home: the functions below).
    @property
    def agencies(self) -> list[str]:
        return _agencies(self.agency, self.co_agencies)

    @property
    def edit_pending(self) -> bool:
        return self.pending_since is not None

    @property
    def pending_draft(self) -> Draft | None:
        return _pending_draft(self.pending_since, self.pending_title, self.pending_description,
                              self.pending_agency, self.pending_tags)


def _agencies(agency: str, co_agencies: str) -> list[str]:
    return [name for name in (agency, *co_agencies.splitlines()) if name.strip()]


def _pending_draft(since: datetime | None, title: str | None, description: str | None, agency: str | None,
                   tags_json: str | None) -> Draft | None:
    if since is None:
        return None
    tags = json.loads(tags_json or "{}")
    return Draft(title or "", description or "", agency or "",
                 tags.get("strategy_ids", []), tags.get("reform_area_ids", []))


# Project's columns a ProjectRow is made of, in its order (app/services/projects.py reads them).
ROW_COLUMNS = tuple(ProjectRow.__dataclass_fields__)


@dataclass
class Draft:
    """A project's text and tags: as approved, or as its proposer's waiting edit would make them."""

    title: str
    description: str
    agency: str
    strategy_ids: list[int]
    reform_area_ids: list[int]


class ProjectStrategy(SQLModel, table=True):
    __tablename__ = "project_strategy"
    project_id: int = Field(foreign_key="project.id", primary_key=True, ondelete="CASCADE")
    strategy_id: int = Field(foreign_key="strategy.id", primary_key=True, ondelete="CASCADE")


class ProjectReformArea(SQLModel, table=True):
    __tablename__ = "project_reform_area"
    project_id: int = Field(foreign_key="project.id", primary_key=True, ondelete="CASCADE")
    reform_area_id: int = Field(foreign_key="reform_area.id", primary_key=True, ondelete="CASCADE")


# --- API models ---


TagIds = Annotated[list[Id], PydField(max_length=MAX_TAGS)]


def _unique(ids: list[int]) -> list[int]:
    return list(dict.fromkeys(ids))


class ProjectCreate(BaseModel):
    title: LongTitle
    description: Description = ""
    agency: OptionalName = ""
    strategy_ids: TagIds = PydField(default_factory=list)
    reform_area_ids: TagIds = PydField(default_factory=list)
    client_request_id: Annotated[str, PydField(min_length=1, max_length=100)] | None = None

    @model_validator(mode="after")
    def at_most_max_tags(self) -> ProjectCreate:
        self.strategy_ids, self.reform_area_ids = (
            _unique(self.strategy_ids),
            _unique(self.reform_area_ids),
        )
        if len(self.strategy_ids) + len(self.reform_area_ids) > MAX_TAGS:
            raise ValueError(f"A project can have at most {MAX_TAGS} tags.")
        return self


class ProjectUpdate(BaseModel):
    title: LongTitle | None = None
    description: Description | None = None
    agency: OptionalName | None = None
    strategy_ids: TagIds | None = None
    reform_area_ids: TagIds | None = None

    @model_validator(mode="after")
    def at_most_max_tags(self) -> ProjectUpdate:
        if self.strategy_ids is not None:
            self.strategy_ids = _unique(self.strategy_ids)
        if self.reform_area_ids is not None:
            self.reform_area_ids = _unique(self.reform_area_ids)
        if len(self.strategy_ids or []) + len(self.reform_area_ids or []) > MAX_TAGS:
            raise ValueError(f"A project can have at most {MAX_TAGS} tags.")
        return self


class MergeIn(BaseModel):
    into: Id


class ProjectPublic(BaseModel):
    id: int
    title: str
    description: str
    agency: str
    strategy_ids: list[int]
    reform_area_ids: list[int]
    proposer_id: int | None
    created_at: datetime
    hidden: bool = False
    merged_into_id: int | None = None
    # Moderation: pinned projects lead the phones' lists and the screen's wall; a proposal
    # waiting for the facilitator (pre-moderation) is approved=False; an approved one whose
    # proposer's edit waits for the facilitator has edit_pending=True (and shows its approved text).
    pinned: bool = False
    approved: bool = True
    edit_pending: bool = False
    # The agencies of the proposals merged into this one (co-proposers), besides `agency`.
    co_agencies: list[str] = PydField(default_factory=list)
    # The breakout group it was proposed in (API.md, "Groups"); None: the workshop's own, which
    # in an event with groups are the plenary's.
    group_id: int | None = None


class PinIn(BaseModel):
    pinned: Annotated[bool, PydField(strict=True)]
