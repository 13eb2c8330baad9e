"""Each workshop's version in this process, and values kept until it changes.

Every change to a workshop already sends a change notice through the broker (that is how the
screens and phones are redrawn, in this process and, through Redis, in the others); counting
those notices per workshop gives a version number that moves whenever the workshop changes.
Whatever is drawn from a workshop (its ranking as JSON, a PDF) is kept with the version it was
drawn from and served until the version moves on.

A notice may name the projects it changed (an edit, a new proposal, a hide, an approval, a
merge): a value drawn from the projects alone is then patched (those rows read again) rather
than drawn again from all of them, which for a workshop of 3,000 is most of a redraw (issue 13).
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections import OrderedDict, deque
from collections.abc import Callable, Collection, Hashable, Iterator
from typing import TypeVar, cast

T = TypeVar("T")
log = logging.getLogger(__name__)

# A change naming more projects than this (an import) is announced, and redrawn, as a change of
# anything: reading that many rows one by one would cost more than reading them all.
FEW_PROJECTS = 100
# The last changes of each workshop's projects remembered (a value kept from before them all is drawn again).
REMEMBERED = 64


def few(projects: Collection[int] | None) -> frozenset[int] | None:
    """The changed projects as a notice names them: None (not named) when unknown or too many."""
    return None if projects is None or len(projects) > FEW_PROJECTS else frozenset(projects)


class Versions:
    """Two numbers per workshop: its version, which every change moves, and its projects'
    version, which every change but votes and scores moves (the ballot box's notices say so):
    a big workshop's project list is kept across a vote storm, its tallies are not. The last
    changes of the projects are remembered with the projects they named, if they did."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._versions: dict[str, int] = {}
        self._projects: dict[str, int] = {}
        # Per workshop: (projects' version it moved to, the projects a change named or None).
        self._named: dict[str, deque[tuple[int, frozenset[int] | None]]] = {}
        # Both numbers of a workshop with no notice yet; moved by changed_all, so that values
        # kept for those workshops are dropped too.
        self._base = 0

    def changed(self, code: str, votes_only: bool = False, projects: Collection[int] | None = None) -> None:
        """The broker's listener: this workshop changed (only its votes or scores; only these
        `projects`: their rows and tags; or anything)."""
        with self._lock:
            self._versions[code] = self._versions.get(code, self._base) + 1
            if not votes_only:
                number = self._projects[code] = self._projects.get(code, self._base) + 1
                self._named.setdefault(code, deque(maxlen=REMEMBERED)).append((number, few(projects)))

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

    def projects_changed_since(self, code: str, version: int) -> frozenset[int] | None:
        """The projects changed since this projects' version of the workshop, or None when that
        is not known: a change that did not name them, or one not remembered (too far back, or
        lost with Redis: changed_all moves the numbers on without remembering a change)."""
        with self._lock:
            now = self._projects.get(code, self._base)
            since = [named for number, named in self._named.get(code, ()) if number > version]
        if len(since) != now - version or any(named is None for named in since):
            return None
        return frozenset(project for named in since if named is not None for project in named)


class Memo:
    """Values computed from a workshop, once per version: one asker computes while the others
    asking for the same value wait for it (a crowd asking for a big workshop's results costs
    one computation, not one each). At most `size` values are kept, the least used dropped."""

    def __init__(self, versions: Versions, size: int = 256, *, projects_only: bool = False) -> None:
        """`projects_only`: values drawn from the projects alone (their rows and tags), kept
        until the projects' version moves (votes leave it)."""
        self.versions, self.size, self.projects_only = versions, size, projects_only
        self._version_of = versions.projects_of if projects_only else versions.of
        self._lock = threading.Lock()
        self._values: OrderedDict[tuple[str, Hashable], tuple[int, object]] = OrderedDict()
        self._computing: dict[tuple[str, Hashable], threading.Lock] = {}
        self.computed = 0  # how many times a value was computed (tests read it)
        self.patched = 0  # how many times a value was patched from the one before (likewise)
        # Told the workshop's code when a value computed in the background is kept (the hub
        # redraws its views: app/main.py wires it).
        self.on_refreshed: Callable[[str], None] | None = None
        self._refreshing: dict[tuple[str, Hashable], threading.Thread] = {}
        self._held = threading.local()  # refreshes asked while this thread holds them (holding_refreshes)

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
        held = getattr(self._held, "asked", None)
        if held is not None:
            held.append((code, key, compute, version))
            return
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

    @contextlib.contextmanager
    def holding_refreshes(self) -> Iterator[None]:
        """Refreshes asked by this thread meanwhile start when it ends: a redraw of a workshop's
        views is not slowed by the work it asked for (threads share one interpreter lock)."""
        if getattr(self._held, "asked", None) is not None:  # held already: the outer hold starts them
            yield
            return
        asked: list[tuple[str, Hashable, Callable[[], object], int]] = []
        self._held.asked = asked
        try:
            yield
        finally:
            self._held.asked = None
            for code, key, compute, version in asked:
                self.refresh(code, key, compute, version=version)

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

    def get(self, code: str, key: Hashable, compute: Callable[[], T],
            patch: Callable[[T, frozenset[int]], T] | None = None) -> T:
        """The value kept for this key if of the current version, else compute() kept. `patch`
        (a projects-only memo): given the value kept before and the projects changed since, the
        current value, made without changing the one given (other redraws may still read it);
        used when every change since named its projects and they are few."""
        if patch is not None and not self.projects_only:
            raise ValueError("Only values drawn from the projects alone can be patched by the projects changed.")
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
            changed = None if patch is None or kept is None else self.versions.projects_changed_since(code, kept[0])
            patching = False
            if patch is not None and kept is not None and changed is not None and len(changed) <= FEW_PROJECTS:
                value, patching = patch(cast(T, kept[1]), changed), True
            else:
                value = compute()
            with self._lock:
                if patching:
                    self.patched += 1
                else:
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
