"""A person taking part from a phone."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel
from sqlmodel import Field, SQLModel

from app.models.schemas import Name, OptionalName
from app.models.workshop import utcnow


class Participant(SQLModel, table=True):
    id: int = Field(default=None, primary_key=True)  # see Workshop.id
    workshop_id: int = Field(foreign_key="workshop.id", index=True, ondelete="CASCADE")
    name: str = Field(max_length=100)
    agency: str = Field(default="", max_length=200)
    # NULL for participants brought in by an import: they have no token to sign in with.
    token_hash: str | None = Field(default=None, max_length=64, unique=True)
    # Bumped as the first statement of every ballot change: the row lock it takes
    # serialises one participant's concurrent votes on SQLite and PostgreSQL alike.
    ballot_version: int = 0
    created_at: datetime = Field(default_factory=utcnow)
    # A message the phone shows once at its next update (e.g. dots given back by a merge).
    notice: str | None = Field(default=None, max_length=1000)


# --- API models ---


class ParticipantJoin(BaseModel):
    name: Name
    agency: OptionalName = ""
    # Joining an event's group through the event's code (a group's own code needs none).
    group_id: int | None = None


class ParticipantJoined(BaseModel):
    participant_id: int
    participant_token: str


class AgencyReview(SQLModel, table=True):
    """The facilitator's decision on an agency name typed at join, under pre-moderation: an
    approved name shows on the big screen's agencies view; a waiting or rejected one does not."""

    __tablename__ = "agency_review"
    workshop_id: int = Field(foreign_key="workshop.id", primary_key=True, ondelete="CASCADE")
    # The name as compared: trimmed and case-folded.
    name_key: str = Field(max_length=200, primary_key=True)
    approved: bool
    created_at: datetime = Field(default_factory=utcnow)
