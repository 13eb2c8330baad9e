"""Engine, sessions and the schema-version guard."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from sqlalchemy import event, inspect
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, create_engine

from app.config import Settings

ROOT = Path(__file__).resolve().parent.parent
T = TypeVar("T")


class SchemaOutOfDate(RuntimeError):
    """The database's schema is not the one this code was written for."""


def make_engine(settings: Settings) -> Engine:
    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            Path(url.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": settings.sqlite_busy_timeout},
            pool_size=20,
            max_overflow=20,
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_size=20, max_overflow=20, pool_pre_ping=True)


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    # FULL: an acknowledged vote survives even a power cut, not just a process crash.
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.close()


def alembic_config(database_url: str):  # type: ignore[no-untyped-def]
    from alembic.config import Config

    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "migrations"))
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


def check_schema(engine: Engine) -> None:
    """Refuse a database that is not exactly at the code's head revision."""
    current, head = current_revision(engine), head_revision()
    if current == head:
        return
    if current is None and inspect(engine).get_table_names():
        raise SchemaOutOfDate(
            "The database has tables but no migration record; it was not made by ruamkit. "
            "Point RUAMKIT_DATABASE_URL at an empty database or a ruamkit one."
        )
    raise SchemaOutOfDate(
        f"The database schema is at revision {current or 'none (empty database)'} but this "
        f"version of ruamkit needs {head}. Run `ruamkit db upgrade` (back up first), then start again."
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
