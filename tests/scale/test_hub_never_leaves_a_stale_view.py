"""A view never stays behind the room: a snapshot drawn before a change does not arrive after
that change's message, and a redraw that failed (a busy database) is tried again."""

from __future__ import annotations

import asyncio
import threading

from app.live.hub import Hub
from tests.scale.test_hub_backpressure import FakePhone, run


def test_a_snapshot_drawn_before_a_change_does_not_overwrite_it() -> None:
    async def scene() -> None:
        state = {"text": "round 1"}
        drawing_snapshot, release = threading.Event(), threading.Event()
        slow_once = {"left": 1}

        def render(code: str, view: str, lang: str) -> str:
            text = state["text"]
            if view == "phone" and slow_once["left"]:
                slow_once["left"] -= 1
                drawing_snapshot.set()
                release.wait(5)  # the phone's snapshot is drawn from the state before the change
            return text

        hub = Hub(render, interval=0.01)
        await hub.start()
        watcher = FakePhone()
        await hub.connect(watcher, ("ABCDE", "screen", "th"))  # type: ignore[arg-type]
        phone = FakePhone()
        connecting = asyncio.create_task(hub.connect(phone, ("ABCDE", "phone", "th")))  # type: ignore[arg-type]
        await asyncio.to_thread(drawing_snapshot.wait, 5)
        state["text"] = "round 2"  # a scoring round starts meanwhile
        hub.notify("ABCDE")
        for _ in range(100):
            if phone.received[-1:] == ["round 2"]:
                break
            await asyncio.sleep(0.01)
        release.set()
        await connecting
        await asyncio.sleep(0.05)
        assert phone.received[-1] == "round 2"
        await hub.stop()

    run(scene())


def test_a_redraw_that_failed_is_tried_again() -> None:
    async def scene() -> None:
        state = {"text": "round 1", "fail": False}

        def render(code: str, view: str, lang: str) -> str:
            if state["fail"]:
                state["fail"] = False
                raise RuntimeError("database is locked")
            return state["text"]

        hub = Hub(render, interval=0.01, render_on_loop=True)
        hub.RETRY_SECONDS = 0.05
        await hub.start()
        phone = FakePhone()
        await hub.connect(phone, ("ABCDE", "phone", "th"))  # type: ignore[arg-type]
        state.update(text="round 2", fail=True)
        hub.notify("ABCDE")  # nothing else changes in the room after this
        for _ in range(100):
            if phone.received[-1:] == ["round 2"]:
                break
            await asyncio.sleep(0.01)
        assert phone.received[-1] == "round 2"
        await hub.stop()

    run(scene())


def test_one_change_draws_the_screen_once_and_the_phones_at_their_turn_and_one_noticed_while_drawing_again() -> None:
    """A workshop whose phones are not yet due stays dirty for them only: its screen is not
    drawn again at every pass until then (40 groups: five screens drawn for each tap). A change
    noticed while a view is being drawn is drawn at the next pass."""
    async def scene() -> None:
        state = {"text": "1 dot"}
        drawn: list[str] = []
        during: list[str] = []

        def render(code: str, view: str, lang: str) -> str:
            drawn.append(view)
            if during and view == "screen":
                state["text"] = during.pop()
                hub.notify("ABCDE")  # a tap committed while the screen is drawn
            return state["text"]

        hub = Hub(render, interval=0.02, view_intervals={"phone": 0.2})  # drawn in a thread, as on PostgreSQL
        await hub.start()
        screen, phone = FakePhone(), FakePhone()
        await hub.connect(screen, ("ABCDE", "screen", "th"))  # type: ignore[arg-type]
        await hub.connect(phone, ("ABCDE", "phone", "th"))  # type: ignore[arg-type]
        hub.notify("ABCDE")  # a first change: both views drawn, the phones' turn starts
        await asyncio.sleep(0.05)
        drawn.clear()
        state["text"] = "2 dots"
        hub.notify("ABCDE")  # the screen is due at once, the phones within 0.2 s
        await asyncio.sleep(0.4)  # ten passes and more, the phones' turn among them
        assert drawn.count("screen") == 1 and drawn.count("phone") == 1
        assert screen.received[-1] == phone.received[-1] == "2 dots"

        during.append("3 dots")
        state["text"] = "2 dots, again"
        hub.notify("ABCDE")
        await asyncio.sleep(0.5)
        assert screen.received[-1] == phone.received[-1] == "3 dots"
        await hub.stop()

    run(scene())
