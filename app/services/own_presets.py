"""A facilitator's own presets: a workshop's framework and agency list, saved to start the next
workshop from, and frameworks as files (JSON) to export and import."""

from __future__ import annotations

import csv
import io
import secrets
import zipfile
from collections.abc import Iterable
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from pydantic import ValidationError
from sqlmodel import Session

from app.errors import Invalid

from app.models import ReformArea, SavedFramework, Strategy, Workshop
from app.models.workshop import (
    OWN_PRESET_PREFIX,
    FrameworkAgency,
    FrameworkEntryIn,
    FrameworkFile,
    LabelsIn,
    OwnPresetPublic,
)
from app.services import presets, project_import, workshops
from app.services.exports import tables
from app.services.access import Actor
from app.services.rules import Action, check


def framework_file(session: Session, *, workshop: Workshop, title: str | None = None) -> FrameworkFile:
    """The workshop's framework (its hierarchy, both names of each entry, its own names for the
    two dimensions) and agency list, as a file."""
    lang = workshop.language
    labels = None
    if workshop.strategies_label or workshop.reform_areas_label:
        labels = LabelsIn(strategies=workshop.strategies_label, reform_areas=workshop.reform_areas_label)
    return FrameworkFile(
        title=title or workshop.title,
        based_on=presets.PRESETS[workshop.framework].key if workshop.framework in presets.PRESETS else None,
        strategies=_tree(workshops.list_strategies(session, workshop=workshop), lang),
        reform_areas=_tree(workshops.list_reform_areas(session, workshop=workshop), lang),
        labels=labels,
        agencies=[FrameworkAgency(name_th=a.name_th, name_en=a.name_en)
                  for a in workshops.list_agencies(session, workshop=workshop)],
    )


def preset_file(preset: presets.Framework, language: str) -> FrameworkFile:
    """A built-in preset as a file (the same shape as an own preset's)."""
    def entry(e: presets.Entry) -> FrameworkEntryIn:
        first, second = (e.name_en, e.name_th) if language == "en" else (e.name_th, e.name_en)
        return FrameworkEntryIn(code=e.code, name=first or second or e.code, name_th=e.name_th, name_en=e.name_en)

    return FrameworkFile(title=preset.title_en if language == "en" else preset.title_th, based_on=preset.key,
                         strategies=[entry(e) for e in preset.strategies],
                         reform_areas=[entry(e) for e in preset.reform_areas],
                         agencies=[FrameworkAgency(name_th=a.name_th, name_en=a.name_en) for a in preset.agencies])


def _tree(rows: list[Strategy] | list[ReformArea], language: str) -> list[FrameworkEntryIn]:
    """Rows (in position order, parents first) as nested entries."""
    children: dict[int | None, list[Strategy | ReformArea]] = {}
    for row in rows:
        children.setdefault(row.parent_id, []).append(row)

    def build(parent_id: int | None, seen: frozenset[int]) -> list[FrameworkEntryIn]:
        return [FrameworkEntryIn(code=row.code, name=row.name_in(language) or row.code, name_th=row.name_th,
                                 name_en=row.name_en, children=build(row.id, seen | {row.id}))
                for row in children.get(parent_id, []) if row.id not in seen]

    return build(None, frozenset())


def save(session: Session, *, workshop: Workshop, actor: Actor, title: str | None = None) -> OwnPresetPublic:
    """Keep this workshop's framework and agencies as the facilitator's own preset."""
    check(Action.save_framework, actor, workshop)
    return store(session, framework=framework_file(session, workshop=workshop, title=title),
                 source_workshop_id=workshop.id)


def store(session: Session, *, framework: FrameworkFile, source_workshop_id: int | None = None) -> OwnPresetPublic:
    """Keep a framework file as an own preset under a new unguessable id (128 random bits)."""
    key = OWN_PRESET_PREFIX + secrets.token_urlsafe(16)
    saved = SavedFramework(key=key, title=framework.title, body=framework.model_dump_json(exclude_none=True),
                           source_workshop_id=source_workshop_id)
    session.add(saved)
    session.commit()
    return OwnPresetPublic(id=key, title=saved.title, framework=framework)


def read(session: Session, *, key: str) -> OwnPresetPublic:
    """An own preset by its id (whoever holds the id may read and use it)."""
    saved = workshops.saved_framework(session, key=key)
    return OwnPresetPublic(id=saved.key, title=saved.title,
                           framework=FrameworkFile.model_validate_json(saved.body))


# --- frameworks as CSV: one row per entry, parents before their children ---

CSV_HEAD = ["kind", "code", "parent_code", "name_th", "name_en"]
_KINDS = {"strategy": "strategies", "reform_area": "reform_areas"}


def rows_of(framework: FrameworkFile) -> list[list[str | None]]:
    """A framework file as rows: the title, the two dimensions' own names, every strategy and
    reform area (with its parent's code) and every agency. Text a spreadsheet would run as a
    formula is made inert."""
    head: list[str | None] = [*CSV_HEAD]
    rows: list[list[str | None]] = [head, ["title", None, None, framework.title, None]]
    if framework.based_on:
        rows.append(["based_on", framework.based_on, None, None, None])
    if framework.labels is not None:
        rows += [["label", which, None, name, None] for which, name in
                 (("strategies", framework.labels.strategies), ("reform_areas", framework.labels.reform_areas)) if name]
    for kind, dimension in _KINDS.items():
        entries: list[FrameworkEntryIn] = getattr(framework, dimension)

        def walk(level: list[FrameworkEntryIn], parent: str | None, kind: str = kind) -> None:
            for e in level:
                rows.append([kind, e.code, parent, e.name_th or (None if e.name_en else e.name), e.name_en])
                walk(e.children, e.code)

        walk(entries, None)
    rows += [["agency", None, None, a.name_th, a.name_en] for a in framework.agencies]
    return [[_inert(cell) for cell in row] for row in rows]


