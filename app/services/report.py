"""The results report: one context for the printable page and for its PDF, and the PDF itself.

The PDF is drawn by WeasyPrint from the same HTML as the page. It never touches the network:
its URL fetcher serves only our own static files (CSS, the Sarabun font files) from disk.
"""

from __future__ import annotations

import functools
import io
import mimetypes
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from pathlib import Path
from urllib.parse import urlsplit

from sqlmodel import Session, col, select

from app import i18n
from app.assets import FONTS, local_file
from app.errors import DomainError
from app.i18n import N_
from app.models import Participant, Score, Strategy, Vote, Workshop
from app.services import frameworks, presets, standings, workshops
from app.services.views import framework_labels

# The PDF's HTML is resolved against this made-up origin; the fetcher answers for it alone.
PDF_BASE_URL = "http://ruamkit.report.invalid/"
# Each strategy's list shows its first projects in ranking order, then how many more (the full
# ranking is the table above it): a project tagged with every strategy would otherwise appear
# once per strategy, and the report would grow with projects x tags. At most STRATEGY_ITEMS
# entries in all, so a framework of 100 strategies gets shorter lists.
STRATEGY_TOP = 30
STRATEGY_ITEMS = 600
# The PDF is drawn by the server (WeasyPrint lays out a few A4 pages a second here), so it shows
# the first PDF_RANKING_TOP projects of the ranking (about 10 pages) and says where the rest are,
# and the coverage matrix only when it fits a page. The page printed by the browser shows all.
PDF_RANKING_TOP = 300
PDF_COVERAGE_CELLS = 25 * 25
# A large event's report lists each group's first projects (the XLSX has each group whole).
GROUP_TOP = 10
# The coverage map is drawn in blocks of at most this many strategies across, so a 17- or
# 23-strategy framework fits a landscape A4 page (and the printed page) without clipping.
COVERAGE_COLUMNS = 12


class ReportUnavailable(DomainError):
    """The server lacks the libraries to draw PDFs (WeasyPrint needs Pango)."""

    status_code = 503


@dataclass
class AgencyRow:
    name: str
    joined: int
    voted: int


