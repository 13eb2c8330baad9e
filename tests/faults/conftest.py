"""Real server processes for fault tests: uvicorn on 127.0.0.1, a SQLite file of the test's own,
and the means to kill one without warning and start it again on the same database.

Every loop here is bounded in count and time, and only 127.0.0.1 is ever contacted.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from app import db

ROOT = Path(__file__).resolve().parents[2]
FIGURES = ROOT / "test-artifacts" / "figures"
# Rate limits off: these tests are floods on purpose (the limits have tests of their own).
NO_LIMITS = {f"RUAMKIT_RATE_{name}": "0" for name in (
    "JOIN_PER_ADDRESS", "PROPOSE_PER_PARTICIPANT", "PROPOSE_PER_ADDRESS", "VOTE_PER_PARTICIPANT",
    "VOTE_PER_ADDRESS")}


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ServerProcess:
    """`python -m uvicorn app.main:app` on 127.0.0.1, restartable on the same port and database."""

    def __init__(self, database_url: str, log_dir: Path, **env: str) -> None:
        self.database_url = database_url
        self.port = free_port()
        self.log_dir = log_dir
        self.env = {key: value for key, value in os.environ.items() if not key.startswith("RUAMKIT_")}
        self.env.update({"RUAMKIT_DATABASE_URL": database_url, "RUAMKIT_BROADCAST_INTERVAL": "0.05",
                         "RUAMKIT_PUBLIC_URL": self.base_url, **NO_LIMITS, **env})
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0
        self.kills = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30.0) -> None:
        self.starts += 1
        log = (self.log_dir / f"server-{self.starts}.log").open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "app.main:app", "--host", "127.0.0.1", "--port", str(self.port),
             "--log-level", "warning"],
            cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
        )
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited with {self.process.returncode}:\n{self.log()}")
            try:
                if httpx.get(f"{self.base_url}/openapi.json", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"the server did not answer within {timeout} s:\n{self.log()}")

    def kill(self) -> None:
        """SIGKILL: no shutdown, no flush, no goodbye, as when the laptop's process is killed."""
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)
        self.kills += 1

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)

    def log(self) -> str:
        return "\n".join(path.read_text(errors="replace") for path in sorted(self.log_dir.glob("server-*.log")))


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A fresh SQLite file brought to the code's schema by the migrations."""
    url = f"sqlite:///{tmp_path}/ruamkit.db"
    db.upgrade(url)
    return url


@pytest.fixture
def server(sqlite_url: str, tmp_path: Path) -> Iterator[ServerProcess]:
    process = ServerProcess(sqlite_url, tmp_path)
    process.start()
    yield process
    process.stop()


def record_figures(name: str, figures: dict[str, Any]) -> None:
    """Keep a test's measured numbers (faults injected, items lost ...) for the issue's note."""
    FIGURES.mkdir(parents=True, exist_ok=True)
    (FIGURES / f"{name}.json").write_text(json.dumps(figures, indent=2, ensure_ascii=False) + "\n")
    print(f"\n{name}: {json.dumps(figures, ensure_ascii=False)}")


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def make_workshop(base_url: str, *, participants: int, projects: int, phase: str, budget: int = 100,
                  cap: int = 10) -> dict[str, Any]:
    """A workshop with projects and participants, moved to `phase`, made over HTTP."""
    with httpx.Client(base_url=base_url, timeout=30) as http:
        created = http.post("/api/v1/workshops", json={"title": "Fault test", "dots_per_participant": budget,
                                                       "max_dots_per_project": cap})
        assert created.status_code == 201, created.text
        keys = created.json()
        url = f"/api/v1/workshops/{keys['code']}"
        facilitator = bearer(keys["facilitator_key"])
        assert http.put(f"{url}/phase", json={"phase": "propose"}, headers=facilitator).status_code == 200
        ids = []
        for i in range(projects):
            answer = http.post(f"{url}/projects", json={"title": f"โครงการ {i + 1}"}, headers=facilitator)
            assert answer.status_code == 201, answer.text
            ids.append(answer.json()["id"])
        tokens = []
        for i in range(participants):
            answer = http.post(f"{url}/participants", json={"name": f"ผู้เข้าร่วม {i + 1}"})
            assert answer.status_code == 201, answer.text
            tokens.append(answer.json()["participant_token"])
        assert http.put(f"{url}/phase", json={"phase": phase}, headers=facilitator).status_code == 200
    return {"code": keys["code"], "url": url, "keys": keys, "facilitator": facilitator, "projects": ids,
            "tokens": tokens}
