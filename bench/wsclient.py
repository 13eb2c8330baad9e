"""A lean websocket client for thousands of connections in one process.

It drives the `websockets` library's sans-I/O `ClientProtocol` from a plain asyncio Protocol:
received frames are handled in `data_received`, with no coroutine, task or queue per message,
which is what lets one load-generator core keep up with thousands of phones. Like a browser,
it offers permessage-deflate, so the server's setting decides whether messages are compressed.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from websockets.client import ClientProtocol
from websockets.extensions.permessage_deflate import enable_client_permessage_deflate
from websockets.frames import Frame, Opcode
from websockets.http11 import Response
from websockets.protocol import State
from websockets.uri import parse_uri

OnMessage = Callable[["WsClient", bytes, float], None]


class WsClient(asyncio.Protocol):
    """One websocket; calls `on_message(client, payload_bytes, monotonic_time)` for each text frame."""

    def __init__(self, url: str, on_message: OnMessage, *, deflate: bool = True, tag: object = None,
                 headers: list[tuple[str, str]] | None = None) -> None:
        self.url = url
        self.headers = headers or []  # what the browser adds (Origin, Cookie, User-Agent ...)
        self.on_message = on_message
        self.tag = tag  # the caller's own record for this connection
        extensions = enable_client_permessage_deflate(None) if deflate else None
        self.protocol = ClientProtocol(parse_uri(url), extensions=extensions, max_size=2**24)
        self.transport: asyncio.Transport | None = None
        self.opened: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.lost: asyncio.Future[None] = asyncio.get_running_loop().create_future()  # the connection ended
        self.closed = False
        self.close_code: int | None = None
        self.messages = 0
        self.status: int | None = None
        self.compressed = False

    # asyncio.Protocol

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        request = self.protocol.connect()
        for name, value in self.headers:
            if name in request.headers:
                del request.headers[name]
            request.headers[name] = value
        self.protocol.send_request(request)
        self._flush()

    def data_received(self, data: bytes) -> None:
        now = time.monotonic()
        self.protocol.receive_data(data)
        for event in self.protocol.events_received():
            if isinstance(event, Frame):
                if event.opcode is Opcode.TEXT:
                    self.messages += 1
                    self.on_message(self, bytes(event.data), now)
            elif isinstance(event, Response):
                self.status = event.status_code
                if not self.opened.done():
                    if self.protocol.state is State.OPEN:
                        self.compressed = any(e.name == "permessage-deflate" for e in self.protocol.extensions)
                        self.opened.set_result(None)
                    else:
                        self.opened.set_exception(ConnectionError(
                            f"websocket refused with HTTP {event.status_code}: {event.body[:200]!r}"))
        self._flush()

    def eof_received(self) -> bool | None:
        self.protocol.receive_eof()
        self._flush()
        return None

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self.close_code = self.protocol.close_code
        if not self.lost.done():
            self.lost.set_result(None)
        if not self.opened.done():
            self.opened.set_exception(ConnectionError(f"connection lost during handshake: {exc}"))

    def _flush(self) -> None:
        if self.transport is None or self.transport.is_closing():
            return
        for chunk in self.protocol.data_to_send():
            if chunk:
                self.transport.write(chunk)
            else:  # SEND_EOF
                if self.transport.can_write_eof():
                    self.transport.write_eof()
        if self.protocol.state is State.CLOSED and self.protocol.close_expected():
            self.transport.close()

    def close(self) -> None:
        if self.transport is None or self.transport.is_closing():
            return
        if self.protocol.state is State.OPEN:
            self.protocol.send_close(1000)
            self._flush()
        self.transport.close()


async def connect(url: str, on_message: OnMessage, *, deflate: bool = True, timeout: float = 30.0,
                  tag: object = None, headers: list[tuple[str, str]] | None = None) -> WsClient:
    """Open one websocket to 127.0.0.1 (the URL's host and port) and wait for the handshake."""
    loop = asyncio.get_running_loop()
    uri = parse_uri(url)
    client = WsClient(url, on_message, deflate=deflate, tag=tag, headers=headers)
    await asyncio.wait_for(loop.create_connection(lambda: client, uri.host, uri.port), timeout)
    try:
        await asyncio.wait_for(client.opened, timeout)
    except BaseException:
        client.close()
        raise
    return client
