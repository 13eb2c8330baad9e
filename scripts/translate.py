"""Fill catalog entries: `python scripts/translate.py '{"English msgid": "คำแปล", ...}'`.

Sets the Thai msgstr, the English msgstr to the msgid, and clears `fuzzy`, leaving every other
entry as it is. Run the extraction commands of app/locale/README.md first.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

LOCALE = Path(__file__).resolve().parent.parent / "app" / "locale"


def fill(translations: dict[str, str]) -> None:
    for lang in ("th", "en"):
        path = LOCALE / lang / "LC_MESSAGES" / "messages.po"
        with path.open("rb") as po_file:
            catalog = read_po(po_file, locale=lang)
        for msgid, thai in translations.items():
            message = catalog.get(msgid)
            if message is None:
                print(f"not in the {lang} catalog (extract first?): {msgid!r}", file=sys.stderr)
                continue
            message.string = thai if lang == "th" else msgid
            message.flags.discard("fuzzy")
        with path.open("wb") as po_file:
            write_po(po_file, catalog)


if __name__ == "__main__":
    fill(json.loads(sys.argv[1]))
