"""What each live view shows: one context builder per view, used by the page that first
draws it and by the hub that redraws it, so HTTP and websocket output cannot drift apart."""

from __future__ import annotations

import hashlib
from collections import Counter
from typing import Any

from fastapi.templating import Jinja2Templates
from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from app.errors import NotFound
from app.models import Participant, Phase, Vote, Workshop
from app.services import projects, results, rounds, workshops
from app.web import render_text

VIEWS = ("screen", "facilitator", "phone")
TEMPLATE = {
    "screen": "partials/_screen.html",
    "facilitator": "partials/_facilitator_live.html",
    "phone": "partials/_phone_live.html",
}


def framework_labels(session: Session, workshop: Workshop, lang: str) -> dict[str, Any]:
    strategies = workshops.list_strategies(session, workshop=workshop)
    areas = workshops.list_reform_areas(session, workshop=workshop)
    return {
        "strategies": strategies,
        "reform_areas": areas,
        "strategy_names": {s.id: s.name_in(lang) for s in strategies},
        "strategy_codes": {s.id: s.code for s in strategies},
        "area_names": {r.id: r.name_in(lang) for r in areas},
        "area_codes": {r.id: r.code for r in areas},
    }


def phone_version(workshop: Workshop, outcome: results.Outcome) -> str:
    """Changes whenever a phone must redraw its own view (phase, tally visibility, and the list
    of projects once it is a personal ballot or ranking). Tallies, and the proposal list while
    proposing, travel in the shared fragment instead: redrawing then would wipe a half-typed
    proposal on every phone each time anyone sends one."""
    parts = [workshop.phase, str(workshops.tallies_visible(workshop)), str(workshop.dots_per_participant),
             str(workshop.max_dots_per_project)]
    shared_list = workshop.phase in (Phase.setup, Phase.propose)
    for s in [] if shared_list else sorted(outcome.standings, key=lambda s: s.project.id):
        p = s.project
        parts.append(f"{p.id}|{p.title}|{p.description}|{p.agency}|{s.strategy_ids}|{s.reform_area_ids}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def counts(session: Session, workshop: Workshop) -> dict[str, Any]:
    participants = list(session.exec(select(Participant).where(Participant.workshop_id == workshop.id)))
    round_id = rounds.current_round(session, workshop=workshop).id
    voted = set(session.exec(select(Vote.participant_id).where(Vote.workshop_id == workshop.id,
                                                               Vote.round_id == round_id, Vote.dots > 0)
                             .distinct()))
    dots_cast = session.exec(select(func.coalesce(func.sum(Vote.dots), 0))
                             .where(Vote.workshop_id == workshop.id, Vote.round_id == round_id)).one()
    by_agency: Counter[str] = Counter(p.agency or "" for p in participants)
    voted_by_agency: Counter[str] = Counter(p.agency or "" for p in participants if p.id in voted)
    return {
        "participant_count": len(participants),
        "voter_count": len(voted),
        "dots_cast": int(dots_cast),
        "agency_rows": [(agency, n, voted_by_agency.get(agency, 0)) for agency, n in by_agency.most_common()],
    }


def view_context(session: Session, *, workshop: Workshop, view: str, lang: str,
                 base: str = "") -> dict[str, Any]:
    """Everything the live partial of `view` needs."""
    outcome = results.compute(session, workshop=workshop)
    show = workshops.tallies_visible(workshop, to_facilitator=view == "facilitator")
    values: dict[str, Any] = {
        "workshop": workshop,
        "outcome": outcome,
        "show_tallies": show,
        "phase": workshop.phase,
        "base": base,
        "join_url": f"{base}/j/{workshop.code}",
        **framework_labels(session, workshop, lang),
        **counts(session, workshop),
    }
    if view == "phone":
        values["version"] = phone_version(workshop, outcome)
    if view == "facilitator":
        removed = [p for p in projects.list_projects(session, workshop=workshop, include_removed=True)
                   if p.hidden or p.merged_into_id is not None]
        values["removed_projects"] = removed
    if view == "screen" and workshop.phase == Phase.propose:
        values["newest"] = sorted(outcome.standings, key=lambda s: (s.project.created_at, s.project.id),
                                  reverse=True)
    return values


def make_renderer(engine: Engine, templates: Jinja2Templates):  # type: ignore[no-untyped-def]
    """The hub's renderer: (code, view, lang) -> the view's HTML, or None if the workshop is gone."""
    base_by_code: dict[str, str] = {}

    def render(code: str, view: str, lang: str) -> str | None:
        with Session(engine, expire_on_commit=False) as session:
            try:
                workshop = workshops.get_workshop(session, code=code)
            except NotFound:
                return None
            values = view_context(session, workshop=workshop, view=view, lang=lang,
                                  base=base_by_code.get(code, ""))
            return render_text(templates, TEMPLATE[view], lang, **values)

    render.base_by_code = base_by_code  # type: ignore[attr-defined]
    return render