def _inert(cell: str | None) -> str | None:
    return "'" + cell if cell is not None and cell.startswith(tables.FORMULA_STARTS) else cell


def to_csv(framework: FrameworkFile) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows_of(framework))
    return out.getvalue()


def to_xlsx(framework: FrameworkFile) -> bytes:
    """The same rows as the CSV, on one sheet; every cell written as text (never a formula)."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet("framework")
    for row in rows_of(framework):
        cells = []
        for value in row:
            cell = WriteOnlyCell(sheet, value=value)
            cell.data_type = "s" if value is not None else cell.data_type
            cells.append(cell)
        sheet.append(cells)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def from_csv(data: bytes) -> FrameworkFile:
    """A framework file read from CSV as to_csv writes it, in UTF-8 (with or without BOM) or
    cp874/TIS-620 as Thai Excel saves it (project_import.decode_csv). A row that cannot be read
    is refused with its row number."""
    return from_rows(csv.reader(io.StringIO(project_import.decode_csv(data))))


def from_upload(data: bytes) -> FrameworkFile:
    """A framework file as uploaded on the new-workshop page: an XLSX workbook, the JSON file, or
    the CSV (told apart by their first bytes, whatever the file is called)."""
    if not data.strip():
        raise Invalid("Choose a framework file (JSON, CSV or XLSX) to upload.")
    if data[:2] == b"PK":
        return from_xlsx(data)
    if data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"{":
        try:
            return FrameworkFile.model_validate_json(data.decode("utf-8-sig"))
        except (ValidationError, UnicodeDecodeError) as exc:
            first = exc.errors()[0] if isinstance(exc, ValidationError) else {"loc": (), "msg": "not UTF-8"}
            raise Invalid("The framework file is not valid: {where}: {reason}",
                          where=".".join(str(part) for part in first["loc"]) or "file",
                          reason=str(first["msg"]).removeprefix("Value error, ")) from exc
    return from_csv(data)


def from_xlsx(data: bytes) -> FrameworkFile:
    """A framework file read from the first sheet of an XLSX workbook (cells as values: a
    formula is never run, and one without a stored value reads as empty)."""
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise Invalid("This is not an XLSX workbook that can be read.") from exc
    sheet = book.worksheets[0]
    return from_rows(["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True))


def from_rows(rows: Iterable[list[str]]) -> FrameworkFile:
    """A framework file from rows as rows_of writes them."""
    reader = iter(rows)
    head = [cell.strip().casefold() for cell in next(reader, [])]
    if head[:len(CSV_HEAD)] != CSV_HEAD:
        raise Invalid("The first row of a framework CSV must be: {head}.", head=",".join(CSV_HEAD))
    title = ""
    based_on: str | None = None
    labels: dict[str, str] = {}
    children: dict[str, dict[str, list[dict[str, Any]]]] = {dimension: {} for dimension in _KINDS.values()}
    entries: dict[str, dict[str, dict[str, Any]]] = {dimension: {} for dimension in _KINDS.values()}
    agencies: list[dict[str, str | None]] = []
    for number, row in enumerate(reader, start=2):
        kind, code, parent, name_th, name_en = ([_readable(cell) for cell in row] + [""] * 5)[:5]
        if not any((kind, code, parent, name_th, name_en)):
            continue
        if kind == "title":
            title = name_th or name_en
        elif kind == "based_on":
            based_on = code or None
        elif kind == "label" and code in ("strategies", "reform_areas"):
            labels[code] = name_th or name_en
        elif kind == "agency":
            agencies.append({"name_th": name_th or None, "name_en": name_en or None})
        elif kind in _KINDS:
            dimension = _KINDS[kind]
            if parent and parent not in entries[dimension]:
                raise Invalid("Row {row}: the parent code '{parent}' is not listed above it.", row=number,
                              parent=parent[:20])
            entry: dict[str, Any] = {"code": code, "name": name_th or name_en, "name_th": name_th or None,
                                     "name_en": name_en or None, "children": []}
            entries[dimension][code] = entry
            if parent:
                entries[dimension][parent]["children"].append(entry)
            else:
                children[dimension].setdefault("", []).append(entry)
        else:
            raise Invalid("Row {row}: unknown kind '{kind}'; use strategy, reform_area, agency, label or title.",
                          row=number, kind=kind[:20])
    try:
        return FrameworkFile.model_validate({
            "title": title, "based_on": based_on,
            "strategies": children["strategies"].get("", []), "reform_areas": children["reform_areas"].get("", []),
            "labels": labels or None, "agencies": agencies})
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise Invalid("The framework CSV is not valid: {where}: {reason}", where=where,
                      reason=str(first["msg"]).removeprefix("Value error, ")) from exc


def _readable(cell: str) -> str:
    """A cell as typed: the apostrophe the export put before formula-like text is taken off."""
    cell = cell.strip()
    return cell[1:] if cell.startswith("'") and cell[1:2] in tables.FORMULA_STARTS and cell[1:2] else cell
