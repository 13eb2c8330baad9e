"""The rules table read as API.md states it: who may do what, in which phase, on which project.

The authorisation matrix (tests/security) checks that every route answers as the table says;
these check that the table says what the contract says, with the sentences the API has always
answered.
"""

from __future__ import annotations

import pytest

from app.errors import Conflict, DomainError, Forbidden, NotAuthenticated
from app.models import Phase, Project, Workshop
from app.services import rules
from app.services.access import Actor, Role
from app.services.rules import Action

FACILITATOR, SCREEN = Actor(Role.facilitator), Actor(Role.screen)
MALEE = Actor(Role.participant, participant_id=7)
HERS, SOMEONE_ELSES = Project(proposer_id=7, approved=True), Project(proposer_id=8, approved=True)
WAITING = Project(proposer_id=7, approved=False)


def workshop(phase: Phase, *, tallies: bool = True) -> Workshop:
    return Workshop(phase=phase, show_live_tallies=tallies)


def status(action: Action, actor: Actor | None, phase: Phase, project: Project | None = None, *,
           tallies: bool = True) -> int:
    try:
        rules.check(action, actor, workshop(phase, tallies=tallies), project)
    except DomainError as refused:
        return refused.status_code
    return 200


FACILITATOR_ONLY = [Action.merge_projects, Action.hide_project, Action.restore_project, Action.approve_project,
                    Action.moderate_edit, Action.pin_project, Action.review_agency, Action.start_round,
                    Action.switch_round, Action.change_settings]


@pytest.mark.parametrize("action", FACILITATOR_ONLY)
def test_only_the_facilitator_moderates_and_not_once_the_workshop_is_closed(action: Action) -> None:
    assert [status(action, who, Phase.vote) for who in (FACILITATOR, SCREEN, MALEE, None)] == [200, 403, 403, 401]
    assert status(action, FACILITATOR, Phase.closed) == 409


def test_a_refused_role_is_told_who_may_and_as_whom_it_is_signed_in() -> None:
    with pytest.raises(Forbidden) as refused:
        rules.check(Action.merge_projects, MALEE, workshop(Phase.propose))
    assert refused.value.detail == "Only the facilitator may merge projects; you are signed in as participant."
    with pytest.raises(NotAuthenticated, match="Authorization: Bearer"):
        rules.check(Action.merge_projects, None, workshop(Phase.propose))
    with pytest.raises(Conflict) as closed:
        rules.check(Action.merge_projects, FACILITATOR, workshop(Phase.closed))
    assert closed.value.detail == "The workshop is in phase 'closed': it is read-only."


@pytest.mark.parametrize("phase", list(Phase))
def test_the_facilitator_moves_to_any_phase_from_any_phase(phase: Phase) -> None:
    assert status(Action.set_phase, FACILITATOR, phase) == 200
    assert status(Action.set_phase, SCREEN, phase) == 403


@pytest.mark.parametrize("phase", list(Phase))
def test_participants_propose_while_proposing_the_facilitator_in_any_phase_but_closed(phase: Phase) -> None:
    assert status(Action.propose, MALEE, phase) == (200 if phase == Phase.propose else 409)
    assert status(Action.propose, FACILITATOR, phase) == (409 if phase == Phase.closed else 200)


def test_a_proposer_edits_only_their_own_proposals_and_only_while_proposing() -> None:
    assert status(Action.edit_project, MALEE, Phase.propose, HERS) == 200
    assert status(Action.edit_project, MALEE, Phase.propose, SOMEONE_ELSES) == 403
    with pytest.raises(Conflict, match="edited only in phase 'propose'; the workshop is in phase 'vote'"):
        rules.check(Action.edit_project, MALEE, workshop(Phase.vote))
    assert status(Action.edit_project, FACILITATOR, Phase.vote, SOMEONE_ELSES) == 200


@pytest.mark.parametrize("action", [Action.vote, Action.score])
@pytest.mark.parametrize("phase", list(Phase))
def test_votes_and_scores_change_only_while_voting_and_only_by_participants(action: Action, phase: Phase) -> None:
    assert status(action, MALEE, phase, HERS) == (200 if phase == Phase.vote else 409)
    assert status(action, FACILITATOR, Phase.vote) == 403


@pytest.mark.parametrize("action", [Action.vote, Action.score])
def test_a_project_waiting_for_approval_takes_neither_dots_nor_scores(action: Action) -> None:
    with pytest.raises(Conflict, match="waiting for the facilitator's approval"):
        rules.check(action, MALEE, workshop(Phase.vote), WAITING)


@pytest.mark.parametrize("phase", list(Phase))
def test_anyone_with_the_code_joins_in_any_phase_but_closed(phase: Phase) -> None:
    if phase == Phase.closed:
        with pytest.raises(Conflict, match="no one can join any more"):
            rules.check(Action.join_workshop, None, workshop(phase))
    else:
        rules.check(Action.join_workshop, None, workshop(phase))


@pytest.mark.parametrize("tallies", [True, False])
@pytest.mark.parametrize("phase", list(Phase))
def test_tallies_follow_one_rule_for_every_door(phase: Phase, tallies: bool) -> None:
    """API.md, "Tallies and visibility": the facilitator always; the screen and participants
    while tallies are live; anyone with the code in results and closed."""
    published = phase in (Phase.results, Phase.closed)
    seen = {who: status(Action.see_tallies, actor, phase, tallies=tallies) for who, actor in
            (("facilitator", FACILITATOR), ("screen", SCREEN), ("participant", MALEE), ("nobody", None))}
    assert seen == {"facilitator": 200,
                    "screen": 200 if tallies or published else 403,
                    "participant": 200 if tallies or published else 403,
                    "nobody": 200 if published else 401}


def test_hidden_tallies_are_refused_with_the_sentence_the_screen_always_got() -> None:
    with pytest.raises(Forbidden) as refused:
        rules.check(Action.see_tallies, SCREEN, workshop(Phase.vote, tallies=False))
    assert refused.value.detail == ("Only the facilitator may see tallies while they are hidden; "
                                    "you are signed in as screen.")


def test_the_timer_stops_in_a_closed_workshop_but_does_not_run_there() -> None:
    assert status(Action.control_timer, FACILITATOR, Phase.closed) == 200
    with pytest.raises(Conflict, match="it has no phase to time"):
        rules.check(Action.run_timer, FACILITATOR, workshop(Phase.closed))


def test_each_page_is_for_its_roles_in_the_order_a_browser_s_keys_are_tried() -> None:
    # The console is also for the named links the facilitator issues (large events).
    assert rules.roles(Action.facilitate) == (Role.facilitator, Role.co_facilitator, Role.moderator,
                                              Role.group_facilitator)
    assert rules.roles(Action.watch_screen)[:2] == (Role.screen, Role.facilitator)
    assert rules.roles(Action.take_part) == (Role.participant,)
