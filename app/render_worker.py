"""The child side of the render workers (app/renders.py): draw one file of one workshop.

A render worker is a process forked from a forkserver that imported this module first, so
WeasyPrint, openpyxl, the templates and the report's fonts are loaded once and every worker
starts in milliseconds. Each worker caps its own address space, reads the workshop from the
database itself (the server's process does none of the work) and sends back the file's bytes,
or why there are none.
"""

from __future__ import annotations

import ctypes
import os
import resource
import signal
from multiprocessing.connection import Connection
from typing import Any

from sqlmodel import Session

from app import db
from app.config import Settings
from app.errors import DomainError
from app.models import Workshop
from app.services import groups, report, workshops
from app.services.exports import registry
from app.services.exports.format import Writer
from app.web import make_templates, render_text

REPORT_TEMPLATE = "pages/facilitator/report.html"
CARDS_TEMPLATE = "pages/facilitator/table_cards.html"
PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def _pdf(session: Session, workshop: Workshop, lang: str, round_number: int | None = None) -> bytes:
    html = render_text(make_templates(), REPORT_TEMPLATE, lang, pdf=True,
                       **report.build(session, workshop=workshop, lang=lang, pdf=True, round_number=round_number))
    return report.to_pdf(html)


def _table_cards(session: Session, workshop: Workshop, lang: str, kind: str) -> bytes:
    """The event's table cards (one a group) as a PDF, through the report's PDF path."""
    size, base = groups.parse_cards_kind(kind)
    html = render_text(make_templates(), CARDS_TEMPLATE, lang, pdf=True, size=size,
                       **groups.table_cards(session, event=workshop, base=base))
    return report.to_pdf(html)


# Every file a workshop can be drawn as, by name: the report's PDF and every export format.
DRAWERS: dict[str, Writer] = {
    "pdf": _pdf, **{name: entry.write for name, entry in registry.FORMATS.items()},
}


def draw(settings: Settings, code: str, kind: str, lang: str) -> bytes:
    """The file `kind` of workshop `code` ("xlsx", or "xlsx:2" for round 2 only), read from the
    database now."""
    name, _, number = kind.partition(":")
    engine = db.make_engine(settings)
    try:
        with Session(engine, expire_on_commit=False) as session:
            workshop = workshops.get_workshop(session, code=code)
            if name.startswith(groups.CARDS_KIND):
                return _table_cards(session, workshop, lang, name)
            return DRAWERS[name](session, workshop, lang, int(number) if number else None)
    finally:
        engine.dispose()


def child_main(conn: Connection, memory_bytes: int, settings: Settings, code: str, kind: str, lang: str) -> None:
    """A worker's whole life: cap memory, draw, send ("ok", bytes) or (failure, detail), exit."""
    _die_with_parent()
    if memory_bytes > 0:
        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    answer: tuple[str, Any]
    try:
        answer = ("ok", draw(settings, code, kind, lang))
    except MemoryError:
        answer = ("memory", None)
    except DomainError as exc:
        answer = ("refused", (exc.template, exc.params, exc.status_code))
    except Exception as exc:  # noqa: BLE001 (reported to the server, which logs it)
        answer = ("error", f"{type(exc).__name__}: {exc}"[:1000])
    try:
        conn.send(answer)
    except MemoryError:
        conn.send(("memory", None))
    finally:
        conn.close()


def _die_with_parent() -> None:
    """Linux: be killed when the forkserver ends (it ends when the server does), so a worker
    forked just before the server died does not draw on for nobody."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        return
    if os.getppid() == 1:  # the parent ended before the line above
        os._exit(1)


def _warm_up() -> None:
    """Load what every PDF needs, once, in the forkserver: WeasyPrint (if this machine has
    Pango) and the report's fonts as TrueType."""
    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError):
        return
    report.warm_up_fonts()


_warm_up()
