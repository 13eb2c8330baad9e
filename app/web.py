"""Template rendering shared by pages, htmx fragments and websocket views."""

from __future__ import annotations

import functools

from pathlib import Path
from typing import Any

import segno
from fastapi import Request
from fastapi.templating import Jinja2Templates
from markupsafe import Markup
from starlette.responses import HTMLResponse

from app import i18n
from app.models import Workshop
from app.services import frameworks

TEMPLATES_DIR = Path(__file__).parent / "templates"


@functools.lru_cache(maxsize=256)
def qr_svg(url: str, scale: int = 6) -> Markup:
    """An inline SVG QR code (no request to any other server). It has a viewBox and no fixed
    size, so the page's CSS decides how big it is drawn (the big screen's is 560 px).
    Cached: the big screen redraws up to ten times a second and its join URL never changes
    (making the code was a tenth of each redraw)."""
    svg = segno.make(url, error="m").svg_inline(scale=scale, dark="#000", light="#fff", omitsize=True)
    return Markup(svg)


def dimension(workshop: Any, which: frameworks.Dimension, lang: str) -> str:
    """What this workshop calls "strategies" or "reform_areas" (a page without a workshop: the
    usual name)."""
    if isinstance(workshop, Workshop):
        return frameworks.dimension_label(workshop, which, lang)
    return frameworks.preset_label("", which, lang)


def tag_depths(tags: Any) -> dict[int, int]:
    """How deep each strategy or reform area sits (0 at the top): the tag pickers indent by it."""
    parents = {tag.id: getattr(tag, "parent_id", None) for tag in tags}  # a flat list's stand-ins have none
    if not any(parents.values()):
        return dict.fromkeys(parents, 0)
    return {tag_id: len(chain) - 1 for tag_id, chain in frameworks.lineages(tags).items()}


def make_templates() -> Jinja2Templates:
    templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
    env = templates.env
    # Templates do not change while the server runs: no stat() of every template file on
    # every render (45 per phone view; measurable when 2,000 phones redraw at once).
    env.auto_reload = False
    env.globals["qr_svg"] = qr_svg
    env.globals["dimension"] = dimension
    env.globals["tag_depths"] = tag_depths
    env.globals["preset_dimension"] = frameworks.preset_label
    env.filters["when"] = lambda value, lang: i18n.format_when(value, lang) if value else ""
    env.filters["stamp"] = lambda value, lang, zone=None: i18n.format_stamp(value, lang, zone) if value else ""
    env.policies["json.dumps_kwargs"] = {"ensure_ascii": False, "sort_keys": True}
    return templates


def context(lang: str, **values: Any) -> dict[str, Any]:
    """The values every template can count on: the language and its gettext."""
    catalog = i18n.translations(lang)

    def gettext(message: str, **params: Any) -> str:
        text = catalog.gettext(message)
        return text % params if params else text

    def ngettext(singular: str, plural: str, num: int, **params: Any) -> str:
        return catalog.ngettext(singular, plural, num) % {"num": num, **params}

    return {"lang": lang, "_": gettext, "ngettext": ngettext, **values}


def render_text(templates: Jinja2Templates, name: str, lang: str, **values: Any) -> str:
    return templates.get_template(name).render(context(lang, **values))


def page(request: Request, name: str, lang: str, status_code: int = 200, headers: dict[str, str] | None = None,
         **values: Any) -> HTMLResponse:
    templates: Jinja2Templates = request.app.state.templates
    return templates.TemplateResponse(request, name, context(lang, **values), status_code=status_code,
                                      headers=headers)


def is_htmx(request: Request) -> bool:
    return request.headers.get("HX-Request") == "true"
