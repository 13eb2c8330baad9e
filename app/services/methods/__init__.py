"""Voting methods behind one seam, keyed by a round's mode: each method (one module here) says
what a tap means, what the ranking sorts by and what the screens show (app/services/methods/
base.py). Adding one: a module with its `Method`, its template `methods/<mode>.html`, an entry
below, and the mode in the API's models (app/models/round.py: the contract names the modes)."""

from __future__ import annotations

from app.services.methods import dots, scoring
from app.services.methods.base import Method

METHODS: dict[str, Method] = {method.mode: method for method in (dots.METHOD, scoring.METHOD)}
DEFAULT = next(method for method in METHODS.values() if method.default)


def of(mode: str) -> Method:
    """The method of a round of this mode (a mode no method knows is refused before it is
    stored: the API's models name the modes)."""
    return METHODS[mode]
