"""Projects from a spreadsheet: the JSON API (API.md) and the console's upload, map, preview and
import pages. What a file holds and what is stored is app/services/project_import.py."""

from __future__ import annotations

import hashlib
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import JSONResponse
from sqlalchemy import func
from sqlmodel import Session, select
from starlette.datastructures import FormData, UploadFile as StarletteUpload
from starlette.responses import Response

from app.deps import CeilingsDep, FacilitatorPage, SessionDep, WorkshopDep, api_door, notify
from app.errors import DomainError, Invalid, NotFound
from app.forms import UploadFormDep
from app.i18n import translate_error
from app.models import Project, Workshop
from app.pages import language, no_store
from app.services import project_import, rules, workshops
from app.services.access import Actor
from app.services.project_import import FIELDS, Analysis, Jobs
from app.services.rules import Action
from app.web import page

router = APIRouter()

IMPORT_ANSWER = {"description": "What the file holds: {rows, valid, errors: [{row, message}], preview, created}."}


@router.post("/api/v1/workshops/{code}/projects/import", tags=["projects"],
             responses={200: IMPORT_ANSWER, 201: IMPORT_ANSWER,
                        422: {"description": "A row is not valid (the same answer, nothing stored), or the "
                                             "file, sheet or mapping cannot be read ({detail})."}})
def import_projects(request: Request, workshop: WorkshopDep, session: SessionDep,
                    actor: Annotated[Actor, api_door(Action.import_projects)], ceilings: CeilingsDep,
                    file: Annotated[UploadFile, File(description=".xlsx or .csv")],
                    sheet: Annotated[str | None, Form()] = None,
                    mapping: Annotated[str | None, Form(description="JSON: {field: column header}")] = None,
                    commit: Annotated[bool, Form()] = False) -> JSONResponse:
    """Check every row of a spreadsheet of projects (facilitator; any phase but closed); with
    commit=true, add them all in one transaction, or none when any row is invalid (422)."""
    analysis = project_import.analyse(session, workshop=workshop, data=file.file.read(),
                                      filename=file.filename or "", sheet=sheet or None,
                                      mapping=project_import.parse_mapping(mapping))
    if not commit:
        return JSONResponse(analysis.answer("en"), status_code=200)
    if analysis.errors:
        return JSONResponse(analysis.answer("en"), status_code=422)
    created = project_import.import_projects(session, workshop=workshop, actor=actor, analysis=analysis,
                                             ceilings=ceilings)
    notify(request, workshop.code)
    return JSONResponse(analysis.answer("en", created=created), status_code=201)


# --- the console's pages ---


def _jobs(request: Request) -> Jobs:
    jobs: Jobs = request.app.state.import_jobs
    return jobs


@router.get("/w/{code}/facilitate/import", include_in_schema=False)
def import_page(request: Request, workshop: WorkshopDep, facilitator: FacilitatorPage) -> Response:
    lang = language(request, workshop)
    return no_store(page(request, "pages/facilitator/import.html", lang, workshop=workshop,
                         may_import=rules.allows(Action.import_projects, facilitator, workshop)))


def _read_form(session: Session, workshop: Workshop, form: FormData) -> tuple[Analysis, str]:
    """The uploaded file with the sheet and columns chosen on the page (ignored when they were
    chosen for another file: a new upload starts from the guesses)."""
    upload = form.get("file")
    if not isinstance(upload, StarletteUpload) or not upload.filename:
        raise Invalid("Choose an .xlsx or .csv file first.")
    data = upload.file.read()
    if not data:
        raise Invalid("The file is empty.")
    fingerprint = hashlib.sha256(data).hexdigest()[:16]
    same_file = form.get("file_id") == fingerprint
    sheet = str(form.get("sheet") or "") if same_file else ""
    mapping: dict[str, str | None] | None = None
    if same_file and form.get("mapped_sheet") == sheet:
        mapping = {f: (str(form.get(f"map_{f}") or "") or None) for f in FIELDS if f"map_{f}" in form}
    analysis = project_import.analyse(session, workshop=workshop, data=data, filename=upload.filename,
                                      sheet=sheet or None, mapping=mapping, lenient=True)
    return analysis, fingerprint


def _review(request: Request, workshop: Workshop, lang: str, status_code: int = 200, **values: Any) -> Response:
    return page(request, "partials/_import_review.html", lang, status_code=status_code, workshop=workshop,
                fields=FIELDS, **values)


