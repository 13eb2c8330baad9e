"""The CSV export: the projects table, one row per project with its tags, dots, voters and rank
(per round when the workshop ran several), headed in the file's language."""

from __future__ import annotations

import csv
import io

from sqlmodel import Session

from app.models import Workshop
from app.services.exports.format import ExportFormat
from app.services.exports.tables import Report, neutralise_cell, project_table


def export_csv(session: Session, *, workshop: Workshop, language: str | None = None,
               round_number: int | None = None) -> bytes:
    """The projects as CSV: UTF-8 with a byte-order mark, so spreadsheets read Thai correctly."""
    buffer = io.StringIO()
    csv.writer(buffer).writerows(
        [
            [neutralise_cell(cell) for cell in row]
            for row in project_table(Report.read(session, workshop, language, round_number))
        ]
    )
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def write(session: Session, workshop: Workshop, lang: str, round_number: int | None = None) -> bytes:
    return export_csv(session, workshop=workshop, language=lang, round_number=round_number)


EXPORT = ExportFormat(name="csv", media_type="text/csv; charset=utf-8", extension="csv", label="CSV",
                      write=write, position=20)
