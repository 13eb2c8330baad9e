"""The facilitator's console: phases, tallies, moderation, links and exports."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse
from pydantic import ValidationError
from sqlmodel import Session
from starlette.datastructures import FormData
from starlette.responses import Response

from app.deps import (
    FacilitatorPage,
    MemoDep,
    SessionDep,
    SettingsDep,
    WorkshopDep,
    base_url,
    cookie_name,
    notify,
    notify_groups,
)
from app.errors import Invalid, NotAuthenticated
from app.forms import FormDep, form_errors, project_update_form, settings_form
from app.services.views import framework_labels, view_context
from app.models import Phase, Workshop
from app.models.workshop import OwnPresetIn, TimerIn, WorkshopSettingsUpdate
from app.pages import FLASH_COOKIE, console_live, facilitators_values, groups_card, language, no_store, set_key_cookie
from app.services import (duplicates, groups, moderation, own_presets, project_search, projects, rules,
                          screen_control, timer, workshops)
from app.services.access import Actor, Role, identify
from app.services.exports.registry import FORMATS as EXPORT_FORMATS
from app.services.rules import Action
from app.web import page

router = APIRouter(include_in_schema=False)


def _chosen_id(value: str) -> int | None:
    if not value.strip():
        return None
    if not value.strip().isdigit():
        raise Invalid("Choose a strategy or reform area from the list.")
    return int(value)


# Before the secret link's route, which would take "projects-table" for a key.
@router.get("/w/{code}/facilitate/projects-table")
def projects_table(request: Request, workshop: WorkshopDep, session: SessionDep, memo: MemoDep,
                   facilitator: FacilitatorPage, q: str = "", strategy: str = "", area: str = "", agency: str = "",
                   offset: Annotated[int, Query(ge=0)] = 0) -> Response:
    """A page of the console's projects table, found by words, strategy, reform area and agency."""
    lang = language(request, workshop)
    values = view_context(session, workshop=workshop, view="facilitator", lang=lang, actor=facilitator)
    chosen = project_search.Filter(query=q.strip()[:project_search.QUERY_MAX], strategy_id=_chosen_id(strategy),
                                   area_id=_chosen_id(area), agency=agency.strip())
    standings = values["outcome"].standings
    found = project_search.filtered(standings, chosen, lambda: memo.get(
        workshop.code, ("search-index",), lambda: project_search.index(standings)))
    values.update(console_filter=chosen,
                  console_page=project_search.page(found, offset, project_search.CONSOLE_PAGE))
    return no_store(page(request, "partials/_console_projects.html", lang, **values))


@router.get("/w/{code}/facilitate/{key}")
def open_facilitator_link(request: Request, key: str, workshop: WorkshopDep, session: SessionDep) -> Response:
    """The secret link: keep the key in an HttpOnly cookie and drop it from the address bar."""
    # A secret link opens with its own key only: any other is 401, whoever's it is.
    if not rules.allows(Action.facilitate, identify(session, workshop=workshop, key=key), workshop):
        raise NotAuthenticated("This facilitator link is not valid for this workshop.")
    response = RedirectResponse(f"/w/{workshop.code}/facilitate", status_code=303)
    set_key_cookie(request, response, role="facilitator", code=workshop.code, key=key)
    return no_store(response)


def _change_settings(request: Request, session: Session, workshop: Workshop, actor: Actor,
                     settings_in: WorkshopSettingsUpdate) -> Response:
    """Apply a console toggle, tell every view, and answer with the redrawn console."""
    workshops.update_settings(session, workshop=workshop, actor=actor, settings_in=settings_in)
    notify(request, workshop.code)
    return console_live(request, session, workshop, language(request, workshop), actor=actor)


# The console's controls that only some roles may use: the page asks the rules table for each.
CONSOLE_ACTIONS = (Action.change_settings, Action.import_projects, Action.export, Action.save_framework,
                   Action.start_round, Action.manage_groups)


