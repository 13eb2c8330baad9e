"""Workshop and the framework it is mapped onto: strategies, reform areas, agencies."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from collections.abc import Iterator
from typing import Annotated, Any, Literal, get_args
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, StringConstraints, model_validator
from pydantic import Field as PydField
from sqlmodel import Field, SQLModel, UniqueConstraint

from app.text import clean_line

from app.models.schemas import MAX_TITLE, Code, Description, LongTitle, OptionalName, Title


def utcnow() -> datetime:
    return datetime.now(UTC)


DEFAULT_TIME_ZONE = "Asia/Bangkok"


def _known_zone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"'{name}' is not a time zone name such as 'Asia/Bangkok'.") from exc
    return name


TimeZone = Annotated[str, StringConstraints(min_length=1, max_length=64), AfterValidator(_known_zone)]


class Phase(StrEnum):
    setup = "setup"
    propose = "propose"
    vote = "vote"
    results = "results"
    closed = "closed"


class Workshop(SQLModel, table=True):
    # None until the row is flushed, but typed int: every row the app reads or links to has
    # one, so readers need no None checks. The same for every table's `id`.
    id: int = Field(default=None, primary_key=True)
    # A workshop's code, or for a breakout group its workshop's code, a dash and its number (MDES26-3).
    code: str = Field(max_length=12, unique=True, index=True)
    title: str = Field(max_length=MAX_TITLE)
    description: str = Field(default="", max_length=5000)
    language: str = Field(default="th", max_length=2)
    phase: str = Field(default=Phase.setup, max_length=10)
    framework: str = Field(default="th-national-2018", max_length=40)
    dots_per_participant: int = 5
    max_dots_per_project: int = 3
    show_live_tallies: bool = True
    # Keys are kept only as SHA-256 hashes: they carry >= 192 random bits, so no slow hash.
    facilitator_key_hash: str = Field(max_length=64)
    screen_key_hash: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow)
    # Pre-moderation: participants' proposals show on screen and phones only once approved.
    premoderate: bool = False
    # What the big screen shows: "auto" follows the phase; otherwise a view the facilitator chose.
    screen_view: str = Field(default="auto", max_length=20)
    # The phase timer, in server time: running while ends_at is set, paused while remaining is.
    timer_ends_at: datetime | None = None
    timer_remaining: float | None = None
    timer_phase: str | None = Field(default=None, max_length=10)
    timer_auto_advance: bool = False
    # The voting round that votes and scores go to (a round of this workshop; no FK: circular).
    current_round_id: int | None = None
    # Exports' dates are shown in this zone (and, in Thai, the Buddhist era).
    time_zone: str = Field(default=DEFAULT_TIME_ZONE, max_length=64)
    # Each phone lists the projects in its own order (stable per participant), so that the first
    # listed do not collect dots for being first.
    shuffle_projects: bool = False
    # A proposal should name at least one strategy: the phone warns (gently) before sending one without.
    require_strategy: bool = False
    # Whether a participant may type an agency that is not on the invited list (a workshop without
    # a list always lets them).
    typed_agencies: bool = False
    # The page of a long big-screen list the facilitator holds (None: the screen turns the pages).
    screen_page: int | None = None
    # The strategy the big screen has drilled into: its per-strategy views show that strategy's
    # children (None: the top level). No FK: a stale id just shows the top level (frameworks.drill).
    screen_drill_id: int | None = None
    # The same for the second dimension: the reform area whose children the coverage map shows.
    screen_area_drill_id: int | None = None
    # What the workshop calls its two dimensions ("Goals", "Pillars"); None: its preset's or the
    # usual name, in the reader's language (app/services/frameworks.dimension_label).
    strategies_label: str | None = Field(default=None, max_length=60)
    reform_areas_label: str | None = Field(default=None, max_length=60)
    # A breakout group is a workshop of its own (its phase, timer, projects, votes, screen) under
    # the event's workshop, whose framework and agency list it shares. None: not a group.
    parent_id: int | None = Field(default=None, foreign_key="workshop.id", index=True, ondelete="CASCADE")
    group_number: int | None = None

    @property
    def is_group(self) -> bool:
        return self.parent_id is not None

    @property
    def framework_id(self) -> int:
        """The workshop whose strategies, reform areas and agencies this one uses."""
        return framework_of(self)

    @property
    def event_id(self) -> int:
        """The event's workshop: this one, or the workshop this group belongs to."""
        return self.framework_id


