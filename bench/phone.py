"""A simulated phone that sends exactly what the phone page sends in a browser.

The requests below were read off Debian's Chromium driving the real page (DevTools protocol):
the join form, the page load, the websocket the page opens through htmx's ws extension, the
redraw htmx asks for when the phase changes (`GET /w/{code}/me`), and the + and - buttons
(`hx-post` with `hx-vals`). `tests/browser/test_bench_phone_is_a_browser.py` captures them
again from a real browser on every CI run and compares them with what this module builds, so
the benchmark keeps driving the path people take.

Paths come from the page itself (the `ws-connect` and `hx-post` attributes), as the browser's do.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from urllib.parse import quote_plus

# A phone's browser (Chromium on Android); the server does not look at it, but it is sent.
USER_AGENT = ("Mozilla/5.0 (Linux; Android 14; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) "
              "Chrome/156.0.0.0 Mobile Safari/537.36")
ACCEPT_PAGE = ("text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,"
               "*/*;q=0.8,application/signed-exchange;v=b3;q=0.7")
COMMON = [("Accept-Encoding", "gzip, deflate, br, zstd"), ("Accept-Language", "th-TH,th;q=0.9,en;q=0.8"),
          ("User-Agent", USER_AGENT)]

WS_CONNECT = re.compile(r'ws-connect="([^"]+)"')
PHONE_SYNC = re.compile(rb'id="phone-sync"[^>]*data-version="([^"]*)"')
MAIN_VERSION = re.compile(rb'id="phone-main"[^>]*data-version="([^"]*)"')
TAP_BUTTON = re.compile(r'id="(plus|minus)-(\d+)"[^>]*?hx-post="([^"]+)"|hx-post="([^"]+)"[^>]*?id="(plus|minus)-(\d+)"')


@dataclass(frozen=True)
class Raw:
    """One HTTP request as bytes-to-be: method, path, headers in the browser's order, body."""

    method: str
    path: str
    headers: list[tuple[str, str]]
    body: bytes = b""

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)


