"""The front door: join by code, create a workshop, switch language."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from pydantic import ValidationError
from starlette.datastructures import FormData, UploadFile
from starlette.responses import Response

from app import i18n
from app.deps import SessionDep, SettingsDep, limit_create
from app.errors import Forbidden, Invalid, NotFound, RateLimited
from app.forms import UploadFormDep, form_errors, workshop_form
from app.models.workshop import FrameworkFile
from app.pages import FLASH_COOKIE, LANG_COOKIE, language, no_store, secure_cookies, set_key_cookie
from app.services import own_presets, presets, workshops
from app.services.access import check_organiser
from app.web import page

router = APIRouter(include_in_schema=False)



@router.get("/")
def home(request: Request) -> Response:
    """Join by code (phones) or create a workshop (facilitators)."""
    return page(request, "pages/home.html", language(request))


@router.get("/join")
def join_by_code(request: Request, code: str = "") -> Response:
    code = code.strip().upper()
    if not code:
        return RedirectResponse("/", status_code=303)
    return RedirectResponse(f"/w/{code}", status_code=303)


@router.get("/j/{code}")
def short_join_link(code: str) -> Response:
    """The short link in the QR code."""
    return RedirectResponse(f"/w/{code.strip().upper()}", status_code=303)


@router.get("/lang/{lang}")
def switch_language(request: Request, lang: str, next: str = "/") -> Response:
    """Keep the reader's language in a cookie and go back where they were."""
    target = next if next.startswith("/") and not next.startswith("//") else "/"
    response = RedirectResponse(target, status_code=303)
    if lang in ("th", "en"):
        response.set_cookie(LANG_COOKIE, lang, max_age=60 * 60 * 24 * 365, samesite="lax", httponly=True,
                            secure=secure_cookies(request))
    return response


@router.get("/new")
def new_workshop_form(request: Request, settings: SettingsDep) -> Response:
    lang = language(request)
    # /new?framework=own-... (the console's link after saving a preset) starts from that preset.
    own = request.query_params.get("framework", "")
    chosen = {"framework": "own", "own_preset": own[:40]} if own.startswith("own-") else {
        "framework": "th-national-2018"}
    return page(request, "pages/new.html", lang, values={"language": lang, **chosen,
                                                          "dots_per_participant": 5, "max_dots_per_project": 3,
                                                          "show_live_tallies": True},
                errors={}, presets=list(presets.PRESETS.values()), needs_password=bool(settings.organiser_password))


def _uploaded_framework(form: FormData) -> FrameworkFile | None:
    """The framework file chosen on the form, read (Invalid if it is none)."""
    if form.get("framework") != "file":
        return None
    upload = form.get("framework_file")
    return own_presets.from_upload(upload.file.read() if isinstance(upload, UploadFile) else b"")


@router.post("/new")
def create_workshop_from_form(request: Request, session: SessionDep, settings: SettingsDep,
                              form: Annotated[FormData, UploadFormDep]) -> Response:
    """Create a workshop from the form and land on its facilitator page."""
    raw = {name: value for name, value in form.items() if name != "organiser_password"}
    lang = language(request)
    needs_password = bool(settings.organiser_password)
    try:
        limit_create(request)
    except RateLimited as exc:  # the form again, with what was typed and how long to wait
        response = page(request, "pages/new.html", lang, status_code=429, values=raw,
                        errors={"form": i18n.translate_error(exc.template, exc.params, lang)},
                        presets=list(presets.PRESETS.values()), needs_password=needs_password)
        response.headers["Retry-After"] = str(exc.params["seconds"])
        return response
    try:
        password = form.get("organiser_password")
        check_organiser(settings, password if isinstance(password, str) else None)  # a file is no password
    except Forbidden:
        # Shown again with what was typed (but not the password), the error beside the field.
        return page(request, "pages/new.html", lang, status_code=403, values=raw,
                    errors={"organiser_password": "missing or wrong"},
                    presets=list(presets.PRESETS.values()), needs_password=needs_password)
    try:
        workshop_in = workshop_form(form, framework_file=_uploaded_framework(form))
    except ValidationError as exc:
        return page(request, "pages/new.html", lang, status_code=422, values=raw, errors=form_errors(exc, lang),
                    presets=list(presets.PRESETS.values()), needs_password=needs_password)
    except Invalid as exc:  # a typed framework that nests nowhere, or a framework file that is not one
        return page(request, "pages/new.html", lang, status_code=422, values=raw,
                    errors={"framework": i18n.translate_error(exc.template, exc.params, lang)},
                    presets=list(presets.PRESETS.values()), needs_password=needs_password)
    try:
        workshop, facilitator_key, _screen_key = workshops.create_workshop(session, workshop_in=workshop_in)
    except NotFound as exc:  # an own preset's id that names none: the form again, the reason beside it
        return page(request, "pages/new.html", lang, status_code=404, values=raw,
                    errors={"framework": i18n.translate_error(exc.template, exc.params, lang)},
                    presets=list(presets.PRESETS.values()), needs_password=needs_password)
    redirect = RedirectResponse(f"/w/{workshop.code}/facilitate", status_code=303)
    set_key_cookie(request, redirect, role="facilitator", code=workshop.code, key=facilitator_key)
    # The secret links are shown once, on the page this redirect lands on.
    redirect.set_cookie(FLASH_COOKIE, workshop.code, httponly=True, samesite="lax", max_age=300,
                        secure=secure_cookies(request))
    return no_store(redirect)

