"""What large events add: named facilitator links, the action log, and plenary lineage.

A breakout group itself is a Workshop row with a parent (app/models/workshop.py): its phase,
timer, projects, rounds and votes are a workshop's, so every rule and view works inside it.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel
from sqlmodel import Field, SQLModel

from app.models.schemas import Name

from app.models.workshop import utcnow


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
    detail: str = Field(default="", max_length=2000)


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


# --- the JSON API of links and the log (docs/api-extensions.md) ---

class LinkIn(BaseModel):
    """A named link the main facilitator issues: a co-facilitator or a moderator of the event."""

    name: Name
    role: Literal["co_facilitator", "moderator"]


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
