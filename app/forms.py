"""Web forms to the same request models the JSON API validates, and their errors per field."""

from __future__ import annotations

from typing import Any

from fastapi import Depends, Request
from pydantic import ValidationError
from starlette.datastructures import FormData

from app.models.project import ProjectCreate, ProjectUpdate
from app.models.workshop import WorkshopCreate


async def read_form(request: Request) -> FormData:
    """Read the form in the event loop, so the handler itself can run in a worker thread."""
    return await request.form()


FormDep = Depends(read_form)


def _lines(text: object) -> list[str]:
    # A form field may also be an uploaded file: that is no text, so no lines.
    return [line.strip() for line in (text if isinstance(text, str) else "").splitlines() if line.strip()]


def _entries(text: object, prefix: str) -> list[dict[str, str]]:
    """'CODE | name' per line, or just a name (coded S1, S2... / R1, R2...)."""
    entries = []
    for number, line in enumerate(_lines(text), start=1):
        code, sep, name = line.partition("|")
        entries.append({"code": code.strip(), "name": name.strip()} if sep else
                       {"code": f"{prefix}{number}", "name": line})
    return entries


def _int(value: Any) -> Any:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return value


def workshop_form(form: FormData | dict[str, Any]) -> WorkshopCreate:
    framework: Any = "th-national-2018"
    if form.get("framework") == "custom":
        framework = {"strategies": _entries(form.get("custom_strategies"), "S"),
                     "reform_areas": _entries(form.get("custom_reform_areas"), "R")}
    return WorkshopCreate.model_validate({
        "title": form.get("title", ""),
        "description": form.get("description", ""),
        "language": form.get("language") or "th",
        "framework": framework,
        "agencies": _lines(form.get("agencies")),
        "dots_per_participant": _int(form.get("dots_per_participant", 5)),
        "max_dots_per_project": _int(form.get("max_dots_per_project", 3)),
        "show_live_tallies": form.get("show_live_tallies") in ("on", "true", "1"),
        "premoderate": form.get("premoderate") in ("on", "true", "1"),
    })


def _ids(form: FormData, name: str) -> list[Any]:
    return [_int(v) for v in form.getlist(name)] if isinstance(form, FormData) else []


def project_form(form: FormData) -> ProjectCreate:
    return ProjectCreate.model_validate({
        "title": form.get("title", ""),
        "description": form.get("description", ""),
        "agency": form.get("agency", ""),
        "strategy_ids": _ids(form, "strategy_ids"),
        "reform_area_ids": _ids(form, "reform_area_ids"),
        "client_request_id": form.get("client_request_id") or None,
    })


def project_update_form(form: FormData) -> ProjectUpdate:
    return ProjectUpdate.model_validate({
        "title": form.get("title", ""),
        "description": form.get("description", ""),
        "agency": form.get("agency", ""),
        "strategy_ids": _ids(form, "strategy_ids"),
        "reform_area_ids": _ids(form, "reform_area_ids"),
    })


def form_errors(exc: ValidationError) -> dict[str, str]:
    """First message per top-level field, for showing beside it."""
    errors: dict[str, str] = {}
    for error in exc.errors():
        field = str(error["loc"][0]) if error.get("loc") else "form"
        errors.setdefault(field, str(error.get("msg", "")).removeprefix("Value error, "))
    return errors
