"""`ruamkit bench`: start real servers, hold thousands of phones, tap, and measure.

Everything runs on this machine and talks only to 127.0.0.1. One process (this one) is the
load generator: asyncio (uvloop when present), lean sans-I/O websockets (bench/wsclient.py) and
a lean keep-alive HTTP client (bench/httpclient.py). Every loop is bounded in count and time.
Progress lines go to stdout; the last line printed is one JSON object with the results.

By default (`path="phone"`) each simulated phone is what the phone page does in a browser
(bench/phone.py): it joins through the join form and keeps the cookie, loads the page, opens the
websocket the page opens, fetches its view again when the phase changes, and votes by sending the
+ button's own request. `path="api"` drives the JSON API instead (bearer token, PUT). `browsers`
adds real Chromium phones (bench/browsers.py) that tap + on the real page in the same run.
"""

from __future__ import annotations

import asyncio
import csv
import gc
import gzip
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
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bench import measure, procs
from bench.httpclient import HttpPool
from bench.measure import PHONE_TALLY, Vote, Watcher
from bench.phone import Phone, encode
from bench.wsclient import WsClient, connect

START = time.monotonic()
API = "/api/v1/workshops"
# Real Thai project names (a sample of ThaiME with its licence: tests/data/thaime/SOURCE.md).
TITLES = [procs.ROOT / "tests/data/thaime/projects-sample.csv", procs.ROOT.parent / "shared/data/thaime/projects-sample.csv"]


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
    phone_interval: float = 0.5  # RUAMKIT_PHONE_INTERVAL for ruamkit; the baseline does the same
    baseline: bool = True
    cpu_split: bool = False
    projects: int = 20
    path: str = "phone"  # "phone": what the page sends; "api": the JSON API
    browsers: int = 0  # real Chromium phones beside the simulated ones
    server_env: dict[str, str] = field(default_factory=dict)
    phone_sample: int = 200
    connect_concurrency: int = 100
    join_concurrency: int = 16
    ack_timeout: float = 30.0
    settle_seconds: float = 15.0
    seed: int = 2569
    scenario: str = "storm"  # "storm": taps at a rate; "restart": the server killed under held phones
    groups: int = 0  # breakout groups: phones join groups by their codes; group screens and the event's grid


@dataclass
class Viewer:
    """One websocket to hold: its URL and what the browser adds to the handshake."""

    url: str
    headers: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class Target:
    """A server under load, seen through what the driver needs."""

    name: str
    servers: list[procs.ServerProcess]
    project_ids: list[int]
    screens: list[Viewer]  # one per worker
    phones: list[Viewer]  # one per participant, on that participant's worker
    tap: Callable[[int, int], bytes]  # (participant index, project id) -> the request on the wire
    worker_of: Callable[[int], int]  # participant index -> worker index
    final_tallies: Callable[[], dict[int, int]]
    devices: list[Phone] = field(default_factory=list)  # phone path: what each page knows
    open_voting: Callable[[], Awaitable[None]] | None = None  # phone path: phase -> vote, once all are watching
    code: str = ""
    # With breakout groups: each participant's group, each project position's group, and each
    # screen's group (-1: the event's grid of all groups).
    group_of: Callable[[int], int] | None = None
    project_groups: list[int] | None = None
    screen_groups: list[int] | None = None


def thai_titles(count: int, seed: int, max_length: int) -> list[str]:
    """`count` real Thai project names (line breaks and all), drawn with the seed."""
    path = next((p for p in TITLES if p.exists()), None)
    if path is None:  # an installed ruamkit has no test data: made-up titles of a typical length
        log(f"warning: {TITLES[0]} is not here; the projects get made-up Thai titles")
        return [f"โครงการพัฒนาระบบบริการประชาชนด้วยเทคโนโลยีดิจิทัล ระยะที่ {i + 1}" for i in range(count)]
    with path.open(encoding="utf-8", newline="") as file:
        titles = [row["title"].strip() for row in csv.DictReader(file)]
    titles = [t for t in titles if 0 < len(t) <= max_length]
    return random.Random(seed).sample(titles, count)


def body_of(data: bytes, headers: list[tuple[bytes, bytes]]) -> bytes:
    if any(k.lower() == b"content-encoding" and v.strip() == b"gzip" for k, v in headers):
        return gzip.decompress(data)
    return data


# --- the ruamkit servers ---


def database_url_of(opts: Options, workdir: Path) -> str:
    return opts.database_url or f"sqlite:///{workdir / 'bench.db'}"