@router.post("/w/{code}/facilitate/import", include_in_schema=False)
def review_file(request: Request, workshop: WorkshopDep, session: SessionDep, form: Annotated[FormData, UploadFormDep],
                facilitator: FacilitatorPage) -> Response:
    """Upload (or a new sheet or column chosen): the mapping, the preview and every refused row."""
    lang = language(request, workshop)
    rules.require(Action.import_projects, facilitator, workshop)
    try:
        analysis, fingerprint = _read_form(session, workshop, form)
    except DomainError as refused:
        return _review(request, workshop, lang, 422, problem=translate_error(refused.template, refused.params, lang))
    problem = translate_error(*analysis.problem, lang) if analysis.problem else None
    return _review(request, workshop, lang, analysis=analysis, file_id=fingerprint, mapping_problem=problem,
                   errors=[(e.row, e.message(lang)) for e in analysis.errors],
                   tags=_tag_labels(session, workshop, lang))


def _tag_labels(session: Session, workshop: Workshop, lang: str) -> dict[str, dict[int, str]]:
    return {"strategies": {s.id: s.code for s in workshops.list_strategies(session, workshop=workshop)},
            "reform_areas": {r.id: r.code for r in workshops.list_reform_areas(session, workshop=workshop)}}


@router.post("/w/{code}/facilitate/import/commit", include_in_schema=False)
def commit_file(request: Request, workshop: WorkshopDep, session: SessionDep, form: Annotated[FormData, UploadFormDep],
                facilitator: FacilitatorPage, ceilings: CeilingsDep) -> Response:
    """Import every row; a long list in the background, while the page polls its progress."""
    lang = language(request, workshop)
    rules.require(Action.import_projects, facilitator, workshop)
    try:
        analysis, _ = _read_form(session, workshop, form)
        if analysis.problem:
            return _progress(request, workshop, lang, 422, problem=translate_error(*analysis.problem, lang))
        if analysis.errors:
            raise Invalid(
                "{count} rows of the file are not valid: nothing was imported. Correct them and import again.",
                count=f"{len({e.row for e in analysis.errors}):,}")
        if not analysis.valid:
            raise Invalid("The file has no rows to import.")
    except DomainError as refused:
        return _progress(request, workshop, lang, 422, problem=translate_error(refused.template, refused.params, lang))
    if len(analysis.valid) <= project_import.CHUNK:  # a short list: done before the answer
        created = project_import.import_projects(session, workshop=workshop, actor=facilitator, analysis=analysis,
                                                 ceilings=ceilings)
        notify(request, workshop.code)
        return _progress(request, workshop, lang, done=created)
    before = _project_count(session, workshop)
    job = _jobs(request).start(request.app.state.engine, workshop=workshop, actor=facilitator, analysis=analysis,
                               ceilings=ceilings, on_done=request.app.state.publish)
    return _progress(request, workshop, lang, job=job, expect=before + job.total, total=job.total)


def _project_count(session: Session, workshop: Workshop) -> int:
    return session.exec(select(func.count()).select_from(Project).where(Project.workshop_id == workshop.id)).one()


def _progress(request: Request, workshop: Workshop, lang: str, status_code: int = 200, **values: Any) -> Response:
    return no_store(page(request, "partials/_import_progress.html", lang, status_code=status_code,
                         workshop=workshop, **values))


@router.get("/w/{code}/facilitate/import/progress/{job_id}", include_in_schema=False)
def import_progress(request: Request, job_id: str, workshop: WorkshopDep, session: SessionDep,
                    _facilitator: FacilitatorPage, expect: int = 0, total: int = 0) -> Response:
    """How far the import is (polled every half second while it runs). A job another server
    process runs is followed by the workshop's project count: it appears whole when committed."""
    lang = language(request, workshop)
    job = _jobs(request).get(job_id)
    if job is not None and job.code != workshop.code:
        raise NotFound("This import is not one of this workshop's.")
    if job is None:
        landed = expect > 0 and _project_count(session, workshop) >= expect
        return _progress(request, workshop, lang, elsewhere=True, landed=landed, job_id=job_id, expect=expect,
                         total=total)
    problem = translate_error(job.error[0], job.error[1], lang) if job.error else None
    return _progress(request, workshop, lang, job=job, expect=expect, total=job.total, problem=problem)
