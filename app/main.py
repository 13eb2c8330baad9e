"""The application factory: `create_app(settings)`; `app` for uvicorn."""

from __future__ import annotations

import logging
import re
import sys
import threading
import time
from collections.abc import AsyncIterator, Collection
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException
from starlette.middleware.gzip import GZipMiddleware
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app import db
from app.admission import AdmissionLimit
from app.ballot_box import BallotBox
from app.config import Settings
from app.errors import DomainError, RateLimited, Unavailable
from app.live.broker import make_broker
from app.live.hub import Hub, RawSend
from app.live.timer_watch import TimerWatch
from app.live.renderer import make_renderer
from app.renders import RenderPool
from app.security import CsrfGuard, RateLimiter, SecurityHeaders, SocketCounts
from app.services import group_grid
from app.services.project_import import Jobs
from app.versions import Memo, Versions, few
from app.web import make_templates

log = logging.getLogger(__name__)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = db.make_engine(settings)
        try:
            if settings.auto_migrate:
                db.upgrade(settings.database_url)
            db.check_schema(engine)
        except Exception:
            engine.dispose()
            raise
        app.state.engine = engine
        on_loop = settings.db_on_loop
        # What is drawn from a workshop (the phones' shared view, public results, files) is kept
        # until its workshop changes: every change notice, of this process or another, moves its version.
        versions = Versions()
        # The live views' project lists (rows and tags) are kept until the projects change: a
        # vote re-reads only the tallies (a redraw of 3,000 projects, issue 13). Room for a large
        # event's groups, a few lists each: 64 values for 40 groups drawn in turn were all dropped
        # before their group's next redraw (the least used goes first), and every redraw read its
        # projects again.
        kept_projects = Memo(versions, size=1024, projects_only=True)
        renderer = make_renderer(engine, app.state.templates, kept_projects)
        hub = Hub(renderer, interval=settings.broadcast_interval,
                  render_on_loop=on_loop,
                  view_intervals={"phone": settings.phone_interval}, groups_interval=settings.groups_interval)
        # A value computed in the background (a big workshop's duplicate hints) is drawn when ready.
        kept_projects.on_refreshed = hub.notify
        if settings.warm_search:  # not waited for: the server takes requests meanwhile
            threading.Thread(target=warm_search, args=(engine, bool(settings.gc_freeze)),
                             name="warm-search", daemon=True).start()
        if settings.gc_freeze:
            tune_gc(settings.gc_threshold0)
        if settings.switch_interval:
            # Worker threads (votes, renders) give up the GIL at every SQLite call and then wait
            # for the event loop, busy writing to thousands of phones, to hand it back: after up
            # to 5 ms by default. With 0.5 ms, a 15 s run at 2,000 phones and 200 votes/s had
            # 2,940 of 3,000 votes acknowledged instead of 2,359 (README, "Running a large event").
            sys.setswitchinterval(settings.switch_interval)
        broker = make_broker(settings.redis_url)
        broker.subscribe(hub.notify)
        broker.subscribe(versions.changed)
        broker.on_resync(versions.changed_all)  # first: a redraw must not get what was kept from before
        broker.on_resync(hub.notify_all)
        broker.subscribe_revokes(hub.revoke_link)

        def publish(code: str, votes_only: bool = False, projects: Collection[int] | None = None) -> None:
            """Every change of this process: its version first (the next request must not get what
            was kept from before), then every process's hub. A group's change is its event's
            too (the event's screen shows every group); each hub coalesces the notices per code.
            `projects`: the projects the change touched, if it knows (their rows are read again,
            not all: app/versions.py); too many travel as a change of anything."""
            named = few(projects)
            for changed in group_grid.changed_codes(code):
                versions.changed(changed, votes_only, named)
                broker.publish(changed, votes_only, named)

        renders = RenderPool(settings, versions)
        renders.install_signal_handlers()
        app.state.hub, app.state.broker, app.state.publish = hub, broker, publish
        app.state.renders, app.state.memo = renders, Memo(versions)
        # Its own memo: each group's standing on the grid, kept apart from the files and
        # results served to the public, which would push them out.
        renderer.grid_kept = Memo(versions, size=1024)
        def publish_all(codes: set[str]) -> None:  # the ballot box's: votes and scores only
            for code in codes:
                publish(code, votes_only=True)

        ballot_box = BallotBox(engine, on_loop=on_loop, on_committed=publish_all)
        app.state.ballot_box = ballot_box
        ballot_box.start()
        await hub.start()
        await broker.start()
        timer_watch = TimerWatch(engine, publish, interval=settings.timer_check_interval)
        await timer_watch.start()
        try:
            yield
        finally:
            renders.close()
            await timer_watch.stop()
            await ballot_box.close()
            await broker.stop()
            await hub.stop()
            engine.dispose()

    # FastAPI's own /docs and /redoc load their files from a CDN with inline script: ours is
    # app/routes/docs.py.
    app = FastAPI(title="ruamkit", version="1", lifespan=lifespan, docs_url=None, redoc_url=None,
                  swagger_ui_oauth2_redirect_url=None,
                  description="Live planning workshops: propose projects, tag them to strategies, vote with dots.")
    app.state.settings = settings
    app.state.templates = make_templates()
    app.state.rate_limiter = RateLimiter()
    app.state.socket_counts = SocketCounts()
    app.state.import_jobs = Jobs()  # spreadsheet imports running in this process (the console's progress bars)
    # Outermost last: headers on every answer, then CSRF, then the body limit, then compression
    # (HTTP only: websockets pass straight through; see Compression for what is left as it is.
    # Level 6 compresses pages nearly as well as 9 for less CPU.)
    app.add_middleware(AdmissionLimit, body_timeout=settings.body_timeout,  # innermost: see app/admission.py
                       body_min_rate=settings.body_min_rate)
    app.add_middleware(Compression, minimum_size=500, compresslevel=6)
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes,
                       larger=(IMPORT_PATHS, settings.max_import_bytes))
    app.add_middleware(CsrfGuard)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(RawSend)  # outermost: app/live/hub.py
    _add_error_handlers(app)
    _document_error_shape(app)

    from app.routes import (
        docs,
        exports,
        facilitator,
        groups,
        groups_pages,
        home,
        links,
        live,
        phone,
        plenary,
        project_import,
        projects,
        report,
        rounds,
        rounds_pages,
        screen,
        static,
        votes,
        workshops,
    )

    # Routes are tried in order: the taps of a vote storm (phone, votes, rounds_pages) first,
    # where matching them costs least. report, project_import and groups_pages before facilitator:
    # /w/{code}/facilitate/{key} would take "report", "import" or "groups" for a key.
    for module in (phone, votes, rounds_pages, workshops, groups, project_import, projects, rounds, exports, report,
                   groups_pages, home, links, plenary, facilitator,
                   screen, live, static, docs):
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=static.STATIC_DIR), name="static")
    return app


