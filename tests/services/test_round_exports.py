"""Exports of a workshop that ran several rounds: the JSON carries every round, its short list,
all votes with their round and all scores, and rebuilds them; the workbook has a sheet per round."""

from __future__ import annotations

import io
import json
from typing import Any

import openpyxl
import pytest
from sqlmodel import Session

from app.errors import Invalid
from app.models import Phase, Workshop
from app.models.round import Criterion, RoundCreate, ScopeIn
from app.services import results, round_setup, rounds, scoring, voting, workshops
from app.services.exports import json_export, json_import, xlsx_export
from tests.factories import FACILITATOR, make_participant, make_project, make_workshop


def as_file(data: dict[str, Any]) -> dict[str, Any]:
    return json.loads(json.dumps(data, ensure_ascii=False))


def every_round(session: Session, workshop: Workshop) -> list[tuple[Any, ...]]:
    """Each round's settings and results, comparable across workshops (titles, not ids)."""
    out = []
    for round_ in rounds.list_rounds(session, workshop=workshop):
        public = results.to_public(results.compute(session, workshop=workshop, round_id=round_.id))
        scope = rounds.scope(session, round_=round_)
        out.append((
            round_.number, round_.title, round_.mode, round_.dots_per_participant, round_.max_dots_per_project,
            round_.per_strategy_budget, rounds.criteria(round_), round_.scope_top_n,
            None if scope is None else len(scope),
            [(r.rank, r.title, r.dots, r.voters, r.score, r.scores, r.scorers) for r in public.ranking],
        ))
    return out


@pytest.fixture
def three_rounds(session: Session) -> Workshop:
    """Round 1 dots on all, round 2 scoring the top 3 (weighted), round 3 dots per strategy on
    the top 2 of round 2; round 2 is current again at the end."""
    workshop = make_workshop(session, phase="propose", dots_per_participant=5, max_dots_per_project=3)
    ids = {t: make_project(session, workshop, t, strategies=s).id
           for t, s in (("ศูนย์ข้อมูลน้ำ", ["S1"]), ("ระบบเตือนภัย", ["S1", "S2"]), ("คลาวด์กลาง", ["S3"]),
                        ("ตลาดออนไลน์", []))}
    people = [make_participant(session, workshop, n) for n in ("สมชาย", "มาลี", "ดาว")]
    workshops.set_phase(session, workshop=workshop, actor=FACILITATOR, phase=Phase.vote)
    for who, ballot in zip(people, ({"ศูนย์ข้อมูลน้ำ": 3, "ระบบเตือนภัย": 2}, {"คลาวด์กลาง": 3},
                                    {"ระบบเตือนภัย": 1, "ตลาดออนไลน์": 1})):
        for title, n in ballot.items():
            voting.set_dots(session, workshop=workshop, participant=who, project_id=ids[title], dots=n)
    round_setup.create_round(session, workshop=workshop, actor=FACILITATOR, round_in=RoundCreate(
        title="คัดเลือก", mode="scoring", scope=ScopeIn(top_n=3),
        criteria=[Criterion(key="impact", name="ผลกระทบ", weight=2), Criterion(key="feasibility", name="ทำได้จริง")]))
    for who, values in zip(people, ({"impact": 5, "feasibility": 2}, {"impact": 3}, {"feasibility": 4})):
        for title in ("ศูนย์ข้อมูลน้ำ", "คลาวด์กลาง"):
            scoring.set_scores(session, workshop=workshop, participant=who, project_id=ids[title], scores=values)
    round_setup.create_round(session, workshop=workshop, actor=FACILITATOR, round_in=RoundCreate(
        dots_per_participant=2, per_strategy_budget=True, scope=ScopeIn(top_n=2, from_round=2)))
    voting.set_dots(session, workshop=workshop, participant=people[0], project_id=ids["ศูนย์ข้อมูลน้ำ"], dots=2)
    rounds.switch_round(session, workshop=workshop, actor=FACILITATOR, number=2)
    return workshop


