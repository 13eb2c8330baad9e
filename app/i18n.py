"""Thai and English interface text from Babel catalogs (app/locale/<lang>/LC_MESSAGES/messages.po).

The .po files are compiled in memory at start-up, so no build step is needed to run from
a checkout. Dates follow Thai custom for `th`: Buddhist-era years.
"""

from __future__ import annotations

import io
from datetime import datetime
from functools import lru_cache
from pathlib import Path

from babel.dates import format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

LANGUAGES = ("th", "en")
DEFAULT_LANGUAGE = "th"
LOCALE_DIR = Path(__file__).parent / "locale"


def N_(message: str) -> str:
    """Mark a string for extraction; translated later, where the reader's language is known."""
    return message


@lru_cache(maxsize=None)
def translations(language: str) -> Translations:
    po_path = LOCALE_DIR / language / "LC_MESSAGES" / "messages.po"
    if not po_path.exists():
        return Translations()
    with po_path.open("rb") as po_file:
        catalog = read_po(po_file, locale=language)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer)


def pick_language(*candidates: str | None) -> str:
    """The first supported language among the candidates (cookie, workshop, default)."""
    for candidate in candidates:
        if candidate and candidate[:2].lower() in LANGUAGES:
            return candidate[:2].lower()
    return DEFAULT_LANGUAGE


def format_when(value: datetime, language: str) -> str:
    """A date and time for people: Thai with the Buddhist-era year, or English."""
    if language == "th":
        text = format_datetime(value, "d MMM yyyy HH:mm", locale="th", tzinfo=None)
        return text.replace(str(value.year), str(value.year + 543), 1)
    return format_datetime(value, "d MMM yyyy HH:mm", locale="en")


def translate_error(template: str, params: dict[str, object], language: str) -> str:
    text = translations(language).gettext(template)
    return text.format(**params) if params else text
