"""Exports of a workshop (JSON to rebuild it, CSV and XLSX for planners) and the JSON import."""

from __future__ import annotations

import csv
import io
import json
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import chain, islice, zip_longest
from datetime import datetime
from typing import Any, TypeVar

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from pydantic import ValidationError
from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel, select

from app.errors import Conflict, Invalid, TooLarge
from app.models import (
    Agency,
    Participant,
    Project,
    ProjectReformArea,
    ProjectStrategy,
    ReformArea,
    Round,
    RoundProject,
    Score,
    Strategy,
    Vote,
    Workshop,
    utcnow,
)
from app.models.exchange import (
    FORMAT,
    VERSION,
    ProjectExport,
    RoundExport,
    WorkshopExport,
    WorkshopSettingsExport,
)
from app.services import ceilings as ceiling
from app.services import participants as participants_service
from app.services import projects as projects_service
from app.services import results, rounds, workshops
from app.services.access import hash_key, new_key, screen_key_for

Cell = str | int | None
Row = TypeVar("Row", bound=SQLModel)

# What a spreadsheet reads as the start of a formula (OWASP's list for CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

PROJECT_COLUMNS = [
    "rank",
    "project_id",
    "title",
    "description",
    "agency",
    "strategies",
    "reform_areas",
    "dots",
    "voters",
    "proposer",
    "created_at",
    "status",
]
BOLD = Font(bold=True)


