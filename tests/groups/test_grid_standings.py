"""The event's grid at scale (issue 14, point 7): 40 groups voting at once must not have every
group ranked again for each redraw of the grid. A group's own redraw keeps its standing for the
grid; the hub's steps rank, one group at a time, the groups that changed since; and a grid
drawn right after those steps shows what they kept, even for a group that changed again in
between, because that change brings the next redraw, which shows it."""

from __future__ import annotations

from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.live.broker import LocalBroker
from app.live.renderer import LiveRenderer
from app.models import Phase, Project
from app.models.workshop import WorkshopSettingsUpdate
from app.services import group_grid, groups, voting, workshops
from app.services.access import Actor, Role
from app.versions import Memo, Versions
from app.web import make_templates
from tests.factories import make_participant, make_project, make_workshop

FACILITATOR = Actor(Role.facilitator)


def tile(screen: str | None, code: str) -> str:
    assert screen is not None and 'data-view="groups"' in screen
    return screen.split(f'data-group="{code}"')[1].split("</li>")[0]


def test_the_grid_takes_the_groups_standings_from_their_own_redraws_and_ranks_the_rest_in_steps(
        engine: Engine) -> None:
    versions, broker = Versions(), LocalBroker()
    broker.subscribe(versions.changed)  # as app/main.py wires them
    renderer = LiveRenderer(engine, make_templates(), Memo(versions, projects_only=True))
    renderer.grid_kept = grid = Memo(versions)
    with Session(engine, expire_on_commit=False) as session:
        event = make_workshop(session)
        north, south = (made.group for made in groups.add_groups(
            session, event=event, actor=FACILITATOR, names=["ภาคเหนือ", "ภาคใต้"]))
        make_project(session, north, "ฝายชะลอน้ำดอยสุเทพ")
        port = make_project(session, south, "ท่าเรือประมงสงขลา")
        for group in (north, south):
            workshops.set_phase(session, workshop=group, actor=FACILITATOR, phase=Phase.vote)
            workshops.update_settings(session, workshop=group, actor=FACILITATOR,
                                      settings_in=WorkshopSettingsUpdate(show_live_tallies=True))
        voters = [make_participant(session, south, name) for name in ("สมศรี", "สมชาย", "สมหญิง")]

    def vote(voter: int, project: Project) -> None:
        with Session(engine, expire_on_commit=False) as session:
            voting.set_dots(session, workshop=workshops.get_workshop(session, code=south.code),
                            participant=voters[voter], project_id=project.id or 0, dots=1)
        for code in group_grid.changed_codes(south.code):  # the change's notices, as the server sends them
            broker.publish(code, True)

    def grid_screen() -> str | None:
        return renderer(event.code, "screen", "th")

    vote(0, port)
    renderer.render_many(south.code, [(south.code, "screen", "th"), (south.code, "phone", "th")])
    first = grid_screen()
    assert 'data-count="voters">1<' in tile(first, south.code) and "ท่าเรือประมงสงขลา" in tile(first, south.code)
    assert grid.computed == 1  # the north, which nobody redrew; the south came from its own redraw

    vote(1, port)  # the south changed since its redraw: a step ranks it, and only it
    steps = renderer.steps(event.code)
    assert len(steps) == 1
    for step in steps:
        step()
    vote(2, port)  # ... and changed again between the steps and the grid
    settled = grid_screen()
    assert 'data-count="voters">2<' in tile(settled, south.code)  # what the step kept
    # That vote's notice marked the event again (the hub's next pass); any redraw not right
    # after the steps, like a connecting screen's first one, ranks what is not current.
    assert 'data-count="voters">3<' in tile(grid_screen(), south.code)
    assert grid.computed == 3


def test_a_groups_redraws_keep_their_events_row_and_framework_only_until_the_event_changes(engine: Engine) -> None:
    """Each group's redraw takes its event's row and framework from the hub's kept values
    (40 groups at once read them again for every redraw); a change to the event, which moves
    the event's version, is shown by the groups' next redraw, and a vote in a group is not."""
    versions, broker = Versions(), LocalBroker()
    broker.subscribe(versions.changed)
    kept = Memo(versions, projects_only=True)
    renderer = LiveRenderer(engine, make_templates(), kept)
    with Session(engine, expire_on_commit=False) as session:
        event = make_workshop(session, title="สมัชชาดิจิทัล")
        north = groups.add_groups(session, event=event, actor=FACILITATOR, names=["ภาคเหนือ"])[0].group
        weir = make_project(session, north, "ฝายชะลอน้ำดอยสุเทพ")
        workshops.set_phase(session, workshop=north, actor=FACILITATOR, phase=Phase.vote)
        voter = make_participant(session, north)

    def draw() -> str:
        screen = renderer(north.code, "screen", "th")
        assert screen is not None
        return screen

    assert "สมัชชาดิจิทัล" in draw()
    read = kept.computed
    with Session(engine, expire_on_commit=False) as session:
        voting.add_dots(session, workshop=workshops.get_workshop(session, code=north.code), participant=voter,
                        project_id=weir.id or 0, delta=1)
    for code in group_grid.changed_codes(north.code):
        broker.publish(code, True)  # a vote: the event's row and framework stay kept
    draw()
    assert kept.computed == read
    with Session(engine, expire_on_commit=False) as session:
        workshops.update_settings(session, workshop=workshops.get_workshop(session, code=event.code),
                                  actor=FACILITATOR, settings_in=WorkshopSettingsUpdate(title="สมัชชาใหม่"))
    broker.publish(event.code)  # as the route announces the change
    assert "สมัชชาใหม่" in draw() and "สมัชชาดิจิทัล" not in draw()
