"""`ruamkit bench`: start real servers, hold thousands of phones, vote, and measure.

Everything runs on this machine and talks only to 127.0.0.1. One process (this one) is the
load generator: asyncio (uvloop when present), lean sans-I/O websockets (bench/wsclient.py)
and httpx for the votes. Every loop is bounded in count and time. Progress lines go to
stdout; the last line printed is one JSON object with the results.
"""

from __future__ import annotations

import asyncio
import gc
import json
import math
import os
import random
import resource
import shutil
import signal
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bench import measure, procs
from bench.httpclient import HttpPool
from bench.measure import PHONE_TALLY, SCREEN_TALLY, Vote, Watcher
from bench.wsclient import WsClient, connect

START = time.monotonic()


def log(message: str) -> None:
    print(f"[bench {time.monotonic() - START:7.1f}s] {message}", flush=True)


@dataclass
class Options:
    clients: int = 2000
    rate: float = 200.0
    seconds: float = 30.0
    workers: int = 1
    database_url: str | None = None
    redis_url: str | None = None
    interval: float = 0.1
    baseline: bool = True
    cpu_split: bool = False
    projects: int = 6
    server_env: dict[str, str] = field(default_factory=dict)
    phone_sample: int = 200
    connect_concurrency: int = 100
    join_concurrency: int = 16
    ack_timeout: float = 30.0
    settle_seconds: float = 15.0
    seed: int = 2569


@dataclass
class Target:
    """A server under load, seen through what the driver needs: URLs, keys and a final read."""

    name: str
    servers: list[procs.ServerProcess]
    project_ids: list[int]
    phone_urls: list[str]  # one per participant, on that participant's worker
    screen_urls: list[str]  # one per worker
    vote_path: Callable[[int], str]  # project id -> path
    tokens: list[str]
    worker_of: Callable[[int], int]  # participant index -> worker index
    final_tallies: Callable[[], dict[int, int]]


# --- the ruamkit servers ---


def start_ruamkit(opts: Options, workdir: Path, cores: set[int] | None) -> tuple[list[procs.ServerProcess], str]:
    from app import db

    database_url = opts.database_url or f"sqlite:///{workdir / 'bench.db'}"
    log(f"migrating {database_url.split('@')[-1]}")
    db.upgrade(database_url)
    servers = []
    for index in range(opts.workers):
        port = procs.free_port()
        env = {**os.environ, "RUAMKIT_DATABASE_URL": database_url,
               "RUAMKIT_PUBLIC_URL": f"http://127.0.0.1:{port}",
               "RUAMKIT_BROADCAST_INTERVAL": str(opts.interval),
               # Every simulated phone comes from 127.0.0.1: per-address limits would throttle
               # the whole room as one client (per-participant limits stay on).
               "RUAMKIT_RATE_JOIN_PER_ADDRESS": "0", "RUAMKIT_RATE_VOTE_PER_ADDRESS": "0",
               "RUAMKIT_RATE_PROPOSE_PER_ADDRESS": "0", **opts.server_env}
        env.pop("RUAMKIT_REDIS_URL", None)
        # The servers run the same code as this load generator (this checkout), wherever it is.
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(procs.ROOT), os.environ.get("PYTHONPATH")]))
        if opts.redis_url:
            env["RUAMKIT_REDIS_URL"] = opts.redis_url
        argv = procs.python_argv("-m", "app.cli", "serve", "--host", "127.0.0.1", "--port", str(port),
                                 "--no-migrate")
        servers.append(procs.ServerProcess(f"ruamkit-{index}", argv, port=port, env=env, cores=cores,
                                           log_path=workdir / f"ruamkit-{index}.log", cwd=workdir))
    for server in servers:
        server.wait_ready("/openapi.json")
    log(f"{len(servers)} ruamkit server(s) ready on ports {[s.port for s in servers]}")
    return servers, database_url


