"""A table's facilitator runs their table: phases, the timer (started, extended, paused,
resumed, stopped), edits, a merge and a hide; the main facilitator promotes the table's best
to the plenary. Each of these is in the event's action log with the table's code, and the
facilitator reads what was done in their own language, in the console and in the workbook."""

from __future__ import annotations

import io
import re
from typing import Any

import openpyxl
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.routes.helpers import API, bearer, create_workshop

W = f"{API}/workshops"


def ok(answer: Any, status: int = 200) -> Any:
    assert answer.status_code == status, answer.text
    return answer.json() if answer.content else None


def a_table_at_work(client: TestClient) -> tuple[Any, str]:
    """An event with one table that its facilitator has run through proposing to voting,
    and the table's best promoted to the plenary; the table's code."""
    event = create_workshop(client, phase="propose", language="th")
    (table,) = ok(client.post(f"{W}/{event.code}/groups", json={"names": ["ภาคเหนือ"]}, headers=event.facilitator),
                  201)
    code, runner = table["code"], bearer(table["group_facilitator_key"])
    ok(client.put(f"{W}/{code}/phase", json={"phase": "propose"}, headers=runner))
    for step in ({"action": "start", "minutes": 10}, {"action": "add", "minutes": 2}, {"action": "pause"},
                 {"action": "resume"}, {"action": "stop"}):
        ok(client.put(f"{W}/{code}/timer", json=step, headers=runner))
    seat = ok(client.post(f"{W}/{code}/participants", json={"name": "ปกรณ์"}), 201)
    person = bearer(seat["participant_token"])
    data = ok(client.post(f"{W}/{code}/projects", json={"title": "ศูนย์ข้อมูลกลาง"}, headers=person), 201)
    twin = ok(client.post(f"{W}/{code}/projects", json={"title": "ศูนย์ข้อมูลภาครัฐ"}, headers=person), 201)
    road = ok(client.post(f"{W}/{code}/projects", json={"title": "ถนนดิจิทัล"}, headers=person), 201)
    ok(client.patch(f"{W}/{code}/projects/{data['id']}", json={"title": "ศูนย์ข้อมูลกลางแห่งชาติ"}, headers=runner))
    ok(client.post(f"{W}/{code}/projects/{twin['id']}/merge", json={"into": data["id"]}, headers=runner))
    ok(client.delete(f"{W}/{code}/projects/{road['id']}", headers=runner), 204)
    ok(client.put(f"{W}/{code}/phase", json={"phase": "vote"}, headers=runner))
    ok(client.post(f"{W}/{event.code}/plenary", json={"top": 1}, headers=event.facilitator), 201)
    return event, code


def test_every_action_of_a_table_is_in_the_event_s_log_with_the_table_s_code(client: TestClient) -> None:
    event, code = a_table_at_work(client)
    entries = ok(client.get(f"{W}/{event.code}/log", headers=event.facilitator))["entries"]
    at_table = [(e["action"], e["detail"]) for e in reversed(entries) if e["workshop_code"] == code]
    runner = "ภาคเหนือ (group_facilitator)"
    assert all(e["who"] == runner for e in entries if e["workshop_code"] == code)
    actions = [action for action, _ in at_table]
    assert actions == ["set_phase", "run_timer", "run_timer", "run_timer", "run_timer", "control_timer",
                       "edit_project", "merge_projects", "hide_project", "set_phase"]
    details = [detail for _, detail in at_table]
    # The API speaks its own words (phases as the API names them).
    assert details[0] == "setup → propose" and details[-1] == "propose → vote"
    assert details[1:6] == ["started, 10 min", "2 min added", details[3], details[4], "stopped"]
    # Paused and resumed with what was left: 12 minutes, give or take the test's own seconds.
    assert re.fullmatch(r"paused, (11:5\d|12:00) left", details[3])
    assert re.fullmatch(r"resumed, (11:5\d|12:00) left", details[4])
    assert "ศูนย์ข้อมูลกลางแห่งชาติ" in details[6] and "→" in details[7] and "ถนนดิจิทัล" in details[8]
    promoted = next(e for e in entries if e["action"] == "promote_to_plenary")
    assert promoted["workshop_code"] == event.code and promoted["detail"].startswith("top 1: ")


