"""Server processes for the benchmark: start, wait until ready, pin, sample CPU and memory, stop."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import psutil

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def raise_fd_limit() -> int:
    """Thousands of websockets need thousands of file descriptors (children inherit this)."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = hard if hard != resource.RLIM_INFINITY else 1_000_000
    if soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def cpu_split() -> tuple[set[int], set[int]] | None:
    """(server cores, load-generator cores): the first half for servers, the rest for us."""
    cores = sorted(os.sched_getaffinity(0))
    if len(cores) < 2:
        return None
    half = len(cores) // 2
    return set(cores[:half]), set(cores[half:])


class ServerProcess:
    """A server started as a child process, listening on 127.0.0.1:port, with its log in a file."""

    def __init__(self, name: str, argv: list[str], *, port: int, env: dict[str, str], log_path: Path,
                 cwd: Path, cores: set[int] | None = None) -> None:
        self.name, self.port, self.log_path = name, port, log_path
        self.argv, self.env, self.cwd, self.cores = argv, env, cwd, cores
        self.base = f"http://127.0.0.1:{port}"
        self._log = open(log_path, "wb")  # noqa: SIM115  (closed in stop())
        self.popen = subprocess.Popen(argv, env=env, cwd=cwd, stdout=self._log, stderr=subprocess.STDOUT,
                                      stdin=subprocess.DEVNULL)
        if cores:
            os.sched_setaffinity(self.popen.pid, cores)
        self.process = psutil.Process(self.popen.pid)

    def wait_ready(self, path: str, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.popen.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.popen.returncode}:\n{self.log_tail()}")
            try:
                if httpx.get(self.base + path, timeout=2).status_code < 500:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"{self.name} did not answer within {timeout:.0f} s:\n{self.log_tail()}")

    def processes(self) -> list[psutil.Process]:
        try:
            return [self.process, *self.process.children(recursive=True)]
        except psutil.Error:
            return []

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def kill(self) -> None:
        """SIGKILL to the process and its children at once: no shutdown, no closing handshakes,
        as when the venue's laptop kills the server (systemd kills the whole unit too)."""
        for proc in reversed(self.processes()):
            with contextlib.suppress(psutil.Error):
                proc.send_signal(signal.SIGKILL)
        self.popen.wait(10)
        self._log.close()

    def again(self, log_path: Path) -> ServerProcess:
        """The same server started anew: same command, settings and port."""
        return ServerProcess(self.name, self.argv, port=self.port, env=self.env, log_path=log_path,
                             cwd=self.cwd, cores=self.cores)

    def stop(self, timeout: float = 15.0) -> None:
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGINT)
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(5)
        if not self._log.closed:
            self._log.close()


def python_argv(*args: str) -> list[str]:
    return [sys.executable, *args]


class Sampler:
    """Samples the servers' resident memory every `every` seconds (peak kept) and reads CPU times."""

    def __init__(self, servers: list[ServerProcess], every: float = 0.25) -> None:
        self.servers, self.every = servers, every
        self.peak_total_rss = 0
        self.peak_rss: dict[str, int] = {s.name: 0 for s in servers}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="bench-sampler", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            self.sample()

    def sample(self) -> None:
        total = 0
        for server in self.servers:
            rss = 0
            for proc in server.processes():
                try:
                    rss += proc.memory_info().rss
                except psutil.Error:
                    pass
            self.peak_rss[server.name] = max(self.peak_rss[server.name], rss)
            total += rss
        self.peak_total_rss = max(self.peak_total_rss, total)

    def cpu_seconds(self) -> float:
        total = 0.0
        for server in self.servers:
            for proc in server.processes():
                try:
                    times = proc.cpu_times()
                    total += times.user + times.system
                except psutil.Error:
                    pass
        return total
