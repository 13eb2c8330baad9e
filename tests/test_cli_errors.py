"""When the `ruamkit` command cannot do its job, the person at the keyboard reads one sentence that
says what to do (and the command exits non-zero), never a traceback: a database server that does
not answer, a database that is missing, unopenable or from a newer ruamkit, a schema behind the
code, a malformed database URL or setting, a port already in use, a Redis that does not answer.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import text
from typer.testing import CliRunner, Result

from app import db
from app.cli import cli
from app.config import Settings
from tests.conftest import DEFAULT_POSTGRES_URL, TEST_POSTGRES_URL, postgres_reachable, skip_or_fail


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def says_what_to_do(stderr: str, *words: str) -> str:
    """One line, one sentence, no traceback, naming what is wrong and what to do about it."""
    message = stderr.strip()
    assert message, "nothing was said on stderr"
    assert "Traceback" not in message and "\n" not in message, message
    assert message.endswith(".") and len(re.findall(r"[.!?](?:\s|$)", message)) == 1, message
    for word in words:
        assert word in message, f"{word!r} not in: {message}"
    return message


RunCli = Callable[..., Result]


@pytest.fixture
def run_cli(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> RunCli:
    """`ruamkit ...` in-process, in a folder of its own, with only the settings the test gives."""
    for key in list(os.environ):
        if key.startswith("RUAMKIT_"):
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)

    def run(*args: str, **settings: str) -> Result:
        for key, value in settings.items():
            monkeypatch.setenv(f"RUAMKIT_{key.upper()}", value)
        return CliRunner().invoke(cli, list(args))

    return run


def failed(result: Result) -> Result:
    assert result.exit_code not in (0, None), result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    return result


@pytest.mark.parametrize("command", [["db", "upgrade"], ["db", "current"], ["serve"], ["demo"]])
def test_a_database_server_that_does_not_answer_is_named_with_what_to_do(run_cli: RunCli, command: list[str]) -> None:
    port = free_port()
    args = [*command, "--host", "127.0.0.1", "--port", str(free_port())] if command[0] != "db" else command
    result = failed(run_cli(*args, database_url=f"postgresql+psycopg://ruamkit@127.0.0.1:{port}/ruamkit"))
    says_what_to_do(result.stderr, f"127.0.0.1:{port}", "start")
    assert "ruamkit is running" not in result.stdout


def test_a_missing_postgresql_database_says_how_to_create_it(run_cli: RunCli) -> None:
    url = TEST_POSTGRES_URL or DEFAULT_POSTGRES_URL
    if not postgres_reachable(url):
        skip_or_fail(f"PostgreSQL is not reachable at {url}")
    name = f"rk_missing_{uuid.uuid4().hex[:8]}"
    result = failed(run_cli("db", "upgrade", database_url=url.rsplit("/", 1)[0] + f"/{name}"))
    says_what_to_do(result.stderr, name, f"createdb {name}")


def test_a_sqlite_file_that_cannot_be_opened_is_named(run_cli: RunCli, tmp_path: Path) -> None:
    # The URL names a folder, then a file beneath a plain file: neither can hold a database.
    (tmp_path / "notes.txt").write_text("not a folder")
    for path in (tmp_path, tmp_path / "notes.txt" / "ruamkit.db"):
        result = failed(run_cli("db", "upgrade", database_url=f"sqlite:///{path}"))
        says_what_to_do(result.stderr, str(path), "RUAMKIT_DATABASE_URL")


def test_a_file_that_is_not_a_sqlite_database_is_named(run_cli: RunCli, tmp_path: Path) -> None:
    (tmp_path / "minutes.db").write_bytes(b"Minutes of the planning meeting, not a database at all." * 40)
    result = failed(run_cli("db", "upgrade", database_url=f"sqlite:///{tmp_path / 'minutes.db'}"))
    says_what_to_do(result.stderr, "minutes.db", "not a SQLite database")


@pytest.mark.parametrize("url", ["ruamkit.db", "postgres://ruamkit@127.0.0.1/ruamkit", "mysql://ruamkit@127.0.0.1/ruamkit",
                                 "postgresql+psycopg://ruamkit:secret@127.0.0.1:5432/ruamkit?sslmode=nonsense"])
def test_a_database_url_ruamkit_cannot_use_says_how_to_write_one(run_cli: RunCli, url: str) -> None:
    result = failed(run_cli("db", "upgrade", database_url=url))
    message = says_what_to_do(result.stderr, "RUAMKIT_DATABASE_URL")
    assert "secret" not in message
    if "sslmode" not in url:
        assert "sqlite:///" in message and "postgresql+psycopg://" in message


def test_a_database_from_a_newer_ruamkit_is_refused_with_what_to_do(run_cli: RunCli, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'newer.db'}"
    db.upgrade(url)
    engine = db.make_engine(Settings(database_url=url))
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999_from_the_future'"))
    engine.dispose()
    for command in (["db", "upgrade"], ["serve", "--host", "127.0.0.1", "--port", str(free_port())]):
        result = failed(run_cli(*command, database_url=url))
        says_what_to_do(result.stderr, "9999_from_the_future", "newer")


def test_a_schema_behind_the_code_says_to_run_db_upgrade(run_cli: RunCli, tmp_path: Path) -> None:
    result = failed(run_cli("serve", "--no-migrate", "--host", "127.0.0.1", "--port", str(free_port()),
                            database_url=f"sqlite:///{tmp_path / 'empty.db'}"))
    says_what_to_do(result.stderr, "ruamkit db upgrade")


def test_a_setting_that_is_not_valid_is_named(run_cli: RunCli) -> None:
    result = failed(run_cli("db", "current", broadcast_interval="fast"))
    says_what_to_do(result.stderr, "RUAMKIT_BROADCAST_INTERVAL")


def test_a_trusted_proxy_that_is_not_an_address_is_named(run_cli: RunCli) -> None:
    """`*` (uvicorn's "believe everyone") would let any phone choose the address its limits count."""
    for value in ("*", "127.0.0.1, nginx"):
        result = failed(run_cli("db", "current", trusted_proxies=value))
        says_what_to_do(result.stderr, "RUAMKIT_TRUSTED_PROXIES", "is not an IP address or network")


def serve_in_a_process(tmp_path: Path, port: int, **settings: str) -> subprocess.CompletedProcess[str]:
    """`ruamkit serve` as a person runs it (its real entry point); 60 s at most."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("RUAMKIT_")}
    env.update({f"RUAMKIT_{key.upper()}": value for key, value in settings.items()})
    env.setdefault("RUAMKIT_DATABASE_URL", f"sqlite:///{tmp_path / 'ruamkit.db'}")
    return subprocess.run([sys.executable, "-c", "from app.cli import cli; cli()", "serve", "--host", "127.0.0.1",
                           "--port", str(port)], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)


def test_a_port_in_use_says_to_choose_another(tmp_path: Path) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        run = serve_in_a_process(tmp_path, port)
    assert run.returncode != 0
    says_what_to_do(run.stderr, str(port), "--port")
    assert "ruamkit is running" not in run.stdout


@pytest.mark.parametrize("redis_url", ["redis://127.0.0.1:{port}/0", "127.0.0.1:{port}"])
def test_a_redis_that_does_not_answer_is_named_with_what_to_do(tmp_path: Path, redis_url: str) -> None:
    url = redis_url.format(port=free_port())
    run = serve_in_a_process(tmp_path, free_port(), redis_url=url)
    assert run.returncode != 0
    says_what_to_do(run.stderr, url, "RUAMKIT_REDIS_URL")
    assert "ruamkit is running" not in run.stdout
