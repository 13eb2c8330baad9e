"""The tables the spreadsheet exports are made of: the rows every format writes.

Each table is a list (or a stream) of rows; the first row is the header, in the file's language
(a planning office files them as they are). What the rows show is read once per file (`Report`,
on the one results model of app/services/standings.py), so a workbook of many sheets asks the
database once.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from sqlmodel import Session, col, select

from app import i18n
from app.i18n import N_
from app.models import ReformArea, Strategy, Vote, Workshop
from app.services import action_log, frameworks, rounds, standings
from app.services.standings import Entry, RoundColumn, Standings

Cell = str | int | float | None

# What a spreadsheet reads as the start of a formula (OWASP's list for CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

# The projects table's columns, in English (the catalogs translate them); the round measures go
# between reform areas and proposer.
PROJECT_HEAD = [N_("Rank"), N_("Project ID"), N_("Project title"), N_("Description"), N_("Agency"), N_("Strategies"),
                N_("Reform areas")]
DIMENSION_HEADS: dict[str, frameworks.Dimension] = {"Strategies": "strategies", "Reform areas": "reform_areas"}
PROJECT_TAIL = [N_("Proposer"), N_("Proposed at"), N_("Status")]
STATUS = {standings.ACTIVE: N_("Active"), standings.HIDDEN: N_("Hidden"),
          standings.WAITING: N_("Waiting for approval"), standings.MERGED: N_("Merged into #{id}")}
DOTS, VOTERS, SCORE, SCORERS, ROUND_RANK = N_("Dots"), N_("Voters"), N_("Score"), N_("Scorers"), N_("Rank in round")
PER_ROUND = N_("Round {number}: {measure}")
# Large events: the plenary's lineage columns, one entry per source ("; " between them).
LINEAGE_HEAD = [N_("From group"), N_("Rank in group"), N_("Dots in group")]
MEAN = N_("{criterion} (mean)")


def neutralise_cell(value: Cell) -> Cell:
    """Text a spreadsheet would run as a formula, made inert with a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


@dataclass
class Report:
    """What the spreadsheet exports show, read once: every project's measure in every round
    (or in the one round asked for), in the file's language."""

    lang: str
    model: Standings
    votes: list[tuple[int, int, int, int]]  # (round number, participant, project, dots) of the dot rounds

    def _(self, message: str, **params: object) -> str:
        text = i18n.translations(self.lang).gettext(message)
        return text.format(**params) if params else text

    def head(self, message: str) -> str:
        """A column heading; the two dimensions by the names this workshop gives them."""
        if message in DIMENSION_HEADS:
            return frameworks.dimension_label(self.model.workshop, DIMENSION_HEADS[message], self.lang)
        return self._(message)

    def tag_list(self, ids: Iterable[int], entries: Sequence[Strategy | ReformArea]) -> str:
        """Codes and names joined by "; ", e.g. "S1 Security; S2 Competitiveness"."""
        wanted = set(ids)
        return "; ".join(self.label(e) for e in entries if e.id in wanted)

    def label(self, entry: Strategy | ReformArea) -> str:
        return f"{entry.code} {entry.name_in(self.lang)}"

    def when(self, entry: Entry) -> str:
        return i18n.format_stamp(entry.project.created_at, self.lang, self.model.workshop.time_zone)

    def status(self, entry: Entry) -> str:
        return self._(STATUS[entry.status], id=entry.project.merged_into_id)

    def measure_head(self, column: RoundColumn, measure: str) -> str:
        """"Dots", or "Round 2: Score" when the file covers several rounds."""
        name = self._(measure)
        return self._(PER_ROUND, number=column.number, measure=name) if self.model.many_rounds else name

    def method_name(self, column: RoundColumn) -> str:
        return self._(column.method.label)

    @classmethod
    def read(cls, session: Session, workshop: Workshop, language: str | None,
             round_number: int | None = None) -> Report:
        model = standings.read(session, workshop=workshop, round_number=round_number)
        number_of = {c.round.id: c.number for c in model.dot_rounds}
        votes = [] if not number_of else [
            (number_of[round_id], participant_id, project_id, dots)
            for round_id, participant_id, project_id, dots in session.exec(
                select(Vote.round_id, Vote.participant_id, Vote.project_id, Vote.dots)
                .where(Vote.workshop_id == workshop.id, Vote.dots > 0, col(Vote.round_id).in_(number_of)))]
        return cls(lang=language or workshop.language, model=model, votes=votes)


def _number(value: float | None) -> Cell:
    return None if value is None else round(value, 4)


