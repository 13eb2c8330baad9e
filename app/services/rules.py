"""Who may do what, in which phase, on which project: one table for every door.

Each action in RULES names the roles that may do it (or ANYONE with the join code), the
phases in which each may, and what a project must be for it. `check` answers "may this actor
do this action on this workshop (and project), now?" by raising the domain errors the API
has always given (API.md): 401 without a key this workshop knows, 403 for a known key of a
role that may not, 409 in a phase that does not allow it.

Every door asks it: the JSON API and the pages through their dependencies (app/deps.py), the
websocket for each view, the ballot box for each vote and score, and the services that only a
facilitator may call, which take the actor. The authorisation-matrix test reads its expected
statuses from this table too (tests/security/test_authorisation_matrix.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Final

from app.errors import Conflict, DomainError, Forbidden, NotAuthenticated
from app.i18n import N_
from app.models import Phase, Project, Workshop
from app.services.access import Actor, Role


class Action(StrEnum):
    # the workshop
    set_phase = "set_phase"
    change_settings = "change_settings"
    control_timer = "control_timer"  # stopping it: also in a closed workshop
    run_timer = "run_timer"  # starting, extending, pausing, resuming it
    choose_screen_view = "choose_screen_view"
    hold_screen_page = "hold_screen_page"
    drill_screen = "drill_screen"  # into a strategy's children on the per-strategy views
    join_workshop = "join_workshop"
    # proposals
    list_projects = "list_projects"
    propose = "propose"
    edit_project = "edit_project"
    merge_projects = "merge_projects"
    hide_project = "hide_project"
    restore_project = "restore_project"
    approve_project = "approve_project"
    moderate_edit = "moderate_edit"
    pin_project = "pin_project"
    review_agency = "review_agency"
    import_projects = "import_projects"  # from a spreadsheet (API.md)
    # votes, scores and what they add up to
    vote = "vote"
    score = "score"
    read_own_votes = "read_own_votes"
    read_own_scores = "read_own_scores"
    see_tallies = "see_tallies"
    list_rounds = "list_rounds"
    start_round = "start_round"
    switch_round = "switch_round"
    see_duplicates = "see_duplicates"
    export = "export"  # the files and the report
    save_framework = "save_framework"  # as the facilitator's own preset
    # large events (groups rolled up into a plenary; named links; the action log)
    manage_groups = "manage_groups"  # add groups, run their phases all at once, print table cards
    move_participant = "move_participant"
    promote_to_plenary = "promote_to_plenary"
    manage_links = "manage_links"
    read_action_log = "read_action_log"
    # the three pages and their live views
    facilitate = "facilitate"
    watch_screen = "watch_screen"
    take_part = "take_part"


ANYONE: Final = "anyone"  # anyone with the join code, with a key or without
Who = Role | str  # a Role, or ANYONE


@dataclass(frozen=True)
class When:
    """The phases in which a role may act; with live_tallies, also in any phase while the
    facilitator shows tallies live (show_live_tallies)."""

    phases: frozenset[Phase]
    live_tallies: bool = False

    def holds(self, workshop: Workshop) -> bool:
        return workshop.phase in self.phases or (self.live_tallies and workshop.show_live_tallies)


ALWAYS = When(frozenset(Phase))
OPEN = When(frozenset(Phase) - {Phase.closed})  # a closed workshop is read-only
PROPOSING = When(frozenset({Phase.propose}))
VOTING = When(frozenset({Phase.vote}))
PUBLISHED = When(frozenset({Phase.results, Phase.closed}))
LIVE_TALLIES = When(PUBLISHED.phases, live_tallies=True)

READ_ONLY = N_("The workshop is in phase 'closed': it is read-only.")
KEY_REQUIRED = N_("A valid key for this workshop is required: send it as 'Authorization: Bearer <key>'.")
ONLY = N_("Only the {allowed} may {action}; you are signed in as {role}.")


@dataclass(frozen=True)
class Rule:
    """One action: the phrase a 403 names it by, who may and when, and what refuses it.

    A role that may act but not in this phase is refused with 409: `closed` in a closed
    workshop (when set), else `not_now` with the phase named. For reading tallies the refusal
    is a 403 instead (not_now_error): it is who may see them that changes, not the workshop.
    """

    doing: str
    who: Mapping[Who, When]
    closed: str | None = READ_ONLY
    not_now: str = READ_ONLY
    not_now_error: type[DomainError] = Conflict
    own_only: frozenset[Role] = frozenset()  # these roles act only on projects they proposed
    not_own: str = ""
    shown_only: str = ""  # if set, the 409 for a project still waiting for approval
    roles: tuple[Role, ...] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "roles", tuple(r for r in self.who if isinstance(r, Role)))


F, S, P = Role.facilitator, Role.screen, Role.participant
# Named links (large events): a co-facilitator does what the facilitator does but issue and
# revoke links; a moderator only approves, edits, hides and merges; a group facilitator runs
# one group (its phases, timer, moderation and merges). A link issued for one group (a group
# facilitator's always) is refused anywhere else (_elsewhere).
C, M, G = Role.co_facilitator, Role.moderator, Role.group_facilitator
# Can this project take a vote or a score: one rule for both ways of voting.
SHOWN_FOR_DOTS = N_("This project is waiting for the facilitator's approval; it cannot take dots yet.")
SHOWN_FOR_SCORES = N_("This project is waiting for the facilitator's approval; it cannot be scored yet.")
OTHER_GROUP = N_("This key belongs to another group of this workshop: it acts only in its own group.")


def staff(when: When, *, extra: Iterable[Role] = ()) -> dict[Who, When]:
    """The facilitator and co-facilitators, and these further roles, all at the same times."""
    return {F: when, C: when, **{role: when for role in extra}}


LINK_ROLES = frozenset({C, M, G})
RUN_GROUP = (G,)  # what a group facilitator does in its group
MODERATE = (M, G)  # what moderators (and group facilitators) do

RULES: dict[Action, Rule] = {
    # The facilitator may move to any phase, back included, and out of closed.
    Action.set_phase: Rule("change the phase", staff(ALWAYS, extra=RUN_GROUP)),
    Action.change_settings: Rule("change the workshop's settings", staff(OPEN), closed=N_(
        "The workshop is in phase 'closed': it is read-only. Move it to another phase first.")),
    Action.control_timer: Rule("control the timer", staff(ALWAYS, extra=RUN_GROUP)),
    Action.run_timer: Rule("control the timer", staff(OPEN, extra=RUN_GROUP),
                           closed=N_("The workshop is in phase 'closed': it has no phase to time.")),
    # The big screen's one power: choosing what it shows (presentation, so in every phase).
    Action.choose_screen_view: Rule("change the screen view", {**staff(ALWAYS, extra=RUN_GROUP), S: ALWAYS}),
    # Which page of a long list the room looks at is the facilitator's call (the screen turns them).
    Action.hold_screen_page: Rule("hold a page of the big screen", staff(ALWAYS, extra=RUN_GROUP)),
    # So is which level of a nested framework it shows (the screen key only picks the view).
    Action.drill_screen: Rule("drill the big screen into a strategy", staff(ALWAYS, extra=RUN_GROUP)),
    Action.join_workshop: Rule("join", {ANYONE: OPEN},
                               closed=N_("The workshop is in phase 'closed': no one can join any more.")),
    Action.list_projects: Rule("list projects", {P: ALWAYS, **staff(ALWAYS, extra=MODERATE), S: ALWAYS}),
    Action.propose: Rule("propose projects", {P: PROPOSING, **staff(OPEN)}, not_now=N_(
        "Projects can be proposed only in phase 'propose'; the workshop is in phase '{phase}'.")),
    Action.edit_project: Rule("edit projects", {P: PROPOSING, **staff(OPEN, extra=MODERATE)}, not_now=N_(
        "Proposals can be edited only in phase 'propose'; the workshop is in phase '{phase}'."),
        own_only=frozenset({P}), not_own=N_("Participants may edit only the projects they proposed.")),
    Action.merge_projects: Rule("merge projects", staff(OPEN, extra=MODERATE)),
    Action.hide_project: Rule("hide projects", staff(OPEN, extra=MODERATE)),
    Action.restore_project: Rule("restore projects", staff(OPEN, extra=MODERATE)),
    Action.approve_project: Rule("approve projects", staff(OPEN, extra=MODERATE)),
    Action.moderate_edit: Rule("moderate projects", staff(OPEN, extra=MODERATE)),
    Action.pin_project: Rule("pin projects", staff(OPEN, extra=RUN_GROUP)),
    Action.review_agency: Rule("review agency names", staff(OPEN, extra=MODERATE)),
    Action.import_projects: Rule("import projects", staff(OPEN)),
    Action.vote: Rule("vote", {P: VOTING}, closed=None, not_now=N_(
        "Votes can be changed only in phase 'vote'; the workshop is in phase '{phase}'."),
        shown_only=SHOWN_FOR_DOTS),
    Action.score: Rule("score projects", {P: VOTING}, closed=None, not_now=N_(
        "Scores can be changed only in phase 'vote'; the workshop is in phase '{phase}'."),
        shown_only=SHOWN_FOR_SCORES),
    Action.read_own_votes: Rule("read their own votes", {P: ALWAYS}),
    Action.read_own_scores: Rule("read their own scores", {P: ALWAYS}),
    # API.md, "Tallies and visibility": the pages, the websocket and /results all ask this.
    Action.see_tallies: Rule("see tallies while they are hidden",
                             {**staff(ALWAYS, extra=MODERATE), S: LIVE_TALLIES, P: LIVE_TALLIES, ANYONE: PUBLISHED},
                             closed=None, not_now=ONLY, not_now_error=Forbidden),
    Action.list_rounds: Rule("list voting rounds", {**staff(ALWAYS, extra=MODERATE), S: ALWAYS, P: ALWAYS}),
    Action.start_round: Rule("start voting rounds", staff(OPEN, extra=RUN_GROUP)),
    Action.switch_round: Rule("switch voting rounds", staff(OPEN, extra=RUN_GROUP)),
    Action.see_duplicates: Rule("see duplicate hints", staff(ALWAYS, extra=MODERATE)),
    Action.export: Rule("export the workshop", staff(ALWAYS)),
    # Saving writes no workshop content (a new preset row), so a closed workshop may be saved too.
    Action.save_framework: Rule("save the framework as a preset", staff(ALWAYS)),
    # Large events: groups, the plenary, links and the log.
    Action.manage_groups: Rule("add and run groups", staff(OPEN)),
    Action.move_participant: Rule("move participants between groups", staff(OPEN)),
    Action.promote_to_plenary: Rule("promote projects to the plenary", staff(OPEN)),
    Action.manage_links: Rule("issue and revoke facilitator links", {F: ALWAYS}),
    Action.read_action_log: Rule("read the action log", staff(ALWAYS)),
    Action.facilitate: Rule("use the facilitator's console", staff(ALWAYS, extra=MODERATE)),
    Action.watch_screen: Rule("watch the big screen", {S: ALWAYS, **staff(ALWAYS, extra=MODERATE)}),
    Action.take_part: Rule("take part from a phone", {P: ALWAYS}),
}


def check(action: Action, actor: Actor | None, workshop: Workshop | None = None,
          project: Project | None = None) -> None:
    """May this actor (None: no key this workshop knows) do this action on this workshop and
    project, now? Raises the domain error that says why not.

    It checks what it is given: who, always; the phase when given the workshop; the project's
    state when given the project. So a door that knows only the asker checks them first, and
    the ballot box checks the phase once it has read the workshop and each project once read.
    """
    rule = RULES[action]
    now = rule.who if workshop is None else {who: when for who, when in rule.who.items() if when.holds(workshop)}
    # A key of another group is refused here, except where a key decides nothing: what anyone
    # with the code may do now, or ever while its own role is not named (joining).
    keyless = ANYONE in now or (ANYONE in rule.who and actor is not None and actor.role not in rule.who)
    if actor is not None and workshop is not None and not keyless and _elsewhere(actor, workshop):
        raise _refusal(Forbidden, OTHER_GROUP)
    if ANYONE not in now:
        if actor is None:
            if now or ANYONE not in rule.who:
                raise _refusal(NotAuthenticated, KEY_REQUIRED)
            raise _not_now(rule, workshop, None, now)
        if actor.role not in rule.who and ANYONE not in rule.who:
            raise _refusal(Forbidden, ONLY, allowed=_or(rule.roles), action=rule.doing, role=actor.role.value)
        if actor.role not in now:
            raise _not_now(rule, workshop, actor, now)
    if project is not None:
        if actor is not None and actor.role in rule.own_only and project.proposer_id != actor.participant_id:
            raise _refusal(Forbidden, rule.not_own)
        if rule.shown_only and not project.approved:
            raise _refusal(Conflict, rule.shown_only)


def require(action: Action, actor: Actor | None, workshop: Workshop | None = None,
            project: Project | None = None) -> Actor:
    """check() for an action that needs a key: the actor, known to be allowed."""
    check(action, actor, workshop, project)
    if actor is None:
        raise _refusal(NotAuthenticated, KEY_REQUIRED)
    return actor


def allows(action: Action, actor: Actor | None, workshop: Workshop | None = None,
           project: Project | None = None) -> bool:
    """check() as a yes or no, for what a view shows."""
    try:
        check(action, actor, workshop, project)
    except DomainError:
        return False
    return True


def permitted(actor: Actor) -> dict[str, bool]:
    """What this actor's role may ever do, by action name: the console shows a control only
    when its action is here (`can.<action>` in the templates), whatever the phase."""
    return {action.value: allows(action, actor) for action in Action}


def roles(action: Action) -> tuple[Role, ...]:
    """The roles that may do this action at some time, in the table's order (the pages pick the
    first a browser holds)."""
    return RULES[action].roles


def _elsewhere(actor: Actor, workshop: Workshop) -> bool:
    """A group's participant, or a link issued for one group (its group facilitator, or a
    co-facilitator or moderator of that group), asking about another group or (a link) the
    plenary. The event's participants, a group's too, may take part in the plenary."""
    if actor.home_id is None or actor.home_id == workshop.id:
        return False
    return actor.role != Role.participant or getattr(workshop, "parent_id", None) is not None


def _not_now(rule: Rule, workshop: Workshop | None, actor: Actor | None, now: Mapping[Who, When]) -> DomainError:
    """The refusal of a role that may do this, but not in this phase (or with tallies hidden)."""
    assert workshop is not None
    if workshop.phase == Phase.closed and rule.closed is not None:
        return _refusal(Conflict, rule.closed)
    return _refusal(rule.not_now_error, rule.not_now, phase=workshop.phase,
                    allowed=_or(r for r in now if isinstance(r, Role)), action=rule.doing,
                    role=actor.role.value if actor else "")


def _refusal(error: type[DomainError], template: str, **params: object) -> DomainError:
    # Every template here is an N_() literal above, so the catalogs' extraction finds it.
    return error(template, **params)


def _or(roles: Iterable[Role]) -> str:
    """The roles a refusal names: the workshop's own roles, and the named links' roles only
    where none of those may (a link's holder knows what they were given)."""
    roles = list(roles)
    named = [role for role in roles if role not in LINK_ROLES] or roles
    return " or ".join(role.value for role in named)
