"""A workshop has ceilings (participants, projects, typed agencies, rounds: RUAMKIT_MAX_*_PER_WORKSHOP,
app/services/ceilings.py), far above a real workshop; an import over one is refused at once
with a sentence naming it, and stores nothing. With the body limit (1 MB) they bound what any
output of an imported workshop can cost; the render workers bound the rest (test_renders.py)."""

from __future__ import annotations

import time

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, func, select

from app.config import Settings
from app.errors import Invalid
from app.main import create_app
from app.models import Workshop
from app.services.exports import json_import
from app.services.ceilings import Ceilings
from tests.outputs.big import ATTACK, big_export, body
from tests.routes.helpers import assert_error

SMALL_CEILINGS = Ceilings(participants=10, projects=5, typed_agencies=3, rounds=2)


def workshops_stored(session: Session) -> int:
    return session.exec(select(func.count()).select_from(Workshop)).one()


def test_a_venue_that_lowers_the_ceilings_refuses_the_hostile_import_of_issue_10_at_once(
        settings: Settings, session: Session) -> None:
    """2,500 projects x 50 tags and 6,000 participants in one 976 KB request, no key needed."""
    payload = body(big_export(**ATTACK))
    assert 950_000 < len(payload) < 1_000_000  # it fits the body limit: only the ceilings stop it
    venue = settings.model_copy(update={"max_participants_per_workshop": 5000})
    with TestClient(create_app(venue)) as client:
        started = time.monotonic()
        answer = client.post("/api/v1/workshops/import", content=payload,
                             headers={"Content-Type": "application/json"})
        assert time.monotonic() - started < 10
    assert_error(answer, 422, "6,000 participants", "at most 5,000")
    assert workshops_stored(session) == 0


@pytest.mark.parametrize(("size", "words"), [
    ({"projects": 6, "tags": 2, "participants": 1}, ["6 projects", "at most 5"]),
    ({"projects": 1, "tags": 2, "participants": 11}, ["11 participants", "at most 10"]),
    ({"projects": 1, "tags": 2, "participants": 4, "agencies": 4}, ["4 agencies", "at most 3"]),
])
def test_an_import_over_a_ceiling_names_it_and_stores_nothing(session: Session, size: dict, words: list) -> None:
    with pytest.raises(Invalid) as refused:
        json_import.import_workshop(session, data=big_export(**size), ceilings=SMALL_CEILINGS)
    for word in words:
        assert word in refused.value.detail
    assert workshops_stored(session) == 0


def test_agencies_in_the_workshops_list_do_not_count_as_typed_ones(session: Session) -> None:
    data = big_export(projects=1, tags=2, participants=6, agencies=4)  # typed: a0, a1, a2, a3
    data["agencies"] = [{"id": 1, "name_en": "A0"}]  # a0 is in the list (names match ignoring case)
    json_import.import_workshop(session, data=data, ceilings=SMALL_CEILINGS)  # a1, a2, a3 typed: 3
    data["participants"][0]["agency"] = "a9"
    with pytest.raises(Invalid, match="4 agencies"):
        json_import.import_workshop(session, data=data, ceilings=SMALL_CEILINGS)


def test_too_many_rounds_are_refused(session: Session) -> None:
    data = big_export(projects=1, tags=2, participants=1)
    data["rounds"] = [{"number": n} for n in (1, 2, 3)]
    with pytest.raises(Invalid, match="3 voting rounds"):
        json_import.import_workshop(session, data=data, ceilings=SMALL_CEILINGS)


def test_the_largest_import_the_body_limit_allows_goes_in_quickly(session: Session) -> None:
    """Within the default ceilings the 1 MB body limit is what binds: the hostile import itself
    goes in (links and votes as bulk inserts), and its outputs are bounded by the render workers."""
    started = time.monotonic()
    workshop, _key, _screen = json_import.import_workshop(session, data=big_export(**ATTACK))
    assert workshop.id and time.monotonic() - started < 60
