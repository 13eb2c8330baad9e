"""The background check that moves a workshop to its next phase when its timer reaches zero.

Every process runs one; the service claims each move with a conditional UPDATE, so with
several processes the phase still moves once, and the winner tells every process's hub.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.models import utcnow
from app.services import auto_advance, timer

log = logging.getLogger(__name__)


class TimerWatch:
    def __init__(self, engine: Engine, publish: Callable[[str], None], *, interval: float = 0.5,
                 now: timer.Clock = utcnow) -> None:
        self.engine, self.publish, self.interval, self.now = engine, publish, interval, now
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._task = asyncio.create_task(self._watch_forever())

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def tick(self) -> list[str]:
        """One check (in a worker thread: it reads the database and may publish to Redis):
        the codes of the workshops moved to their next phase, each announced."""
        with Session(self.engine, expire_on_commit=False) as session:
            moved = auto_advance.advance_expired(session, now=self.now)
        for code in moved:
            self.publish(code)
        return moved

    async def _watch_forever(self) -> None:
        while True:
            try:
                await asyncio.to_thread(self.tick)
            except Exception:
                log.exception("Checking phase timers failed")
            await asyncio.sleep(self.interval)