def _measure_heads(report: Report, *, ranks: bool) -> list[Cell]:
    head: list[Cell] = []
    for column in report.model.rounds:
        names = [SCORE, SCORERS] if column.scoring else [DOTS, VOTERS]
        if ranks and report.model.many_rounds:
            names.append(ROUND_RANK)
        head += [report.measure_head(column, name) for name in names]
    return head


def _measures(report: Report, entry: Entry, *, ranks: bool) -> list[Cell]:
    """Each round's figures of a project; blank where it was not in the round."""
    cells: list[Cell] = []
    for column in report.model.rounds:
        measure = entry.at(column.number)
        if measure is None:
            figures: list[Cell] = [None, None]
        elif column.scoring:
            figures = [_number(measure.score), measure.scorers]
        else:
            figures = [measure.dots, measure.voters]
        if ranks and report.model.many_rounds:
            figures.append(None if measure is None else measure.rank)
        cells += figures
    return cells


def project_table(report: Report) -> list[list[Cell]]:
    """Every active project once, in overall order, then the hidden, merged-away and waiting
    ones (no rank, no measure), with their tags and each round's dots, voters (or score,
    scorers) and rank."""
    model = report.model

    def row(entry: Entry) -> list[Cell]:
        project = entry.project
        proposer = model.people.get(project.proposer_id) if project.proposer_id else None
        return [entry.rank, project.id, project.title, project.description, project.agency,
                report.tag_list(entry.strategy_ids, model.strategies),
                report.tag_list(entry.reform_area_ids, model.reform_areas),
                *(_measures(report, entry, ranks=True) if entry.status == standings.ACTIVE
                  else [None] * len(_measure_heads(report, ranks=True))),
                proposer.name if proposer else "", report.when(entry), report.status(entry)]

    rows: list[list[Cell]] = [[*(report.head(h) for h in PROJECT_HEAD), *_measure_heads(report, ranks=True),
                               *(report._(h) for h in PROJECT_TAIL)]]
    rows += [row(entry) for entry in model.everyone]
    if model.groups:  # a large event's plenary projects: where each came from, at the end
        rows[0] += [report._(h) for h in LINEAGE_HEAD]
        for row_, entry in zip(rows[1:], model.everyone, strict=True):
            row_ += _lineage_cells(model, entry)
    return rows


def ranking_table(report: Report) -> list[list[Cell]]:
    """The active projects in overall order: rank, title, each round's figures, strategies."""
    model = report.model
    rows: list[list[Cell]] = [[report._("Rank"), report._("Project title"), *_measure_heads(report, ranks=True),
                               report.head("Strategies")]]
    rows += [[e.rank, e.project.title, *_measures(report, e, ranks=True), report.tag_list(e.strategy_ids,
                                                                                         model.strategies)]
             for e in model.entries]
    return rows


def plenary_table(report: Report) -> list[list[Cell]]:
    """The plenary's ranking with where each project came from: each source's group (number and
    name), its rank and its dots in that group when promoted (a merged one lists each)."""
    model = report.model
    rows: list[list[Cell]] = [[report._("Rank"), report._("Project title"), *_measure_heads(report, ranks=True),
                               *(report._(h) for h in LINEAGE_HEAD), report.head("Strategies")]]
    rows += [[e.rank, e.project.title, *_measures(report, e, ranks=True), *_lineage_cells(model, e),
              report.tag_list(e.strategy_ids, model.strategies)] for e in model.entries]
    return rows


def _lineage_cells(model: Standings, entry: Entry) -> list[Cell]:
    """Each source's group (number and name), rank and dots there, joined by "; "."""
    sources = model.lineage.get(entry.project.id, [])
    named = [model.groups.get(s.group_id) for s in sources]
    return ["; ".join(f"{g.group_number} {g.title}" for g in named if g is not None),
            "; ".join(str(s.rank) for s in sources), "; ".join(str(s.dots) for s in sources)]


def coverage_table(report: Report) -> tuple[list[list[Cell]], list[int]]:
    """Numeric blocks, strategies down and reform areas across: project counts, then the dots of
    each dot round. Returns the rows and the (1-based) numbers of the header rows."""
    model = report.model
    across = [report.label(r) for r in model.reform_areas]
    blocks: list[tuple[str, dict[tuple[int, int], int]]] = [(report._("Number of projects"), model.coverage)]
    for column in model.dot_rounds:
        title = (report._("Total dots, round {number}", number=column.number) if model.many_rounds
                 else report._("Total dots"))
        blocks.append((title, model.coverage_dots[column.number]))
    rows: list[list[Cell]] = []
    headers: list[int] = []
    for title, cells in blocks:
        if rows:
            rows.append([])
        rows.append([title, *across])
        headers.append(len(rows))
        rows += [[report.label(s), *(cells[(s.id, r.id)] for r in model.reform_areas)] for s in model.strategies]
    return rows, headers


