"""The participant's phone: join, propose, browse, spend dots."""

from __future__ import annotations

import uuid
from dataclasses import replace
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse
from pydantic import ValidationError
from starlette.datastructures import FormData
from sqlmodel import Session
from starlette.responses import Response

from app import i18n
from app.deps import (
    BallotBoxDep,
    CeilingsDep,
    MemoDep,
    ParticipantPage,
    SessionDep,
    WorkshopDep,
    limit,
    limit_join,
    notify,
    page_actor,
    page_key,
)
from app.errors import Conflict, Forbidden, Invalid, NotAuthenticated
from app.forms import FormDep, form_errors, project_form, project_update_form
from app.services.views import framework_labels, view_context
from app.models import Workshop
from app.models.participant import ParticipantJoin
from app.pages import language, no_store, set_key_cookie, with_device_cookie
from app.services import (groups, methods, participants, project_search, projects, rules, scoring, shuffle, voting,
                          workshops)
from app.services.access import Actor
from app.services.rules import Action
from app.versions import Memo
from app.web import page

router = APIRouter(include_in_schema=False)


def phone_context(session: Session, memo: Memo, workshop: Workshop, actor: Actor, lang: str, *,
                  query: str = "", offset: int = 0) -> dict[str, Any]:
    """The participant's own view: the shared live parts plus their ballot and proposals.

    The shared parts (ranking, counts, labels) are computed once per change of the workshop for
    every phone: when voting opens, every phone asks for its ballot at once (app.js, syncPhone),
    and at 2,000 phones, each computing them itself, the last ballot was drawn a minute later. A
    phone served a context a moment stale asks again: the live message's version then differs."""
    values = dict(memo.get(workshop.code, ("view", "phone", lang),
                           lambda: view_context(session, workshop=workshop, view="phone", lang=lang)))
    me = actor.participant
    assert me is not None  # a participant page's actor
    values["me"] = me
    # A group's participant at the plenary: the way back to their group's own page.
    values["my_group"] = session.get(Workshop, me.workshop_id) if me.workshop_id != workshop.id else None
    values["mine"] = voting.my_votes(session, workshop=workshop, participant=me)
    values["my_scores"] = scoring.my_scores(session, workshop=workshop, participant=me)
    values["request_id"] = uuid.uuid4().hex
    values.update(errors={}, values={}, selected={})
    values["agencies"] = workshops.list_agencies(session, workshop=workshop)
    values["my_projects"] = projects.list_by_proposer(session, workshop=workshop, participant_id=me.id)
    values["project_titles"] = {str(s.project.id): s.project.title for s in values["outcome"].standings}
    if workshop.shuffle_projects:  # this participant's own order, the same on every redraw
        values["shuffle_seed"] = seed = shuffle.seed(workshop_id=workshop.id, participant_id=me.id)
        values["ballot_order"] = shuffle.order(values["ballot_order"], seed=seed, project=lambda s: s.project)
    # A page of each list, found by `query`: a phone never gets thousands of projects at once.
    query = query.strip()[:project_search.QUERY_MAX]
    values["query"] = query
    for key in ("newest_first", "ballot_order"):
        found = values[key]
        if query:
            index = memo.get(workshop.code, ("search-index",),
                             lambda: project_search.index(values["outcome"].standings))
            found = project_search.search(found, query, index, key=lambda s: s.project.id)
        values[f"{key}_page"] = listed = project_search.page(found, offset)
        values[key] = listed.items
    if workshop.shuffle_projects:  # the newest proposals, in this phone's order (as app.js orders the live page)
        values["newest_first"] = shuffle.order(values["newest_first"], seed=values["shuffle_seed"],
                                               project=lambda s: s.project)
        values["newest_first_page"] = replace(values["newest_first_page"], items=values["newest_first"])
    return values


@router.get("/w/{code}")
def phone_page(request: Request, workshop: WorkshopDep, session: SessionDep, memo: MemoDep,
               q: str = "", offset: Annotated[int, Query(ge=0)] = 0) -> Response:
    """A phone's one page: the join form, or the view of the current phase (its lists found by
    `q` from `offset`: the links the search and "more" fall back to without a script)."""
    lang = language(request, workshop)
    try:
        actor = page_actor(request, session, workshop, Action.take_part)
    except (NotAuthenticated, Forbidden):  # not joined yet: that is what the join form is for
        return with_device_cookie(request, no_store(_join_page(request, session, workshop, lang)))
    return no_store(page(request, "pages/phone/index.html", lang, notice=_notice(session, actor),
                         **phone_context(session, memo, workshop, actor, lang, query=q, offset=offset)))


