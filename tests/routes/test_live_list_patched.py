"""A change that names its projects (an edit, a new proposal, a hide, an approval, a merge...)
has only those projects' rows read again into the live views' kept project list (issue 13: a
workshop of 3,000 projects re-read in full after each edit took most of a redraw). After every
kind of change, made through the server's own routes as a facilitator or participant makes it,
the patched list must equal a full re-read, and the views drawn from it what a fresh renderer
(nothing kept) draws. A change that names no projects (a setting) still reads them all."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.live.broker import notice, read_notice
from app.live.renderer import LiveRenderer
from app.services import projects, workshops
from app.versions import FEW_PROJECTS, Memo, Versions
from tests.routes.helpers import Workshop, create_workshop, join, propose

VIEWS = ("phone", "screen", "facilitator")


def tags_of(tags: projects.Tags) -> tuple[dict[int, list[int]], dict[int, list[int]]]:
    return ({p: ids for p, ids in tags.strategies.items() if ids},
            {p: ids for p, ids in tags.reform_areas.items() if ids})


class Room:
    """The server's renderer and its kept list, beside what a full re-read and a fresh renderer give."""

    def __init__(self, app: FastAPI, workshop: Workshop, monkeypatch: pytest.MonkeyPatch) -> None:
        self.renderer: LiveRenderer = app.state.hub.renderer
        assert self.renderer.kept is not None
        self.kept: Memo = self.renderer.kept
        self.fresh = LiveRenderer(self.renderer.engine, self.renderer.templates)  # nothing kept
        self.code = workshop.code
        self.full_reads = 0  # of the visible projects, all of them
        read_all = projects.list_rows

        def counted(*args: Any, **kwargs: Any) -> list[Any]:
            self.full_reads += 1
            return read_all(*args, **kwargs)

        monkeypatch.setattr(projects, "list_rows", counted)

    def drawn(self, renderer: LiveRenderer) -> dict[str, str]:
        html = renderer.render_many(self.code, [(self.code, view, "th") for view in VIEWS])
        return {view: re.sub(r'data-server-now="\d+"', "", html[(self.code, view, "th")] or "") for view in VIEWS}

    def kept_and_full(self) -> tuple[Any, Any]:
        with Session(self.renderer.engine, expire_on_commit=False) as session:
            shop = workshops.get_workshop(session, code=self.code)
            rows, tags = projects.visible_rows(session, workshop=shop, kept=self.kept)
            full_rows, full_tags = projects.visible_rows(session, workshop=shop)
        return (rows, tags_of(tags)), (full_rows, tags_of(full_tags))

    def redraw_after(self, change: Callable[[], Any], *, patched: bool = True) -> dict[str, str]:
        """Make the change, redraw as the hub does, and check the kept list and the views."""
        change()
        reads, patches = self.full_reads, self.kept.patched
        views = self.drawn(self.renderer)
        # Patched: only the named rows were read again (and what is drawn from them, the
        # phones' list digest, patched too); else the whole list.
        read_all, patches = self.full_reads - reads, self.kept.patched - patches
        assert (read_all == 0 and patches >= 1) if patched else (read_all == 1 and patches == 0)
        assert views == self.drawn(self.fresh)
        kept, full = self.kept_and_full()
        assert kept == full
        return views


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json() if response.headers.get("content-type", "").startswith("application/json") else response


