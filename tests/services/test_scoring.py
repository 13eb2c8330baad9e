"""Multi-criteria scoring: 1-5 per criterion, the weighted mean of each criterion's mean over
those who scored it, missing scores left out, and the ranking that follows."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from app.errors import Conflict, Invalid, NotFound
from app.models import Participant, Phase, Workshop
from app.models.round import Criterion, RoundCreate, ScopeIn
from app.services import projects, results, round_setup, scoring, voting, workshops
from tests.factories import FACILITATOR, make_participant, make_project, make_workshop


def scoring_workshop(session: Session, *titles: str, criteria: list[Criterion] | None = None,
                     ) -> tuple[Workshop, dict[str, int]]:
    workshop = make_workshop(session, phase="propose", language="en")
    by_title = {t: make_project(session, workshop, t).id for t in titles}
    workshops.set_phase(session, workshop=workshop, actor=FACILITATOR, phase=Phase.vote)
    round_setup.create_round(session, workshop=workshop, actor=FACILITATOR,
                             round_in=RoundCreate(mode="scoring", criteria=criteria))
    return workshop, by_title


def score(session: Session, workshop: Workshop, who: Participant, project_id: int, **values: int | None) -> None:
    scoring.set_scores(session, workshop=workshop, participant=who, project_id=project_id, scores=values)


def test_a_criterion_s_mean_counts_only_those_who_scored_it(session: Session) -> None:
    workshop, by_title = scoring_workshop(session, "Flood warning")
    somchai, malee, dao = (make_participant(session, workshop, n) for n in ("Somchai", "Malee", "Dao"))
    score(session, workshop, somchai, by_title["Flood warning"], impact=5, feasibility=2)
    score(session, workshop, malee, by_title["Flood warning"], impact=4)  # no feasibility: left out, not 0
    score(session, workshop, dao, by_title["Flood warning"], feasibility=4)
    (standing,) = results.compute(session, workshop=workshop).standings
    assert standing.scores == {"impact": 4.5, "feasibility": 3.0}
    assert standing.score == pytest.approx(3.75)  # (4.5 + 3.0) / 2
    assert (standing.scorers, standing.voters, standing.dots) == (3, 3, 0)


def test_the_priority_score_is_the_weighted_mean_of_the_criteria(session: Session) -> None:
    criteria = [Criterion(key="impact", name="Impact", weight=3), Criterion(key="feasibility", name="Feasibility"),
                Criterion(key="cost", name="Low cost", weight=2)]
    workshop, by_title = scoring_workshop(session, "Data centre", criteria=criteria)
    voter = make_participant(session, workshop)
    score(session, workshop, voter, by_title["Data centre"], impact=5, feasibility=1, cost=2)
    (standing,) = results.compute(session, workshop=workshop).standings
    assert standing.score == pytest.approx((3 * 5 + 1 * 1 + 2 * 2) / 6)


def test_a_criterion_nobody_scored_drops_out_with_its_weight(session: Session) -> None:
    criteria = [Criterion(key="impact", name="Impact", weight=3), Criterion(key="feasibility", name="Feasibility")]
    workshop, by_title = scoring_workshop(session, "Cloud", criteria=criteria)
    score(session, workshop, make_participant(session, workshop), by_title["Cloud"], feasibility=2)
    (standing,) = results.compute(session, workshop=workshop).standings
    assert (standing.score, standing.scores) == (2.0, {"feasibility": 2.0})


def test_the_ranking_goes_by_score_then_scorers_and_nobody_scored_comes_last(session: Session) -> None:
    workshop, by_title = scoring_workshop(session, "unscored", "high", "tied few", "tied many", "low")
    people = [make_participant(session, workshop, f"P{i}") for i in range(3)]
    score(session, workshop, people[0], by_title["high"], impact=5, feasibility=5)
    score(session, workshop, people[0], by_title["tied few"], impact=4, feasibility=4)
    for who in people[:2]:
        score(session, workshop, who, by_title["tied many"], impact=4, feasibility=4)
    score(session, workshop, people[2], by_title["low"], impact=1, feasibility=2)
    outcome = results.compute(session, workshop=workshop)
    assert [(s.rank, s.project.title, s.score, s.scorers) for s in outcome.standings] == [
        (1, "high", 5.0, 1), (2, "tied many", 4.0, 2), (3, "tied few", 4.0, 1), (4, "low", 1.5, 1),
        (5, "unscored", None, 0)]
    public = results.to_public(outcome)
    assert public.mode == "scoring" and public.round == 2
    assert public.ranking[-1].score is None and public.ranking[-1].scores == {"impact": None, "feasibility": None}


def test_equal_scores_and_scorers_share_a_rank_in_proposal_order(session: Session) -> None:
    workshop, by_title = scoring_workshop(session, "first", "second", "third")
    voter = make_participant(session, workshop)
    score(session, workshop, voter, by_title["second"], impact=3, feasibility=4)
    score(session, workshop, voter, by_title["first"], impact=4, feasibility=3)
    ranking = [(s.rank, s.project.title) for s in results.compute(session, workshop=workshop).standings]
    assert ranking == [(1, "first"), (1, "second"), (3, "third")]


def test_scoring_again_replaces_and_null_takes_a_score_back(session: Session) -> None:
    workshop, by_title = scoring_workshop(session, "A")
    voter = make_participant(session, workshop)
    score(session, workshop, voter, by_title["A"], impact=2, feasibility=3)
    score(session, workshop, voter, by_title["A"], impact=5)
    assert scoring.my_scores(session, workshop=workshop, participant=voter).scores == {
        str(by_title["A"]): {"impact": 5, "feasibility": 3}}
    score(session, workshop, voter, by_title["A"], impact=None, feasibility=None)
    assert scoring.my_scores(session, workshop=workshop, participant=voter).scores == {}
    assert results.compute(session, workshop=workshop).standings[0].score is None


@pytest.mark.parametrize("phase", ["setup", "propose", "results", "closed"])
def test_scores_can_be_changed_only_while_voting(session: Session, phase: str) -> None:
    workshop, by_title = scoring_workshop(session, "A")
    voter = make_participant(session, workshop)
    workshop.phase = phase
    with pytest.raises(Conflict, match=f"phase '{phase}'"):
        score(session, workshop, voter, by_title["A"], impact=3)


def test_a_dot_round_refuses_scores(session: Session) -> None:
    workshop = make_workshop(session, phase="vote")
    project = make_project(session, workshop)
    with pytest.raises(Conflict, match="takes dots"):
        score(session, workshop, make_participant(session, workshop), project.id, impact=3)


@pytest.mark.parametrize(("values", "words"), [
    ({"usefulness": 3}, "no criterion 'usefulness'"),
    ({"impact": 0}, "from 1 to 5"),
    ({"impact": 6}, "from 1 to 5"),
    ({"impact": 3, "feasibility": 9}, "from 1 to 5"),
])
def test_unknown_criteria_and_values_off_the_scale_change_nothing(session: Session, values: dict, words: str) -> None:
    workshop, by_title = scoring_workshop(session, "A")
    voter = make_participant(session, workshop)
    with pytest.raises(Invalid, match=words):
        score(session, workshop, voter, by_title["A"], **values)
    assert scoring.my_scores(session, workshop=workshop, participant=voter).scores == {}


def test_projects_off_the_short_list_or_gone_cannot_be_scored(session: Session) -> None:
    workshop = make_workshop(session, phase="vote")
    kept, dropped, hidden = (make_project(session, workshop, t) for t in ("kept", "dropped", "hidden"))
    voter = make_participant(session, workshop)
    voting.set_dots(session, workshop=workshop, participant=voter, project_id=kept.id, dots=1)
    round_setup.create_round(session, workshop=workshop, actor=FACILITATOR,
                             round_in=RoundCreate(mode="scoring", scope=ScopeIn(top_n=1)))
    with pytest.raises(Conflict, match="short list"):
        score(session, workshop, voter, dropped.id, impact=3)
    projects.hide_project(session, workshop=workshop, actor=FACILITATOR, project_id=hidden.id)
    with pytest.raises(NotFound):
        score(session, workshop, voter, hidden.id, impact=3)
    with pytest.raises(NotFound):
        score(session, workshop, voter, 2**63, impact=3)
    score(session, workshop, voter, kept.id, impact=3)


def test_a_proposal_waiting_for_approval_takes_no_score_as_it_takes_no_dots(session: Session) -> None:
    """One rule for both ways of voting: a project takes a vote or a score once it is shown."""
    workshop = make_workshop(session, phase="propose", premoderate=True, language="en")
    malee = make_participant(session, workshop, "Malee")
    waiting = make_project(session, workshop, "Waiting", by=malee)
    workshops.set_phase(session, workshop=workshop, actor=FACILITATOR, phase=Phase.vote)
    round_setup.create_round(session, workshop=workshop, actor=FACILITATOR, round_in=RoundCreate(mode="scoring"))

    with pytest.raises(Conflict, match="waiting for the facilitator's approval"):
        score(session, workshop, malee, waiting.id, impact=5)

    assert scoring.my_scores(session, workshop=workshop, participant=malee).scores == {}


def test_my_scores_are_kept_per_round(session: Session) -> None:
    workshop, by_title = scoring_workshop(session, "A")
    voter = make_participant(session, workshop)
    score(session, workshop, voter, by_title["A"], impact=4)
    round_setup.create_round(session, workshop=workshop, actor=FACILITATOR, round_in=RoundCreate(mode="scoring"))
    assert scoring.my_scores(session, workshop=workshop, participant=voter).scores == {}
    earlier = scoring.my_scores(session, workshop=workshop, participant=voter, round_number=2)
    assert (earlier.round, earlier.scores) == (2, {str(by_title["A"]): {"impact": 4}})
    with pytest.raises(NotFound):
        scoring.my_scores(session, workshop=workshop, participant=voter, round_number=9)


def test_the_matrix_places_each_scored_project_by_feasibility_and_impact(session: Session) -> None:
    workshop, by_title = scoring_workshop(session, "quick win", "half scored", "unscored")
    voter = make_participant(session, workshop)
    score(session, workshop, voter, by_title["quick win"], impact=5, feasibility=4)
    score(session, workshop, voter, by_title["half scored"], impact=3)
    points = scoring.matrix_points(session, workshop=workshop)
    assert [(p.project.title, p.x, p.y) for p in points] == [("quick win", 4.0, 5.0)]


def test_the_matrix_uses_the_latest_round_that_scores_impact_and_feasibility(session: Session) -> None:
    workshop, by_title = scoring_workshop(session, "A")
    voter = make_participant(session, workshop)
    score(session, workshop, voter, by_title["A"], impact=2, feasibility=3)
    round_setup.create_round(session, workshop=workshop, actor=FACILITATOR, round_in=RoundCreate(
             mode="scoring", criteria=[Criterion(key="cost", name="Cost")]))
    round_setup.create_round(session, workshop=workshop, actor=FACILITATOR, round_in=RoundCreate())  # dots
    assert [(p.x, p.y) for p in scoring.matrix_points(session, workshop=workshop)] == [(3.0, 2.0)]
    no_matrix = make_workshop(session)
    assert scoring.matrix_points(session, workshop=no_matrix) == []
