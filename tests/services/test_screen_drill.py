"""Drilling a nested framework: which level the big screen's per-strategy views show."""

from __future__ import annotations

from dataclasses import dataclass

from app.services import frameworks


@dataclass
class Entry:
    id: int
    code: str
    parent_id: int | None = None


PLAN = [Entry(1, "S1"), Entry(2, "S1.1", 1), Entry(3, "S1.1.1", 2), Entry(4, "S1.2", 1), Entry(5, "S2")]


def codes(entries: list[Entry]) -> list[str]:
    return [e.code for e in entries]


def test_undrilled_the_screen_shows_the_top_level_and_which_strategies_open() -> None:
    top = frameworks.drill(PLAN, None)
    assert top.focus is None and codes(top.level) == ["S1", "S2"]
    assert top.openable == {1} and top.trail == [] and top.up is None


def test_drilled_into_a_strategy_the_screen_shows_its_children_and_the_way_back_up() -> None:
    master = frameworks.drill(PLAN, 1)
    assert codes(master.level) == ["S1.1", "S1.2"] and master.openable == {2} and master.up is None
    sub = frameworks.drill(PLAN, 2)
    assert codes(sub.level) == ["S1.1.1"] and codes(sub.trail) == ["S1", "S1.1"] and sub.up == 1


def test_a_leaf_a_stranger_or_a_flat_framework_shows_the_top_level() -> None:
    for focus in (3, 5, 99):
        assert codes(frameworks.drill(PLAN, focus).level) == ["S1", "S2"], focus
    flat = [Entry(1, "S1"), Entry(2, "S2")]
    drilled = frameworks.drill(flat, 1)
    assert drilled.focus is None and codes(drilled.level) == ["S1", "S2"] and drilled.openable == set()
