"""Frameworks: the preset library, what a workshop calls its two dimensions."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from app.models import Workshop
from app.models.workshop import DimensionLabels, FrameworkPublic, PresetEntryPublic
from app.services import presets

Dimension = Literal["strategies", "reform_areas"]

# (Thai, English) names of the two dimensions when neither the workshop nor its preset renames them.
DEFAULT_LABELS: dict[Dimension, tuple[str, str]] = {
    "strategies": ("ยุทธศาสตร์", "Strategies"),
    "reform_areas": ("ด้านการปฏิรูป", "Reform areas"),
}


def preset_label(preset_key: str, dimension: Dimension, language: str) -> str:
    """What a preset (or, for an unknown key, the default) calls a dimension, in a language."""
    preset = presets.PRESETS.get(preset_key)
    pair = DEFAULT_LABELS[dimension]
    if preset is not None and preset.labels is not None:
        pair = preset.labels[0 if dimension == "strategies" else 1]
    return pair[1] if language == "en" else pair[0]


def dimension_label(workshop: Workshop, dimension: Dimension, language: str) -> str:
    """What this workshop calls a dimension: its own name for it (one for every language, as
    the facilitator typed it), else its preset's, else the usual name, in the language."""
    own = workshop.strategies_label if dimension == "strategies" else workshop.reform_areas_label
    return own or preset_label(workshop.framework, dimension, language)


def labels(workshop: Workshop, language: str) -> DimensionLabels:
    return DimensionLabels(strategies=dimension_label(workshop, "strategies", language),
                           reform_areas=dimension_label(workshop, "reform_areas", language))


def _entry(entry: presets.Entry, language: str) -> PresetEntryPublic:
    first, second = (entry.name_en, entry.name_th) if language == "en" else (entry.name_th, entry.name_en)
    return PresetEntryPublic(code=entry.code, name=first or second or "", name_th=entry.name_th,
                             name_en=entry.name_en)


def library(language: str) -> list[FrameworkPublic]:
    """The presets, names in the language (both names are given too)."""
    return [FrameworkPublic(id=preset.key, name=preset.title_en if language == "en" else preset.title_th,
                            strategies=[_entry(e, language) for e in preset.strategies],
                            reform_areas=[_entry(e, language) for e in preset.reform_areas],
                            labels=DimensionLabels(strategies=preset_label(preset.key, "strategies", language),
                                                   reform_areas=preset_label(preset.key, "reform_areas",
                                                                             language)))
            for preset in presets.PRESETS.values()]


class _Tree(Protocol):
    id: int
    parent_id: int | None


def lineages(entries: Iterable[_Tree]) -> dict[int, tuple[int, ...]]:
    """Each entry's id with its ancestors' ids, nearest first: (self, parent, grandparent, ...).

    The one place that walks up the hierarchy (results roll up to it). A parent outside the
    list, or a loop a bad row could make, ends the walk rather than hanging it."""
    parent = {e.id: e.parent_id for e in entries}
    out: dict[int, tuple[int, ...]] = {}
    for entry_id in parent:
        chain = [entry_id]
        up = parent[entry_id]
        while up is not None and up in parent and up not in chain:
            chain.append(up)
            up = parent[up]
        out[entry_id] = tuple(chain)
    return out


def rolled_up(ids: Iterable[int], lineage: dict[int, tuple[int, ...]]) -> list[int]:
    """The ids with every ancestor of each, once each, in order of first appearance."""
    return list(dict.fromkeys(up for i in ids for up in lineage.get(i, (i,))))


@dataclass
class Drill:
    """Where a hierarchy is drilled to: the entry drilled into (None: the top), the entries
    shown (its children, or the top level), the way down to it (top first), and which of the
    shown entries have children of their own (they can be drilled into)."""

    focus: Any
    level: list[Any]
    trail: list[Any]
    openable: set[int]

    @property
    def up(self) -> int | None:
        """The entry one level up (None: the top level)."""
        return self.trail[-2].id if len(self.trail) > 1 else None


def drill(entries: Sequence[_Tree], focus_id: int | None) -> Drill:
    """The level of a hierarchy to show when drilled into `focus_id`. A flat framework, no
    focus, or a focus that is not (or no longer) a parent here all show the top level."""
    by_id = {e.id: e for e in entries}
    parents = {e.parent_id for e in entries if e.parent_id is not None}
    focus = by_id.get(focus_id) if focus_id is not None and focus_id in parents else None
    level = [e for e in entries if e.parent_id == (focus.id if focus is not None else None)]
    trail = [by_id[i] for i in reversed(lineages(entries)[focus.id])] if focus is not None else []
    return Drill(focus=focus, level=level, trail=trail, openable={e.id for e in level if e.id in parents})


def top_level(entries: Sequence[_Tree]) -> list[Any]:
    """The entries with no parent (a flat framework: all of them)."""
    return [e for e in entries if e.parent_id is None]


def depths(entries: Iterable[_Tree]) -> dict[int, int]:
    """How deep each entry sits: 0 at the top, 1 under a top entry, and so on."""
    return {entry_id: len(chain) - 1 for entry_id, chain in lineages(entries).items()}
