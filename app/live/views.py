"""What each live view shows: one context builder per view, used by the page that first
draws it and by the hub that redraws it, so HTTP and websocket output cannot drift apart."""

from __future__ import annotations

import hashlib
from typing import Any

from fastapi.templating import Jinja2Templates
from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from app.errors import NotFound
from app.live import facilitation, rounds_view
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
    if outcome.round is not None:  # another round (or its mode, limits or criteria): another ballot
        r = outcome.round
        parts.append(f"round {r.id}|{r.mode}|{r.title}|{r.dots_per_participant}|{r.max_dots_per_project}|"
                     f"{r.per_strategy_budget}|{r.criteria}")
    shared_list = workshop.phase in (Phase.setup, Phase.propose)
    for s in [] if shared_list else sorted(outcome.standings, key=lambda s: s.project.id):
        p = s.project
        parts.append(f"{p.id}|{p.title}|{p.description}|{p.agency}|{s.strategy_ids}|{s.reform_area_ids}|{p.pinned}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def counts(session: Session, workshop: Workshop, *, by_agency: bool = True) -> dict[str, Any]:
    """Participation numbers, from aggregate queries: a redraw in a 5,000-phone room must not
    load 5,000 participant rows (that was 50 ms of every 60 ms render at 2,000 phones)."""
    round_id = rounds.current_round(session, workshop=workshop).id
    in_round = (Vote.workshop_id == workshop.id, Vote.round_id == round_id)
    participant_count = session.exec(select(func.count()).select_from(Participant)
                                     .where(Participant.workshop_id == workshop.id)).one()
    voter_count = session.exec(select(func.count(func.distinct(Vote.participant_id)))
                               .where(*in_round, Vote.dots > 0)).one()
    dots_cast = session.exec(select(func.coalesce(func.sum(Vote.dots), 0)).where(*in_round)).one()
    agency_rows: list[tuple[str, int, int]] = []
    if by_agency:
        agency = func.coalesce(Participant.agency, "")
        joined = session.exec(select(agency, func.count(), func.min(Participant.id))
                              .where(Participant.workshop_id == workshop.id).group_by(agency)).all()
        voted = dict(session.exec(select(agency, func.count(func.distinct(Vote.participant_id)))
                                  .join(Participant, Participant.id == Vote.participant_id)
                                  .where(*in_round, Vote.dots > 0).group_by(agency)).all())
        # Most participants first; ties in order of first arrival.
        agency_rows = [(a, int(n), int(voted.get(a, 0))) for a, n, _first in sorted(joined, key=lambda r: (-r[1], r[2]))]
    return {
        "participant_count": int(participant_count),
        "voter_count": int(voter_count),
        "dots_cast": int(dots_cast),
        "agency_rows": agency_rows,
    }


def view_context(session: Session, *, workshop: Workshop, view: str, lang: str,
                 base: str = "", memo: dict[Any, Any] | None = None) -> dict[str, Any]:
    """Everything the live partial of `view` needs. Views of one workshop drawn together share
    a `memo`, so the ranking and counts are computed once for all of them."""
    memo = {} if memo is None else memo
    if "outcome" not in memo:
        memo["outcome"] = results.compute(session, workshop=workshop)
    outcome = memo["outcome"]
    if ("counts", view == "facilitator") not in memo:
        memo[("counts", view == "facilitator")] = counts(session, workshop, by_agency=view == "facilitator")
    if ("labels", lang) not in memo:
        memo[("labels", lang)] = framework_labels(session, workshop, lang)
    show = workshops.tallies_visible(workshop, to_facilitator=view == "facilitator")
    values: dict[str, Any] = {
        "workshop": workshop,
        "outcome": outcome,
        "show_tallies": show,
        "phase": workshop.phase,
        "base": base,
        "join_url": f"{base}/j/{workshop.code}",
        **memo[("labels", lang)],
        **memo[("counts", view == "facilitator")],
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
    values.update(facilitation.context(session, workshop=workshop, view=view, outcome=outcome, memo=memo))
    values.update(rounds_view.context(session, workshop=workshop, view=view, outcome=outcome, memo=memo))
    return values


def make_renderer(engine: Engine, templates: Jinja2Templates):  # type: ignore[no-untyped-def]
    """The hub's renderer: (code, view, lang) -> the view's HTML, or None if the workshop is gone."""
    base_by_code: dict[str, str] = {}

    def render(code: str, view: str, lang: str) -> str | None:
        return render_many(code, [(code, view, lang)])[(code, view, lang)]

    def render_many(code: str, keys: list[tuple[str, str, str]]) -> dict[tuple[str, str, str], str | None]:
        """Every asked view of one workshop from one session and one ranking (one flush)."""
        with Session(engine, expire_on_commit=False) as session:
            try:
                workshop = workshops.get_workshop(session, code=code)
            except NotFound:
                return dict.fromkeys(keys)
            memo: dict[Any, Any] = {}
            return {key: render_text(templates, TEMPLATE[key[1]], key[2],
                                     **view_context(session, workshop=workshop, view=key[1], lang=key[2],
                                                    base=base_by_code.get(code, ""), memo=memo))
                    for key in keys}

    render.base_by_code = base_by_code  # type: ignore[attr-defined]
    render.render_many = render_many  # type: ignore[attr-defined]
    return render
