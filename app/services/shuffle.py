"""Each phone's own order of the projects, when the workshop asks for it (workshop.shuffle_projects):
the first listed would otherwise collect dots for being first. The order is stable for a
participant (a hash of their seed and the project id, not a random draw), so it stays the same
across redraws; app.js applies the same hash to lists that reach every phone alike (FNV-1a, 32 bit,
over ASCII text, so Python and JavaScript agree). Pinned projects still lead."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TypeVar

from app.models import Project

T = TypeVar("T")


def fnv1a(text: str) -> int:
    value = 0x811C9DC5
    for byte in text.encode():
        value = ((value ^ byte) * 0x01000193) & 0xFFFFFFFF
    return value


def seed(*, workshop_id: int, participant_id: int) -> int:
    """A participant's seed: differs between participants and between workshops."""
    return fnv1a(f"{workshop_id}:{participant_id}")


def order(items: Iterable[T], *, seed: int, project: Callable[[T], Project]) -> list[T]:
    """Pinned first, then in the order this seed gives (ties, if any, by id)."""
    return sorted(items, key=lambda i: (not project(i).pinned, fnv1a(f"{seed}:{project(i).id}"), project(i).id))
