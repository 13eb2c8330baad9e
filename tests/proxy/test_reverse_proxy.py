"""The reverse proxy for real: Debian's nginx with README's configuration as written there (only the
ports, the certificate's paths and the upstream's addresses replaced), over HTTPS with a
self-signed certificate, in front of two `ruamkit serve` workers that share the suite's database
(SQLite in the first pass, PostgreSQL in the second) and a Redis of the test's own.

- A phone joins over HTTPS and its cookies come back Secure; plain http sends it to https.
- The phone's page and the big screens keep their websockets through nginx (wss), and each shows
  a vote taken by the other worker.
- Per-address limits count the phone's own address, the one nginx saw: 127.0.0.2, limited after
  guessing join codes, stays limited whatever it writes in X-Forwarded-For, while 127.0.0.3 is not.
  Straight to a worker (not through nginx), X-Forwarded-For and X-Forwarded-Proto are ignored.

Without /usr/sbin/nginx, openssl or redis-server the tests skip with a message (and fail under
RUAMKIT_REQUIRE_SERVICES=1). Only 127.0.0.x is contacted; every wait is bounded.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import ssl
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.sync.client import ClientConnection, connect

from bench.measure import PHONE_TALLY, SCREEN_TALLY
from bench.procs import ServerProcess, free_port, python_argv
from tests.conftest import skip_or_fail
from tests.faults.real_services import OwnRedis
from tests.phone_taps import join_by_phone, open_page, tap

ROOT = Path(__file__).resolve().parents[2]
NGINX = Path("/usr/sbin/nginx")
API = "/api/v1/workshops"
UNKNOWN_CODE = "ZZZZZZ"


def readme_nginx_block() -> str:
    blocks = re.findall(r"```nginx\n(.*?)```", (ROOT / "README.md").read_text(encoding="utf-8"), re.S)
    assert len(blocks) == 1, f"README.md should have one ```nginx block, it has {len(blocks)}"
    return str(blocks[0])


def as_readme_says_to_change(block: str, *, http_port: int, https_port: int, certificate: Path, key: Path,
                             workers: list[int]) -> str:
    """README's block with only what README says to change replaced, each exactly once."""
    upstream = " ".join(f"server 127.0.0.1:{port};" for port in workers)
    for pattern, replacement in [
        (r"listen 80;", f"listen 127.0.0.1:{http_port};"),
        (r"listen 443 ssl;", f"listen 127.0.0.1:{https_port} ssl;"),
        (r"ssl_certificate\s+[^\s;]+;", f"ssl_certificate {certificate};"),
        (r"ssl_certificate_key\s+[^\s;]+;", f"ssl_certificate_key {key};"),
        (r"server 127\.0\.0\.1:8000;", upstream),
    ]:
        block, found = re.subn(pattern, replacement, block)
        assert found == 1, f"README's nginx block should have `{pattern}` once, it has it {found} times"
    return block


def nginx_conf(folder: Path, site: Path) -> str:
    """The smallest nginx.conf around README's block: everything nginx writes goes to `folder`."""
    # As root, nginx's workers would run as nobody, who cannot write in the test's folder.
    user = "user root;\n" if os.geteuid() == 0 else ""
    return f"""{user}daemon off;
worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
events {{ worker_connections 256; }}
http {{
    access_log {folder}/access.log;
    client_body_temp_path {folder}/client_body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    # The test's own, outside README's block: which worker answered (README's servers inherit it).
    add_header X-Upstream $upstream_addr always;
    include {site};
}}
"""


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    if shutil.which("openssl") is None:
        skip_or_fail("openssl is not installed (apt-get install openssl): no certificate for nginx")
    certificate, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                    "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(certificate)], check=True, capture_output=True, timeout=60)
    return certificate, key


def wait_for_port(port: int, process: subprocess.Popen[bytes], log: Path, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"nginx exited with {process.returncode}:\n{log.read_text(errors='replace')}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nginx did not listen on {port} within {timeout:.0f} s:\n{log.read_text(errors='replace')}")