async def setup_ruamkit(opts: Options, servers: list[procs.ServerProcess], budget: int) -> Target:
    api = "/api/v1/workshops"
    async with httpx.AsyncClient(base_url=servers[0].base, timeout=60) as http:
        created = (await http.post(api, json={
            "title": "ทดสอบรองรับผู้เข้าร่วมจำนวนมาก (bench)", "language": "th",
            "dots_per_participant": budget, "max_dots_per_project": budget,
            "show_live_tallies": True})).raise_for_status().json()
        code, facilitator = created["code"], {"Authorization": f"Bearer {created['facilitator_key']}"}
        info = (await http.get(f"{api}/{code}")).raise_for_status().json()
        strategies = [s["id"] for s in info["strategies"]]
        areas = [r["id"] for r in info["reform_areas"]]
        (await http.put(f"{api}/{code}/phase", json={"phase": "propose"}, headers=facilitator)).raise_for_status()
        project_ids = []
        for i in range(opts.projects):
            body = {"title": f"โครงการทดสอบ {i + 1}", "description": "bench", "agency": "สำนักงานทดสอบ",
                    "strategy_ids": [strategies[i % len(strategies)]] if strategies else [],
                    "reform_area_ids": [areas[i % len(areas)]] if areas else []}
            answer = await http.post(f"{api}/{code}/projects", json=body, headers=facilitator)
            project_ids.append(answer.raise_for_status().json()["id"])
    log(f"workshop {code} with {len(project_ids)} projects; joining {opts.clients} participants")
    tokens: list[str] = [""] * opts.clients
    clients = [httpx.AsyncClient(base_url=s.base, timeout=60) for s in servers]
    queue = iter(range(opts.clients))

    async def joiner() -> None:
        for i in queue:
            http = clients[i % len(clients)]
            answer = await http.post(f"{api}/{code}/participants",
                                     json={"name": f"ผู้เข้าร่วม {i + 1}", "agency": f"หน่วยงาน {i % 25 + 1}"})
            tokens[i] = answer.raise_for_status().json()["participant_token"]

    try:
        await asyncio.wait_for(asyncio.gather(*(joiner() for _ in range(opts.join_concurrency))),
                               timeout=120 + opts.clients * 0.1)
        (await clients[0].put(f"{api}/{code}/phase", json={"phase": "vote"}, headers=facilitator)).raise_for_status()
    finally:
        for http in clients:
            await http.aclose()

    def final_tallies() -> dict[int, int]:
        answer = httpx.get(f"{servers[0].base}{api}/{code}/results", headers=facilitator, timeout=60)
        return {row["project_id"]: row["dots"] for row in answer.raise_for_status().json()["ranking"]}

    ws = [f"ws://127.0.0.1:{s.port}/ws/workshops/{code}" for s in servers]
    return Target(
        name="ruamkit", servers=servers, project_ids=project_ids, tokens=tokens,
        phone_urls=[f"{ws[i % len(ws)]}?key={t}&view=phone" for i, t in enumerate(tokens)],
        screen_urls=[f"{u}?key={created['screen_key']}&view=screen" for u in ws],
        vote_path=lambda pid: f"{api}/{code}/votes/{pid}", worker_of=lambda i: i % len(servers),
        final_tallies=final_tallies)


# --- the bare baseline ---


def start_baseline(opts: Options, workdir: Path, cores: set[int] | None, phone_bytes: int,
                   screen_bytes: int, deflate: bool) -> Target:
    port = procs.free_port()
    argv = procs.python_argv("-m", "bench.baseline", "--port", str(port), "--interval", str(opts.interval),
                             "--projects", str(opts.projects), "--phone-bytes", str(phone_bytes),
                             "--screen-bytes", str(screen_bytes), *(["--deflate"] if deflate else []))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(procs.ROOT), os.environ.get("PYTHONPATH")]))}
    server = procs.ServerProcess("baseline", argv, port=port, env=env, cores=cores,
                                 log_path=workdir / "baseline.log", cwd=workdir)
    server.wait_ready("/tallies")
    project_ids = list(range(1, opts.projects + 1))
    tokens = [f"bench-{i}" for i in range(opts.clients)]

    def final_tallies() -> dict[int, int]:
        answer = httpx.get(f"{server.base}/tallies", timeout=60).raise_for_status().json()
        return {int(k): v for k, v in answer.items()}

    ws = f"ws://127.0.0.1:{port}/ws"
    return Target(name="baseline", servers=[server], project_ids=project_ids, tokens=tokens,
                  phone_urls=[f"{ws}?view=phone"] * opts.clients, screen_urls=[f"{ws}?view=screen"],
                  vote_path=lambda pid: f"/votes/{pid}", worker_of=lambda i: 0, final_tallies=final_tallies)


