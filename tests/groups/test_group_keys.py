"""Who a key stands for in an event with breakout groups: each group facilitator runs only
its own group, participants stay in their group but all vote in the plenary, and a revoked
link stops at once."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from app.errors import Forbidden
from app.models import LinkRole
from app.models.participant import ParticipantJoin
from app.services import action_log, groups, links, participants, rules, workshops
from app.services.access import Role, identify
from app.services.rules import Action
from tests.factories import FACILITATOR, make_workshop


def test_groups_get_the_event_code_a_dash_and_their_number(session: Session) -> None:
    event = make_workshop(session)
    made = groups.add_groups(session, event=event, actor=FACILITATOR, names=["ภาคเหนือ", "ภาคใต้"])
    assert [g.group.code for g in made] == [f"{event.code}-1", f"{event.code}-2"]
    assert workshops.get_workshop(session, code=f"{event.code.lower()}-2").id == made[1].group.id
    # A group shares the event's framework: the same strategy ids.
    assert [s.id for s in workshops.list_strategies(session, workshop=made[0].group)] == \
        [s.id for s in workshops.list_strategies(session, workshop=event)]


def test_a_group_facilitator_runs_its_own_group_only(session: Session) -> None:
    event = make_workshop(session)
    first, second = groups.add_groups(session, event=event, actor=FACILITATOR, names=["A", "B"])
    actor = identify(session, workshop=first.group, key=first.group_facilitator_key)
    assert actor is not None and actor.role == Role.group_facilitator
    rules.require(Action.set_phase, actor, first.group)
    elsewhere = identify(session, workshop=second.group, key=first.group_facilitator_key)
    assert elsewhere is not None
    with pytest.raises(Forbidden):
        rules.require(Action.set_phase, elsewhere, second.group)
    on_plenary = identify(session, workshop=event, key=first.group_facilitator_key)
    assert on_plenary is not None
    with pytest.raises(Forbidden):
        rules.require(Action.set_phase, on_plenary, event)
    with pytest.raises(Forbidden):  # it runs its group, nothing else
        rules.require(Action.change_settings, actor, first.group)


def test_the_event_facilitator_key_opens_every_group(session: Session) -> None:
    event = make_workshop(session)
    (first,) = groups.add_groups(session, event=event, actor=FACILITATOR, names=["A"])
    key, _screen = workshops.rotate_keys(session, workshop=event)
    actor = identify(session, workshop=first.group, key=key)
    assert actor is not None and actor.role == Role.facilitator


def test_a_participant_votes_in_their_group_and_the_plenary_but_not_another_group(session: Session) -> None:
    event = make_workshop(session)
    first, second = groups.add_groups(session, event=event, actor=FACILITATOR, names=["A", "B"])
    _participant, token = participants.join(session, workshop=first.group, join_in=ParticipantJoin(name="นก"))
    home = identify(session, workshop=first.group, key=token)
    plenary = identify(session, workshop=event, key=token)
    other = identify(session, workshop=second.group, key=token)
    assert home is not None and plenary is not None and other is not None
    rules.require(Action.take_part, home, first.group)
    rules.require(Action.take_part, plenary, event)
    with pytest.raises(Forbidden):
        rules.require(Action.take_part, other, second.group)
    # Someone who joined the event itself takes part in the plenary only.
    _lone, lone_token = participants.join(session, workshop=event, join_in=ParticipantJoin(name="ปลา"))
    lone = identify(session, workshop=first.group, key=lone_token)
    assert lone is not None
    with pytest.raises(Forbidden):
        rules.require(Action.take_part, lone, first.group)


def test_a_revoked_link_is_not_known_at_once(session: Session) -> None:
    event = make_workshop(session)
    link, key = links.issue(session, event=event, workshop=event, name="คุณมานี", role=LinkRole.moderator,
                            actor=FACILITATOR)
    actor = identify(session, workshop=event, key=key)
    assert actor is not None and actor.role == Role.moderator and actor.name == "คุณมานี"
    rules.require(Action.hide_project, actor, event)
    with pytest.raises(Forbidden):
        rules.require(Action.set_phase, actor, event)
    links.revoke(session, event=event, actor=FACILITATOR, link_id=link.id)
    assert identify(session, workshop=event, key=key) is None
    assert [action_log.describe(e) for e in action_log.entries(session, event=event)] == [
        "revoked the moderator link of คุณมานี", "issued a moderator link to คุณมานี"]