def test_an_exported_workshop_with_rounds_comes_back_with_equal_results_in_every_round(
        session: Session, three_rounds: Workshop) -> None:
    data = as_file(json_export.export_data(session, workshop=three_rounds))
    assert [r["number"] for r in data["rounds"]] == [1, 2, 3] and data["workshop"]["current_round"] == 2
    assert data["rounds"][2]["scope"]["from_round"] == 2
    assert {v["round"] for v in data["votes"]} == {1, 3} and {s["round"] for s in data["scores"]} == {2}

    imported, _key, _screen = json_import.import_workshop(session, data=data)

    assert every_round(session, imported) == every_round(session, three_rounds)
    assert rounds.current_round(session, workshop=imported).number == 2
    # And once more: an export of the import is the same file but for ids and dates.
    again = as_file(json_export.export_data(session, workshop=imported))

    def ranking(export: dict[str, Any]) -> list[list[tuple[Any, ...]]]:
        return [[(r["rank"], r["title"], r["dots"], r["voters"], r["score"], r["scores"], r["scorers"])
                 for r in round_["results"]["ranking"]] for round_ in export["rounds"]]

    assert ranking(again) == ranking(data)
    assert len(again["votes"]) == len(data["votes"]) and len(again["scores"]) == len(data["scores"])


def test_an_export_made_before_rounds_imports_its_votes_into_round_one(session: Session,
                                                                      three_rounds: Workshop) -> None:
    data = as_file(json_export.export_data(session, workshop=three_rounds))
    old = {k: v for k, v in data.items() if k not in ("rounds", "scores")}
    old["workshop"] = {k: v for k, v in data["workshop"].items() if k != "current_round"}
    old["votes"] = [{k: v for k, v in vote.items() if k != "round"} for vote in data["votes"] if vote["round"] == 1]

    imported, _key, _screen = json_import.import_workshop(session, data=old)

    (only,) = rounds.list_rounds(session, workshop=imported)
    assert (only.number, only.mode) == (1, "dots")
    assert every_round(session, imported) == every_round(session, three_rounds)[:1]


@pytest.mark.parametrize(("change", "words"), [
    (lambda d: d["rounds"].append({**d["rounds"][0]}), "Two rounds have the number 1"),
    (lambda d: d["votes"].append({**d["votes"][0], "round": 9}), "round 9, which is not in the export"),
    (lambda d: d["votes"].append({**d["votes"][0], "round": 2}), "scores projects instead of taking dots"),
    (lambda d: d["scores"].append({**d["scores"][0], "round": 1}), "not a scoring round"),
    (lambda d: d["scores"].append({**d["scores"][0], "criterion": "cost"}), "criterion 'cost'"),
    (lambda d: d["scores"].append(dict(d["scores"][0])), "two scores of project"),
    (lambda d: d["scores"][0].update(value=6), "less than or equal to 5"),
    (lambda d: d["rounds"][2]["scope"].update(from_round=3), "not an earlier round"),
    (lambda d: d["rounds"][1]["scope"]["project_ids"].append(999999), "999999, which is not in the export"),
    (lambda d: d["workshop"].update(current_round=7), "current round 7"),
    (lambda d: d["rounds"][1].update(criteria=[]), "needs at least one criterion"),
    (lambda d: d["votes"].append({"participant_id": d["votes"][0]["participant_id"], "round": 3, "dots": 1,
                                  "project_id": next(p["id"] for p in d["projects"]
                                                     if p["title"] == "ตลาดออนไลน์")}), "short list"),
])
def test_an_export_whose_rounds_do_not_add_up_is_refused(session: Session, three_rounds: Workshop,
                                                         change: Any, words: str) -> None:
    data = as_file(json_export.export_data(session, workshop=three_rounds))
    change(data)
    with pytest.raises(Invalid, match=words):
        json_import.import_workshop(session, data=data)


def test_a_per_strategy_round_s_budget_is_checked_on_import(session: Session, three_rounds: Workshop) -> None:
    data = as_file(json_export.export_data(session, workshop=three_rounds))
    vote = next(v for v in data["votes"] if v["round"] == 3)
    vote["dots"] = 3  # within round 3's cap of 3, over its budget of 2 dots in strategy S1
    with pytest.raises(Invalid, match="in one strategy in round 3, over its budget of 2"):
        json_import.import_workshop(session, data=data)


