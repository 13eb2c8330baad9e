"""How big one workshop may grow (the RUAMKIT_MAX_*_PER_WORKSHOP settings), in one value that
services take as an argument, so they never read the server's settings themselves."""

from __future__ import annotations

from dataclasses import dataclass

from app.config import Settings


@dataclass(frozen=True)
class WorkshopLimits:
    participants: int
    projects: int
    agencies: int
    rounds: int

    @classmethod
    def from_settings(cls, settings: Settings) -> WorkshopLimits:
        return cls(participants=settings.max_participants_per_workshop,
                   projects=settings.max_projects_per_workshop,
                   agencies=settings.max_agencies_per_workshop,
                   rounds=settings.max_rounds_per_workshop)


# The server's defaults: for callers without settings at hand (tests, the demo).
DEFAULT = WorkshopLimits.from_settings(Settings.model_construct())
