"""Cleaning of user text: one rule for every field, applied before validation."""

from __future__ import annotations

import re
import unicodedata

# C0/C1 controls (but tab and newline), bidi overrides and isolates, BOM and other
# invisible format characters that spoof text. Thai needs none of them: its vowels and
# tone marks are combining marks (category Mn), which are kept.
_STRIP = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200e\u200f\ufeff\ufff9-\ufffb]"
)
_SPACES = re.compile(r"[ \t\u00a0\u3000]+")


def clean_block(value: object) -> object:
    """Multi-line text: NFC, no control characters, tidy line ends."""
    if not isinstance(value, str):
        return value
    text = unicodedata.normalize("NFC", value.replace("\r\n", "\n").replace("\r", "\n"))
    text = _STRIP.sub("", text)
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def clean_title(value: object) -> object:
    """A project's or workshop's title: as clean_block, keeping single line breaks (Thai has no
    spaces between words, so a pasted break folded to a space would split a word) but no
    blank lines."""
    cleaned = clean_block(value)
    if not isinstance(cleaned, str):
        return cleaned
    return re.sub(r"\n+", "\n", cleaned)


def clean_line(value: object) -> object:
    """One-line text (titles, names): as clean_block, with line breaks folded to spaces."""
    cleaned = clean_block(value)
    if not isinstance(cleaned, str):
        return cleaned
    return _SPACES.sub(" ", cleaned.replace("\n", " ")).strip()
