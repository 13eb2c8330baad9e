"""Measure what the heavy outputs cost on a real server: the report PDF, the XLSX export and the
public results of an imported workshop (issue 10's hostile import and a 400-project workshop).

    .venv/bin/python scripts/measure_outputs.py [--case attack|mid|ceiling|small] [--timeout 60]
        [--max-rss-mb 4000] [--once]

Starts `uvicorn app.main:app` on a free port of 127.0.0.1 with a SQLite file of its own, imports
the workshop through POST /api/v1/workshops/import, asks for each output once (twice for the
cached ones) and prints one JSON line per output: status, seconds, and the peak memory of the
server with its render workers (RSS summed over the process tree, sampled every 0.1 s). A request
that runs past --timeout, or a server past --max-rss-mb, is abandoned and the server killed.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.outputs.big import ATTACK, CEILING, MID, SMALL, big_export, body  # noqa: E402

CASES = {"attack": ATTACK, "mid": MID, "ceiling": CEILING, "small": SMALL}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def tree_rss(process: psutil.Process) -> int:
    total = 0
    for p in [process, *process.children(recursive=True)]:
        try:
            total += p.memory_info().rss
        except psutil.Error:
            pass
    return total


class Watch:
    """Peak RSS of the server's process tree while a request runs; kills it past the ceiling."""

    def __init__(self, pid: int, max_rss: int) -> None:
        self.process, self.max_rss = psutil.Process(pid), max_rss
        self.peak, self.killed, self._stop = 0, False, threading.Event()

    def __enter__(self) -> "Watch":
        self.peak = tree_rss(self.process)
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(0.1):
            rss = tree_rss(self.process)
            self.peak = max(self.peak, rss)
            if rss > self.max_rss:
                self.killed = True
                for p in [*self.process.children(recursive=True), self.process]:
                    p.kill()
                return

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--case", choices=CASES, default="attack")
    parser.add_argument("--timeout", type=float, default=60)
    parser.add_argument("--max-rss-mb", type=float, default=4000)
    parser.add_argument("--once", action="store_true", help="ask for each output once (no cache check)")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="ruamkit-measure-"))
    url = f"sqlite:///{folder}/ruamkit.db"
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("RUAMKIT_")}
    env.update(RUAMKIT_DATABASE_URL=url, RUAMKIT_AUTO_MIGRATE="true", RUAMKIT_PUBLIC_URL=f"http://127.0.0.1:{port}")
    log = (folder / "server.log").open("wb")
    server = subprocess.Popen([sys.executable, "-m", "uvicorn", "app.main:app", "--host", "127.0.0.1",
                               "--port", str(port), "--log-level", "warning"], cwd=ROOT, env=env,
                              stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if httpx.get(f"{base}/openapi.json", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        payload = body(big_export(**CASES[args.case]))
        with httpx.Client(base_url=base, timeout=args.timeout) as http:
            started = time.monotonic()
            made = http.post("/api/v1/workshops/import", content=payload,
                             headers={"Content-Type": "application/json"})
            print(json.dumps({"case": args.case, "output": "import", "bytes": len(payload),
                              "status": made.status_code, "seconds": round(time.monotonic() - started, 2),
                              **({} if made.status_code == 201 else {"detail": made.text[:300]})}), flush=True)
            if made.status_code != 201:
                return
            keys = made.json()
            code = keys["code"]
            http.get(f"/w/{code}/facilitate/{keys['facilitator_key']}")  # the cookie
            facilitator = {"Authorization": f"Bearer {keys['facilitator_key']}"}
            asks = [
                ("results", f"/api/v1/workshops/{code}/results", {}),
                ("results again", f"/api/v1/workshops/{code}/results", {}),
                ("report page", f"/w/{code}/facilitate/report", {}),
                ("xlsx", f"/api/v1/workshops/{code}/export?format=xlsx", facilitator),
                ("xlsx again", f"/api/v1/workshops/{code}/export?format=xlsx", facilitator),
                ("pdf", f"/w/{code}/facilitate/report.pdf", {}),
                ("pdf again", f"/w/{code}/facilitate/report.pdf", {}),
            ]
            for name, path, headers in asks:
                if args.once and name.endswith(" again"):
                    continue
                with Watch(server.pid, int(args.max_rss_mb * 2**20)) as watch:
                    started = time.monotonic()
                    try:
                        answer = http.get(path, headers=headers)
                        status: object = answer.status_code
                        extra = {} if answer.status_code == 200 else {"detail": answer.text[:300]}
                        extra["retry_after"] = answer.headers.get("retry-after")
                    except httpx.HTTPError as exc:
                        status, extra = type(exc).__name__, {}
                    seconds = time.monotonic() - started
                print(json.dumps({"case": args.case, "output": name, "status": status, "seconds": round(seconds, 2),
                                  "peak_rss_mb": round(watch.peak / 2**20), "killed_over_rss": watch.killed,
                                  **extra}, ensure_ascii=False), flush=True)
                if watch.killed or server.poll() is not None:
                    return
                if status == 202 or extra.get("retry_after"):
                    # A render in the background: ask again until it is ready (bounded).
                    for _ in range(int(args.timeout)):
                        time.sleep(1)
                        again = http.get(path, headers=headers)
                        if again.status_code != 202 and not again.headers.get("retry-after"):
                            print(json.dumps({"case": args.case, "output": name + " (ready)",
                                              "status": again.status_code,
                                              "seconds": round(time.monotonic() - started, 2),
                                              "peak_rss_mb": round(watch.peak / 2**20)}), flush=True)
                            break
        # How long the server takes to stop on SIGTERM right after a PDF was asked for.
        with httpx.Client(base_url=base, timeout=2) as http:
            http.get(f"/w/{code}/facilitate/{keys['facilitator_key']}")
            threading.Thread(target=lambda: _quiet(http.get, f"/w/{code}/facilitate/report.pdf?again=1"),
                             daemon=True).start()
            time.sleep(1)
            started = time.monotonic()
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=30)
                stopped: object = round(time.monotonic() - started, 2)
            except subprocess.TimeoutExpired:
                stopped = "not within 30 s"
            print(json.dumps({"case": args.case, "output": "SIGTERM during a render", "stopped_after_s": stopped}),
                  flush=True)
    finally:
        for p in psutil.Process(server.pid).children(recursive=True) if server.poll() is None else []:
            p.kill()
        if server.poll() is None:
            server.kill()
        server.wait()
        log.close()


def _quiet(call, *args):  # type: ignore[no-untyped-def]
    try:
        call(*args)
    except httpx.HTTPError:
        pass


if __name__ == "__main__":
    main()