# --- the load ---


async def drive(opts: Options, target: Target, sampler: procs.Sampler) -> dict[str, Any]:
    """Connect phones and screens, vote at the rate for the duration, measure, disconnect."""
    k = len(target.project_ids)
    screens = [Watcher(k) for _ in target.screen_urls]
    step = max(1, opts.clients // max(1, opts.phone_sample))
    phones = [Watcher(k, record=(i % step == 0)) for i in range(opts.clients)]
    parsed_phone: dict[bytes, tuple[int, ...]] = {}
    sizes: dict[str, list[int]] = {"phone": [], "screen": []}
    ids = target.project_ids

    def phone_message(client: WsClient, data: bytes, now: float) -> None:
        tallies = parsed_phone.get(data)
        if tallies is None:
            if len(parsed_phone) > 5000:
                parsed_phone.clear()
            tallies = parsed_phone[data] = measure.parse(PHONE_TALLY, data, ids)
            sizes["phone"].append(len(data))
        client.tag.saw(tallies, now)  # type: ignore[union-attr]

    def screen_message(client: WsClient, data: bytes, now: float) -> None:
        sizes["screen"].append(len(data))
        client.tag.saw(measure.parse(SCREEN_TALLY, data, ids), now)  # type: ignore[union-attr]

    sockets: list[WsClient] = []
    limiter = asyncio.Semaphore(opts.connect_concurrency)

    async def open_one(url: str, watcher: Watcher, handler: Callable[[WsClient, bytes, float], None]) -> None:
        async with limiter:
            sockets.append(await connect(url, handler, timeout=60, tag=watcher))

    started = time.monotonic()
    await asyncio.wait_for(asyncio.gather(
        *(open_one(u, w, screen_message) for u, w in zip(target.screen_urls, screens)),
        *(open_one(u, w, phone_message) for u, w in zip(target.phone_urls, phones))),
        timeout=120 + opts.clients * 0.05)
    connect_seconds = time.monotonic() - started
    compressed = any(s.compressed for s in sockets)
    log(f"{target.name}: {len(sockets)} websockets open in {connect_seconds:.1f} s "
        f"(per-message deflate {'on' if compressed else 'off'}); waiting for snapshots")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and any(w.messages == 0 for w in [*screens, *phones]):
        await asyncio.sleep(0.1)
    for watcher in [*screens, *phones]:  # snapshots (all zero) are not part of the measurement
        watcher.arrivals.clear()
    sizes["phone"].clear()
    sizes["screen"].clear()
    gc.collect()
    gc.freeze()  # our own bookkeeping is large and long-lived: keep the collector off it

    # Open-loop votes: vote i is sent at t0 + i/rate whatever happened to earlier ones.
    total = int(opts.rate * opts.seconds)
    rng = random.Random(opts.seed)
    dots = [[0] * k for _ in range(opts.clients)]
    busy = [False] * opts.clients
    acked_on = [0] * k
    votes: list[Vote] = []
    statuses: dict[str, int] = {}
    http = [HttpPool("127.0.0.1", s.port, max_connections=256) for s in target.servers]
    headers = [f"Authorization: Bearer {t}\r\nContent-Type: application/json\r\n".encode() for t in target.tokens]
    tasks: set[asyncio.Task[None]] = set()
    skipped = 0

    async def vote(who: int, position: int) -> None:
        worker = target.worker_of(who)
        wanted = dots[who][position] + 1
        record = Vote(project=position, send=time.monotonic(), worker=worker)
        votes.append(record)
        try:
            record.status, _body = await http[worker].request(
                "PUT", target.vote_path(ids[position]), headers=headers[who], body=b'{"dots": %d}' % wanted,
                timeout=opts.ack_timeout)
        except (OSError, asyncio.TimeoutError) as exc:
            record.status = -1
            statuses[type(exc).__name__] = statuses.get(type(exc).__name__, 0) + 1
        record.ack = time.monotonic()
        if record.status == 200:
            dots[who][position] = wanted
            acked_on[position] += 1
            record.nth = acked_on[position]
        elif record.status != -1:
            statuses[str(record.status)] = statuses.get(str(record.status), 0) + 1
        busy[who] = False

    loop = asyncio.get_running_loop()
    cpu_before, usage_before = sampler.cpu_seconds(), resource.getrusage(resource.RUSAGE_SELF)
    t0 = time.monotonic() + 0.2
    next_who = 0
    last_report = t0
    for i in range(total):
        delay = t0 + i / opts.rate - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        for _ in range(opts.clients):  # the next participant with no vote in flight
            if not busy[next_who]:
                break
            next_who = (next_who + 1) % opts.clients
        else:
            skipped += 1
            continue
        who, next_who = next_who, (next_who + 1) % opts.clients
        busy[who] = True
        task = loop.create_task(vote(who, rng.randrange(k)))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
        if time.monotonic() - last_report >= 5:
            last_report = time.monotonic()
            done = sum(1 for v in votes if v.status)
            log(f"{target.name}: {i + 1}/{total} votes sent, {done} answered, {len(tasks)} in flight")
    sending = time.monotonic() - t0
    if tasks:
        await asyncio.wait(list(tasks), timeout=opts.ack_timeout)
    for task in list(tasks):
        task.cancel()
    for pool in http:
        pool.close()

    # Let the last changes reach everyone (bounded), then compare with the database.
    settle_deadline = time.monotonic() + opts.settle_seconds
    expected = tuple(acked_on)
    while time.monotonic() < settle_deadline:
        if all(w.last == expected for w in screens) and all(w.last == expected for w in phones):
            break
        await asyncio.sleep(0.05)
    await asyncio.sleep(2 * opts.interval)  # anything still on its way arrives
    window = time.monotonic() - t0
    cpu_after, usage_after = sampler.cpu_seconds(), resource.getrusage(resource.RUSAGE_SELF)
    open_at_end = sum(1 for s in sockets if not s.closed)
    database = await asyncio.to_thread(target.final_tallies)
    gc.unfreeze()
    for client in sockets:
        client.close()
    await asyncio.sleep(0.5)

    stats = measure.summarise(votes, screens, phones)
    in_db = tuple(database.get(pid, 0) for pid in ids)
    loadgen_cpu = (usage_after.ru_utime + usage_after.ru_stime - usage_before.ru_utime - usage_before.ru_stime)
    return {
        **stats,
        "votes_sent": len(votes), "votes_acked": sum(1 for v in votes if v.status == 200),
        "votes_skipped": skipped, "vote_errors": statuses,
        "send_seconds": round(sending, 2),
        "final_tallies_match": all(w.last == in_db for w in screens),
        "db_matches_acks": in_db == expected,
        "screen_tallies": [list(w.last) for w in screens], "db_tallies": list(in_db),
        "websockets": len(sockets), "websockets_open_at_end": open_at_end,
        "connect_seconds": round(connect_seconds, 1),
        "deflate": compressed,
        "phone_message_bytes": int(statistics.median(sizes["phone"])) if sizes["phone"] else None,
        "screen_message_bytes": int(statistics.median(sizes["screen"])) if sizes["screen"] else None,
        "server_cpu_pct": round(100 * (cpu_after - cpu_before) / window, 1),
        "loadgen_cpu_pct": round(100 * loadgen_cpu / window, 1),
    }


def pinning(opts: Options) -> tuple[set[int] | None, set[int] | None]:
    if not opts.cpu_split:
        return None, None
    split = procs.cpu_split()
    if split is None:
        log("--cpu-split ignored: fewer than 2 cores")
        return None, None
    servers, loadgen = split
    os.sched_setaffinity(0, loadgen)
    log(f"pinned: servers on cores {sorted(servers)}, load generator on cores {sorted(loadgen)}")
    return servers, loadgen


async def run_target(opts: Options, target: Target) -> dict[str, Any]:
    sampler = procs.Sampler(target.servers)
    sampler.start()
    try:
        result = await drive(opts, target, sampler)
    finally:
        sampler.stop()
    result["server_rss_mb"] = round(sampler.peak_total_rss / 2**20, 1)
    result["server_rss_mb_by_process"] = {k: round(v / 2**20, 1) for k, v in sampler.peak_rss.items()}
    return result


async def main_async(opts: Options) -> dict[str, Any]:
    fd_limit = procs.raise_fd_limit()
    if fd_limit < 2 * opts.clients + 200:
        log(f"warning: the file-descriptor limit is {fd_limit}; {opts.clients} phones need about "
            f"{opts.clients + 100} here and as many in the server (raise `ulimit -n`)")
    server_cores, loadgen_cores = pinning(opts)
    votes_per_participant = math.ceil(opts.rate * opts.seconds / opts.clients) + 1
    budget = max(10, 2 * votes_per_participant)
    if budget > 1000:
        raise SystemExit(f"{votes_per_participant} votes per participant is more than a workshop's budget "
                         "allows (1000): use more --clients or fewer --rate x --seconds.")
    workdir = Path(tempfile.mkdtemp(prefix="ruamkit-bench-"))
    result: dict[str, Any] = {
        "clients": opts.clients, "rate": opts.rate, "seconds": opts.seconds, "workers": opts.workers,
        "projects": opts.projects, "interval": opts.interval,
        "database": "postgresql" if (opts.database_url or "").startswith("postgresql") else "sqlite",
        "redis": bool(opts.redis_url), "server_env": opts.server_env,
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "cpu_split": {"servers": sorted(server_cores), "loadgen": sorted(loadgen_cores)} if server_cores else None,
    }
    try:
        servers, _url = start_ruamkit(opts, workdir, server_cores)
        try:
            target = await setup_ruamkit(opts, servers, budget)
            log(f"ruamkit: {opts.clients} participants joined; connecting websockets")
            result.update(await run_target(opts, target))
        finally:
            for server in servers:
                server.stop()
        log(f"ruamkit: p95 ack {result['p95_ack_ms']} ms, p95 screen {result['p95_screen_ms']} ms, "
            f"p95 phone {result['p95_phone_ms']} ms, CPU {result['server_cpu_pct']} %, "
            f"RSS {result['server_rss_mb']} MB")
        if opts.baseline:
            deflate = str(opts.server_env.get("RUAMKIT_WS_PER_MESSAGE_DEFLATE", "")).lower() in ("1", "true", "yes")
            target = start_baseline(opts, workdir, server_cores, result["phone_message_bytes"] or 600,
                                    result["screen_message_bytes"] or 6000, deflate)
            log(f"baseline: ready on port {target.servers[0].port}; connecting websockets")
            try:
                base = await run_target(opts, target)
            finally:
                target.servers[0].stop()
            log(f"baseline: p95 ack {base['p95_ack_ms']} ms, p95 screen {base['p95_screen_ms']} ms, "
                f"p95 phone {base['p95_phone_ms']} ms, CPU {base['server_cpu_pct']} %")
            result.update({
                "baseline_p50_ms": base["p50_screen_ms"], "baseline_p95_ms": base["p95_screen_ms"],
                "baseline_p95_phone_ms": base["p95_phone_ms"], "baseline_p95_ack_ms": base["p95_ack_ms"],
                "baseline_votes_acked": base["votes_acked"], "baseline_server_cpu_pct": base["server_cpu_pct"],
                "baseline_server_rss_mb": base["server_rss_mb"],
                "baseline_screen_delivery": base["screen_delivery"],
                "ratio_p95": _ratio(result["p95_screen_ms"], base["p95_screen_ms"]),
                "ratio_p95_phone": _ratio(result["p95_phone_ms"], base["p95_phone_ms"]),
            })
        else:
            result.update({"baseline_p95_ms": None, "ratio_p95": None})
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return result


def _ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 2) if a is not None and b else None


def main(opts: Options) -> dict[str, Any]:
    """Run the benchmark; prints progress, then the result as the last line (one JSON object)."""
    try:
        import uvloop

        loop_factory: Any = uvloop.new_event_loop
    except ImportError:  # pragma: no cover
        loop_factory = None
    # Stopped with SIGTERM (a timeout, CI): unwind normally, so the servers we started stop too.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    with asyncio.Runner(loop_factory=loop_factory) as runner:
        result = runner.run(main_async(opts))
    sys.stdout.flush()
    print(json.dumps(result, ensure_ascii=False), flush=True)
    return result