@router.get("/w/{code}/facilitate")
def facilitator_page(request: Request, workshop: WorkshopDep, session: SessionDep, settings: SettingsDep,
                     facilitator: FacilitatorPage) -> Response:
    lang = language(request, workshop)
    key = request.cookies.get(cookie_name("facilitator", workshop.code), "")
    base = base_url(request, settings)
    just_created = request.cookies.get(FLASH_COOKIE) == workshop.code
    values = view_context(session, workshop=workshop, view="facilitator", lang=lang, base=base, actor=facilitator)
    # What this role may ever do (ignoring the phase: a closed workshop's console still shows
    # what its role may reopen); the live parts are drawn per role from the same rule.
    can = values["can"]
    shown_key, screen_key = groups.console_keys(session, workshop=workshop, key=key)
    # The Groups card where view_context drew its live list (an event's console that shows it).
    card = groups_card(request, session, workshop, facilitator, base) if "groups_status" in values else None
    link_card = facilitators_values(session, groups.event_of(session, workshop)) if can["manage_links"] else {}
    response = page(request, "pages/facilitator/index.html", lang, just_created=just_created,
                    facilitator_url=f"{base}/w/{workshop.code}/facilitate/{shown_key or key}",
                    # A named link's holder opens the screen with their console cookie instead.
                    screen_url=f"{base}/w/{workshop.code}/screen" + (f"/{screen_key}" if screen_key else ""),
                    export_formats=list(EXPORT_FORMATS.values()), groups_card=card,
                    group_facilitator_url=f"{base}/w/{workshop.code}/facilitate/{shown_key}" if shown_key else "",
                    **link_card, issued=None, revoked=None,
                    **values)
    if just_created:
        response.delete_cookie(FLASH_COOKIE)
    return no_store(response)


@router.post("/w/{code}/facilitate/phase")
def change_phase(request: Request, workshop: WorkshopDep, session: SessionDep,
                 form: Annotated[FormData, FormDep], facilitator: FacilitatorPage) -> Response:
    try:
        phase = Phase(str(form.get("phase", "")))
    except ValueError:
        raise Invalid("Unknown phase.") from None
    workshops.set_phase(session, workshop=workshop, actor=facilitator, phase=phase)
    notify(request, workshop.code)
    notify_groups(request, session, workshop)
    return console_live(request, session, workshop, language(request, workshop), actor=facilitator)


@router.post("/w/{code}/facilitate/tallies")
def toggle_tallies(request: Request, workshop: WorkshopDep, session: SessionDep,
                   form: Annotated[FormData, FormDep], facilitator: FacilitatorPage) -> Response:
    show = form.get("show") == "on"
    return _change_settings(request, session, workshop, facilitator, WorkshopSettingsUpdate(show_live_tallies=show))


@router.get("/w/{code}/facilitate/projects/{project_id}")
def project_editor(request: Request, project_id: int, workshop: WorkshopDep, session: SessionDep,
                   facilitator: FacilitatorPage) -> Response:
    """The moderation panel for one project: edit, hide, restore or merge."""
    lang = language(request, workshop)
    return _editor(request, session, workshop, lang, project_id, actor=facilitator)


def _editor(request: Request, session: Session, workshop: Workshop, lang: str, project_id: int,
            errors: dict[str, str] | None = None, values: dict[str, Any] | None = None, status_code: int = 200,
            message: str = "", actor: Actor | None = None) -> Response:
    project = projects.get_project(session, workshop=workshop, project_id=project_id, include_removed=True)
    others = [p for p in projects.list_projects(session, workshop=workshop) if p.id != project.id]
    # The merge form starts on the likeliest duplicate (else the first project), compared side by side.
    facilitator = actor or Actor(Role.facilitator)  # the editor shows what the asker's role may do
    preview = suggested = None
    if others and not (project.hidden or project.merged_into_id) and rules.allows(Action.merge_projects, facilitator,
                                                                                   workshop):
        suggested = duplicates.suggested_target(session, workshop=workshop, project=project)
        preview = projects.merge_preview(session, workshop=workshop, actor=facilitator, project_id=project.id,
                                         into_id=(suggested or others[0]).id)
    return page(request, "partials/_project_editor.html", lang, status_code=status_code, workshop=workshop,
                project=project, detail=projects.public(session, project), others=others, errors=errors or {},
                values=values, message=message, preview=preview, suggested_id=suggested.id if suggested else None,
                can=rules.permitted(facilitator),
                **framework_labels(session, workshop, lang))


