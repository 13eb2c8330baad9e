"""Fill untranslated or fuzzy entries of our catalogs from another copy of them (a branch being
merged): `python scripts/fill_from.py LANG OTHER.po`."""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

LOCALE = Path(__file__).resolve().parent.parent / "app" / "locale"


def main(lang: str, other_path: str) -> None:
    path = LOCALE / lang / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as f:
        ours = read_po(f, locale=lang)
    with open(other_path, "rb") as f:
        theirs = read_po(f, locale=lang)
    filled = 0
    for message in ours:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, (list, tuple)) else (message.string,)
        if all(strings) and "fuzzy" not in message.flags:
            continue
        other = theirs.get(message.id)
        if other is None or "fuzzy" in other.flags:
            continue
        other_strings = other.string if isinstance(other.string, (list, tuple)) else (other.string,)
        if all(other_strings):
            message.string = other.string
            message.flags.discard("fuzzy")
            filled += 1
    with path.open("wb") as f:
        write_po(f, ours, width=100)
    print(f"{lang}: {filled} filled")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
