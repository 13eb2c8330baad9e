"""The results report for the facilitator: a printable A4 page and the same as a PDF."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from app.deps import FacilitatorPage, SessionDep, WorkshopDep
from app.pages import file_response, language, no_store
from app.services import report, rounds
from app.web import page

router = APIRouter(include_in_schema=False)

TEMPLATE = "pages/facilitator/report.html"
RoundQuery = Annotated[int | None, Query(alias="round")]


@router.get("/w/{code}/facilitate/report")
def report_page(request: Request, workshop: WorkshopDep, session: SessionDep,
                _facilitator: FacilitatorPage, round_number: RoundQuery = None) -> Response:
    """The report as a page to read or print (A4 print stylesheet): every round, or one."""
    lang = language(request, workshop)
    return no_store(page(request, TEMPLATE, lang, **report.build(session, workshop=workshop, lang=lang,
                                                               round_number=round_number)))


@router.get("/w/{code}/facilitate/report.pdf")
def report_pdf(request: Request, workshop: WorkshopDep, session: SessionDep, _facilitator: FacilitatorPage,
               round_number: RoundQuery = None) -> Response:
    """The same report as a PDF, drawn by a render worker (or a page saying it is being drawn)."""
    lang = language(request, workshop)
    if round_number is not None:
        rounds.get_round(session, workshop=workshop, number=round_number)  # NotFound: a clear page
    return file_response(request, workshop, "pdf", lang, ("application/pdf", "pdf"), disposition="inline",
                         page_lang=lang, round_number=round_number)
