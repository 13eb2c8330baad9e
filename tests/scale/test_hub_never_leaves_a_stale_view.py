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
