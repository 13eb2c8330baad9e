"""The hub redraws a workshop's live views after every change from one renderer that lives as
long as the server and keeps the project list until the projects change (issue 13, "Many
projects"): the ballot box announces its changes as votes only, which keep the list; any other
change refreshes it. Whatever it draws after a vote, an edit, a hide or a new phase must be what
a fresh renderer (nothing kept) draws, and must show that change."""

from __future__ import annotations

import re

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.live.broker import LocalBroker
from app.live.renderer import LiveRenderer
from app.models import Phase
from app.models.project import ProjectUpdate
from app.models.workshop import WorkshopSettingsUpdate
from app.services import projects, voting, workshops
from app.services.project_search import AgencyList
from app.services.access import Actor, Role
from app.versions import Memo, Versions
from app.web import make_templates
from tests.factories import make_participant, make_project, make_workshop

FACILITATOR = Actor(Role.facilitator)
VIEWS = ("phone", "screen", "facilitator")


def drawn(renderer: LiveRenderer, code: str) -> dict[str, str]:
    """Each live view as the hub sends it, without the server's clock (it moves between draws)."""
    html = renderer.render_many(code, [(code, view, "th") for view in VIEWS])
    return {view: re.sub(r'data-server-now="\d+"', "", html[(code, view, "th")] or "") for view in VIEWS}


def test_every_redraw_shows_the_latest_change_as_a_fresh_draw_does(engine: Engine) -> None:
    templates = make_templates()
    versions, broker = Versions(), LocalBroker()
    broker.subscribe(versions.changed)  # as app/main.py wires them
    kept = Memo(versions, projects_only=True)
    hub = LiveRenderer(engine, templates, kept)  # one renderer for the whole story, as in a server
    with Session(engine, expire_on_commit=False) as session:
        workshop = make_workshop(session, phase="propose")
        road = make_project(session, workshop, "ถนนเชื่อมหมู่บ้าน", strategies=["S1"])
        water = make_project(session, workshop, "ระบบประปาหมู่บ้าน", strategies=["S2"])
        school = make_project(session, workshop, "ห้องเรียนดิจิทัล", strategies=["S3"])
        ann = make_participant(session, workshop, "แอน")
        workshops.set_phase(session, workshop=workshop, actor=FACILITATOR, phase=Phase.vote)
        workshops.update_settings(session, workshop=workshop, actor=FACILITATOR,
                                  settings_in=WorkshopSettingsUpdate(show_live_tallies=True))
        code = workshop.code

    def change_then_redraw(votes_only: bool = False) -> dict[str, str]:
        broker.publish(code, votes_only)  # the change's notice, as the server sends it
        after = drawn(hub, code)
        assert after == drawn(LiveRenderer(engine, templates), code)  # as fresh as a new renderer's
        return after

    before = change_then_redraw()
    assert all("ห้องเรียนดิจิทัล" in before[v] for v in ("screen", "facilitator"))
    reads = kept.computed

    with Session(engine, expire_on_commit=False) as session:  # a vote: the screen's ranking moves
        shop = workshops.get_workshop(session, code=code)
        voting.set_dots(session, workshop=shop, participant=ann, project_id=school.id, dots=3)
    voted = change_then_redraw(votes_only=True)
    assert voted["screen"] != before["screen"] and voted["facilitator"] != before["facilitator"]
    assert voted["screen"].index("ห้องเรียนดิจิทัล") < voted["screen"].index("ถนนเชื่อมหมู่บ้าน")
    assert kept.computed == reads  # the vote kept the project list: only the tallies were read

    with Session(engine, expire_on_commit=False) as session:  # an edited title shows everywhere
        shop = workshops.get_workshop(session, code=code)
        projects.update_project(session, workshop=shop, actor=FACILITATOR, project_id=road.id,
                                project_in=ProjectUpdate(title="ถนนลาดยางสายใหม่"))
    edited = change_then_redraw()
    assert kept.computed > reads  # the edit's notice dropped the kept list
    assert all("ถนนลาดยางสายใหม่" in edited[v] and "ถนนเชื่อมหมู่บ้าน" not in edited[v]
               for v in ("screen", "facilitator"))
    assert edited["phone"] != voted["phone"]  # the phones' version moves: their lists are redrawn

    with Session(engine, expire_on_commit=False) as session:  # hidden: off the screen's ranking
        shop = workshops.get_workshop(session, code=code)
        projects.hide_project(session, workshop=shop, actor=FACILITATOR, project_id=water.id)
    hidden = change_then_redraw()
    assert "ระบบประปาหมู่บ้าน" not in hidden["screen"] and "ระบบประปาหมู่บ้าน" in hidden["facilitator"]

    with Session(engine, expire_on_commit=False) as session:  # the next phase redraws every view
        shop = workshops.get_workshop(session, code=code)
        workshops.set_phase(session, workshop=shop, actor=FACILITATOR, phase=Phase.results)
    assert change_then_redraw()["phone"] != hidden["phone"]


def test_the_consoles_agency_filter_follows_an_edit_without_listing_every_project_again(
        engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    templates = make_templates()
    versions = Versions()
    kept = Memo(versions, projects_only=True)
    hub = LiveRenderer(engine, templates, kept)
    with Session(engine, expire_on_commit=False) as session:
        workshop = make_workshop(session, phase="vote")
        road = make_project(session, workshop, "ถนนเชื่อมหมู่บ้าน", agency="กรมทางหลวงชนบท")
        make_project(session, workshop, "ระบบประปาหมู่บ้าน", agency="การประปาส่วนภูมิภาค")
        code = workshop.code

    def agencies_offered() -> list[str]:
        console = drawn(hub, code)["facilitator"]
        assert console == drawn(LiveRenderer(engine, templates), code)["facilitator"]  # as a fresh draw's
        listed = console.split('<select name="agency">', 1)[1].split("</select>", 1)[0]
        return re.findall(r"<option>([^<]+)</option>", listed)

    assert agencies_offered() == ["กรมทางหลวงชนบท", "การประปาส่วนภูมิภาค"]
    with Session(engine, expire_on_commit=False) as session:  # the road passes to the province
        shop = workshops.get_workshop(session, code=code)
        projects.update_project(session, workshop=shop, actor=FACILITATOR, project_id=road.id,
                                project_in=ProjectUpdate(agency="องค์การบริหารส่วนจังหวัดขอนแก่น"))
    versions.changed(code, projects=[road.id])  # the edit's notice names its project
    listed_from_every_project: list[int] = []
    every_project = AgencyList.of.__func__  # type: ignore[attr-defined]
    monkeypatch.setattr(AgencyList, "of", classmethod(
        lambda cls, standings: listed_from_every_project.append(1) or every_project(cls, standings)))
    assert agencies_offered() == ["การประปาส่วนภูมิภาค", "องค์การบริหารส่วนจังหวัดขอนแก่น"]
    assert len(listed_from_every_project) == 1  # the fresh draw's only: the hub's list was patched
