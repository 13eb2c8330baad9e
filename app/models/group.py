"""What large events add: named facilitator links, the action log, and plenary lineage.

A breakout group itself is a Workshop row with a parent (app/models/workshop.py): its phase,
timer, projects, rounds and votes are a workshop's, so every rule and view works inside it.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, model_validator
from pydantic import Field as PydField
from sqlmodel import Field, SQLModel

from app.models.schemas import Id, Name
from app.models.workshop import Phase, utcnow


class LinkRole(StrEnum):
    co_facilitator = "co_facilitator"  # everything the facilitator does but issuing and revoking links
    moderator = "moderator"  # approve, edit, hide and merge; nothing else
    group_facilitator = "group_facilitator"  # runs one group: its phases, timer, moderation, merges


class FacilitatorLink(SQLModel, table=True):
    """A further secret link to a console, issued by the main facilitator to a named person,
    listed with its last use and revocable at once."""

    __tablename__ = "facilitator_link"
    id: int = Field(default=None, primary_key=True)  # see Workshop.id
    # The workshop (or group) it acts in.
    workshop_id: int = Field(foreign_key="workshop.id", index=True, ondelete="CASCADE")
    # The event's workshop, so that one query lists every link of an event.
    event_id: int = Field(foreign_key="workshop.id", index=True, ondelete="CASCADE")
    name: str = Field(max_length=100)
    role: str = Field(max_length=20)
    key_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utcnow)
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None


class ActionLogEntry(SQLModel, table=True):
    """Who did what, when: phase changes, merges, hides, edits, promotions."""

    __tablename__ = "action_log"
    id: int = Field(default=None, primary_key=True)  # see Workshop.id
    event_id: int = Field(foreign_key="workshop.id", index=True, ondelete="CASCADE")
    # Where it happened: the event's workshop or one of its groups.
    workshop_id: int = Field(foreign_key="workshop.id", ondelete="CASCADE")
    at: datetime = Field(default_factory=utcnow)
    who: str = Field(max_length=120)  # "facilitator", a link's name and role, ...
    action: str = Field(max_length=40)  # a rules-table Action's value
    # A message of app/services/action_log.py (MESSAGES) filled from `params` (JSON text) when
    # read, in the reader's language; with no params, text shown as it is.
    detail: str = Field(default="", max_length=2000)
    params: str | None = Field(default=None, max_length=20000)


class PlenarySource(SQLModel, table=True):
    """Where a plenary project came from: one row per group project promoted into it (a merge
    of plenary projects unites their rows)."""

    __tablename__ = "plenary_source"
    id: int = Field(default=None, primary_key=True)  # see Workshop.id
    project_id: int = Field(foreign_key="project.id", index=True, ondelete="CASCADE")  # the plenary project
    group_id: int = Field(foreign_key="workshop.id", ondelete="CASCADE")
    source_project_id: int = Field(foreign_key="project.id", ondelete="CASCADE")
    rank: int  # in its group's ranking when promoted
    dots: int  # its dots in its group when promoted


# --- API models ---


class GroupCreate(BaseModel):
    """One group (`name`) or many at once (`names`, e.g. a pasted list); exactly one of the two."""

    model_config = ConfigDict(extra="forbid")
    name: Name | None = None
    names: list[Name] | None = PydField(default=None, min_length=1, max_length=200)

    @model_validator(mode="after")
    def one_or_many(self) -> GroupCreate:
        if (self.name is None) == (self.names is None):
            raise ValueError("Give either 'name' (one group) or 'names' (several groups).")
        return self

    @property
    def all_names(self) -> list[str]:
        return [self.name] if self.name is not None else list(self.names or [])


class GroupCreated(BaseModel):
    id: int
    code: str
    name: str
    phase: Phase
    group_facilitator_key: str
    screen_key: str
    join_url: str
    facilitator_url: str
    screen_url: str


class GroupPublic(BaseModel):
    id: int
    code: str
    name: str
    phase: Phase
    participant_count: int
    project_count: int


class ParticipantMove(BaseModel):
    """The group to put a participant in (null: no group, the plenary only)."""

    model_config = ConfigDict(extra="forbid")
    group_id: int | None


class ParticipantMoved(BaseModel):
    participant_id: int
    group_id: int | None  # null: in no group
    code: str  # the code of the workshop or group they are now in


# --- the JSON API of links and the log (docs/api-extensions.md) ---

class LinkIn(BaseModel):
    """A named link the main facilitator issues: a co-facilitator or a moderator of the event,
    or of one of its groups (`group_id`; null: the whole event)."""

    name: Name
    role: Literal["co_facilitator", "moderator"]
    group_id: Id | None = None


class LinkPublic(BaseModel):
    id: int
    name: str
    role: str
    workshop_code: str  # where it acts: the event's code or a group's
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class LinkIssued(LinkPublic):
    key: str  # shown this once
    facilitator_url: str


class LogEntryPublic(BaseModel):
    id: int
    at: datetime
    who: str
    action: str
    detail: str
    workshop_code: str  # where it happened: the event's code or a group's


class LogPagePublic(BaseModel):
    total: int
    offset: int
    entries: list[LogEntryPublic]
