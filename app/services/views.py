"""What each live view shows: one context builder per view, used by the page that first
draws it and by the hub's renderer that redraws it (app/live/renderer.py), so HTTP and
websocket output cannot drift apart; and the framework's labels, which other pages share."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from app.models import Phase, Workshop, utcnow
from app.services import (action_log, facilitation, frameworks, group_grid, groups, participation, plenary,
                          project_search, projects, results, rounds_view, rules, screen_pages, workshops)
from app.services.access import Actor, Role
from app.services.rules import Action
from app.versions import Memo

VIEWS = ("screen", "facilitator", "phone")


def framework_labels(session: Session, workshop: Workshop, lang: str, kept: Memo | None = None) -> dict[str, Any]:
    """The framework's entries and their names and codes by id; with `kept` (the hub's
    projects-only Memo), kept with the framework (workshops.framework)."""
    strategies, areas = workshops.framework(session, workshop=workshop, kept=kept)
    return {
        "strategies": strategies,
        "reform_areas": areas,
        "strategy_names": {s.id: s.name_in(lang) for s in strategies},
        "strategy_codes": {s.id: s.code for s in strategies},
        "area_names": {r.id: r.name_in(lang) for r in areas},
        "area_codes": {r.id: r.code for r in areas},
    }


def phone_version(workshop: Workshop, outcome: results.Outcome, kept: Memo | None = None,
                  plenary_vote: Workshop | None = None) -> str:
    """Changes whenever a phone must redraw its own view (phase, tally visibility, and the list
    of projects once it is a personal ballot or ranking). Tallies, and the proposal list while
    proposing, travel in the shared fragment instead: redrawing then would wipe a half-typed
    proposal on every phone each time anyone sends one."""
    parts = [workshop.phase, str(workshops.tallies_visible(workshop)), str(workshop.dots_per_participant),
             str(workshop.max_dots_per_project), f"plenary {plenary_vote is not None}"]
    if outcome.round is not None:  # another round (or its mode, limits or criteria): another ballot
        r = outcome.round
        parts.append(f"round {r.id}|{r.mode}|{r.title}|{r.dots_per_participant}|{r.max_dots_per_project}|"
                     f"{r.per_strategy_budget}|{r.criteria}")
    shared_list = workshop.phase in (Phase.setup, Phase.propose)
    if not shared_list:  # a phone's own order (while proposing, its list is reordered in place: app.js)
        parts.append(f"shuffle {workshop.shuffle_projects}")

        def listed() -> ListDigest:  # the projects' part: the same until they change (kept across votes)
            return ListDigest.of(outcome.standings)

        def patch(before: ListDigest, changed: frozenset[int]) -> ListDigest:
            return before.patched(outcome.standings, changed)

        round_id = outcome.round.id if outcome.round is not None else None
        digest = listed() if kept is None else kept.get(workshop.code, ("phone list", round_id), listed, patch)
        parts.append(f"{digest.total:032x}")
    return _digest(parts)


@dataclass(frozen=True)
class ListDigest:
    """What the phones' list shows, as one number: the sum of a hash of each project's line
    (what a phone shows of it), so that a change naming its projects swaps only their lines'."""

    total: int
    by_project: dict[int, int]

    @classmethod
    def of(cls, standings: Iterable[results.Standing]) -> ListDigest:
        return cls._summed({s.project.id: _line_hash(s) for s in standings})

    def patched(self, standings: Iterable[results.Standing], changed: frozenset[int]) -> ListDigest:
        """The digest of `standings`, where only the `changed` projects differ from this one's."""
        by_project = dict(self.by_project)  # copied whole (in C), then the few changed ones taken out
        for project_id in changed:
            by_project.pop(project_id, None)
        by_project.update((s.project.id, _line_hash(s)) for s in standings if s.project.id in changed)
        return self._summed(by_project)

    @classmethod
    def _summed(cls, by_project: dict[int, int]) -> ListDigest:
        return cls(sum(by_project.values()) % 2**128, by_project)


def _line_hash(s: results.Standing) -> int:
    p = s.project
    line = f"{p.id}|{p.title}|{p.description}|{p.agency}|{s.strategy_ids}|{s.reform_area_ids}|{p.pinned}"
    return int.from_bytes(hashlib.blake2b(line.encode(), digest_size=16).digest())


def _digest(lines: Iterable[str]) -> str:
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()[:16]


def _console_agencies(workshop: Workshop, outcome: results.Outcome, kept: Memo | None) -> list[str]:
    """The console filter's agencies: kept until the projects change, then patched when the
    change named its projects (an edit is not a reason to go through all 3,000 again)."""
    def listed() -> project_search.AgencyList:
        return project_search.AgencyList.of(outcome.standings)

    def patch(before: project_search.AgencyList, changed: frozenset[int]) -> project_search.AgencyList:
        return before.patched(outcome.standings, changed)

    if kept is None:
        return listed().names
    round_id = outcome.round.id if outcome.round is not None else None
    return kept.get(workshop.code, ("project agencies", round_id), listed, patch).names


