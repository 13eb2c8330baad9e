"""The tables the spreadsheet exports are made of: the rows every format writes.

Each table is a list (or a stream) of rows; the first row is the header. What the rows show
is read once per file (`Report`), so a workbook of many sheets asks the database once.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from sqlmodel import Session, select

from app.models import Participant, Project, ReformArea, Round, Strategy, Vote, Workshop
from app.services import projects as projects_service
from app.services import results, rounds

Cell = str | int | float | None

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


def neutralise_cell(value: Cell) -> Cell:
    """Text a spreadsheet would run as a formula, made inert with a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


@dataclass
class Report:
    """What the spreadsheet exports show, read once: the current round's ranking and dots."""

    lang: str
    budget: int  # of the current round: its own, else the workshop's
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

    @classmethod
    def read(cls, session: Session, workshop: Workshop, language: str | None) -> Report:
        everything = projects_service.list_projects(session, workshop=workshop, include_removed=True)
        current = rounds.current_round(session, workshop=workshop)
        return cls(
            lang=language or workshop.language,
            budget=rounds.budget(current, workshop),
            outcome=results.compute(session, workshop=workshop),
            removed=[p for p in everything if p.hidden or p.merged_into_id is not None or not p.approved],
            tags=projects_service.Tags(session, (p.id for p in everything)),
            totals=results.tallies(session, workshop=workshop),
            people=projects_service.participants_by_id(session, workshop=workshop),
            votes=list(session.exec(select(Vote).where(Vote.workshop_id == workshop.id, Vote.dots > 0,
                                                       Vote.round_id == current.id))),
        )


def project_table(report: Report) -> list[list[Cell]]:
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
            project.created_at.isoformat(),
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


def ranking_table(report: Report) -> list[list[Cell]]:
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


def coverage_table(report: Report) -> tuple[list[list[Cell]], list[int]]:
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


def dots_table(report: Report) -> Iterator[list[Cell]]:
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


def round_table(report: Report, outcome: results.Outcome) -> list[list[Cell]]:
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
    return None if value is None else round(value, 4)


def rounds_table(session: Session, workshop: Workshop, all_rounds: list[Round]) -> list[list[Cell]]:
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
