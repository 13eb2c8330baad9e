"""`python -m bench.handshakes`: the server's CPU per phone websocket handshake and snapshot.

What a restart's reconnect storm costs the server, one phone at a time: N phones join through
the page, then open their websocket (as the page does) and wait for the snapshot, in rounds;
each round closes them all again. Printed per round: the server process's CPU (user + system,
from /proc) spent opening the N sockets, divided by N. The first round also fills whatever the
server keeps, as the first phones after a restart do; the later rounds are the steady cost.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import procs
from bench.phone import Phone
from bench.run import Options, join_through_the_page, log, make_workshop, start_ruamkit
from bench.wsclient import WsClient, connect


async def open_all(devices: list[Phone], concurrency: int) -> list[WsClient]:
    """Every phone opens its socket and holds it until its first message (the snapshot) came."""
    gate = asyncio.Semaphore(concurrency)
    loop = asyncio.get_running_loop()

    async def one(device: Phone) -> WsClient:
        snapshot: asyncio.Future[None] = loop.create_future()

        def on_message(client: WsClient, data: bytes, now: float) -> None:
            if not snapshot.done():
                snapshot.set_result(None)

        async with gate:
            client = await connect(f"ws://{device.host}{device.ws_path}", on_message, timeout=60,
                                   headers=device.websocket_headers())
            await asyncio.wait_for(snapshot, 60)
            return client

    return await asyncio.gather(*(one(d) for d in devices))


async def measure(phones: int, rounds: int, concurrency: int) -> dict[str, Any]:
    # Every simulated phone comes from 127.0.0.1: a limit that is still counted, never reached.
    opts = Options(clients=phones, projects=20, server_env={"RUAMKIT_RATE_WS_CONNECT_PER_ADDRESS": "1000000"})
    workdir = Path(tempfile.mkdtemp(prefix="ruamkit-bench-handshakes-"))
    servers = start_ruamkit(opts, workdir, None)
    try:
        scene = await make_workshop(opts, servers, budget=10)
        devices = [Phone(host=f"127.0.0.1:{servers[0].port}", code=scene["code"]) for _ in range(phones)]
        joined = await join_through_the_page(opts, servers, devices)
        log(f"{phones} phones joined in {joined:.1f} s")
        cpu = procs.Sampler(servers)
        per_round = []
        for index in range(rounds):
            await asyncio.sleep(1.0)  # let the joins' and last round's closing work finish
            before, started = cpu.cpu_seconds(), time.monotonic()
            clients = await open_all(devices, concurrency)
            spent, took = cpu.cpu_seconds() - before, time.monotonic() - started
            per_round.append(round(1000 * spent / phones, 2))
            log(f"round {index + 1}: {phones} handshakes + snapshots in {took:.1f} s, server CPU "
                f"{spent:.2f} s = {per_round[-1]} ms each")
            for client in clients:
                client.close()
        steady = sorted(per_round[1:] or per_round)
        return {"scenario": "handshakes", "phones": phones, "server_cpu_ms_per_handshake_by_round": per_round,
                "server_cpu_ms_per_handshake_median_after_first": steady[len(steady) // 2],
                "load_average": [round(x, 2) for x in os.getloadavg()]}
    finally:
        for server in servers:
            server.stop()
        shutil.rmtree(workdir, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--phones", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--concurrency", type=int, default=50, help="handshakes in flight at once")
    args = parser.parse_args()
    if not (0 < args.phones <= 10_000 and 0 < args.rounds <= 20 and 0 < args.concurrency <= 1000):
        parser.error("--phones 1..10000, --rounds 1..20, --concurrency 1..1000")
    procs.raise_fd_limit()
    print(json.dumps(asyncio.run(measure(args.phones, args.rounds, args.concurrency))), flush=True)


if __name__ == "__main__":
    main()