def start_ruamkit(opts: Options, workdir: Path, cores: set[int] | None) -> list[procs.ServerProcess]:
    from app import db

    database_url = database_url_of(opts, workdir)
    log(f"migrating {database_url.split('@')[-1]}")
    db.upgrade(database_url)
    servers = []
    for index in range(opts.workers):
        port = procs.free_port()
        env = {**os.environ, "RUAMKIT_DATABASE_URL": database_url,
               "RUAMKIT_PUBLIC_URL": f"http://127.0.0.1:{port}",
               "RUAMKIT_BROADCAST_INTERVAL": str(opts.interval),
               "RUAMKIT_PHONE_INTERVAL": str(opts.phone_interval),
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
    return servers


async def make_workshop(opts: Options, servers: list[procs.ServerProcess], budget: int) -> dict[str, Any]:
    """The facilitator's part, through the API: the workshop, its projects, phase propose."""
    from app.models.project import ProjectCreate

    longest = ProjectCreate.model_json_schema()["properties"]["title"].get("maxLength", 200)
    titles = thai_titles(opts.projects, opts.seed, longest)
    async with httpx.AsyncClient(base_url=servers[0].base, timeout=60) as http:
        created = (await http.post(API, json={
            "title": "ทดสอบรองรับผู้เข้าร่วมจำนวนมาก (bench)", "language": "th",
            "dots_per_participant": budget, "max_dots_per_project": budget,
            "show_live_tallies": True})).raise_for_status().json()
        code, facilitator = created["code"], {"Authorization": f"Bearer {created['facilitator_key']}"}
        info = (await http.get(f"{API}/{code}")).raise_for_status().json()
        strategies = [s["id"] for s in info["strategies"]]
        areas = [r["id"] for r in info["reform_areas"]]
        (await http.put(f"{API}/{code}/phase", json={"phase": "propose"}, headers=facilitator)).raise_for_status()
        project_ids = []
        for i, title in enumerate(titles):
            body = {"title": title, "description": "bench", "agency": "สำนักงานทดสอบ",
                    "strategy_ids": [strategies[i % len(strategies)]] if strategies else [],
                    "reform_area_ids": [areas[i % len(areas)]] if areas else []}
            answer = await http.post(f"{API}/{code}/projects", json=body, headers=facilitator)
            project_ids.append(answer.raise_for_status().json()["id"])
    log(f"workshop {code} with {len(project_ids)} projects titled from real Thai proposals")
    return {"created": created, "code": code, "facilitator": facilitator, "project_ids": project_ids}


def tallies_reader(servers: list[procs.ServerProcess], code: str, facilitator: dict[str, str]) -> Callable[[], dict[int, int]]:
    def final_tallies() -> dict[int, int]:
        answer = httpx.get(f"{servers[0].base}{API}/{code}/results", headers=facilitator, timeout=60)
        return {row["project_id"]: row["dots"] for row in answer.raise_for_status().json()["ranking"]}
    return final_tallies


async def screen_viewer(server: procs.ServerProcess, created: dict[str, Any]) -> Viewer:
    """The big screen as the projector's browser opens it: the secret link, its cookie, its page."""
    pool = HttpPool("127.0.0.1", server.port, max_connections=1)
    host = f"127.0.0.1:{server.port}"
    try:
        path = "/" + created["screen_url"].split("/", 3)[3]
        status, _body, headers = await pool.send(encode(_get(host, path, "")))
        cookie = next(v.decode().split(";", 1)[0] for k, v in headers if k.lower() == b"set-cookie")
        status, body, headers = await pool.send(encode(_get(host, f"/w/{created['code']}/screen", cookie)))
        html = body_of(body, headers).decode()
        ws_path = measure_ws_path(html)
    finally:
        pool.close()
    return Viewer(f"ws://{host}{ws_path}", [("Origin", f"http://{host}"), ("Cookie", cookie)])


def measure_ws_path(html: str) -> str:
    from bench.phone import WS_CONNECT

    found = WS_CONNECT.search(html)
    if not found:
        raise RuntimeError("the page has no ws-connect attribute")
    return found.group(1).replace("&amp;", "&")


def _get(host: str, path: str, cookie: str) -> Any:
    from bench.phone import COMMON, Raw

    return Raw("GET", path, [("Host", host), ("Accept", "text/html"), *([("Cookie", cookie)] if cookie else []),
                             ("Sec-Fetch-Site", "none"), ("Sec-Fetch-Mode", "navigate"), *COMMON])


async def join_through_the_page(opts: Options, servers: list[procs.ServerProcess], devices: list[Phone]) -> float:
    """Every phone joins through its join form (its workshop's or group's code), then loads its
    page as a browser does; returns the seconds it took."""
    pools = [HttpPool("127.0.0.1", s.port, max_connections=opts.join_concurrency) for s in servers]
    queue = iter(range(len(devices)))

    async def joiner() -> None:
        for i in queue:
            phone, pool = devices[i], pools[i % len(pools)]
            status, _body, headers = await pool.send(encode(phone.join(f"ผู้เข้าร่วม {i + 1}", f"หน่วยงาน {i % 25 + 1}")))
            if status != 303:
                raise RuntimeError(f"joining {phone.code} answered {status}")
            phone.took_cookie([v.decode() for k, v in headers if k.lower() == b"set-cookie"])
            status, body, headers = await pool.send(encode(phone.load_page()))
            if status != 200:
                raise RuntimeError(f"the phone page answered {status}")
            phone.read_page(body_of(body, headers).decode())

    started = time.monotonic()
    try:
        await asyncio.wait_for(asyncio.gather(*(joiner() for _ in range(opts.join_concurrency * len(servers)))),
                               timeout=120 + len(devices) * 0.2)
    finally:
        for pool in pools:
            pool.close()
    return time.monotonic() - started


async def setup_phone_path(opts: Options, servers: list[procs.ServerProcess], budget: int) -> Target:
    """Phones join through the page while proposals are open, as in a real room."""
    scene = await make_workshop(opts, servers, budget)
    code, facilitator = scene["code"], scene["facilitator"]
    log(f"joining {opts.clients} phones through the join page")
    devices = [Phone(host=f"127.0.0.1:{servers[i % len(servers)].port}", code=code) for i in range(opts.clients)]
    seconds = await join_through_the_page(opts, servers, devices)
    log(f"{opts.clients} phones joined through the page in {seconds:.1f} s")
    screens = [await screen_viewer(s, scene["created"]) for s in servers]

    async def open_voting() -> None:
        async with httpx.AsyncClient(base_url=servers[0].base, timeout=60) as http:
            (await http.put(f"{API}/{code}/phase", json={"phase": "vote"}, headers=facilitator)).raise_for_status()

    return Target(
        name="ruamkit", servers=servers, project_ids=scene["project_ids"], screens=screens,
        phones=[Viewer(f"ws://{d.host}{d.ws_path}", d.websocket_headers()) for d in devices],
        tap=lambda who, pid: encode(devices[who].tap(pid, 1)), worker_of=lambda i: i % len(servers),
        final_tallies=tallies_reader(servers, code, facilitator), devices=devices, open_voting=open_voting,
        code=code)


async def setup_group_path(opts: Options, servers: list[procs.ServerProcess], budget: int,
                           database_url: str) -> Target:
    """A national event: opts.groups breakout groups of opts.projects projects each; every phone
    joins its group through the group's join page (its code, EVENT-n), taps on its group's
    projects; each group's screen and the event's grid of all groups are watched."""
    from sqlmodel import Session

    from app import db
    from app.config import Settings
    from app.services import groups as groups_service
    from app.services import workshops
    from app.services.access import Actor, Role
    from app.models.project import ProjectCreate

    count = opts.groups
    longest = ProjectCreate.model_json_schema()["properties"]["title"].get("maxLength", 200)
    titles = thai_titles(count * opts.projects, opts.seed, longest)
    async with httpx.AsyncClient(base_url=servers[0].base, timeout=60) as http:
        created = (await http.post(API, json={
            "title": "สมัชชาทดสอบกลุ่มย่อย (bench)", "language": "th", "dots_per_participant": budget,
            "max_dots_per_project": budget, "show_live_tallies": True})).raise_for_status().json()
        code, facilitator = created["code"], {"Authorization": f"Bearer {created['facilitator_key']}"}
        # The groups as the facilitator's console adds them (app/services/groups.add_groups), on
        # the servers' database: the same rows, keys and first rounds.
        engine = db.make_engine(Settings(database_url=database_url))
        try:
            with Session(engine, expire_on_commit=False) as session:
                event = workshops.get_workshop(session, code=code)
                made = groups_service.add_groups(session, event=event, actor=Actor(Role.facilitator),
                                                 names=[f"กลุ่มย่อย {n + 1}" for n in range(count)])
                group_codes = [g.group.code for g in made]
                screen_keys = [g.screen_key for g in made]
        finally:
            engine.dispose()
        project_ids: list[int] = []
        project_groups: list[int] = []
        for g, group_code in enumerate(group_codes):
            (await http.put(f"{API}/{group_code}/phase", json={"phase": "propose"},
                            headers=facilitator)).raise_for_status()
            for i in range(opts.projects):
                body = {"title": titles[g * opts.projects + i], "description": "bench", "strategy_ids": []}
                answer = await http.post(f"{API}/{group_code}/projects", json=body, headers=facilitator)
                project_ids.append(answer.raise_for_status().json()["id"])
                project_groups.append(g)
    log(f"event {code}: {count} groups of {opts.projects} projects titled from real Thai proposals")

    log(f"joining {opts.clients} phones through their groups' join pages")
    devices = [Phone(host=f"127.0.0.1:{servers[i % len(servers)].port}", code=group_codes[i % count])
               for i in range(opts.clients)]
    seconds = await join_through_the_page(opts, servers, devices)
    log(f"{opts.clients} phones joined {count} groups through the page in {seconds:.1f} s")
    screens: list[Viewer] = []
    screen_groups: list[int] = []
    for server in servers:  # the event's grid, then every group's own screen, on each worker
        screens.append(await screen_viewer(server, created))
        screen_groups.append(-1)
        for g, (group_code, key) in enumerate(zip(group_codes, screen_keys, strict=True)):
            screens.append(await screen_viewer(server, {"code": group_code,
                                                        "screen_url": f"{server.base}/w/{group_code}/screen/{key}"}))
            screen_groups.append(g)

    async def open_voting() -> None:
        async with httpx.AsyncClient(base_url=servers[0].base, timeout=60) as http:
            for group_code in group_codes:
                (await http.put(f"{API}/{group_code}/phase", json={"phase": "vote"},
                                headers=facilitator)).raise_for_status()

    def final_tallies() -> dict[int, int]:
        tallies: dict[int, int] = {}
        for group_code in group_codes:
            answer = httpx.get(f"{servers[0].base}{API}/{group_code}/results", headers=facilitator, timeout=60)
            tallies.update({row["project_id"]: row["dots"] for row in answer.raise_for_status().json()["ranking"]})
        return tallies

    return Target(
        name="ruamkit", servers=servers, project_ids=project_ids, screens=screens,
        phones=[Viewer(f"ws://{d.host}{d.ws_path}", d.websocket_headers()) for d in devices],
        tap=lambda who, pid: encode(devices[who].tap(pid, 1)), worker_of=lambda i: i % len(servers),
        final_tallies=final_tallies, devices=devices, open_voting=open_voting, code=code,
        group_of=lambda i: i % count, project_groups=project_groups, screen_groups=screen_groups)


async def setup_api_path(opts: Options, servers: list[procs.ServerProcess], budget: int) -> Target:
    """Participants join and vote through the JSON API (bearer token, PUT); websockets by ?key=."""
    scene = await make_workshop(opts, servers, budget)
    code, facilitator, created = scene["code"], scene["facilitator"], scene["created"]
    tokens: list[str] = [""] * opts.clients
    clients = [httpx.AsyncClient(base_url=s.base, timeout=60) for s in servers]
    queue = iter(range(opts.clients))

    async def joiner() -> None:
        for i in queue:
            http = clients[i % len(clients)]
            answer = await http.post(f"{API}/{code}/participants",
                                     json={"name": f"ผู้เข้าร่วม {i + 1}", "agency": f"หน่วยงาน {i % 25 + 1}"})
            tokens[i] = answer.raise_for_status().json()["participant_token"]

    try:
        await asyncio.wait_for(asyncio.gather(*(joiner() for _ in range(opts.join_concurrency))),
                               timeout=120 + opts.clients * 0.1)
        (await clients[0].put(f"{API}/{code}/phase", json={"phase": "vote"}, headers=facilitator)).raise_for_status()
    finally:
        for http in clients:
            await http.aclose()
    ws = [f"ws://127.0.0.1:{s.port}/ws/workshops/{code}" for s in servers]
    ports = [s.port for s in servers]
    dots: dict[tuple[int, int], int] = {}

    def tap(who: int, pid: int) -> bytes:
        # A set to one more than this participant had: the API's way of saying "+1".
        wanted = dots[(who, pid)] = dots.get((who, pid), 0) + 1
        body = b'{"dots": %d}' % wanted
        return (f"PUT {API}/{code}/votes/{pid} HTTP/1.1\r\nHost: 127.0.0.1:{ports[who % len(ports)]}\r\n"
                f"Authorization: Bearer {tokens[who]}\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(body)}\r\n\r\n").encode() + body

    return Target(
        name="ruamkit", servers=servers, project_ids=scene["project_ids"],
        screens=[Viewer(f"{u}?key={created['screen_key']}&view=screen") for u in ws],
        phones=[Viewer(f"{ws[i % len(ws)]}?key={t}&view=phone") for i, t in enumerate(tokens)],
        tap=tap, worker_of=lambda i: i % len(servers), final_tallies=tallies_reader(servers, code, facilitator),
        code=code)


# --- the bare baseline ---


def start_baseline(opts: Options, workdir: Path, cores: set[int] | None, sizes: dict[str, int],
                   deflate: bool) -> Target:
    """The bare baseline (bench/baseline.py) for the same job: one room, or with opts.groups that
    many rooms at once and their grid, watched as ruamkit's groups are (setup_group_path)."""
    port = procs.free_port()
    argv = procs.python_argv("-m", "bench.baseline", "--port", str(port), "--interval", str(opts.interval),
                             "--phone-interval", str(opts.phone_interval),
                             "--projects", str(opts.projects), "--phone-bytes", str(sizes["phone"]),
                             "--screen-bytes", str(sizes["screen"]), "--tap-bytes", str(sizes["tap"]),
                             "--groups", str(opts.groups), "--grid-bytes", str(sizes.get("grid", 0)),
                             *(["--deflate"] if deflate else []))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(procs.ROOT), os.environ.get("PYTHONPATH")]))}
    server = procs.ServerProcess("baseline", argv, port=port, env=env, cores=cores,
                                 log_path=workdir / "baseline.log", cwd=workdir)
    server.wait_ready("/tallies")
    count = opts.groups
    project_ids = list(range(1, opts.projects * max(1, count) + 1))
    host = f"127.0.0.1:{port}"
    devices = [Phone(host=host, code="BENCH", cookie=f"rk_p_BENCH=bench-{i}") for i in range(opts.clients)]

    dots: dict[tuple[int, int], int] = {}

    def tap(who: int, pid: int) -> bytes:
        if opts.path == "phone":  # the + button's request, with the phone's cookie
            return encode(devices[who].tap(pid, 1))
        wanted = dots[(who, pid)] = dots.get((who, pid), 0) + 1
        body = b'{"dots": %d}' % wanted
        return (f"PUT /votes/{pid} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer bench-{who}\r\n"
                f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n").encode() + body

    def final_tallies() -> dict[int, int]:
        answer = httpx.get(f"{server.base}/tallies", timeout=60).raise_for_status().json()
        return {int(k): v for k, v in answer.items()}

    ws = f"ws://{host}/ws"
    if count:  # the grid, then every room's screen; participant i in room i % count, as ruamkit's
        return Target(name="baseline", servers=[server], project_ids=project_ids,
                      screens=[Viewer(f"{ws}?view=grid"),
                               *(Viewer(f"{ws}?view=screen&group={g}") for g in range(count))],
                      phones=[Viewer(f"{ws}?view=phone&group={i % count}", d.websocket_headers())
                              for i, d in enumerate(devices)],
                      tap=tap, worker_of=lambda i: 0, final_tallies=final_tallies,
                      group_of=lambda i: i % count, project_groups=[(p - 1) // opts.projects for p in project_ids],
                      screen_groups=[-1, *range(count)])
    return Target(name="baseline", servers=[server], project_ids=project_ids,
                  screens=[Viewer(f"{ws}?view=screen")],
                  phones=[Viewer(f"{ws}?view=phone", d.websocket_headers()) for d in devices],
                  tap=tap, worker_of=lambda i: 0, final_tallies=final_tallies)


# --- the load ---


async def drive(opts: Options, target: Target, sampler: procs.Sampler, browsers: Any = None) -> dict[str, Any]:
    """Connect phones and screens, open voting, tap at the rate for the duration, measure, disconnect."""
    k = len(target.project_ids)
    position_of = {pid: i for i, pid in enumerate(target.project_ids)}
    project_groups, group_of = target.project_groups, target.group_of
    group_count = max(project_groups) + 1 if project_groups else 0
    positions_in: list[list[int]] = [[] for _ in range(group_count)]
    for position, g in enumerate(project_groups or []):
        positions_in[g].append(position)
    if target.screen_groups is not None:  # the grid: a total per group; a group's screen: its total
        screens = [Watcher(group_count, by_group=True) if g < 0 else Watcher(1, total=True, group=g)
                   for g in target.screen_groups]
    else:
        screens = [Watcher(1, total=True) for _ in target.screens]
    screen_rows: list[dict[int, int]] = [{} for _ in target.screens]
    step = max(1, opts.clients // max(1, opts.phone_sample))
    phones = [Watcher(k, record=(i % step == 0), group=group_of(i) if group_of else None)
              for i in range(opts.clients)]
    parsed_phone: dict[bytes, tuple[tuple[int, ...], bytes | None]] = {}
    sizes: dict[str, list[int]] = {"phone": [], "screen": [], "grid": [], "tap": []}
    ids = target.project_ids
    pools = [HttpPool("127.0.0.1", s.port, max_connections=256) for s in target.servers]
    redraws: dict[str, Any] = {"sent": 0, "failed": 0, "in_flight": set()}
    loop = asyncio.get_running_loop()

    async def redraw(who: int) -> None:
        device = target.devices[who]
        try:
            status, body, headers = await pools[target.worker_of(who)].send(encode(device.redraw()), timeout=120)
            if status == 200:
                device.read_main(body_of(body, headers))
            else:
                redraws["failed"] += 1
        except (OSError, asyncio.TimeoutError):
            redraws["failed"] += 1
        finally:
            redraws["in_flight"].discard(who)

    def phone_message(client: WsClient, data: bytes, now: float) -> None:
        seen = parsed_phone.get(data)
        if seen is None:
            if len(parsed_phone) > 5000:
                parsed_phone.clear()
            sync = measure.PHONE_SYNC.search(data)
            seen = parsed_phone[data] = (measure.parse(PHONE_TALLY, data, ids), sync.group(1) if sync else None)
            sizes["phone"].append(len(data))
        who, watcher = client.tag  # type: ignore[misc]
        watcher.saw(seen[0], now)
        # The page fetches its phase view again when the shared version moves on (app.js).
        if target.devices and seen[1] is not None and seen[1] != target.devices[who].main_version \
                and who not in redraws["in_flight"]:
            redraws["in_flight"].add(who)
            redraws["sent"] += 1
            loop.create_task(redraw(who))

    def screen_message(client: WsClient, data: bytes, now: float) -> None:
        index, watcher = client.tag  # type: ignore[misc]
        sizes["grid" if watcher.by_group else "screen"].append(len(data))
        watcher.saw(measure.grid_totals(data, group_count) if watcher.by_group else measure.screen_total(data), now)
        screen_rows[index] = measure.screen_rows(data)

    sockets: list[WsClient] = []
    limiter = asyncio.Semaphore(opts.connect_concurrency)

    async def open_one(viewer: Viewer, tag: Any, handler: Callable[[WsClient, bytes, float], None]) -> None:
        async with limiter:
            sockets.append(await connect(viewer.url, handler, timeout=60, tag=tag, headers=viewer.headers))

    started = time.monotonic()
    await asyncio.wait_for(asyncio.gather(
        *(open_one(v, (i, w), screen_message) for i, (v, w) in enumerate(zip(target.screens, screens))),
        *(open_one(v, (i, w), phone_message) for i, (v, w) in enumerate(zip(target.phones, phones)))),
        timeout=120 + opts.clients * 0.05)
    connect_seconds = time.monotonic() - started
    compressed = any(s.compressed for s in sockets)
    log(f"{target.name}: {len(sockets)} websockets open in {connect_seconds:.1f} s "
        f"(per-message deflate {'on' if compressed else 'off'}); waiting for snapshots")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and any(w.messages == 0 for w in [*screens, *phones]):
        await asyncio.sleep(0.1)

    redrawn_seconds = None
    if target.open_voting is not None:
        # Voting opens with every phone watching: each page fetches its ballot, as real phones do.
        if browsers is not None:
            await browsers.wait_ready()
        opened = time.monotonic()
        await target.open_voting()
        deadline = opened + 180
        while time.monotonic() < deadline and not all(d.buttons for d in target.devices):
            await asyncio.sleep(0.1)
        while time.monotonic() < deadline and redraws["in_flight"]:
            await asyncio.sleep(0.05)
        redrawn_seconds = round(time.monotonic() - opened, 2)
        ready = sum(1 for d in target.devices if d.buttons)
        log(f"{target.name}: voting open; {ready}/{len(target.devices)} phones drew their ballot in "
            f"{redrawn_seconds} s ({redraws['sent']} redraws, {redraws['failed']} failed)")
        if ready < len(target.devices):
            raise RuntimeError(f"only {ready} of {len(target.devices)} phones drew their ballot within 180 s")
        await asyncio.sleep(1.0)
    for watcher in [*screens, *phones]:  # snapshots and the phase change are not part of the measurement
        watcher.arrivals.clear()
    for key in sizes:
        sizes[key].clear()
    gc.collect()
    gc.freeze()  # our own bookkeeping is large and long-lived: keep the collector off it

    # Open-loop taps: tap i is sent at t0 + i/rate whatever happened to earlier ones.
    total = int(opts.rate * opts.seconds)
    rng = random.Random(opts.seed)
    busy = [False] * opts.clients
    acked_on = [0] * k
    acked_total = [0]
    acked_in = [0] * group_count  # per breakout group
    votes: list[Vote] = []
    statuses: dict[str, int] = {}
    tasks: set[asyncio.Task[None]] = set()
    skipped = 0

    def acknowledged(record: Vote) -> None:
        acked_on[record.project] += 1
        acked_total[0] += 1
        record.nth, record.seq = acked_on[record.project], acked_total[0]
        if record.group >= 0:
            acked_in[record.group] += 1
            record.group_seq = acked_in[record.group]

    async def tap(who: int, position: int) -> None:
        worker = target.worker_of(who)
        record = Vote(project=position, send=time.monotonic(), worker=worker,
                      group=project_groups[position] if project_groups else -1)
        votes.append(record)
        try:
            record.status, body, _headers = await pools[worker].send(target.tap(who, ids[position]),
                                                                      timeout=opts.ack_timeout)
            if len(sizes["tap"]) < 1000:
                sizes["tap"].append(len(body))
        except (OSError, asyncio.TimeoutError) as exc:
            record.status = -1
            statuses[type(exc).__name__] = statuses.get(type(exc).__name__, 0) + 1
        record.ack = time.monotonic()
        if record.status == 200:
            acknowledged(record)
        elif record.status != -1:
            statuses[str(record.status)] = statuses.get(str(record.status), 0) + 1
        busy[who] = False

    cpu_before, usage_before = sampler.cpu_seconds(), resource.getrusage(resource.RUSAGE_SELF)
    t0 = time.monotonic() + 0.2
    browser_task = None
    if browsers is not None:
        browser_task = loop.create_task(browsers.tap(t0, opts.seconds, position_of, votes, acknowledged))
    next_who = 0
    last_report = t0
    for i in range(total):
        delay = t0 + i / opts.rate - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        for _ in range(opts.clients):  # the next participant with no tap in flight
            if not busy[next_who]:
                break
            next_who = (next_who + 1) % opts.clients
        else:
            skipped += 1
            continue
        who, next_who = next_who, (next_who + 1) % opts.clients
        busy[who] = True
        # With groups, a phone taps its own group's projects only (it sees no others).
        position = rng.choice(positions_in[group_of(who)]) if group_of else rng.randrange(k)
        task = loop.create_task(tap(who, position))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
        if time.monotonic() - last_report >= 5:
            last_report = time.monotonic()
            done = sum(1 for v in votes if v.status)
            log(f"{target.name}: {i + 1}/{total} taps sent, {done} answered, {len(tasks)} in flight")
    sending = time.monotonic() - t0
    if tasks:
        await asyncio.wait(list(tasks), timeout=opts.ack_timeout)
    for task in list(tasks):
        task.cancel()
    if browser_task is not None:
        await asyncio.wait_for(browser_task, timeout=opts.ack_timeout + 30)
    for pool in pools:
        pool.close()

    # Let the last changes reach everyone (bounded), then compare with the database.
    settle_deadline = time.monotonic() + opts.settle_seconds
    expected = tuple(acked_on)

    def screen_expected(watcher: Watcher) -> tuple[int, ...]:
        if watcher.by_group:
            return tuple(acked_in)
        return (acked_in[watcher.group],) if watcher.group is not None else (acked_total[0],)

    def phone_settled(watcher: Watcher) -> bool:
        if watcher.group is None:
            return watcher.last == expected
        return bool(watcher.last) and all(watcher.last[p] == expected[p] for p in positions_in[watcher.group])

    while time.monotonic() < settle_deadline:
        if all(w.last == screen_expected(w) for w in screens) and all(phone_settled(w) for w in phones):
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

    stats = measure.summarise(votes, screens, phones, project_groups)
    in_db = tuple(database.get(pid, 0) for pid in ids)
    in_db_by_group = [sum(in_db[p] for p in positions) for positions in positions_in]
    shown_match = all(rows and all(database.get(pid, 0) == n for pid, n in rows.items())
                      for w, rows in zip(screens, screen_rows, strict=True) if not w.by_group)

    def screen_matches_db(watcher: Watcher) -> bool:
        if watcher.by_group:
            return watcher.last == tuple(in_db_by_group)
        if watcher.group is not None:
            return watcher.last == (in_db_by_group[watcher.group],)
        return watcher.last == (sum(in_db),)
    loadgen_cpu = (usage_after.ru_utime + usage_after.ru_stime - usage_before.ru_utime - usage_before.ru_stime)
    simulated = [v for v in votes if v.source == "simulated"]
    result = {
        **stats,
        "votes_sent": len(simulated), "votes_acked": sum(1 for v in simulated if v.status == 200),
        "votes_skipped": skipped, "vote_errors": statuses,
        "send_seconds": round(sending, 2),
        "final_tallies_match": shown_match and all(screen_matches_db(w) for w in screens),
        "phones_final_match": round(sum(1 for w in phones if (w.last == in_db if w.group is None else (
            bool(w.last) and all(w.last[p] == in_db[p] for p in positions_in[w.group])))) / max(1, len(phones)), 4),
        "db_matches_acks": in_db == expected,
        "screen_totals": [w.last[0] if w.last else None for w in screens], "db_total": sum(in_db),
        "db_tallies": list(in_db),
        "websockets": len(sockets), "websockets_open_at_end": open_at_end,
        "connect_seconds": round(connect_seconds, 1),
        "ballots_drawn_seconds": redrawn_seconds,
        "deflate": compressed,
        "phone_message_bytes": int(statistics.median(sizes["phone"])) if sizes["phone"] else None,
        "screen_message_bytes": int(statistics.median(sizes["screen"])) if sizes["screen"] else None,
        "grid_message_bytes": int(statistics.median(sizes["grid"])) if sizes["grid"] else None,
        "tap_answer_bytes": int(statistics.median(sizes["tap"])) if sizes["tap"] else None,
        "server_cpu_pct": round(100 * (cpu_after - cpu_before) / window, 1),
        "loadgen_cpu_pct": round(100 * loadgen_cpu / window, 1),
    }
    if target.screen_groups is not None:  # the event's grid apart from the groups' own screens
        by_screen = stats["p95_screen_ms_by_screen"]
        assert isinstance(by_screen, list)
        grids = [x for x, g in zip(by_screen, target.screen_groups, strict=True) if g < 0]
        result["groups"] = group_count
        result["p95_grid_ms"] = max((x for x in grids if x is not None), default=None)
        group_lat = [x for x, g in zip(by_screen, target.screen_groups, strict=True) if g >= 0 and x is not None]
        result["p95_group_screen_ms_worst"] = max(group_lat, default=None)
    if browsers is not None:
        result["browsers"] = browsers.summary(votes, screens, stats)
    return result


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


async def run_target(opts: Options, target: Target, browsers: Any = None) -> dict[str, Any]:
    sampler = procs.Sampler(target.servers)
    sampler.start()
    try:
        result = await drive(opts, target, sampler, browsers)
    finally:
        sampler.stop()
    result["server_rss_mb"] = round(sampler.peak_total_rss / 2**20, 1)
    result["server_rss_mb_by_process"] = {k: round(v / 2**20, 1) for k, v in sampler.peak_rss.items()}
    return result


def budget_for(opts: Options) -> int:
    votes_per_participant = math.ceil(opts.rate * opts.seconds / opts.clients) + 1
    from bench.browsers import TAPS_PER_BROWSER

    budget = max(10, 2 * votes_per_participant, TAPS_PER_BROWSER + 2 if opts.browsers else 0)
    if budget > 1000:
        raise SystemExit(f"{votes_per_participant} votes per participant is more than a workshop's budget "
                         "allows (1000): use more --clients or fewer --rate x --seconds.")
    return budget


async def main_async(opts: Options) -> dict[str, Any]:
    if opts.scenario == "restart":
        from bench import restart

        return await restart.run(opts)
    if opts.path not in ("phone", "api"):
        raise SystemExit("--path is 'phone' (what the page sends, the default) or 'api'.")
    if opts.browsers and opts.path != "phone":
        raise SystemExit("--browsers needs --path phone: real phones use the page.")
    if opts.groups and (opts.path != "phone" or opts.browsers):
        raise SystemExit("--groups simulates phones as the page does: use --path phone, without --browsers.")
    if opts.groups and opts.groups > opts.clients:
        raise SystemExit("--groups needs at least one phone per group (--clients).")
    fd_limit = procs.raise_fd_limit()
    if fd_limit < 2 * opts.clients + 200:
        log(f"warning: the file-descriptor limit is {fd_limit}; {opts.clients} phones need about "
            f"{opts.clients + 100} here and as many in the server (raise `ulimit -n`)")
    server_cores, loadgen_cores = pinning(opts)
    budget = budget_for(opts)
    workdir = Path(tempfile.mkdtemp(prefix="ruamkit-bench-"))
    result: dict[str, Any] = {
        "path": opts.path, "clients": opts.clients, "rate": opts.rate, "seconds": opts.seconds,
        "workers": opts.workers, "projects": opts.projects, "groups": opts.groups, "browsers": opts.browsers, "interval": opts.interval, "phone_interval": opts.phone_interval,
        "database": "postgresql" if (opts.database_url or "").startswith("postgresql") else "sqlite",
        "redis": bool(opts.redis_url), "server_env": opts.server_env,
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "cpu_split": {"servers": sorted(server_cores), "loadgen": sorted(loadgen_cores)} if server_cores else None,
    }
    try:
        servers = start_ruamkit(opts, workdir, server_cores)
        browsers = None
        try:
            if opts.groups:
                target = await setup_group_path(opts, servers, budget, database_url_of(opts, workdir))
            else:
                setup = setup_phone_path if opts.path == "phone" else setup_api_path
                target = await setup(opts, servers, budget)
            if opts.browsers:
                from bench.browsers import BrowserPhones

                browsers = BrowserPhones(opts.browsers, [s.base for s in servers], target.code, workdir)
                await browsers.start()
            log(f"ruamkit: {opts.clients} participants joined; connecting websockets")
            result.update(await run_target(opts, target, browsers))
        finally:
            if browsers is not None:
                await browsers.stop()
            for server in servers:
                server.stop()
        log(f"ruamkit: p95 ack {result['p95_ack_ms']} ms, p95 screen {result['p95_screen_ms']} ms, "
            f"p95 phone {result['p95_phone_ms']} ms, CPU {result['server_cpu_pct']} %, "
            f"RSS {result['server_rss_mb']} MB")
        if opts.groups:
            log(f"ruamkit, {opts.groups} groups: p95 grid {result['p95_grid_ms']} ms, worst group screen's p95 "
                f"{result['p95_group_screen_ms_worst']} ms")
        if opts.baseline:
            deflate = str(opts.server_env.get("RUAMKIT_WS_PER_MESSAGE_DEFLATE", "")).lower() in ("1", "true", "yes")
            sizes = {"phone": result["phone_message_bytes"] or 600, "screen": result["screen_message_bytes"] or 6000,
                     "tap": result["tap_answer_bytes"] or 100, "grid": result["grid_message_bytes"] or 0}
            target = start_baseline(opts, workdir, server_cores, sizes, deflate)
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
            if opts.groups:  # the same rooms at once: group screens against its rooms, grid against its grid
                result.update({
                    "baseline_p95_grid_ms": base["p95_grid_ms"],
                    "baseline_p95_group_screen_ms_worst": base["p95_group_screen_ms_worst"],
                    "ratio_p95_grid": _ratio(result["p95_grid_ms"], base["p95_grid_ms"]),
                    "ratio_p95_group_screens": _ratio(result["p95_group_screen_ms_worst"],
                                                      base["p95_group_screen_ms_worst"]),
                })
                log(f"baseline, {opts.groups} rooms: p95 grid {base['p95_grid_ms']} ms, worst room screen's p95 "
                    f"{base['p95_group_screen_ms_worst']} ms; ratios: grid {result['ratio_p95_grid']}, "
                    f"group screens {result['ratio_p95_group_screens']}, all screens {result['ratio_p95']}")
        else:
            result.update({"baseline_p95_ms": None, "ratio_p95": None})
    except BaseException:
        # The servers' and the browser phones' logs say why a run failed: keep them.
        log(f"the run failed; its logs are kept in {workdir}")
        raise
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
