"""Helpers shared by the route modules (which never import each other): language, cookies,
errors as pages or toasts, the console's live part, files drawn by render workers, and the
answer to a new workshop."""

from __future__ import annotations

import re
import secrets
from typing import Any
from urllib.parse import quote

from fastapi import Request
from sqlmodel import Session
from starlette.responses import Response

from app import i18n
from app.config import Settings
from app.deps import DEVICE_COOKIE, base_url, cookie_name, device_id
from app.errors import Unavailable
from app.models import Workshop
from app.models.workshop import Phase, WorkshopCreated
from app.services import groups, links, rules
from app.services.access import Actor
from app.services.rules import Action
from app.services.views import view_context
from app.web import is_htmx, page

LANG_COOKIE = "rk_lang"
FLASH_COOKIE = "rk_new"  # set for a moment after a workshop is made: the console greets its maker


def language(request: Request, workshop: Workshop | str | None = None) -> str:
    """The reader's language: their own choice (cookie), else the workshop's (or the language
    given), else Thai."""
    fallback = workshop.language if isinstance(workshop, Workshop) else workshop
    return i18n.pick_language(request.cookies.get(LANG_COOKIE), fallback)


def secure_cookies(request: Request) -> bool:
    """Cookies are Secure over https (or behind a TLS proxy, when the setting says so)."""
    return request.app.state.settings.secure_cookies or request.url.scheme == "https"


def set_key_cookie(request: Request, response: Response, *, role: str, code: str, key: str) -> None:
    response.set_cookie(
        cookie_name(role, code), key, httponly=True, samesite="lax", path="/",
        secure=secure_cookies(request), max_age=60 * 60 * 24 * 30,
    )


def with_device_cookie(request: Request, response: Response) -> Response:
    """Give a phone its device id (app/deps.py DEVICE_COOKIE) if it has none yet."""
    if device_id(request) is None:
        response.set_cookie(DEVICE_COOKIE, secrets.token_urlsafe(16), max_age=60 * 60 * 24 * 365, path="/",
                            httponly=True, samesite="lax", secure=secure_cookies(request))
    return response


def no_store(response: Response) -> Response:
    """Pages that carry keys must not be kept by browsers or proxies."""
    response.headers["Cache-Control"] = "no-store"
    return response


def page_error_response(request: Request, template: str, params: dict[str, Any], status_code: int) -> Response:
    lang = i18n.pick_language(request.cookies.get(LANG_COOKIE))
    message = i18n.translate_error(template, params, lang)
    code = request.path_params.get("code")
    if is_htmx(request):
        headers = {"HX-Retarget": "#toast", "HX-Reswap": "innerHTML"}
        if status_code == 401 and code:
            headers = {"HX-Redirect": f"/w/{code}"}
        return page(request, "partials/_toast.html", lang, status_code=status_code, headers=headers,
                    message=message, level="error")
    return page(request, "pages/error.html", lang, status_code=status_code, message=message,
                status=status_code, code=code)


def console_live(request: Request, session: Session, workshop: Workshop, lang: str,
                 status_code: int = 200, *, actor: Actor | None = None) -> Response:
    """The console's live part, as every facilitator action answers with it (drawn for the
    asker's role: a moderator's console shows only moderation)."""
    values = view_context(session, workshop=workshop, view="facilitator", lang=lang, actor=actor)
    return page(request, "partials/_facilitator_live.html", lang, status_code=status_code, **values)


