"""The JSON export of a workshop, as read back by the import.

These models check the shape, the types and the text limits of each entry. Whether the ids
refer to one another correctly (tags, proposers, votes, merges) is checked by the import
service, which can name the entries involved.

Unknown fields are refused so that a misspelt one (say `hiden`) is not silently dropped;
fields written only for human readers (`name`, `exported_at`, `results`) are accepted and
ignored.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, model_validator
from pydantic import Field as PydField

from app.models.project import TagIds
from app.models.schemas import MAX_TAGS, Code, Description, Id, Name, OptionalName, Title
from app.models.workshop import Phase

FORMAT = "ruamkit-workshop"
VERSION = 1

Dots = Annotated[int, PydField(strict=True, ge=0, le=100_000)]
Setting = Annotated[int, PydField(strict=True, ge=1, le=1000)]
Flag = Annotated[bool, PydField(strict=True)]


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _NamedEntry(_Entry):
    id: Id
    name_th: Title | None = None
    name_en: Title | None = None
    name: str | None = None  # the export's convenience copy; the two above are the data

    @model_validator(mode="after")
    def has_a_name(self) -> _NamedEntry:
        if not (self.name_th or self.name_en):
            raise ValueError("needs a name in Thai (name_th) or English (name_en)")
        return self


class TagExport(_NamedEntry):
    """A strategy or a reform area."""

    code: Code


class AgencyExport(_NamedEntry):
    pass


class WorkshopSettingsExport(_Entry):
    title: Title
    description: Description = ""
    language: Literal["th", "en"] = "th"
    phase: Phase = Phase.setup
    framework: Literal["th-national-2018", "custom"] = "custom"
    dots_per_participant: Setting = 5
    max_dots_per_project: Setting = 3
    show_live_tallies: Flag = True
    created_at: AwareDatetime | None = None


class ParticipantExport(_Entry):
    id: Id
    name: Name
    agency: OptionalName = ""
    created_at: AwareDatetime


class ProjectExport(_Entry):
    id: Id
    title: Title
    description: Description = ""
    agency: OptionalName = ""
    proposer_id: Id | None = None
    strategy_ids: TagIds = PydField(default_factory=list)
    reform_area_ids: TagIds = PydField(default_factory=list)
    created_at: AwareDatetime
    hidden: Flag = False
    merged_into_id: Id | None = None

    @model_validator(mode="after")
    def tags_are_distinct(self) -> ProjectExport:
        for label, ids in (
            ("strategy_ids", self.strategy_ids),
            ("reform_area_ids", self.reform_area_ids),
        ):
            if len(ids) != len(set(ids)):
                raise ValueError(f"{label} lists the same id twice")
        if len(self.strategy_ids) + len(self.reform_area_ids) > MAX_TAGS:
            raise ValueError(f"a project can have at most {MAX_TAGS} tags")
        return self


class VoteExport(_Entry):
    participant_id: Id
    project_id: Id
    dots: Dots


class WorkshopExport(_Entry):
    format: Literal["ruamkit-workshop"]
    version: Literal[1]
    exported_at: AwareDatetime | None = None
    workshop: WorkshopSettingsExport
    strategies: list[TagExport] = PydField(min_length=1, max_length=100)
    reform_areas: list[TagExport] = PydField(default_factory=list, max_length=100)
    agencies: list[AgencyExport] = PydField(default_factory=list, max_length=500)
    participants: list[ParticipantExport] = PydField(default_factory=list)
    projects: list[ProjectExport] = PydField(default_factory=list)
    votes: list[VoteExport] = PydField(default_factory=list)
    # Recomputed from the votes on import; kept in the file for readers and archives.
    results: dict[str, Any] | None = None