def neutralise_cell(value: Cell) -> Cell:
    """Text a spreadsheet would run as a formula, made inert with a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


# --- JSON ---


def export_data(session: Session, *, workshop: Workshop) -> dict[str, Any]:
    """Everything needed to rebuild the workshop, and its results for readers."""
    lang = workshop.language
    all_rounds = rounds.list_rounds(session, workshop=workshop)
    number_of = {r.id: r.number for r in all_rounds}
    votes = session.exec(
        select(Vote)
        .where(Vote.workshop_id == workshop.id)
        .order_by(Vote.round_id, Vote.participant_id, Vote.project_id)
    )
    scores = session.exec(
        select(Score)
        .where(Score.workshop_id == workshop.id)
        .order_by(Score.round_id, Score.participant_id, Score.project_id, Score.criterion)
    )
    return {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": _iso(utcnow()),
        "workshop": {
            "title": workshop.title,
            "description": workshop.description,
            "language": workshop.language,
            "phase": str(workshop.phase),
            "framework": workshop.framework,
            "dots_per_participant": workshop.dots_per_participant,
            "max_dots_per_project": workshop.max_dots_per_project,
            "show_live_tallies": workshop.show_live_tallies,
            "premoderate": workshop.premoderate,
            "created_at": _iso(workshop.created_at),
            "current_round": rounds.current_round(session, workshop=workshop).number,
        },
        "strategies": [
            {"id": s.id, "code": s.code, **_names(s, lang)}
            for s in workshops.list_strategies(session, workshop=workshop)
        ],
        "reform_areas": [
            {"id": r.id, "code": r.code, **_names(r, lang)}
            for r in workshops.list_reform_areas(session, workshop=workshop)
        ],
        "agencies": [
            {"id": a.id, **_names(a, lang)}
            for a in workshops.list_agencies(session, workshop=workshop)
        ],
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


def import_workshop(session: Session, *, data: object,
                    ceilings: ceiling.Ceilings = ceiling.DEFAULT) -> tuple[Workshop, str, str]:
    """Rebuild an exported workshop as a new one (new code, new keys); returns it with the raw keys.

    Everything is checked before the first write, and all of it is written in one commit.
    """
    export = _parse(data)
    listed = {name.casefold() for agency in export.agencies for name in (agency.name_th, agency.name_en) if name}
    ceiling.check_import(participants=len(export.participants), projects=len(export.projects),
                         typed_agencies=len(ceiling.typed((p.agency for p in export.participants), listed)),
                         rounds=len(export.rounds), ceilings=ceilings)
    _check_references(export)
    # Derived as for a created workshop, so the console's screen link opens this screen.
    facilitator_key = new_key()
    screen_key = screen_key_for(facilitator_key)
    try:
        workshop = _insert_workshop(
            session,
            settings=export.workshop,
            key_hashes=(hash_key(facilitator_key), hash_key(screen_key)),
        )
        _insert_content(session, workshop=workshop, export=export)
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return workshop, facilitator_key, screen_key


def _parse(data: object) -> WorkshopExport:
    # Checked first so that some other JSON file gets one plain sentence, not a list of fields.
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise Invalid(
            'This is not a ruamkit workshop export: its "format" must be "{format}".', format=FORMAT
        )
    version = data.get("version")
    if type(version) is not int or version != VERSION:
        raise Invalid(
            "This export has version {version}; this version of ruamkit reads version {supported}.",
            version=str(version)[:20],
            supported=VERSION,
        )
    try:
        return WorkshopExport.model_validate(data)
    except ValidationError as exc:
        raise Invalid("The export is not valid: {problem}", problem=_describe(exc)) from None


def _describe(exc: ValidationError) -> str:
    """The first problem as `projects[2].title: <message>.`, and how many more there are."""
    errors = exc.errors(include_url=False, include_input=False)
    first = errors[0]
    message = str(first["ctx"]["error"]) if first["type"] == "value_error" else first["msg"]
    where = "".join(
        f"[{part}]" if isinstance(part, int) else f".{part}" for part in first["loc"]
    ).lstrip(".")
    text = f"{where}: {message}." if where else f"{message}."
    if len(errors) > 1:
        text += f" ({len(errors) - 1} more problem(s) after this one.)"
    return text


def _check_references(export: WorkshopExport) -> None:
    """Refuse ids that clash or point nowhere, and votes the workshop's rules would refuse."""
    for label, ids in (
        ("strategies", [e.id for e in export.strategies]),
        ("reform areas", [e.id for e in export.reform_areas]),
        ("agencies", [e.id for e in export.agencies]),
        ("participants", [e.id for e in export.participants]),
        ("projects", [e.id for e in export.projects]),
    ):
        if (twice := _first_duplicate(ids)) is not None:
            raise Invalid("Two {label} have the id {id}.", label=label, id=twice)
    for label, codes in (
        ("strategies", [e.code.casefold() for e in export.strategies]),
        ("reform areas", [e.code.casefold() for e in export.reform_areas]),
    ):
        if (twice := _first_duplicate(codes)) is not None:
            raise Invalid("Two {label} have the code {code}.", label=label, code=twice)
    strategy_ids = {e.id for e in export.strategies}
    reform_area_ids = {e.id for e in export.reform_areas}
    participant_ids = {p.id for p in export.participants}
    projects = {p.id: p for p in export.projects}
    for project in export.projects:
        if project.proposer_id is not None and project.proposer_id not in participant_ids:
            raise Invalid(
                "Project {project} was proposed by participant {participant}, "
                "who is not in the export.",
                project=project.id,
                participant=project.proposer_id,
            )
        for label, tag_ids, known in (
            ("strategy", project.strategy_ids, strategy_ids),
            ("reform area", project.reform_area_ids, reform_area_ids),
        ):
            for tag_id in tag_ids:
                if tag_id not in known:
                    raise Invalid(
                        "Project {project} is tagged with {label} {tag}, "
                        "which is not in the export.",
                        project=project.id,
                        label=label,
                        tag=tag_id,
                    )
        if project.merged_into_id == project.id:
            raise Invalid("Project {project} is merged into itself.", project=project.id)
        if project.merged_into_id is not None and project.merged_into_id not in projects:
            raise Invalid(
                "Project {project} is merged into project {target}, which is not in the export.",
                project=project.id,
                target=project.merged_into_id,
            )
    _check_merge_chains(projects)
    rounds_by_number = _check_rounds(export, projects=projects)
    _check_votes(export, projects=projects, participant_ids=participant_ids, rounds_by_number=rounds_by_number)
    _check_scores(export, projects=projects, participant_ids=participant_ids, rounds_by_number=rounds_by_number)


