"""A phone on a slow network: join a workshop and spend three dots in Debian's Chromium with the
network throttled to 400 kbit/s down and up and 400 ms latency, and say how long it took.

A benchmark figure for the note, not a pass/fail timing (the target is 10 s or less). Also how
many bytes the phone's pages took over the wire (compressed), fonts apart.

    .venv/bin/python -m bench.throttled_phone     # its own server on 127.0.0.1, its own Chromium
    .venv/bin/python bench/throttled_phone.py     # the same

Everything talks to 127.0.0.1 only; every wait is bounded.
"""

from __future__ import annotations

import json
import socket
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}
KBIT = 1000 / 8  # bytes per second in one kbit/s
THROTTLE = {"offline": False, "latency": 400, "downloadThroughput": 400 * KBIT, "uploadThroughput": 400 * KBIT}
TIMEOUT_MS = 60_000
VOTES = 3


@dataclass
class Transfer:
    """Bytes over the wire (headers and compressed bodies, as Chromium counts them) by kind."""

    by_url: dict[str, int] = field(default_factory=dict)
    fonts: int = 0
    websocket_frames: int = 0

    @property
    def without_fonts(self) -> int:
        return sum(self.by_url.values())


class Meter:
    """Counts what one page receives, through the Chrome DevTools Protocol's Network domain."""

    def __init__(self, context: Any, page: Any, *, throttle: bool = False) -> None:
        self.transfer = Transfer()
        self._requests: dict[str, tuple[str, str]] = {}
        self.cdp = context.new_cdp_session(page)
        self.cdp.send("Network.enable")
        self.cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})  # a first visit
        if throttle:
            self.cdp.send("Network.emulateNetworkConditions", THROTTLE)
        self.cdp.on("Network.requestWillBeSent", self._sent)
        self.cdp.on("Network.loadingFinished", self._finished)
        self.cdp.on("Network.webSocketFrameReceived", self._frame)

    def _sent(self, event: dict[str, Any]) -> None:
        redirect = event.get("redirectResponse")
        if redirect:  # the redirect's own answer counts under its URL
            self._add(redirect["url"], event.get("type", ""), int(redirect.get("encodedDataLength", 0)))
        self._requests[event["requestId"]] = (event["request"]["url"], event.get("type", ""))

    def _finished(self, event: dict[str, Any]) -> None:
        url, kind = self._requests.get(event["requestId"], ("?", ""))
        self._add(url, kind, int(event.get("encodedDataLength", 0)))

    def _frame(self, event: dict[str, Any]) -> None:
        self.transfer.websocket_frames += len(event["response"].get("payloadData", "").encode())

    def _add(self, url: str, kind: str, size: int) -> None:
        if kind == "Font" or "/static/fonts/" in url:
            self.transfer.fonts += size
        else:
            path = url.split("//", 1)[-1].split("/", 1)[-1]
            self.transfer.by_url["/" + path] = self.transfer.by_url.get("/" + path, 0) + size


def make_workshop(base: str, titles: tuple[str, ...]) -> tuple[str, str]:
    """A workshop in phase vote with these projects; returns (code, join URL)."""
    with httpx.Client(base_url=base, timeout=10) as api:
        answer = api.post("/api/v1/workshops", json={"title": "ประชุมจัดลำดับโครงการด้านดิจิทัล ปี ๒๕๖๙",
                                                     "agencies": ["กรมอุตุนิยมวิทยา"]})
        answer.raise_for_status()
        created = answer.json()
        key = {"Authorization": f"Bearer {created['facilitator_key']}"}
        code = created["code"]
        strategies = [s["id"] for s in api.get(f"/api/v1/workshops/{code}").json()["strategies"]]
        for n, title in enumerate(titles):
            api.post(f"/api/v1/workshops/{code}/projects", headers=key,
                     json={"title": title, "strategy_ids": [strategies[n % len(strategies)]]}).raise_for_status()
        api.put(f"/api/v1/workshops/{code}/phase", json={"phase": "vote"}, headers=key).raise_for_status()
    return code, created["join_url"]


@dataclass
class Result:
    joined_s: float
    voted_s: float
    total_s: float
    votes: int
    bytes_without_fonts: int
    font_bytes: int
    websocket_bytes: int
    throttle: dict[str, Any]


def run(browser: Any, base: str, *, throttle: bool = True, votes: int = VOTES) -> Result:
    """Open the join link on a fresh phone, join, and tap + on `votes` projects, each waiting for
    the server's answer; time it from the first request to the last answer."""
    from app.services.demo import SEED_PROJECTS

    _code, join_url = make_workshop(base, tuple(title for title, _s, _a in SEED_PROJECTS))
    context = browser.new_context(locale="th-TH", **PHONE)
    context.set_default_timeout(TIMEOUT_MS)
    try:
        page = context.new_page()
        meter = Meter(context, page, throttle=throttle)
        started = time.monotonic()
        page.goto(join_url, wait_until="load")
        page.fill("#name", "สมหญิง ใจดี")
        page.select_option("#agency", label="กรมอุตุนิยมวิทยา")  # picked from the invited list
        page.click("form button[type=submit]")
        page.wait_for_selector("#phone-main.phase-vote")
        page.wait_for_selector("body[data-ws=open]")
        joined = time.monotonic()
        for n in range(votes):
            control = page.locator("#ballot .vote").nth(n)
            control.locator("button.plus").click()
            control.locator("output.my-dots").filter(has_text="1").wait_for()
        page.wait_for_selector(f"#budget[data-remaining='{5 - votes}']")
        voted = time.monotonic()
        return Result(joined_s=round(joined - started, 2), voted_s=round(voted - joined, 2),
                      total_s=round(voted - started, 2), votes=votes,
                      bytes_without_fonts=meter.transfer.without_fonts, font_bytes=meter.transfer.fonts,
                      websocket_bytes=meter.transfer.websocket_frames,
                      throttle=THROTTLE if throttle else {})
    finally:
        context.close()


@contextmanager
def serve() -> Iterator[str]:
    """ruamkit on a free port of 127.0.0.1, on a fresh SQLite file; yields its base URL."""
    import uvicorn

    from app.config import Settings
    from app.main import create_app

    with tempfile.TemporaryDirectory(prefix="ruamkit-throttled-") as folder:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        base = f"http://127.0.0.1:{sock.getsockname()[1]}"
        settings = Settings(database_url=f"sqlite:///{Path(folder) / 'bench.db'}", auto_migrate=True, public_url=base)
        server = uvicorn.Server(uvicorn.Config(create_app(settings), log_level="warning", ws="auto", lifespan="on"))
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
        thread.start()
        deadline = time.monotonic() + 30
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the server did not start within 30 s")
            time.sleep(0.05)
        try:
            yield base
        finally:
            server.should_exit = True
            thread.join(timeout=15)
            sock.close()


def report(result: Result) -> str:
    return (f"throttled phone (400 kbit/s down/up, 400 ms latency): joined in {result.joined_s} s, "
            f"{result.votes} dots in {result.voted_s} s more, {result.total_s} s in all; "
            f"{result.bytes_without_fonts} bytes over the wire without fonts (+{result.font_bytes} font bytes, "
            f"{result.websocket_bytes} bytes of websocket messages)")


def main() -> int:
    from playwright.sync_api import sync_playwright

    with serve() as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            result = run(browser, base)
        finally:
            browser.close()
    print(report(result))
    print(json.dumps(asdict(result)))
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # also as `python bench/throttled_phone.py`
    sys.exit(main())
