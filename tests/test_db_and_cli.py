"""The schema comes only from Alembic; a database behind the code is refused with a clear message."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import text
from sqlmodel import Session
from typer.testing import CliRunner

from app import db
from app.cli import cli
from app.config import Settings
from app.main import create_app
from app.services import demo, projects, workshops


def test_models_and_migrations_agree(database_url: str) -> None:
    command.check(db.alembic_config(database_url))


def test_an_empty_database_is_refused_until_migrated(tmp_path: Path) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'new.db'}")
    engine = db.make_engine(settings)
    with pytest.raises(db.SchemaOutOfDate, match="ruamkit db upgrade"):
        db.check_schema(engine)
    db.upgrade(settings.database_url)
    db.check_schema(engine)
    engine.dispose()


def test_the_app_will_not_start_on_an_old_schema(tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    url = f"sqlite:///{tmp_path / 'old.db'}"
    db.upgrade(url, "base")
    with pytest.raises(db.SchemaOutOfDate), TestClient(create_app(Settings(database_url=url))):
        pass


def test_a_foreign_database_is_refused(tmp_path: Path) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'foreign.db'}")
    engine = db.make_engine(settings)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE something (id INTEGER)"))
    with pytest.raises(db.SchemaOutOfDate, match="not made by ruamkit"):
        db.check_schema(engine)
    engine.dispose()


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path: Path) -> None:
    engine = db.make_engine(Settings(database_url=f"sqlite:///{tmp_path / 'wal.db'}"))
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
    engine.dispose()


def test_ruamkit_db_upgrade_migrates_the_configured_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("RUAMKIT_DATABASE_URL", url)
    answer = CliRunner().invoke(cli, ["db", "upgrade"])
    assert answer.exit_code == 0, answer.output
    assert f"revision {db.head_revision()}" in answer.output
    engine = db.make_engine(Settings(database_url=url))
    db.check_schema(engine)
    engine.dispose()


def test_the_demo_workshop_holds_the_twenty_mdes_projects(session: Session) -> None:
    workshop, facilitator_key, screen_key, created = demo.ensure_demo(session)
    assert created and workshop.code == "MDES26" and workshop.phase == "propose"
    titles = [p.title for p in projects.list_projects(session, workshop=workshop)]
    assert len(titles) == 20
    assert titles[0] == "พัฒนา ปรับปรุงกฎหมายที่สำคัญในการผลักดันด้านเศรษฐกิจดิจิทัล"
    assert titles[12] == "โครงการ Coding Nation"
    law = projects.public(session, projects.list_projects(session, workshop=workshop)[0])
    codes = {s.id: s.code for s in workshops.list_strategies(session, workshop=workshop)}
    assert sorted(codes[i] for i in law.strategy_ids) == ["S1", "S2", "S6"]
    assert len(workshops.list_agencies(session, workshop=workshop)) == 9
    # Opening it again keeps the workshop and gives new keys (old links stop working).
    again, new_key, _, created_again = demo.ensure_demo(session)
    assert (again.id, created_again) == (workshop.id, False)
    assert new_key != facilitator_key


def test_the_cli_shows_its_commands() -> None:
    answer = CliRunner().invoke(cli, ["--help"])
    assert answer.exit_code == 0
    for verb in ("serve", "demo", "db"):
        assert verb in answer.output
