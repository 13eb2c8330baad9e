"""Creating workshops: join codes, presets, custom frameworks, keys and phases."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from app.errors import NotFound
from app.models import Phase
from app.models.workshop import CustomFramework, WorkshopCreate
from app.services import workshops
from app.services.access import Role, hash_key, identify, screen_key_for
from tests.factories import FACILITATOR, make_participant, make_workshop


def test_join_codes_are_short_unambiguous_and_found_ignoring_case(session: Session) -> None:
    for _ in range(30):
        code = make_workshop(session).code
        assert 5 <= len(code) <= 8
        assert not set(code) & set("0O1IL")
        assert workshops.get_workshop(session, code=code.lower()).code == code


@pytest.mark.parametrize("code", ["", "AB", "ZZZZZZ", "O0O0O0", "../etc", "ABCDEFGHJK"])
def test_unknown_codes_are_not_found(session: Session, code: str) -> None:
    with pytest.raises(NotFound):
        workshops.get_workshop(session, code=code)


def test_the_national_preset_is_copied_with_thai_and_english_names(session: Session) -> None:
    workshop = make_workshop(session)
    thai = workshops.describe(session, workshop=workshop)
    english = workshops.describe(session, workshop=workshop, language="en")
    assert [s.code for s in thai.strategies] == [f"S{i}" for i in range(1, 7)]
    assert len(thai.reform_areas) == 11
    assert thai.strategies[0].name == "ด้านความมั่นคง"
    assert english.strategies[0].name == "Security"
    assert english.reform_areas[1].name == "Public administration"


def test_an_english_workshop_answers_in_english(session: Session) -> None:
    workshop = make_workshop(session, language="en")
    assert workshops.describe(session, workshop=workshop).strategies[1].name == "Competitiveness"


def test_a_custom_framework_keeps_the_given_names(session: Session) -> None:
    framework = CustomFramework.model_validate({
        "strategies": [{"code": "G1", "name": "Clean water"}, {"code": "G2", "name": "Schools"}],
        "reform_areas": [{"code": "X", "name": "Budget"}]})
    workshop, _, _ = workshops.create_workshop(session, workshop_in=WorkshopCreate(
        title="County plan", language="en", framework=framework, agencies=["Water board", "water board", "Schools"]))
    described = workshops.describe(session, workshop=workshop)
    assert [(s.code, s.name) for s in described.strategies] == [("G1", "Clean water"), ("G2", "Schools")]
    assert [a.name for a in described.agencies] == ["Water board", "Schools"]
    assert described.framework == "custom"


def test_keys_are_stored_only_as_hashes_and_the_screen_key_follows_from_the_facilitator_key(
        session: Session) -> None:
    workshop, facilitator_key, screen_key = workshops.create_workshop(
        session, workshop_in=WorkshopCreate(title="t"))
    assert workshop.facilitator_key_hash == hash_key(facilitator_key) != facilitator_key
    assert screen_key == screen_key_for(facilitator_key)
    assert identify(session, workshop=workshop, key=facilitator_key).role == Role.facilitator
    assert identify(session, workshop=workshop, key=screen_key).role == Role.screen
    other = make_workshop(session)
    assert identify(session, workshop=other, key=facilitator_key) is None


def test_the_facilitator_may_move_to_any_phase_and_back(session: Session) -> None:
    workshop = make_workshop(session)
    for phase in ("propose", "vote", "results", "vote", "closed", "propose", "setup"):
        workshops.set_phase(session, workshop=workshop, actor=FACILITATOR, phase=Phase(phase))
        assert workshop.phase == phase


def test_participants_join_in_any_phase_but_closed(session: Session) -> None:
    from app.errors import Conflict

    workshop = make_workshop(session, phase="results")
    assert make_participant(session, workshop).id
    workshops.set_phase(session, workshop=workshop, actor=FACILITATOR, phase=Phase.closed)
    with pytest.raises(Conflict, match="closed"):
        make_participant(session, workshop)
