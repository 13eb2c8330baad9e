"""Slow uploads: 200 connections that each promise a body and then trickle one byte hold
nothing. A join and a vote made meanwhile answer within a second, and every slow body gets
408 once its deadline has passed. A real uvicorn server on 127.0.0.1; every loop bounded."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import httpx

from tests.faults.conftest import ServerProcess, bearer, make_workshop, record_figures

SLOW_CONNECTIONS = 200
BODY_TIMEOUT = 2.0  # seconds, plus 500 bytes at the default 2,000 bytes/s: a deadline of 2.25 s


def slow_body(port: int, path: str) -> socket.socket:
    """A client that announces 500 bytes, sends one, and then says nothing more."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    sock.sendall(f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n"
                 "Content-Length: 500\r\n\r\n{".encode())
    return sock


def first_line(sock: socket.socket, timeout: float) -> bytes:
    sock.settimeout(timeout)
    try:
        return sock.recv(200).split(b"\r\n", 1)[0]
    except OSError:
        return b""


def test_slow_bodies_hold_no_place_from_a_join_or_a_vote(sqlite_url: str, tmp_path: Path) -> None:
    server = ServerProcess(sqlite_url, tmp_path, RUAMKIT_BODY_TIMEOUT=str(BODY_TIMEOUT))
    server.start()
    slow: list[socket.socket] = []
    try:
        scene = make_workshop(server.base_url, participants=1, projects=1, phase="vote")
        attack_started = time.monotonic()
        for i in range(SLOW_CONNECTIONS):  # half on the API's join, half on the phone page's
            path = f"{scene['url']}/participants" if i % 2 else f"/w/{scene['code']}/join"
            slow.append(slow_body(server.port, path))
        time.sleep(0.3)  # the server has taken every one of them in
        with httpx.Client(base_url=server.base_url, timeout=5) as http:
            began = time.monotonic()
            join = http.post(f"{scene['url']}/participants", json={"name": "มาทีหลัง"})
            join_seconds = time.monotonic() - began
            began = time.monotonic()
            vote = http.put(f"{scene['url']}/votes/{scene['projects'][0]}", json={"dots": 1},
                            headers=bearer(scene["tokens"][0]))
            vote_seconds = time.monotonic() - began
            began = time.monotonic()
            page = http.get(f"/w/{scene['code']}")
            page_seconds = time.monotonic() - began
        assert join.status_code == 201, join.text
        assert vote.status_code == 200, vote.text
        assert page.status_code == 200
        assert max(join_seconds, vote_seconds, page_seconds) < 1.0

        answers = [first_line(sock, timeout=BODY_TIMEOUT + 8) for sock in slow]
        refused_after = time.monotonic() - attack_started
        assert answers == [b"HTTP/1.1 408 Request Timeout"] * SLOW_CONNECTIONS
        record_figures("slow_bodies", {
            "slow_connections": SLOW_CONNECTIONS, "body_timeout_s": BODY_TIMEOUT,
            "join_s": round(join_seconds, 3), "vote_s": round(vote_seconds, 3), "page_s": round(page_seconds, 3),
            "all_slow_answered_408_within_s": round(refused_after, 2),
        })
    finally:
        for sock in slow:
            sock.close()
        server.stop()