def _first_duplicate(values: Iterable[object]) -> object | None:
    seen: set[object] = set()
    for value in values:
        if value in seen:
            return value
        seen.add(value)
    return None


def _check_merge_chains(projects: dict[int, ProjectExport]) -> None:
    # A merged project may itself be the target of an earlier merge, but never of its own.
    for start in projects.values():
        seen = {start.id}
        current = start
        while current.merged_into_id is not None:
            previous, current = current, projects[current.merged_into_id]
            if current.id in seen:
                # The loop closes where `previous` is merged into a project already on the path.
                raise Invalid(
                    "Projects {project} and {other} are merged into each other, "
                    "directly or through others.",
                    project=current.id,
                    other=previous.id,
                )
            seen.add(current.id)


def _check_rounds(export: WorkshopExport, *, projects: dict[int, ProjectExport]) -> dict[int, RoundExport]:
    """The rounds by number (an export without rounds has round 1, dots on all projects)."""
    if not export.rounds:
        return {1: RoundExport(number=1)}
    by_number: dict[int, RoundExport] = {}
    for round_ in export.rounds:
        if round_.number in by_number:
            raise Invalid("Two rounds have the number {number}.", number=round_.number)
        by_number[round_.number] = round_
    for round_ in export.rounds:
        if round_.scope is None:
            continue
        source = round_.scope.from_round
        if source is not None and (source not in by_number or source >= round_.number):
            raise Invalid("Round {number} takes its short list from round {source}, which is not an earlier "
                          "round in the export.", number=round_.number, source=source)
        for project_id in round_.scope.project_ids:
            if project_id not in projects:
                raise Invalid("The short list of round {number} has project {project}, which is not in the export.",
                              number=round_.number, project=project_id)
    current = export.workshop.current_round
    if current is not None and current not in by_number:
        raise Invalid("The current round {number} is not in the export.", number=current)
    return by_number


def _usable(project: ProjectExport, round_: RoundExport, who: int, *, score: bool = False) -> None:
    """A vote or score may not be on a hidden or merged project, nor off its round's short list."""
    if project.hidden or project.merged_into_id is not None:
        # The app gives such dots and scores back, so a real export never has them.
        if score:
            raise Invalid("Participant {participant} has a score on project {project}, "
                          "which is hidden or merged into another.", participant=who, project=project.id)
        raise Invalid(
            "Participant {participant} has a vote on project {project}, "
            "which is hidden or merged into another.",
            participant=who,
            project=project.id,
        )
    if round_.scope is not None and project.id not in round_.scope.project_ids:
        raise Invalid("Participant {participant} has a vote or score in round {number} on project {project}, "
                      "which is not on that round's short list.",
                      participant=who, number=round_.number, project=project.id)