def framework_of(workshop: Workshop | Any) -> int:
    """Workshop.framework_id, also of a plain row read with parent_id (the vote path)."""
    return workshop.parent_id if workshop.parent_id is not None else workshop.id


class _Named(SQLModel):
    """A name in Thai and/or English; shown in the reader's language when it exists."""

    name_th: str | None = Field(default=None, max_length=200)
    name_en: str | None = Field(default=None, max_length=200)

    def name_in(self, language: str) -> str:
        first, second = (
            (self.name_en, self.name_th) if language == "en" else (self.name_th, self.name_en)
        )
        return first or second or ""


class Strategy(_Named, table=True):
    __table_args__ = (UniqueConstraint("workshop_id", "code"),)
    id: int = Field(default=None, primary_key=True)  # see Workshop.id
    workshop_id: int = Field(foreign_key="workshop.id", index=True, ondelete="CASCADE")
    code: str = Field(max_length=20)
    position: int = 0
    # The strategy this one sits under (a master plan under a strategy...); None at the top.
    parent_id: int | None = Field(default=None, foreign_key="strategy.id", ondelete="CASCADE")


class ReformArea(_Named, table=True):
    __tablename__ = "reform_area"
    __table_args__ = (UniqueConstraint("workshop_id", "code"),)
    id: int = Field(default=None, primary_key=True)  # see Workshop.id
    workshop_id: int = Field(foreign_key="workshop.id", index=True, ondelete="CASCADE")
    code: str = Field(max_length=20)
    position: int = 0
    parent_id: int | None = Field(default=None, foreign_key="reform_area.id", ondelete="CASCADE")


class Agency(_Named, table=True):
    id: int = Field(default=None, primary_key=True)  # see Workshop.id
    workshop_id: int = Field(foreign_key="workshop.id", index=True, ondelete="CASCADE")
    position: int = 0


