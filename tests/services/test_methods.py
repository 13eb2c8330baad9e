"""Voting methods behind one seam: every mode the API accepts has a method, each method says
what a tap means and what a project's figure is, and each brings the template with every part
the pages ask of it (so a new method is its module and its template)."""

from __future__ import annotations

import re
import typing

import pytest
from jinja2 import nodes

from app.models.round import RoundCreate, RoundPublic
from app.services import methods
from app.services.methods.base import Standing
from app.services.methods.dots import AddDot
from app.services.methods.scoring import SetScores
from app.web import TEMPLATES_DIR, make_templates

# What the pages call on `m` after `{% import method.template as m with context %}`.
PARTS = {m for path in TEMPLATES_DIR.rglob("*.html") if "methods" not in path.parts
         for m in re.findall(r"\bm\.(\w+)\(", path.read_text(encoding="utf-8"))}


def test_every_mode_the_api_takes_has_a_method_and_the_first_round_has_one() -> None:
    for model in (RoundCreate, RoundPublic):
        assert set(typing.get_args(model.model_fields["mode"].annotation)) == set(methods.METHODS)
    assert methods.DEFAULT.mode == RoundCreate().mode == "dots"


@pytest.mark.parametrize("mode", sorted(methods.METHODS))
def test_each_method_brings_every_part_the_pages_ask_for(mode: str) -> None:
    method = methods.of(mode)
    env = make_templates().env
    source = env.loader.get_source(env, method.template)[0]  # type: ignore[union-attr]
    defined = {node.name for node in env.parse(source).find_all(nodes.Macro)}
    assert PARTS and PARTS <= defined, f"{method.template} lacks {sorted(PARTS - defined)}"
    for template in (method.tap_answer,):
        env.get_template(template)


def test_a_tap_on_a_dot_ballot_is_one_dot_more_or_less() -> None:
    dots = methods.of("dots")
    assert dots.tap(7, {"change": "1"}) == AddDot(7, 1)
    assert dots.tap(7, {"change": "-1"}) == AddDot(7, -1)
    assert dots.tap(7, {"change": "lots"}) == AddDot(7, 0)  # refused by the command's own check


def test_a_tap_on_a_score_ballot_is_one_score_and_the_chosen_number_again_takes_it_back() -> None:
    scoring = methods.of("scoring")
    assert scoring.tap(7, {"criterion": "impact", "value": "4"}) == SetScores(7, {"impact": 4})
    assert scoring.tap(7, {"criterion": "impact", "value": "0"}) == SetScores(7, {"impact": None})
    assert scoring.tap(7, {"criterion": "impact", "value": "9"}) == SetScores(7, {"impact": -1})


def standing(**values: object) -> Standing:
    fields: dict[str, object] = {"rank": 1, "project": None, "dots": 0, "voters": 0, "strategy_ids": [],
                                 "reform_area_ids": [], **values}
    return Standing(**fields)  # type: ignore[arg-type]


def test_the_screens_show_dots_in_a_dot_round_and_the_score_in_a_scoring_round() -> None:
    dots, scoring = methods.of("dots"), methods.of("scoring")
    most, some = standing(dots=12, voters=5), standing(dots=3, voters=2)
    assert (dots.figure(most), dots.bar(most, most.dots), dots.bar(some, most.dots)) == ("12", 1000, 250)
    scored, unscored = standing(score=3.75, scorers=3), standing()
    assert (scoring.figure(scored), scoring.figure(unscored)) == ("3.8", "–")
    assert (scoring.bar(scored, 0), scoring.bar(unscored, 0)) == (750, 0)
