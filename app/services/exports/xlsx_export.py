"""The XLSX export: a workbook for the master plan (Projects, Ranking, Coverage, Dots per
participant, a sheet per voting round, the list of rounds and the action log), made of the tables in tables.py,
named and headed in the file's language and set up to print as it is (A4 landscape, fit to
width, header row repeated, titles wrapped)."""

from __future__ import annotations

import io
import re
import unicodedata
from collections.abc import Iterable, Sequence
from itertools import chain, islice, zip_longest
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet
from sqlmodel import Session

from app.models import Workshop
from app.services.exports import tables
from app.services.exports.format import ExportFormat
from app.services.exports.tables import Cell, Report, neutralise_cell

BOLD = Font(bold=True)
WRAP = Alignment(wrap_text=True, vertical="top")
TOP = Alignment(vertical="top")
# Sheet names: at most 31 characters, none of these.
SHEET_NAME_BAD = re.compile(r"[\\/*?:\[\]]")


def export_xlsx(session: Session, *, workshop: Workshop, language: str | None = None,
                round_number: int | None = None) -> bytes:
    """A workbook for the master plan, in the file's language: Projects, Ranking, Coverage, Dots
    per participant (per dot round), a sheet per round and the list of rounds; every sheet set
    to print on A4 landscape, fit to the page's width, its header row on every page."""
    report = Report.read(session, workshop, language, round_number)
    _ = report._
    # Write-only: rows go straight to the file instead of becoming a cell object each (a
    # workshop of 5,000 participants and 400 projects has 2 million cells of dots).
    book = Workbook(write_only=True)
    # The workshop's title travels in the file's properties, where spreadsheet programs show it.
    book.properties.title = ILLEGAL_CHARACTERS_RE.sub("", workshop.title)[:255]
    book.properties.subject = f"ruamkit workshop {workshop.code}"
    names: set[str] = set()
    measures = len(tables._measure_heads(report, ranks=True))
    # Titles, descriptions, agencies and tags wrap in columns of a set width (index: width).
    _add_sheet(book, names, _("Projects"), tables.project_table(report),
               wide={2: 40, 3: 30, 4: 18, 5: 24, 6: 18, 7 + measures: 14})
    _add_sheet(book, names, _("Ranking"), tables.ranking_table(report), wide={1: 60, 2 + measures: 36})
    coverage, coverage_headers = tables.coverage_table(report)
    _add_sheet(book, names, _("Coverage"), coverage, header_rows=coverage_headers, freeze="B2",
               wide={0: 40, **{i: 14 for i in range(1, len(report.model.reform_areas) + 1)}})
    dot_rounds = report.model.dot_rounds
    for column in dot_rounds:
        title = (_("Dots per participant") if len(dot_rounds) == 1
                 else _("Dots per participant, round {number}", number=column.number))
        _add_sheet(book, names, title, tables.dots_table(report, column), freeze="B2", align_top=False, wrap=(0, 1),
                   wide={0: 24, 1: 20, **{i: 12 for i in range(4, len(report.model.ranked_in(column.number)) + 4)}})
    # One sheet per voting round (its own ranking; per-criterion means for scoring rounds).
    for column in report.model.rounds:
        _add_sheet(book, names, _("Round {number} - {method}", number=column.number, method=report.method_name(column)),
                   tables.round_table(report, column), wide={2: 60, 3: 24, 4: 36})
    _add_sheet(book, names, _("Rounds"), tables.rounds_table(session, report), wide={1: 30, 7: 30})
    _add_event_sheets(session, book, names, report)
    if round_number is None:  # who did what covers the whole workshop, not one round
        _add_sheet(book, names, _("Action log"), tables.action_log_table(session, report),
                   wide={2: 24, 3: 60}, wrap=(3,))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _add_event_sheets(session: Session, book: Workbook, names: set[str], report: Report) -> None:
    """A large event: the plenary's ranking with its lineage, then each group's own ranking."""
    _ = report._
    if not report.model.groups:
        return
    measures = len(tables._measure_heads(report, ranks=True))
    _add_sheet(book, names, _("Plenary"), tables.plenary_table(report),
               wide={1: 60, 2 + measures: 30, 5 + measures: 36})
    for group in report.model.groups.values():
        # A group's rounds are its own: a file of one round of the plenary keeps each group whole.
        group_report = Report.read(session, group, report.lang)
        _add_sheet(book, names, _("Group {number} - {name}", number=group.group_number, name=group.title),
                   tables.ranking_table(group_report),
                   wide={1: 60, 2 + len(tables._measure_heads(group_report, ranks=True)): 36})


