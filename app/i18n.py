"""Thai and English interface text from Babel catalogs (app/locale/<lang>/LC_MESSAGES/messages.po).

The .po files are compiled in memory at start-up, so no build step is needed to run from
a checkout. Dates are shown in the workshop's time zone (default Thailand's); for `th` they
follow Thai custom: Buddhist-era years.
"""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from functools import cache, lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

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


@cache
def zone(time_zone: str | None) -> tzinfo:
    """A workshop's time zone (an IANA name such as Asia/Bangkok); Thailand's time when it has
    none or the name is unknown to this machine."""
    try:
        return ZoneInfo(time_zone) if time_zone else THAI_TIME
    except (ZoneInfoNotFoundError, ValueError):
        return THAI_TIME


def _local(value: datetime, time_zone: str | None) -> datetime:
    if value.tzinfo is None:  # stored naive, in UTC
        value = value.replace(tzinfo=UTC)
    return value.astimezone(zone(time_zone))


def format_stamp(value: datetime, language: str, time_zone: str | None = None) -> str:
    """A date and time as a planning office files it, in the workshop's time zone: Thai with
    the Buddhist-era year (30/11/2569 20:15), English as 2026-11-30 20:15."""
    local = _local(value, time_zone)
    if language == "th":
        return f"{local:%d/%m}/{local.year + BUDDHIST_ERA_OFFSET} {local:%H:%M}"
    return f"{local:%Y-%m-%d %H:%M}"


def format_when(value: datetime, language: str, time_zone: str | None = None) -> str:
    """A date and time for people, in the workshop's time zone (default Thailand's; naive values
    are taken as UTC, as stored).

    Thai: day, abbreviated month, Buddhist-era year and "น." (26 พ.ย. 2569 16:30 น.);
    English: 26 Nov 2026 16:30.
    """
    local = _local(value, time_zone)
    if language == "th":
        return f"{_day(local.date(), language)} {local.year + BUDDHIST_ERA_OFFSET} {local:%H:%M} น."
    return f"{_day(local.date(), language)} {local:%H:%M}"


@lru_cache(maxsize=4096)
def _day(day: date, language: str) -> str:
    """The day as format_when shows it (Thai: "26 พ.ย."; English: "26 Nov 2026"): Babel takes
    15 µs a date, and the console's live redraw shows 50 of them (a few days) each time."""
    if language == "th":
        return format_datetime(day, "d MMM", locale="th")
    return format_datetime(day, "d MMM yyyy", locale="en")


def translate_error(template: str, params: dict[str, object], language: str) -> str:
    text = translations(language).gettext(template)
    return text.format(**params) if params else text
