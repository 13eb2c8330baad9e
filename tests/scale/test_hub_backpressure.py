"""The hub's fan-out under back-pressure: a phone that stops reading gets the newest state when it
catches up (never a backlog), never holds up the others, and is dropped after the send timeout."""

from __future__ import annotations

import asyncio
import concurrent.futures
import time

from app.live.hub import Hub


class FakePhone:
    """A websocket whose sends finish at once, or wait while `stalled` is clear."""

    def __init__(self, *, stalled: bool = False) -> None:
        self.received: list[str] = []
        self.flowing = asyncio.Event()
        if not stalled:
            self.flowing.set()
        self.closed_with: int | None = None

    async def send(self, message: dict[str, str]) -> None:
        await self.flowing.wait()
        self.received.append(message["text"])

    async def close(self, code: int = 1000, reason: str | None = None) -> None:  # Starlette's signature
        self.closed_with = code


def run(coro):  # type: ignore[no-untyped-def]
    # In a thread of its own: Playwright's sync API may have left an event loop running here.
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, asyncio.wait_for(coro, 20)).result(timeout=30)


def test_a_stalled_phone_gets_only_the_newest_state_and_does_not_hold_up_the_others() -> None:
    async def scene() -> None:
        state = {"text": "v0"}
        hub = Hub(lambda code, view, lang: state["text"], interval=0.01, send_timeout=5)
        await hub.start()
        quick, stalled = FakePhone(), FakePhone(stalled=True)
        await hub.connect(quick, ("ABCDE", "phone", "th"))  # type: ignore[arg-type]
        await hub.connect(stalled, ("ABCDE", "phone", "th"))  # type: ignore[arg-type]
        for version in range(1, 6):
            state["text"] = f"v{version}"
            hub.notify("ABCDE")
            await asyncio.sleep(0.05)
        assert quick.received[-1] == "v5" and stalled.received == []
        stalled.flowing.set()  # it reads again
        for _ in range(100):
            if stalled.received[-1:] == ["v5"]:
                break
            await asyncio.sleep(0.01)
        # The snapshot it was stuck on, then straight to the newest: nothing in between.
        assert stalled.received == ["v0", "v5"]
        await hub.stop()

    run(scene())


def test_a_phone_that_never_reads_again_is_dropped_after_the_send_timeout() -> None:
    async def scene() -> None:
        hub = Hub(lambda code, view, lang: "snapshot", interval=0.01, send_timeout=0.3)
        await hub.start()
        quick, dead = FakePhone(), FakePhone(stalled=True)
        await hub.connect(quick, ("ABCDE", "phone", "th"))  # type: ignore[arg-type]
        await hub.connect(dead, ("ABCDE", "phone", "th"))  # type: ignore[arg-type]
        assert hub.connection_count("ABCDE") == 2
        for _ in range(200):
            if dead.closed_with is not None:
                break
            await asyncio.sleep(0.01)
        assert dead.closed_with == 1011
        assert hub.connection_count("ABCDE") == 1
        hub.notify("ABCDE")
        await asyncio.sleep(0.05)
        assert quick.received[-1] == "snapshot"
        await hub.stop()

    run(scene())


def test_phones_get_the_tallies_at_their_own_pace_and_always_the_last_state() -> None:
    async def scene() -> tuple[list[str], list[str]]:
        state = {"text": "v0"}
        hub = Hub(lambda code, view, lang: f"{view}:{state['text']}", interval=0.01,
                  view_intervals={"phone": 0.25})
        await hub.start()
        phone, screen = FakePhone(), FakePhone()
        await hub.connect(phone, ("ABCDE", "phone", "th"))  # type: ignore[arg-type]
        await hub.connect(screen, ("ABCDE", "screen", "th"))  # type: ignore[arg-type]
        for version in range(1, 11):  # a vote storm: a change every 30 ms
            state["text"] = f"v{version}"
            hub.notify("ABCDE")
            await asyncio.sleep(0.03)
        await asyncio.sleep(0.4)
        await hub.stop()
        return phone.received, screen.received

    phone, screen = run(scene())
    assert len(screen) >= 9 and screen[-1] == "screen:v10"  # the big screen follows every change
    assert 2 <= len(phone) <= 4 and phone[-1] == "phone:v10"  # the snapshot, then at most every 0.25 s


def test_writing_to_thousands_of_phones_does_not_hold_up_the_big_screen() -> None:
    class SlowPhone(FakePhone):
        async def send(self, message: dict[str, str]) -> None:
            await super().send(message)
            time.sleep(0.0005)  # the socket write of a busy server

    async def scene() -> tuple[float, list[list[str]]]:
        state = {"text": "v0"}
        hub = Hub(lambda code, view, lang: f"{view}:{state['text']}", interval=0.01)
        await hub.start()
        screen, phones = FakePhone(), [SlowPhone() for _ in range(1200)]  # one pass: 0.6 s
        for phone in phones:
            await hub.connect(phone, ("ABCDE", "phone", "th"))  # type: ignore[arg-type]
        await hub.connect(screen, ("ABCDE", "screen", "th"))  # type: ignore[arg-type]
        await asyncio.sleep(0.1)
        state["text"] = "v1"
        hub.notify("ABCDE")  # a pass over the phones begins
        await asyncio.sleep(0.15)
        state["text"] = "v2"
        hub.notify("ABCDE")  # a change in the middle of it
        changed = time.monotonic()
        while screen.received[-1] != "screen:v2":
            await asyncio.sleep(0.005)
        screen_lag = time.monotonic() - changed
        await asyncio.sleep(2.5)
        await hub.stop()
        return screen_lag, [p.received for p in phones]

    screen_lag, phones = run(scene())
    # The big screen shows the change without waiting for the pass over the phones to end ...
    assert screen_lag < 0.2, screen_lag
    # ... and every phone ends with the newest state.
    assert all(received[-1] == "phone:v2" for received in phones)