def _check_votes(
    export: WorkshopExport, *, projects: dict[int, ProjectExport], participant_ids: set[int],
    rounds_by_number: dict[int, RoundExport],
) -> None:
    used: Counter[tuple[int, int]] = Counter()
    used_in_strategy: Counter[tuple[int, int, int | None]] = Counter()
    pairs: set[tuple[int, int, int]] = set()
    for vote in export.votes:
        who, what = vote.participant_id, vote.project_id
        if who not in participant_ids:
            raise Invalid(
                "A vote is by participant {participant}, who is not in the export.", participant=who
            )
        if what not in projects:
            raise Invalid(
                "A vote is on project {project}, which is not in the export.", project=what
            )
        round_ = rounds_by_number.get(vote.round)
        if round_ is None:
            raise Invalid("A vote is in round {number}, which is not in the export.", number=vote.round)
        if round_.mode != "dots":
            raise Invalid("A vote is in round {number}, which scores projects instead of taking dots.",
                          number=vote.round)
        if (who, what, vote.round) in pairs:
            raise Invalid(
                "Participant {participant} has two votes on project {project}.",
                participant=who,
                project=what,
            )
        pairs.add((who, what, vote.round))
        _usable(projects[what], round_, who)
        cap = round_.max_dots_per_project or export.workshop.max_dots_per_project
        if vote.dots > cap:
            raise Invalid(
                "Participant {participant} has {dots} dots on project {project}, over the cap of "
                "{cap} per project.",
                participant=who,
                dots=vote.dots,
                project=what,
                cap=cap,
            )
        used[(who, vote.round)] += vote.dots
        for strategy in projects[what].strategy_ids or [None]:
            used_in_strategy[(who, vote.round, strategy)] += vote.dots
    for (who, number), dots in used.items():
        round_ = rounds_by_number[number]
        budget = round_.dots_per_participant or export.workshop.dots_per_participant
        if round_.per_strategy_budget:
            continue
        if dots > budget:
            raise Invalid(
                "Participant {participant} uses {dots} dots, over the budget of {budget} per "
                "participant.",
                participant=who,
                dots=dots,
                budget=budget,
            )
    for (who, number, _strategy), dots in used_in_strategy.items():
        round_ = rounds_by_number[number]
        budget = round_.dots_per_participant or export.workshop.dots_per_participant
        if round_.per_strategy_budget and dots > budget:
            raise Invalid("Participant {participant} uses {dots} dots in one strategy in round {number}, over "
                          "its budget of {budget}.", participant=who, dots=dots, number=number, budget=budget)


def _check_scores(
    export: WorkshopExport, *, projects: dict[int, ProjectExport], participant_ids: set[int],
    rounds_by_number: dict[int, RoundExport],
) -> None:
    seen: set[tuple[int, int, int, str]] = set()
    for score in export.scores:
        who, what = score.participant_id, score.project_id
        if who not in participant_ids:
            raise Invalid("A score is by participant {participant}, who is not in the export.", participant=who)
        if what not in projects:
            raise Invalid("A score is on project {project}, which is not in the export.", project=what)
        round_ = rounds_by_number.get(score.round)
        if round_ is None or round_.mode != "scoring":
            raise Invalid("A score is in round {number}, which is not a scoring round of the export.",
                          number=score.round)
        if score.criterion not in {c.key for c in round_.criteria}:
            raise Invalid("A score in round {number} is on criterion '{criterion}', which that round does not "
                          "have.", number=score.round, criterion=score.criterion)
        key = (who, what, score.round, score.criterion)
        if key in seen:
            raise Invalid("Participant {participant} has two scores of project {project} on '{criterion}'.",
                          participant=who, project=what, criterion=score.criterion)
        seen.add(key)
        _usable(projects[what], round_, who, score=True)


def _insert_workshop(
    session: Session, *, settings: WorkshopSettingsExport, key_hashes: tuple[str, str]
) -> Workshop:
    """Add the workshop row under a free join code. It is the import's first write, so a
    rollback after a taken code loses nothing else."""
    for _attempt in range(10):
        workshop = Workshop(
            code=workshops.new_code(),
            title=settings.title,
            description=settings.description,
            language=settings.language,
            phase=settings.phase,
            framework=settings.framework,
            dots_per_participant=settings.dots_per_participant,
            max_dots_per_project=settings.max_dots_per_project,
            show_live_tallies=settings.show_live_tallies,
            premoderate=settings.premoderate,
            facilitator_key_hash=key_hashes[0],
            screen_key_hash=key_hashes[1],
        )
        session.add(workshop)
        try:
            session.flush()
            return workshop
        except IntegrityError:  # join code already taken: draw another
            session.rollback()
    raise Conflict("Could not find a free join code; try again.")