@router.get("/w/{code}/list")
def phone_list(request: Request, workshop: WorkshopDep, session: SessionDep, memo: MemoDep, actor: ParticipantPage,
               q: str = "", offset: Annotated[int, Query(ge=0)] = 0) -> Response:
    """One page of the phone's list of the phase (proposals, or the ballot), found by `q`: the
    search box and the "more" button fetch these items."""
    lang = language(request, workshop)
    return no_store(page(request, "partials/_phone_list_items.html", lang,
                         **phone_context(session, memo, workshop, actor, lang, query=q, offset=offset)))


def _notice(session: Session, actor: Actor) -> str | None:
    """A message left for this phone (dots a merge gave back), shown on this drawing only."""
    assert actor.participant is not None  # a participant page's actor
    return participants.take_notice(session, participant=actor.participant)


def _join_page(request: Request, session: Session, workshop: Workshop, lang: str, *, status_code: int = 200,
               values: dict[str, Any] | None = None, errors: dict[str, str] | None = None) -> Response:
    """The join form: the invited agencies to pick from (a typed name only where the workshop
    takes one), and the event's groups to choose from when it has groups."""
    invited = workshops.list_agencies(session, workshop=workshop)
    event = groups.event_of(session, workshop)
    return page(request, "pages/phone/join.html", lang, status_code=status_code, workshop=workshop,
                values=values or {}, errors=errors or {}, agencies=invited,
                typing_allowed=participants.typing_allowed(workshop, invited), event=event,
                groups=groups.list_groups(session, event=workshop) if workshop.parent_id is None else [])


def _chosen_group(form: FormData) -> int | None:
    """The group picked on the event's join form (None: no group picked)."""
    value = str(form.get("group_id", "")).strip()
    if not value:
        return None
    if not value.isdigit():
        raise Invalid("Choose your group from the list.")
    return int(value)


@router.post("/w/{code}/join")
def join_from_phone(request: Request, workshop: WorkshopDep, session: SessionDep, ceilings: CeilingsDep,
                    form: Annotated[FormData, FormDep]) -> Response:
    lang = language(request, workshop)
    limit_join(request, session, workshop)
    try:
        join_in = ParticipantJoin.model_validate({"name": form.get("name", ""), "agency": form.get("agency", "")})
    except ValidationError as exc:
        return _join_page(request, session, workshop, lang, status_code=422, values=dict(form),
                          errors=form_errors(exc, lang))
    try:
        place = groups.joining(session, workshop=workshop, group_id=_chosen_group(form))
        if place.id == workshop.id and workshop.parent_id is None and groups.has_groups(session, event=workshop):
            raise Invalid("Choose your group from the list.")
    except Invalid as exc:  # said beside the group list, the name kept
        return _join_page(request, session, workshop, lang, status_code=422, values=dict(form),
                          errors={"group_id": i18n.translate_error(exc.template, exc.params, lang)})
    try:
        _participant, token = participants.join(session, workshop=place, join_in=join_in, ceilings=ceilings)
    except Invalid as exc:  # an agency off the invited list: said beside the agency, the name kept
        return _join_page(request, session, workshop, lang, status_code=422, values=dict(form),
                          errors={"agency": i18n.translate_error(exc.template, exc.params, lang)})
    except Conflict as exc:  # full, or too many typed agencies: the form again, with what was typed
        return _join_page(request, session, workshop, lang, status_code=409, values=dict(form),
                          errors={"form": i18n.translate_error(exc.template, exc.params, lang)})
    notify(request, place.code, projects=())  # a join changes no project (the kept list stays)
    response = RedirectResponse(f"/w/{place.code}", status_code=303)
    set_key_cookie(request, response, role="participant", code=place.code, key=token)
    if place.parent_id is not None:
        # The same phone votes in the plenary at the event's code: its token is known there too.
        event = groups.event_of(session, place)
        notify(request, event.code, projects=())
        set_key_cookie(request, response, role="participant", code=event.code, key=token)
    return with_device_cookie(request, response)


@router.get("/w/{code}/me")
def phone_main(request: Request, workshop: WorkshopDep, session: SessionDep, memo: MemoDep,
               actor: ParticipantPage) -> Response:
    """The phase view alone, fetched again when the phase or the list of projects changes."""
    lang = language(request, workshop)
    return no_store(page(request, "partials/_phone_main.html", lang, notice=_notice(session, actor),
                         **phone_context(session, memo, workshop, actor, lang)))


