"""Projects from a spreadsheet: read an XLSX or CSV file, guess which column is which, check
every row as the API checks a proposal, and add all valid rows in one transaction or none.

API.md, "Importing projects from a spreadsheet". Cells are read as values and never evaluated:
a cell holding a formula ("=SUM(A1:A3)") is taken as its text. Rows are numbered as the
spreadsheet shows them (the header is row 1), so an office can find each refused row.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import re
import threading
import time
import uuid
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import func, insert
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from app import i18n
from app.errors import Conflict, DomainError, Invalid
from app.i18n import N_
from app.models.workshop import framework_of
from app.models import Project, ReformArea, Strategy, Workshop
from app.models.project import ProjectCreate, ProjectReformArea, ProjectStrategy
from app.models.schemas import MAX_TAGS, MAX_TITLE
from app.models.workshop import utcnow
from app.services import ceilings as ceiling
from app.services import participants, workshops
from app.services.access import Actor
from app.services.exports.tables import FORMULA_STARTS, PROJECT_HEAD
from app.services.rules import Action, check
from app.text import clean_block, clean_line, clean_title

log = logging.getLogger(__name__)

FIELDS = ("title", "description", "agency", "strategies", "reform_areas")
PREVIEW_ROWS = 20
CHUNK = 1000  # rows per bulk insert: each chunk moves the progress bar
MAX_ROWS = 20_000  # twice the most projects a workshop may hold (RUAMKIT_MAX_PROJECTS_PER_WORKSHOP)

# What a column of each field is called in the sheets offices send, in Thai and English (the
# exports' own headers, in both catalogs, are added below, so an export comes back in as it is).
SYNONYMS: dict[str, tuple[str, ...]] = {
    "title": ("ชื่อโครงการ", "โครงการ", "ชื่อโครงการ/กิจกรรม", "ชื่อ", "title", "project", "project title",
              "project name", "name"),
    "description": ("รายละเอียด", "รายละเอียดโครงการ", "คำอธิบาย", "description", "details", "summary"),
    "agency": ("หน่วยงาน", "หน่วยงานรับผิดชอบ", "หน่วยงานที่รับผิดชอบ", "หน่วยงานเจ้าของโครงการ", "agency",
               "department", "owner"),
    "strategies": ("ยุทธศาสตร์", "ยุทธศาสตร์ชาติ", "strategies", "strategy"),
    "reform_areas": ("ด้านการปฏิรูป", "การปฏิรูป", "แผนการปฏิรูป", "reform areas", "reform area", "reform"),
}
GENERIC = {"project", "โครงการ", "name", "ชื่อ", "reform", "owner", "details", "summary"}
EXPORT_HEADS = dict(zip(FIELDS, PROJECT_HEAD[2:7], strict=True))  # title .. reform areas

# Why a row is refused (the API answers in English, a page in its language).
EMPTY_TITLE = N_("The title is empty.")
LONG_TITLE = N_("The title has {count} characters; at most {limit} are allowed.")
LONG_DESCRIPTION = N_("The description has {count} characters; at most {limit} are allowed.")
LONG_AGENCY = N_("The agency has {count} characters; at most {limit} are allowed.")
UNKNOWN_TAG = N_("Unknown tag '{tag}': it is neither a code nor a name of this workshop's strategies or reform areas.")
TOO_MANY_TAGS = N_("The row has {count} tags; a project can have at most {limit}.")
OFF_LIST_AGENCY = N_("The agency “{agency}” is not on this workshop's list of agencies, and the workshop takes "
                     "no other names.")
NOT_VALID = N_("The row is not valid: {reason}")

_SPACES = re.compile(r"\s+")
_TAG_SPLIT = re.compile(r"[;\n]")
XLSX_MAGIC = b"PK\x03\x04"
OLD_EXCEL_MAGIC = b"\xd0\xcf\x11\xe0"


@dataclass(frozen=True)
class RowError:
    row: int
    template: str
    params: dict[str, object] = field(default_factory=dict)

    def message(self, lang: str) -> str:
        return i18n.translate_error(self.template, self.params, lang)


@dataclass(frozen=True)
class ValidRow:
    row: int
    project: ProjectCreate


@dataclass
class Table:
    """One sheet as text: its header (row 1) and its data rows with their numbers."""

    sheets: list[str]
    sheet: str | None  # None for CSV
    header: list[str]
    rows: list[tuple[int, list[str]]]


@dataclass
class Analysis:
    """What an import would do: every row checked, nothing stored."""

    table: Table
    mapping: dict[str, str | None]
    valid: list[ValidRow]
    errors: list[RowError]
    problem: tuple[str, dict[str, object]] | None = None  # why no row could be read (lenient only)

    @property
    def rows(self) -> int:
        return len(self.table.rows)

    def answer(self, lang: str = "en", created: int = 0) -> dict[str, Any]:
        """The API's answer: {rows, valid, errors, preview, created}."""
        return {"rows": self.rows, "valid": len(self.valid),
                "errors": [{"row": e.row, "message": e.message(lang)} for e in self.errors],
                "preview": [{"title": v.project.title, "description": v.project.description,
                             "agency": v.project.agency, "strategy_ids": v.project.strategy_ids,
                             "reform_area_ids": v.project.reform_area_ids}
                            for v in self.valid[:PREVIEW_ROWS]],
                "created": created}


