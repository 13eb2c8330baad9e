"""Helpers shared by the web pages: language, cookies, errors as pages or toasts."""

from __future__ import annotations

import secrets
from typing import Any

from fastapi import Request
from starlette.responses import Response

from app import i18n
from app.deps import DEVICE_COOKIE, cookie_name, device_id
from app.models import Workshop
from app.web import is_htmx, page

LANG_COOKIE = "rk_lang"


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
