"""`ruamkit bench --scenario restart`: a reconnect storm.

N phones hold the page's websocket; the server process is killed with SIGKILL and started again
on the same port and database; every phone reconnects on the schedule the real page uses, and
counts as back once the new connection has brought its snapshot. Printed: progress lines, the
recovery curve (phones back in each second after the kill), the seconds until all are back, the
new server's peak memory while they came back, and one JSON line last.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import re
import resource
import shutil
import tempfile
import time
from dataclasses import dataclass
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

import httpx

import app

from bench import procs
from bench.httpclient import HttpPool
from bench.phone import PHONE_SYNC, Phone, encode
from bench.run import API, Options, body_of, join_through_the_page, log, make_workshop, pinning, start_ruamkit
from bench.wsclient import WsClient, connect

# Close codes after which htmx's ws extension opens the socket again (node_modules/htmx-ext-ws/
# ws.js, socket.onclose: abnormal closure, internal error, service restart, try again later).
# A killed server's sockets end with 1006; any other code and the page stops trying.
RECONNECT_CODES = frozenset({1006, 1011, 1012, 1013})
# Past this, a phone not back counts as lost (the bench stops waiting).
RECOVERY_LIMIT = 120.0
# The memory target stated in README ("Running a large event"): one process holding 4,000
# phones under a tap storm peaked at 383 MB; a restart's storm of handshakes and snapshots must
# stay under 512 MB.
MEMORY_TARGET_MB = 512


def ceiling_exponent() -> int:
    """The page's own ceiling (app/static/app.js, WS_RECONNECT_CEILING_EXPONENT), so the
    simulated phones keep to whatever the page does."""
    script = (Path(app.__file__).resolve().parent / "static" / "app.js").read_text(encoding="utf-8")
    found = re.search(r"WS_RECONNECT_CEILING_EXPONENT = (\d+);", script)
    if found is None:
        raise RuntimeError("app/static/app.js no longer says WS_RECONNECT_CEILING_EXPONENT: update bench/restart.py")
    return int(found.group(1))


def reconnect_ceiling(retry_count: int, exponent: int | None = None) -> float:
    """The longest wait before retry number `retry_count` + 1, in seconds (see reconnect_delay)."""
    return float(2 ** min(retry_count, ceiling_exponent() if exponent is None else exponent))


def reconnect_delay(retry_count: int, rng: random.Random, exponent: int) -> float:
    """Seconds before the next attempt, as the page waits: htmx's full jitter (ws.js
    getWebSocketReconnectDelay, htmx-ext-ws 2.0.4: `maxDelay * Math.random()`) with the page's
    ceiling, app.js's `htmx.config.wsReconnectDelay`:
    `1000 * Math.pow(2, Math.min(retryCount, WS_RECONNECT_CEILING_EXPONENT)) * Math.random()` (ms).
    tests/browser/test_reconnect_after_restart.py checks real Chromium pages keep to it."""
    return reconnect_ceiling(retry_count, exponent) * rng.random()


@dataclass
class Held:
    """One phone's websocket through the restart."""

    who: int
    snapshot_at: float | None = None  # its first connection's snapshot
    lost_at: float | None = None
    back_at: float | None = None  # the snapshot on a connection opened after the kill
    attempts: int = 0  # handshakes tried after the kill
    gave_up: bool = False  # closed with a code after which the page does not reconnect
    client: WsClient | None = None


async def keep_open(held: Held, url: str, headers: list[tuple[str, str]], on_message: Any,
                    rng: random.Random, state: dict[str, Any], first_opening: asyncio.Semaphore) -> None:
    """What the ws extension does for one page: open; on an abnormal close wait the jittered
    delay for this retry, count the retry, open again; an opened socket resets the count."""
    retry_count = 0
    exponent = state["ceiling_exponent"]
    pace: Any = first_opening
    while not state["stop"]:
        if state["killed_at"] is not None:
            held.attempts += 1
        try:
            async with pace:
                client = await connect(url, on_message, timeout=60, tag=held, headers=headers)
        except (OSError, TimeoutError) as exc:  # ConnectionError is an OSError
            # A refused connection or handshake: the browser reports close code 1006.
            reason = str(exc).split(":", 1)[0] if type(exc) is ConnectionError else type(exc).__name__
            state["refused"][reason] = state["refused"].get(reason, 0) + 1
            code = 1006
        else:
            retry_count = 0  # socket.onopen
            held.client = client
            await client.lost
            if held.lost_at is None:
                held.lost_at = time.monotonic()
            code = client.close_code or 1006
        pace = contextlib.nullcontext()
        if state["stop"]:
            return
        if code not in RECONNECT_CODES:
            held.gave_up = True
            return
        await asyncio.sleep(reconnect_delay(retry_count, rng, exponent))
        retry_count += 1


