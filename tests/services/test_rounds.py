"""Voting rounds: a second, sharper round on the short list, each round's results kept, and
dot budgets per strategy."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from app.errors import Conflict, Invalid, NotFound
from app.models import Phase, Workshop
from app.models.round import Criterion, RoundCreate, ScopeIn
from app.services import projects, results, round_setup, rounds, scoring, voting, workshops
from tests.factories import FACILITATOR, make_participant, make_project, make_workshop


def titles(outcome: results.Outcome) -> list[str]:
    return [s.project.title for s in outcome.standings]


def dots(session: Session, workshop: Workshop, ballots: dict[str, dict[str, int]],
         by_title: dict[str, int]) -> None:
    """Each named participant (made here) spends these dots on these projects."""
    for name, ballot in ballots.items():
        voter = make_participant(session, workshop, name)
        for title, n in ballot.items():
            voting.set_dots(session, workshop=workshop, participant=voter, project_id=by_title[title], dots=n)


@pytest.fixture
def first_round(session: Session) -> tuple[Workshop, dict[str, int]]:
    """Round 1 voted: A 5 dots, B 4, C 3, D 1, E none."""
    workshop = make_workshop(session, phase="propose", dots_per_participant=6, max_dots_per_project=3)
    by_title = {t: make_project(session, workshop, t).id for t in "ABCDE"}
    workshops.set_phase(session, workshop=workshop, actor=FACILITATOR, phase=Phase.vote)
    dots(session, workshop, {"Somchai": {"A": 3, "B": 2, "C": 1}, "Malee": {"A": 2, "B": 2, "C": 2},
                             "Dao": {"D": 1}}, by_title)
    return workshop, by_title


def test_a_workshop_starts_with_round_one_of_dot_voting_on_all_projects(session: Session) -> None:
    workshop = make_workshop(session)
    (first,) = rounds.list_rounds(session, workshop=workshop)
    assert (first.number, first.mode, rounds.scope(session, round_=first)) == (1, "dots", None)
    assert rounds.current_round(session, workshop=workshop).id == first.id


def test_a_second_round_on_the_top_three_freezes_them_and_becomes_current(
        session: Session, first_round: tuple[Workshop, dict[str, int]]) -> None:
    workshop, by_title = first_round
    second = round_setup.create_round(session, workshop=workshop, actor=FACILITATOR, round_in=RoundCreate(
        title="Short list", mode="scoring", scope=ScopeIn(top_n=3, from_round=1)))
    assert (second.number, second.title, rounds.current_round(session, workshop=workshop).id) == (2, "Short list",
                                                                                                  second.id)
    assert rounds.scope(session, round_=second) == {by_title["A"], by_title["B"], by_title["C"]}
    # Later votes in round 1 do not change the frozen short list.
    rounds.switch_round(session, workshop=workshop, actor=FACILITATOR, number=1)
    dots(session, workshop, {"Late": {"E": 3, "D": 3}}, by_title)
    assert rounds.scope(session, round_=second) == {by_title["A"], by_title["B"], by_title["C"]}
    # The round's ranking, ballot and tallies cover its short list only.
    assert titles(results.compute(session, workshop=workshop, round_id=second.id)) == ["A", "B", "C"]


def test_a_short_list_from_a_scoring_round_takes_its_best_scores(
        session: Session, first_round: tuple[Workshop, dict[str, int]]) -> None:
    workshop, by_title = first_round
    round_setup.create_round(session, workshop=workshop, actor=FACILITATOR, round_in=RoundCreate(mode="scoring"))
    judge = make_participant(session, workshop, "Judge")
    for title, value in {"A": 2, "C": 5, "E": 4}.items():
        scoring.set_scores(session, workshop=workshop, participant=judge, project_id=by_title[title],
                           scores={"impact": value, "feasibility": value})
    third = round_setup.create_round(session, workshop=workshop, actor=FACILITATOR,
                                     round_in=RoundCreate(scope=ScopeIn(top_n=2)))
    assert rounds.scope(session, round_=third) == {by_title["C"], by_title["E"]}
    assert third.scope_round_id == rounds.get_round(session, workshop=workshop, number=2).id


def test_ties_at_the_cut_follow_the_ranking_order(session: Session) -> None:
    workshop = make_workshop(session, phase="vote")
    by_title = {t: make_project(session, workshop, t).id for t in ("first", "second", "third")}
    # No dots at all: everyone shares rank 1; the earlier proposals come first.
    round_ = round_setup.create_round(session, workshop=workshop, actor=FACILITATOR,
                                      round_in=RoundCreate(scope=ScopeIn(top_n=2)))
    assert rounds.scope(session, round_=round_) == {by_title["first"], by_title["second"]}


def test_each_round_keeps_its_own_votes_and_results(
        session: Session, first_round: tuple[Workshop, dict[str, int]]) -> None:
    workshop, by_title = first_round
    before = results.to_public(results.compute(session, workshop=workshop))
    second = round_setup.create_round(session, workshop=workshop, actor=FACILITATOR,
                                      round_in=RoundCreate(dots_per_participant=2))
    dots(session, workshop, {"Nok": {"E": 2}}, by_title)
    assert titles(results.compute(session, workshop=workshop))[0] == "E"
    first = rounds.get_round(session, workshop=workshop, number=1)
    assert results.to_public(results.compute(session, workshop=workshop, round_id=first.id)) == before
    # Switching back: votes go to round 1 again, round 2 keeps its own.
    rounds.switch_round(session, workshop=workshop, actor=FACILITATOR, number=1)
    assert titles(results.compute(session, workshop=workshop))[0] == "A"
    assert titles(results.compute(session, workshop=workshop, round_id=second.id))[0] == "E"


def test_a_round_s_own_budget_and_cap_apply_in_it(session: Session) -> None:
    workshop = make_workshop(session, phase="vote", dots_per_participant=5, max_dots_per_project=3)
    a, b = make_project(session, workshop, "A"), make_project(session, workshop, "B")
    round_setup.create_round(session, workshop=workshop, actor=FACILITATOR, round_in=RoundCreate(dots_per_participant=2,
                                                                         max_dots_per_project=1))
    voter = make_participant(session, workshop)
    with pytest.raises(Conflict, match="At most 1 dots"):
        voting.set_dots(session, workshop=workshop, participant=voter, project_id=a.id, dots=2)
    voting.set_dots(session, workshop=workshop, participant=voter, project_id=a.id, dots=1)
    answer = voting.set_dots(session, workshop=workshop, participant=voter, project_id=b.id, dots=1)
    assert (answer.used, answer.remaining) == (2, 0)


def test_dots_off_the_short_list_are_refused(session: Session,
                                             first_round: tuple[Workshop, dict[str, int]]) -> None:
    workshop, by_title = first_round
    round_setup.create_round(session, workshop=workshop, actor=FACILITATOR, round_in=RoundCreate(scope=ScopeIn(top_n=2)))
    voter = make_participant(session, workshop, "Nok")
    with pytest.raises(Conflict, match="short list"):
        voting.set_dots(session, workshop=workshop, participant=voter, project_id=by_title["E"], dots=1)
    voting.set_dots(session, workshop=workshop, participant=voter, project_id=by_title["A"], dots=1)


def test_a_scoring_round_refuses_dots(session: Session) -> None:
    workshop = make_workshop(session, phase="vote")
    project = make_project(session, workshop)
    round_setup.create_round(session, workshop=workshop, actor=FACILITATOR, round_in=RoundCreate(mode="scoring"))
    with pytest.raises(Conflict, match="scores projects instead of taking dots"):
        voting.set_dots(session, workshop=workshop, participant=make_participant(session, workshop),
                        project_id=project.id, dots=1)


def test_a_scoring_round_gets_impact_and_feasibility_in_the_workshop_s_language(session: Session) -> None:
    thai, english = make_workshop(session), make_workshop(session, language="en")
    for workshop, names in ((thai, ["ผลกระทบ", "ความเป็นไปได้"]), (english, ["Impact", "Feasibility"])):
        round_ = round_setup.create_round(session, workshop=workshop, actor=FACILITATOR,
                                          round_in=RoundCreate(mode="scoring"))
        assert [(c.key, c.name, c.weight) for c in rounds.criteria(round_)] == [
            ("impact", names[0], 1.0), ("feasibility", names[1], 1.0)]


@pytest.mark.parametrize(("round_in", "error", "words"), [
    ({"scope": {"top_n": 2, "from_round": 7}}, Invalid, "no round 7"),
    ({"scope": {"top_n": 2}}, Invalid, "no projects"),
])
def test_a_short_list_needs_an_existing_round_with_projects(session: Session, round_in: dict, error: type,
                                                            words: str) -> None:
    workshop = make_workshop(session)
    with pytest.raises(error, match=words):
        round_setup.create_round(session, workshop=workshop, actor=FACILITATOR,
                                 round_in=RoundCreate.model_validate(round_in))
    assert len(rounds.list_rounds(session, workshop=workshop)) == 1


@pytest.mark.parametrize("body", [
    {"mode": "scoring", "dots_per_participant": 3},
    {"mode": "scoring", "per_strategy_budget": True},
    {"mode": "dots", "criteria": [{"key": "impact", "name": "Impact"}]},
    {"mode": "scoring", "criteria": [{"key": "impact", "name": "A"}, {"key": "impact", "name": "B"}]},
    {"mode": "scoring", "criteria": [{"key": "Impact!", "name": "A"}]},
    {"mode": "scoring", "criteria": [{"key": "impact", "name": "A", "weight": 0}]},
    {"mode": "scoring", "criteria": []},
    {"mode": "ranking"},
    {"scope": {"top_n": 0}},
])
def test_a_round_that_makes_no_sense_is_refused_before_anything_is_written(body: dict) -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError):
        RoundCreate.model_validate(body)


def test_rounds_cannot_be_made_or_switched_in_a_closed_workshop(session: Session) -> None:
    workshop = make_workshop(session, phase="closed")
    with pytest.raises(Conflict, match="closed"):
        round_setup.create_round(session, workshop=workshop, actor=FACILITATOR, round_in=RoundCreate())
    with pytest.raises(Conflict, match="closed"):
        rounds.switch_round(session, workshop=workshop, actor=FACILITATOR, number=1)


def test_switching_to_a_round_that_does_not_exist_is_not_found(session: Session) -> None:
    workshop = make_workshop(session)
    with pytest.raises(NotFound, match="no voting round 3"):
        rounds.switch_round(session, workshop=workshop, actor=FACILITATOR, number=3)


def test_a_duplicate_merged_into_a_project_off_the_short_list_brings_it_onto_the_list(
        session: Session, first_round: tuple[Workshop, dict[str, int]]) -> None:
    workshop, by_title = first_round
    second = round_setup.create_round(session, workshop=workshop, actor=FACILITATOR,
                                      round_in=RoundCreate(scope=ScopeIn(top_n=1)))
    voter = make_participant(session, workshop, "Nok")
    voting.set_dots(session, workshop=workshop, participant=voter, project_id=by_title["A"], dots=2)
    projects.merge_projects(session, workshop=workshop, actor=FACILITATOR,
                            project_id=by_title["A"], into_id=by_title["E"])
    assert by_title["E"] in rounds.scope(session, round_=second)
    standing = results.compute(session, workshop=workshop, round_id=second.id).standings
    assert [(s.project.title, s.dots) for s in standing] == [("E", 2)]


# --- a budget per strategy ---


@pytest.fixture
def per_strategy(session: Session) -> tuple[Workshop, dict[str, int]]:
    """A round with 2 dots per strategy: projects in S1, in S2, in both, and in none."""
    workshop = make_workshop(session, phase="propose", dots_per_participant=5, max_dots_per_project=3)
    by_title = {
        "s1": make_project(session, workshop, "s1", strategies=["S1"]).id,
        "s1 too": make_project(session, workshop, "s1 too", strategies=["S1"]).id,
        "s2": make_project(session, workshop, "s2", strategies=["S2"]).id,
        "both": make_project(session, workshop, "both", strategies=["S1", "S2"]).id,
        "none": make_project(session, workshop, "none").id,
        "none too": make_project(session, workshop, "none too").id,
    }
    workshops.set_phase(session, workshop=workshop, actor=FACILITATOR, phase=Phase.vote)
    round_setup.create_round(session, workshop=workshop, actor=FACILITATOR, round_in=RoundCreate(dots_per_participant=2,
                                                                         per_strategy_budget=True))
    return workshop, by_title


def test_each_strategy_has_its_own_budget(session: Session, per_strategy: tuple[Workshop, dict[str, int]]) -> None:
    workshop, by_title = per_strategy
    voter = make_participant(session, workshop)
    voting.set_dots(session, workshop=workshop, participant=voter, project_id=by_title["s1"], dots=2)
    with pytest.raises(Conflict, match="one of this project's strategies: 0 left of 2"):
        voting.set_dots(session, workshop=workshop, participant=voter, project_id=by_title["s1 too"], dots=1)
    # S2 has its own 2 dots, whatever was spent in S1.
    answer = voting.set_dots(session, workshop=workshop, participant=voter, project_id=by_title["s2"], dots=2)
    assert answer.used == 4


def test_a_project_in_two_strategies_spends_from_both(session: Session,
                                                      per_strategy: tuple[Workshop, dict[str, int]]) -> None:
    workshop, by_title = per_strategy
    voter = make_participant(session, workshop)
    voting.set_dots(session, workshop=workshop, participant=voter, project_id=by_title["both"], dots=2)
    for title in ("s1", "s2"):
        with pytest.raises(Conflict, match="0 left of 2"):
            voting.set_dots(session, workshop=workshop, participant=voter, project_id=by_title[title], dots=1)
    mine = voting.my_votes(session, workshop=workshop, participant=voter)
    s1, s2 = (str(s.id) for s in workshops.list_strategies(session, workshop=workshop)[:2])
    assert mine.remaining_by_strategy is not None
    assert (mine.remaining_by_strategy[s1], mine.remaining_by_strategy[s2], mine.remaining_by_strategy["none"]) == (
        0, 0, 2)


def test_projects_without_a_strategy_share_one_budget_instead_of_having_none(
        session: Session, per_strategy: tuple[Workshop, dict[str, int]]) -> None:
    workshop, by_title = per_strategy
    voter = make_participant(session, workshop)
    voting.set_dots(session, workshop=workshop, participant=voter, project_id=by_title["none"], dots=2)
    with pytest.raises(Conflict, match="0 left of 2"):
        voting.set_dots(session, workshop=workshop, participant=voter, project_id=by_title["none too"], dots=1)
    answer = voting.set_dots(session, workshop=workshop, participant=voter, project_id=by_title["none"], dots=1)
    assert answer.remaining_by_strategy is not None and answer.remaining_by_strategy["none"] == 1


def test_the_per_strategy_round_leaves_the_other_rounds_budget_alone(
        session: Session, per_strategy: tuple[Workshop, dict[str, int]]) -> None:
    workshop, by_title = per_strategy
    voter = make_participant(session, workshop)
    voting.set_dots(session, workshop=workshop, participant=voter, project_id=by_title["s1"], dots=2)
    rounds.switch_round(session, workshop=workshop, actor=FACILITATOR, number=1)
    mine = voting.my_votes(session, workshop=workshop, participant=voter)
    assert (mine.used, mine.remaining, mine.remaining_by_strategy) == (0, 5, None)


def test_a_round_s_ranking_shows_the_criteria_of_a_scoring_round_only(session: Session) -> None:
    workshop = make_workshop(session)
    dots_round = rounds.current_round(session, workshop=workshop)
    scoring_round = round_setup.create_round(session, workshop=workshop, actor=FACILITATOR, round_in=RoundCreate(
        mode="scoring", criteria=[Criterion(key="cost", name="Cost", weight=2)]))
    assert rounds.criteria(dots_round) == []
    assert [c.key for c in rounds.criteria(scoring_round)] == ["cost"]