def build(session: Session, *, workshop: Workshop, lang: str, now: datetime | None = None,
          pdf: bool = False, round_number: int | None = None) -> dict[str, Any]:
    """Everything the report template shows, in the reader's language (dates in the workshop's
    time zone; Buddhist-era years for Thai): every visible project with its measure in every
    round (or in the one round asked for: NotFound if there is none); for the PDF, within the
    PDF's bounds."""
    now = now or datetime.now(UTC)
    model = standings.read(session, workshop=workshop, round_number=round_number)
    took_part = _took_part(session, model)
    preset = presets.PRESETS.get(workshop.framework)
    shown = model.entries[:PDF_RANKING_TOP] if pdf else model.entries
    cells = len(model.strategies) * len(model.reform_areas)
    dot_rounds = model.dot_rounds
    return {
        "workshop": workshop,
        "model": model,
        "round_number": round_number,
        "ranking": shown,
        "ranking_more": len(model.entries) - len(shown),
        "strategy_top": max(5, min(STRATEGY_TOP, STRATEGY_ITEMS // max(1, len(model.strategies)))),
        "coverage_shown": cells > 0 and (not pdf or cells <= PDF_COVERAGE_CELLS),
        "coverage_blocks": _blocks(model.strategies, COVERAGE_COLUMNS),
        # The dots in brackets in the coverage map: those of the first dot round.
        "coverage_round": dot_rounds[0].number if dot_rounds else None,
        "framework_title": (preset.title_en if lang == "en" else preset.title_th) if preset else "",
        "created_when": i18n.format_when(workshop.created_at, lang, workshop.time_zone),
        "made_when": i18n.format_when(now, lang, workshop.time_zone),
        "agency_rows": _agency_rows(session, workshop, lang, took_part),
        "participant_count": sum(joined for _agency, joined, _voted in took_part),
        # A nested framework reads as a tree: each entry indented under its parent, whose
        # figures include every entry under it (standings.py rolls them up).
        "strategy_depth": frameworks.depths(model.strategies),
        "area_depth": frameworks.depths(model.reform_areas),
        "nested": any(e.parent_id is not None for e in model.strategies)
        or any(e.parent_id is not None for e in model.reform_areas),
        **framework_labels(session, workshop, lang),
        # Large events: each group's top projects (its own ranking, read as its results show it).
        "group_rankings": [(group, entries[:GROUP_TOP], len(entries)) for group in model.groups.values()
                           for entries in [standings.read(session, workshop=group).entries]],
    }


def _blocks(items: list[Strategy], most: int) -> list[list[Strategy]]:
    """Items cut into as few blocks of at most `most` as it takes, of even size (17 -> 9 + 8)."""
    if not items:
        return []
    count = -(-len(items) // most)
    size = -(-len(items) // count)
    return [items[i:i + size] for i in range(0, len(items), size)]


def _took_part(session: Session, model: standings.Standings) -> list[tuple[str, int, int]]:
    """(agency as typed, participants, of whom voted or scored in a round of the report): three
    aggregate reads, whatever the size."""
    round_ids = [c.round.id for c in model.rounds]
    active: set[int] = set(session.exec(
        select(Vote.participant_id).where(Vote.workshop_id == model.workshop.id, Vote.dots > 0,
                                          col(Vote.round_id).in_(round_ids)).distinct()))
    active.update(session.exec(
        select(Score.participant_id).where(Score.workshop_id == model.workshop.id,
                                           col(Score.round_id).in_(round_ids)).distinct()))
    joined: dict[str, list[int]] = {}
    for participant_id, agency in session.exec(
            select(Participant.id, Participant.agency).where(Participant.workshop_id == model.workshop.id)
            .order_by(col(Participant.id))):
        joined.setdefault(agency or "", []).append(participant_id)
    return [(agency, len(ids), sum(1 for i in ids if i in active)) for agency, ids in joined.items()]


def _agency_rows(session: Session, workshop: Workshop, lang: str,
                 rows: list[tuple[str, int, int]]) -> list[AgencyRow]:
    """Participants by agency; an agency of the workshop's list is named in the reader's language
    (people may have typed either its Thai or its English name), and both spellings count as one."""
    names: dict[str, str] = {}
    for agency in workshops.list_agencies(session, workshop=workshop):
        for spelling in (agency.name_th, agency.name_en):
            if spelling:
                names[spelling.casefold()] = agency.name_in(lang)
    merged: dict[str, AgencyRow] = {}
    for typed, joined, voted in rows:
        name = names.get(typed.strip().casefold(), typed.strip())
        row = merged.setdefault(name, AgencyRow(name=name, joined=0, voted=0))
        row.joined += joined
        row.voted += voted
    # Most participants first; "no agency given" (empty name) last.
    return sorted(merged.values(), key=lambda r: (r.name == "", -r.joined, r.name))


def to_pdf(html: str) -> bytes:
    """An A4 PDF of the report's HTML, with fonts and styles read from local files only."""
    try:
        from weasyprint import HTML
        from weasyprint.urls import URLFetcher, URLFetcherResponse
    except (ImportError, OSError) as exc:  # OSError: Pango or its friends are not installed
        raise ReportUnavailable(N_("This server cannot make PDF files; print the report page instead.")) from exc

    class LocalFiles(URLFetcher):
        """Serves /static/... of our own origin from disk; refuses everything else."""

        def fetch(self, url: str, headers: dict[str, str] | None = None) -> URLFetcherResponse:
            parts, base = urlsplit(url), urlsplit(PDF_BASE_URL)
            path = local_file(parts.path) if (parts.scheme, parts.netloc) == (base.scheme, base.netloc) else None
            if path is None or not path.is_file():
                raise ValueError(f"The report may only load its own static files, not {url}")
            if path.suffix == ".woff2":
                return URLFetcherResponse(url, body=_truetype(path), headers={"Content-Type": "font/ttf"})
            media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return URLFetcherResponse(url, body=path.read_bytes(), headers={"Content-Type": media_type})

    document = HTML(string=mark_sara_am(html), base_url=PDF_BASE_URL, url_fetcher=LocalFiles())
    return document.write_pdf(finisher=_fix_sara_am_text)


@functools.cache
def _truetype(path: Path) -> bytes:
    """A WOFF2 font unpacked to TrueType, once per process: WeasyPrint would unpack each
    @font-face again for every PDF (a fifth of a small report's time)."""
    from fontTools.ttLib import woff2

    unpacked = io.BytesIO()
    woff2.decompress(io.BytesIO(path.read_bytes()), unpacked)
    return unpacked.getvalue()


def warm_up_fonts() -> None:
    """Unpack the PDF's fonts now (the render workers' forkserver does, so each worker has them)."""
    for path in FONTS.values():
        if path.is_file():
            _truetype(path)


# --- Thai SARA AM in the PDF's text layer ---------------------------------------------------
# A PDF maps each glyph to text once per font (its ToUnicode map). HarfBuzz draws SARA AM (ำ) as
# NIKHAHIT + SARA AA, moving the nikhahit before a tone mark and joining it with the tone into one
# glyph (น้ำ: น, nikhahit+tone, า). WeasyPrint gives a glyph the text of the first cluster it is
# drawn in, so the า glyph would read "้ำ" everywhere after the first น้ำ (ทาง -> ท้ำง), or น้ำ
# would read "นา". So syllables with SARA AM are drawn in a family of their own (same Sarabun
# file, see report-pdf.css), whose map is seeded first (off the page) with ทำ and nikhahit+tone,
# and then cleaned: its า means ำ and its nikhahit adds nothing. The PDF reads as typed.
SARA_AM_SYLLABLE = re.compile("[\u0e01-\u0e2e][\u0e31\u0e34-\u0e3a\u0e47-\u0e4e]*\u0e33")
TEXT_NODE = re.compile(r">([^<]+)<")
AM_FAMILY = b"SarabunPdfAm"
_SEED_TEXT = "ทำ" + "".join(base + "\u0e4d" + tone for base in "กป" for tone in "\u0e48\u0e49\u0e4a\u0e4b")
SEED = (f'<p class="pdf-seed" aria-hidden="true"><span class="pdf-am">{_SEED_TEXT}</span>'
        f'<b class="pdf-am">{_SEED_TEXT}</b></p>')
_CMAP_ENTRY = re.compile(rb"<([0-9a-f]{4})> <([0-9a-f]*)>")


def mark_sara_am(html: str) -> str:
    """Wrap each Thai syllable with SARA AM in the body's text in a span of class pdf-am, and put
    the seed first in the body."""
    head, found, body = html.partition("<body")
    if not found:
        return html
    opening, _, rest = body.partition(">")

    def wrap(text: re.Match[str]) -> str:
        return ">" + SARA_AM_SYLLABLE.sub(lambda m: f'<span class="pdf-am">{m.group(0)}</span>', text.group(1)) + "<"

    return f"{head}<body{opening}>{SEED}{TEXT_NODE.sub(wrap, '>' + rest)[1:]}"


def _fix_sara_am_text(document: Any, pdf: Any) -> None:
    """WeasyPrint's finisher: clean the text maps of the SARA AM family's fonts."""
    import pydyf

    objects = {obj.number: obj for obj in pdf.objects if isinstance(obj, pydyf.Object)}
    for font in pdf.objects:
        if not (isinstance(font, pydyf.Dictionary) and font.get("Type") == "/Font" and "ToUnicode" in font
                and AM_FAMILY in _bytes(font.get("BaseFont", b""))):
            continue
        cmap = objects[int(_bytes(font["ToUnicode"]).split()[0])]
        cmap.stream = [_clean_entry(line) for line in cmap.stream]


def _clean_entry(line: bytes) -> bytes:
    entry = _CMAP_ENTRY.fullmatch(_bytes(line))
    if entry is None:
        return line
    units = [entry[2][i:i + 4] for i in range(0, len(entry[2]), 4)]
    units = [unit for unit in units if unit != b"0e4d"]  # nikhahit: part of the ำ that follows
    if units and units[-1] == b"0e33":
        units = [b"0e33"]  # the า of a decomposed ำ (its cluster may have held a tone too)
    return b"<" + entry[1] + b"> <" + b"".join(units) + b">"


def _bytes(value: object) -> bytes:
    return value if isinstance(value, bytes) else str(value).encode()
