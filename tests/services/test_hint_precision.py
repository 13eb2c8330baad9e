"""Duplicate hints on real data (issue 13, point 6): a facilitator imports the ThaiME sample's
2,764 distinct real titles and reads the console's duplicate hints; there are 50 of them today,
and all 50 were labelled by hand in tests/data/hint_labels_thaime.json (100 are drawn at random
when there are more; the labelling rule is its "rule" key and the docstring of
scripts/hint_precision.py). The same code's 61 hints over 3,000 other rows of the whole set are
labelled in tests/data/hint_labels_thaime_other.json (that set is not in the repository: checked
for form here, measured with `scripts/hint_precision.py --other thaime_v2p2.xlsx`). The earlier
labellings stay as the record of what they measured: tests/data/hint_labels_thaime_before.json
(seed 136, before numbers and place names were kept as tokens),
tests/data/hint_labels_thaime_2613.json (seed 2613, before titles that contradict stopped being
paired), tests/data/hint_labels_thaime_7151.json (seed 7151, the contradiction rule alone) and
tests/data/hint_labels_thaime_2412.json (seed 2412, before road ends, persons and "works need a
place"). They are checked for form only, and how many of their pairs are still hints is reported.

The hints are recomputed here over the same titles with the current code (about fifteen seconds),
so the labels always describe hints the code really gives: a change to the hints that drops a
labelled pair fails this test, and the labels must then be redrawn and read again by hand with
`scripts/hint_precision.py --sample`, never edited to fit.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from app.services import duplicates

ROOT = Path(__file__).resolve().parent.parent.parent

# The floor guards against regressions, not tuning: it is the measured precision rounded down to
# the tenth (0/100 on seed 136, 0/100 on seed 2613, 2/100 on seed 7151 after the contradiction rule,
# 18/84 on seed 2412 after the place and template rules, 20/50 = 0.40 on seed 5150 after road ends,
# persons and "works need a place"). On 3,000 other rows of the whole set, read only after the code
# was frozen, it is 15/61 = 0.25 (tests/data/hint_labels_thaime_other.json): the rules were found by
# reading this sample's hints, and the other rows say how much of that carries over.
PRECISION_FLOOR = 0.4
# Each earlier labelling and the words its note must start with (what it measured).
EARLIER = {"LABELS_BEFORE": "BEFORE the fix", "LABELS_2613": "BEFORE the contradiction rule",
           "LABELS_7151": "BEFORE the place and template rules", "LABELS_2412": "BEFORE the road-end"}


def script() -> ModuleType:
    """scripts/hint_precision.py, the one place that loads the titles and draws the sample."""
    spec = importlib.util.spec_from_file_location("hint_precision", ROOT / "scripts" / "hint_precision.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("hint_precision", module)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def measured() -> tuple[ModuleType, list[str], set[tuple[str, str]]]:
    hp = script()
    projects = hp.load_projects()
    titles = [title for title, _agency in projects]
    pairs = hp.hints(projects)
    return hp, titles, {(titles[p.a], titles[p.b]) for p in pairs}


# How many hints each labelling holds: 100 drawn at random, or all of them when there were fewer.
LABELLED = {"LABELS": 50, "LABELS_OTHER": 61, "LABELS_BEFORE": 100, "LABELS_2613": 100, "LABELS_7151": 100,
            "LABELS_2412": 84}


@pytest.mark.parametrize("which", ["LABELS", "LABELS_OTHER", *EARLIER])
def test_the_labels_are_distinct_hints_with_a_reason_and_a_rule(which: str) -> None:
    hp = script()
    data = hp.load_labels(getattr(hp, which))
    assert isinstance(data["rule"], str) and "same place" in data["rule"]
    assert data["rule"] == hp.load_labels(hp.LABELS_BEFORE)["rule"]  # one rule for every labelling
    labels = data["labels"]
    assert isinstance(labels, list) and len(labels) == LABELLED[which]
    for label in labels:
        assert set(label) == {"a", "b", "duplicate", "why"}, label
        assert isinstance(label["a"], str) and isinstance(label["b"], str) and label["a"] != label["b"]
        assert isinstance(label["duplicate"], bool)
        assert isinstance(label["why"], str) and label["why"].strip()
    assert len({frozenset((label["a"], label["b"])) for label in labels}) == LABELLED[which]


def test_every_labelled_pair_is_still_a_hint_of_the_current_code(
        measured: tuple[ModuleType, list[str], set[tuple[str, str]]]) -> None:
    hp, titles, hinted = measured
    assert len(titles) == 2764  # the sample's distinct titles that fit the 500-character limit
    labels = hp.load_labels()["labels"]
    missing = [(label["a"], label["b"]) for label in labels if (label["a"], label["b"]) not in hinted]
    assert not missing, f"{len(missing)} labelled pairs are no longer hints: redraw and relabel, e.g. {missing[:2]}"
    # Fewer than 100 hints: every one of them is labelled, so the precision is the whole sample's.
    assert len(hinted) < 100 and len(labels) == len(hinted)


@pytest.mark.parametrize("which", EARLIER)
def test_the_earlier_labels_are_reported_not_required(
        which: str, measured: tuple[ModuleType, list[str], set[tuple[str, str]]]) -> None:
    hp, titles, hinted = measured
    data = hp.load_labels(getattr(hp, which))
    assert data["note"].startswith(EARLIER[which])
    labels = data["labels"]
    known = set(titles)
    assert all(label["a"] in known and label["b"] in known for label in labels)  # pairs of the real titles
    still = sum(1 for label in labels if (label["a"], label["b"]) in hinted)
    right, total = hp.precision(labels)
    print(f"\n{which}: precision {right}/{total}; {still} of its {total} labelled pairs are still hints")


def test_precision_of_the_hints_on_the_real_titles(
        measured: tuple[ModuleType, list[str], set[tuple[str, str]]]) -> None:
    hp, titles, hinted = measured
    labels = hp.load_labels()["labels"]
    right, total = hp.precision(labels)
    precision = right / total
    print(f"\nduplicate hints over {len(titles)} real titles at threshold {duplicates.THRESHOLD}: {len(hinted)} hints; "
          f"precision on {total} labelled by hand: {right}/{total} = {precision:.2f}")
    assert (right, total) == (sum(label["duplicate"] for label in labels), len(labels))
    assert precision >= PRECISION_FLOOR
