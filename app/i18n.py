"""Thai and English interface text from Babel catalogs (app/locale/<lang>/LC_MESSAGES/messages.po).

The .po files are compiled in memory at start-up, so no build step is needed to run from
a checkout. Dates are shown in Thailand's time; for `th` they follow Thai custom: Buddhist-era
years.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta, timezone
from functools import cache
from pathlib import Path

from babel.dates import format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

LANGUAGES = ("th", "en")
DEFAULT_LANGUAGE = "th"
LOCALE_DIR = Path(__file__).parent / "locale"
# Thailand keeps UTC+7 all year (no daylight saving), so a fixed offset needs no tz database.
THAI_TIME = timezone(timedelta(hours=7), "ICT")
BUDDHIST_ERA_OFFSET = 543


def N_(message: str) -> str:
    """Mark a string for extraction; translated later, where the reader's language is known."""
    return message


@cache
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
    """A date and time for people, in Thailand's time (naive values are taken as UTC, as stored).

    Thai: day, abbreviated month, Buddhist-era year and "น." (26 พ.ย. 2569 16:30 น.);
    English: 26 Nov 2026 16:30.
    """
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    local = value.astimezone(THAI_TIME)
    if language == "th":
        day_month = format_datetime(local, "d MMM", locale="th")
        return f"{day_month} {local.year + BUDDHIST_ERA_OFFSET} {local:%H:%M} น."
    return format_datetime(local, "d MMM yyyy HH:mm", locale="en")


def translate_error(template: str, params: dict[str, object], language: str) -> str:
    text = translations(language).gettext(template)
    return text.format(**params) if params else text
