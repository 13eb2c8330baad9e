"""Engine, sessions and the schema-version guard."""

from __future__ import annotations

import functools
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast, overload

from sqlalchemy import event, inspect
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import ConnectionPoolEntry
from sqlmodel import Session, create_engine

from app.config import Settings
from app.paths import repository_path

if TYPE_CHECKING:
    from alembic.config import Config

T = TypeVar("T")
_CursorT = TypeVar("_CursorT", bound=sqlite3.Cursor)


class SchemaOutOfDate(RuntimeError):
    """The database's schema is not the one this code was written for."""


def make_engine(settings: Settings) -> Engine:
    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            Path(url.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": settings.sqlite_busy_timeout,
                          "factory": _writer_queue(settings.sqlite_busy_timeout)},
            # Enough kept-open connections for the admitted requests (app/admission.py) and the
            # render threads: overflow connections are opened and closed again on every burst.
            pool_size=36,
            max_overflow=8,
        )
        event.listen(engine, "connect", functools.partial(_sqlite_pragmas, synchronous=settings.sqlite_synchronous))
        return engine
    return create_engine(url, pool_size=20, max_overflow=20, pool_pre_ping=True)


_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE", "BEGIN I")  # BEGIN IMMEDIATE: the ballot box


def _writer_queue(timeout: float) -> type[sqlite3.Connection]:
    """A sqlite3 connection class whose transactions queue on one lock from their first write
    to their commit or rollback.

    SQLite lets one writer in at a time; the others sleep and poll (busy_timeout) with sleeps
    growing to 100 ms. Under a vote storm (200 votes/s from 40 server threads) the CPU sat
    idle while acknowledgements took seconds. Queued on a lock instead, each write starts the
    moment the previous one ends. The lock is per engine (per process); between processes
    SQLite's own locking still applies. After `timeout` seconds a writer goes ahead unqueued
    (and SQLite's busy timeout decides), so a mistake can never hang a request for ever.
    """
    lock = threading.Lock()

    class QueuedCursor(sqlite3.Cursor):
        def execute(self, sql: str, parameters: Any = (), /) -> Self:
            cast(QueuedConnection, self.connection)._queue_for(sql)
            return super().execute(sql, parameters)

        def executemany(self, sql: str, seq_of_parameters: Iterable[Any], /) -> Self:
            cast(QueuedConnection, self.connection)._queue_for(sql)
            return super().executemany(sql, seq_of_parameters)

    class QueuedConnection(sqlite3.Connection):
        _holding = False

        def try_hold(self) -> bool:
            """Take the write lock now if it is free (never wait): for a writer on the event loop."""
            if not self._holding:
                self._holding = lock.acquire(blocking=False)
            return self._holding

        def _queue_for(self, sql: str) -> None:
            if not self._holding and sql.lstrip()[:7].upper().startswith(_WRITES):
                self._holding = lock.acquire(timeout=timeout)

        def _leave(self) -> None:
            if self._holding:
                self._holding = False
                lock.release()

        @overload
        def cursor(self, factory: None = None) -> sqlite3.Cursor: ...
        @overload
        def cursor(self, factory: Callable[[sqlite3.Connection], _CursorT]) -> _CursorT: ...
        def cursor(self, factory: Callable[[sqlite3.Connection], sqlite3.Cursor] | None = None) -> sqlite3.Cursor:
            return super().cursor(factory or QueuedCursor)  # every cursor queues its writes

        def commit(self) -> None:
            try:
                super().commit()
            finally:
                self._leave()

        def rollback(self) -> None:
            try:
                super().rollback()
            finally:
                self._leave()

        def close(self) -> None:
            try:
                super().close()
            finally:
                self._leave()

    return QueuedConnection


def _sqlite_pragmas(dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry,
                    synchronous: str = "NORMAL") -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    # NORMAL (in WAL mode): a committed vote survives a crash of the server process (the
    # write is in the WAL file, which the operating system holds); only a power cut or a kernel
    # crash may lose the last commits. FULL adds an fsync to every commit, and since SQLite
    # commits one writer at a time, that fsync caps the vote rate: it measured 0.4 ms on an idle
    # disk but 3.5-6 ms on a busy one, i.e. under 200 votes/s. RUAMKIT_SQLITE_SYNCHRONOUS=FULL
    # restores it; PostgreSQL (the large-event choice) fsyncs with group commit.
    cursor.execute(f"PRAGMA synchronous={'FULL' if synchronous.upper() == 'FULL' else 'NORMAL'}")
    cursor.close()


def alembic_config(database_url: str) -> Config:
    from alembic.config import Config

    # Not read from alembic.ini (that is for the `alembic` command in a checkout): a wheel has none.
    cfg = Config()
    cfg.set_main_option("script_location", str(repository_path("migrations")))
    cfg.set_main_option("path_separator", "os")
    cfg.attributes["database_url"] = database_url
    return cfg


def head_revision() -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(database_url: str, revision: str = "head") -> None:
    from alembic import command

    command.upgrade(alembic_config(database_url), revision)


def refuse_newer_schema(engine: Engine) -> None:
    """Refuse a database migrated by a newer ruamkit: this code knows neither its schema nor the
    way down from it."""
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

    current = current_revision(engine)
    if current is None:
        return
    try:
        known = ScriptDirectory.from_config(alembic_config("sqlite://")).get_revision(current) is not None
    except CommandError:
        known = False
    if not known:
        raise SchemaOutOfDate(
            f"The database's schema revision {current} is unknown to this ruamkit, so a newer version made it: "
            "run that version, or point RUAMKIT_DATABASE_URL at another database."
        )


def check_schema(engine: Engine) -> None:
    """Refuse a database that is not exactly at the code's head revision."""
    current, head = current_revision(engine), head_revision()
    if current == head:
        return
    if current is None and inspect(engine).get_table_names():
        raise SchemaOutOfDate(
            "The database has tables but no migration record, so it was not made by ruamkit: "
            "point RUAMKIT_DATABASE_URL at an empty database or a ruamkit one."
        )
    refuse_newer_schema(engine)
    raise SchemaOutOfDate(
        f"The database schema is at revision {current or 'none (an empty database)'} but this "
        f"version of ruamkit needs {head}: back it up, run `ruamkit db upgrade`, then start again."
    )


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    with Session(engine, expire_on_commit=False) as session:
        yield session


def is_lock_error(exc: BaseException) -> bool:
    text = str(exc).lower()
    return isinstance(exc, OperationalError) and (
        "database is locked" in text
        or "database table is locked" in text
        or "could not serialize" in text
        or "deadlock detected" in text
    )


def with_retry(fn: Callable[[], T], attempts: int = 5) -> T:
    """Run a write that may lose a lock race, retrying a few times before giving up."""
    for attempt in range(attempts):
        try:
            return fn()
        except OperationalError as exc:
            if not is_lock_error(exc) or attempt == attempts - 1:
                raise
            time.sleep(0.02 * (attempt + 1))
    raise AssertionError("unreachable")