def _insert_content(session: Session, *, workshop: Workshop, export: WorkshopExport) -> None:
    wid = workshop.id
    strategies = _insert(
        session,
        {
            e.id: Strategy(
                workshop_id=wid,
                code=e.code,
                name_th=e.name_th,
                name_en=e.name_en,
                position=position,
            )
            for position, e in enumerate(export.strategies)
        },
    )
    reform_areas = _insert(
        session,
        {
            e.id: ReformArea(
                workshop_id=wid,
                code=e.code,
                name_th=e.name_th,
                name_en=e.name_en,
                position=position,
            )
            for position, e in enumerate(export.reform_areas)
        },
    )
    session.add_all(
        Agency(workshop_id=wid, name_th=a.name_th, name_en=a.name_en, position=position)
        for position, a in enumerate(export.agencies)
    )
    people = _insert(
        session,
        {
            p.id: Participant(
                workshop_id=wid,
                name=p.name,
                agency=p.agency,
                token_hash=None,
                created_at=p.created_at,
            )
            for p in sorted(export.participants, key=lambda p: p.id)
        },
    )
    ordered = sorted(export.projects, key=lambda p: p.id)
    projects = _insert(
        session,
        {
            p.id: Project(
                workshop_id=wid,
                title=p.title,
                description=p.description,
                agency=p.agency,
                hidden=p.hidden,
                pinned=p.pinned,
                approved=p.approved,
                created_at=p.created_at,
                proposer_id=people[p.proposer_id].id if p.proposer_id else None,
            )
            for p in ordered
        },
    )
    # Set once every project has its new id: a project may be merged into a later one.
    for p in ordered:
        if p.merged_into_id is not None:
            projects[p.id].merged_into_id = projects[p.merged_into_id].id
    # Links and votes as plain bulk inserts (executemany), not one ORM object each: a big import
    # holds the database's write lock, and every vote of every workshop waits while it does.
    _bulk(session, ProjectStrategy, [{"project_id": projects[p.id].id, "strategy_id": strategies[sid].id}
                                     for p in ordered for sid in p.strategy_ids])
    _bulk(session, ProjectReformArea, [{"project_id": projects[p.id].id, "reform_area_id": reform_areas[rid].id}
                                       for p in ordered for rid in p.reform_area_ids])
    round_ids = _insert_rounds(session, workshop=workshop, export=export, projects=projects)
    _bulk(session, Vote, [
        {"participant_id": people[v.participant_id].id, "project_id": projects[v.project_id].id,
         "round_id": round_ids[v.round], "workshop_id": wid, "dots": v.dots}
        for v in export.votes
        if v.dots > 0
    ])
    session.add_all(
        Score(
            participant_id=people[c.participant_id].id,
            project_id=projects[c.project_id].id,
            round_id=round_ids[c.round],
            criterion=c.criterion,
            workshop_id=wid,
            value=c.value,
        )
        for c in export.scores
    )


def _insert_rounds(session: Session, *, workshop: Workshop, export: WorkshopExport,
                   projects: dict[int, Project]) -> dict[int, int]:
    """The rounds (or round 1 for an export made before rounds), their short lists and the
    current round; returns round number -> new round id."""
    if not export.rounds:
        first = rounds.ensure_first_round(session, workshop=workshop)
        return {1: first.id}
    round_ids: dict[int, int] = {}
    for r in sorted(export.rounds, key=lambda r: r.number):
        row = Round(
            workshop_id=workshop.id, number=r.number, title=r.title, mode=r.mode,
            dots_per_participant=r.dots_per_participant, max_dots_per_project=r.max_dots_per_project,
            per_strategy_budget=r.per_strategy_budget,
            criteria=json.dumps([c.model_dump() for c in r.criteria], ensure_ascii=False),
            scope_top_n=r.scope.top_n if r.scope else None,
            scope_round_id=round_ids.get(r.scope.from_round) if r.scope and r.scope.from_round else None,
            **({"created_at": r.created_at} if r.created_at else {}),
        )
        session.add(row)
        session.flush()
        round_ids[r.number] = row.id
        if r.scope:
            session.add_all(RoundProject(round_id=row.id, project_id=projects[pid].id)
                            for pid in dict.fromkeys(r.scope.project_ids))
    current = export.workshop.current_round or max(round_ids)
    workshop.current_round_id = round_ids[current]
    session.add(workshop)
    return round_ids