def file_response(request: Request, workshop: Workshop, kind: str, lang: str, file_type: tuple[str, str], *,
                  disposition: str = "attachment", page_lang: str | None = None,
                  round_number: int | None = None) -> Response:
    """A file of the workshop drawn by a render worker (app/renders.py), or, while it is being
    drawn, for a page (page_lang given): a page that says so and tries again by itself; for
    the API: 503 with Retry-After. With a round number, the file covers that round only."""
    drawn = kind if round_number is None else f"{kind}:{round_number}"
    try:
        body = request.app.state.renders.get(workshop.code, drawn, lang)
    except Unavailable as exc:
        if page_lang is None:
            raise
        response = page(request, "pages/preparing.html", page_lang, status_code=503, code=workshop.code,
                        message=i18n.translate_error(exc.template, exc.params, page_lang),
                        seconds=exc.params.get("seconds", 3))
        response.headers["Retry-After"] = str(exc.params.get("seconds", 3))
        return no_store(response)
    media_type, extension = file_type  # e.g. ("text/csv; charset=utf-8", "csv")
    return Response(body, media_type=media_type, headers={
        "Content-Disposition": content_disposition(disposition, workshop, extension, round_number),
        "Cache-Control": "no-store",
    })


# Not in a file name on any system: path separators, Windows' reserved characters, controls.
UNSAFE_IN_NAME = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]+')


def content_disposition(disposition: str, workshop: Workshop, extension: str, round_number: int | None) -> str:
    """The download's name (RFC 6266): an ASCII one for old clients, `ruamkit-<code>-<title>`
    with what the title has of ASCII letters and digits, and the title as it is (Thai) in
    `filename*` (RFC 5987: UTF-8, percent-encoded), which every current browser prefers."""
    part = "" if round_number is None else f"-r{round_number}"
    slug = re.sub(r"[^A-Za-z0-9]+", "-", workshop.title).strip("-")[:40]
    ascii_name = "-".join(p for p in ("ruamkit", workshop.code, slug) if p) + f"{part}.{extension}"
    title = " ".join(UNSAFE_IN_NAME.sub(" ", workshop.title).split())[:80].strip()
    full = "-".join(p for p in ("ruamkit", workshop.code, title) if p) + f"{part}.{extension}"
    header = f'{disposition}; filename="{ascii_name}"'
    if not workshop.title.isascii():
        header += f"; filename*=UTF-8''{quote(full, safe='')}"
    return header


def created_answer(request: Request, settings: Settings, workshop: Workshop, facilitator_key: str,
                   screen_key: str) -> WorkshopCreated:
    """A new workshop's code, keys and links (from the API, an import or the home page's form)."""
    base = base_url(request, settings)
    return WorkshopCreated(
        code=workshop.code, title=workshop.title, phase=Phase(workshop.phase),
        facilitator_key=facilitator_key, screen_key=screen_key,
        join_url=f"{base}/j/{workshop.code}",
        screen_url=f"{base}/w/{workshop.code}/screen/{screen_key}",
        facilitator_url=f"{base}/w/{workshop.code}/facilitate/{facilitator_key}",
    )


def facilitator_key(request: Request, workshop: Workshop) -> str:
    """The key this browser's console cookie holds for this workshop ("" if none)."""
    return request.cookies.get(cookie_name("facilitator", workshop.code), "")


def groups_card(request: Request, session: Session, workshop: Workshop, actor: Actor, base: str,
                **more: Any) -> dict[str, Any]:
    """What the console's Groups card shows this console: every group with its phase and counts
    (the card's live part, partials/_groups_live.html) and, where this console's key can draw
    them again, its facilitator and screen links; what it may do there is the rules table's."""
    found = groups.status(session, event=workshop)
    return {
        "workshop": workshop, "base": base, "groups": [row.group for row in found], "groups_status": found,
        "keys": groups.group_keys(session, event=workshop, facilitator_key=facilitator_key(request, workshop)),
        "may_manage": rules.allows(Action.manage_groups, actor, workshop),
        "may_move": rules.allows(Action.move_participant, actor, workshop),
        "phases": [p.value for p in Phase if p != Phase.closed],
        "own_key": facilitator_key(request, workshop), "new_keys": {}, "message": "", **more,
    }


def facilitators_values(session: Session, event: Workshop) -> dict[str, Any]:
    """What the Facilitators card lists, in the console's page and when answered alone: every
    link with where it acts, and the groups a new link may be issued for."""
    found = links.list_links(session, event=event)
    return {"links": found, "where": links.where_they_act(session, found),
            "link_groups": groups.list_groups(session, event=event)}
