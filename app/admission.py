"""Admission control: at most a fixed number of HTTP requests inside the app at once.

Why: a request holds its database connection from its first query until its session closes,
and in between FastAPI hands its sync dependencies and handler to the thread pool one at a
time. With more requests in flight than pooled connections (a vote storm: 200 votes/s from
2,000 phones), every thread ended up waiting for a connection held by a request that was
waiting for a thread, and nothing moved until the pool's 30 s timeout. Queuing requests at
the door (first come, first served) keeps the in-flight count below the pool's size, so that
wait can never happen.
"""

from __future__ import annotations

import asyncio

from starlette.types import ASGIApp, Receive, Scope, Send

# The engine's pool holds 40 connections (app/db.py): two render threads and the websocket
# handshakes need a few, the rest are for requests.
DEFAULT_LIMIT = 32


class AdmissionLimit:
    def __init__(self, app: ASGIApp, limit: int = DEFAULT_LIMIT) -> None:
        self.app, self.limit = app, limit
        self._slots: tuple[asyncio.AbstractEventLoop, asyncio.Semaphore] | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith("/static/"):
            await self.app(scope, receive, send)
            return
        loop = asyncio.get_running_loop()
        if self._slots is None or self._slots[0] is not loop:  # one per event loop (tests make several)
            self._slots = (loop, asyncio.Semaphore(self.limit))
        async with self._slots[1]:
            await self.app(scope, receive, send)