def _bulk(session: Session, table: type[SQLModel], rows: list[dict[str, Any]]) -> None:
    if rows:
        session.execute(insert(table), rows)


def _insert(session: Session, rows: dict[int, Row]) -> dict[int, Row]:
    """Insert rows in the dict's order, so their new ids keep the order of the exported ids."""
    session.add_all(rows.values())
    session.flush()
    return rows


# --- CSV and XLSX ---


@dataclass
class _Report:
    """What the spreadsheet exports show, read once."""

    lang: str
    budget: int
    outcome: results.Outcome
    removed: list[Project]
    tags: projects_service.Tags
    totals: dict[int, tuple[int, int]]
    people: dict[int, Participant]
    votes: list[Vote]

    def tag_list(self, ids: Iterable[int], entries: Sequence[Strategy | ReformArea]) -> str:
        """Codes and names joined by "; ", e.g. "S1 Security; S2 Competitiveness"."""
        wanted = set(ids)
        return "; ".join(self.label(e) for e in entries if e.id in wanted)

    def label(self, entry: Strategy | ReformArea) -> str:
        return f"{entry.code} {entry.name_in(self.lang)}"


def _report(session: Session, workshop: Workshop, language: str | None) -> _Report:
    everything = projects_service.list_projects(session, workshop=workshop, include_removed=True)
    return _Report(
        lang=language or workshop.language,
        budget=workshop.dots_per_participant,
        outcome=results.compute(session, workshop=workshop),
        removed=[p for p in everything if p.hidden or p.merged_into_id is not None or not p.approved],
        tags=projects_service.Tags(session, (p.id for p in everything)),
        totals=results.tallies(session, workshop=workshop),
        people=projects_service.participants_by_id(session, workshop=workshop),
        votes=list(
            session.exec(select(Vote).where(Vote.workshop_id == workshop.id, Vote.dots > 0,
                                            Vote.round_id == rounds.current_round(session, workshop=workshop).id))
        ),
    )


def _project_table(report: _Report) -> list[list[Cell]]:
    """Ranked projects first, then the hidden and merged-away ones (no rank)."""
    strategies, areas = report.outcome.strategies, report.outcome.reform_areas

    def row(rank: int | None, project: Project, status: str) -> list[Cell]:
        dots, voters = report.totals.get(project.id, (0, 0))
        proposer = report.people.get(project.proposer_id) if project.proposer_id else None
        return [
            rank,
            project.id,
            project.title,
            project.description,
            project.agency,
            report.tag_list(report.tags.strategies.get(project.id, []), strategies),
            report.tag_list(report.tags.reform_areas.get(project.id, []), areas),
            dots,
            voters,
            proposer.name if proposer else "",
            _iso(project.created_at),
            status,
        ]

    rows: list[list[Cell]] = [list(PROJECT_COLUMNS)]
    rows += [row(s.rank, s.project, "active") for s in report.outcome.standings]
    rows += [
        row(None, p, f"merged into #{p.merged_into_id}" if p.merged_into_id else
            "hidden" if p.hidden else "waiting for approval")
        for p in report.removed
    ]
    return rows