@router.get("/w/{code}/facilitate/projects/{project_id}/merge")
def compare_for_merge(request: Request, project_id: int, workshop: WorkshopDep, session: SessionDep,
                      facilitator: FacilitatorPage, into: int = 0) -> Response:
    """The two projects side by side, with what the merge would make, and the button that merges."""
    lang = language(request, workshop)
    preview = projects.merge_preview(session, workshop=workshop, actor=facilitator, project_id=project_id,
                                     into_id=into)
    return page(request, "partials/_merge_compare.html", lang, workshop=workshop, preview=preview,
                **framework_labels(session, workshop, lang))


@router.post("/w/{code}/facilitate/projects/{project_id}")
def save_project(request: Request, project_id: int, workshop: WorkshopDep, session: SessionDep,
                 form: Annotated[FormData, FormDep], facilitator: FacilitatorPage) -> Response:
    lang = language(request, workshop)
    try:
        project_in = project_update_form(form)
    except ValidationError as exc:
        return _editor(request, session, workshop, lang, project_id, errors=form_errors(exc, lang),
                       values=dict(form), status_code=422, actor=facilitator)
    projects.update_project(session, workshop=workshop, actor=facilitator, project_id=project_id,
                            project_in=project_in)
    notify(request, workshop.code, projects=[project_id])
    return _editor(request, session, workshop, lang, project_id, message="saved", actor=facilitator)


@router.post("/w/{code}/facilitate/projects/{project_id}/hide")
def hide_project(request: Request, project_id: int, workshop: WorkshopDep, session: SessionDep,
                 facilitator: FacilitatorPage) -> Response:
    projects.hide_project(session, workshop=workshop, actor=facilitator, project_id=project_id)
    notify(request, workshop.code, projects=[project_id])
    return _editor(request, session, workshop, language(request, workshop), project_id, message="hidden",
                   actor=facilitator)


@router.post("/w/{code}/facilitate/projects/{project_id}/restore")
def restore_project(request: Request, project_id: int, workshop: WorkshopDep, session: SessionDep,
                    facilitator: FacilitatorPage) -> Response:
    projects.restore_project(session, workshop=workshop, actor=facilitator, project_id=project_id)
    notify(request, workshop.code, projects=[project_id])
    return _editor(request, session, workshop, language(request, workshop), project_id, message="restored",
                   actor=facilitator)


@router.post("/w/{code}/facilitate/projects/{project_id}/merge")
def merge_project(request: Request, project_id: int, workshop: WorkshopDep, session: SessionDep,
                  form: Annotated[FormData, FormDep], facilitator: FacilitatorPage) -> Response:
    try:
        into = int(str(form.get("into", "")))
    except ValueError:
        raise Invalid("Choose the project to merge into.") from None
    target = projects.merge_projects(session, workshop=workshop, actor=facilitator, project_id=project_id,
                                     into_id=into)
    notify(request, workshop.code, projects=[project_id, target.id])
    return _editor(request, session, workshop, language(request, workshop), target.id, message="merged",
                   actor=facilitator)


# --- facilitation: timer, screen view, reveal, pre-moderation, the moderation queue ---


def _minutes(value: object) -> float | None:
    text = str(value or "").strip().replace(",", ".")
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        raise Invalid("Give the timer's minutes as a number.") from None


@router.post("/w/{code}/facilitate/timer")
def control_timer(request: Request, workshop: WorkshopDep, session: SessionDep,
                  form: Annotated[FormData, FormDep], facilitator: FacilitatorPage) -> Response:
    """The timer's buttons: start (minutes, next phase at zero), +1 min, pause, resume, stop."""
    try:
        timer_in = TimerIn.model_validate({
            "action": form.get("action", ""), "minutes": _minutes(form.get("minutes")),
            "auto_advance": ((form.get("auto_advance") in ("on", "true", "1")) if form.get("action") == "start"
                             else None),
        })
    except ValidationError:
        raise Invalid("The timer needs a known action and a number of minutes above 0 and up to 600.") from None
    timer.apply(session, workshop=workshop, actor=facilitator, action=timer_in.action, minutes=timer_in.minutes,
                auto_advance=timer_in.auto_advance)
    notify(request, workshop.code)
    return console_live(request, session, workshop, language(request, workshop), actor=facilitator)