class SavedFramework(SQLModel, table=True):
    """A facilitator's own preset: a workshop's framework (hierarchy and labels) and agency list,
    kept under an unguessable key that whoever holds it can start a workshop from."""

    __tablename__ = "saved_framework"
    id: int = Field(default=None, primary_key=True)  # see Workshop.id
    key: str = Field(max_length=40, unique=True, index=True)
    title: str = Field(max_length=MAX_TITLE)
    # The framework as JSON: {strategies, reform_areas, labels, agencies} (SavedFrameworkBody).
    body: str = Field(max_length=200_000)
    source_workshop_id: int | None = Field(default=None, foreign_key="workshop.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow)


# --- API models ---


MAX_FRAMEWORK_DEPTH = 6  # a strategy, its master plans, their sub-plans... six levels at most
MAX_FRAMEWORK_ENTRIES = 100  # per dimension, every level counted

Label = Annotated[str, StringConstraints(min_length=1, max_length=60), BeforeValidator(clean_line)]


class FrameworkEntryIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: Code
    name: Title
    # Both names, when known (a saved or exported framework carries them); `name` otherwise.
    name_th: Title | None = None
    name_en: Title | None = None
    children: list[FrameworkEntryIn] = PydField(default_factory=list, max_length=MAX_FRAMEWORK_ENTRIES)


class FrameworkAgency(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name_th: Title | None = None
    name_en: Title | None = None

    @model_validator(mode="after")
    def has_a_name(self) -> FrameworkAgency:
        if not (self.name_th or self.name_en):
            raise ValueError("An agency needs a name in Thai (name_th) or English (name_en).")
        return self


class LabelsIn(BaseModel):
    """What this workshop calls its two dimensions (each optional: the usual name otherwise)."""

    model_config = ConfigDict(extra="forbid")
    strategies: Label | None = None
    reform_areas: Label | None = None


def walk(entries: list[FrameworkEntryIn], depth: int = 1) -> Iterator[tuple[FrameworkEntryIn, int]]:
    """Every entry of a tree, parents before their children, with its depth (1 at the top)."""
    for entry in entries:
        yield entry, depth
        yield from walk(entry.children, depth + 1)


class CustomFramework(BaseModel):
    model_config = ConfigDict(extra="forbid")
    strategies: list[FrameworkEntryIn] = PydField(min_length=1, max_length=MAX_FRAMEWORK_ENTRIES)
    reform_areas: list[FrameworkEntryIn] = PydField(default_factory=list, max_length=MAX_FRAMEWORK_ENTRIES)
    labels: LabelsIn | None = None

    @model_validator(mode="after")
    def codes_are_unique(self) -> CustomFramework:
        for label, entries in (("strategy", self.strategies), ("reform area", self.reform_areas)):
            flat = list(walk(entries))
            if len(flat) > MAX_FRAMEWORK_ENTRIES:
                raise ValueError(f"At most {MAX_FRAMEWORK_ENTRIES} entries of each kind, every level counted; "
                                 f"this framework has {len(flat)} of kind {label}.")
            if max((depth for _entry, depth in flat), default=0) > MAX_FRAMEWORK_DEPTH:
                raise ValueError(f"Entries nest at most {MAX_FRAMEWORK_DEPTH} levels deep.")
            codes = [e.code.casefold() for e, _depth in flat]
            if len(codes) != len(set(codes)):
                raise ValueError(f"Each {label} code must be unique.")
        return self


# The frameworks a new workshop can copy (app/services/presets.py), besides a custom one.
PresetKey = Literal["th-national-2018", "th-national-2021", "un-sdg"]
# A facilitator's own preset (SavedFramework.key): "own-" and 128 random bits, URL-safe.
OWN_PRESET_PREFIX = "own-"
OwnPresetKey = Annotated[str, StringConstraints(pattern=r"^own-[A-Za-z0-9_-]{16,36}$")]

FRAMEWORK_FORMAT = "ruamkit-framework"


class FrameworkFile(BaseModel):
    """A framework as a file (JSON): what an own preset keeps and what framework exports and
    imports carry. Names in both languages where known; `name` in the file's language."""

    model_config = ConfigDict(extra="forbid")
    format: Literal["ruamkit-framework"] = "ruamkit-framework"
    version: Literal[1] = 1
    title: LongTitle
    # The preset it was made from, if any: a workshop started from it names that preset (and
    # its names for the two dimensions, unless `labels` gives its own).
    based_on: PresetKey | None = None
    strategies: list[FrameworkEntryIn] = PydField(min_length=1, max_length=MAX_FRAMEWORK_ENTRIES)
    reform_areas: list[FrameworkEntryIn] = PydField(default_factory=list, max_length=MAX_FRAMEWORK_ENTRIES)
    labels: LabelsIn | None = None
    agencies: list[FrameworkAgency] = PydField(default_factory=list, max_length=500)

    @model_validator(mode="after")
    def is_a_framework(self) -> FrameworkFile:
        # The same bounds as a custom framework (depth, size, unique codes).
        CustomFramework(strategies=self.strategies, reform_areas=self.reform_areas, labels=self.labels)
        return self

    def custom(self) -> CustomFramework:
        return CustomFramework(strategies=self.strategies, reform_areas=self.reform_areas, labels=self.labels)


class OwnPresetIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: LongTitle | None = None  # default: the workshop's title


class OwnPresetPublic(BaseModel):
    """An own preset, saved: its id starts a new workshop (`framework`) and reads it back."""

    id: str
    title: str
    framework: FrameworkFile


class WorkshopCreate(BaseModel):
    title: LongTitle
    description: Description = ""
    language: Literal["th", "en"] = "th"
    framework: PresetKey | OwnPresetKey | CustomFramework = "th-national-2018"
    agencies: list[Annotated[OptionalName, PydField(min_length=1)]] = PydField(
        default_factory=list, max_length=500
    )
    dots_per_participant: Annotated[int, PydField(strict=True, ge=1, le=1000)] = 5
    max_dots_per_project: Annotated[int, PydField(strict=True, ge=1, le=1000)] = 3
    show_live_tallies: Annotated[bool, PydField(strict=True)] = True
    premoderate: Annotated[bool, PydField(strict=True)] = False
    time_zone: TimeZone = DEFAULT_TIME_ZONE
    shuffle_projects: Annotated[bool, PydField(strict=True)] = False
    require_strategy: Annotated[bool, PydField(strict=True)] = False
    typed_agencies: Annotated[bool, PydField(strict=True)] = False


class WorkshopSettingsUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: LongTitle | None = None
    description: Description | None = None
    show_live_tallies: Annotated[bool, PydField(strict=True)] | None = None
    premoderate: Annotated[bool, PydField(strict=True)] | None = None
    time_zone: TimeZone | None = None
    shuffle_projects: Annotated[bool, PydField(strict=True)] | None = None
    require_strategy: Annotated[bool, PydField(strict=True)] | None = None
    typed_agencies: Annotated[bool, PydField(strict=True)] | None = None
    # Renaming the two dimensions: "" goes back to the preset's or the usual name.
    strategies_label: Annotated[str, StringConstraints(max_length=60), BeforeValidator(clean_line)] | None = None
    reform_areas_label: Annotated[str, StringConstraints(max_length=60), BeforeValidator(clean_line)] | None = None


class PhaseIn(BaseModel):
    phase: Phase


# What the big screen can show; "auto" follows the phase ("groups": an event's grid of its groups).
ScreenView = Literal["auto", "join", "wall", "tallies", "ranking", "strategies", "coverage", "matrix",
                     "agencies", "groups"]
SCREEN_VIEWS: tuple[str, ...] = get_args(ScreenView)
# The views that show dots or scores: hidden from the screen while tallies are hidden.
TALLY_VIEWS = frozenset({"tallies", "ranking", "strategies", "coverage", "matrix"})


class ScreenViewIn(BaseModel):
    """The view, the page held (null: the screen turns its pages), or both; at least one."""

    model_config = ConfigDict(extra="forbid")
    view: ScreenView | None = None
    page: Annotated[int, PydField(strict=True, ge=1, le=1000)] | None = None
    drill: Annotated[int, PydField(strict=True, ge=1)] | None = None
    area_drill: Annotated[int, PydField(strict=True, ge=1)] | None = None

    @model_validator(mode="after")
    def view_or_page(self) -> ScreenViewIn:
        if self.view is None and not {"page", "drill", "area_drill"} & self.model_fields_set:
            raise ValueError("Give 'view', 'page' (null: turn the pages), 'drill' or 'area_drill' "
                             "(null: the top level), or more.")
        return self


class TimerIn(BaseModel):
    """start needs minutes; add takes minutes (default 1); pause, resume and stop take nothing."""

    model_config = ConfigDict(extra="forbid")
    action: Literal["start", "add", "pause", "resume", "stop"]
    minutes: Annotated[float, PydField(strict=True, gt=0, le=600)] | None = None
    auto_advance: Annotated[bool, PydField(strict=True)] | None = None

    @model_validator(mode="after")
    def start_needs_minutes(self) -> TimerIn:
        if self.action == "start" and self.minutes is None:
            raise ValueError("Starting the timer needs 'minutes'.")
        return self


class TimerPublic(BaseModel):
    running: bool
    remaining: float
    ends_at: datetime | None
    phase: str | None
    auto_advance: bool
    server_now: datetime


class TagPublic(BaseModel):
    id: int
    code: str
    name: str
    parent_id: int | None = None  # the entry it sits under (None at the top)


class PresetEntryPublic(BaseModel):
    code: str
    name: str
    name_th: str | None
    name_en: str | None


class DimensionLabels(BaseModel):
    strategies: str
    reform_areas: str


class FrameworkPublic(BaseModel):
    """A preset a new workshop can copy (GET /api/v1/frameworks)."""

    id: str
    name: str
    strategies: list[PresetEntryPublic]
    reform_areas: list[PresetEntryPublic]
    labels: DimensionLabels


class AgencyPublic(BaseModel):
    id: int
    name: str


class WorkshopPublic(BaseModel):
    code: str
    title: str
    description: str
    phase: Phase
    language: str
    framework: str
    strategies: list[TagPublic]
    reform_areas: list[TagPublic]
    agencies: list[AgencyPublic]
    dots_per_participant: int
    max_dots_per_project: int
    show_live_tallies: bool
    participant_count: int
    premoderate: bool = False
    screen_view: str = "auto"
    screen_page: int | None = None  # the page the facilitator holds (None: the screen turns them)
    screen_drill: int | None = None  # the strategy the screen shows the children of (None: the top level)
    screen_area_drill: int | None = None  # the reform area the coverage map shows the children of
    timer: TimerPublic | None = None
    time_zone: str = DEFAULT_TIME_ZONE
    shuffle_projects: bool = False
    require_strategy: bool = False
    typed_agencies: bool = False
    labels: DimensionLabels | None = None  # what the workshop calls its two dimensions


class WorkshopCreated(BaseModel):
    code: str
    title: str
    phase: Phase
    facilitator_key: str
    screen_key: str
    join_url: str
    screen_url: str
    facilitator_url: str
