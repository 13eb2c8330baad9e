"""The `ruamkit` command: serve, demo, db."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from typing import Annotated

import typer

from app import db
from app.config import Settings

cli = typer.Typer(help="ruamkit (ร่วมคิด): live planning workshops on one laptop or many servers.",
                  no_args_is_help=True, add_completion=False)
db_cli = typer.Typer(help="Database schema and backups.", no_args_is_help=True)
cli.add_typer(db_cli, name="db")

HostOpt = Annotated[str, typer.Option(help="Address to listen on; 0.0.0.0 lets phones on the Wi-Fi reach it.")]
PortOpt = Annotated[int, typer.Option(help="Port to listen on.")]


def lan_address() -> str | None:
    """This machine's address on the local network, read from its interfaces (no traffic sent)."""
    candidates: list[str] = []
    try:
        out = subprocess.run(["hostname", "-I"], capture_output=True, text=True, timeout=2).stdout
        candidates += out.split()
    except (OSError, subprocess.SubprocessError):
        pass
    try:
        candidates += socket.gethostbyname_ex(socket.gethostname())[2]
    except OSError:
        pass
    for address in candidates:
        if "." in address and not address.startswith(("127.", "169.254.")):
            return address
    return None


def public_base(host: str, port: int) -> str:
    configured = os.environ.get("RUAMKIT_PUBLIC_URL")
    if configured:
        return configured.rstrip("/")
    if host in ("0.0.0.0", "::", ""):
        return f"http://{lan_address() or '127.0.0.1'}:{port}"
    return f"http://{host}:{port}"


def migrate_or_refuse(settings: Settings, migrate: bool) -> None:
    engine = db.make_engine(settings)
    try:
        if migrate:
            db.upgrade(settings.database_url)
        db.check_schema(engine)
    except db.SchemaOutOfDate as exc:
        typer.secho(str(exc), fg="red", err=True)
        raise typer.Exit(2) from None
    finally:
        engine.dispose()


def run_server(settings: Settings, host: str, port: int, workers: int) -> None:
    import uvicorn

    if workers > 1:
        # Each worker builds its own app from the environment; Redis joins them up.
        os.environ["RUAMKIT_PUBLIC_URL"] = settings.public_url or ""
        os.environ["RUAMKIT_DATABASE_URL"] = settings.database_url
        if not settings.redis_url:
            typer.secho("Several workers need RUAMKIT_REDIS_URL, or screens miss votes taken by other workers.",
                        fg="yellow", err=True)
        uvicorn.run("app.main:app", host=host, port=port, workers=workers, log_level="warning",
                    proxy_headers=True, ws_max_size=65536)
    else:
        from app.main import create_app

        uvicorn.run(create_app(settings), host=host, port=port, log_level="warning", proxy_headers=True,
                    ws_max_size=65536)


@cli.command()
def serve(host: HostOpt = "0.0.0.0", port: PortOpt = 8000,
          workers: Annotated[int, typer.Option(min=1, help="Server processes (use Redis with more than 1).")] = 1,
          migrate: Annotated[bool, typer.Option(help="Bring the database schema up to date first.")] = True) -> None:
    """Run the server and print where phones, facilitators and screens go."""
    base = public_base(host, port)
    settings = Settings(public_url=base)
    migrate_or_refuse(settings, migrate)
    typer.echo(f"ruamkit is running ({settings.database_url}).\n"
               f"  Phones (participants): {base}/  (or {base}/j/<CODE>)\n"
               f"  Facilitator:           {base}/new  (create a workshop; you land on its console)\n"
               f"  Big screen:            the link on the facilitator console ({base}/w/<CODE>/screen/<key>)\n"
               "  Stop with Ctrl+C.")
    run_server(settings, host, port, workers)


@cli.command()
def demo(host: HostOpt = "0.0.0.0", port: PortOpt = 8000) -> None:
    """Create the demo workshop (MDES projects on the 20-year National Strategy) if absent, and serve it."""
    from sqlmodel import Session

    from app.services.demo import ensure_demo

    base = public_base(host, port)
    settings = Settings(public_url=base)
    migrate_or_refuse(settings, True)
    engine = db.make_engine(settings)
    with Session(engine, expire_on_commit=False) as session:
        workshop, facilitator_key, screen_key, created = ensure_demo(session)
    engine.dispose()
    code = workshop.code
    typer.echo(
        f"{'Created' if created else 'Opened'} the demo workshop {code} ({settings.database_url}).\n"
        f"  Phone (participants):  {base}/j/{code}\n"
        f"  Facilitator (secret):  {base}/w/{code}/facilitate/{facilitator_key}\n"
        f"  Big screen:            {base}/w/{code}/screen/{screen_key}\n"
        "  These links are new on every start; older ones stop working. Stop with Ctrl+C."
    )
    sys.stdout.flush()
    run_server(settings, host, port, 1)


@db_cli.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument(help="Target revision.")] = "head") -> None:
    """Apply Alembic migrations to RUAMKIT_DATABASE_URL."""
    settings = Settings()
    db.upgrade(settings.database_url, revision)
    engine = db.make_engine(settings)
    typer.echo(f"Database at revision {db.current_revision(engine)} ({settings.database_url}).")
    engine.dispose()


@db_cli.command("current")
def db_current() -> None:
    """Show the database's revision and the code's."""
    settings = Settings()
    engine = db.make_engine(settings)
    typer.echo(f"database: {db.current_revision(engine) or 'empty'}; code: {db.head_revision()}")
    engine.dispose()


if __name__ == "__main__":
    cli()