def tune_gc(threshold0: int) -> None:
    """After start-up: move every object that exists now (modules, templates, the ORM's
    metadata: long-lived) out of the collector's sight, and collect the youngest generation
    less often. A vote storm makes many short-lived objects; with the default threshold (700)
    the collector ran hundreds of times a second and its full passes walked every object.
    Numbers: README, "Running a large event"."""
    import gc

    gc.collect()
    gc.freeze()
    _, threshold1, threshold2 = gc.get_threshold()
    gc.set_threshold(threshold0, threshold1, threshold2)


DATABASE_LOG_SECONDS = 10.0


def _add_error_handlers(app: FastAPI) -> None:
    from app.pages import page_error_response

    @app.exception_handler(DomainError)
    async def domain_error(request: Request, exc: DomainError) -> Response:
        if request.url.path.startswith("/api/"):
            response: Response = JSONResponse({"detail": exc.detail}, status_code=exc.status_code)
        else:
            response = page_error_response(request, exc.template, exc.params, exc.status_code)
        if isinstance(exc, RateLimited | Unavailable):
            response.headers["Retry-After"] = str(exc.params.get("seconds", 1))
        return response

    # The database away for a moment (PostgreSQL restarting, a connection cut, the pool empty):
    # a clear "try again" (503, Retry-After), never a 500. The pool's pre-ping replaces the
    # broken connections, so the next request after the database is back is served as usual.
    # Logged once per DATABASE_LOG_SECONDS, not once per request of a storm.
    logged_at = [-DATABASE_LOG_SECONDS]

    async def database_away(request: Request, exc: Exception) -> Response:
        now = time.monotonic()
        if now - logged_at[0] >= DATABASE_LOG_SECONDS:
            logged_at[0] = now
            log.warning("The database is not answering (%s); answering 503 with Retry-After meanwhile",
                        str(exc).splitlines()[0][:200])
        return await domain_error(request, Unavailable(
            "The database is not answering just now; nothing was changed. Try again in {seconds} seconds.", seconds=2))

    for away in (OperationalError, InterfaceError, PoolTimeout):
        app.add_exception_handler(away, database_away)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> Response:
        problems = []
        for error in exc.errors():
            where = ".".join(str(part) for part in error.get("loc", ()) if part != "body")
            problems.append(f"{where}: {error.get('msg')}" if where else str(error.get("msg")))
        detail = "The request is not valid: " + "; ".join(problems[:10]) + "."
        return JSONResponse({"detail": detail, "errors": _jsonable(exc.errors())}, status_code=422)


