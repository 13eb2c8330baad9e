"""A small keep-alive HTTP/1.1 client for the votes, with httptools' C parser.

Why not httpx for the vote storm: its connection pool checks every pooled connection with a
select() call each time it hands out a connection, which with hundreds of requests in flight
while thousands of websockets are busy stalled this process's event loop for hundreds of
milliseconds (the acknowledgements then measured the load generator, not the server).
"""

from __future__ import annotations

import asyncio
from collections import deque

import httptools


class _Connection(asyncio.Protocol):
    def __init__(self) -> None:
        self.parser = httptools.HttpResponseParser(self)
        self.transport: asyncio.Transport | None = None
        self.waiter: asyncio.Future[tuple[int, bytes]] | None = None
        self.body: list[bytes] = []
        self.headers: list[tuple[bytes, bytes]] = []
        self.closed = False
        self.keep_alive = True

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._fail(ConnectionError(f"bad HTTP response: {exc}"))
            self.close()

    # httptools callbacks
    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers.append((name, value))

    def on_body(self, body: bytes) -> None:
        self.body.append(body)

    def on_message_complete(self) -> None:
        self.keep_alive = self.parser.should_keep_alive()
        status, body, self.body = self.parser.get_status_code(), b"".join(self.body), []
        waiter, self.waiter = self.waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_result((status, body))

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self._fail(ConnectionError(f"connection closed: {exc}"))

    def _fail(self, exc: Exception) -> None:
        waiter, self.waiter = self.waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_exception(exc)

    def send(self, raw: bytes) -> asyncio.Future[tuple[int, bytes]]:
        assert self.transport is not None
        self.waiter = asyncio.get_running_loop().create_future()
        self.transport.write(raw)
        return self.waiter

    def close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.close()


class HttpPool:
    """Up to `max_connections` kept-alive connections to one 127.0.0.1 server; one request each at a time."""

    def __init__(self, host: str, port: int, *, max_connections: int = 256) -> None:
        self.host, self.port = host, port
        self._idle: deque[_Connection] = deque()
        self._all: set[_Connection] = set()
        self._slots = asyncio.Semaphore(max_connections)

    async def request(self, method: str, path: str, *, headers: bytes = b"", body: bytes = b"",
                      timeout: float = 30.0) -> tuple[int, bytes]:
        """(status, body). `headers` are ready-made lines, each ending with CRLF."""
        raw = (f"{method} {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
               f"Content-Length: {len(body)}\r\n").encode() + headers + b"\r\n" + body
        status, data, _headers = await self.send(raw, timeout=timeout)
        return status, data

    async def send(self, raw: bytes, *, timeout: float = 30.0) -> tuple[int, bytes, list[tuple[bytes, bytes]]]:
        """A whole request as written on the wire -> (status, body, response headers); the body
        is read whole (compressed or not, as the server sent it)."""
        async with self._slots:
            conn = None
            while self._idle and conn is None:
                candidate = self._idle.pop()
                conn = None if candidate.closed else candidate
            reused = conn is not None
            if conn is None:
                conn = await self._connect(timeout)
            try:
                try:
                    conn.headers = []
                    status, data = await asyncio.wait_for(conn.send(raw), timeout)
                except ConnectionError:
                    if not reused or conn.headers:
                        raise
                    # The server closed this kept-alive connection as the request went out (its
                    # keep-alive timeout): a browser sends the request again on a new one.
                    conn.close()
                    self._all.discard(conn)
                    conn = await self._connect(timeout)
                    conn.headers = []
                    status, data = await asyncio.wait_for(conn.send(raw), timeout)
                headers = conn.headers
            except BaseException:
                conn.close()
                self._all.discard(conn)
                raise
            if conn.keep_alive and not conn.closed:
                self._idle.append(conn)
            else:
                conn.close()
                self._all.discard(conn)
            return status, data, headers

    async def _connect(self, timeout: float) -> _Connection:
        loop = asyncio.get_running_loop()
        _transport, conn = await asyncio.wait_for(loop.create_connection(_Connection, self.host, self.port), timeout)
        self._all.add(conn)
        return conn

    def close(self) -> None:
        for conn in list(self._all):
            conn.close()
        self._all.clear()
        self._idle.clear()
