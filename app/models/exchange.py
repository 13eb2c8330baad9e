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
from app.models.round import CriterionKey
from app.models.schemas import MAX_TAGS, Code, Description, Id, LongTitle, Name, OptionalName, Title
from app.models.workshop import DEFAULT_TIME_ZONE, Label, Phase, TimeZone

FORMAT = "ruamkit-workshop"
CO_AGENCIES_LENGTH = 2000  # Project.co_agencies, one per line
VERSION = 1

Dots = Annotated[int, PydField(strict=True, ge=0, le=100_000)]
RoundNumber = Annotated[int, PydField(strict=True, ge=1, le=10_000)]
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
    """A strategy or a reform area; parent_id is the exported id of the entry it sits under."""

    code: Code
    parent_id: Id | None = None


class AgencyExport(_NamedEntry):
    pass


class WorkshopSettingsExport(_Entry):
    title: LongTitle
    description: Description = ""
    language: Literal["th", "en"] = "th"
    phase: Phase = Phase.setup
    framework: Literal["th-national-2018", "th-national-2021", "un-sdg", "custom"] = "custom"
    dots_per_participant: Setting = 5
    max_dots_per_project: Setting = 3
    show_live_tallies: Flag = True
    premoderate: Flag = False
    time_zone: TimeZone = DEFAULT_TIME_ZONE
    shuffle_projects: Flag = False
    require_strategy: Flag = False
    # Exports made before the invited-agency rule let participants type any agency.
    typed_agencies: Flag = True
    # What the workshop calls its two dimensions (null: its preset's or the usual names).
    strategies_label: Label | None = None
    reform_areas_label: Label | None = None
    created_at: AwareDatetime | None = None
    # The number of the round votes go to; default the last round (exports before rounds: 1).
    current_round: RoundNumber | None = None


class ParticipantExport(_Entry):
    id: Id
    name: Name
    agency: OptionalName = ""
    created_at: AwareDatetime


class ProjectExport(_Entry):
    id: Id
    title: LongTitle
    description: Description = ""
    agency: OptionalName = ""
    proposer_id: Id | None = None
    strategy_ids: TagIds = PydField(default_factory=list)
    reform_area_ids: TagIds = PydField(default_factory=list)
    created_at: AwareDatetime
    hidden: Flag = False
    merged_into_id: Id | None = None
    pinned: Flag = False
    approved: Flag = True
    # Agencies of the proposals merged into this one (exports before merges united them: none).
    co_agencies: list[Annotated[OptionalName, PydField(min_length=1)]] = PydField(default_factory=list, max_length=50)
    group_id: int | None = None  # as in the API's answers; an import places projects by their group's entry

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
        if len("\n".join(self.co_agencies)) > CO_AGENCIES_LENGTH:
            raise ValueError(f"co_agencies may hold at most {CO_AGENCIES_LENGTH} characters in all")
        return self


class VoteExport(_Entry):
    participant_id: Id
    project_id: Id
    dots: Dots
    # The round's number; exports made before rounds existed have none: round 1.
    round: RoundNumber = 1


class CriterionExport(_Entry):
    key: CriterionKey
    name: Title
    weight: Annotated[float, PydField(gt=0, le=100)] = 1.0


class RoundScopeExport(_Entry):
    top_n: Annotated[int, PydField(strict=True, ge=1, le=10_000)]
    from_round: RoundNumber | None = None
    project_ids: list[Id] = PydField(default_factory=list)


class RoundExport(_Entry):
    """A voting round. An export without rounds has one: round 1, dot voting on all projects."""

    number: RoundNumber
    title: OptionalName = ""
    mode: Literal["dots", "scoring"] = "dots"
    dots_per_participant: Setting | None = None
    max_dots_per_project: Setting | None = None
    per_strategy_budget: Flag = False
    criteria: list[CriterionExport] = PydField(default_factory=list, max_length=10)
    scope: RoundScopeExport | None = None
    created_at: AwareDatetime | None = None
    # Recomputed on import; kept in the file for readers.
    results: dict[str, Any] | None = None

    @model_validator(mode="after")
    def fits_the_mode(self) -> RoundExport:
        keys = [c.key for c in self.criteria]
        if len(keys) != len(set(keys)):
            raise ValueError("each criterion key must be unique")
        if self.mode == "scoring" and not self.criteria:
            raise ValueError("a scoring round needs at least one criterion")
        if self.mode == "dots" and self.criteria:
            raise ValueError("criteria apply only to scoring rounds")
        return self


class ScoreExport(_Entry):
    participant_id: Id
    project_id: Id
    round: RoundNumber = 1
    criterion: CriterionKey
    value: Annotated[int, PydField(strict=True, ge=1, le=5)]


class _WorkSettings(_Entry):
    """What a group holds of its own (large events): settings and its participants' work."""

    dots_per_participant: Setting = 5
    max_dots_per_project: Setting = 3
    show_live_tallies: Flag = True
    premoderate: Flag = False
    shuffle_projects: Flag = False
    require_strategy: Flag = False
    typed_agencies: Flag = True
    created_at: AwareDatetime | None = None
    current_round: RoundNumber | None = None
    participants: list[ParticipantExport] = PydField(default_factory=list)
    projects: list[ProjectExport] = PydField(default_factory=list)
    votes: list[VoteExport] = PydField(default_factory=list)
    rounds: list[RoundExport] = PydField(default_factory=list, max_length=1000)
    scores: list[ScoreExport] = PydField(default_factory=list)
    results: dict[str, Any] | None = None


GroupNumber = Annotated[int, PydField(strict=True, ge=1, le=999)]


class GroupExport(_WorkSettings):
    """A breakout group of a large event: its number (its code is the event's, a dash and it),
    name and phase, and its own participants, projects, votes and rounds. Ids are unique across
    the whole export: the hall's plenary votes name the groups' participants."""

    number: GroupNumber
    name: LongTitle
    phase: Phase = Phase.setup


class LineageExport(_Entry):
    """Where a plenary project came from: a group's project, its rank and dots there."""

    project_id: Id
    group: GroupNumber
    source_project_id: Id
    rank: Annotated[int, PydField(strict=True, ge=1, le=1_000_000)]
    dots: Dots


class LogMessageExport(_Entry):
    """An entry's detail as a message and params, so the copy shows it in each reader's
    language again (app/services/action_log.py); a message ruamkit does not write is kept as text."""

    text: Annotated[str, PydField(max_length=2000)]
    params: dict[str, Any]


class ActionLogExport(_Entry):
    at: AwareDatetime
    group: GroupNumber | None = None  # None: the event's workshop itself
    who: Annotated[str, PydField(max_length=120)]
    action: Annotated[str, PydField(min_length=1, max_length=40)]
    detail: Annotated[str, PydField(max_length=2000)] = ""  # as the API shows it
    message: LogMessageExport | None = None


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
    rounds: list[RoundExport] = PydField(default_factory=list, max_length=1000)
    scores: list[ScoreExport] = PydField(default_factory=list)
    # Recomputed from the votes on import; kept in the file for readers and archives.
    results: dict[str, Any] | None = None
    # Large events (exports before groups have none).
    groups: list[GroupExport] = PydField(default_factory=list, max_length=200)
    lineage: list[LineageExport] = PydField(default_factory=list)
    action_log: list[ActionLogExport] = PydField(default_factory=list, max_length=100_000)  # oldest first
