"""A large event's files: the JSON export carries its groups, the plenary's lineage and the
action log, and importing it makes a new event whose group and plenary results equal the
original's; the workbook has the plenary with its lineage and a sheet per group."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlmodel import Session

from app.errors import Invalid
from app.models import Participant, Project, Workshop
from app.services import action_log, groups, plenary, projects, results, voting, workshops
from app.services.exports import json_export, json_import, xlsx_export
from app.services.plenary import PlenaryIn
from app.models import Phase
from tests.factories import FACILITATOR, make_participant, make_project, make_workshop


def phase(session: Session, workshop: Workshop, to: str) -> None:
    workshops.set_phase(session, workshop=workshop, actor=FACILITATOR, phase=Phase(to))


def vote(session: Session, workshop: Workshop, who: Participant, project: Project, dots: int) -> None:
    voting.set_dots(session, workshop=workshop, participant=who, project_id=project.id, dots=dots)


@pytest.fixture
def event(session: Session) -> Workshop:
    """Two groups voted (the north with a merge), their top 1 went up (with a tie in the south),
    two plenary projects were merged, and the hall voted."""
    hall = make_workshop(session, title="สมัชชาแผนดิจิทัล", dots_per_participant=4, max_dots_per_project=3)
    north, south = (g.group for g in groups.add_groups(session, event=hall, actor=FACILITATOR,
                                                        names=["ภาคเหนือ", "ภาคใต้"]))
    a, b, dup = (make_project(session, north, t, strategies=["S1"], areas=["R1"]) for t in ("ก", "ข", "ก ซ้ำ"))
    c, d = (make_project(session, south, t, strategies=["S2"]) for t in ("ค", "ง"))
    projects.merge_projects(session, workshop=north, actor=FACILITATOR, project_id=dup.id, into_id=a.id)
    for group in (north, south):
        phase(session, group, "vote")
    ann, ben = make_participant(session, north, "Ann", "กรมหนึ่ง"), make_participant(session, south, "Ben")
    own = make_participant(session, hall, "ผู้สังเกตการณ์")
    vote(session, north, ann, a, 3)
    vote(session, north, ann, b, 1)
    vote(session, south, ben, c, 2)
    vote(session, south, ben, d, 2)  # tied with c: both go up
    up = plenary.promote(session, event=hall, actor=FACILITATOR, plenary_in=PlenaryIn(top=1))
    projects.merge_projects(session, workshop=hall, actor=FACILITATOR, project_id=up[2].id, into_id=up[1].id)
    phase(session, hall, "vote")
    vote(session, hall, ann, up[0], 2)
    vote(session, hall, ben, up[1], 3)
    vote(session, hall, own, up[0], 1)
    phase(session, north, "results")
    return hall


def figures(session: Session, workshop: Workshop) -> list[tuple[Any, ...]]:
    """A ranking as comparable rows, with each row's lineage as (group number, title, rank, dots)."""
    outcome = results.compute(session, workshop=workshop)
    rows = []
    for s in outcome.standings:
        sources = []
        for src in outcome.lineage.get(s.project.id, []):
            group, source = session.get(Workshop, src.group_id), session.get(Project, src.source_project_id)
            assert group is not None and source is not None
            sources.append((group.group_number, source.title, src.rank, src.dots))
        rows.append((s.rank, s.project.title, s.dots, s.voters, s.strategy_ids != [], tuple(sources)))
    return rows


def test_an_event_exported_and_imported_has_equal_group_and_plenary_results(session: Session,
                                                                              event: Workshop) -> None:
    data = json.loads(json_export.write(session, event, "th"))
    assert [(g["number"], g["name"], g["phase"]) for g in data["groups"]] == [(1, "ภาคเหนือ", "results"),
                                                                             (2, "ภาคใต้", "vote")]
    assert len(data["lineage"]) == 3 and {row["group"] for row in data["lineage"]} == {1, 2}
    actions = [e["action"] for e in data["action_log"]]  # oldest first
    assert actions[0] == "manage_groups" and "promote_to_plenary" in actions
    copy, _key, _screen = json_import.import_workshop(session, data=data)
    assert copy.code != event.code
    assert figures(session, copy) == figures(session, event)
    # Its lineage points at its own groups and their projects, not the original's.
    copied = results.compute(session, workshop=copy).lineage
    own_groups = set(groups.group_ids(session, event=copy))
    assert copied and all(s.group_id in own_groups for sources in copied.values() for s in sources)
    assert all(session.get(Project, s.source_project_id).workshop_id == s.group_id  # type: ignore[union-attr]
               for sources in copied.values() for s in sources)
    for old, new in zip(groups.list_groups(session, event=event), groups.list_groups(session, event=copy),
                        strict=True):
        assert new.code == f"{copy.code}-{old.group_number}" and new.title == old.title and new.phase == old.phase
        assert figures(session, new) == figures(session, old)
        assert new.facilitator_key_hash == copy.facilitator_key_hash
    assert [(e.who, e.action, e.detail) for e in action_log.entries(session, event=copy)] == \
        [(e.who, e.action, e.detail) for e in action_log.entries(session, event=event)]
    # Exported again, the copy is the same file (but for the new ids and moment).
    again = json.loads(json_export.write(session, copy, "th"))
    assert [g["results"]["ranking"][0]["dots"] for g in again["groups"]] == \
        [g["results"]["ranking"][0]["dots"] for g in data["groups"]]


