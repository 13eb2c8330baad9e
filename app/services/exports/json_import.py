"""The JSON import: rebuild an exported workshop as a new one (new code, new keys).

Everything is checked before the first write: the shape and limits (app/models/exchange.py),
then the references between entries and the workshop's rules, each refusal naming the entries.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from typing import Any, TypeVar

from pydantic import ValidationError
from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel

from app.errors import Conflict, Invalid
from app.models import (
    ActionLogEntry,
    Agency,
    Participant,
    PlenarySource,
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
)
from app.models.exchange import (
    FORMAT,
    VERSION,
    GroupExport,
    ParticipantExport,
    ProjectExport,
    RoundExport,
    TagExport,
    WorkshopExport,
    WorkshopSettingsExport,
)
from app.services import ceilings as ceiling
from app.models.workshop import MAX_FRAMEWORK_DEPTH
from app.services import action_log, rounds, workshops
from app.services.access import hash_key, new_key, screen_key_for

Row = TypeVar("Row", bound=SQLModel)


def import_workshop(session: Session, *, data: object,
                    ceilings: ceiling.Ceilings = ceiling.DEFAULT) -> tuple[Workshop, str, str]:
    """Rebuild an exported workshop as a new one (new code, new keys); returns it with the raw keys.
    A large event comes back with its groups (new codes: the new event's, a dash and the same
    numbers), its plenary lineage and its action log.

    Everything is checked before the first write, and all of it is written in one commit.
    """
    export = _parse(data)
    listed = {name.casefold() for agency in export.agencies for name in (agency.name_th, agency.name_en) if name}
    units = _units(export)
    for unit, own in units:
        ceiling.check_import(participants=len(own), projects=len(unit.projects),
                             typed_agencies=len(ceiling.typed((p.agency for p in own), listed)),
                             rounds=len(unit.rounds), ceilings=ceilings)
        _check_references(unit)
    _check_event(export)
    # Derived as for a created workshop, so the console's screen link opens this screen.
    facilitator_key = new_key()
    screen_key = screen_key_for(facilitator_key)
    try:
        workshop = _insert_workshop(
            session,
            settings=export.workshop,
            key_hashes=(hash_key(facilitator_key), hash_key(screen_key)),
        )
        _insert_event(session, workshop=workshop, export=export, units=units)
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return workshop, facilitator_key, screen_key


def _units(export: WorkshopExport) -> list[tuple[WorkshopExport, list[ParticipantExport]]]:
    """What each workshop of the export holds, checked as one workshop: each group (its own
    participants only), then the event's (whose votes any participant of the event may cast:
    the plenary is everyone's), each with the participants it adds."""
    units: list[tuple[WorkshopExport, list[ParticipantExport]]] = []
    everyone = list(export.participants)
    for group in export.groups:
        settings = export.workshop.model_copy(update={
            "title": group.name, "description": "", "phase": group.phase, "current_round": group.current_round,
            **{name: getattr(group, name) for name in _GROUP_SETTINGS}})
        unit = export.model_copy(update={
            "workshop": settings, "participants": group.participants, "projects": group.projects,
            "votes": group.votes, "rounds": group.rounds, "scores": group.scores, "groups": [], "lineage": [],
            "action_log": []})
        units.append((unit, group.participants))
        everyone += group.participants
    event = export.model_copy(update={"participants": everyone})
    return [*units, (event, list(export.participants))]


_GROUP_SETTINGS = ("dots_per_participant", "max_dots_per_project", "show_live_tallies", "premoderate",
                   "shuffle_projects", "require_strategy", "typed_agencies")


def _check_event(export: WorkshopExport) -> None:
    """Across a large event's workshops: ids unique in the whole export, group numbers unique,
    lineage and log rows pointing at what the export has."""
    if (twice := _first_duplicate(g.number for g in export.groups)) is not None:
        raise Invalid("Two groups have the number {number}.", number=twice)
    people = [p.id for p in export.participants] + [p.id for g in export.groups for p in g.participants]
    if (twice := _first_duplicate(people)) is not None:
        raise Invalid("Two participants have the id {id}.", id=twice)
    everything = [p.id for p in export.projects] + [p.id for g in export.groups for p in g.projects]
    if (twice := _first_duplicate(everything)) is not None:
        raise Invalid("Two projects have the id {id}.", id=twice)
    plenary = {p.id for p in export.projects}
    of_group = {g.number: {p.id for p in g.projects} for g in export.groups}
    for row in export.lineage:
        if row.project_id not in plenary:
            raise Invalid("Lineage names plenary project {project}, which is not in the export.",
                          project=row.project_id)
        if row.source_project_id not in of_group.get(row.group, set()):
            raise Invalid("Plenary project {project} came from project {source} of group {group}, which is not "
                          "in the export.", project=row.project_id, source=row.source_project_id, group=row.group)
    for entry in export.action_log:
        if entry.group is not None and entry.group not in of_group:
            raise Invalid("An action log entry is in group {group}, which is not in the export.", group=entry.group)


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
    for label, entries in (("strategies", export.strategies), ("reform areas", export.reform_areas)):
        _check_tree(label, entries)
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