@dataclass
class Proxy:
    """nginx on 127.0.0.1:https_port (and http_port), and the workers behind it by their address."""

    http_port: int
    https_port: int
    tls: ssl.SSLContext  # trusts the self-signed certificate
    workers: dict[str, ServerProcess]  # "127.0.0.1:PORT" (nginx's $upstream_addr) -> worker

    @property
    def base(self) -> str:
        return f"https://127.0.0.1:{self.https_port}"

    def client(self, source: str = "127.0.0.1", **headers: str) -> httpx.Client:
        """A client whose connections come from `source` (a loopback address of its own)."""
        transport = httpx.HTTPTransport(verify=self.tls, local_address=source)
        return httpx.Client(transport=transport, headers=headers, timeout=30, trust_env=False)

    def websocket(self, path: str, headers: list[tuple[str, str]] | None = None) -> ClientConnection:
        return connect(f"wss://127.0.0.1:{self.https_port}{path}", ssl=self.tls, additional_headers=headers,
                       open_timeout=15, proxy=None)


@pytest.fixture
def proxy(database_url: str, tmp_path: Path) -> Iterator[Proxy]:
    if not NGINX.exists():
        skip_or_fail("nginx is not installed (apt-get install nginx): /usr/sbin/nginx is missing")
    certificate, key = self_signed_certificate(tmp_path)
    redis = OwnRedis(tmp_path)
    http_port, https_port = free_port(), free_port()
    workers: dict[str, ServerProcess] = {}
    nginx: subprocess.Popen[bytes] | None = None
    try:
        redis.start()
        for name in ("a", "b"):
            port = free_port()
            env = {k: v for k, v in os.environ.items() if not k.startswith("RUAMKIT_")}
            # RUAMKIT_TRUSTED_PROXIES is left at its default: nginx on this machine.
            env.update({"RUAMKIT_DATABASE_URL": database_url, "RUAMKIT_REDIS_URL": redis.url,
                        "RUAMKIT_PUBLIC_URL": f"https://127.0.0.1:{https_port}", "RUAMKIT_BROADCAST_INTERVAL": "0.05",
                        "RUAMKIT_PHONE_INTERVAL": "0.05", "RUAMKIT_RATE_CODE_MISS_PER_ADDRESS": "1",
                        "PYTHONPATH": str(ROOT)})
            argv = python_argv("-m", "app.cli", "serve", "--host", "127.0.0.1", "--port", str(port), "--no-migrate")
            workers[f"127.0.0.1:{port}"] = ServerProcess(f"worker-{name}", argv, port=port, env=env, cwd=tmp_path,
                                                         log_path=tmp_path / f"worker-{name}.log")
        for worker in workers.values():
            worker.wait_ready("/openapi.json", timeout=90)
        site = tmp_path / "ruamkit.conf"
        site.write_text(as_readme_says_to_change(readme_nginx_block(), http_port=http_port, https_port=https_port,
                                                 certificate=certificate, key=key,
                                                 workers=[w.port for w in workers.values()]))
        (tmp_path / "nginx.conf").write_text(nginx_conf(tmp_path, site))
        log = tmp_path / "nginx.log"
        with log.open("wb") as out:
            nginx = subprocess.Popen([str(NGINX), "-p", str(tmp_path), "-e", str(tmp_path / "error.log"),
                                      "-c", str(tmp_path / "nginx.conf")], stdout=out, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL)
        wait_for_port(https_port, nginx, log)
        yield Proxy(http_port, https_port, ssl.create_default_context(cafile=str(certificate)), workers)
    finally:
        if nginx is not None and nginx.poll() is None:
            nginx.terminate()
            try:
                nginx.wait(10)
            except subprocess.TimeoutExpired:
                nginx.kill()
                nginx.wait(5)
        for worker in workers.values():
            worker.stop()
        redis.stop()


