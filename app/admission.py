"""Admission control: at most a fixed number of HTTP requests at work inside the app at once,
and request bodies read before a request may take its place.

Why a limit on work: a request holds its database connection from its first query until its
session closes, and in between FastAPI hands its sync dependencies and handler to the thread
pool one at a time. With more requests in flight than pooled connections (a vote storm: 200
votes/s from 2,000 phones), every thread ended up waiting for a connection held by a request
that was waiting for a thread, and nothing moved until the pool's 30 s timeout. Queuing
requests at the door (first come, first served) keeps the in-flight count below the pool's
size, so that wait can never happen.

Why bodies are read first: a request that kept its place while its body trickled in let 32
connections, each sending `Content-Length: 500` and then one byte, hold every page load, join
and vote for as long as they liked. So a body is read in full before its request queues for
work; reading is counted apart (bodies being read cost a connection and the bytes they have
sent, not a worker), and it must finish within a deadline that grows with the body's length
at a minimum rate, or the request is answered 408 and never takes a place. What bodies hold
in memory while they wait is bounded too: past a byte budget, a new body gets 503.
"""

from __future__ import annotations

import asyncio
import time

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# The engine's pool holds 40 connections (app/db.py): two render threads and the websocket
# handshakes need a few, the rest are for requests.
DEFAULT_LIMIT = 32
# A body of unknown length (chunked) gets this much more time after each piece, at the minimum rate.
CHUNK_ALLOWANCE = 65536


class _SlowBody(Exception):
    pass


class _Busy(Exception):
    pass


class _Gone(Exception):
    pass


class _Door:
    """One event loop's counters: requests at work (a semaphore), bodies being read, bytes held."""

    def __init__(self, limit: int) -> None:
        self.work = asyncio.Semaphore(limit)
        self.reading = 0
        self.buffered = 0


class AdmissionLimit:
    def __init__(self, app: ASGIApp, limit: int = DEFAULT_LIMIT, *, body_timeout: float = 10.0,
                 body_min_rate: float = 2000.0, max_body_readers: int = 1024,
                 max_buffered_bytes: int = 64_000_000) -> None:
        self.app, self.limit = app, limit
        self.body_timeout, self.body_min_rate = body_timeout, body_min_rate
        self.max_body_readers, self.max_buffered_bytes = max_body_readers, max_buffered_bytes
        self._doors: tuple[asyncio.AbstractEventLoop, _Door] | None = None

    def door(self) -> _Door:
        loop = asyncio.get_running_loop()
        if self._doors is None or self._doors[0] is not loop:  # one per event loop (tests make several)
            self._doors = (loop, _Door(self.limit))
        return self._doors[1]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith("/static/"):
            await self.app(scope, receive, send)
            return
        door = self.door()
        length, chunked = _declared_body(scope)
        if not length and not chunked:
            async with door.work:
                await self.app(scope, receive, send)
            return
        held = 0
        try:
            try:
                body, held = await self._read_body(door, receive, length)
            except _Gone:
                return  # the client left before sending its body: nobody to answer
            except _SlowBody:
                await _refuse(scope, receive, send, 408, "The request body did not arrive in time; send it again.")
                return
            except _Busy:
                await _refuse(scope, receive, send, 503, "The server is busy; try again in a few seconds.",
                              retry_after=5)
                return
            replayed = False

            async def replay() -> Message:
                nonlocal replayed
                if not replayed:
                    replayed = True
                    return {"type": "http.request", "body": body, "more_body": False}
                return await receive()  # after the body: a disconnect, when it comes

            async with door.work:
                await self.app(scope, replay, send)
        finally:
            door.buffered -= held

    async def _read_body(self, door: _Door, receive: Receive, length: int | None) -> tuple[bytes, int]:
        """The whole body, within its deadline; counted as reading, not as work.
        Returns it with the bytes it holds in the buffer budget (the caller gives them back)."""
        if door.reading >= self.max_body_readers:
            raise _Busy
        door.reading += 1
        chunks: list[bytes] = []
        received = 0
        try:
            start = time.monotonic()
            while True:
                expected = length if length is not None else received + CHUNK_ALLOWANCE
                deadline = start + self.body_timeout + expected / self.body_min_rate
                try:
                    async with asyncio.timeout(max(0.0, deadline - time.monotonic())):
                        message = await receive()
                except TimeoutError:
                    raise _SlowBody from None
                if message["type"] == "http.disconnect":
                    raise _Gone
                chunk = message.get("body", b"")
                if chunk:
                    if door.buffered + len(chunk) > self.max_buffered_bytes:
                        raise _Busy
                    door.buffered += len(chunk)
                    received += len(chunk)
                    chunks.append(chunk)
                if not message.get("more_body", False):
                    return b"".join(chunks), received
        except BaseException:
            door.buffered -= received
            raise
        finally:
            door.reading -= 1


def _declared_body(scope: Scope) -> tuple[int | None, bool]:
    """(Content-Length or None, whether the body is chunked)."""
    length: int | None = None
    chunked = False
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                length = max(0, int(value))
            except ValueError:
                length = None
        elif name == b"transfer-encoding" and b"chunked" in value.lower():
            chunked = True
    return length, chunked


async def _refuse(scope: Scope, receive: Receive, send: Send, status: int, detail: str, *,
                  retry_after: int | None = None) -> None:
    # Connection: close, since the rest of the body may still be on its way.
    headers = {"Connection": "close"}
    if retry_after is not None:
        headers["Retry-After"] = str(retry_after)
    await JSONResponse({"detail": detail}, status_code=status, headers=headers)(scope, receive, send)
