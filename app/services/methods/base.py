"""What every voting method answers, whatever it is: what a tap on a phone means (which
command), what the ranking sorts by, and what the screens show of each project (a figure, a
bar, and the method's own partials in its template, `methods/<mode>.html`).

A method is one module in this package with one `Method`; the registry in `__init__.py` finds
it by the round's mode. Below `results` and `voting` (they ask the method), above nothing but
the models and the lower services (`projects`, `rounds`)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from sqlalchemy import ColumnElement
from sqlmodel.sql.expression import SelectOfScalar
from sqlmodel import Session

from app.models import Project, Round
from app.models.project import ProjectRow
from app.services.projects import Tags


@dataclass(slots=True)  # one per project on every redraw of a big workshop: slots make that cheaper
class Standing:
    """One project's place in the ranking, with what a page needs to show it."""

    rank: int
    project: Project | ProjectRow  # rows in the live ranking (results.compute), objects in the files
    dots: int
    voters: int
    strategy_ids: list[int]
    reform_area_ids: list[int]
    rank_shared: bool = False
    # Scoring rounds: weighted mean (None: nobody scored it), each criterion's mean, scorers.
    score: float | None = None
    scores: dict[str, float] = field(default_factory=dict)
    scorers: int = 0


def competition_ranks(keys: list[tuple[object, ...]]) -> list[int]:
    """Competition ranks (1, 2, 2, 4) of already sorted keys: equal keys share a rank."""
    ranks: list[int] = []
    previous: tuple[object, ...] | None = None
    for position, key in enumerate(keys, start=1):
        ranks.append(ranks[-1] if key == previous else position)
        previous = key
    return ranks


class Method:
    """A voting method. Subclasses set the class attributes and answer the three questions."""

    mode: ClassVar[str]  # the round's `mode` that picks this method
    label: ClassVar[str]  # its name on the console (N_: translated where shown)
    choice: ClassVar[str]  # how the round form offers it
    phone_hint: ClassVar[str]  # what the phone's round badge says to do
    default: ClassVar[bool] = False  # the method of a workshop's first round
    takes_dots: ClassVar[bool] = False  # a budget and a cap per project apply (and may be per strategy)
    takes_criteria: ClassVar[bool] = False  # the round has criteria, each scored
    tap_answer: ClassVar[str]  # the partial that answers a phone's tap

    @property
    def template(self) -> str:
        """The method's macros (ballot, ranking, my choices, console counts and columns, round
        form settings, people per project): `{% import method.template as m with context %}`."""
        return f"methods/{self.mode}.html"

    def tap(self, project_id: int, form: Mapping[str, Any]) -> Any:
        """The command a tap on a phone's ballot sends (checked by the command and the rules)."""
        raise NotImplementedError

    def rank(self, session: Session, *, round_: Round, projects: Iterable[Project | ProjectRow],
             tags: Tags) -> list[Standing]:
        """The projects in ranking order with their ranks (ties share one); `projects` come in
        proposal order, which breaks the ties the method leaves."""
        raise NotImplementedError

    def figure(self, standing: Standing) -> str:
        """The number the big screen shows beside a project."""
        raise NotImplementedError

    def bar(self, standing: Standing, most_dots: int) -> int:
        """A project's bar on the big screen, 0 to 1000; `most_dots`: the ranking's highest."""
        raise NotImplementedError

    def took_part(self, round_id: int | ColumnElement[int]) -> SelectOfScalar[int]:
        """The ids of the participants who have voted in a round of this method (a dot, a score:
        whatever the method counts), possibly repeated: the "voted" of every participation count.
        `round_id` may be a bound parameter (a statement built once: participation.counts)."""
        raise NotImplementedError