def view_context(session: Session, *, workshop: Workshop, view: str, lang: str,
                 base: str = "", memo: dict[Any, Any] | None = None, kept: Memo | None = None,
                 grid_kept: Memo | None = None, actor: Actor | None = None) -> dict[str, Any]:
    """Everything the live partial of `view` needs. Views of one workshop drawn together share
    a `memo`, so the ranking and counts are computed once for all of them; `kept` keeps the
    project list until the projects change (the hub's: app/live/renderer.py); `grid_kept` (by
    each workshop's whole version, votes too) keeps each group's standing on an event's grid.
    The console is drawn for `actor`'s role (the facilitator's when not given): it shows the
    controls the rules let that role use (`can`)."""
    memo = {} if memo is None else memo
    if "outcome" not in memo:
        memo["outcome"] = results.compute(session, workshop=workshop, kept=kept)
    outcome = memo["outcome"]
    if ("counts", view == "facilitator") not in memo:
        memo[("counts", view == "facilitator")] = participation.counts(session, workshop,
                                                                       by_agency=view == "facilitator")
    if grid_kept is not None and memo.get("grid version") is not None:  # a group, ranked: for its event's grid
        group_grid.keep_standing(grid_kept, group=workshop, outcome=outcome,
                                 counted=memo[("counts", view == "facilitator")], version=memo.pop("grid version"))
    if ("labels", lang) not in memo:
        memo[("labels", lang)] = framework_labels(session, workshop, lang, kept)
    show = workshops.tallies_visible(workshop, to_facilitator=view == "facilitator")
    values: dict[str, Any] = {
        "workshop": workshop,
        "outcome": outcome,
        "show_tallies": show,
        "phase": workshop.phase,
        "base": base,
        "join_url": f"{base}/j/{workshop.code}",
        **memo[("labels", lang)],
        **memo[("counts", view == "facilitator")],
    }
    if view == "phone":
        # A group's phones point to the plenary while it votes (app/services/groups.py).
        values["plenary_vote"] = groups.plenary_vote_open(session, workshop=workshop, kept=kept)
        values["event"] = groups.event_of(session, workshop, kept) if workshop.parent_id is not None else None
        values["version"] = phone_version(workshop, outcome, kept, values["plenary_vote"])
    if view == "facilitator":
        values["can"] = rules.permitted(actor or Actor(Role.facilitator))
        if values["can"][Action.read_action_log]:
            values["action_log"] = action_log.page(session, workshop=workshop)
        values["removed_projects"] = projects.list_removed_rows(session, workshop=workshop, kept=kept)
        # The projects table shows a page; the console's filter fetches others (routes/facilitator.py).
        values["console_filter"] = project_search.Filter()
        values["console_page"] = project_search.page(outcome.standings, 0, project_search.CONSOLE_PAGE)
        values["console_size"] = project_search.CONSOLE_PAGE
        values["project_agencies"] = _console_agencies(workshop, outcome, kept)
        # Large events: the Groups card's live list, on an event's console that shows the card
        # (one that may add groups, or an event that has them; the page draws the card by this).
        if workshop.parent_id is None:
            if "groups status" not in memo:
                memo["groups status"] = groups.status(session, event=workshop)
            if memo["groups status"] or values["can"][Action.manage_groups]:
                values["groups_status"] = memo["groups status"]
        # Large events: the Plenary card (nothing for a group or a workshop without groups).
        if values["can"][Action.promote_to_plenary]:
            values.update(plenary.console_context(session, event=workshop, outcome=outcome))
    if view == "screen" and workshop.phase == Phase.propose:
        values["newest"] = sorted(outcome.standings, key=lambda s: (s.project.created_at, s.project.id),
                                  reverse=True)
    values.update(facilitation.context(session, workshop=workshop, view=view, outcome=outcome, memo=memo, kept=kept))
    values.update(rounds_view.context(session, workshop=workshop, view=view, outcome=outcome, memo=memo,
                                      kept=kept))
    if view == "phone":  # what every phone gets alike: the first page of each list (a phone pages on)
        for key in ("newest_first", "ballot_order"):
            values[f"{key}_page"] = project_search.page(values.get(key, []))
    if view in ("screen", "facilitator"):
        if "grid" not in memo:
            memo["grid"] = group_grid.context(session, workshop=workshop, body=values["screen_body"],
                                              now=utcnow(), kept=grid_kept,
                                              settled=memo.get("grid settled", False), projects_kept=kept)
        values.update(memo["grid"])
        # A nested framework's per-strategy views show one level: the top, or the children of
        # the strategy the facilitator drilled into (rolled-up figures: results.py).
        values["screen_drill"] = frameworks.drill(values["strategies"], workshop.screen_drill_id)
        values["screen_area_drill"] = frameworks.drill(values["reform_areas"], workshop.screen_area_drill_id)
        values["paging"] = screen_pages.paging(values["screen_body"], values, held=workshop.screen_page,
                                               now_ms=values["server_now_ms"])
    return values