@router.post("/w/{code}/facilitate/screen-view")
def choose_screen_view(request: Request, workshop: WorkshopDep, session: SessionDep,
                       form: Annotated[FormData, FormDep], facilitator: FacilitatorPage) -> Response:
    workshops.set_screen_view(session, workshop=workshop, actor=facilitator, view=str(form.get("view", "")))
    notify(request, workshop.code)
    return console_live(request, session, workshop, language(request, workshop), actor=facilitator)


@router.post("/w/{code}/facilitate/screen-page")
def step_screen_page(request: Request, workshop: WorkshopDep, session: SessionDep,
                     form: Annotated[FormData, FormDep], facilitator: FacilitatorPage) -> Response:
    """The console's page buttons: previous, next, hold this page, or let the pages turn."""
    screen_control.step_page(session, workshop=workshop, actor=facilitator, step=str(form.get("step", "")))
    notify(request, workshop.code)
    return console_live(request, session, workshop, language(request, workshop), actor=facilitator)


@router.post("/w/{code}/facilitate/screen-drill")
def drill_screen(request: Request, workshop: WorkshopDep, session: SessionDep,
                 form: Annotated[FormData, FormDep], facilitator: FacilitatorPage) -> Response:
    """The console's drill buttons: show a strategy's children on the screen's per-strategy
    views (strategy_id) or a reform area's on its coverage map (area_id), or the top level (empty)."""
    areas = "area_id" in form
    text = str(form.get("area_id" if areas else "strategy_id", "")).strip()
    if text and not (text.isdigit() and len(text) <= 12):
        if areas:
            raise Invalid("Choose a reform area to drill into, or none for the top level.")
        raise Invalid("Choose a strategy to drill into, or none for the top level.")
    entry = int(text) if text else None
    workshops.set_screen_drill(session, workshop=workshop, actor=facilitator, strategy_id=entry, area_id=entry,
                               areas=areas)
    notify(request, workshop.code)
    return console_live(request, session, workshop, language(request, workshop), actor=facilitator)


@router.post("/w/{code}/facilitate/reveal")
def reveal_results(request: Request, workshop: WorkshopDep, session: SessionDep,
                   facilitator: FacilitatorPage) -> Response:
    """Blind voting's end: show the tallies on the screen and the phones."""
    return _change_settings(request, session, workshop, facilitator, WorkshopSettingsUpdate(show_live_tallies=True))


@router.post("/w/{code}/facilitate/settings")
def save_settings(request: Request, workshop: WorkshopDep, session: SessionDep,
                  form: Annotated[FormData, FormDep], facilitator: FacilitatorPage) -> Response:
    """The settings card: shuffle, at least one strategy, typed agencies, time zone."""
    lang = language(request, workshop)
    try:
        settings_in = settings_form(form)
    except ValidationError as exc:
        return page(request, "partials/_workshop_settings.html", lang, status_code=422, workshop=workshop,
                    values=dict(form), errors=form_errors(exc, lang))
    workshops.update_settings(session, workshop=workshop, actor=facilitator, settings_in=settings_in)
    notify(request, workshop.code)
    return page(request, "partials/_workshop_settings.html", lang, workshop=workshop, saved=True)


@router.post("/w/{code}/facilitate/own-preset")
def save_own_preset(request: Request, workshop: WorkshopDep, session: SessionDep,
                    form: Annotated[FormData, FormDep], facilitator: FacilitatorPage) -> Response:
    """The "save as my preset" card: keep the framework and agencies, show the preset's id."""
    lang = language(request, workshop)
    try:
        preset_in = OwnPresetIn.model_validate({"title": form.get("title") or None})
    except ValidationError as exc:
        return page(request, "partials/_own_preset.html", lang, status_code=422, workshop=workshop,
                    values=dict(form), errors=form_errors(exc, lang))
    saved = own_presets.save(session, workshop=workshop, actor=facilitator, title=preset_in.title)
    return page(request, "partials/_own_preset.html", lang, workshop=workshop, saved=saved)