@dataclass
class Phone:
    """One participant's phone: its cookie and what its page told it (websocket URL, buttons)."""

    host: str  # "127.0.0.1:PORT", as the browser's Host header
    code: str
    scheme: str = "http"  # "https" behind a TLS proxy: the page's origin
    cookie: str = ""  # "rk_p_CODE=<token>"
    # "rk_d=<id>": the device id a browser takes from the join page before it joins (it counts
    # one phone's join retries against that phone); the server takes any id of this form.
    device: str = field(default_factory=lambda: f"rk_d={secrets.token_urlsafe(16)}")
    ws_path: str = ""
    main_version: bytes = b""
    buttons: dict[tuple[str, int], str] = field(default_factory=dict)  # ("plus", project id) -> hx-post path

    @property
    def origin(self) -> str:
        return f"{self.scheme}://{self.host}"

    @property
    def page_url(self) -> str:
        return f"{self.origin}/w/{self.code}"

    # --- the requests ---

    def join(self, name: str, agency: str = "") -> Raw:
        """The join form (a plain form post; the answer is a 303 to the page with the cookie).
        Chromium sends `Origin: null` here: the pages' Referrer-Policy is no-referrer."""
        body = f"name={quote_plus(name)}&agency={quote_plus(agency)}".encode()
        return Raw("POST", f"/w/{self.code}/join", [
            ("Host", self.host), ("Cache-Control", "max-age=0"), ("Origin", "null"),
            ("Content-Type", "application/x-www-form-urlencoded"), ("Upgrade-Insecure-Requests", "1"),
            ("Accept", ACCEPT_PAGE), ("Sec-Fetch-Site", "same-origin"), ("Sec-Fetch-Mode", "navigate"),
            ("Sec-Fetch-User", "?1"), ("Sec-Fetch-Dest", "document"), ("Cookie", self.device), *COMMON], body)

    def load_page(self) -> Raw:
        return Raw("GET", f"/w/{self.code}", [
            ("Host", self.host), ("Cache-Control", "max-age=0"), ("Upgrade-Insecure-Requests", "1"),
            ("Accept", ACCEPT_PAGE), ("Sec-Fetch-Site", "same-origin"), ("Sec-Fetch-Mode", "navigate"),
            ("Sec-Fetch-User", "?1"), ("Sec-Fetch-Dest", "document"), ("Cookie", self.cookies), *COMMON])

    def websocket_headers(self) -> list[tuple[str, str]]:
        """What the browser adds to the websocket handshake (the library adds Upgrade, Key, Version
        and the permessage-deflate offer, as the browser does)."""
        return [("Origin", self.origin), ("Cache-Control", "no-cache"), ("Pragma", "no-cache"),
                ("Cookie", self.cookies), *COMMON]

    def redraw(self) -> Raw:
        """htmx.ajax('GET', /w/{code}/me, {source: #phone-shell}) from app.js when the phase (the
        shared version) moves on."""
        return Raw("GET", f"/w/{self.code}/me", [
            ("Host", self.host), ("HX-Request", "true"), ("HX-Current-URL", self.page_url),
            ("HX-Trigger", "phone-shell"), ("HX-Target", "phone-main"), ("Accept", "*/*"), ("Sec-Fetch-Site", "same-origin"),
            ("Sec-Fetch-Mode", "cors"), ("Sec-Fetch-Dest", "empty"), ("Cookie", self.cookies), *COMMON])

    def tap(self, project_id: int, change: int = 1) -> Raw:
        """The + (or -) button of one project: hx-post with hx-vals {"change": "1"}."""
        button = f"{'plus' if change > 0 else 'minus'}-{project_id}"
        path = self.buttons.get(("plus" if change > 0 else "minus", project_id), f"/w/{self.code}/ballot/{project_id}")
        return Raw("POST", path, [
            ("Host", self.host), ("HX-Trigger", button), ("HX-Target", button), ("HX-Current-URL", self.page_url),
            ("HX-Request", "true"), ("Content-Type", "application/x-www-form-urlencoded"), ("Accept", "*/*"),
            ("Origin", self.origin), ("Sec-Fetch-Site", "same-origin"), ("Sec-Fetch-Mode", "cors"),
            ("Sec-Fetch-Dest", "empty"), ("Cookie", self.cookies), *COMMON], f"change={change}".encode())

    # --- reading what the server answered, as the page does ---

    @property
    def cookies(self) -> str:
        """The Cookie header, in the browser's order (the older cookie first)."""
        return "; ".join(c for c in (self.device, self.cookie) if c)

    def took_cookie(self, set_cookie_headers: list[str]) -> None:
        for value in set_cookie_headers:
            name_value = value.split(";", 1)[0].strip()
            if name_value.startswith(f"rk_p_{self.code}="):
                self.cookie = name_value

    def read_page(self, html: str) -> None:
        """The phone page: where its websocket goes, and its buttons if it is voting already."""
        found = WS_CONNECT.search(html)
        if found:
            self.ws_path = found.group(1).replace("&amp;", "&")
        self.read_main(html.encode())

    def read_main(self, html: bytes) -> None:
        """The phase view (page or redraw): its version and the + and - buttons' paths."""
        version = MAIN_VERSION.search(html)
        if version:
            self.main_version = version.group(1)
        for match in TAP_BUTTON.finditer(html.decode()):
            kind, pid, path = (match.group(1), match.group(2), match.group(3)) if match.group(1) else \
                (match.group(5), match.group(6), match.group(4))
            self.buttons[(kind, int(pid))] = path.replace("&amp;", "&")

    def needs_redraw(self, message: bytes) -> bool:
        """A live message whose shared version differs from the phase view shown: the page asks
        for its view again (app.js syncPhone)."""
        sync = PHONE_SYNC.search(message)
        return sync is not None and sync.group(1) != self.main_version


def encode(raw: Raw) -> bytes:
    """The request on the wire (HTTP/1.1, keep-alive), as the browser writes it."""
    lines = [f"{raw.method} {raw.path} HTTP/1.1"]
    lines += [f"{k}: {v}" for k, v in raw.headers]
    lines.append("Connection: keep-alive")
    if raw.body or raw.method == "POST":
        lines.append(f"Content-Length: {len(raw.body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + raw.body
