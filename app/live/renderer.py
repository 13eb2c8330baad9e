"""The hub's renderer: a workshop's live views drawn from their templates, with the context
each view's builder gives (app/services/views.py)."""

from __future__ import annotations

from typing import Any

from fastapi.templating import Jinja2Templates
from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.errors import NotFound
from app.services import workshops
from app.services.views import view_context
from app.web import render_text

TEMPLATE = {
    "screen": "partials/_screen.html",
    "facilitator": "partials/_facilitator_live.html",
    "phone": "partials/_phone_live.html",
}


def make_renderer(engine: Engine, templates: Jinja2Templates):  # type: ignore[no-untyped-def]
    """The hub's renderer: (code, view, lang) -> the view's HTML, or None if the workshop is gone."""
    base_by_code: dict[str, str] = {}

    def render(code: str, view: str, lang: str) -> str | None:
        return render_many(code, [(code, view, lang)])[(code, view, lang)]

    def render_many(code: str, keys: list[tuple[str, str, str]]) -> dict[tuple[str, str, str], str | None]:
        """Every asked view of one workshop from one session and one ranking (one flush)."""
        with Session(engine, expire_on_commit=False) as session:
            try:
                workshop = workshops.get_workshop(session, code=code)
            except NotFound:
                return dict.fromkeys(keys)
            memo: dict[Any, Any] = {}
            return {key: render_text(templates, TEMPLATE[key[1]], key[2],
                                     **view_context(session, workshop=workshop, view=key[1], lang=key[2],
                                                    base=base_by_code.get(code, ""), memo=memo))
                    for key in keys}

    render.base_by_code = base_by_code  # type: ignore[attr-defined]
    render.render_many = render_many  # type: ignore[attr-defined]
    return render