def test_after_each_kind_of_change_the_patched_list_is_what_a_full_read_gives(
        app: FastAPI, client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    shop = create_workshop(client, phase="propose")
    s1, s2, s3 = shop.strategy_ids[:3]
    r1 = shop.reform_area_ids[0]
    road = propose(client, shop, shop.facilitator, "ถนนเชื่อมหมู่บ้านหนองบัว", strategy_ids=[s1])
    water = propose(client, shop, shop.facilitator, "ระบบประปาหมู่บ้าน", strategy_ids=[s2], reform_area_ids=[r1])
    school = propose(client, shop, shop.facilitator, "ห้องเรียนดิจิทัล", strategy_ids=[s3])
    clinic = propose(client, shop, shop.facilitator, "คลินิกชุมชนออนไลน์", strategy_ids=[s1, s3])
    room = Room(app, shop, monkeypatch)
    room.drawn(room.renderer)  # the list is read and kept
    url = shop.url

    joined: list[Any] = []
    views = room.redraw_after(lambda: joined.append(join(client, shop, "มาลี", agency="กรมการปกครอง")))
    malee = joined[0]  # a join names no project: the list is kept as it was
    edited = room.redraw_after(lambda: ok(client.patch(f"{url}/projects/{road['id']}", json={
        "title": "ถนนลาดยางสายใหม่"}, headers=shop.facilitator)))
    assert "ถนนลาดยางสายใหม่" in edited["screen"] and "ถนนเชื่อมหมู่บ้านหนองบัว" not in edited["screen"]
    assert edited["screen"] != views["screen"]
    room.redraw_after(lambda: ok(client.patch(f"{url}/projects/{water['id']}", json={
        "strategy_ids": [s1, s3], "reform_area_ids": []}, headers=shop.facilitator)))
    added = room.redraw_after(lambda: propose(client, shop, shop.facilitator, "ศูนย์ข้อมูลเกษตรกร",
                                              strategy_ids=[s2]))
    assert "ศูนย์ข้อมูลเกษตรกร" in added["screen"]
    room.redraw_after(lambda: propose(client, shop, malee.headers, "ตลาดออนไลน์ชุมชน", strategy_ids=[s3]))

    # A setting names no project: the whole list is read again.
    room.redraw_after(lambda: ok(client.patch(url, json={"premoderate": True}, headers=shop.facilitator)),
                      patched=False)
    waiting: list[Any] = []
    room.redraw_after(lambda: waiting.append(propose(client, shop, malee.headers, "รถรับส่งผู้สูงอายุ")))
    approved = room.redraw_after(lambda: ok(client.post(f"{url}/projects/{waiting[0]['id']}/approve",
                                                        headers=shop.facilitator)))
    assert "รถรับส่งผู้สูงอายุ" in approved["screen"]
    # The proposer's change to a shown proposal waits, then is approved or rejected.
    room.redraw_after(lambda: ok(client.patch(f"{url}/projects/{waiting[0]['id']}", json={
        "title": "รถรับส่งผู้สูงอายุและผู้พิการ", "strategy_ids": [s1]}, headers=malee.headers)))
    room.redraw_after(lambda: ok(client.post(f"{url}/projects/{waiting[0]['id']}/approve",
                                             headers=shop.facilitator)))
    room.redraw_after(lambda: ok(client.patch(f"{url}/projects/{waiting[0]['id']}", json={
        "title": "รถรับส่ง"}, headers=malee.headers)))
    room.redraw_after(lambda: ok(client.delete(f"{url}/projects/{waiting[0]['id']}/pending-edit",
                                               headers=shop.facilitator)))

    hidden = room.redraw_after(lambda: ok(client.delete(f"{url}/projects/{school['id']}", headers=shop.facilitator),
                                          204))
    assert "ห้องเรียนดิจิทัล" not in hidden["screen"]
    room.redraw_after(lambda: ok(client.post(f"{url}/projects/{school['id']}/restore", headers=shop.facilitator)))
    room.redraw_after(lambda: ok(client.post(f"{url}/projects/{clinic['id']}/pin", json={"pinned": True},
                                             headers=shop.facilitator)))
    merged = room.redraw_after(lambda: ok(client.post(f"{url}/projects/{clinic['id']}/merge",
                                                      json={"into": water["id"]}, headers=shop.facilitator)))
    assert "คลินิกชุมชนออนไลน์" not in merged["screen"]

    # The console's own forms name their projects too (a second browser on the same server: no
    # `with`, which would start the app's hub and versions anew).
    console = TestClient(app)
    console.get(shop.created["facilitator_url"])
    room.redraw_after(lambda: ok(console.post(f"/w/{shop.code}/facilitate/projects/{road['id']}", data={
        "title": "ถนนลาดยางสายใหม่ ระยะที่ 2", "strategy_ids": [str(s2)]})))
    room.redraw_after(lambda: ok(console.post(f"/w/{shop.code}/facilitate/projects/{school['id']}/merge",
                                              data={"into": str(road["id"])})))
    room.redraw_after(lambda: ok(client.put(f"{url}/phase", json={"phase": "vote"}, headers=shop.facilitator)),
                      patched=False)
    # In voting a phone's own list redraws when the list changes (its version: app/services/views.py).
    before = room.redraw_after(lambda: ok(console.post(f"/w/{shop.code}/facilitate/projects/{water['id']}/hide")))
    proposed: list[Any] = []
    late = room.redraw_after(lambda: proposed.append(propose(client, shop, shop.facilitator, "โรงเรียนปลอดภัย",
                                                             strategy_ids=[s1])))
    renamed = room.redraw_after(lambda: ok(client.patch(f"{url}/projects/{proposed[0]['id']}", json={
        "title": "โรงเรียนปลอดภัยทุกตำบล"}, headers=shop.facilitator)))
    assert len({before["phone"], late["phone"], renamed["phone"]}) == 3


def test_a_notice_carries_the_projects_it_names_as_text_and_back() -> None:
    """What travels between processes through Redis is text: the projects named survive it."""
    assert read_notice(notice("ABCDEF", projects=[57, 12])) == ("ABCDEF", False, frozenset({12, 57}))
    assert read_notice(notice("ABCDEF-3", projects=())) == ("ABCDEF-3", False, frozenset())
    assert read_notice(notice("ABCDEF", votes_only=True)) == ("ABCDEF", True, None)
    assert read_notice(notice("ABCDEF")) == ("ABCDEF", False, None)
    assert read_notice("ABCDEF projects 12,x") == ("ABCDEF", False, None)  # not understood: anything changed


def test_a_list_older_than_a_change_naming_no_projects_or_too_many_is_read_in_full() -> None:
    versions = Versions()
    versions.changed("ABCDEF", projects=[1])
    assert versions.projects_changed_since("ABCDEF", 0) == frozenset({1})
    versions.changed("ABCDEF", votes_only=True)  # votes leave the projects' version
    versions.changed("ABCDEF", projects=[2, 3])
    assert versions.projects_changed_since("ABCDEF", 0) == frozenset({1, 2, 3})
    assert versions.projects_changed_since("ABCDEF", 1) == frozenset({2, 3})
    versions.changed("ABCDEF", projects=range(FEW_PROJECTS + 1))  # an import: too many to read one by one
    assert versions.projects_changed_since("ABCDEF", 2) is None
    versions.changed("ABCDEF", projects=[4])
    assert versions.projects_changed_since("ABCDEF", 3) == frozenset({4})
    versions.changed_all()  # Redis was away: notices may be lost
    assert versions.projects_changed_since("ABCDEF", 4) is None
    assert versions.projects_changed_since("NEVER", 0) is None  # moved on by changed_all, nothing named