def dots_table(report: Report, column: RoundColumn) -> Iterator[list[Cell]]:
    """One row per participant, one column per project of a dot round (filled where they put dots)."""
    ranked = report.model.ranked_in(column.number)
    place = {e.project.id: index for index, e in enumerate(ranked, start=4)}
    given: dict[int, list[tuple[int, int]]] = defaultdict(list)
    used: Counter[int] = Counter()
    for number, participant_id, project_id, dots in report.votes:
        if number != column.number:
            continue
        used[participant_id] += dots
        if project_id in place:
            given[participant_id].append((place[project_id], dots))
    yield [report._("Participant"), report._("Agency"), report._("Dots used"), report._("Dots remaining"),
           *(f"#{e.project.id} {e.project.title}" for e in ranked)]
    blank: list[Cell] = [None] * len(ranked)
    for p in sorted(report.model.people.values(), key=lambda p: p.id):
        row: list[Cell] = [p.name, p.agency, used[p.id], column.budget - used[p.id], *blank]
        for index, dots in given.get(p.id, ()):
            row[index] = dots
        yield row


def round_table(report: Report, column: RoundColumn) -> list[list[Cell]]:
    """A round's own ranking: dots and voters, or the weighted score, scorers and each criterion's mean."""
    model = report.model
    head: list[Cell] = [report.head(h) for h in ("Rank", "Project ID", "Project title", "Agency", "Strategies")]
    head += ([report._("Score"), report._("Scorers"), *(report._(MEAN, criterion=c.name) for c in column.criteria)]
             if column.scoring else [report._("Dots"), report._("Voters")])
    rows: list[list[Cell]] = [head]
    for e in model.ranked_in(column.number):
        measure = e.measures[column.number]
        row: list[Cell] = [measure.rank, e.project.id, e.project.title, e.project.agency,
                           report.tag_list(e.strategy_ids, model.strategies)]
        if column.scoring:
            row += [_number(measure.score), measure.scorers, *(_number(measure.means.get(c.key))
                                                               for c in column.criteria)]
        else:
            row += [measure.dots, measure.voters]
        rows.append(row)
    return rows


def rounds_table(session: Session, report: Report) -> list[list[Cell]]:
    """What each round was (method, scope, limits or criteria, which one is current) and its
    headline counts."""
    workshop = report.model.workshop
    current = rounds.current_round(session, workshop=workshop).id
    number_of = {r.id: r.number for r in rounds.list_rounds(session, workshop=workshop)}
    yes, no = report._("Yes"), report._("No")
    rows: list[list[Cell]] = [[report._(h) for h in (
        N_("Round"), N_("Title"), N_("Method"), N_("Short list"), N_("Dots per participant"),
        N_("Max dots per project"), N_("Budget per strategy"), N_("Criteria (weight)"), N_("Current"),
        N_("Projects in the round"),
        N_("Dots cast"), N_("Voters or scorers"))]]
    for column in report.model.rounds:
        r = column.round
        scope = (report._("All") if r.scope_top_n is None else
                 report._("Top {n} of round {number}", n=r.scope_top_n,
                          number=number_of.get(r.scope_round_id or 0, "?")))
        dots = not column.scoring
        rows.append([
            r.number, r.title, report.method_name(column), scope,
            column.budget if dots else None,
            column.cap if dots else None,
            (yes if r.per_strategy_budget else no) if dots else None,
            "; ".join(f"{c.name} ({c.weight:g})" for c in column.criteria),
            yes if r.id == current else no,
            column.projects, column.dots if dots else None, column.people,
        ])
    return rows


LOG_HEAD = [N_("When"), N_("Who"), N_("What"), N_("Detail"), N_("Where")]


def action_log_table(session: Session, report: Report) -> list[list[Cell]]:
    """The action log, oldest first as a record is read: when (the workshop's time zone), who,
    what, its detail and where (the event's or a group's code). An event's file has the whole
    event's log; a group's, the group's own entries."""
    workshop = report.model.workshop
    entries = action_log.entries(session, event=workshop) if workshop.parent_id is None else \
        action_log.entries_in(session, workshop=workshop)
    where = {w.id: w.code for w in session.exec(select(Workshop).where(
        col(Workshop.id).in_({e.workshop_id for e in entries})))} if entries else {}
    rows: list[list[Cell]] = [[report._(h) for h in LOG_HEAD]]
    for entry in reversed(entries):
        rows.append([i18n.format_stamp(entry.at, report.lang, workshop.time_zone),
                     action_log.who(entry, report._),
                     report._(action_log.label(entry.action)), action_log.describe(entry, report._),
                     where.get(entry.workshop_id, "")])
    return rows
