"""Each workshop's version in this process, and values kept until it changes.

Every change to a workshop already sends a change notice through the broker (that is how the
screens and phones are redrawn, in this process and, through Redis, in the others); counting
those notices per workshop gives a version number that moves whenever the workshop changes.
Whatever is drawn from a workshop (its ranking as JSON, a PDF) is kept with the version it was
drawn from and served until the version moves on.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TypeVar, cast

T = TypeVar("T")
log = logging.getLogger(__name__)


class Versions:
    """Two numbers per workshop: its version, which every change moves, and its projects'
    version, which every change but votes and scores moves (the ballot box's notices say so):
    a big workshop's project list is kept across a vote storm, its tallies are not."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._versions: dict[str, int] = {}
        self._projects: dict[str, int] = {}
        # Both numbers of a workshop with no notice yet; moved by changed_all, so that values
        # kept for those workshops are dropped too.
        self._base = 0

    def changed(self, code: str, votes_only: bool = False) -> None:
        """The broker's listener: this workshop changed (only its votes or scores, or anything)."""
        with self._lock:
            self._versions[code] = self._versions.get(code, self._base) + 1
            if not votes_only:
                self._projects[code] = self._projects.get(code, self._base) + 1

    def changed_all(self) -> None:
        """Notices may have been lost (Redis was away): whatever was kept may be out of date."""
        with self._lock:
            for numbers in (self._versions, self._projects):
                for code in numbers:
                    numbers[code] += 1
            self._base += 1

    def of(self, code: str) -> int:
        with self._lock:
            return self._versions.get(code, self._base)

    def projects_of(self, code: str) -> int:
        with self._lock:
            return self._projects.get(code, self._base)


class Memo:
    """Values computed from a workshop, once per version: one asker computes while the others
    asking for the same value wait for it (a crowd asking for a big workshop's results costs
    one computation, not one each). At most `size` values are kept, the least used dropped."""

    def __init__(self, versions: Versions, size: int = 256, *, projects_only: bool = False) -> None:
        """`projects_only`: values drawn from the projects alone (their rows and tags), kept
        until the projects' version moves (votes leave it)."""
        self.versions, self.size = versions, size
        self._version_of = versions.projects_of if projects_only else versions.of
        self._lock = threading.Lock()
        self._values: OrderedDict[tuple[str, Hashable], tuple[int, object]] = OrderedDict()
        self._computing: dict[tuple[str, Hashable], threading.Lock] = {}
        self.computed = 0  # how many times a value was computed (tests read it)
        # Told the workshop's code when a value computed in the background is kept (the hub
        # redraws its views: app/main.py wires it).
        self.on_refreshed: Callable[[str], None] | None = None
        self._refreshing: dict[tuple[str, Hashable], threading.Thread] = {}

    def version(self, code: str) -> int:
        return self._version_of(code)

    def peek(self, code: str, key: Hashable) -> tuple[bool, object] | None:
        """(whether it is of the current version, the value) kept for this key, or None; never computes."""
        version = self._version_of(code)
        with self._lock:
            kept = self._values.get((code, key))
        return None if kept is None else (kept[0] == version, kept[1])

    def refresh(self, code: str, key: Hashable, compute: Callable[[], object], *, version: int) -> None:
        """Compute the value in a thread of its own (one at a time per key) and keep it as of
        `version` (read before whatever compute() draws from), then tell on_refreshed. For
        values too slow for a redraw: meanwhile the askers show what peek() gives."""
        full = (code, key)
        with self._lock:
            if full in self._refreshing:
                return  # the running one ends with a notice: the next redraw asks again if still old

            def run() -> None:
                try:
                    value = compute()
                    with self._lock:
                        self.computed += 1
                    self.put(code, key, value, version=version)
                except Exception:  # no redraw asked: it would start the same failing work again
                    log.exception("Computing %s of %s in the background failed", key, code)
                    return
                finally:
                    with self._lock:
                        self._refreshing.pop(full, None)
                if self.on_refreshed is not None:
                    self.on_refreshed(code)

            thread = threading.Thread(target=run, name=f"refresh {code}", daemon=True)
            self._refreshing[full] = thread
            thread.start()  # under the lock: settle() never joins a thread not yet started

    def put(self, code: str, key: Hashable, value: object, *, version: int) -> None:
        """Keep a value computed elsewhere as of `version` (read before whatever it was drawn
        from), unless a newer one is kept already."""
        full = (code, key)
        with self._lock:
            kept = self._values.get(full)
            if kept is None or kept[0] <= version:
                self._values[full] = (version, value)
                self._values.move_to_end(full)
                while len(self._values) > self.size:
                    self._values.popitem(last=False)

    def settle(self, timeout: float = 60.0) -> None:
        """Wait for the values being computed in the background (tests, the bench)."""
        with self._lock:
            threads = list(self._refreshing.values())
        for thread in threads:
            thread.join(timeout)

    def get(self, code: str, key: Hashable, compute: Callable[[], T]) -> T:
        full = (code, key)
        while True:
            version = self._version_of(code)
            with self._lock:
                kept = self._values.get(full)
                if kept is not None and kept[0] == version:
                    self._values.move_to_end(full)
                    return cast(T, kept[1])  # what compute() gave for this key
                gate = self._computing.setdefault(full, threading.Lock())
            if gate.acquire(blocking=False):
                break
            with gate:  # another asker is computing it: wait, then look again
                pass
        try:
            value = compute()
            with self._lock:
                self.computed += 1
                self._values[full] = (version, value)
                self._values.move_to_end(full)
                while len(self._values) > self.size:
                    self._values.popitem(last=False)
            return value
        finally:
            with self._lock:
                self._computing.pop(full, None)
            gate.release()