# --- reading the file ---


def read_table(data: bytes, *, filename: str = "", sheet: str | None = None) -> Table:
    """The file's sheet (by name, else the first) as text rows; CSV in UTF-8 (BOM or not) or cp874."""
    if data.startswith(XLSX_MAGIC):
        return _read_xlsx(data, sheet)
    if data.startswith(OLD_EXCEL_MAGIC) or filename.lower().endswith((".xls", ".xlsx")):
        raise Invalid("This file is not a spreadsheet this server can read: save it as .xlsx or .csv and try again.")
    return _read_csv(data)


def _read_xlsx(data: bytes, sheet: str | None) -> Table:
    from openpyxl import load_workbook  # openpyxl is only needed here: keep start-up light
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        # data_only=False: a formula cell reads as its text ("=..."), never as a value we would
        # have to trust or compute.
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError):
        raise Invalid("This file is not a spreadsheet this server can read: save it as .xlsx or .csv and "
                      "try again.") from None
    try:
        names = list(book.sheetnames)
        if not names:
            raise Invalid("The workbook has no sheets.")
        if sheet and sheet not in names:
            raise Invalid("The workbook has no sheet '{sheet}'; its sheets are: {sheets}.",
                          sheet=sheet, sheets=", ".join(names))
        chosen = sheet or names[0]
        rows = iter(_bounded(book[chosen].iter_rows(values_only=True)))
        header = [_cell_text(c) for c in next(rows, ())]
        body = [(number, cells) for number, values in enumerate(rows, start=2)
                if any(cells := [_cell_text(c) for c in values])]
    finally:
        book.close()
    return Table(sheets=names, sheet=chosen, header=_tidy_header(header), rows=body)


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def _read_csv(data: bytes) -> Table:
    text = decode_csv(data)
    if not text.strip():
        raise Invalid("The file is empty.")
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text), quotechar='"',
                            doublequote=True, strict=False)
        lines = list(_bounded(reader))
    except csv.Error:
        raise Invalid("This file is not a spreadsheet this server can read: save it as .xlsx or .csv and "
                      "try again.") from None
    header = lines[0] if lines else []
    # csv counts records, not lines: a cell with line breaks spans several lines of the file,
    # but a spreadsheet shows it as one row, so records are numbered as rows.
    body = [(number, cells) for number, cells in enumerate(lines[1:], start=2) if any(c.strip() for c in cells)]
    return Table(sheets=[], sheet=None, header=_tidy_header(header), rows=body)