@router.post("/w/{code}/proposals")
def propose_from_phone(request: Request, workshop: WorkshopDep, session: SessionDep, ceilings: CeilingsDep,
                       actor: ParticipantPage, form: Annotated[FormData, FormDep]) -> Response:
    """Send a proposal; answers with a fresh form (and keeps the typed one on error)."""
    limit(request, "propose", participant_id=actor.participant_id)
    lang = language(request, workshop)
    labels = framework_labels(session, workshop, lang)
    common = {"workshop": workshop, "me": actor.participant, **labels,
              "agencies": workshops.list_agencies(session, workshop=workshop)}
    try:
        project_in = project_form(form)
    except ValidationError as exc:
        return page(request, "partials/_propose_form.html", lang, status_code=422, values=dict(form),
                    selected=_selected(form), errors=form_errors(exc, lang),
                    request_id=form.get("client_request_id") or uuid.uuid4().hex, **common)
    try:
        project, created = projects.create_project(session, workshop=workshop, actor=actor, project_in=project_in,
                                                   ceilings=ceilings)
    except Invalid as exc:
        return page(request, "partials/_propose_form.html", lang, status_code=422, values=dict(form),
                    selected=_selected(form), errors={"form": i18n.translate_error(exc.template, exc.params, lang)},
                    request_id=form.get("client_request_id") or uuid.uuid4().hex, **common)
    if created:
        notify(request, workshop.code, projects=[project.id])
    return page(request, "partials/_propose_form.html", lang, values={}, selected={}, errors={},
                sent=project, request_id=uuid.uuid4().hex, **common)


def _selected(form: FormData) -> dict[str, set[str]]:
    # Ticked ids are text; a file sent under their name is none of them.
    return {name: {v for v in form.getlist(name) if isinstance(v, str)} for name in ("strategy_ids", "reform_area_ids")}


@router.post("/w/{code}/ballot/{project_id}")
async def vote_from_phone(request: Request, code: str, project_id: int, box: BallotBoxDep,
                          form: Annotated[FormData, FormDep]) -> Response:
    """The + and - buttons: one dot more or less, through the ballot box like every vote;
    answers with that project's control, the budget and my votes (tallies reach phones live)."""
    method = methods.of("dots")
    ballot = await box.submit(code=code, key=page_key(request, code, "participant", "facilitator", "screen"),
                              command=method.tap(project_id, form),
                              admit=lambda participant_id: limit(request, "vote", participant_id=participant_id))
    return page(request, method.tap_answer, language(request, ballot.language), **ballot.view())


@router.get("/w/{code}/mine")
def my_proposals(request: Request, workshop: WorkshopDep, session: SessionDep, memo: MemoDep,
                 actor: ParticipantPage) -> Response:
    """The participant's own proposals and what became of them (waiting, shown, hidden, merged)."""
    lang = language(request, workshop)
    return no_store(page(request, "partials/_my_proposals.html", lang,
                         **phone_context(session, memo, workshop, actor, lang)))


def _my_editor(request: Request, session: Session, workshop: Workshop, actor: Actor, project_id: int, *,
               status_code: int = 200, **values: Any) -> Response:
    lang = language(request, workshop)
    project = projects.get_project(session, workshop=workshop, project_id=project_id)
    rules.check(Action.edit_project, actor, project=project)  # their own only (the phase: on saving)
    detail = projects.public(session, project)
    values.setdefault("selected", {"strategy_ids": set(detail.strategy_ids),
                                   "reform_area_ids": set(detail.reform_area_ids)})
    values.setdefault("errors", {})
    values.setdefault("values", None)
    return page(request, "partials/_my_proposal_editor.html", lang, status_code=status_code, workshop=workshop,
                project=project, **framework_labels(session, workshop, lang), **values)


@router.get("/w/{code}/mine/{project_id}")
def edit_my_proposal(request: Request, project_id: int, workshop: WorkshopDep, session: SessionDep,
                     actor: ParticipantPage, close: bool = False) -> Response:
    """The edit form for one of my proposals (empty with ?close=1: the form is put away)."""
    if close:
        return Response("", media_type="text/html")
    return _my_editor(request, session, workshop, actor, project_id)


@router.post("/w/{code}/mine/{project_id}")
def save_my_proposal(request: Request, project_id: int, workshop: WorkshopDep, session: SessionDep, memo: MemoDep,
                     actor: ParticipantPage, form: Annotated[FormData, FormDep]) -> Response:
    """Save my changes (while proposing); answers with a note and my refreshed list."""
    lang = language(request, workshop)
    try:
        project_in = project_update_form(form)
    except ValidationError as exc:
        return _my_editor(request, session, workshop, actor, project_id, status_code=422, errors=form_errors(exc, lang),
                          values=dict(form), selected={k: {int(v) for v in ids if v.isdigit()}
                                                       for k, ids in _selected(form).items()})
    project = projects.update_project(session, workshop=workshop, actor=actor, project_id=project_id,
                                      project_in=project_in)
    notify(request, workshop.code, projects=[project.id])
    context = phone_context(session, memo, workshop, actor, lang)
    return no_store(page(request, "partials/_my_proposal_saved.html", lang, saved=project, **context))
