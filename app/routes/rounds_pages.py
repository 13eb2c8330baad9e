"""Pages for voting rounds: the console starts and switches rounds; phones score projects."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request
from pydantic import ValidationError
from sqlmodel import Session
from starlette.datastructures import FormData
from starlette.responses import Response

from app import i18n
from app.deps import BallotBoxDep, FacilitatorPage, SessionDep, WorkshopDep, limit, notify, page_key
from app.errors import DomainError, Invalid
from app.forms import FormDep
from app.i18n import N_
from app.services.views import view_context
from app.models import Workshop
from app.models.round import RoundCreate
from app.pages import console_live, language
from app.services import methods, round_setup, rounds
from app.services.access import Actor
from app.web import page

router = APIRouter(include_in_schema=False)

# The console's criteria rows: the first two are the axes of the impact/feasibility matrix.
CRITERION_KEYS = ("impact", "feasibility", "criterion_3", "criterion_4", "criterion_5")

# Which form field a problem belongs to, and the sentence shown beside it.
FIELD_MESSAGES = {
    "title": N_("At most 200 characters."),
    "dots_per_participant": N_("A whole number from 1 to 1000, or empty for the workshop's setting."),
    "max_dots_per_project": N_("A whole number from 1 to 1000, or empty for the workshop's setting."),
    "criteria": N_("Give each criterion a name (up to 200 characters) and a weight above 0 and at most 100."),
    "scope": N_("Keep at least one project, from a round that exists."),
}


def _number(value: Any) -> Any:
    text = str(value or "").strip()
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        return text  # refused by the model, with the field named


def _weight(value: Any) -> Any:
    text = str(value or "").strip().replace(",", ".")
    try:
        return float(text) if text else 1.0
    except ValueError:
        return text


def round_form(form: FormData) -> RoundCreate:
    """The console's form to the same model the JSON API validates."""
    mode = str(form.get("mode") or methods.DEFAULT.mode)
    data: dict[str, Any] = {"title": form.get("title", ""), "mode": mode}
    method = methods.METHODS.get(mode)  # an unknown mode is refused by the model, with the field named
    if method is not None and method.takes_dots:
        data.update(dots_per_participant=_number(form.get("dots_per_participant")),
                    max_dots_per_project=_number(form.get("max_dots_per_project")),
                    per_strategy_budget=form.get("per_strategy_budget") in ("on", "true", "1"))
    if method is not None and method.takes_criteria:
        criteria = [{"key": key, "name": str(form.get(f"criterion_name_{i}", "")).strip(),
                     "weight": _weight(form.get(f"criterion_weight_{i}"))}
                    for i, key in enumerate(CRITERION_KEYS, start=1)
                    if str(form.get(f"criterion_name_{i}", "")).strip()]
        data["criteria"] = criteria or None
    if form.get("scoped") in ("on", "true", "1"):
        data["scope"] = {"top_n": _number(form.get("top_n")), "from_round": _number(form.get("from_round"))}
    return RoundCreate.model_validate(data)


def _form_page(request: Request, session: Session, workshop: Workshop, lang: str, *,
               status_code: int = 200, errors: dict[str, str] | None = None, values: dict[str, Any] | None = None,
               message: str = "", actor: Actor | None = None) -> Response:
    """The round form, and the console's live part with it (picked out by hx-select-oob)."""
    context = view_context(session, workshop=workshop, view="facilitator", lang=lang, actor=actor)
    return page(request, "partials/_round_form_answer.html", lang, status_code=status_code,
                errors=errors or {}, form_values=values, message=message, **context)


@router.post("/w/{code}/facilitate/rounds")
def start_round(request: Request, workshop: WorkshopDep, session: SessionDep, facilitator: FacilitatorPage,
                form: Annotated[FormData, FormDep]) -> Response:
    """Start a new voting round from the console; it becomes the current round."""
    lang = language(request, workshop)
    try:
        round_in = round_form(form)
    except ValidationError as exc:
        errors: dict[str, str] = {}
        for error in exc.errors():
            field = str(error["loc"][0]) if error.get("loc") else "form"
            errors.setdefault(field, i18n.translate_error(FIELD_MESSAGES.get(field, N_("Check this value.")), {}, lang))
        return _form_page(request, session, workshop, lang, status_code=422, errors=errors, values=dict(form),
                          actor=facilitator)
    try:
        round_ = round_setup.create_round(session, workshop=workshop, actor=facilitator, round_in=round_in)
    except DomainError as exc:
        if exc.status_code not in (409, 422):
            raise
        return _form_page(request, session, workshop, lang, status_code=exc.status_code, values=dict(form),
                          errors={"form": i18n.translate_error(exc.template, exc.params, lang)}, actor=facilitator)
    notify(request, workshop.code)
    return _form_page(request, session, workshop, lang, message=rounds.label(round_), actor=facilitator)


@router.post("/w/{code}/facilitate/rounds/current")
def switch_round(request: Request, workshop: WorkshopDep, session: SessionDep, facilitator: FacilitatorPage,
                 form: Annotated[FormData, FormDep]) -> Response:
    """Make another round current again; answers with the console's live part."""
    number = _number(form.get("number"))
    if not isinstance(number, int):
        raise Invalid("Choose the round to make current.")
    rounds.switch_round(session, workshop=workshop, actor=facilitator, number=number)
    notify(request, workshop.code)
    return console_live(request, session, workshop, language(request, workshop), actor=facilitator)


@router.post("/w/{code}/scores/{project_id}")
async def score_from_phone(request: Request, code: str, project_id: int, box: BallotBoxDep,
                           form: Annotated[FormData, FormDep]) -> Response:
    """A tap on 1-5 for one criterion (0 takes the score back), through the ballot box like every
    vote; answers with that project's control and my scores."""
    method = methods.of("scoring")
    ballot = await box.submit(code=code, key=page_key(request, code, "participant", "facilitator", "screen"),
                              command=method.tap(project_id, form),
                              admit=lambda participant_id: limit(request, "vote", participant_id=participant_id))
    return page(request, method.tap_answer, language(request, ballot.language), **ballot.view())
