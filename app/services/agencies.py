"""Agency names as people type them, matched to the workshop's invited list.

People write one agency many ways: "กระทรวงดิจิทัลฯ" or "ดิจิทัลเพื่อเศรษฐกิจและสังคม", "สนง.สถิติ
แห่งชาติ", "Ministry of Digital Economy and Society" or "MDES", with or without "(องค์การมหาชน)".
One function, `match`, decides which invited agency a typed name means: the same name once case,
spaces and punctuation are set aside is a match; so is a looser spelling (without the office
word กระทรวง/กรม/สำนักงาน or "Ministry of", without the bracketed part, a bracketed or English
abbreviation) when it fits exactly one invited agency. A loose spelling that fits two is no match:
better a new name the facilitator can see than a participant counted under the wrong agency.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache
from typing import Protocol, TypeVar

# Office words a Thai agency's name may be written with or without (longest first).
THAI_PREFIXES = ("กระทรวง", "สำนักงาน", "สำนัก", "กรม")
# Abbreviations of those and of common kinds of agency, as written before a name.
THAI_ABBREVIATIONS = {
    "สนง": "สำนักงาน", "กท": "กระทรวง", "อบจ": "องค์การบริหารส่วนจังหวัด", "อบต": "องค์การบริหารส่วนตำบล",
    "กทม": "กรุงเทพมหานคร",
}
_ABBREVIATION = re.compile(r"^\s*(" + "|".join(sorted(THAI_ABBREVIATIONS, key=len, reverse=True)) + r")\s*\.\s*")
_ENGLISH_PREFIX = re.compile(r"^\s*(the\s+)?(ministry|department|office|bureau)\s+(of|for)\s+(the\s+)?", re.I)
_BRACKETS = re.compile(r"\([^()]*\)|\[[^\[\]]*\]")
# Words written both ways in agencies' names (the Department of Local Administration is
# written "...การปกครองท้องถิ่น" and "...การปกครองส่วนท้องถิ่น" alike).
SPELLINGS = {"ส่วนท้องถิ่น": "ท้องถิ่น"}
_SMALL_WORDS = frozenset(("of", "and", "the", "for", "&"))
# "ฯ" (the Thai abbreviation mark) shortens a long name: "กระทรวงดิจิทัลฯ".
_SHORTENED = "ฯ"


class Named(Protocol):
    @property
    def name_th(self) -> str | None: ...
    @property
    def name_en(self) -> str | None: ...


A = TypeVar("A", bound=Named)


def squash(text: str) -> str:
    """A name as compared: NFKC, case-folded, only letters, marks and digits (no spaces, dots,
    dashes or brackets), "&" read as "and"."""
    text = unicodedata.normalize("NFKC", text).casefold().replace("&", "and")
    return "".join(ch for ch in text if unicodedata.category(ch)[0] in "LMN" and ch != _SHORTENED)


# As compared: NFKC writes sara am (ำ) as nikhahit and sara aa.
_PREFIXES = tuple(squash(p) for p in THAI_PREFIXES)


def _expand(text: str) -> str:
    match = _ABBREVIATION.match(text)
    return THAI_ABBREVIATIONS[match.group(1)] + text[match.end():] if match else text


def _without_prefix(text: str) -> str:
    text = _ENGLISH_PREFIX.sub("", text)
    squashed = squash(text)
    for prefix in _PREFIXES:
        if squashed.startswith(prefix) and len(squashed) > len(prefix) + 1:
            return squashed[len(prefix):]
    return squashed


def _acronyms(text: str) -> set[str]:
    """English initials: "Ministry of Digital Economy and Society" -> mdes, modeas."""
    words = re.findall(r"[A-Za-z]+", text)
    if len(words) < 2 or re.search(r"[\u0e00-\u0e7f]", text):
        return set()
    every = "".join(w[0] for w in words).casefold()
    main = "".join(w[0] for w in words if w.casefold() not in _SMALL_WORDS).casefold()
    return {a for a in (every, main) if len(a) >= 2}


def strong_keys(name: str) -> set[str]:
    """Spellings that are this very name (case, spaces, punctuation and abbreviations aside)."""
    keys = {squash(name), squash(_expand(name))}
    return {k for k in keys if k}


def loose_keys(name: str) -> set[str]:
    """Looser spellings of a name: without the office word, without the bracketed part, the
    bracketed part alone (often an abbreviation) and English initials."""
    keys: set[str] = set()
    respelt = _expand(name)
    for old, new in SPELLINGS.items():
        respelt = respelt.replace(old, new)
    for text in {name, _expand(name), respelt}:
        plain = _BRACKETS.sub(" ", text)
        keys |= {squash(plain), _without_prefix(text), _without_prefix(plain)}
        keys |= {squash(inside) for inside in re.findall(r"\(([^()]*)\)", text)}
        keys |= _acronyms(plain)
    # A "ฯ" marks a name cut short: its beginning stands for it.
    return {k for k in keys if len(k) >= 2} - strong_keys(name)


def _shortened_stem(typed: str) -> str | None:
    text = unicodedata.normalize("NFKC", typed).strip()
    if not text.endswith(_SHORTENED):
        return None
    stem = squash(_expand(text))
    return stem if len(stem) >= 4 else None


def match(invited: Sequence[A], typed: str) -> A | None:
    """The invited agency a typed name means, or None (see the module's docstring)."""
    if not typed.strip():
        return None
    index = _index(tuple((a.name_th, a.name_en) for a in invited))
    found = index.find(typed)
    return invited[found] if found is not None else None


class _Index:
    """An invited list's spellings, each mapped to the agencies (by position) it may mean."""

    def __init__(self, names: tuple[tuple[str | None, str | None], ...]) -> None:
        self.strong: dict[str, int] = {}
        self.loose: dict[str, set[int]] = {}
        self.full: list[tuple[int, str]] = []
        for position, pair in enumerate(names):
            for name in (n for n in pair if n):
                for key in strong_keys(name):
                    self.strong.setdefault(key, position)  # a list naming one agency twice: the first
                    self.full.append((position, key))
                for key in strong_keys(name) | loose_keys(name):
                    self.loose.setdefault(key, set()).add(position)

    def find(self, typed: str) -> int | None:
        for key in strong_keys(typed):
            if key in self.strong:
                return self.strong[key]
        found: set[int] = set()
        for key in strong_keys(typed) | loose_keys(typed):
            found |= self.loose.get(key, set())
        stem = _shortened_stem(typed)
        if not found and stem:
            found = {position for position, key in self.full if key.startswith(stem)}
        return found.pop() if len(found) == 1 else None


@lru_cache(maxsize=64)
def _index(names: tuple[tuple[str | None, str | None], ...]) -> _Index:
    # Cached on the list's names: the console's roster matches every stored name on each redraw.
    return _Index(names)
