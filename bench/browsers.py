"""Real phones in the benchmark: Debian's Chromium, driven by Playwright, tapping + on the real page.

`ruamkit bench --browsers K` runs this module as a child process beside the simulated phones.
Each browser joins through the join page like a person, waits for voting to open (its page
redraws itself over the websocket), then taps + on projects of its ballot at a steady pace.
For every tap it reports the time from the click to its own screen showing the new count
(`own_ms`, measured in the page), and the moment it tapped on this machine's monotonic clock,
so that the load generator can tell when the big screen showed it.

Protocol (JSON lines on stdout, one command on stdin):
    -> {"ready": K}                       every browser joined, its websocket open
    <- go <t0 monotonic> <seconds>        start tapping at t0 for that long
    -> {"project": id, "send": t, "own_ms": ms, "ok": true}   one per tap
    -> {"done": true}
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from bench import measure
from bench.measure import Vote, Watcher

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
TAPS_PER_BROWSER = 15

# Click + and resolve when this project's own count on the page changed (the tap's answer was
# swapped in), or when an error toast appeared; the time is the page's own clock.
TAP = """(pid) => new Promise((resolve) => {
  const count = () => { const box = document.getElementById("vote-" + pid);
                        return box ? box.querySelector("output").textContent : null; };
  const before = count();
  const toast = document.getElementById("toast");
  if (toast) toast.textContent = "";
  const started = performance.now();
  let done = false;
  const finish = (ok) => { if (done) return; done = true; observer.disconnect();
                           resolve({ ok: ok, ms: performance.now() - started }); };
  const observer = new MutationObserver(() => {
    if (count() !== before) finish(true);
    else if (document.querySelector("#toast .toast-msg.error")) finish(false);
  });
  observer.observe(document.body, { subtree: true, childList: true, characterData: true });
  document.getElementById("plus-" + pid).click();
  setTimeout(() => finish(false), 30000);
})"""


def emit(message: dict[str, Any]) -> None:
    print(json.dumps(message), flush=True)


def run(bases: list[str], code: str, count: int, seed: int) -> None:
    from playwright.sync_api import sync_playwright

    rng = random.Random(seed)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        pages = []
        for i in range(count):
            context = browser.new_context(viewport={"width": 360, "height": 740}, locale="th-TH",
                                          is_mobile=True, has_touch=True, device_scale_factor=2)
            page = context.new_page()
            page.goto(f"{bases[i % len(bases)]}/j/{code}", timeout=60_000)
            page.fill("input[name=name]", f"โทรศัพท์จริง {i + 1}")
            page.locator("form button[type=submit]").first.click()
            page.wait_for_selector("body[data-ws='open']", timeout=60_000)
            pages.append(page)
        emit({"ready": count})
        command = sys.stdin.readline().split()
        if not command or command[0] != "go":
            return
        t0, seconds = float(command[1]), float(command[2])
        for page in pages:  # voting opened: each page has redrawn itself into a ballot
            page.wait_for_selector("#ballot button.plus", timeout=180_000)
        ballots = [[int(b.get_attribute("id").split("-")[1]) for b in page.locator("#ballot button.plus").all()]
                   for page in pages]
        interval = seconds / TAPS_PER_BROWSER
        schedule = sorted((t0 + (n + j / count) * interval, j) for n in range(TAPS_PER_BROWSER) for j in range(count))
        for when, j in schedule:
            delay = when - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            project = rng.choice(ballots[j])
            send = time.monotonic()
            answer = pages[j].evaluate(TAP, project)
            emit({"project": project, "send": send, "own_ms": round(answer["ms"], 2), "ok": answer["ok"]})
        emit({"done": True})
        browser.close()


class BrowserPhones:
    """The load generator's side: start the child, wait until the phones are in, collect the taps."""

    def __init__(self, count: int, bases: list[str], code: str, workdir: Path, seed: int = 2569) -> None:
        self.count, self.bases, self.code, self.workdir, self.seed = count, bases, code, workdir, seed
        self.proc: asyncio.subprocess.Process | None = None
        self.taps: list[Vote] = []
        self.own_ms: list[float] = []

    async def start(self) -> None:
        from bench.run import log

        self._log = (self.workdir / "browsers.log").open("wb")
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bench.browsers", "--bases", ",".join(self.bases), "--code", self.code,
            "--count", str(self.count), "--seed", str(self.seed),
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=self._log,
            limit=2**20)
        log(f"{self.count} real Chromium phones joining through the page")

    async def _line(self, timeout: float) -> dict[str, Any]:
        assert self.proc is not None and self.proc.stdout is not None
        raw = await asyncio.wait_for(self.proc.stdout.readline(), timeout)
        if not raw:
            raise RuntimeError(f"the browser phones stopped: see {self.workdir / 'browsers.log'}")
        return json.loads(raw)

    async def wait_ready(self) -> None:
        from bench.run import log

        message = await self._line(120 + 20 * self.count)
        if message.get("ready") != self.count:
            raise RuntimeError(f"the browser phones said {message}")
        log(f"{self.count} real Chromium phones joined, websockets open")

    async def tap(self, t0: float, seconds: float, position_of: dict[int, int], votes: list[Vote],
                  acknowledged: Any) -> None:
        """Start the real phones tapping and record each tap as the load generator's own votes are."""
        assert self.proc is not None and self.proc.stdin is not None
        self.proc.stdin.write(f"go {t0} {seconds}\n".encode())
        await self.proc.stdin.drain()
        deadline = time.monotonic() + seconds + 240
        while time.monotonic() < deadline:
            message = await self._line(deadline - time.monotonic())
            if message.get("done"):
                return
            record = Vote(project=position_of[message["project"]], send=message["send"], source="browser",
                          ack=message["send"] + message["own_ms"] / 1000, status=200 if message["ok"] else 409)
            if message["ok"]:
                acknowledged(record)
                self.own_ms.append(message["own_ms"])
            votes.append(record)
            self.taps.append(record)

    def summary(self, votes: list[Vote], screens: list[Watcher], stats: dict[str, Any]) -> dict[str, Any]:
        """Tap-to-own-screen and tap-to-big-screen of the real phones, beside the simulated phones'."""
        acked = [t for t in self.taps if t.status == 200]
        screen = [x for t in acked for s in screens if (x := s.latency(t)) is not None]
        own_p95 = measure.percentile(self.own_ms, 95)
        simulated = stats.get("p95_ack_ms")
        return {
            "count": self.count, "taps": len(self.taps), "acked": len(acked),
            "p50_own_screen_ms": round(statistics.median(self.own_ms), 1) if self.own_ms else None,
            "p95_own_screen_ms": round(own_p95, 1) if own_p95 is not None else None,
            "p95_big_screen_ms": measure.ms(measure.percentile(screen, 95)),
            "simulated_p95_own_screen_ms": simulated,
            "ratio_own_screen_p95": round(own_p95 / simulated, 2) if own_p95 and simulated else None,
        }

    async def stop(self) -> None:
        if self.proc is None:
            return
        if self.proc.stdin is not None and not self.proc.stdin.is_closing():
            self.proc.stdin.close()
        try:
            await asyncio.wait_for(self.proc.wait(), 30)
        except asyncio.TimeoutError:
            self.proc.kill()
            await self.proc.wait()
        self._log.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bases", required=True, help="Server base URLs, comma-separated (127.0.0.1 only).")
    parser.add_argument("--code", required=True)
    parser.add_argument("--count", type=int, default=5)
    parser.add_argument("--seed", type=int, default=2569)
    args = parser.parse_args()
    run(args.bases.split(","), args.code, args.count, args.seed)


if __name__ == "__main__":
    main()