def export_csv(session: Session, *, workshop: Workshop, language: str | None = None) -> bytes:
    """The projects as CSV: UTF-8 with a byte-order mark, so spreadsheets read Thai correctly."""
    buffer = io.StringIO()
    csv.writer(buffer).writerows(
        [
            [neutralise_cell(cell) for cell in row]
            for row in _project_table(_report(session, workshop, language))
        ]
    )
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _ranking_table(report: _Report) -> list[list[Cell]]:
    rows: list[list[Cell]] = [["rank", "title", "dots", "voters", "strategies"]]
    rows += [
        [
            s.rank,
            s.project.title,
            s.dots,
            s.voters,
            report.tag_list(s.strategy_ids, report.outcome.strategies),
        ]
        for s in report.outcome.standings
    ]
    return rows


def _coverage_table(report: _Report) -> tuple[list[list[Cell]], list[int]]:
    """Two numeric blocks, strategies down and reform areas across: project counts, then dots.

    Returns the rows and the (1-based) numbers of the header rows.
    """
    outcome = report.outcome
    across = [report.label(r) for r in outcome.reform_areas]
    rows: list[list[Cell]] = []
    headers: list[int] = []
    for title, part in (("Number of projects", 0), ("Total dots", 1)):
        if rows:
            rows.append([])
        rows.append([title, *across])
        headers.append(len(rows))
        rows += [
            [report.label(s), *(outcome.coverage[(s.id, r.id)][part] for r in outcome.reform_areas)]
            for s in outcome.strategies
        ]
    return rows, headers


def _dots_table(report: _Report) -> Iterator[list[Cell]]:
    """One row per participant, one column per ranked project (filled where they put dots)."""
    standings = report.outcome.standings
    column = {s.project.id: index for index, s in enumerate(standings, start=4)}
    given: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for v in report.votes:
        if v.project_id in column:
            given[v.participant_id].append((column[v.project_id], v.dots))
    used: Counter[int] = Counter()
    for v in report.votes:
        used[v.participant_id] += v.dots
    yield ["participant", "agency", "dots used", "dots remaining",
           *(f"#{s.project.id} {s.project.title}" for s in standings)]
    blank: list[Cell] = [None] * len(standings)
    for p in sorted(report.people.values(), key=lambda p: p.id):
        row: list[Cell] = [p.name, p.agency, used[p.id], report.budget - used[p.id], *blank]
        for index, dots in given.get(p.id, ()):
            row[index] = dots
        yield row


def _round_table(report: _Report, outcome: results.Outcome) -> list[list[Cell]]:
    """A round's ranking: dots and voters, or the weighted score, scorers and each criterion's mean."""
    scoring = outcome.scoring
    head: list[Cell] = ["rank", "project_id", "title", "agency", "strategies"]
    head += (["score", "scorers", *(f"{c.name} (mean)" for c in outcome.criteria)] if scoring
             else ["dots", "voters"])
    rows: list[list[Cell]] = [head]
    for s in outcome.standings:
        row: list[Cell] = [s.rank, s.project.id, s.project.title, s.project.agency,
                           report.tag_list(s.strategy_ids, outcome.strategies)]
        if scoring:
            row += [_number(s.score), s.scorers, *(_number(s.scores.get(c.key)) for c in outcome.criteria)]
        else:
            row += [s.dots, s.voters]
        rows.append(row)
    return rows


def _number(value: float | None) -> Cell:
    return None if value is None else round(value, 4)  # type: ignore[return-value]


def _rounds_table(session: Session, workshop: Workshop, all_rounds: list[Round], report: _Report) -> list[list[Cell]]:
    """What each round was: mode, scope, limits or criteria, and which one is current."""
    current = rounds.current_round(session, workshop=workshop).id
    number_of = {r.id: r.number for r in all_rounds}
    rows: list[list[Cell]] = [["round", "title", "mode", "projects", "dots per participant", "max dots per project",
                               "budget per strategy", "criteria (weight)", "current"]]
    for r in all_rounds:
        scope = ("all" if r.scope_top_n is None else
                 f"top {r.scope_top_n} of round {number_of.get(r.scope_round_id or 0, '?')}")
        dots = r.mode == "dots"
        rows.append([
            r.number, r.title, r.mode, scope,
            rounds.budget(r, workshop) if dots else None,
            rounds.cap(r, workshop) if dots else None,
            ("yes" if r.per_strategy_budget else "no") if dots else None,
            "; ".join(f"{c.name} ({c.weight:g})" for c in rounds.criteria(r)),
            "yes" if r.id == current else "no",
        ])
    return rows