def test_the_workbook_has_a_sheet_per_round_with_per_criterion_means(session: Session,
                                                                     three_rounds: Workshop) -> None:
    book = openpyxl.load_workbook(io.BytesIO(xlsx_export.export_xlsx(session, workshop=three_rounds,
                                                                     language="en")))
    # A dots sheet for each dot round (1 and 3), then a sheet per round, the list of rounds and the log.
    assert book.sheetnames[3:] == ["Dots per participant, round 1", "Dots per participant, round 3",
                                   "Round 1 - Dot voting", "Round 2 - Scoring", "Round 3 - Dot voting", "Rounds",
                                   "Action log"]
    scored = [list(row) for row in book["Round 2 - Scoring"].iter_rows(values_only=True)]
    assert scored[0] == ["Rank", "Project ID", "Project title", "Agency", "Strategies", "Score", "Scorers",
                         "ผลกระทบ (mean)", "ทำได้จริง (mean)"]
    # ศูนย์ข้อมูลน้ำ and คลาวด์กลาง: impact (5 + 3) / 2 = 4, feasibility (2 + 4) / 2 = 3, score (2*4 + 3) / 3.
    assert [row[2] for row in scored[1:]] == ["ศูนย์ข้อมูลน้ำ", "คลาวด์กลาง", "ระบบเตือนภัย"]
    assert scored[1][5:] == [round(11 / 3, 4), 3, 4, 3]
    assert scored[3][5:] == [None, 0, None, None]
    dots = [list(row) for row in book["Round 1 - Dot voting"].iter_rows(values_only=True)]
    assert dots[0][5:] == ["Dots", "Voters"]
    assert [(row[0], row[2], row[5], row[6]) for row in dots[1:]] == [
        (1, "ระบบเตือนภัย", 3, 2), (2, "ศูนย์ข้อมูลน้ำ", 3, 1), (2, "คลาวด์กลาง", 3, 1), (4, "ตลาดออนไลน์", 1, 1)]
    listed = [list(row) for row in book["Rounds"].iter_rows(values_only=True)]
    assert [(r[0], r[2], r[3], r[8]) for r in listed[1:]] == [
        (1, "Dot voting", "All", "No"), (2, "Scoring", "Top 3 of round 1", "Yes"),
        (3, "Dot voting", "Top 2 of round 2", "No")]
    assert listed[2][7] == "ผลกระทบ (2); ทำได้จริง (1)" and listed[3][6] == "Yes"
    # Each round's headline: projects in it, dots cast (dot rounds), who voted or scored.
    assert [(r[9], r[10], r[11]) for r in listed[1:]] == [(4, 10, 3), (3, None, 3), (2, 2, 1)]


def test_the_dots_sheet_counts_what_is_left_of_the_current_rounds_own_budget(session: Session) -> None:
    """The workshop gives 5 dots; the final round gives 8: a participant who spent 6 has 2 left."""
    workshop = make_workshop(session, phase="propose", dots_per_participant=5, max_dots_per_project=3)
    water, cloud = (make_project(session, workshop, t).id for t in ("ศูนย์ข้อมูลน้ำ", "คลาวด์กลาง"))
    somchai = make_participant(session, workshop, "สมชาย")
    workshops.set_phase(session, workshop=workshop, actor=FACILITATOR, phase=Phase.vote)
    round_setup.create_round(session, workshop=workshop, actor=FACILITATOR,
                             round_in=RoundCreate(title="รอบสุดท้าย", dots_per_participant=8))
    for project_id in (water, cloud):
        voting.set_dots(session, workshop=workshop, participant=somchai, project_id=project_id, dots=3)

    book = openpyxl.load_workbook(io.BytesIO(xlsx_export.export_xlsx(session, workshop=workshop, language="en")))

    rows = list(book["Dots per participant, round 2"].iter_rows(values_only=True))
    assert rows[0][2:4] == ("Dots used", "Dots remaining")
    assert rows[1][:4] == ("สมชาย", None, 6, 2)
    assert list(book["Dots per participant, round 1"].iter_rows(values_only=True))[1][:4] == ("สมชาย", None, 0, 5)
