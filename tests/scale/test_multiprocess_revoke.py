"""A link revoked through one server process closes the consoles it opened on another: the
revoke notice travels through the real Redis, as change notices do (test_multiprocess.py)."""

from __future__ import annotations

import time

import httpx
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from app.live.hub import REVOKED_CLOSE
from bench.procs import ServerProcess
from tests.scale.test_multiprocess import API, two_workers  # noqa: F401  (the two processes)

pytestmark = pytest.mark.redis


def test_revoking_on_one_worker_closes_the_console_held_by_the_other(
        two_workers: list[ServerProcess]) -> None:  # noqa: F811
    a, b = two_workers
    with httpx.Client(base_url=a.base, timeout=30) as http:
        created = http.post(API, json={"title": "สัมมนาสองเครื่อง"}).raise_for_status().json()
        code, main = created["code"], {"Authorization": f"Bearer {created['facilitator_key']}"}
        link = http.post(f"{API}/{code}/links", json={"name": "ผู้ตรวจ", "role": "moderator"},
                         headers=main).raise_for_status().json()
    path = f"/ws/workshops/{code}?view=facilitator&key={link['key']}"
    with connect(f"ws://127.0.0.1:{b.port}{path}", open_timeout=15) as console:
        assert 'id="fac-live"' in str(console.recv(timeout=15))  # the snapshot, from worker B
        httpx.delete(f"{a.base}{API}/{code}/links/{link['id']}", headers=main, timeout=30).raise_for_status()
        deadline = time.monotonic() + 15
        with pytest.raises(ConnectionClosed) as closed:
            while time.monotonic() < deadline:  # a redraw may arrive first; the close follows
                console.recv(timeout=max(0.1, deadline - time.monotonic()))
        assert closed.value.rcvd is not None and closed.value.rcvd.code == REVOKED_CLOSE