@router.post("/w/{code}/facilitate/premoderate")
def toggle_premoderation(request: Request, workshop: WorkshopDep, session: SessionDep,
                         form: Annotated[FormData, FormDep], facilitator: FacilitatorPage) -> Response:
    on = form.get("on") == "on"
    return _change_settings(request, session, workshop, facilitator, WorkshopSettingsUpdate(premoderate=on))


@router.post("/w/{code}/facilitate/projects/{project_id}/approve")
def approve_project(request: Request, project_id: int, workshop: WorkshopDep, session: SessionDep,
                    form: Annotated[FormData, FormDep], facilitator: FacilitatorPage) -> Response:
    projects.approve_project(session, workshop=workshop, actor=facilitator, project_id=project_id)
    notify(request, workshop.code, projects=[project_id])
    lang = language(request, workshop)
    if form.get("back") == "editor":
        return _editor(request, session, workshop, lang, project_id, message="approved", actor=facilitator)
    return console_live(request, session, workshop, lang, actor=facilitator)


@router.post("/w/{code}/facilitate/projects/{project_id}/reject")
def reject_project(request: Request, project_id: int, workshop: WorkshopDep, session: SessionDep,
                   facilitator: FacilitatorPage) -> Response:
    """Reject a proposal from the queue: it is hidden (and can be shown again)."""
    projects.hide_project(session, workshop=workshop, actor=facilitator, project_id=project_id)
    notify(request, workshop.code, projects=[project_id])
    return console_live(request, session, workshop, language(request, workshop), actor=facilitator)


@router.post("/w/{code}/facilitate/projects/{project_id}/edit/approve")
def approve_edit(request: Request, project_id: int, workshop: WorkshopDep, session: SessionDep,
                 facilitator: FacilitatorPage) -> Response:
    """Approve a proposer's change to a shown proposal: the new text replaces the old everywhere."""
    projects.approve_edit(session, workshop=workshop, actor=facilitator, project_id=project_id)
    notify(request, workshop.code, projects=[project_id])
    return console_live(request, session, workshop, language(request, workshop), actor=facilitator)


@router.post("/w/{code}/facilitate/projects/{project_id}/edit/reject")
def reject_edit(request: Request, project_id: int, workshop: WorkshopDep, session: SessionDep,
                facilitator: FacilitatorPage) -> Response:
    """Reject a proposer's change: the proposal keeps the text shown now."""
    projects.reject_edit(session, workshop=workshop, actor=facilitator, project_id=project_id)
    notify(request, workshop.code, projects=[project_id])
    return console_live(request, session, workshop, language(request, workshop), actor=facilitator)


@router.post("/w/{code}/facilitate/agencies/review")
def review_agency(request: Request, workshop: WorkshopDep, session: SessionDep,
                  form: Annotated[FormData, FormDep], facilitator: FacilitatorPage) -> Response:
    """Approve (the big screen may name it) or reject an agency name typed at join."""
    moderation.review_agency(session, workshop=workshop, actor=facilitator, name=str(form.get("name", "")),
                             approved=form.get("decision") == "approve")
    notify(request, workshop.code)
    return console_live(request, session, workshop, language(request, workshop), actor=facilitator)


@router.post("/w/{code}/facilitate/projects/{project_id}/pin")
def pin_project(request: Request, project_id: int, workshop: WorkshopDep, session: SessionDep,
                form: Annotated[FormData, FormDep], facilitator: FacilitatorPage) -> Response:
    pinned = form.get("pinned") == "on"
    projects.set_pinned(session, workshop=workshop, actor=facilitator, project_id=project_id, pinned=pinned)
    notify(request, workshop.code, projects=[project_id])
    lang = language(request, workshop)
    if form.get("back") == "editor":
        return _editor(request, session, workshop, lang, project_id, message="pinned" if pinned else "unpinned",
                       actor=facilitator)
    return console_live(request, session, workshop, lang, actor=facilitator)
