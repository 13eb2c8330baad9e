"""Change notices between the code that changes a workshop and the hubs that show it.

In-process by default; through Redis pub/sub when RUAMKIT_REDIS_URL is set, so a vote taken
by one worker process reaches screens held by any other.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Callable, Collection
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from redis.asyncio.client import PubSub

log = logging.getLogger(__name__)
CHANNEL = "ruamkit:changes"
# A revoked facilitator link travels on the same channel as "revoke-link:<id>" (a workshop code
# never holds a colon): every process closes the consoles that link opened (app/live/hub.py).
REVOKE = "revoke-link:"

# A listener gets the workshop's code, whether the change was only votes or scores (the ballot
# box's: kept project lists stay valid then) and the projects it changed if it names them (only
# their rows are read again: app/versions.py). Notices say so after the code: "ABCDEF votes",
# "ABCDEF projects 12,57", or nothing (anything may have changed).
Listener = Callable[[str, bool, frozenset[int] | None], None]
VOTES = " votes"
PROJECTS = " projects "
Resync = Callable[[], None]
RevokeListener = Callable[[int], None]


def notice(code: str, votes_only: bool = False, projects: Collection[int] | None = None) -> str:
    """A change as it travels (Redis carries text)."""
    if votes_only:
        return code + VOTES
    return code if projects is None else code + PROJECTS + ",".join(str(int(p)) for p in sorted(projects))


def read_notice(text: str) -> tuple[str, bool, frozenset[int] | None]:
    """(code, votes only, projects named) of a notice; one not understood is a change of anything."""
    if text.endswith(VOTES):
        return text.removesuffix(VOTES), True, None
    code, named, ids = text.partition(PROJECTS)
    if not named:
        return text, False, None
    listed = ids.split(",") if ids else []
    return code, False, frozenset(int(p) for p in listed) if all(p.isdigit() for p in listed) else None


class LocalBroker:
    """Delivers notices to listeners in this process."""

    def __init__(self) -> None:
        self._listeners: list[Listener] = []
        self._resyncs: list[Resync] = []
        self._revoke_listeners: list[RevokeListener] = []

    def subscribe(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def subscribe_revokes(self, listener: RevokeListener) -> None:
        self._revoke_listeners.append(listener)

    def on_resync(self, callback: Resync) -> None:
        """Called when notices may have been missed (the subscription came back after an outage):
        whatever was drawn from any workshop must be drawn again from the database."""
        self._resyncs.append(callback)

    def publish(self, code: str, votes_only: bool = False, projects: Collection[int] | None = None) -> None:
        self._deliver(notice(code, votes_only, projects))

    def publish_revoke(self, link_id: int) -> None:
        """A link was revoked: every process closes the sockets it opened."""
        self.publish(f"{REVOKE}{int(link_id)}")

    def _deliver(self, text: str) -> None:
        """A notice to this process's listeners: a revoked link, or a workshop's change."""
        if text.startswith(REVOKE):
            text = text.removeprefix(REVOKE)
            if text.isdigit():
                for revoke_listener in self._revoke_listeners:
                    revoke_listener(int(text))
            return
        code, votes_only, projects = read_notice(text)
        for listener in self._listeners:
            listener(code, votes_only, projects)

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None


class RedisBroker(LocalBroker):
    """Publishes notices to a Redis channel; every process's subscriber hands them to its hub.

    Redis away (restarted, unreachable): changes are still committed and acknowledged (the
    database is the truth); only the other processes' live views wait. Each notice is then
    delivered in this process only, the outage is logged once (not once per tap), and when the
    subscription is back every view of this process is drawn again from the database, since
    the other processes' notices of the outage were lost.
    """

    RECONNECT_SECONDS = 0.5

    def __init__(self, url: str) -> None:
        super().__init__()
        import redis
        import redis.asyncio as aioredis
        from redis.backoff import NoBackoff
        from redis.retry import Retry

        self._url = url
        # redis-py retries a failed command 10 times with back-off by default: during an
        # outage every tap's notice would wait seconds for it. Fail fast; the outage is handled here.
        self._sync = redis.Redis.from_url(url, socket_connect_timeout=1.0, socket_timeout=2.0,
                                          retry=Retry(NoBackoff(), 0))
        self._async = aioredis.Redis.from_url(url, socket_connect_timeout=1.0, retry=Retry(NoBackoff(), 0))
        self._task: asyncio.Task[None] | None = None
        self._state_lock = threading.Lock()
        self.reachable = True
        self.outages = 0
        # Workshops whose notices only this process saw (re-sent as full changes: any kind may be among them).
        self._missed: set[str] = set()

    def _went_away(self, exc: BaseException) -> None:
        with self._state_lock:
            if not self.reachable:
                return
            self.reachable = False
            self.outages += 1
        log.warning("Redis unreachable (%s): changes are saved and shown by this process only until it is back",
                    exc)

    def _came_back(self) -> None:
        """Redis answers again (a publish went through, or the subscription is back)."""
        with self._state_lock:
            was_away, self.reachable = not self.reachable, True
            missed, self._missed = self._missed, set()
        if was_away:
            log.warning("Redis back: redrawing this process's live views from the database")
        for callback in self._resyncs:
            callback()
        for code in missed:  # the other processes' views of these changed while they could not hear it
            self.publish(code)

    def publish(self, code: str, votes_only: bool = False, projects: Collection[int] | None = None) -> None:
        text = notice(code, votes_only, projects)
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # a request thread, a script: send it now
            self._publish_now(code, text)
        else:  # on the event loop (the ballot box on SQLite): never wait on the network there
            loop.run_in_executor(None, self._publish_now, code, text)

    def _publish_now(self, code: str, text: str) -> None:
        try:
            self._sync.publish(CHANNEL, text)
        except Exception as exc:  # noqa: BLE001  (any failure: the change is committed all the same)
            # Keep this process's own screens right at least; the others hear of it when Redis is back.
            with self._state_lock:
                self._missed.add(code)
            self._went_away(exc)
            self._deliver(text)
            return
        if not self.reachable:
            self._came_back()

    async def start(self) -> None:
        pubsub = self._async.pubsub()
        await pubsub.subscribe(CHANNEL)
        self._task = asyncio.create_task(self._listen(pubsub))

    async def _listen(self, pubsub: PubSub) -> None:
        while True:
            try:
                message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
                if message and message.get("type") == "message":
                    self._deliver(message["data"].decode())
            except asyncio.CancelledError:
                await pubsub.aclose()
                raise
            except Exception as exc:  # noqa: BLE001  (whatever broke the connection: subscribe anew)
                self._went_away(exc)
                with contextlib.suppress(Exception):
                    await pubsub.aclose()
                pubsub = await self._subscribe_again()
                # Subscribed again: notices from now on arrive; what was missed is redrawn.
                self._came_back()

    async def _subscribe_again(self) -> PubSub:
        """A new subscription, tried every RECONNECT_SECONDS until Redis answers (logged once)."""
        while True:
            await asyncio.sleep(self.RECONNECT_SECONDS)
            pubsub = self._async.pubsub()
            try:
                await pubsub.subscribe(CHANNEL)
            except asyncio.CancelledError:
                with contextlib.suppress(Exception):
                    await pubsub.aclose()
                raise
            except Exception:  # noqa: BLE001  (still away: the outage is logged already)
                with contextlib.suppress(Exception):
                    await pubsub.aclose()
                continue
            return pubsub

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):  # shutting down: its end is of no use
                await self._task
        await self._async.aclose()
        self._sync.close()


def make_broker(redis_url: str | None) -> LocalBroker:
    return RedisBroker(redis_url) if redis_url else LocalBroker()
