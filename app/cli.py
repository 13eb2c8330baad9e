"""The `ruamkit` command: serve, demo, db."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer

from app import db
from app.config import Settings
from app.network import lan_address
from app.preflight import Problem, check_port, check_redis, database_errors, load_settings, shown

cli = typer.Typer(help="ruamkit (ร่วมคิด): live planning workshops on one laptop or many servers.",
                  no_args_is_help=True, add_completion=False)
db_cli = typer.Typer(help="Database schema and backups.", no_args_is_help=True)
cli.add_typer(db_cli, name="db")

HostOpt = Annotated[str, typer.Option(help="Address to listen on; 0.0.0.0 lets phones on the Wi-Fi reach it.")]
PortOpt = Annotated[int, typer.Option(help="Port to listen on.")]


def public_base(host: str, port: int) -> str:
    configured = os.environ.get("RUAMKIT_PUBLIC_URL")
    if configured:
        return configured.rstrip("/")
    if host in ("0.0.0.0", "::", ""):
        return f"http://{lan_address() or '127.0.0.1'}:{port}"
    return f"http://{host}:{port}"


@contextmanager
def explained() -> Iterator[None]:
    """A failure the person can fix ends the command with one sentence saying how, not a traceback."""
    try:
        yield
    except Problem as exc:
        typer.secho(str(exc), fg="red", err=True)
        raise typer.Exit(1) from None
    except db.SchemaOutOfDate as exc:
        typer.secho(str(exc), fg="red", err=True)
        raise typer.Exit(2) from None


def migrate_or_refuse(settings: Settings, migrate: bool) -> None:
    with database_errors(settings):
        engine = db.make_engine(settings)
        try:
            if migrate:
                db.refuse_newer_schema(engine)
                db.upgrade(settings.database_url)
            db.check_schema(engine)
        finally:
            engine.dispose()


def serving(settings: Settings) -> Settings:
    """The settings a server process runs with: what is not set takes the server's defaults
    (the collector tuned, a short GIL switch interval, the search warmed up). `ruamkit bench`
    measures the views with the same (bench/views.py)."""
    defaults = {"gc_freeze": True, "switch_interval": 0.0005, "warm_search": True}
    return settings.model_copy(update={name: value for name, value in defaults.items()
                                       if getattr(settings, name) is None})


def run_server(settings: Settings, host: str, port: int, workers: int) -> None:
    import uvicorn

    # A server process tunes its garbage collector unless told otherwise (RUAMKIT_GC_FREEZE);
    # set in the environment too, so that worker processes, which read it, do the same.
    # Measured with `ruamkit bench` (README, "Running a large event"): the collector's tuning
    # made no difference beyond noise at 2,000 phones (kept: it costs nothing and the bare
    # fan-out's worst stalls were collections); the shorter GIL switch interval let ~25 % more
    # votes through under a vote storm.
    settings = serving(settings)
    os.environ["RUAMKIT_GC_FREEZE"] = str(settings.gc_freeze).lower()
    os.environ["RUAMKIT_SWITCH_INTERVAL"] = str(settings.switch_interval)
    os.environ["RUAMKIT_WARM_SEARCH"] = str(settings.warm_search).lower()
    # Per-message deflate: off unless RUAMKIT_WS_PER_MESSAGE_DEFLATE=true. Measured at 2,000 phones
    # and 50 votes/s: on, the server used 68 % of a core instead of 55 %, 294 MB instead of 206 MB
    # (about 44 KB more per phone), and p95 vote-to-screen was 241 ms instead of 200 ms.
    deflate = settings.ws_per_message_deflate
    # X-Forwarded-For and -Proto are believed from the trusted proxies only (RUAMKIT_TRUSTED_PROXIES):
    # uvicorn then takes the client's address as the last one in the list that is not a proxy.
    # The backlog (connections waiting to be accepted): after a restart the whole hall knocks at
    # once, and beyond uvicorn's default of 2,048 the kernel dropped handshakes (4,000 phones,
    # `ruamkit bench --scenario restart`), each dropped phone then waiting twice as long before
    # its next try. The kernel holds it to net.core.somaxconn.
    options: dict[str, Any] = {
        "host": host, "port": port, "log_level": "warning", "ws_max_size": 65536, "ws_per_message_deflate": deflate,
        "proxy_headers": bool(settings.trusted_proxies.strip()), "forwarded_allow_ips": settings.trusted_proxies,
        "backlog": 8192}
    if workers > 1:
        # Each worker builds its own app from the environment; Redis joins them up.
        os.environ["RUAMKIT_PUBLIC_URL"] = settings.public_url or ""
        os.environ["RUAMKIT_DATABASE_URL"] = settings.database_url
        if not settings.redis_url:
            typer.secho("Several workers need RUAMKIT_REDIS_URL, or screens miss votes taken by other workers.",
                        fg="yellow", err=True)
        uvicorn.run("app.main:app", workers=workers, **options)
    else:
        from app.main import create_app

        uvicorn.run(create_app(settings), **options)


@cli.command()
def serve(host: HostOpt = "0.0.0.0", port: PortOpt = 8000,
          workers: Annotated[int, typer.Option(min=1, help="Server processes (use Redis with more than 1).")] = 1,
          migrate: Annotated[bool, typer.Option(help="Bring the database schema up to date first.")] = True) -> None:
    """Run the server and print where phones, facilitators and screens go."""
    base = public_base(host, port)
    with explained():
        settings = load_settings(public_url=base)
        check_port(host, port)
        migrate_or_refuse(settings, migrate)
        check_redis(settings.redis_url)
    typer.echo(f"ruamkit is running ({shown(settings.database_url)}).\n"
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
    with explained():
        settings = load_settings(public_url=base)
        check_port(host, port)
        migrate_or_refuse(settings, True)
        check_redis(settings.redis_url)
        with database_errors(settings):
            engine = db.make_engine(settings)
            with Session(engine, expire_on_commit=False) as session:
                workshop, facilitator_key, screen_key, created = ensure_demo(session)
            engine.dispose()
    code = workshop.code
    typer.echo(
        f"{'Created' if created else 'Opened'} the demo workshop {code} ({shown(settings.database_url)}).\n"
        f"  Phone (participants):  {base}/j/{code}\n"
        f"  Facilitator (secret):  {base}/w/{code}/facilitate/{facilitator_key}\n"
        f"  Big screen:            {base}/w/{code}/screen/{screen_key}\n"
        "  These links are new on every start; older ones stop working. Stop with Ctrl+C."
    )
    sys.stdout.flush()
    run_server(settings, host, port, 1)


@cli.command()
def bench(
    clients: Annotated[int | None, typer.Option(
        min=1, help="Phones: participants who join and hold a websocket (default 2000; 4000 with "
                    "--scenario restart).")] = None,
    scenario: Annotated[str, typer.Option(
        help="'storm': taps at --rate for --seconds; 'restart': the server is killed with SIGKILL under "
             "the held phones and started again, and the phones reconnect as the page does "
             "(prints the recovery curve).")] = "storm",
    rate: Annotated[float, typer.Option(min=0.1, help="Taps (+1 dot) per second, sent open-loop.")] = 200.0,
    seconds: Annotated[float, typer.Option(min=0.1, help="How long to tap.")] = 30.0,
    workers: Annotated[int, typer.Option(
        min=1, help="Server processes, each on its own port; clients split across them.")] = 1,
    database_url: Annotated[str | None, typer.Option(
        help="Database for the servers (default: a new SQLite file in a temp folder).")] = None,
    redis_url: Annotated[str | None, typer.Option(help="Redis for change notices between server processes.")] = None,
    interval: Annotated[float, typer.Option(
        help="Coalescing interval (RUAMKIT_BROADCAST_INTERVAL) for ruamkit and the baseline.")] = 0.1,
    phone_interval: Annotated[float, typer.Option(
        help="Seconds between tally redraws on the phones (RUAMKIT_PHONE_INTERVAL), "
             "for ruamkit and the baseline.")] = 0.5,
    baseline: Annotated[bool, typer.Option(
        help="Also run the bare uvicorn fan-out baseline and report ratios.")] = True,
    cpu_split: Annotated[bool, typer.Option(
        help="Pin the servers and this load generator to different cores.")] = False,
    projects: Annotated[int, typer.Option(
        min=1, max=10_000, help="Projects in the bench workshop, titled with real Thai project names "
                                "(above 200: the views bench, see --views).")] = 20,
    views: Annotated[bool, typer.Option(
        help="Instead of the live run: time each live view's redraw and each file's drawing for a workshop "
             "of --projects projects and --clients participants built in a new database "
             "(always so above 200 projects).")] = False,
    path: Annotated[str, typer.Option(
        help="'phone': simulate phones as the page does (join form, cookie, + button); "
             "'api': the JSON API.")] = "phone",
    browsers: Annotated[int, typer.Option(
        min=0, max=50, help="Add this many real Chromium phones (/usr/bin/chromium) tapping + on the real page.")] = 0,
    server_env: Annotated[list[str] | None, typer.Option(
        help="Extra KEY=VALUE settings for the ruamkit servers (repeatable).")] = None,
    groups: Annotated[int, typer.Option(
        min=0, max=200, help="A large event: this many breakout groups of --projects projects each; phones join "
                             "their group by its code and tap its projects, every group's screen and the event's "
                             "grid of all groups are watched; the baseline fans out as many rooms and a grid.")] = 0,
) -> None:
    """Rehearse a venue: real servers, N phones on websockets, R taps/s; prints one JSON line last."""
    if scenario not in ("storm", "restart"):
        raise typer.BadParameter("'storm' or 'restart'.", param_hint="--scenario")
    clients = clients or (4000 if scenario == "restart" else 2000)
    if views or (projects > 200 and not groups):
        from bench import views as views_bench

        views_bench.main(projects=projects, participants=clients)
        return
    from bench.run import Options, main

    env = dict(item.split("=", 1) for item in server_env or [] if "=" in item)
    main(Options(clients=clients, rate=rate, seconds=seconds, workers=workers, database_url=database_url,
                 redis_url=redis_url, interval=interval, phone_interval=phone_interval, baseline=baseline,
                 cpu_split=cpu_split, projects=projects, path=path, browsers=browsers, server_env=env,
                 groups=groups, scenario=scenario))


@db_cli.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument(help="Target revision.")] = "head") -> None:
    """Apply Alembic migrations to RUAMKIT_DATABASE_URL."""
    with explained():
        settings = load_settings()
        with database_errors(settings):
            engine = db.make_engine(settings)
            try:
                db.refuse_newer_schema(engine)
                db.upgrade(settings.database_url, revision)
                typer.echo(f"Database at revision {db.current_revision(engine)} ({shown(settings.database_url)}).")
            finally:
                engine.dispose()


@db_cli.command("current")
def db_current() -> None:
    """Show the database's revision and the code's."""
    with explained():
        settings = load_settings()
        with database_errors(settings):
            engine = db.make_engine(settings)
            try:
                typer.echo(f"database: {db.current_revision(engine) or 'empty'}; code: {db.head_revision()}")
            finally:
                engine.dispose()


@db_cli.command("backup")
def db_backup(
    file: Annotated[Path, typer.Argument(help="Where to write the copy: a new SQLite file.")],
    force: Annotated[bool, typer.Option(help="Replace FILE if it exists.")] = False,
) -> None:
    """Copy the SQLite database to FILE, consistently, even while the server is running."""
    import sqlite3

    from sqlalchemy.engine import make_url

    with explained():
        settings = load_settings()
    url = make_url(settings.database_url)
    if url.get_backend_name() != "sqlite":
        typer.secho(
            "`ruamkit db backup` copies SQLite databases. This server uses PostgreSQL: back it up with "
            "PostgreSQL's own tool, pg_dump, e.g.\n"
            "  pg_dump --format=custom --file=ruamkit.dump \"$RUAMKIT_DATABASE_URL\"\n"
            "(a plain postgresql:// URL, without '+psycopg'), and restore it with pg_restore.",
            fg="red", err=True)
        raise typer.Exit(2)
    source = Path(url.database or "").expanduser()
    if not url.database or url.database == ":memory:" or not source.is_file():
        typer.secho(f"There is no SQLite database at '{url.database}' to back up (RUAMKIT_DATABASE_URL).",
                    fg="red", err=True)
        raise typer.Exit(2)
    target = file.expanduser()
    if target.resolve() == source.resolve():
        typer.secho("The backup must go to another file than the database itself.", fg="red", err=True)
        raise typer.Exit(2)
    if target.exists() and not force:
        typer.secho(f"{target} already exists; choose another name or add --force to replace it.",
                    fg="red", err=True)
        raise typer.Exit(2)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    # SQLite's online backup API: one step copies every page inside a single read transaction,
    # so the copy is one consistent moment; in WAL mode the server keeps writing meanwhile.
    with sqlite3.connect(source, timeout=settings.sqlite_busy_timeout) as src, sqlite3.connect(partial) as dst:
        src.backup(dst, pages=-1)
        # One self-contained file (no -wal beside it); the server turns WAL on again when it opens it.
        dst.execute("PRAGMA journal_mode=DELETE")
        check = dst.execute("PRAGMA integrity_check").fetchone()[0]
        try:
            revision = dst.execute("SELECT version_num FROM alembic_version").fetchone()
        except sqlite3.DatabaseError:
            revision = None
    src.close()
    dst.close()
    if check != "ok":
        partial.unlink(missing_ok=True)
        typer.secho(f"The copy failed its integrity check ({check}); nothing was written.", fg="red", err=True)
        raise typer.Exit(1)
    partial.replace(target)
    typer.echo(f"Backed up {source} to {target} ({target.stat().st_size} bytes, schema revision "
               f"{revision[0] if revision else 'none'}, integrity ok). To restore it, stop the server and "
               f"start it with RUAMKIT_DATABASE_URL=sqlite:///{target}.")


if __name__ == "__main__":
    cli()
