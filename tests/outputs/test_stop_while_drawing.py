"""SIGTERM stops a real server within seconds, even while it is drawing a big workshop's PDF
(it used to finish the PDF first: minutes at 100 % CPU)."""

from __future__ import annotations

import signal
import threading
import time
from pathlib import Path

import httpx
import psutil

from app import db
from tests.faults.conftest import ServerProcess
from tests.outputs.big import big_export, body


def test_sigterm_during_a_pdf_stops_the_server_and_its_workers_within_seconds(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/ruamkit.db"
    db.upgrade(url)
    server = ServerProcess(url, tmp_path)
    server.start()
    try:
        with httpx.Client(base_url=server.base_url, timeout=60) as http:
            made = http.post("/api/v1/workshops/import", content=body(big_export(projects=300, tags=50, participants=500)),
                             headers={"Content-Type": "application/json"})
            assert made.status_code == 201, made.text
            code, key = made.json()["code"], made.json()["facilitator_key"]
            assert http.get(f"/w/{code}/facilitate/{key}").status_code == 303  # sets the console's cookie
            answers: list[object] = []
            asking = threading.Thread(target=lambda: answers.append(_ask(http, f"/w/{code}/facilitate/report.pdf")))
            asking.start()
            # Drawing this PDF takes well over ten seconds; SIGTERM comes in the middle of it, once
            # the drawing has started (in a helper process of the server's, if it has any).
            process = psutil.Process(server.process.pid)  # type: ignore[union-attr]
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and not _grandchildren(process):
                time.sleep(0.2)
            time.sleep(2)
            assert not answers, "the PDF was already answered"
            family = process.children(recursive=True)
            started = time.monotonic()
            server.process.send_signal(signal.SIGTERM)  # type: ignore[union-attr]
            server.process.wait(timeout=30)  # type: ignore[union-attr]
            stopped_after = time.monotonic() - started
            asking.join(10)
        assert stopped_after < 5, f"the server took {stopped_after:.1f} s to stop"
        # Nothing the server started is left running: its render workers are killed, and their
        # forkserver ends by itself (once done loading, if SIGTERM came while it was starting).
        _, alive = psutil.wait_procs(family, timeout=30)
        assert not [p for p in alive if _alive(p)]
        assert answers and answers[0] != 200  # the PDF was not finished first
    finally:
        server.stop()


def _ask(http: httpx.Client, path: str) -> object:
    try:
        return http.get(path).status_code
    except httpx.HTTPError as exc:
        return type(exc).__name__


def _alive(process: psutil.Process) -> bool:
    try:
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def _grandchildren(process: psutil.Process) -> list[psutil.Process]:
    try:
        return [grandchild for child in process.children() for grandchild in child.children()]
    except psutil.Error:
        return []