# Column widths are measured on the first rows only: later rows of a long sheet hold the same
# kind of values, and measuring millions of cells took longer than writing them.
WIDTH_ROWS = 200
# A column no wider than this unless it is one of the wrapped ones: headers wrap instead.
NARROW = 24


def _sheet_name(names: set[str], title: str) -> str:
    name = SHEET_NAME_BAD.sub(" ", title)[:31].strip() or "Sheet"
    base, n = name, 2
    while name.casefold() in names:
        suffix = f" ({n})"
        name, n = base[:31 - len(suffix)] + suffix, n + 1
    names.add(name.casefold())
    return name


def _add_sheet(
    book: Workbook,
    names: set[str],
    title: str,
    rows: Iterable[list[Cell]],
    *,
    header_rows: Sequence[int] = (1,),
    freeze: str = "A2",
    wide: dict[int, int] | None = None,
    wrap: Iterable[int] | None = None,
    align_top: bool = True,
) -> None:
    sheet = book.create_sheet(_sheet_name(names, title))
    wide = wide or {}
    rows = iter(rows)
    first = list(islice(rows, WIDTH_ROWS))
    headers = set(header_rows)
    # Set before the first row: a write-only sheet writes its columns' widths first. Measured
    # on the values, not the headers: headers wrap.
    widths: list[int] = []
    for index, column in enumerate(zip_longest(*first)):
        values = [v for number, v in enumerate(column, start=1) if v is not None and number not in headers]
        widest = max((_display_width(str(v)) for v in values), default=0)
        widths.append(wide.get(index) or min(max(widest + 2, 7), NARROW))
        sheet.column_dimensions[get_column_letter(index + 1)].width = widths[-1]
    _print_setup(sheet, freeze)
    # Wrapped below the header: the wide columns unless told otherwise.
    wrapped = [index for index in (wide if wrap is None else wrap) if index < len(widths)]
    wrapping = set(wrapped)
    for number, row in enumerate(chain(first, rows), start=1):
        cells = [_xlsx_cell(cell) if type(cell) is str else cell for cell in row]  # fast path: most cells are text
        if number in headers:
            _height(sheet, number, cells, widths, range(len(cells)))
            sheet.append([_styled(sheet, cell, font=BOLD, alignment=WRAP) for cell in cells])
        elif wrapped:
            _height(sheet, number, cells, widths, wrapped)
            sheet.append([_styled(sheet, cell, alignment=WRAP if index in wrapping and type(cell) is str else TOP)
                          if align_top or (index in wrapping and type(cell) is str) else cell
                          for index, cell in enumerate(cells)])
        else:
            sheet.append(cells)


# Points per line of wrapped text (Thai stacks its marks: a little more than Latin's 15).
LINE_POINTS = 16


def _height(sheet: Any, number: int, cells: list[Cell], widths: list[int], columns: Iterable[int]) -> None:
    """Give a row with wrapped text the height of its tallest cell: spreadsheet programs keep the
    stored height when they open a file (LibreOffice and Excel alike), so unset it would print
    every wrapped title as one line over the next row's."""
    lines = 1
    for index in columns:
        value = cells[index] if index < len(cells) else None
        if type(value) is str and index < len(widths):
            room = max(widths[index] - 1, 4)
            lines = max(lines, sum(-(-_display_width(part) // room) or 1 for part in value.split("\n")))
    if lines > 1:
        sheet.row_dimensions[number].height = min(lines, 30) * LINE_POINTS + 2


def _print_setup(sheet: Any, freeze: str) -> None:
    """A4 landscape, as wide as the page (as many pages down as it takes), the header row on
    every printed page, frozen on screen."""
    sheet.freeze_panes = freeze
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    sheet.print_title_rows = "1:1"
    sheet.print_options.gridLines = True
    sheet.page_margins.left = sheet.page_margins.right = 0.4
    sheet.page_margins.top = sheet.page_margins.bottom = 0.5


def _styled(sheet: Any, value: Cell, *, font: Font | None = None,
            alignment: Alignment | None = None) -> WriteOnlyCell | None:
    if value is None:
        return None
    cell = WriteOnlyCell(sheet, value=value)
    if font is not None:
        cell.font = font
    if alignment is not None:
        cell.alignment = alignment
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


def write(session: Session, workshop: Workshop, lang: str, round_number: int | None = None) -> bytes:
    return export_xlsx(session, workshop=workshop, language=lang, round_number=round_number)


EXPORT = ExportFormat(name="xlsx", media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                      extension="xlsx", label="XLSX", write=write, position=10)
