"""Layered fixtures: settings on a fresh database per test -> app -> client; engine -> session.

The schema is made by the Alembic revisions once per run (a template file copied for each
test), never by create_all, so every test also proves the migrations.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.engine import Engine
from sqlalchemy.pool import NullPool
from sqlmodel import Session

from app import db
from app.config import Settings
from app.main import create_app

# CI sets this so that a missing browser, PostgreSQL or Redis fails instead of skipping.
REQUIRE_SERVICES = os.environ.get("RUAMKIT_REQUIRE_SERVICES") == "1"
# Set to a PostgreSQL URL to run the whole suite on PostgreSQL (a fresh database per test).
TEST_POSTGRES_URL = os.environ.get("RUAMKIT_TEST_POSTGRES_URL")
# Where PostgreSQL-only tests look when the suite itself runs on SQLite.
DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def skip_or_fail(reason: str) -> None:
    """Skip on a laptop that lacks a service; fail in CI, where every service must be there."""
    if REQUIRE_SERVICES:
        pytest.fail(f"{reason} (RUAMKIT_REQUIRE_SERVICES=1: required in CI)")
    pytest.skip(reason)


class PostgresDatabases:
    """Fresh PostgreSQL databases cloned from one migrated template (CREATE DATABASE ... TEMPLATE)."""

    def __init__(self, admin_url: str) -> None:
        self.admin_url = make_url(admin_url)
        self.admin = create_engine(self.admin_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
        self.template = f"rk_template_{uuid.uuid4().hex[:8]}"
        self._execute(f'CREATE DATABASE "{self.template}"')
        db.upgrade(self.url(self.template))

    def url(self, name: str) -> str:
        return self.admin_url.set(database=name).render_as_string(hide_password=False)

    def _execute(self, sql: str) -> None:
        with self.admin.connect() as conn:
            conn.execute(text(sql))

    def create(self) -> str:
        name = f"rk_test_{uuid.uuid4().hex[:12]}"
        self._execute(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"')
        return name

    def drop(self, name: str) -> None:
        self._execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def close(self) -> None:
        self.drop(self.template)
        self.admin.dispose()


def postgres_reachable(url: str) -> bool:
    try:
        engine = create_engine(url, poolclass=NullPool, connect_args={"connect_timeout": 3})
        with engine.connect():
            pass
        engine.dispose()
        return True
    except Exception:  # noqa: BLE001
        return False


@pytest.fixture(scope="session")
def postgres_databases() -> Iterator[PostgresDatabases]:
    url = TEST_POSTGRES_URL or DEFAULT_POSTGRES_URL
    if not postgres_reachable(url):
        skip_or_fail(f"PostgreSQL is not reachable at {url}")
    databases = PostgresDatabases(url)
    yield databases
    databases.close()


@pytest.fixture
def postgres_url(postgres_databases: PostgresDatabases) -> Iterator[str]:
    """A fresh, migrated PostgreSQL database for one test."""
    name = postgres_databases.create()
    yield postgres_databases.url(name)
    postgres_databases.drop(name)


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    db.upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture
def database_url(request: pytest.FixtureRequest, tmp_path: Path, migrated_template: Path) -> str:
    """The test's own database: a copy of the migrated SQLite template, or a PostgreSQL clone."""
    if TEST_POSTGRES_URL:
        return request.getfixturevalue("postgres_url")
    path = tmp_path / "ruamkit.db"
    shutil.copy(migrated_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def settings(database_url: str) -> Settings:
    # render_wait: a test asking for a file waits until it is drawn (the first one also starts
    # the render workers' forkserver), instead of being told to try again.
    return Settings(database_url=database_url, broadcast_interval=0.02, phone_interval=0.02, public_url="http://testserver",
                    render_wait=60)


@pytest.fixture
def app(settings: Settings):  # type: ignore[no-untyped-def]
    return create_app(settings)


@pytest.fixture
def client(app) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def engine(settings: Settings) -> Iterator[Engine]:
    engine = db.make_engine(settings)
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with Session(engine, expire_on_commit=False) as session:
        yield session
