"""The hub's renderer: a workshop's live views drawn from their templates, with the context
each view's builder gives (app/services/views.py)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

from fastapi.templating import Jinja2Templates
from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.errors import NotFound
from app.services import group_grid, workshops
from app.services.access import Actor, Role
from app.services.views import view_context
from app.versions import Memo
from app.web import render_text

TEMPLATE = {
    "screen": "partials/_screen.html",
    "facilitator": "partials/_facilitator_live.html",
    "phone": "partials/_phone_live.html",
}


class LiveRenderer:
    """The hub's renderer: (code, view, lang) -> the view's HTML, or None if the workshop is gone."""

    def __init__(self, engine: Engine, templates: Jinja2Templates, kept: Memo | None = None) -> None:
        """`kept`: project lists kept until the projects change (app/versions.py, projects_only)."""
        self.engine, self.templates, self.kept = engine, templates, kept
        self.base_by_code: dict[str, str] = {}  # the site's address per workshop (links in the views)
        # Values kept per whole version of a workshop (votes too; app/versions.py): each group's
        # standing on its event's grid is ranked again only when that group changed.
        self.grid_kept: Memo | None = None
        self._settled: set[str] = set()  # events whose grid steps the hub has just run

    def __call__(self, code: str, view: str, lang: str) -> str | None:
        return self.render_many(code, [(code, view, lang)])[(code, view, lang)]

    def render_many(self, code: str, keys: list[tuple[str, str, str]]) -> dict[tuple[str, str, str], str | None]:
        """Every asked view of one workshop from one session and one ranking (one flush)."""
        # A group's version before the first read: its standing is kept for the grid as of it.
        memo: dict[Any, Any] = {"grid version": None if self.grid_kept is None or group_grid.event_code(code) == code
                                else self.grid_kept.version(code), "grid settled": code in self._settled}
        self._settled.discard(code)
        # Work a view asks for in the background (a big workshop's duplicate hints) starts once
        # every view is drawn and the session closed: sooner, it would share the interpreter
        # with the drawing.
        with (self.kept.holding_refreshes() if self.kept is not None else contextlib.nullcontext(),
              Session(self.engine, expire_on_commit=False) as session):
            try:
                workshop = workshops.get_workshop(session, code=code)
            except NotFound:
                return dict.fromkeys(keys)
            drawn: dict[tuple[str, str, str], str | None] = {}
            for key in keys:
                # "facilitator:moderator": the console as that role may use it (app/routes/live.py).
                view, _, role = key[1].partition(":")
                actor = Actor(Role(role)) if role else None
                drawn[key] = render_text(self.templates, TEMPLATE[view], key[2],
                                         **view_context(session, workshop=workshop, view=view, lang=key[2],
                                                        base=self.base_by_code.get(code, ""), memo=memo,
                                                        kept=self.kept, grid_kept=self.grid_kept,
                                                        actor=actor))
            return drawn

    def steps(self, code: str) -> list[Callable[[], object]]:
        """Work before drawing `code`'s views that the hub may run a piece at a time: an event's
        grid's group standings (app/services/group_grid.py)."""
        made = ([] if self.grid_kept is None
                else group_grid.grid_steps(self.engine, code, self.grid_kept, self.kept))
        if made:
            self._settled.add(code)  # the next redraw of `code` follows these steps
        return made


def make_renderer(engine: Engine, templates: Jinja2Templates, kept: Memo | None = None) -> LiveRenderer:
    return LiveRenderer(engine, templates, kept)
