"""Each process's websocket connections, and the coalesced, render-once fan-out to them.

A change marks its workshop dirty. The flusher re-renders each dirty workshop's views at
most once per interval and hands the same text to every connection of that view. Each
connection holds at most one unsent message: a client that falls behind gets the newest
state (every message is a complete view), not a growing backlog, and one that stops
reading is dropped without slowing the others.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from starlette.websockets import WebSocket

log = logging.getLogger(__name__)

# (workshop code, view name, language): connections of one key get identical bytes.
ViewKey = tuple[str, str, str]
Renderer = Callable[[str, str, str], str | None]


@dataclass(eq=False)
class Connection:
    websocket: WebSocket
    key: ViewKey
    pending: str | None = None
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    task: asyncio.Task[None] | None = None

    def offer(self, message: str) -> None:
        self.pending = message  # replaces anything unsent: only the newest state matters
        self.wake.set()


class Hub:
    def __init__(self, renderer: Renderer, *, interval: float = 0.1, send_timeout: float = 10.0) -> None:
        self.renderer = renderer
        self.interval = interval
        self.send_timeout = send_timeout
        self._views: dict[ViewKey, set[Connection]] = defaultdict(set)
        self._by_code: dict[str, set[ViewKey]] = defaultdict(set)
        self._cache: dict[ViewKey, str] = {}
        self._dirty: set[str] = set()
        self._dirty_event: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[None] | None = None
        # Rendering reads the database: keep it off the event loop, in few threads.
        self._pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="render")
        self.renders = 0

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._dirty_event = asyncio.Event()
        self._task = asyncio.create_task(self._flush_forever())

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
        for connections in list(self._views.values()):
            for conn in list(connections):
                if conn.task:
                    conn.task.cancel()
        self._pool.shutdown(wait=False, cancel_futures=True)

    def connection_count(self, code: str | None = None) -> int:
        keys = self._by_code.get(code, set()) if code else self._views.keys()
        return sum(len(self._views.get(k, ())) for k in keys)

    # --- change notices (called from any thread) ---

    def notify(self, code: str) -> None:
        if self._loop is None or self._loop.is_closed():
            return
        try:
            self._loop.call_soon_threadsafe(self._mark_dirty, code)
        except RuntimeError:  # loop shutting down
            pass

    def _mark_dirty(self, code: str) -> None:
        for key in self._by_code.get(code, ()):
            self._cache.pop(key, None)
        if code in self._by_code:
            self._dirty.add(code)
            assert self._dirty_event is not None
            self._dirty_event.set()

    # --- connections ---

    async def connect(self, websocket: WebSocket, key: ViewKey) -> Connection:
        """Register a connection and queue its snapshot, so it misses nothing after it."""
        conn = Connection(websocket=websocket, key=key)
        self._views[key].add(conn)
        self._by_code[key[0]].add(key)
        conn.task = asyncio.create_task(self._send_forever(conn))
        snapshot = self._cache.get(key) or await self._render_key(key)
        if snapshot is not None and conn.pending is None:
            conn.offer(snapshot)
        return conn

    def disconnect(self, conn: Connection) -> None:
        connections = self._views.get(conn.key)
        if connections is not None:
            connections.discard(conn)
            if not connections:
                del self._views[conn.key]
                self._cache.pop(conn.key, None)
                keys = self._by_code.get(conn.key[0])
                if keys is not None:
                    keys.discard(conn.key)
                    if not keys:
                        del self._by_code[conn.key[0]]
        if conn.task and conn.task is not asyncio.current_task():
            conn.task.cancel()

    async def _send_forever(self, conn: Connection) -> None:
        try:
            while True:
                await conn.wake.wait()
                conn.wake.clear()
                message, conn.pending = conn.pending, None
                if message is None:
                    continue
                await asyncio.wait_for(conn.websocket.send_text(message), timeout=self.send_timeout)
        except asyncio.CancelledError:
            raise
        except Exception:  # noqa: BLE001  (timed out or gone: drop it, the others go on)
            self.disconnect(conn)
            try:
                await conn.websocket.close(code=1011)
            except Exception:  # noqa: BLE001
                pass

    # --- rendering ---

    async def _render_key(self, key: ViewKey) -> str | None:
        assert self._loop is not None
        try:
            html = await self._loop.run_in_executor(self._pool, self.renderer, *key)
        except Exception:
            log.exception("Rendering live view %s failed", key)
            return None
        self.renders += 1
        if html is not None and key in self._views:
            self._cache[key] = html
        return html

    async def _flush_forever(self) -> None:
        assert self._dirty_event is not None
        while True:
            await self._dirty_event.wait()
            self._dirty_event.clear()
            codes, self._dirty = self._dirty, set()
            for code in codes:
                for key in list(self._by_code.get(code, ())):
                    html = await self._render_key(key)
                    if html is None:
                        continue
                    for conn in list(self._views.get(key, ())):
                        conn.offer(html)
            # The coalescing window: changes arriving meanwhile are shown together.
            await asyncio.sleep(self.interval)