def _check_tree(label: str, entries: list[TagExport]) -> None:
    """Each parent is an entry of the same kind listed before its children (as exports list
    them), so the tree has no loop; at most MAX_FRAMEWORK_DEPTH levels."""
    depth: dict[int, int] = {}
    for entry in entries:
        if entry.parent_id is None:
            depth[entry.id] = 1
            continue
        if entry.parent_id not in depth:
            raise Invalid("The parent {parent} of {label} entry {id} is not listed before it among the {label}.",
                          label=label, parent=entry.parent_id, id=entry.id)
        depth[entry.id] = depth[entry.parent_id] + 1
        if depth[entry.id] > MAX_FRAMEWORK_DEPTH:
            raise Invalid("The {label} nest more than {levels} levels deep.", label=label,
                          levels=MAX_FRAMEWORK_DEPTH)


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
        cap = rounds.cap(round_, export.workshop)
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
        # A project with no strategy still spends the dots (under None).
        strategies: list[int | None] = [*projects[what].strategy_ids] or [None]
        for strategy in strategies:
            used_in_strategy[(who, vote.round, strategy)] += vote.dots
    for (who, number), dots in used.items():
        round_ = rounds_by_number[number]
        budget = rounds.budget(round_, export.workshop)
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
        budget = rounds.budget(round_, export.workshop)
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
            time_zone=settings.time_zone,
            shuffle_projects=settings.shuffle_projects,
            require_strategy=settings.require_strategy,
            typed_agencies=settings.typed_agencies,
            strategies_label=settings.strategies_label,
            reform_areas_label=settings.reform_areas_label,
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


def _insert_event(session: Session, *, workshop: Workshop, export: WorkshopExport,
                  units: list[tuple[WorkshopExport, list[ParticipantExport]]]) -> None:
    """The framework, then each group (a workshop under this one) and the event's own work, then
    the plenary's lineage and the action log."""
    strategies, reform_areas = _insert_framework(session, workshop=workshop, export=export)
    rows = [_insert_group(session, event=workshop, group=group) for group in export.groups]
    rows.append(workshop)
    people: dict[int, Participant] = {}
    for row, (_unit, own) in zip(rows, units, strict=True):
        people.update(_insert_people(session, workshop=row, participants=own))
    projects: dict[int, Project] = {}
    for row, (unit, _own) in zip(rows, units, strict=True):
        projects.update(_insert_work(session, workshop=row, export=unit, strategies=strategies,
                                     reform_areas=reform_areas, people=people))
    by_number = {group.number: row for group, row in zip(export.groups, rows[:-1], strict=True)}
    session.add_all(PlenarySource(project_id=projects[s.project_id].id, group_id=by_number[s.group].id,
                                  source_project_id=projects[s.source_project_id].id, rank=s.rank, dots=s.dots)
                    for s in export.lineage)
    for e in export.action_log:
        detail, params = action_log.stored(e.detail, e.message.text if e.message else None,
                                           e.message.params if e.message else None)
        session.add(ActionLogEntry(event_id=workshop.id, workshop_id=by_number[e.group].id if e.group else workshop.id,
                                   at=e.at, who=e.who, action=e.action, detail=detail, params=params))


def _insert_group(session: Session, *, event: Workshop, group: GroupExport) -> Workshop:
    """A group under the new event: the event's code, a dash and its number; the event's
    facilitator key opens it (as app/services/groups.py makes groups). Its screen key and group
    facilitator's link are new ones the facilitator issues again (keys are never exported)."""
    row = Workshop(code=f"{event.code}-{group.number}", title=group.name, description="", language=event.language,
                   phase=group.phase, framework=event.framework, time_zone=event.time_zone,
                   strategies_label=event.strategies_label, reform_areas_label=event.reform_areas_label,
                   facilitator_key_hash=event.facilitator_key_hash, screen_key_hash=hash_key(new_key()),
                   parent_id=event.id, group_number=group.number,
                   **{name: getattr(group, name) for name in _GROUP_SETTINGS})
    if group.created_at:
        row.created_at = group.created_at
    session.add(row)
    session.flush()
    return row


def _insert_framework(session: Session, *, workshop: Workshop,
                      export: WorkshopExport) -> tuple[dict[int, Strategy], dict[int, ReformArea]]:
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
    # Parents come first (checked), so every parent has its new id by now.
    for rows, entries in ((strategies, export.strategies), (reform_areas, export.reform_areas)):
        for e in entries:
            if e.parent_id is not None:
                rows[e.id].parent_id = rows[e.parent_id].id
    session.add_all(
        Agency(workshop_id=wid, name_th=a.name_th, name_en=a.name_en, position=position)
        for position, a in enumerate(export.agencies)
    )
    return strategies, reform_areas


def _insert_people(session: Session, *, workshop: Workshop,
                   participants: list[ParticipantExport]) -> dict[int, Participant]:
    return _insert(
        session,
        {
            p.id: Participant(
                workshop_id=workshop.id,
                name=p.name,
                agency=p.agency,
                token_hash=None,
                created_at=p.created_at,
            )
            for p in sorted(participants, key=lambda p: p.id)
        },
    )


def _insert_work(session: Session, *, workshop: Workshop, export: WorkshopExport, strategies: dict[int, Strategy],
                 reform_areas: dict[int, ReformArea], people: dict[int, Participant]) -> dict[int, Project]:
    """A workshop's (or group's) projects with their tags, rounds, votes and scores."""
    wid = workshop.id
    ordered = sorted(export.projects, key=lambda p: p.id)
    projects = _insert(
        session,
        {
            p.id: Project(
                workshop_id=wid,
                title=p.title,
                description=p.description,
                agency=p.agency,
                co_agencies="\n".join(p.co_agencies),
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
    return projects


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
        )
        if r.created_at:
            row.created_at = r.created_at
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