def new_workshop(http: httpx.Client, base: str) -> dict[str, Any]:
    """A workshop with one project, made through the proxy; it stays in propose (phones join)."""
    created = http.post(f"{base}{API}", json={"title": "สัมมนาหลังพร็อกซี", "dots_per_participant": 10,
                                              "max_dots_per_project": 10}).raise_for_status().json()
    facilitator = {"Authorization": f"Bearer {created['facilitator_key']}"}
    http.put(f"{base}{API}/{created['code']}/phase", json={"phase": "propose"}, headers=facilitator).raise_for_status()
    project = http.post(f"{base}{API}/{created['code']}/projects", json={"title": "ระบบคลาวด์กลางภาครัฐ"},
                        headers=facilitator).raise_for_status().json()["id"]
    return {**created, "facilitator": facilitator, "project": project}


def until(shown: Callable[[str], int | None], socket_: ClientConnection, wanted: int, what: str,
          timeout: float = 15.0) -> None:
    """Read live messages until one shows `wanted` (bounded in time)."""
    deadline, seen = time.monotonic() + timeout, None
    while time.monotonic() < deadline:
        try:
            message = socket_.recv(timeout=max(0.1, deadline - time.monotonic()))
        except TimeoutError:
            break
        now = shown(str(message))
        seen = seen if now is None else now
        if seen == wanted:
            return
    pytest.fail(f"{what} still showed {seen}, not {wanted}, after {timeout:.0f} s")


def held_by(socket_: ClientConnection) -> str:
    """The worker nginx sent this websocket to (its handshake's answer says)."""
    assert socket_.response is not None
    return str(socket_.response.headers["X-Upstream"])


def tally(pattern: re.Pattern[bytes], project: int) -> Callable[[str], int | None]:
    def shown(message: str) -> int | None:
        found = {int(p): int(n) for p, n in pattern.findall(message.encode())}
        return found.get(project)
    return shown


def test_phones_and_screens_work_through_nginx_over_https_with_either_worker(proxy: Proxy) -> None:
    with proxy.client() as http:
        workshop = new_workshop(http, proxy.base)
        code, project = workshop["code"], workshop["project"]
        phone = join_by_phone(proxy.base, code, "อรุณี", http)
        secure = {cookie.name: cookie.secure for cookie in http.cookies.jar}
        assert f"rk_p_{code}" in secure and all(secure.values()), secure

        plain = httpx.get(f"http://127.0.0.1:{proxy.http_port}/w/{code}", trust_env=False)
        assert plain.status_code == 301 and plain.headers["Location"].startswith("https://"), plain.headers
        assert plain.headers["Location"].endswith(f"/w/{code}")

        http.put(f"{proxy.base}{API}/{code}/phase", json={"phase": "vote"},
                 headers=workshop["facilitator"]).raise_for_status()
        open_page(http, proxy.base, phone)
        other_voter = http.post(f"{proxy.base}{API}/{code}/participants", json={"name": "สมชาย"}
                                ).raise_for_status().json()["participant_token"]

        screens: dict[str, ClientConnection] = {}
        with proxy.websocket(phone.ws_path, phone.websocket_headers()) as phone_socket, ExitStack() as held:
            phone_worker = held_by(phone_socket)
            until(tally(PHONE_TALLY, project), phone_socket, 0, "the phone")
            for _ in range(6):  # nginx takes turns: a screen on each worker comes within two
                screen = held.enter_context(proxy.websocket(
                    f"/ws/workshops/{code}?key={workshop['screen_key']}&view=screen"))
                worker = held_by(screen)
                if worker not in screens:
                    screens[worker] = screen
                    until(tally(SCREEN_TALLY, project), screen, 0, f"the screen on {worker}")
                if len(screens) == 2:
                    break
            assert set(screens) == set(proxy.workers), "nginx never sent a screen to each worker"

            # The phone's + button: whichever worker takes it, both screens show it.
            answer = tap(http, proxy.base, phone, project)
            assert answer.status_code == 200, answer.text
            took = answer.headers["X-Upstream"]
            (other,) = set(screens) - {took}
            until(tally(SCREEN_TALLY, project), screens[other], 1, "the screen held by the other worker")
            until(tally(SCREEN_TALLY, project), screens[took], 1, "the screen held by the voting worker")
            until(tally(PHONE_TALLY, project), phone_socket, 1, "the phone")

            # Another participant's vote, sent until the worker not holding the phone took it
            # (the PUT sets the dots, so sending it again changes nothing).
            for _ in range(6):
                answer = http.put(f"{proxy.base}{API}/{code}/votes/{project}", json={"dots": 2},
                                  headers={"Authorization": f"Bearer {other_voter}"})
                assert answer.status_code == 200, answer.text
                if answer.headers["X-Upstream"] != phone_worker:
                    break
            assert answer.headers["X-Upstream"] != phone_worker, "nginx sent every vote to one worker"
            until(tally(PHONE_TALLY, project), phone_socket, 3, "the phone, held by the other worker")
            for worker, screen in screens.items():
                until(tally(SCREEN_TALLY, project), screen, 3, f"the screen on {worker}")