def test_an_import_refuses_lineage_pointing_nowhere(session: Session, event: Workshop) -> None:
    data = json.loads(json_export.write(session, event, "th"))
    data["lineage"][0]["source_project_id"] = data["projects"][0]["id"]  # a plenary project, not a group's
    with pytest.raises(Invalid, match="came from project"):
        json_import.import_workshop(session, data=data)
    data = json.loads(json_export.write(session, event, "th"))
    data["groups"][1]["participants"][0]["id"] = data["groups"][0]["participants"][0]["id"]
    with pytest.raises(Invalid):
        json_import.import_workshop(session, data=data)


def test_a_group_s_votes_name_only_its_own_participants(session: Session, event: Workshop) -> None:
    data = json.loads(json_export.write(session, event, "th"))
    south = data["groups"][1]
    south["votes"][0]["participant_id"] = data["groups"][0]["participants"][0]["id"]
    with pytest.raises(Invalid, match="not in the export"):
        json_import.import_workshop(session, data=data)


def test_the_workbook_has_the_plenary_with_lineage_and_a_sheet_per_group(session: Session, event: Workshop) -> None:
    book = load_workbook(io.BytesIO(xlsx_export.write(session, event, "en")), read_only=True)
    names = book.sheetnames
    assert "Plenary" in names
    assert "Group 1 - ภาคเหนือ" in names and "Group 2 - ภาคใต้" in names
    plenary_rows = [list(r) for r in book["Plenary"].iter_rows(values_only=True)]
    head = plenary_rows[0]
    assert head[:2] == ["Rank", "Project title"] and "From group" in head
    from_group, group_rank, group_dots = (head.index(h) for h in ("From group", "Rank in group", "Dots in group"))
    merged = next(r for r in plenary_rows[1:] if r[1] == "ค")
    # The merged plenary project came from two projects of the south, both ranked 1 with 2 dots.
    assert (merged[from_group], merged[group_rank], merged[group_dots]) == ("2 ภาคใต้; 2 ภาคใต้", "1; 1", "2; 2")
    north_rows = [list(r) for r in book["Group 1 - ภาคเหนือ"].iter_rows(values_only=True)]
    assert [r[1] for r in north_rows[1:]] == ["ก", "ข"]


def test_the_csv_of_an_event_says_where_each_plenary_project_came_from(session: Session, event: Workshop) -> None:
    from app.services.exports import csv_export

    rows = list(csv.reader(io.StringIO(csv_export.write(session, event, "en").decode("utf-8-sig"))))
    assert rows[0][-3:] == ["From group", "Rank in group", "Dots in group"]
    first = next(r for r in rows[1:] if r[2] == "ก")
    assert first[-3:] == ["1 ภาคเหนือ", "1", "3"]
    # A workshop without groups keeps its columns as they were.
    lone = make_workshop(session)
    make_project(session, lone, "x")
    assert "From group" not in csv_export.write(session, lone, "en").decode("utf-8-sig")


def test_the_report_shows_lineage_and_each_group_s_ranking(session: Session, event: Workshop) -> None:
    from app.services import report

    values = report.build(session, workshop=event, lang="en")
    assert [(g.title, [e.project.title for e in entries]) for g, entries, _total in values["group_rankings"]] == \
        [("ภาคเหนือ", ["ก", "ข"]), ("ภาคใต้", ["ค", "ง"])]
    assert values["model"].lineage  # the ranking's rows say where each plenary project came from
