"""The JSON export: everything needed to rebuild the workshop (json_import.py reads it back),
and its results for readers. The format is `app/models/exchange.py`'s FORMAT and VERSION."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlmodel import Session, col, select

from app.models import Agency, ReformArea, Round, Score, Strategy, Vote, Workshop, utcnow
from app.models.exchange import FORMAT, VERSION
from app.services import participants as participants_service
from app.services import projects as projects_service
from app.services import action_log, groups, lineage, results, rounds, workshops
from app.services.exports.format import ExportFormat


def export_data(session: Session, *, workshop: Workshop) -> dict[str, Any]:
    """Everything needed to rebuild the workshop, and its results for readers; for a large
    event also its groups (each with its own participants, projects, votes and rounds), where
    its plenary projects came from, and the action log."""
    lang = workshop.language
    data: dict[str, Any] = {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": _iso(utcnow()),
        "workshop": {
            "title": workshop.title,
            "description": workshop.description,
            "language": workshop.language,
            "phase": str(workshop.phase),
            "framework": workshop.framework,
            **_settings(workshop),
            "time_zone": workshop.time_zone,
            "strategies_label": workshop.strategies_label,
            "reform_areas_label": workshop.reform_areas_label,
            "created_at": _iso(workshop.created_at),
            "current_round": rounds.current_round(session, workshop=workshop).number,
        },
        "strategies": [
            {"id": s.id, "code": s.code, "parent_id": s.parent_id, **_names(s, lang)}
            for s in workshops.list_strategies(session, workshop=workshop)
        ],
        "reform_areas": [
            {"id": r.id, "code": r.code, "parent_id": r.parent_id, **_names(r, lang)}
            for r in workshops.list_reform_areas(session, workshop=workshop)
        ],
        "agencies": [
            {"id": a.id, **_names(a, lang)}
            for a in workshops.list_agencies(session, workshop=workshop)
        ],
        **_work(session, workshop),
    }
    if workshop.parent_id is None and (event_groups := groups.list_groups(session, event=workshop)):
        number_of = {g.id: g.group_number for g in event_groups}
        data["groups"] = [{
            "number": g.group_number, "name": g.title, "phase": str(g.phase), **_settings(g),
            "created_at": _iso(g.created_at), "current_round": rounds.current_round(session, workshop=g).number,
            **_work(session, g),
        } for g in event_groups]
        data["lineage"] = [
            {"project_id": s.project_id, "group": number_of[s.group_id], "source_project_id": s.source_project_id,
             "rank": s.rank, "dots": s.dots}
            for sources in lineage.event_lineage(session, event=workshop).values() for s in sources]
    data["action_log"] = _action_log(session, workshop)  # the event's whole log, its groups' entries too
    return data


def _settings(workshop: Workshop) -> dict[str, Any]:
    """The settings a group copies from its event when it is made (and may differ in later)."""
    return {
        "dots_per_participant": workshop.dots_per_participant,
        "max_dots_per_project": workshop.max_dots_per_project,
        "show_live_tallies": workshop.show_live_tallies,
        "premoderate": workshop.premoderate,
        "shuffle_projects": workshop.shuffle_projects,
        "require_strategy": workshop.require_strategy,
        "typed_agencies": workshop.typed_agencies,
    }


def _work(session: Session, workshop: Workshop) -> dict[str, Any]:
    """A workshop's (or group's) own participants, projects, votes, rounds, scores and results."""
    all_rounds = rounds.list_rounds(session, workshop=workshop)
    number_of = {r.id: r.number for r in all_rounds}
    votes = session.exec(
        select(Vote)
        .where(Vote.workshop_id == workshop.id)
        .order_by(col(Vote.round_id), col(Vote.participant_id), col(Vote.project_id))
    )
    scores = session.exec(
        select(Score)
        .where(Score.workshop_id == workshop.id)
        .order_by(col(Score.round_id), col(Score.participant_id), col(Score.project_id), col(Score.criterion))
    )
    return {
        "participants": [
            {"id": p.id, "name": p.name, "agency": p.agency, "created_at": _iso(p.created_at)}
            for p in participants_service.list_participants(session, workshop=workshop)
        ],
        "projects": [
            {**p.model_dump(mode="json", exclude={"edit_pending"}), "created_at": _iso(p.created_at)}
            for p in projects_service.list_public(session, workshop=workshop, include_removed=True)
        ],
        "votes": [
            {"participant_id": v.participant_id, "project_id": v.project_id, "dots": v.dots,
             "round": number_of[v.round_id]}
            for v in votes
        ],
        "rounds": [_round_data(session, workshop, r, number_of) for r in all_rounds],
        "scores": [
            {"participant_id": c.participant_id, "project_id": c.project_id, "round": number_of[c.round_id],
             "criterion": c.criterion, "value": c.value}
            for c in scores
        ],
        "results": results.to_public(results.compute(session, workshop=workshop)).model_dump(
            mode="json"
        ),
    }


def _action_log(session: Session, workshop: Workshop) -> list[dict[str, Any]]:
    """The action log, oldest first: an event's whole log (each entry with its group's number),
    or a group's own entries."""
    found = (action_log.entries(session, event=workshop) if workshop.parent_id is None
             else action_log.entries_in(session, workshop=workshop))
    numbers = {w.id: w.group_number for w in session.exec(select(Workshop).where(
        col(Workshop.id).in_({e.workshop_id for e in found})))} if found else {}
    return [{"at": _iso(e.at if e.at.tzinfo else e.at.replace(tzinfo=UTC)), "who": e.who, "action": e.action,
             "detail": action_log.describe(e),
             "group": numbers.get(e.workshop_id) if e.workshop_id != workshop.id else None,
             **({"message": message} if (message := action_log.message_of(e)) else {})}
            for e in reversed(found)]


def _round_data(session: Session, workshop: Workshop, round_: Round, number_of: dict[int, int]) -> dict[str, Any]:
    scope = rounds.scope(session, round_=round_)
    return {
        "number": round_.number,
        "title": round_.title,
        "mode": round_.mode,
        "dots_per_participant": round_.dots_per_participant,
        "max_dots_per_project": round_.max_dots_per_project,
        "per_strategy_budget": round_.per_strategy_budget,
        "criteria": [c.model_dump() for c in rounds.criteria(round_)],
        "scope": None if scope is None else {
            "top_n": round_.scope_top_n,
            "from_round": number_of.get(round_.scope_round_id) if round_.scope_round_id else None,
            "project_ids": sorted(scope),
        },
        "created_at": _iso(round_.created_at),
        "results": results.to_public(results.compute(session, workshop=workshop, round_id=round_.id)).model_dump(
            mode="json"
        ),
    }


def _iso(moment: datetime) -> str:
    return moment.isoformat()


def _names(entry: Strategy | ReformArea | Agency, lang: str) -> dict[str, str | None]:
    return {"name_th": entry.name_th, "name_en": entry.name_en, "name": entry.name_in(lang)}


def write(session: Session, workshop: Workshop, lang: str, round_number: int | None = None) -> bytes:
    """The export as a file: UTF-8 with Thai written as it is (no escapes), indented; always the
    whole workshop (it rebuilds it), whatever round is asked for."""
    return json.dumps(export_data(session, workshop=workshop), ensure_ascii=False, indent=2).encode()


# The same file whatever the reader's language: the data carries both names of every tag.
EXPORT = ExportFormat(name="json", media_type="application/json", extension="json", label="JSON",
                      write=write, localised=False, position=30, by_round=False)