def curve_of(helds: list[Held], killed_at: float) -> list[int]:
    """Phones back in each whole second after the kill."""
    seconds = [h.back_at - killed_at for h in helds if h.back_at is not None]
    curve = [0] * (int(max(seconds, default=0)) + 1)
    for s in seconds:
        curve[int(s)] += 1
    return curve


async def storm(opts: Options, workdir: Path) -> dict[str, Any]:
    server_cores, _ = pinning(opts)
    servers = start_ruamkit(opts, workdir, server_cores)
    server = servers[0]
    budget = 10
    try:
        scene = await make_workshop(opts, servers, budget)
        async with httpx.AsyncClient(base_url=server.base, timeout=60) as http:
            (await http.put(f"{API}/{scene['code']}/phase", json={"phase": "vote"},
                            headers=scene["facilitator"])).raise_for_status()
        log(f"voting open; joining {opts.clients} phones through the join page")
        devices = [Phone(host=f"127.0.0.1:{server.port}", code=scene["code"]) for _ in range(opts.clients)]
        joined = await join_through_the_page(opts, [server], devices)
        log(f"{opts.clients} phones joined and loaded their ballot in {joined:.1f} s")
        return await hold_kill_restart(opts, workdir, servers, devices)
    finally:
        for s in servers:
            s.stop()


async def hold_kill_restart(opts: Options, workdir: Path, servers: list[procs.ServerProcess],
                            devices: list[Phone]) -> dict[str, Any]:
    loop = asyncio.get_running_loop()
    state: dict[str, Any] = {"stop": False, "killed_at": None, "refused": {}, "ceiling_exponent": ceiling_exponent()}
    helds = [Held(i) for i in range(len(devices))]
    pool = HttpPool("127.0.0.1", servers[0].port, max_connections=64)
    redraws = {"sent": 0, "failed": 0}
    redrawing: set[asyncio.Task[None]] = set()

    async def redraw(device: Phone) -> None:
        try:
            status, body, headers = await pool.send(encode(device.redraw()), timeout=60)
            if status == 200:
                device.read_main(body_of(body, headers))
            else:
                redraws["failed"] += 1
        except (OSError, TimeoutError):
            redraws["failed"] += 1

    def on_message(client: WsClient, data: bytes, now: float) -> None:
        if client.messages != 1:
            return  # the snapshot is the connection's first message
        held: Held = client.tag  # type: ignore[assignment]
        if state["killed_at"] is None:
            held.snapshot_at = held.snapshot_at or now
        elif held.back_at is None:
            held.back_at = now
        # The page asks for its view again if the shared version moved on (app.js syncPhone);
        # a restart alone does not move it (the version is drawn from the workshop, not the process).
        device = devices[held.who]
        sync = PHONE_SYNC.search(data)
        if sync is not None and sync.group(1) != device.main_version:
            redraws["sent"] += 1
            task = loop.create_task(redraw(device))
            redrawing.add(task)
            task.add_done_callback(redrawing.discard)

    # The phones open their sockets; the first opening is paced (as a hall's arrivals are), the
    # reconnections are not (a restart's are not either).
    limiter = asyncio.Semaphore(opts.connect_concurrency)
    seeds = random.Random(opts.seed)
    started = time.monotonic()

    def phone(held: Held) -> Coroutine[Any, Any, None]:
        device = devices[held.who]
        return keep_open(held, f"ws://{device.host}{device.ws_path}", device.websocket_headers(), on_message,
                         random.Random(seeds.random()), state, limiter)

    tasks = [loop.create_task(phone(h)) for h in helds]
    deadline = time.monotonic() + 120 + opts.clients * 0.05
    while time.monotonic() < deadline and sum(h.snapshot_at is not None for h in helds) < len(helds):
        await asyncio.sleep(0.2)
    holding = sum(h.snapshot_at is not None for h in helds)
    log(f"{holding}/{len(helds)} phones hold their websocket and snapshot ({time.monotonic() - started:.1f} s)")
    if holding < len(helds):
        raise RuntimeError(f"only {holding} of {len(helds)} phones got their snapshot before the kill")
    await asyncio.sleep(1.0)
    before = procs.Sampler(servers)
    before.sample()
    rss_before = before.peak_total_rss / 2**20

    # The kill, and the restart on the same port at once (as systemd's Restart=always would).
    old = servers[0]
    log(f"killing the server (pid {old.popen.pid}, {rss_before:.0f} MB) with SIGKILL")
    killed_at = state["killed_at"] = time.monotonic()
    old.kill()
    new = old.again(workdir / "ruamkit-0-restarted.log")
    servers[0] = new
    sampler = procs.Sampler([new], every=0.1)
    sampler.start()
    ready: dict[str, float] = {}

    def wait_ready() -> None:
        new.wait_ready("/openapi.json", timeout=RECOVERY_LIMIT)
        ready["at"] = time.monotonic()

    ready_task = loop.create_task(asyncio.to_thread(wait_ready))
    try:
        limit = killed_at + RECOVERY_LIMIT
        next_report = killed_at + 1
        while time.monotonic() < limit:
            back = sum(h.back_at is not None for h in helds)
            if back == len(helds):
                break
            if ready_task.done() and ready_task.exception() is not None:
                raise RuntimeError(f"the restarted server did not come up: {ready_task.exception()}")
            if new.popen.poll() is not None:
                raise RuntimeError(f"the restarted server fell over (exit {new.popen.returncode}):\n{new.log_tail()}")
            if time.monotonic() >= next_report:
                next_report = time.monotonic() + 1
                log(f"{time.monotonic() - killed_at:5.1f} s after the kill: {back}/{len(helds)} back, "
                    f"server {'ready at %.1f s' % (ready['at'] - killed_at) if 'at' in ready else 'starting'}, "
                    f"peak RSS {sampler.peak_total_rss / 2**20:.0f} MB")
            await asyncio.sleep(0.05)
        await asyncio.sleep(1.0)  # the redraws some phones asked for, and a last memory sample
    finally:
        sampler.stop()
        state["stop"] = True
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if not ready_task.done():
            await asyncio.wait([ready_task], timeout=RECOVERY_LIMIT)
        for h in helds:
            if h.client is not None:
                h.client.close()
        pool.close()

    back_after = sorted(h.back_at - killed_at for h in helds if h.back_at is not None)
    curve = curve_of(helds, killed_at)
    ready_s = round(ready["at"] - killed_at, 2) if "at" in ready else None
    log("recovery curve (phones back in each second after the kill; server ready again at "
        f"{ready_s} s):")
    total = 0
    for second, count in enumerate(curve):
        total += count
        bar = "#" * round(60 * count / max(1, *curve))
        log(f"  {second:3d}-{second + 1:<3d} s  {count:5d} back  {total:5d}/{len(helds)}  {bar}")
    all_back = len(back_after) == len(helds)
    peak = sampler.peak_total_rss / 2**20

    def pct(q: float) -> float | None:
        return round(back_after[min(len(back_after) - 1, int(q * len(back_after)))], 2) if back_after else None

    return {
        "phones_back": len(back_after), "phones_gave_up": sum(h.gave_up for h in helds),
        "all_back": all_back,
        "seconds_to_all_back": round(back_after[-1], 2) if all_back else None,
        "seconds_to_all_back_after_ready": round(back_after[-1] - ready_s, 2) if all_back and ready_s else None,
        "server_ready_seconds": ready_s,
        "p50_back_seconds": pct(0.5), "p95_back_seconds": pct(0.95),
        "back_per_second": curve, "peak_back_per_second": max(curve, default=0),
        "mean_back_per_second_after_ready": round(len(back_after) / (back_after[-1] - ready_s), 1)
        if back_after and ready_s and back_after[-1] > ready_s else None,
        "reconnect_attempts": sum(h.attempts for h in helds), "refused": state["refused"],
        "redraws": redraws, "reconnect_ceiling_seconds": reconnect_ceiling(99, state["ceiling_exponent"]),
        "server_rss_mb_before_kill": round(rss_before, 1), "server_rss_mb_recovery_peak": round(peak, 1),
        "memory_target_mb": MEMORY_TARGET_MB, "memory_within_target": peak < MEMORY_TARGET_MB,
    }