def test_the_console_shows_what_was_done_in_the_reader_s_language(app: FastAPI, client: TestClient) -> None:
    event, _code = a_table_at_work(client)
    seen = {}
    for lang in ("th", "en"):
        with TestClient(app) as console:
            console.get(f"/lang/{lang}")
            assert console.get(event.created["facilitator_url"]).status_code == 200
            log = console.get(f"/w/{event.code}/facilitate/log")
            assert log.status_code == 200, log.text
            seen[lang] = log.text
    thai, english = seen["th"], seen["en"]
    assert "เสนอโครงการ → ลงคะแนน" in thai and "Proposing → Voting" in english
    assert "เพิ่ม 2 นาที" in thai and "2 min added" in english
    assert "หยุดชั่วคราว เหลือ 1" in thai and "paused, 1" in english
    assert "เดินต่อ เหลือ 1" in thai and "resumed, 1" in english
    assert "10 นาที" in thai and "top 1: " not in thai and "1 อันดับแรก: " in thai
    for english_word in ("started", "paused", "resumed", "stopped", "min added", "propose → vote", "top 1"):
        assert english_word not in thai, english_word


def test_the_workbook_s_action_log_sheet_is_in_the_file_s_language(app: FastAPI, client: TestClient) -> None:
    event, code = a_table_at_work(client)
    sheets = {}
    for lang, sheet in (("th", "บันทึกการดำเนินการ"), ("en", "Action log")):
        with TestClient(app) as console:
            console.get(f"/lang/{lang}")
            assert console.get(event.created["facilitator_url"]).status_code == 200
            answer = console.get(f"/w/{event.code}/facilitate/export.xlsx")
            assert answer.status_code == 200, answer.text
            book = openpyxl.load_workbook(io.BytesIO(answer.content))
            sheets[lang] = [list(row) for row in book[sheet].iter_rows(values_only=True)][1:]
    at_table = {lang: [(r[2], r[3]) for r in rows if r[4] == code] for lang, rows in sheets.items()}
    assert ("ตัวจับเวลา", "เพิ่ม 2 นาที") in at_table["th"] and ("Timer", "2 min added") in at_table["en"]
    assert any(d == "หยุดแล้ว" for _, d in at_table["th"]) and any(d == "stopped" for _, d in at_table["en"])
    assert ("Phase changed", "Proposing → Voting") in at_table["en"]
    assert any(d == "เสนอโครงการ → ลงคะแนน" for _, d in at_table["th"])
    assert not any(d.startswith(("started", "paused", "resumed")) for _, d in at_table["th"])


def test_a_copy_of_the_event_shows_its_log_in_each_language_again(app: FastAPI, client: TestClient) -> None:
    event, _code = a_table_at_work(client)
    exported = client.get(f"{W}/{event.code}/export?format=json", headers=event.facilitator).json()
    paused = next(e for e in exported["action_log"] if e["detail"].startswith("paused"))
    assert paused["message"]["text"] == "paused, {left} left" and paused["group"] == 1
    # A file may carry a message of its own making, or odd values: such details are kept as text.
    exported["action_log"].append({**paused, "detail": "as written", "message": {"text": "{left.__class__}",
                                                                                  "params": {"left": "x"}}})
    exported["action_log"].append({**paused, "detail": "deep", "message": {"text": "paused, {left} left",
                                                                           "params": {"left": [[[["x"]]]]}}})
    copy = client.post(f"{W}/import", json=exported)
    assert copy.status_code == 201, copy.text
    copied = copy.json()
    entries = client.get(f"{W}/{copied['code']}/log", headers=bearer(copied["facilitator_key"])).json()["entries"]
    assert [e["detail"] for e in entries[:2]] == ["deep", "as written"]
    with TestClient(app) as console:
        console.get("/lang/th")
        assert console.get(copied["facilitator_url"]).status_code == 200
        log = console.get(f"/w/{copied['code']}/facilitate/log?offset=2").text
    assert "หยุดชั่วคราว เหลือ 1" in log and "paused," not in log
