"""A Redis server and a PostgreSQL cluster of the test's own, on spare ports of 127.0.0.1, so that
a test may stop and restart them: never the machine's shared ones (5432, 6379).

Missing binaries: the test is skipped with a message, or fails when RUAMKIT_REQUIRE_SERVICES=1
(tests/conftest.py, skip_or_fail). initdb refuses to run as root: then the cluster is made and
run by the `postgres` user (runuser), in a folder of its own under the system's temp folder.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from tests.conftest import skip_or_fail
from tests.faults.conftest import free_port


class OwnRedis:
    """`redis-server` on 127.0.0.1:<spare port>, no persistence; stop() and start() keep the port."""

    def __init__(self, folder: Path) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            skip_or_fail("redis-server is not installed (apt-get install redis-server)")
        self.binary = str(binary)
        self.folder = folder
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout: float = 15.0) -> None:
        self.starts += 1
        log = (self.folder / f"redis-{self.starts}.log").open("wb")
        self.process = subprocess.Popen(
            [self.binary, "--bind", "127.0.0.1", "--port", str(self.port), "--save", "", "--appendonly", "no",
             "--dir", str(self.folder), "--protected-mode", "yes"],
            stdout=log, stderr=subprocess.STDOUT)
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"redis-server exited with {self.process.returncode}")
            if self.answers():
                return
            time.sleep(0.05)
        raise RuntimeError(f"redis-server did not answer on port {self.port} within {timeout} s")

    def answers(self) -> bool:
        import redis

        client = redis.Redis.from_url(self.url, socket_connect_timeout=0.5, socket_timeout=0.5)
        try:
            return bool(client.ping())
        except redis.RedisError:
            return False
        finally:
            client.close()

    def stop(self) -> None:
        """As when the service is stopped: every connection to it closes."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)


class OwnPostgres:
    """A PostgreSQL cluster made by initdb in a temp folder, served on 127.0.0.1:<spare port>."""

    def __init__(self) -> None:
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                       key=lambda path: int(Path(path).parts[-3]) if Path(path).parts[-3].isdigit() else 0)
        if not found:
            skip_or_fail("PostgreSQL's server binaries are not installed (apt-get install postgresql)")
        self.bin = Path(found[-1]).parent
        self.as_user: list[str] = []
        if os.geteuid() == 0:  # initdb and postgres refuse to run as root
            if shutil.which("runuser") is None:
                skip_or_fail("running as root without runuser: cannot start PostgreSQL as another user")
            try:
                owner = pwd.getpwnam("postgres")
            except KeyError:
                skip_or_fail("running as root and there is no `postgres` user to run PostgreSQL as")
            self.as_user = ["runuser", "-u", "postgres", "--"]
        self.folder = Path(tempfile.mkdtemp(prefix="ruamkit-pg-"))
        if self.as_user:
            os.chown(self.folder, owner.pw_uid, owner.pw_gid)
        self.data = self.folder / "data"
        self.port = free_port()
        self.restarts = 0

    def _pg_ctl(self, *args: str, timeout: float = 60.0) -> None:
        # The server's output goes to its log file (-l), never to pipes it would hold open.
        subprocess.run([*self.as_user, str(self.bin / "pg_ctl"), "-D", str(self.data),
                        "-l", str(self.folder / "postgres.log"), *args],
                       check=True, timeout=timeout, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)

    def start(self) -> None:
        subprocess.run([*self.as_user, str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres",
                        "-A", "trust", "-E", "UTF8", "--locale", "C.UTF-8", "--no-sync"],
                       check=True, timeout=120, capture_output=True)
        # Only 127.0.0.1 and a socket in the test's folder: nothing of the machine's own cluster.
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write(f"\nlisten_addresses = '127.0.0.1'\nport = {self.port}\n"
                       f"unix_socket_directories = '{self.folder}'\nmax_connections = 200\nfsync = on\n")
        self._pg_ctl("-w", "start")

    def restart(self) -> None:
        """`pg_ctl restart -m fast`: every session is ended, the server comes back on the same port."""
        self.restarts += 1
        self._pg_ctl("-m", "fast", "-w", "restart")

    def stop(self) -> None:
        if self.data.exists():
            with contextlib.suppress(subprocess.CalledProcessError):  # not running
                self._pg_ctl("-m", "immediate", "-w", "stop", timeout=30)
        shutil.rmtree(self.folder, ignore_errors=True)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        admin = create_engine(self.url(), isolation_level="AUTOCOMMIT", poolclass=NullPool)
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        return self.url(name)

    def log(self) -> str:
        path = self.folder / "postgres.log"
        return path.read_text(errors="replace") if path.exists() else ""
