"""A workshop has size limits (participants, projects, agencies, rounds: RUAMKIT_MAX_*_PER_WORKSHOP),
far above a real workshop; an import over them is refused at once with a sentence naming the
limit, and stores nothing. They bound what drawing any output of a workshop can cost."""

from __future__ import annotations

import time

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, func, select

from app.errors import TooLarge
from app.models import Workshop
from app.services import exports
from app.services.limits import DEFAULT, WorkshopLimits
from tests.outputs.big import ATTACK, big_export, body
from tests.routes.helpers import assert_error

SMALL_LIMITS = WorkshopLimits(participants=10, projects=5, agencies=3, rounds=2)


def workshops_stored(session: Session) -> int:
    return session.exec(select(func.count()).select_from(Workshop)).one()


def test_the_hostile_import_of_issue_10_is_refused_at_once(client: TestClient, session: Session) -> None:
    """2,500 projects x 50 tags and 6,000 participants in one 976 KB request, no key needed."""
    payload = body(big_export(**ATTACK))
    assert 950_000 < len(payload) < 1_000_000  # it fits the body limit: only the size limits stop it
    started = time.monotonic()
    answer = client.post("/api/v1/workshops/import", content=payload, headers={"Content-Type": "application/json"})
    assert time.monotonic() - started < 10
    assert_error(answer, 413, "6000 participants", "at most 5000", "RUAMKIT_MAX_PARTICIPANTS_PER_WORKSHOP")
    assert workshops_stored(session) == 0


@pytest.mark.parametrize(("size", "words"), [
    ({"projects": 6, "tags": 2, "participants": 1}, ["6 projects", "at most 5"]),
    ({"projects": 1, "tags": 2, "participants": 11}, ["11 participants", "at most 10"]),
    ({"projects": 1, "tags": 2, "participants": 4, "agencies": 4}, ["4 agencies", "at most 3"]),
])
def test_an_import_over_a_limit_names_it_and_stores_nothing(session: Session, size: dict, words: list) -> None:
    with pytest.raises(TooLarge) as refused:
        exports.import_workshop(session, data=big_export(**size), limits=SMALL_LIMITS)
    for word in words:
        assert word in refused.value.detail
    assert workshops_stored(session) == 0


def test_agencies_of_the_list_and_typed_ones_count_once_each(session: Session) -> None:
    data = big_export(projects=1, tags=2, participants=6, agencies=2)  # typed: a0, a1
    data["agencies"] = [{"id": 1, "name_en": "A0"}, {"id": 2, "name_th": "กรมหนึ่ง"}]  # a0 typed and listed
    exports.import_workshop(session, data=data, limits=SMALL_LIMITS)  # A0, กรมหนึ่ง, a1: 3
    data["participants"][0]["agency"] = "a9"
    with pytest.raises(TooLarge, match="4 agencies"):
        exports.import_workshop(session, data=data, limits=SMALL_LIMITS)


def test_too_many_rounds_are_refused(session: Session) -> None:
    data = big_export(projects=1, tags=2, participants=1)
    data["rounds"] = [{"number": n} for n in (1, 2, 3)]
    with pytest.raises(TooLarge, match="3 rounds"):
        exports.import_workshop(session, data=data, limits=SMALL_LIMITS)


def test_the_largest_workshop_the_limits_allow_imports(session: Session) -> None:
    """At the limits the import still works (and quickly: links and votes go in as bulk inserts)."""
    size = {"projects": DEFAULT.projects, "tags": 50, "participants": DEFAULT.participants,
            "strategies": 100, "areas": 100, "votes": 300}
    assert len(body(big_export(**size))) < 1_000_000
    started = time.monotonic()
    workshop, _key, _screen = exports.import_workshop(session, data=big_export(**size))
    assert workshop.id and time.monotonic() - started < 60
