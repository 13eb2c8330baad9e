"""What the `ruamkit` command checks before it works on a database or serves, and the one sentence
it says for each failure a person can fix: a setting or URL that is malformed, a database server
that does not answer, a database that is missing or is not one, a port already taken, a Redis that
does not answer. Each is raised as Problem; app/cli.py prints it and exits non-zero.
"""

from __future__ import annotations

import errno
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pydantic import ValidationError
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError

from app.config import Settings

URL_FORMS = ("sqlite:///path/to/ruamkit.db for a file on this machine or "
             "postgresql+psycopg://user@host:5432/dbname for PostgreSQL")


class Problem(Exception):
    """A failure the person at the keyboard can fix; its text is one sentence saying how."""


def load_settings(**overrides: Any) -> Settings:
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        error = exc.errors()[0]
        name = f"RUAMKIT_{str(error['loc'][0]).upper()}"
        reason = error["msg"][:1].lower() + error["msg"][1:]
        raise Problem(f"{name}={error['input']!r} is not valid ({reason}): correct it or unset it.") from None


def shown(url: str) -> str:
    """A URL as it may be printed: without its password."""
    password = urlsplit(url).password if "://" in url else None
    return url.replace(f":{password}@", ":***@") if password else url


def usable_database_url(settings: Settings) -> URL:
    """The database URL, if it is one ruamkit can use: a SQLite file or PostgreSQL through psycopg."""
    try:
        url = make_url(settings.database_url)
        usable = (url.get_backend_name(), url.get_driver_name()) in {("sqlite", "pysqlite"), ("postgresql", "psycopg")}
    except (ArgumentError, NoSuchModuleError):
        usable = False
    if not usable:
        raise Problem(f"RUAMKIT_DATABASE_URL is '{shown(settings.database_url)}', which is not a database URL "
                      f"ruamkit can use: write {URL_FORMS}.")
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        # make_engine creates the file's folder; say so plainly when that cannot be done.
        path = Path(url.database).expanduser()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError:
            raise Problem(cannot_open_sqlite(path)) from None
    return url


def cannot_open_sqlite(path: Path) -> str:
    return (f"Cannot open the SQLite database {path}: make sure its folder exists and this user may write "
            "there, or set RUAMKIT_DATABASE_URL to another file.")


@contextmanager
def database_errors(settings: Settings) -> Iterator[None]:
    """Say in one sentence why the database cannot be used, instead of the driver's traceback."""
    url = usable_database_url(settings)
    try:
        yield
    except DBAPIError as exc:
        raise Problem(database_problem(url, exc)) from None


def database_problem(url: URL, exc: DBAPIError) -> str:
    reason = str(exc.orig).strip()
    if url.get_backend_name() == "sqlite":
        path = Path(url.database or "").expanduser()
        if "unable to open database file" in reason:
            return cannot_open_sqlite(path)
        if "file is not a database" in reason:
            return (f"{path} is not a SQLite database: point RUAMKIT_DATABASE_URL at a ruamkit database "
                    "or at a new file.")
    else:
        server = f"{url.host or 'localhost'}:{url.port or 5432}"
        if "does not exist" in reason and f'database "{url.database}"' in reason:
            return (f'There is no database "{url.database}" on the PostgreSQL server at {server}: create it '
                    f"(createdb {url.database}) or correct RUAMKIT_DATABASE_URL.")
        if any(words in reason for words in ("password authentication failed", "role ", "pg_hba.conf")):
            return (f'The PostgreSQL server at {server} refused user "{url.username}": correct the user and '
                    "password in RUAMKIT_DATABASE_URL or give that user access.")
        if any(words in reason for words in ("Connection refused", "timeout expired", "failed to resolve host",
                                             "No route to host", "Network is unreachable")):
            return (f"No PostgreSQL server answers at {server}: start it, or correct the host and port in "
                    "RUAMKIT_DATABASE_URL.")
    first_line = reason.splitlines()[0].rstrip(".") if reason else type(exc.orig).__name__
    return (f"The database {url.render_as_string(hide_password=True)} cannot be used ({first_line}): "
            "check RUAMKIT_DATABASE_URL and that the database server is running.")


def check_port(host: str, port: int) -> None:
    """Refuse a port someone else listens on before saying the server runs (uvicorn would bind it
    only after the banner, and fail with a log line)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        # As uvicorn binds: a port whose last connections linger in TIME_WAIT is free to use.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except socket.gaierror:
            raise Problem(f"This machine has no address '{host}': give one of its own addresses with --host, "
                          "or 0.0.0.0 for all of them.") from None
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise Problem(f"Port {port} on {host} is already in use, perhaps by another ruamkit: stop that "
                              "program or choose another port with --port.") from None
            if exc.errno == errno.EACCES:
                raise Problem(f"Port {port} needs administrator rights: choose a port above 1023 with --port, "
                              "or put a reverse proxy in front.") from None
            if exc.errno == errno.EADDRNOTAVAIL:
                raise Problem(f"This machine has no address '{host}': give one of its own addresses with "
                              "--host, or 0.0.0.0 for all of them.") from None
            raise Problem(f"Cannot listen on {host} port {port} ({exc.strerror}): choose another --host or "
                          "--port.") from None


def check_redis(redis_url: str | None) -> None:
    """Several processes need Redis to share their changes: refuse to start without it."""
    if not redis_url:
        return
    import redis

    unset = "or unset it to serve from a single process without Redis"
    try:
        client = redis.Redis.from_url(redis_url, socket_connect_timeout=3, socket_timeout=3)
    except ValueError:
        raise Problem(f"RUAMKIT_REDIS_URL is '{shown(redis_url)}', which is not a Redis URL: write it as "
                      f"redis://host:6379/0, {unset}.") from None
    try:
        client.ping()
    except redis.AuthenticationError:
        raise Problem(f"Redis at {shown(redis_url)} refused the password: correct it in RUAMKIT_REDIS_URL, "
                      f"{unset}.") from None
    except redis.RedisError:
        raise Problem(f"Redis does not answer at {shown(redis_url)}: start it, correct RUAMKIT_REDIS_URL, "
                      f"{unset}.") from None
    finally:
        client.close()
