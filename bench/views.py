"""`ruamkit bench --projects N` above the live run's 200: how long each live view takes to redraw
and each file to draw, for a workshop of N real projects and P participants who spent their dots.

The workshop is built straight in a new SQLite database through the services (no servers, no
phones): the projects with real Thai titles and agencies (tests/data/thaime/projects-sample.csv),
tagged with one or two strategies; the participants joined; their dots written in one transaction
(as the ballot box would have, without 10,000 round trips). Then, in voting with tallies shown:
each live view (what the hub draws after a change: app/live/renderer.py) and a phone's own page
are drawn a few times, and every export format and the report's PDF once. Progress lines go to
stdout; the last line printed is one JSON object with the results.
"""

from __future__ import annotations

import csv
import gzip
import json
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlmodel import Session

TITLES = [Path(__file__).resolve().parents[1] / "tests/data/thaime/projects-sample.csv",
          Path(__file__).resolve().parents[2] / "shared/data/thaime/projects-sample.csv"]
TARGET_MS = 50.0  # per live view (issue 13)
START = time.monotonic()


def log(message: str) -> None:
    print(f"[bench {time.monotonic() - START:7.1f}s] {message}", flush=True)


def real_projects(count: int, seed: int) -> list[tuple[str, str]]:
    """`count` (title, agency) pairs of real Thai proposals (titles up to 500 characters); past
    the sample's size they repeat with a number."""
    path = next((p for p in TITLES if p.exists()), None)
    rows: list[tuple[str, str]] = []
    if path is not None:
        with path.open(encoding="utf-8", newline="") as file:
            rows = [(r["title"].strip(), (r.get("agency") or "").strip()) for r in csv.DictReader(file)]
    rows = [(t, a[:200]) for t, a in rows if 0 < len(t) <= 480] or [("โครงการพัฒนาระบบบริการประชาชนดิจิทัล", "")]
    random.Random(seed).shuffle(rows)
    return [rows[i % len(rows)] if i < len(rows) else (f"{rows[i % len(rows)][0]} ({i // len(rows) + 1})",
                                                       rows[i % len(rows)][1]) for i in range(count)]


CPU_MS: list[float] = []  # the last timed() call's median CPU milliseconds (this thread's), in [0]


def timed(fn: Callable[[], Any], repeat: int, before: Callable[[], None] | None = None) -> tuple[float, Any]:
    """The median milliseconds of `repeat` calls, and the last call's answer; `before` (not
    timed) runs before each call. The median CPU time of this thread is kept in CPU_MS: on a
    machine shared with other work, the wall time also counts the waits for a core."""
    times, cpu, answer = [], [], None
    for _ in range(repeat):
        if before is not None:
            before()
        cpu_started = time.thread_time()
        started = time.perf_counter()
        answer = fn()
        times.append((time.perf_counter() - started) * 1000)
        cpu.append((time.thread_time() - cpu_started) * 1000)
    CPU_MS[:] = [statistics.median(cpu)]
    return statistics.median(times), answer


def build(session: Session, projects: int, participants: int, seed: int) -> Any:
    from app.models import Phase, Vote
    from app.models.participant import ParticipantJoin
    from app.models.project import ProjectCreate
    from app.models.workshop import WorkshopCreate
    from app.services import participants as people, rounds, workshops
    from app.services import projects as project_service
    from app.services.access import Actor, Role

    ceilings = ceilings_for(projects, participants)
    facilitator = Actor(Role.facilitator)
    workshop, _key, _screen = workshops.create_workshop(session, workshop_in=WorkshopCreate(
        title="สัมมนาแผนปฏิบัติราชการ (bench)", dots_per_participant=5, max_dots_per_project=3))
    workshops.set_phase(session, workshop=workshop, actor=facilitator, phase=Phase.propose)
    strategy_ids = [s.id for s in workshops.list_strategies(session, workshop=workshop)]
    area_ids = [r.id for r in workshops.list_reform_areas(session, workshop=workshop)]
    rng = random.Random(seed)
    log(f"making {projects} projects")
    made = []
    for title, agency in real_projects(projects, seed):
        project_in = ProjectCreate(title=title, agency=agency, strategy_ids=rng.sample(strategy_ids, rng.randint(1, 2)),
                                   reform_area_ids=rng.sample(area_ids, rng.randint(0, 1)))
        project, _created = project_service.create_project(session, workshop=workshop, actor=facilitator,
                                                           project_in=project_in, ceilings=ceilings)
        made.append(project.id)
    log(f"joining {participants} participants")
    joined = [people.join(session, workshop=workshop, join_in=ParticipantJoin(name=f"ผู้เข้าร่วม {i + 1}"),
                          ceilings=ceilings)[0].id for i in range(participants)]
    workshops.set_phase(session, workshop=workshop, actor=facilitator, phase=Phase.vote)
    round_id = rounds.current_round(session, workshop=workshop).id
    log("spending every participant's 5 dots")
    for participant_id in joined:  # 5 dots each: on 2 to 5 projects, at most 3 on one
        picks = rng.sample(made, 3)
        for project_id, dots in zip(picks, (2, 2, 1), strict=True):
            session.add(Vote(participant_id=participant_id, project_id=project_id, round_id=round_id,
                             workshop_id=workshop.id, dots=dots))
    session.commit()
    workshops.update_settings(session, workshop=workshop, actor=facilitator,
                              settings_in=_settings(show_live_tallies=True))
    return workshop


