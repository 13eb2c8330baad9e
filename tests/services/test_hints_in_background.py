"""A big workshop's duplicate hints take seconds of CPU to recompute after a change to its
proposals (issue 13, 3,000 projects): the live views must not wait for them. The console redraws
at once with the previous hints, marked as being updated, while a thread recomputes them; when it
is done the views are redrawn and show exactly what a full recomputation gives."""

from __future__ import annotations

import re
import threading

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.live.broker import LocalBroker
from app.live.renderer import LiveRenderer
from app.models.project import ProjectUpdate
from app.services import duplicates, projects, workshops
from app.services.access import Actor, Role
from app.versions import Memo, Versions
from app.web import make_templates
from tests.factories import make_project, make_workshop

FACILITATOR = Actor(Role.facilitator)
UPDATING = 'class="hint updating"'


def pairs(hints: list[duplicates.Hint]) -> list[tuple[int, int, float, tuple[str, ...], str, str]]:
    return [(h.project_a.id, h.project_b.id, h.score, h.shared_words, h.project_a.title, h.project_b.title)
            for h in hints]


def console(renderer: LiveRenderer, code: str) -> str:
    html = renderer(code, "facilitator", "th") or ""
    return re.sub(r'data-server-now="\d+"', "", html)


def test_after_an_edit_the_console_shows_the_previous_hints_then_the_recomputed_ones(
        engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(duplicates, "BACKGROUND_FROM", 2)  # this small workshop counts as big
    templates = make_templates()
    versions, broker = Versions(), LocalBroker()
    broker.subscribe(versions.changed)  # as app/main.py wires them
    kept = Memo(versions, projects_only=True)
    redraws: list[str] = []
    kept.on_refreshed = redraws.append  # the hub's notify in the server
    renderer = LiveRenderer(engine, templates, kept)
    with Session(engine, expire_on_commit=False) as session:
        workshop = make_workshop(session, phase="propose")
        older = make_project(session, workshop, "ระบบเตือนภัยน้ำท่วมล่วงหน้าผ่าน SMS",
                             description="ส่งข้อความเตือนประชาชนในพื้นที่เสี่ยงน้ำท่วมจากสถานีวัดระดับน้ำ")
        make_project(session, workshop, "ศูนย์ข้อมูลราคาสินค้าเกษตร", description="ราคารับซื้อพืชผลรายวัน")
        newer = make_project(session, workshop, "แจ้งเตือนอุทกภัยทาง SMS",
                             description="สถานีวัดระดับน้ำส่งข้อความเตือนถึงโทรศัพท์ประชาชนในพื้นที่เสี่ยง")
        code = workshop.code

    opened = console(renderer, code)  # nothing kept yet (a server just started): looked for in the background
    assert UPDATING in opened and "กำลังค้นหาข้อเสนอที่อาจซ้ำกัน" in opened and 'class="hint-pair"' not in opened
    kept.settle()
    assert redraws == [code]  # the hub is told to redraw
    first = console(renderer, code)
    assert 'id="duplicate-hints"' in first and UPDATING not in first and f"#{newer.id} แจ้งเตือนอุทกภัยทาง SMS" in first

    with Session(engine, expire_on_commit=False) as session:  # the later proposal is rewritten: no longer alike
        shop = workshops.get_workshop(session, code=code)
        projects.update_project(session, workshop=shop, actor=FACILITATOR, project_id=newer.id,
                                project_in=ProjectUpdate(title="ห้องเรียนดิจิทัลโรงเรียนขยายโอกาส",
                                                         description="จอสัมผัสและอินเทอร์เน็ตความเร็วสูง"))
        make_project(session, shop, "ศูนย์ข้อมูลราคาพืชผลเกษตรรายวัน", description="ราคารับซื้อสินค้าเกษตร")
    broker.publish(code, False)

    during = console(renderer, code)  # drawn at once: the previous pair, with today's titles
    assert UPDATING in during
    assert f"#{older.id} ระบบเตือนภัยน้ำท่วมล่วงหน้าผ่าน SMS" in during
    assert f"#{newer.id} ห้องเรียนดิจิทัลโรงเรียนขยายโอกาส" in during

    kept.settle()
    assert redraws == [code, code]
    after = console(renderer, code)
    assert UPDATING not in after
    with Session(engine, expire_on_commit=False) as session:
        shop = workshops.get_workshop(session, code=code)
        full = duplicates.likely_duplicates(session, workshop=shop)  # nothing kept: a full recomputation
        live, updating = duplicates.live_hints(session, workshop=shop, kept=kept)
    assert not updating and pairs(live) == pairs(full)
    assert (older.id, newer.id) not in [(a, b) for a, b, *_ in pairs(full)]
    assert [h.project_b.title for h in live] == ["ศูนย์ข้อมูลราคาพืชผลเกษตรรายวัน"]  # the new proposal's pair
    assert after == console(LiveRenderer(engine, templates), code)  # as a fresh renderer draws it


def test_a_workshop_below_the_size_gets_its_hints_at_once(engine: Engine) -> None:
    versions, broker = Versions(), LocalBroker()
    broker.subscribe(versions.changed)
    kept = Memo(versions, projects_only=True)
    renderer = LiveRenderer(engine, make_templates(), kept)
    with Session(engine, expire_on_commit=False) as session:
        workshop = make_workshop(session, phase="propose")
        make_project(session, workshop, "ระบบเตือนภัยน้ำท่วมล่วงหน้าผ่าน SMS",
                     description="ส่งข้อความเตือนประชาชนในพื้นที่เสี่ยงน้ำท่วมจากสถานีวัดระดับน้ำ")
        code = workshop.code
    assert 'id="duplicate-hints"' not in console(renderer, code)
    with Session(engine, expire_on_commit=False) as session:
        make_project(session, workshops.get_workshop(session, code=code), "แจ้งเตือนอุทกภัยทาง SMS",
                     description="สถานีวัดระดับน้ำส่งข้อความเตือนถึงโทรศัพท์ประชาชนในพื้นที่เสี่ยง")
    broker.publish(code, False)
    drawn = console(renderer, code)
    assert 'id="duplicate-hints"' in drawn and UPDATING not in drawn


def test_background_work_that_fails_asks_for_no_redraw_and_can_be_tried_again() -> None:
    versions = Versions()
    kept = Memo(versions, projects_only=True)
    redraws: list[str] = []
    kept.on_refreshed = redraws.append
    assert kept.get("ABC", "hints", lambda: ["old"]) == ["old"]
    versions.changed("ABC")

    def broken() -> list[str]:
        raise RuntimeError("database gone")

    kept.refresh("ABC", "hints", broken, version=kept.version("ABC"))
    kept.settle()
    assert redraws == [] and kept.peek("ABC", "hints") == (False, ["old"])  # a redraw would only fail again
    kept.refresh("ABC", "hints", lambda: ["new"], version=kept.version("ABC"))
    kept.settle()
    assert redraws == ["ABC"] and kept.peek("ABC", "hints") == (True, ["new"])


def test_the_work_a_redraw_asks_for_starts_once_its_views_are_drawn() -> None:
    """Threads share one interpreter lock: hints computed while the views are still being drawn
    would slow the redraw that the room waits for."""
    memo = Memo(Versions(), projects_only=True)
    started = threading.Event()

    def hints() -> str:
        started.set()
        return "the new hints"

    with memo.holding_refreshes():  # as the hub's renderer draws a workshop's views
        memo.refresh("ABC", "duplicate hints", hints, version=0)
        assert not started.wait(0.2)
    memo.settle()
    assert started.is_set() and memo.peek("ABC", "duplicate hints") == (True, "the new hints")
