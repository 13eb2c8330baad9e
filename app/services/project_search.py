"""Finding projects in a long list (a workshop of thousands of imported projects): Thai text
searched word by word, and lists served a page at a time.

Thai is written without spaces between words, so a title is cut into words by PyThaiNLP's
dictionary-based `newmm` tokenizer; a query finds a title when each of its words begins a word of
the title (or, for a run of letters the dictionary cuts differently, appears inside the title's
text). Cutting 3,000 titles takes a few seconds, so each title's words are kept per workshop
version by the caller (app.versions.Memo) and cut once per project otherwise (lru_cache)."""

from __future__ import annotations

import os
import threading
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import islice
from typing import Any, TypeVar

T = TypeVar("T")

PAGE_SIZE = 20  # projects per page on a phone: the first load stays under 60 KB with long titles
CONSOLE_PAGE = 50  # rows per page of the console's projects table
QUERY_MAX = 100  # characters of a query kept (a longer one is cut, not refused)

_lock = threading.Lock()
_tokenize: Callable[[str], list[str]] | None = None


def _tokenizer() -> Callable[[str], list[str]]:
    global _tokenize
    with _lock:
        if _tokenize is None:
            # No ~/pythainlp-data and no downloads on a workshop laptop (as in duplicates.py).
            os.environ.setdefault("PYTHAINLP_READ_ONLY", "1")
            os.environ.setdefault("PYTHAINLP_OFFLINE", "1")
            from pythainlp.tokenize import word_tokenize

            def tokenize(text: str) -> list[str]:
                return word_tokenize(text, engine="newmm", keep_whitespace=False)

            _tokenize = tokenize
    return _tokenize


def fold(text: str) -> str:
    """The form text is compared in: NFC, lower case, white space as one space."""
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


@lru_cache(maxsize=20_000)
def words(text: str) -> tuple[str, ...]:
    """The words of a text (Thai cut by newmm), folded, without spaces and punctuation."""
    folded = fold(text)
    return tuple(w for w in (t.strip() for t in _tokenizer()(folded)) if w and any(c.isalnum() for c in w))


WARM_TEXTS = 10_000  # titles and agencies cut at start, at most (words() keeps 20,000)


def warm_up(texts: Iterable[str]) -> int:
    """Load the tokenizer (1.5 to 2 s: PyThaiNLP and its dictionary) and cut these texts into
    words (the open workshops' titles, newest first), so that a server's first search does not
    wait for them. For a background thread at start; answers how many texts it cut."""
    words("ค้นหา")
    cut = 0
    for text in islice(texts, WARM_TEXTS):
        words(text)
        cut += 1
    return cut


@dataclass(frozen=True)
class Entry:
    text: str  # the folded title, agency and description
    words: frozenset[str]


def entry(*texts: str | None) -> Entry:
    joined = " ".join(t for t in texts if t)
    return Entry(text=fold(joined), words=frozenset(w for t in texts if t for w in words(t)))


def matches(query_words: Sequence[str], found: Entry) -> bool:
    """Every word of the query begins a word of the entry, or lies in its text."""
    return all(any(w.startswith(q) for w in found.words) or q in found.text for q in query_words)


def search(items: Sequence[T], query: str, index: dict[int, Entry], *, key: Callable[[T], int]) -> list[T]:
    """The items whose entry holds every word of `query`, in their order (all for an empty query)."""
    query_words = words(query[:QUERY_MAX])
    if not query_words:
        return list(items)
    return [item for item in items if (found := index.get(key(item))) is not None and matches(query_words, found)]


@dataclass(frozen=True)
class Page:
    items: list[Any]
    offset: int
    total: int

    @property
    def next_offset(self) -> int | None:
        end = self.offset + len(self.items)
        return end if end < self.total else None


def page(items: Sequence[T], offset: int = 0, size: int = PAGE_SIZE) -> Page:
    offset = max(0, min(offset, len(items)))
    return Page(items=list(items[offset:offset + size]), offset=offset, total=len(items))


def index(standings: Sequence[Any]) -> dict[int, Entry]:
    """Each project's searchable words (title and agency), by project id."""
    return {s.project.id: entry(s.project.title, s.project.agency) for s in standings}


@dataclass(frozen=True)
class Filter:
    """The console's choice over the projects table: words, a strategy, an area, an agency."""

    query: str = ""
    strategy_id: int | None = None
    area_id: int | None = None
    agency: str = ""

    @property
    def active(self) -> bool:
        return bool(self.query or self.strategy_id or self.area_id or self.agency)


def filtered(standings: Sequence[Any], chosen: Filter, index: Callable[[], dict[int, Entry]]) -> list[Any]:
    """The standings the filter keeps, in ranking order (the index is built only for words)."""
    kept = [s for s in standings
            if (chosen.strategy_id is None or chosen.strategy_id in s.strategy_ids)
            and (chosen.area_id is None or chosen.area_id in s.reform_area_ids)
            and (not chosen.agency or chosen.agency in s.project.agencies)]
    return search(kept, chosen.query, index(), key=lambda s: s.project.id) if chosen.query.strip() else kept


@dataclass(frozen=True)
class AgencyList:
    """Every agency named on a project (proposer or co-proposer), for the console's filter,
    with how many projects name each: a change naming its projects (an edit, a new proposal)
    swaps only their names, not all 3,000 projects' (issue 13)."""

    names: list[str]
    by_project: dict[int, tuple[str, ...]]
    projects_naming: dict[str, int]

    @classmethod
    def of(cls, standings: Iterable[Any]) -> AgencyList:
        return cls._counted({s.project.id: tuple(s.project.agencies) for s in standings})

    def patched(self, standings: Iterable[Any], changed: frozenset[int]) -> AgencyList:
        """The list for `standings`, where only the `changed` projects differ from this one's
        (a changed project missing from them was hidden or merged away)."""
        by_project = dict(self.by_project)
        naming = dict(self.projects_naming)
        for project_id in changed:
            for name in by_project.pop(project_id, ()):
                naming[name] -= 1
        for s in standings:
            if s.project.id in changed:
                by_project[s.project.id] = names = tuple(s.project.agencies)
                for name in names:
                    naming[name] = naming.get(name, 0) + 1
        return AgencyList(sorted(name for name, n in naming.items() if n > 0), by_project, naming)

    @classmethod
    def _counted(cls, by_project: dict[int, tuple[str, ...]]) -> AgencyList:
        naming: dict[str, int] = {}
        for names in by_project.values():
            for name in names:
                naming[name] = naming.get(name, 0) + 1
        return cls(sorted(naming), by_project, naming)