def ceilings_for(projects: int, participants: int) -> Any:
    """Room for the workshop, and for the projects proposed between draws."""
    from app.services.ceilings import Ceilings

    return Ceilings(participants=participants + 10, projects=projects + 100, typed_agencies=1000, rounds=10)


def _changes(engine: Any, code: str, ceilings: Any) -> tuple[Callable[[], None], Callable[[], int], Callable[[], int]]:
    """Three changes to make between draws, each written and committed as the server would: one
    participant's last dot taken back and given again (a vote), a project's title edited, and a
    project proposed (by the facilitator: in voting too). The last two answer the project's id."""
    from app.models import Vote
    from app.models.project import ProjectCreate, ProjectUpdate
    from app.services import projects, voting, workshops
    from app.services.access import Actor, Role
    from sqlmodel import col, select

    with Session(engine) as session:
        vote = session.exec(select(Vote).where(Vote.dots == 1).order_by(col(Vote.participant_id))).first()
        assert vote is not None
        participant_id, project_id = vote.participant_id, vote.project_id
        edited_id = session.exec(select(Vote.project_id).order_by(col(Vote.dots).desc())).first()
        assert edited_id is not None
    turn, edits = [1], [0]  # the dot: taken back (0), given again (1), ...

    def vote_a_dot() -> None:
        turn[0] += 1
        with Session(engine, expire_on_commit=False) as session:
            shop = workshops.get_workshop(session, code=code)
            voting.set_dots(session, workshop=shop, participant=people_get(session, participant_id),
                            project_id=project_id, dots=turn[0] % 2)

    def edit_a_title() -> int:
        edits[0] += 1
        with Session(engine, expire_on_commit=False) as session:
            shop = workshops.get_workshop(session, code=code)
            projects.update_project(session, workshop=shop, actor=Actor(Role.facilitator), project_id=edited_id,
                                    project_in=ProjectUpdate(title=f"โครงการที่แก้ชื่อแล้ว ครั้งที่ {edits[0]}"))
        return edited_id

    def propose_a_project() -> int:
        edits[0] += 1
        with Session(engine, expire_on_commit=False) as session:
            shop = workshops.get_workshop(session, code=code)
            strategy_id = workshops.list_strategies(session, workshop=shop)[0].id
            project, _created = projects.create_project(session, workshop=shop, actor=Actor(Role.facilitator),
                                                        project_in=ProjectCreate(
                                                            title=f"โครงการเสนอใหม่ระหว่างลงคะแนน ที่ {edits[0]}",
                                                            strategy_ids=[strategy_id]),
                                                        ceilings=ceilings)
        return project.id

    return vote_a_dot, edit_a_title, propose_a_project


def people_get(session: Session, participant_id: int) -> Any:
    from app.models import Participant

    return session.get(Participant, participant_id)


def _settings(**values: Any) -> Any:
    from app.models.workshop import WorkshopSettingsUpdate

    return WorkshopSettingsUpdate(**values)


