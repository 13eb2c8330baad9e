"""What an export format is: the entry each format module registers (see registry.py)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlmodel import Session

from app.models import Workshop

# (session, workshop, language of the file's labels, round number or None for every round) ->
# the file's bytes. Run in a render worker (app/render_worker.py), never in the server's own
# process. A format that has no use for the round (the JSON, always the whole workshop) ignores it.
Writer = Callable[[Session, Workshop, str, int | None], bytes]


@dataclass(frozen=True)
class ExportFormat:
    """One file a facilitator can take home."""

    name: str  # in the addresses: `/export?format=<name>` and `/facilitate/export.<name>`
    media_type: str  # the download's Content-Type
    extension: str  # of the downloaded file's name, `ruamkit-<code>-<title>.<extension>`
    label: str  # on the console's button
    write: Writer
    # False when the file is the same in every language: one drawn copy serves every reader.
    localised: bool = True
    # Where its button stands in the console (and its line in README's list): lowest first.
    position: int = 100
    # False for a file that is always the whole workshop whatever round is asked for.
    by_round: bool = True

    def language(self, lang: str) -> str:
        """The language the file is drawn in ("" for a file that has none)."""
        return lang if self.localised else ""
