"""Each process's websocket connections, and the coalesced, render-once fan-out to them.

A change marks its workshop dirty. The flusher re-renders each dirty workshop's views at
most once per interval and hands the same text to every connection of that view. Each
connection holds at most one unsent message: a client that falls behind gets the newest
state (every message is a complete view), not a growing backlog, and one that stops
reading is dropped without slowing the others.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from starlette.websockets import WebSocket

log = logging.getLogger(__name__)

# (workshop code, view name, language): connections of one key get identical bytes.
ViewKey = tuple[str, str, str]
Renderer = Callable[[str, str, str], str | None]
# The close code (private range 4000-4999) of a console whose link was revoked: its page says so
# and does not reconnect (app/static/app.js).
REVOKED_CLOSE = 4403
REVOKED_REASON = "link revoked"


class Utf8Text(str):
    """A message's text with its UTF-8 bytes made once: the server encodes the text of each
    send, and a flush sends the same text to thousands of phones (Thai text: 3 bytes a letter)."""

    utf8: bytes

    def __new__(cls, text: str) -> Utf8Text:
        made = super().__new__(cls, text)
        made.utf8 = text.encode()
        return made

    def encode(self, encoding: str = "utf-8", errors: str = "strict") -> bytes:
        if encoding.lower().replace("-", "") == "utf8" and errors == "strict":
            return self.utf8
        return str.encode(self, encoding, errors)


class RawSend:
    """Outermost middleware: keeps each websocket's send, as the server gave it, in its scope."""

    KEY = "ruamkit.raw_send"

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "websocket":
            scope[self.KEY] = send
        await self.app(scope, receive, send)


@dataclass(eq=False)
class Connection:
    """One websocket and what it still has to send: at most one message in flight and one waiting.

    A flush sends inline: the server's send either writes to the socket at once (the usual
    case: the client keeps up) or stops at its first wait (the socket's buffer is full). Only
    then does a task take over that one send, and later messages replace each other in
    `pending` until it finishes. So a flush to 2,000 phones costs 2,000 direct writes, not
    2,000 task wake-ups, and a slow phone never holds up the others.
    """

    websocket: WebSocket
    key: ViewKey
    # The server's own send where the middleware left it (RawSend): the same message to
    # thousands of phones need not pass every layer's wrapper each time.
    send: Callable[[dict[str, str]], Coroutine[Any, Any, None]]
    on_error: Callable[[Connection], None] = lambda _conn: None
    # The ASGI message to send next. One dict per render is shared by every connection of the
    # view (the server only reads it), so a flush costs no allocation per phone.
    pending: dict[str, str] | None = None
    task: asyncio.Task[None] | None = None  # finishing a send that had to wait
    sending_since: float | None = None  # loop time that send started; the watchdog drops stuck ones
    offered: bool = False  # whether any message was offered yet (a later snapshot would be older)
    link_id: int | None = None  # the named facilitator link it was opened with: closed when that is revoked

    def offer(self, message: str | dict[str, str]) -> None:
        if isinstance(message, str):
            message = {"type": "websocket.send", "text": message}
        self.offered = True
        if self.task is not None:
            self.pending = message  # replaces anything unsent: only the newest state matters
            return
        self._send(message)

    def _send(self, message: dict[str, str]) -> None:
        sending = self.send(message)
        try:
            waiting_on = sending.send(None)  # run it until it finishes or has to wait
        except StopIteration:
            return
        except Exception:  # noqa: BLE001  (gone: drop it, the others go on)
            self.on_error(self)
            return
        loop = asyncio.get_running_loop()
        self.sending_since = loop.time()
        self.task = loop.create_task(self._finish(sending, waiting_on))

    async def _finish(self, sending: Coroutine[Any, Any, None], waiting_on: Any) -> None:
        """Drive a send that had to wait, as a task would have, then send what came meanwhile."""
        try:
            while True:
                try:
                    if waiting_on is None:  # a bare yield: just let the loop run once
                        await asyncio.sleep(0)
                    else:
                        # What a task does with a future its coroutine yields: take it over
                        # (clear the flag the coroutine set), wait for it, then resume.
                        waiting_on._asyncio_future_blocking = False
                        await waiting_on
                except asyncio.CancelledError:
                    current = asyncio.current_task()
                    if current is not None and current.cancelling():
                        raise  # we are being dropped
                except Exception:  # noqa: BLE001, S110  (the send sees the outcome when resumed)
                    pass
                try:
                    waiting_on = sending.send(None)
                except StopIteration:
                    break
        except asyncio.CancelledError:
            sending.close()
            raise
        except Exception:  # noqa: BLE001
            self.task = self.sending_since = None
            self.on_error(self)
            return
        self.task = self.sending_since = None
        message, self.pending = self.pending, None
        if message is not None:
            self._send(message)


