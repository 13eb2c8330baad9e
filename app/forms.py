"""Web forms to the same request models the JSON API validates, and their errors per field."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

from fastapi import Depends, Request
from pydantic import ValidationError
from starlette.datastructures import FormData

from app import i18n
from app.errors import Invalid
from app.i18n import N_
from app.models.project import ProjectCreate, ProjectUpdate
from app.models.workshop import FrameworkFile, WorkshopCreate, WorkshopSettingsUpdate
from app.text import clean_title


async def read_form(request: Request) -> FormData:
    """Read the form in the event loop, so the handler itself can run in a worker thread."""
    return await request.form()


FormDep = Depends(read_form)


async def read_upload_form(request: Request) -> AsyncIterator[FormData]:
    """A form with a file in it: its spooled files are closed once the request is answered,
    refused or not."""
    form = await request.form()
    try:
        yield form
    finally:
        await form.close()


UploadFormDep = Depends(read_upload_form)


def _lines(text: object) -> list[str]:
    # A form field may also be an uploaded file: that is no text, so no lines.
    return [line.strip() for line in (text if isinstance(text, str) else "").splitlines() if line.strip()]


def _entries(text: object, prefix: str) -> list[dict[str, Any]]:
    """'CODE | name' per line, or just a name (coded S1, S2... / R1, R2...). A line nests under
    the line above it when indented more (spaces or tabs), or, unindented, when its code is
    another's with one more dotted part ("S1.2" under "S1"): the tree of API.md's `children`.
    Indentation that matches no line above is refused, naming the line (Invalid)."""
    raw = text if isinstance(text, str) else ""  # a form field may be an uploaded file: no lines
    lines = [(n, line.replace("\t", "    ").rstrip()) for n, line in enumerate(raw.splitlines(), start=1)]
    lines = [(n, line) for n, line in lines if line.strip()]
    margin = min((len(line) - len(line.lstrip()) for _n, line in lines), default=0)
    top: list[dict[str, Any]] = []
    open_above: list[tuple[int, dict[str, Any]]] = []  # (indent, entry) of the lines it may nest under
    by_code: dict[str, dict[str, Any]] = {}
    for number, line in lines:
        indent = len(line) - len(line.lstrip()) - margin
        code, sep, name = (part.strip() for part in line.strip().partition("|"))
        while open_above and open_above[-1][0] >= indent:
            closed = open_above.pop()[0]
            if closed > indent and (not open_above or open_above[-1][0] < indent):
                raise _misindented(prefix, number)
        dotted = code.rpartition(".")[0].casefold() if sep else ""
        parent = open_above[-1][1] if open_above else by_code.get(dotted) if dotted else None
        siblings = parent["children"] if parent is not None else top
        # A line without a code is numbered in its place: S3 at the top, S1.2 under S1.
        entry: dict[str, Any] = {"code": code, "name": name, "children": []} if sep else {
            "code": f"{parent['code']}.{len(siblings) + 1}" if parent else f"{prefix}{len(siblings) + 1}",
            "name": line.strip(), "children": []}
        siblings.append(entry)
        by_code.setdefault(entry["code"].casefold(), entry)
        open_above.append((indent, entry))
    return top


def _misindented(prefix: str, line: int) -> Invalid:
    """A line indented to no level of the lines above it (the textarea's own line number)."""
    if prefix == "S":
        return Invalid("Strategies, line {line}: its indentation matches no line above it. Indent a line "
                       "further than the line it belongs under, and its siblings as far as it.", line=line)
    return Invalid("Reform areas, line {line}: its indentation matches no line above it. Indent a line "
                   "further than the line it belongs under, and its siblings as far as it.", line=line)


def _int(value: Any) -> Any:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return value


def workshop_form(form: FormData | dict[str, Any], framework_file: FrameworkFile | None = None) -> WorkshopCreate:
    """The workshop the new-workshop form describes; `framework_file`: the file it uploaded
    (read by the route), whose agencies are the list when none are typed."""
    framework: Any = form.get("framework") or "th-national-2018"  # a preset's key
    agencies = _lines(form.get("agencies"))
    if form.get("framework") == "own":  # an own preset, by the id its saver was given
        framework = str(form.get("own_preset") or "").strip()
    if form.get("framework") == "custom":
        framework = {"strategies": _entries(form.get("custom_strategies"), "S"),
                     "reform_areas": _entries(form.get("custom_reform_areas"), "R")}
    if form.get("framework") == "file" and framework_file is not None:
        framework = framework_file.custom().model_dump(exclude_none=True)
        agencies = agencies or [a.name_th or a.name_en or "" for a in framework_file.agencies]
    return WorkshopCreate.model_validate({
        "title": form.get("title", ""),
        "description": form.get("description", ""),
        "language": form.get("language") or "th",
        "framework": framework,
        "agencies": agencies,
        "dots_per_participant": _int(form.get("dots_per_participant", 5)),
        "max_dots_per_project": _int(form.get("max_dots_per_project", 3)),
        "show_live_tallies": form.get("show_live_tallies") in ("on", "true", "1"),
        "premoderate": form.get("premoderate") in ("on", "true", "1"),
        "time_zone": form.get("time_zone") or "Asia/Bangkok",
        "shuffle_projects": _checked(form, "shuffle_projects"),
        "require_strategy": _checked(form, "require_strategy"),
        "typed_agencies": _checked(form, "typed_agencies"),
    })


def _checked(form: FormData | dict[str, Any], name: str) -> bool:
    return form.get(name) in ("on", "true", "1")


def settings_form(form: FormData) -> WorkshopSettingsUpdate:
    """The console's settings form: every box is sent, so an unticked one turns its setting off."""
    return WorkshopSettingsUpdate.model_validate({
        "time_zone": form.get("time_zone") or None,
        "shuffle_projects": _checked(form, "shuffle_projects"),
        "require_strategy": _checked(form, "require_strategy"),
        "typed_agencies": _checked(form, "typed_agencies"),
        # An emptied field goes back to the usual name; a form without the fields keeps the names.
        "strategies_label": form.get("strategies_label"),
        "reform_areas_label": form.get("reform_areas_label"),
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


# A sentence per kind of pydantic error, in the page's language (never the library's English).
# Placeholders are the error's context: {min}, {max}, {count}.
_MESSAGES = {
    "missing": N_("Please fill this in."),
    "string_too_short": N_("Please fill this in."),
    "string_too_long": N_("This is too long: at most {max} characters. Please shorten it."),
    "too_short": N_("Add at least {min}."),
    "too_long": N_("At most {max} entries, please."),
    "literal_error": N_("Please choose one of the options offered."),
    "int_type": N_("Please enter a whole number."),
    "int_parsing": N_("Please enter a whole number."),
    "int_from_float": N_("Please enter a whole number."),
    "greater_than_equal": N_("Please enter a number of at least {min}."),
    "greater_than": N_("Please enter a number above {min}."),
    "less_than_equal": N_("Please enter a number of at most {max}."),
    "less_than": N_("Please enter a number below {max}."),
    "bool_type": N_("Please choose yes or no."),
    "bool_parsing": N_("Please choose yes or no."),
}
# Where a field needs its own words.
_FIELD_MESSAGES = {
    ("framework", "string_pattern_mismatch"): N_(
        "A saved framework's id starts with 'own-': paste it as it was given."),
    ("strategy_ids", "too_long"): N_("Tick at most {max} strategies."),
    ("reform_area_ids", "too_long"): N_("Tick at most {max} reform areas."),
    ("strategy_ids", "int_type"): N_("Choose strategies from the list only."),
    ("reform_area_ids", "int_type"): N_("Choose reform areas from the list only."),
    ("framework", "too_short"): N_("List at least one strategy, one per line."),
    ("framework", "literal_error"): N_("Please choose one of the frameworks offered."),
    ("time_zone", "value_error"): N_("Please choose a time zone from the list."),
    ("agencies", "too_long"): N_("At most {max} agencies, please."),
}
# Messages our own validators raise (ValueError), by their start.
_VALUE_ERRORS = {
    "A project can have at most": N_("A project can have at most {max} tags in all."),
    "Each strategy code must be unique": N_("Each strategy code must be unique."),
    "Each reform area code must be unique": N_("Each reform area code must be unique."),
    "At most": N_("At most {max} strategies and at most {max} reform areas, every level counted."),
    "Entries nest at most": N_("Strategies and reform areas nest at most {max} levels deep."),
}
_TOO_LONG_WITH_COUNT = N_("This is too long: at most {max} characters, and it has {count}. Please shorten it.")
_CHECK = N_("Check this value.")
# A union's alternatives each report an error; the ones saying "not this kind" are the least useful.
_VAGUE = {"literal_error", "model_type", "dict_type"}


def _message(error: Any, field: str) -> tuple[str, dict[str, object]]:
    kind = str(error.get("type", ""))
    ctx = error.get("ctx") or {}
    params: dict[str, object] = {
        "min": ctx.get("min_length", ctx.get("ge", ctx.get("gt", ""))),
        "max": ctx.get("max_length", ctx.get("le", ctx.get("lt", ""))),
    }
    if kind == "value_error":
        text = str(error.get("msg", "")).removeprefix("Value error, ")
        for start, template in _VALUE_ERRORS.items():
            if text.startswith(start):
                first = re.search(r"\d+", text)
                return template, {"max": first.group(0) if first else params["max"]}
    if kind == "string_too_long" and isinstance(error.get("input"), str):
        # The count the server holds against the limit: after cleaning (NFC, spaces, blank lines).
        cleaned = clean_title(error["input"])
        return _TOO_LONG_WITH_COUNT, {**params, "count": len(cleaned) if isinstance(cleaned, str) else 0}
    template = _FIELD_MESSAGES.get((field, kind)) or _MESSAGES.get(kind, _CHECK)
    return template, params


def form_errors(exc: ValidationError, lang: str) -> dict[str, str]:
    """First message per top-level field, for showing beside it: a sentence in the page's language."""
    by_field: dict[str, list[Any]] = {}
    for error in exc.errors():
        field = str(error["loc"][0]) if error.get("loc") else "form"
        by_field.setdefault(field, []).append(error)
    errors: dict[str, str] = {}
    for field, found in by_field.items():
        if field == "framework":  # the saved-id alternative speaks only when a saved id was meant
            found = [e for e in found if e.get("type") not in ("string_type", "string_pattern_mismatch")
                     or str(e.get("input", "")).startswith("own")] or found
        precise = [e for e in found if e.get("type") not in _VAGUE] or found
        template, params = _message(precise[0], field)
        errors[field] = i18n.translate_error(template, params, lang)
    return errors