def answered_by_both(send: Callable[[], httpx.Response], workers: dict[str, ServerProcess]) -> list[httpx.Response]:
    """The same request sent until each worker has answered it (nginx takes turns; bounded)."""
    answers: list[httpx.Response] = []
    for _ in range(8):
        answers.append(send())
        if {a.headers["X-Upstream"] for a in answers} == set(workers):
            return answers
    pytest.fail(f"nginx sent all {len(answers)} requests to one worker")


def test_the_limits_count_the_address_nginx_saw_not_one_the_phone_writes(proxy: Proxy) -> None:
    with proxy.client() as http:
        code = new_workshop(http, proxy.base)["code"]

    with proxy.client("127.0.0.2") as guesser, proxy.client("127.0.0.3") as neighbour:
        # 127.0.0.2 guesses join codes until each worker has stopped it (one miss a minute each).
        limited_by: set[str] = set()
        for _ in range(8):
            answer = guesser.get(f"{proxy.base}/w/{UNKNOWN_CODE}")
            assert answer.status_code in (404, 429), answer.text
            if answer.status_code == 429:
                limited_by.add(answer.headers["X-Upstream"])
            if limited_by == set(proxy.workers):
                break
        assert limited_by == set(proxy.workers), f"only {limited_by} limited 127.0.0.2"

        # Writing another address in X-Forwarded-For changes nothing: nginx says where it came from.
        forged = answered_by_both(lambda: guesser.get(f"{proxy.base}/w/{code}", headers={
            "X-Forwarded-For": "10.9.9.9"}), proxy.workers)
        assert {a.status_code for a in forged} == {429}, [a.text for a in forged]
        assert all(a.headers["Retry-After"] for a in forged)

        # Its neighbour's phone at 127.0.0.3 is counted apart, even when it names 127.0.0.2.
        apart = answered_by_both(lambda: neighbour.get(f"{proxy.base}/w/{code}", headers={
            "X-Forwarded-For": "127.0.0.2"}), proxy.workers)
        assert {a.status_code for a in apart} == {200}, [a.text for a in apart]

    # Straight to each worker, not through nginx: the forwarded headers are not believed.
    for worker in proxy.workers.values():
        with proxy.client("127.0.0.2", **{"X-Forwarded-For": "10.9.9.9"}) as direct:
            answer = direct.get(f"{worker.base}/w/{code}")
            assert answer.status_code == 429, f"{worker.name} believed a phone's X-Forwarded-For: {answer.text}"
        with proxy.client("127.0.0.3", **{"X-Forwarded-For": "127.0.0.2", "X-Forwarded-Proto": "https"}) as direct:
            join_by_phone(worker.base, code, "ส่งตรง", direct)  # not limited as 127.0.0.2 ...
            secure = {cookie.name: cookie.secure for cookie in direct.cookies.jar}
            assert secure.get(f"rk_p_{code}") is False, secure  # ... and not https: plain http came in
