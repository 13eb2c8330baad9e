"""The results report for the facilitator: a printable A4 page and the same as a PDF."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from app.deps import FacilitatorPage, SessionDep, WorkshopDep
from app.pages import file_response, language, no_store
from app.services import report
from app.web import page

router = APIRouter(include_in_schema=False)

TEMPLATE = "pages/facilitator/report.html"


@router.get("/w/{code}/facilitate/report")
def report_page(request: Request, workshop: WorkshopDep, session: SessionDep,
                _facilitator: FacilitatorPage) -> Response:
    """The report as a page to read or print (A4 print stylesheet)."""
    lang = language(request, workshop)
    return no_store(page(request, TEMPLATE, lang, **report.build(session, workshop=workshop, lang=lang)))


@router.get("/w/{code}/facilitate/report.pdf")
def report_pdf(request: Request, workshop: WorkshopDep, _facilitator: FacilitatorPage) -> Response:
    """The same report as a PDF, drawn by a render worker (or a page saying it is being drawn)."""
    lang = language(request, workshop)
    return file_response(request, workshop, "pdf", lang, ("application/pdf", "pdf"), disposition="inline",
                         page_lang=lang)