def export_xlsx(session: Session, *, workshop: Workshop, language: str | None = None) -> bytes:
    """A workbook for the master plan: Projects, Ranking, Coverage and Dots per participant."""
    report = _report(session, workshop, language)
    # Write-only: rows go straight to the file instead of becoming a cell object each (a
    # workshop of 5,000 participants and 400 projects has 2 million cells of dots).
    book = Workbook(write_only=True)
    # The workshop's title travels in the file's properties, where spreadsheet programs show it.
    book.properties.title = ILLEGAL_CHARACTERS_RE.sub("", workshop.title)[:255]
    book.properties.subject = f"ruamkit workshop {workshop.code}"
    _add_sheet(book, "Projects", _project_table(report))
    _add_sheet(book, "Ranking", _ranking_table(report))
    coverage, coverage_headers = _coverage_table(report)
    _add_sheet(book, "Coverage", coverage, header_rows=coverage_headers, freeze="B2")
    _add_sheet(book, "Dots per participant", _dots_table(report), freeze="B2")
    # One sheet per voting round (its own ranking; per-criterion means for scoring rounds).
    all_rounds = rounds.list_rounds(session, workshop=workshop)
    for round_ in all_rounds:
        outcome = (report.outcome if report.outcome.round is not None and round_.id == report.outcome.round.id
                   else results.compute(session, workshop=workshop, round_id=round_.id))
        _add_sheet(book, f"Round {round_.number} - {round_.mode}", _round_table(report, outcome))
    _add_sheet(book, "Rounds", _rounds_table(session, workshop, all_rounds, report))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# Column widths are measured on the first rows only: later rows of a long sheet hold the same
# kind of values, and measuring millions of cells took longer than writing them.
WIDTH_ROWS = 200


def _add_sheet(
    book: Workbook,
    title: str,
    rows: Iterable[list[Cell]],
    *,
    header_rows: Sequence[int] = (1,),
    freeze: str = "A2",
) -> None:
    sheet = book.create_sheet(title)
    rows = iter(rows)
    first = list(islice(rows, WIDTH_ROWS))
    # Set before the first row: a write-only sheet writes its columns' widths first.
    for index, column in enumerate(zip_longest(*first), start=1):
        widest = max((_display_width(str(v)) for v in column if v is not None), default=0)
        sheet.column_dimensions[get_column_letter(index)].width = min(max(widest + 2, 8), 60)
    sheet.freeze_panes = freeze
    headers = set(header_rows)
    for number, row in enumerate(chain(first, rows), start=1):
        cells = [_xlsx_cell(cell) if type(cell) is str else cell for cell in row]  # noqa: E721 (fast path)
        if number in headers:
            sheet.append([_bold(sheet, cell) for cell in cells])
        else:
            sheet.append(cells)


def _bold(sheet: Any, value: Cell) -> WriteOnlyCell | None:
    if value is None:
        return None
    cell = WriteOnlyCell(sheet, value=value)
    cell.font = BOLD
    return cell


def _xlsx_cell(value: Cell) -> Cell:
    # openpyxl refuses control characters; cleaned input has none, but old rows might.
    # Stripped before neutralising, so that what is left cannot start a formula.
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    return neutralise_cell(value)


def _display_width(text: str) -> int:
    # Thai vowel and tone marks sit above or below their letter and take no width.
    return sum(1 for ch in text if unicodedata.category(ch) != "Mn")