def _document_error_shape(app: FastAPI) -> None:
    """/openapi.json describes the 422 answer this app really gives ({"detail": "<sentence>",
    "errors": [...]}), not FastAPI's default (a list under "detail"); clients and fuzzers read it."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = generate()
            schema.get("components", {}).get("schemas", {})["HTTPValidationError"] = {
                "title": "HTTPValidationError", "type": "object", "required": ["detail"],
                "properties": {
                    "detail": {"type": "string", "title": "Detail",
                               "description": "One sentence naming what is wrong with the request."},
                    "errors": {"type": "array", "title": "Errors",
                               "items": {"$ref": "#/components/schemas/ValidationError"}},
                },
            }
        return app.openapi_schema or generate()

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI's documented way to extend the schema


def _jsonable(errors: object) -> object:
    from fastapi.encoders import jsonable_encoder

    try:
        return jsonable_encoder(errors, custom_encoder={Exception: str, bytes: lambda b: b.decode("utf-8", "replace")})
    except Exception:  # noqa: BLE001
        return []


class Compression(GZipMiddleware):
    """gzip, but not the answer to a tap (+, -, a score): compressing each took 0.45 ms of CPU,
    a fifth of a tap's cost under a vote storm, to save a packet or two of a small fragment."""

    TAPS = re.compile(r"/w/[^/]+/(ballot|scores)/[^/]+")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and self.TAPS.fullmatch(scope["path"]):
            await self.app(scope, receive, send)
            return
        await super().__call__(scope, receive, send)


# The routes that take a spreadsheet of projects: the API's and the console's upload and import.
IMPORT_PATHS = re.compile(r"/api/v1/workshops/[^/]+/projects/import|/w/[^/]+/facilitate/import(/commit)?")


class BodyLimit:
    """Refuse request bodies over the limit with 413, whether or not Content-Length is sent.
    `larger`: (paths, bytes), a higher limit for the POSTs to those paths only."""

    def __init__(self, app: ASGIApp, max_bytes: int, larger: tuple[re.Pattern[str], int] | None = None) -> None:
        self.app, self.default_bytes, self.larger = app, max_bytes, larger

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        max_bytes = self.default_bytes
        if self.larger and scope["method"] == "POST" and self.larger[0].fullmatch(scope["path"]):
            max_bytes = max(max_bytes, self.larger[1])
        await self._limited(scope, receive, send, max_bytes)

    async def _limited(self, scope: Scope, receive: Receive, send: Send, max_bytes: int) -> None:
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                try:
                    too_big = int(value) > max_bytes
                except ValueError:
                    too_big = False
                if too_big:
                    await self._refuse(scope, receive, send, max_bytes)
                    return
        received = 0
        response_started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > max_bytes:
                    raise _TooLarge(max_bytes)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal response_started
            response_started = response_started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _TooLarge:
            if not response_started:
                await self._refuse(scope, receive, send, max_bytes)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, max_bytes: int) -> None:
        response = JSONResponse(
            {"detail": f"The request body is larger than this server's limit of {max_bytes} bytes."},
            status_code=413,
        )
        await response(scope, receive, send)


class _TooLarge(HTTPException):
    # An HTTPException, because FastAPI turns any other error raised while it reads the body
    # into "400 error parsing the body"; this one it passes on, and it is answered with 413.
    def __init__(self, max_bytes: int) -> None:
        super().__init__(413, f"The request body is larger than this server's limit of {max_bytes} bytes.")


app = create_app()


def warm_search(engine: Any, freeze: bool = False) -> None:
    """The Thai word cutter loaded and the open workshops' newest titles and agencies cut into
    words, in a background thread: a phone's first search after start was 2 to 3 s. `freeze`:
    then move what that made (the cutter's dictionary, about 420,000 objects, kept for the
    process's life) out of the collector's sight, as tune_gc did at start: each full collection
    walked them all (84 ms of CPU on a quiet machine, about 480 ms seen under load, in the middle
    of a redraw or a tap's answer)."""
    from sqlmodel import Session, col, select

    from app.models import Phase, Project, Workshop
    from app.services import project_search

    try:
        with Session(engine) as session:
            rows = session.exec(select(Project.title, Project.agency).join(Workshop)
                                .where(col(Workshop.phase) != Phase.closed)
                                .order_by(col(Project.id).desc()).limit(project_search.WARM_TEXTS // 2)).all()
        project_search.warm_up(text for row in rows for text in row if text)
        if freeze:
            import gc

            gc.freeze()
    except Exception:  # a search still works without it, only its first time is slower
        logging.getLogger(__name__).exception("Warming the search up failed")