def main(projects: int, participants: int, seed: int = 1, repeat: int = 5, pdf: bool = True) -> dict[str, Any]:
    from app import db
    from app.config import Settings
    from app.live.renderer import LiveRenderer
    from app.cli import serving
    from app.main import tune_gc
    from app.render_worker import DRAWERS
    from app.routes.phone import phone_context
    from app.services import workshops
    from app.services.access import Actor, Role
    from app.services.participants import list_participants
    from app.versions import Memo, Versions
    from app.web import make_templates, render_text

    result: dict[str, Any] = {"projects": projects, "participants": participants, "views_ms": {},
                              "view_bytes": {}, "view_gzip_bytes": {}, "exports_ms": {}, "export_bytes": {}}
    with tempfile.TemporaryDirectory(prefix="ruamkit-bench-views-") as workdir:
        url = f"sqlite:///{Path(workdir) / 'views.db'}"
        db.upgrade(url)
        settings = Settings(database_url=url)
        engine = db.make_engine(settings)
        templates = make_templates()
        try:
            with Session(engine, expire_on_commit=False) as session:
                started = time.perf_counter()
                workshop = build(session, projects, participants, seed)
                log(f"workshop {workshop.code} built in {time.perf_counter() - started:.1f} s")
                code = workshop.code

            # The hub keeps each workshop's project list until its projects change (app/versions.py):
            # a vote, announced as one, keeps it; an edit or a new proposal, announced with its
            # project, has that project's row read again. Each draw below follows a real change
            # written to the database (not timed), announced as the server would.
            versions = Versions()
            kept = Memo(versions, size=64, projects_only=True)
            vote_a_dot, edit_a_title, propose_a_project = _changes(engine, code, ceilings_for(projects, participants))

            def after_vote() -> None:
                vote_a_dot()
                versions.changed(code, votes_only=True)

            def after(change: Callable[[], int]) -> Callable[[], None]:
                def change_then_announce() -> None:
                    kept.settle(timeout=600)  # the last change's hints recomputed in the background (not timed)
                    versions.changed(code, projects=[change()])
                return change_then_announce

            after_edit = after(edit_a_title)

            hub = LiveRenderer(engine, templates, kept)
            # The interpreter as `ruamkit serve` sets it (app/cli.py, serving): the collector
            # tuned (with Python's defaults a full collection of the 3,000 projects' objects fell
            # into one draw or another: the same view took 26 ms in one run and 52 in the next)
            # and the GIL's switch interval, which a background thread's start waits on.
            served = serving(settings)
            if served.gc_freeze:
                tune_gc(served.gc_threshold0)
            if served.switch_interval:
                sys.setswitchinterval(served.switch_interval)

            def live(view: str) -> str:  # what the hub does after a change: a new session, a new ranking
                return hub(code, view, "th") or ""

            for view in ("phone", "screen", "facilitator"):
                live(view)  # warm: templates compiled
                kept.settle(timeout=600)  # the console's first duplicate hints, found in the background
                ms, html = timed(lambda v=view: live(v), repeat, before=after_vote)
                _record(result, f"{view} (live)", ms, html)
            for view in ("phone", "screen", "facilitator"):
                ms, html = timed(lambda v=view: live(v), 3, before=after_edit)
                _record(result, f"{view} (after an edit)", ms, html)
            for view in ("phone", "screen", "facilitator"):
                ms, html = timed(lambda v=view: live(v), 3, before=after(propose_a_project))
                _record(result, f"{view} (after a new proposal)", ms, html)

            # The console's duplicate hints after an edit: recomputed in a thread of their own while
            # the views are drawn with the previous ones (app/services/duplicates.py, live_hints).
            after_edit()
            live("facilitator")
            cpu_started, started = time.process_time(), time.perf_counter()
            kept.settle(timeout=600)
            result["hints_background_ms"] = round((time.perf_counter() - started) * 1000, 1)
            result["hints_background_cpu_ms"] = round((time.process_time() - cpu_started) * 1000, 1)
            log(f"duplicate hints recomputed in the background after an edit: {result['hints_background_ms']:.0f} ms"
                f" (CPU {result['hints_background_cpu_ms']:.0f} ms)")

            def all_live() -> str:  # one change as the hub draws it: one session, one ranking, every view
                drawn = hub.render_many(code, [(code, view, "th") for view in ("phone", "screen", "facilitator")])
                return "".join(html or "" for html in drawn.values())

            ms, html = timed(all_live, repeat, before=after_vote)
            _record(result, "all three (live, one change)", ms, html)

            memo = Memo(Versions())
            with Session(engine, expire_on_commit=False) as session:
                shop = workshops.get_workshop(session, code=code)
                me = list_participants(session, workshop=shop)[0]

                def own_page(query: str = "") -> str:  # one phone's own view (shared parts kept per version)
                    return render_text(templates, "partials/_phone_main.html", "th", notice=None,
                                       **phone_context(session, memo, shop, Actor(Role.participant, me), "th",
                                                       query=query))

                first_ms, _html = timed(lambda: own_page("ถนน"), 1)
                log(f"first phone search (cuts {projects} titles into words): {first_ms:.0f} ms")
                result["first_search_ms"] = round(first_ms, 1)
                ms, html = timed(own_page, repeat)
                _record(result, "phone page (one phone's own)", ms, html)
                ms, html = timed(lambda: own_page("ถนน"), repeat)
                _record(result, "phone search 'ถนน'", ms, html)

                for name, draw in DRAWERS.items():
                    if name == "pdf" and not pdf:
                        continue
                    started = time.perf_counter()
                    body = draw(session, shop, "th", None)
                    ms = (time.perf_counter() - started) * 1000
                    result["exports_ms"][name] = round(ms, 1)
                    result["export_bytes"][name] = len(body)
                    log(f"export {name}: {ms:.0f} ms, {len(body):,} bytes")
        finally:
            engine.dispose()
    result["views_within_target"] = all(ms <= TARGET_MS for key, ms in result["views_ms"].items() if "(live)" in key)
    print(json.dumps(result, ensure_ascii=False), flush=True)
    return result


def _record(result: dict[str, Any], name: str, ms: float, html: str) -> None:
    size = len(html.encode())
    zipped = len(gzip.compress(html.encode()))
    result["views_ms"][name] = round(ms, 1)
    result.setdefault("views_cpu_ms", {})[name] = round(CPU_MS[0], 1) if CPU_MS else None
    result["view_bytes"][name] = size
    result["view_gzip_bytes"][name] = zipped
    log(f"view {name}: {ms:.1f} ms (target {TARGET_MS:.0f}; CPU {result['views_cpu_ms'][name]} ms), "
        f"{size:,} bytes ({zipped:,} gzipped)")
