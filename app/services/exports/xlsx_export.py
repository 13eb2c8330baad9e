"""The XLSX export: a workbook for the master plan (Projects, Ranking, Coverage, Dots per
participant, a sheet per voting round and the list of rounds), made of the tables in tables.py."""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Iterable, Sequence
from itertools import chain, islice, zip_longest
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from sqlmodel import Session

from app.models import Workshop
from app.services import results, rounds
from app.services.exports import tables
from app.services.exports.format import ExportFormat
from app.services.exports.tables import Cell, Report, neutralise_cell

BOLD = Font(bold=True)


def export_xlsx(session: Session, *, workshop: Workshop, language: str | None = None) -> bytes:
    """A workbook for the master plan: Projects, Ranking, Coverage and Dots per participant."""
    report = Report.read(session, workshop, language)
    # Write-only: rows go straight to the file instead of becoming a cell object each (a
    # workshop of 5,000 participants and 400 projects has 2 million cells of dots).
    book = Workbook(write_only=True)
    # The workshop's title travels in the file's properties, where spreadsheet programs show it.
    book.properties.title = ILLEGAL_CHARACTERS_RE.sub("", workshop.title)[:255]
    book.properties.subject = f"ruamkit workshop {workshop.code}"
    _add_sheet(book, "Projects", tables.project_table(report))
    _add_sheet(book, "Ranking", tables.ranking_table(report))
    coverage, coverage_headers = tables.coverage_table(report)
    _add_sheet(book, "Coverage", coverage, header_rows=coverage_headers, freeze="B2")
    _add_sheet(book, "Dots per participant", tables.dots_table(report), freeze="B2")
    # One sheet per voting round (its own ranking; per-criterion means for scoring rounds).
    all_rounds = rounds.list_rounds(session, workshop=workshop)
    for round_ in all_rounds:
        outcome = (report.outcome if report.outcome.round is not None and round_.id == report.outcome.round.id
                   else results.compute(session, workshop=workshop, round_id=round_.id))
        _add_sheet(book, f"Round {round_.number} - {round_.mode}", tables.round_table(report, outcome))
    _add_sheet(book, "Rounds", tables.rounds_table(session, workshop, all_rounds))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# Column widths are measured on the first rows only: later rows of a long sheet hold the same
# kind of values, and measuring millions of cells took longer than writing them.
WIDTH_ROWS = 200


def _add_sheet(
    book: Workbook,
    title: str,
    rows: Iterable[list[Cell]],
    *,
    header_rows: Sequence[int] = (1,),
    freeze: str = "A2",
) -> None:
    sheet = book.create_sheet(title)
    rows = iter(rows)
    first = list(islice(rows, WIDTH_ROWS))
    # Set before the first row: a write-only sheet writes its columns' widths first.
    for index, column in enumerate(zip_longest(*first), start=1):
        widest = max((_display_width(str(v)) for v in column if v is not None), default=0)
        sheet.column_dimensions[get_column_letter(index)].width = min(max(widest + 2, 8), 60)
    sheet.freeze_panes = freeze
    headers = set(header_rows)
    for number, row in enumerate(chain(first, rows), start=1):
        cells = [_xlsx_cell(cell) if type(cell) is str else cell for cell in row]  # fast path: most cells are text
        if number in headers:
            sheet.append([_bold(sheet, cell) for cell in cells])
        else:
            sheet.append(cells)


def _bold(sheet: Any, value: Cell) -> WriteOnlyCell | None:
    if value is None:
        return None
    cell = WriteOnlyCell(sheet, value=value)
    cell.font = BOLD
    return cell


def _xlsx_cell(value: Cell) -> Cell:
    # openpyxl refuses control characters; cleaned input has none, but old rows might.
    # Stripped before neutralising, so that what is left cannot start a formula.
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    return neutralise_cell(value)


def _display_width(text: str) -> int:
    # Thai vowel and tone marks sit above or below their letter and take no width.
    return sum(1 for ch in text if unicodedata.category(ch) != "Mn")


def write(session: Session, workshop: Workshop, lang: str) -> bytes:
    return export_xlsx(session, workshop=workshop, language=lang)


EXPORT = ExportFormat(name="xlsx", media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                      extension="xlsx", label="XLSX", write=write, position=10)
