"""Each phone's own order of the projects, when the workshop asks for it (workshop.shuffle_projects):
the first listed would otherwise collect dots for being first. The order is stable for a
participant (a hash of their seed and the project id, not a random draw), so it stays the same
across redraws; app.js applies the same hash to lists that reach every phone alike (FNV-1a with a
32-bit finaliser, over ASCII text, so Python and JavaScript agree). Pinned projects still lead."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TypeVar

from app.models import Project

T = TypeVar("T")


def fnv1a(text: str) -> int:
    """FNV-1a, then MurmurHash3's finaliser: FNV alone keeps ids that differ in their last digit
    in order (the shuffle would be a mere reversal)."""
    value = 0x811C9DC5
    for byte in text.encode():
        value = ((value ^ byte) * 0x01000193) & 0xFFFFFFFF
    value ^= value >> 16
    value = (value * 0x85EBCA6B) & 0xFFFFFFFF
    value ^= value >> 13
    value = (value * 0xC2B2AE35) & 0xFFFFFFFF
    return value ^ (value >> 16)


def seed(*, workshop_id: int, participant_id: int) -> int:
    """A participant's seed: differs between participants and between workshops."""
    return fnv1a(f"{workshop_id}:{participant_id}")


def order(items: Iterable[T], *, seed: int, project: Callable[[T], Project]) -> list[T]:
    """Pinned first, then in the order this seed gives (ties, if any, by id)."""
    return sorted(items, key=lambda i: (not project(i).pinned, fnv1a(f"{seed}:{project(i).id}"), project(i).id))