async def run(opts: Options) -> dict[str, Any]:
    """The whole scenario; the result is the JSON line's content."""
    if opts.workers != 1 or opts.groups or opts.browsers or opts.path != "phone" or opts.redis_url:
        raise SystemExit("--scenario restart runs one server process and simulated phones on the phone path: "
                         "leave out --workers, --groups, --browsers, --path and --redis-url.")
    fd_limit = procs.raise_fd_limit()
    if fd_limit < 2 * opts.clients + 200:
        log(f"warning: the file-descriptor limit is {fd_limit}; {opts.clients} phones need about "
            f"{2 * opts.clients + 200} (raise `ulimit -n`)")
    workdir = Path(tempfile.mkdtemp(prefix="ruamkit-bench-restart-"))
    result: dict[str, Any] = {
        "scenario": "restart", "clients": opts.clients, "cpu_split": opts.cpu_split,
        "database": "postgresql" if (opts.database_url or "").startswith("postgresql") else "sqlite",
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
    }
    usage = resource.getrusage(resource.RUSAGE_SELF)
    try:
        result.update(await storm(opts, workdir))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    after = resource.getrusage(resource.RUSAGE_SELF)
    result["loadgen_cpu_seconds"] = round(after.ru_utime + after.ru_stime - usage.ru_utime - usage.ru_stime, 1)
    result["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    log(f"{result['phones_back']}/{opts.clients} phones back with their snapshot; all back "
        f"{result['seconds_to_all_back']} s after the kill (server ready at {result['server_ready_seconds']} s), "
        f"peak {result['peak_back_per_second']} phones/s; server peak RSS while they came back "
        f"{result['server_rss_mb_recovery_peak']} MB (target {MEMORY_TARGET_MB} MB)")
    return result