class Hub:
    SLICE = 100  # a view with more connections than this is written in a task of its own ...
    SLICE_SECONDS = 0.002  # ... giving the event loop a turn every 2 ms
    RETRY_SECONDS = 1.0  # a redraw that failed (e.g. the database busy) is tried again after this

    def __init__(self, renderer: Renderer, *, interval: float = 0.1, send_timeout: float = 10.0,
                 render_on_loop: bool = False, view_intervals: dict[str, float] | None = None,
                 groups_interval: float = 0.0) -> None:
        self.renderer = renderer
        # Views drawn less often than every interval, e.g. {"phone": 0.5}: thousands of phones
        # each written ten times a second cost the server more than everything else in a vote
        # storm, and a phone's own taps are answered at once anyway. The first change after a
        # quiet spell goes out at the next interval; the last one always arrives.
        self.view_intervals: dict[str, float] = dict(view_intervals or {})
        # Breakout groups (codes EVENT-n): every view of a group, and every view of its event
        # while its groups change (the event's grid of all groups), is drawn at most every
        # groups_interval when set (0: like any room's), for a machine too small to draw 40
        # groups as often as one room.
        self.groups_interval = groups_interval
        self._group_notice_at: dict[str, float] = {}  # event code -> loop time of its groups' last change
        self._sent_at: dict[ViewKey, float] = {}
        self._newest: dict[ViewKey, dict[str, str]] = {}  # a view's message still to be fanned out
        self._fan_outs: dict[ViewKey, asyncio.Task[None]] = {}
        # SQLite: render on the event loop. Its reads wait on no network, and a render thread
        # only fought the loop for the interpreter lock at every row (slower screens, more CPU).
        self.render_on_loop = render_on_loop
        self.interval = interval
        self.send_timeout = send_timeout
        self._views: dict[ViewKey, set[Connection]] = defaultdict(set)
        self._by_code: dict[str, set[ViewKey]] = defaultdict(set)
        self._cache: dict[ViewKey, str] = {}
        # Workshops to redraw, in the order they first changed since their last redraw: a pass
        # draws the longest-waiting first (in a fixed order, the same few of 40 groups were drawn
        # last in every pass and had the slowest screens).
        self._dirty: dict[str, None] = {}
        # Views with a change not drawn yet. A workshop whose phones are not yet due stays dirty
        # for them, and only they are drawn when their turn comes: its screen was drawn again at
        # every pass until then, up to five times for one tap (40 groups: most of the drawing).
        self._stale: set[ViewKey] = set()
        self._dirty_event: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[None] | None = None
        self._watchdog: asyncio.Task[None] | None = None
        # Rendering reads the database: keep it off the event loop, in few threads.
        self._pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="render")
        self.renders = 0

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._dirty_event = asyncio.Event()
        self._task = asyncio.create_task(self._flush_forever())
        self._watchdog = asyncio.create_task(self._watch_sends())

    async def stop(self) -> None:
        for task in (self._task, self._watchdog, *self._fan_outs.values()):
            if task:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        for connections in list(self._views.values()):
            for conn in list(connections):
                if conn.task:
                    conn.task.cancel()
        self._pool.shutdown(wait=False, cancel_futures=True)

    def connection_count(self, code: str | None = None) -> int:
        keys = self._by_code.get(code, set()) if code else self._views.keys()
        return sum(len(self._views.get(k, ())) for k in keys)

    # --- change notices (called from any thread) ---

    def notify(self, code: str, votes_only: bool = False, projects: frozenset[int] | None = None) -> None:
        """The broker's listener: every view of this workshop is redrawn, whatever changed."""
        if self._loop is None or self._loop.is_closed():
            return
        with contextlib.suppress(RuntimeError):  # loop shutting down
            self._loop.call_soon_threadsafe(self._mark_dirty, code)

    def notify_all(self) -> None:
        """Every workshop with a view here changed, maybe (the broker lost notices): redraw them all."""
        if self._loop is None or self._loop.is_closed():
            return
        with contextlib.suppress(RuntimeError):  # loop shutting down
            self._loop.call_soon_threadsafe(self._mark_all_dirty)

    def _mark_all_dirty(self) -> None:
        for code in list(self._by_code):
            self._mark_dirty(code)

    def _mark_dirty(self, code: str) -> None:
        event, dash, _number = code.partition("-")
        if dash and self._loop is not None:
            self._group_notice_at[event] = self._loop.time()
        for key in self._by_code.get(code, ()):
            self._cache.pop(key, None)
            self._stale.add(key)
        if code in self._by_code:
            self._dirty.setdefault(code)
            assert self._dirty_event is not None
            self._dirty_event.set()

    def _retry_later(self, code: str) -> None:
        """A failed redraw would leave its views behind until the room's next change, which may
        never come: try it again shortly."""
        if self._loop is not None and not self._loop.is_closed():
            self._loop.call_later(self.RETRY_SECONDS, self._mark_dirty, code)

    # --- connections ---

    async def connect(self, websocket: WebSocket, key: ViewKey, *, link_id: int | None = None) -> Connection:
        """Register a connection and queue its snapshot, so it misses nothing after it."""
        raw_send = getattr(websocket, "scope", {}).get(RawSend.KEY)
        conn = Connection(websocket=websocket, key=key, send=raw_send or websocket.send, on_error=self._on_send_error,
                          link_id=link_id)
        self._views[key].add(conn)
        self._by_code[key[0]].add(key)
        snapshot = self._cache.get(key) or await self._render_key(key)
        # A change flushed while the snapshot was drawing has reached this connection already,
        # newer than the snapshot: sending the snapshot after it would leave the view behind
        # the room until its next change (seen: a phone kept round 1 after a round started).
        if snapshot is not None and not conn.offered:
            conn.offer(snapshot)
        return conn

    def disconnect(self, conn: Connection) -> None:
        connections = self._views.get(conn.key)
        if connections is not None:
            connections.discard(conn)
            if not connections:
                del self._views[conn.key]
                self._cache.pop(conn.key, None)
                self._sent_at.pop(conn.key, None)
                self._stale.discard(conn.key)
                keys = self._by_code.get(conn.key[0])
                if keys is not None:
                    keys.discard(conn.key)
                    if not keys:
                        del self._by_code[conn.key[0]]
        if conn.task and conn.task is not asyncio.current_task():
            conn.task.cancel()

    def revoke_link(self, link_id: int) -> None:
        """Close every socket opened with this link (called from any thread, by the broker)."""
        if self._loop is None or self._loop.is_closed():
            return
        with contextlib.suppress(RuntimeError):  # loop shutting down
            self._loop.call_soon_threadsafe(self._close_link, link_id)

    def _close_link(self, link_id: int) -> None:
        assert self._loop is not None
        for connections in list(self._views.values()):
            for conn in list(connections):
                if conn.link_id == link_id:
                    self.disconnect(conn)
                    self._loop.create_task(self._close(conn, REVOKED_CLOSE, REVOKED_REASON))

    async def _close(self, conn: Connection, code: int, reason: str = "") -> None:
        with contextlib.suppress(Exception):  # already gone: nothing left to close
            await conn.websocket.close(code=code, reason=reason)

    def _on_send_error(self, conn: Connection) -> None:
        assert self._loop is not None
        self._loop.create_task(self._drop(conn))

    async def _drop(self, conn: Connection) -> None:
        self.disconnect(conn)
        await self._close(conn, 1011)  # its send already failed: so may its close

    async def _watch_sends(self) -> None:
        """Drop connections whose send has been stuck for send_timeout (a phone that stopped reading)."""
        assert self._loop is not None
        while True:
            await asyncio.sleep(min(1.0, self.send_timeout / 2))
            now = self._loop.time()
            for connections in list(self._views.values()):
                for conn in list(connections):
                    if conn.sending_since is not None and now - conn.sending_since > self.send_timeout:
                        self._loop.create_task(self._drop(conn))  # disconnect() cancels its send

    # --- rendering ---

    async def _render_key(self, key: ViewKey) -> str | None:
        assert self._loop is not None
        try:
            html = (self.renderer(*key) if self.render_on_loop
                    else await self._loop.run_in_executor(self._pool, self.renderer, *key))
        except Exception:
            log.exception("Rendering live view %s failed", key)
            self._retry_later(key[0])
            return None
        self.renders += 1
        if html is not None and key in self._views:
            self._cache[key] = html
        return html

    async def _render_code(self, code: str, keys: list[ViewKey]) -> dict[ViewKey, str | None]:
        """Watched views of one workshop; together when the renderer can (one ranking for all)."""
        render_many = getattr(self.renderer, "render_many", None)
        if render_many is None or len(keys) < 2:
            return {key: await self._render_key(key) for key in keys}
        assert self._loop is not None
        try:
            rendered = (render_many(code, keys) if self.render_on_loop
                        else await self._loop.run_in_executor(self._pool, render_many, code, keys))
        except Exception:
            log.exception("Rendering the live views of %s failed", code)
            self._retry_later(code)
            return {}
        self.renders += len(rendered)
        for key, html in rendered.items():
            if html is not None and key in self._views:
                self._cache[key] = html
        return rendered

    async def _prepare(self, code: str) -> None:
        """The renderer's work before a redraw, one step at a time, with waiting requests let in
        between on the loop (an event's grid ranks each changed group: 40 of them in one go held
        every tap's answer for about 120 ms)."""
        steps = getattr(self.renderer, "steps", None)
        if steps is None:
            return
        assert self._loop is not None
        try:
            for step in steps(code):
                if self.render_on_loop:
                    step()
                    await asyncio.sleep(0)
                else:
                    await self._loop.run_in_executor(self._pool, step)
        except Exception:  # the redraw still draws, from what is kept
            log.exception("Preparing the live views of %s failed", code)

    def _send_view(self, key: ViewKey, message: dict[str, str]) -> None:
        """A view's new message to its connections: at once for a few (the big screen, the
        console), in a task of its own for many (the phones), so that writing to thousands
        never holds up the next redraw of the big screen."""
        live = self._views.get(key, set())
        if len(live) <= self.SLICE:
            for conn in list(live):
                conn.offer(message)
            return
        self._newest[key] = message
        if key not in self._fan_outs:
            self._fan_outs[key] = asyncio.get_running_loop().create_task(self._fan_out(key))

    async def _fan_out(self, key: ViewKey) -> None:
        try:
            # A pass finishes with the message it began with; a newer one then goes to all.
            loop = asyncio.get_running_loop()
            while (message := self._newest.pop(key, None)) is not None:
                live = self._views.get(key, set())
                turn = loop.time()
                for conn in list(live):
                    if conn in live:  # not dropped meanwhile
                        conn.offer(message)
                    if loop.time() - turn > self.SLICE_SECONDS:
                        # Let waiting requests in: 2,000 writes in one go held every tap's
                        # answer for the whole fan-out (tens of milliseconds).
                        await asyncio.sleep(0)
                        turn = loop.time()
        finally:
            self._fan_outs.pop(key, None)

    def _interval(self, key: ViewKey, now: float) -> float:
        """How often this view may be drawn: its view's interval, longer for a group's views and
        for an event's views while its groups change (an event's own change, e.g. a plenary
        vote, then waits at most groups_interval)."""
        interval = self.view_intervals.get(key[1], 0)
        code = key[0]
        if self.groups_interval and ("-" in code or now - self._group_notice_at.get(code, -1e9) < 2.0):
            interval = max(interval, self.groups_interval)
        return interval

    async def _flush_forever(self) -> None:
        assert self._dirty_event is not None
        while True:
            await self._dirty_event.wait()
            self._dirty_event.clear()
            assert self._loop is not None
            started = self._loop.time()
            # Groups (EVENT-n) before events: a group's redraw keeps its standing for its
            # event's grid, drawn after it in the same pass.
            codes = sorted(self._dirty, key=lambda code: "-" not in code)  # stable: oldest first
            self._dirty = {}
            for code in codes:
                keys = [key for key in self._by_code.get(code, ()) if key in self._stale]
                due = [key for key in keys if started - self._sent_at.get(key, -1e9) >= self._interval(key, started)]
                if len(due) < len(keys):  # the phones' turn comes later: keep the change for them
                    self._dirty.setdefault(code)
                    self._dirty_event.set()
                # Drawn from here on: a change noticed while they draw marks them again.
                self._stale.difference_update(due)
                if due and code in self._group_notice_at:  # an event whose groups changed
                    await self._prepare(code)
                rendered = await self._render_code(code, due) if due else {}
                for key in due:
                    self._sent_at[key] = started
                for key, html in rendered.items():
                    if html is not None:
                        self._send_view(key, {"type": "websocket.send", "text": Utf8Text(html)})
                if due and self.render_on_loop and len(codes) > 1:
                    # Drawn on the loop, 40 groups' views in one go held every tap's answer for
                    # all of them: let waiting requests in between workshops.
                    await asyncio.sleep(0)
            # The coalescing window, counted from the flush's start (a long fan-out to the
            # phones does not delay the next screen): changes arriving meanwhile go together.
            await asyncio.sleep(max(0.0, self.interval - (self._loop.time() - started)))
