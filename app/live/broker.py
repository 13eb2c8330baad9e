"""Change notices between the code that changes a workshop and the hubs that show it.

In-process by default; through Redis pub/sub when RUAMKIT_REDIS_URL is set, so a vote taken
by one worker process reaches screens held by any other.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from redis.asyncio.client import PubSub

log = logging.getLogger(__name__)
CHANNEL = "ruamkit:changes"
# A revoked facilitator link travels on the same channel as "revoke-link:<id>" (a workshop code
# never holds a colon): every process closes the consoles that link opened (app/live/hub.py).
REVOKE = "revoke-link:"

Listener = Callable[[str], None]
RevokeListener = Callable[[int], None]


class LocalBroker:
    """Delivers notices to listeners in this process."""

    def __init__(self) -> None:
        self._listeners: list[Listener] = []
        self._revoke_listeners: list[RevokeListener] = []

    def subscribe(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def subscribe_revokes(self, listener: RevokeListener) -> None:
        self._revoke_listeners.append(listener)

    def publish(self, code: str) -> None:
        self._deliver(code)

    def publish_revoke(self, link_id: int) -> None:
        """A link was revoked: every process closes the sockets it opened."""
        self.publish(f"{REVOKE}{int(link_id)}")

    def _deliver(self, message: str) -> None:
        if message.startswith(REVOKE):
            text = message.removeprefix(REVOKE)
            if not text.isdigit():
                return
            link_id = int(text)
            for revoke_listener in self._revoke_listeners:
                revoke_listener(link_id)
            return
        for listener in self._listeners:
            listener(message)

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None


class RedisBroker(LocalBroker):
    """Publishes notices to a Redis channel; every process's subscriber hands them to its hub."""

    def __init__(self, url: str) -> None:
        super().__init__()
        import redis
        import redis.asyncio as aioredis

        self._url = url
        self._sync = redis.Redis.from_url(url)
        self._async = aioredis.Redis.from_url(url)
        self._task: asyncio.Task[None] | None = None

    def publish(self, code: str) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # a request thread, a script: send it now
            self._publish_now(code)
        else:  # on the event loop (the ballot box on SQLite): never wait on the network there
            loop.run_in_executor(None, self._publish_now, code)

    def _publish_now(self, code: str) -> None:
        try:
            self._sync.publish(CHANNEL, code)
        except Exception:
            # The change is committed; keep this process's own screens right at least.
            log.exception("Redis publish failed; delivering the change locally only")
            self._deliver(code)

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
            except Exception:
                log.exception("Redis subscription failed; retrying in 1 s")
                await asyncio.sleep(1.0)
                # Still down: the next read fails, is logged and comes back here.
                with contextlib.suppress(Exception):
                    await pubsub.subscribe(CHANNEL)

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):  # shutting down: its end is of no use
                await self._task
        await self._async.aclose()
        self._sync.close()


def make_broker(redis_url: str | None) -> LocalBroker:
    return RedisBroker(redis_url) if redis_url else LocalBroker()