def _delimiter(text: str) -> str:
    """Comma, semicolon (Excel where the comma is the decimal mark) or tab: the one the header
    line holds most of (column names rarely hold any), else a comma."""
    header = text.split("\n", 1)[0]
    counts = {d: header.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _bounded(rows: Iterable[Any]) -> Iterator[Any]:
    """The rows of a sheet, refused past MAX_ROWS (a file must not fill the server's memory)."""
    for number, row in enumerate(rows):
        if number > MAX_ROWS:
            raise Invalid("The sheet has more than {limit} rows; import it in parts.", limit=f"{MAX_ROWS:,}")
        yield row


def decode_csv(data: bytes) -> str:
    """UTF-8 (a BOM is dropped), else cp874/TIS-620, what Thai Excel writes; anything else with
    control bytes in it is not a table of text. Excel's "Unicode text" (UTF-16 with its BOM) too.
    The one rule for every CSV the server reads (projects here, frameworks in own_presets)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    if b"\x00" in data[:65536]:
        raise Invalid("This file is not a spreadsheet this server can read: save it as .xlsx or .csv and try again.")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp874")
    except UnicodeDecodeError:
        raise Invalid("The file's text is neither UTF-8 nor Thai (TIS-620/cp874): save it as CSV UTF-8 and "
                      "try again.") from None


def _tidy_header(header: list[str]) -> list[str]:
    return [_SPACES.sub(" ", str(clean_line(h))) for h in header]


# --- which column is which ---


def _key(text: str) -> str:
    return _SPACES.sub(" ", text).strip().strip("*:").strip().casefold()


def _names_of(field_name: str) -> list[str]:
    english = EXPORT_HEADS[field_name]
    names = [english, i18n.translations("th").gettext(english), *SYNONYMS[field_name]]
    return list(dict.fromkeys(_key(n) for n in names))


def guess_mapping(header: list[str]) -> dict[str, str | None]:
    """Each field's column, by its header in Thai or English: exact names first, then a header
    that starts with a field's name (e.g. "ชื่อโครงการ (ภาษาไทย)")."""
    keys = [_key(h) for h in header]
    mapping: dict[str, str | None] = dict.fromkeys(FIELDS)
    used: set[int] = set()
    for field_name in FIELDS:
        for name in _names_of(field_name):
            if name in keys and keys.index(name) not in used:
                used.add(keys.index(name))
                mapping[field_name] = header[keys.index(name)]
                break
    for field_name in FIELDS:
        if mapping[field_name] is not None:
            continue
        # A header that starts with a field's name ("ชื่อโครงการ (ภาษาไทย)", "Title in Thai");
        # not the bare words, which also start "Project budget" or "โครงการย่อย".
        names = [n for n in _names_of(field_name) if n not in GENERIC]
        for index, key in enumerate(keys):
            if index not in used and any(key.startswith(n) for n in names):
                used.add(index)
                mapping[field_name] = header[index]
                break
    return mapping


def parse_mapping(text: str | None) -> dict[str, str | None] | None:
    """The mapping sent as JSON ({field: header}); None when none was sent."""
    if text is None or not text.strip():
        return None
    try:
        given = json.loads(text)
    except ValueError:
        raise Invalid("The mapping is not valid JSON: send an object from field to column header.") from None
    if not isinstance(given, dict) or not all(isinstance(v, str | None) for v in given.values()):
        raise Invalid("The mapping must be a JSON object from field to column header (a string).")
    unknown = sorted(set(given) - set(FIELDS))
    if unknown:
        raise Invalid("Unknown field '{field}' in the mapping; the fields are: {fields}.",
                      field=unknown[0], fields=", ".join(FIELDS))
    return {k: (v or None) for k, v in given.items()}


def resolve_mapping(header: list[str], given: Mapping[str, str | None] | None) -> dict[str, str | None]:
    """The guessed mapping, with what was given in its place (a field given as null or "" is not read)."""
    mapping = guess_mapping(header)
    keys = {_key(h): h for h in reversed(header)}
    for field_name, column in (given or {}).items():
        if column is None:
            mapping[field_name] = None
        elif _key(column) in keys:
            mapping[field_name] = keys[_key(column)]
        else:
            raise Invalid("The column '{column}' is not in the sheet; its columns are: {columns}.",
                          column=column, columns=", ".join(h for h in header if h) or "-")
    if not mapping.get("title"):
        raise Invalid("No column holds the project titles: name it in the mapping (title), or head it "
                      "'ชื่อโครงการ' or 'title'. The sheet's columns are: {columns}.",
                      columns=", ".join(h for h in header if h) or "-")
    return mapping


# --- tags ---


class TagIndex:
    """Each strategy and reform area of the workshop by code, name (either language) and "code name"
    (as the exports write them), matched ignoring case and surrounding spaces."""

    KINDS = ("strategies", "reform_areas")

    def __init__(self, strategies: Iterable[Strategy], reform_areas: Iterable[ReformArea]) -> None:
        self.by_kind: dict[str, dict[str, int]] = {kind: {} for kind in self.KINDS}
        for kind, entries in (("strategies", strategies), ("reform_areas", reform_areas)):
            names = self.by_kind[kind]
            for entry in entries:
                for name in (entry.code, entry.name_th, entry.name_en):
                    if name:
                        names.setdefault(_key(name), entry.id)
                for name in (entry.name_th, entry.name_en):
                    if name:
                        names.setdefault(_key(f"{entry.code} {name}"), entry.id)

    @classmethod
    def of(cls, session: Session, workshop: Workshop) -> TagIndex:
        return cls(session.exec(select(Strategy).where(Strategy.workshop_id == framework_of(workshop))).all(),
                   session.exec(select(ReformArea).where(ReformArea.workshop_id == framework_of(workshop))).all())

    def _lookup(self, name: str, prefer: str) -> tuple[str, int] | None:
        # The column's own dimension first: a name both dimensions hold means the column's.
        for kind in (prefer, *(k for k in self.KINDS if k != prefer)):
            found = self.by_kind[kind].get(_key(name))
            if found is not None:
                return kind, found
        return None

    def find(self, cell: str, prefer: str = "strategies") -> tuple[dict[str, list[int]], list[str]]:
        """The ids a cell names per dimension, and the names it holds that match nothing. A part
        between semicolons or line breaks is tried whole first (a name may hold a comma), then
        split at its commas."""
        found: dict[str, list[int]] = {kind: [] for kind in self.KINDS}
        unknown: list[str] = []
        for part in _TAG_SPLIT.split(cell):
            if not part.strip():
                continue
            pieces = [part] if self._lookup(part, prefer) else part.split(",")
            for piece in pieces:
                if not piece.strip():
                    continue
                hit = self._lookup(piece, prefer)
                if hit is None:
                    unknown.append(piece.strip())
                else:
                    found[hit[0]].append(hit[1])
        return found, unknown


# --- checking the rows ---


def analyse(session: Session, *, workshop: Workshop, data: bytes, filename: str = "", sheet: str | None = None,
            mapping: Mapping[str, str | None] | None = None, lenient: bool = False) -> Analysis:
    """Read the file and check every row as a proposal would be checked; stores nothing. A
    mapping that cannot be used is refused (422), or with `lenient` kept as the analysis's problem."""
    table = read_table(data, filename=filename, sheet=sheet)
    try:
        chosen = resolve_mapping(table.header, mapping)
    except Invalid as unmapped:
        if not lenient:
            raise
        # The console still shows the sheets and columns, so the facilitator can choose others.
        guessed = guess_mapping(table.header)
        return Analysis(table=table, mapping=guessed, valid=[], errors=[], problem=(unmapped.template, unmapped.params))
    column = {f: table.header.index(c) for f, c in chosen.items() if c is not None}
    tags = TagIndex.of(session, workshop)
    invited = workshops.list_agencies(session, workshop=workshop)

    def agency_of(typed: str) -> str | None:  # the rule of joining, so one rule for both
        return participants.named_agency(workshop, invited, typed)

    valid: list[ValidRow] = []
    errors: list[RowError] = []
    for number, cells in table.rows:
        def cell(field_name: str, cells: list[str] = cells) -> str:
            index = column.get(field_name)
            return _undo_neutralise(cells[index]) if index is not None and index < len(cells) else ""

        checked = check_row(number, {f: cell(f) for f in FIELDS}, tags, agency_of)
        if isinstance(checked, ValidRow):
            valid.append(checked)
        else:
            errors.extend(checked)
    return Analysis(table=table, mapping=chosen, valid=valid, errors=errors)


def _undo_neutralise(text: str) -> str:
    # Our exports put an apostrophe before text a spreadsheet would run ("'=..."): take it off again.
    return text[1:] if text.startswith("'") and text[1:].startswith(FORMULA_STARTS) else text


def check_row(number: int, cells: Mapping[str, str], tags: TagIndex,
              agency_of: Callable[[str], str | None] | None = None) -> ValidRow | list[RowError]:
    """One row as a ProjectCreate (the API's own model), or every reason it is refused.
    `agency_of` gives the agency a typed name stands for, None when the workshop refuses it."""
    errors: list[RowError] = []
    ids: dict[str, list[int]] = {"strategies": [], "reform_areas": []}
    for dimension in ("strategies", "reform_areas"):
        # A tag counts in its own dimension whichever of the two columns names it.
        found, unknown = tags.find(cells.get(dimension, ""), prefer=dimension)
        for kind, found_ids in found.items():
            ids[kind] += found_ids
        errors += [RowError(number, UNKNOWN_TAG, {"tag": name}) for name in unknown]
    strategy_ids, reform_area_ids = list(dict.fromkeys(ids["strategies"])), list(dict.fromkeys(ids["reform_areas"]))
    count = len(strategy_ids) + len(reform_area_ids)
    if count > MAX_TAGS:
        errors.append(RowError(number, TOO_MANY_TAGS, {"count": count, "limit": MAX_TAGS}))
        strategy_ids, reform_area_ids = [], []
    title, description, agency = (clean_title(cells.get("title", "")), clean_block(cells.get("description", "")),
                                  clean_line(cells.get("agency", "")))
    if not title:
        errors.append(RowError(number, EMPTY_TITLE))
    elif isinstance(title, str) and len(title) > MAX_TITLE:
        errors.append(RowError(number, LONG_TITLE, {"count": f"{len(title):,}", "limit": MAX_TITLE}))
    if isinstance(description, str) and len(description) > 5000:
        errors.append(RowError(number, LONG_DESCRIPTION, {"count": f"{len(description):,}", "limit": "5,000"}))
    if isinstance(agency, str) and len(agency) > 200:
        errors.append(RowError(number, LONG_AGENCY, {"count": f"{len(agency):,}", "limit": 200}))
    elif isinstance(agency, str) and agency_of is not None:
        named = agency_of(agency)
        if named is None:
            errors.append(RowError(number, OFF_LIST_AGENCY, {"agency": agency}))
        else:
            agency = named
    if errors:
        return errors
    try:
        project = ProjectCreate.model_validate({"title": title, "description": description, "agency": agency,
                                                "strategy_ids": strategy_ids, "reform_area_ids": reform_area_ids})
    except ValidationError as invalid:  # what the checks above do not name: said as pydantic says it
        reason = "; ".join(str(e.get("msg")) for e in invalid.errors())
        return [RowError(number, NOT_VALID, {"reason": reason})]
    return ValidRow(number, project)


# --- storing ---


def import_projects(session: Session, *, workshop: Workshop, actor: Actor, analysis: Analysis,
                    ceilings: ceiling.Ceilings = ceiling.DEFAULT,
                    progress: Callable[[int], None] | None = None) -> int:
    """Add every row of the analysis in one transaction; refused (422, nothing stored) when any
    row is invalid. Returns how many projects were made. `progress` hears how many are written."""
    check(Action.import_projects, actor, workshop)
    if analysis.errors:
        raise Invalid("{count} rows of the file are not valid: nothing was imported. Correct them and import "
                      "again.", count=f"{len({e.row for e in analysis.errors}):,}")
    if not analysis.valid:
        raise Invalid("The file has no rows to import.")
    held = session.exec(select(func.count()).select_from(Project).where(Project.workshop_id == workshop.id)).one()
    if held + len(analysis.valid) > ceilings.projects:
        raise Conflict("The workshop has {held} projects and the file {count}: together more than the {limit} "
                       "this server allows in one workshop.", held=f"{held:,}",
                       count=f"{len(analysis.valid):,}", limit=f"{ceilings.projects:,}")
    now = utcnow()
    written = 0
    try:
        for chunk in _chunks(analysis.valid, CHUNK):
            # One INSERT per chunk (RETURNING the new ids in order), then the tags of the chunk:
            # a few statements per thousand rows, one commit at the end.
            ids = session.execute(
                insert(Project).returning(col(Project.id), sort_by_parameter_order=True),
                [{"workshop_id": workshop.id, "title": v.project.title, "description": v.project.description,
                  "agency": v.project.agency, "proposer_id": None, "client_request_id": None, "hidden": False,
                  "merged_into_id": None, "created_at": now, "pinned": False, "approved": True,
                  "co_agencies": ""} for v in chunk]).scalars().all()
            strategies = [{"project_id": pid, "strategy_id": sid}
                          for pid, v in zip(ids, chunk, strict=True) for sid in v.project.strategy_ids]
            areas = [{"project_id": pid, "reform_area_id": rid}
                     for pid, v in zip(ids, chunk, strict=True) for rid in v.project.reform_area_ids]
            if strategies:
                session.execute(insert(ProjectStrategy), strategies)
            if areas:
                session.execute(insert(ProjectReformArea), areas)
            written += len(chunk)
            if progress:
                progress(written)
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return written


def _chunks(items: list[ValidRow], size: int) -> Iterator[list[ValidRow]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


# --- imports run in the background, for the console's progress bar ---


@dataclass
class Job:
    """One import running in a worker thread: how far it is, and how it ended."""

    id: str
    code: str
    total: int
    done: int = 0
    created: int = 0
    error: tuple[str, dict[str, object]] | None = None  # a domain error's template and params
    finished: bool = False
    started: float = field(default_factory=time.monotonic)

    @property
    def percent(self) -> int:
        return 100 if self.finished and not self.error else int(100 * self.done / max(1, self.total))


class Jobs:
    """The imports this process runs (kept a while after they end, so the page can show how)."""

    KEEP_SECONDS = 3600.0

    def __init__(self) -> None:
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()

    def get(self, job_id: str) -> Job | None:
        with self._lock:
            return self._jobs.get(job_id)

    def start(self, engine: Engine, *, workshop: Workshop, actor: Actor, analysis: Analysis,
              ceilings: ceiling.Ceilings, on_done: Callable[[str], None]) -> Job:
        job = Job(id=uuid.uuid4().hex, code=workshop.code, total=len(analysis.valid))
        with self._lock:
            now = time.monotonic()
            for old in [j for j in self._jobs.values() if j.finished and now - j.started > self.KEEP_SECONDS]:
                del self._jobs[old.id]
            self._jobs[job.id] = job

        def run() -> None:
            def moved(count: int) -> None:
                job.done = count

            try:
                with Session(engine, expire_on_commit=False) as session:
                    fresh = session.get(Workshop, workshop.id)
                    if fresh is None:
                        raise Invalid("The workshop no longer exists.")
                    job.created = import_projects(session, workshop=fresh, actor=actor, analysis=analysis,
                                                  ceilings=ceilings, progress=moved)
                on_done(workshop.code)
            except DomainError as refused:
                job.error = (refused.template, refused.params)
            except Exception:  # the page must hear that it failed; the log keeps why
                log.exception("project import failed")
                job.error = (N_("The import failed: nothing was imported. Try again."), {})
            finally:
                job.finished = True

        threading.Thread(target=run, name=f"import-{workshop.code}", daemon=True).start()
        return job
