"""Response headers, CSRF checks for cookie-authenticated pages, and rate limits."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Iterable
from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.errors import RateLimited

# No inline script or style anywhere: htmx, its ws extension and app.js are files of ours.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'")
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


class SecurityHeaders:
    """CSP, no framing (but the big screen may be framed by our own pages), no sniffing,
    no referrer (keys travel in some URLs), and no caching of anything dynamic."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = message.setdefault("headers", [])
                present = {name.lower() for name, _ in headers}
                frame = "'self'" if path.endswith("/screen") else "'none'"
                extra = [
                    (b"content-security-policy", f"{CSP}; frame-ancestors {frame}".encode()),
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"no-referrer"),
                    (b"cross-origin-opener-policy", b"same-origin"),
                ]
                if frame == "'none'":
                    extra.append((b"x-frame-options", b"DENY"))
                if not path.startswith("/static/") and b"cache-control" not in present:
                    extra.append((b"cache-control", b"no-store"))
                headers.extend(e for e in extra if e[0] not in present)
            await send(message)

        await self.app(scope, receive, with_headers)


class CsrfGuard:
    """Refuse cross-site state changes to cookie-authenticated pages.

    The JSON API takes keys only from the Authorization header, which a foreign site cannot
    make a browser send, so it needs no check. Pages authenticate with cookies: a state change,
    htmx's included, must come from our own origin (Sec-Fetch-Site same-origin, else Origin or
    Referer matching Host).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in UNSAFE or scope["path"].startswith("/api/"):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        if not same_origin(headers, scheme=scope.get("scheme", "http")):
            response = JSONResponse({"detail": "Cross-site request refused: reload the page and try again."},
                                    status_code=403)
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


def same_origin(headers: Headers, *, scheme: str) -> bool:
    site = headers.get("sec-fetch-site")
    if site is not None:
        return site in ("same-origin", "none")
    host = headers.get("host", "")
    for name in ("origin", "referer"):
        value = headers.get(name)
        if value:
            return value != "null" and urlsplit(value).netloc == host
    # No Origin, Referer or Sec-Fetch-Site: not a browser (or a very old one). Cookies are
    # SameSite=Lax, so a cross-site browser POST would not carry them anyway.
    return True


class RateLimiter:
    """Token buckets per (action, who), in memory: a per-process guard against floods."""

    def __init__(self, max_keys: int = 50_000) -> None:
        self._buckets: OrderedDict[tuple[str, str], tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()
        self._max_keys = max_keys

    def hit(self, action: str, who: str, *, per_minute: float, burst: float | None = None) -> None:
        """Take one token or raise RateLimited with a clear, retry-after message."""
        self._take(action, who, per_minute=per_minute, burst=burst, cost=1)

    def check(self, action: str, who: str, *, per_minute: float, burst: float | None = None) -> None:
        """Raise RateLimited if no token is left, without taking one (for limits counted on
        failures only, such as unknown join codes, which must still stop the successes)."""
        self._take(action, who, per_minute=per_minute, burst=burst, cost=0)

    def _take(self, action: str, who: str, *, per_minute: float, burst: float | None, cost: int) -> None:
        if per_minute <= 0:
            return
        capacity = burst if burst is not None else max(1.0, per_minute / 2)
        rate = per_minute / 60.0
        now = time.monotonic()
        key = (action, who)
        with self._lock:
            tokens, last = self._buckets.pop(key, (capacity, now))
            tokens = min(capacity, tokens + (now - last) * rate)
            if tokens < 1:
                self._buckets[key] = (tokens, now)
                wait = max(1, int((1 - tokens) / rate + 0.999))
                raise RateLimited("Too many requests; wait {seconds} seconds and try again.", seconds=wait)
            self._buckets[key] = (tokens - cost, now)
            while len(self._buckets) > self._max_keys:
                self._buckets.popitem(last=False)


class SocketCounts:
    """Open websockets per holder (a key, or an address and workshop), in this process: what
    one client may hold at once."""

    def __init__(self) -> None:
        self._open: dict[str, int] = {}

    def take(self, caps: dict[str, int]) -> bool:
        """One more socket for each holder in `caps` (holder -> most it may hold); False, and
        nothing taken, if any of them is at its cap."""
        if any(self._open.get(holder, 0) >= cap for holder, cap in caps.items()):
            return False
        for holder in caps:
            self._open[holder] = self._open.get(holder, 0) + 1
        return True

    def give_back(self, holders: Iterable[str]) -> None:
        for holder in holders:
            left = self._open.get(holder, 0) - 1
            if left > 0:
                self._open[holder] = left
            else:
                self._open.pop(holder, None)
