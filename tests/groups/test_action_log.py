"""The action log says who did what, when and where: each kind of change is recorded by the
service that makes it, in the same transaction, with the actor's name and role."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.services import groups, workshops
from tests.factories import FACILITATOR
from tests.routes.helpers import bearer, create_workshop, join, propose

API = "/api/v1/workshops"


def log_of(client: TestClient, code: str, headers: dict[str, str], **params: Any) -> dict[str, Any]:
    answer = client.get(f"{API}/{code}/log", headers=headers, params=params)
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_the_log_records_who_did_each_kind_of_change(client: TestClient, engine: Engine) -> None:
    workshop = create_workshop(client, phase="propose")
    code, main = workshop.code, workshop.facilitator
    co = client.post(f"{API}/{code}/links", json={"name": "สมศรี", "role": "co_facilitator"}, headers=main).json()
    mod = client.post(f"{API}/{code}/links", json={"name": "Mod One", "role": "moderator"}, headers=main).json()
    co_h, mod_h = bearer(co["key"]), bearer(mod["key"])
    a = propose(client, workshop, main, "ศูนย์ข้อมูลกลาง")["id"]
    b = propose(client, workshop, main, "ศูนย์ข้อมูลกลางภาครัฐ")["id"]
    c = propose(client, workshop, main, "ถนนดิจิทัล")["id"]
    assert client.patch(f"{API}/{code}", json={"premoderate": True}, headers=co_h).status_code == 200
    waiting = propose(client, workshop, join(client, workshop, "ปกรณ์").headers, "รอการอนุมัติ")["id"]
    steps = [
        client.post(f"{API}/{code}/projects/{waiting}/approve", headers=mod_h),
        client.patch(f"{API}/{code}/projects/{a}", json={"title": "ศูนย์ข้อมูลกลางแห่งชาติ"}, headers=mod_h),
        client.post(f"{API}/{code}/projects/{b}/merge", json={"into": a}, headers=mod_h),
        client.delete(f"{API}/{code}/projects/{c}", headers=mod_h),
        client.post(f"{API}/{code}/projects/{c}/restore", headers=mod_h),
        client.put(f"{API}/{code}/timer", json={"action": "start", "minutes": 5}, headers=co_h),
        client.put(f"{API}/{code}/timer", json={"action": "stop"}, headers=co_h),
        client.put(f"{API}/{code}/phase", json={"phase": "vote"}, headers=co_h),
        client.delete(f"{API}/{code}/links/{mod['id']}", headers=main),
    ]
    assert [s.status_code for s in steps] == [200, 200, 200, 204, 200, 200, 200, 200, 204], [s.text for s in steps]

    log = log_of(client, code, main)
    entries = log["entries"]
    assert log["total"] == len(entries)
    assert [e["id"] for e in entries] == sorted((e["id"] for e in entries), reverse=True)  # newest first
    done = [(e["who"], e["action"]) for e in reversed(entries)]
    assert done == [
        ("facilitator", "set_phase"),  # setup -> propose, as the workshop was made
        ("facilitator", "manage_links"), ("facilitator", "manage_links"),
        ("สมศรี (co_facilitator)", "change_settings"),
        ("Mod One (moderator)", "approve_project"), ("Mod One (moderator)", "edit_project"),
        ("Mod One (moderator)", "merge_projects"), ("Mod One (moderator)", "hide_project"),
        ("Mod One (moderator)", "restore_project"),
        ("สมศรี (co_facilitator)", "run_timer"), ("สมศรี (co_facilitator)", "control_timer"),
        ("สมศรี (co_facilitator)", "set_phase"), ("facilitator", "manage_links"),
    ]
    details = {e["action"]: e["detail"] for e in entries}
    assert entries[1]["detail"] == "propose → vote"
    assert f"#{b}" in details["merge_projects"] and f"#{a}" in details["merge_projects"]
    assert "premoderate" in details["change_settings"]
    assert "Mod One" in entries[0]["detail"] and "revoked" in entries[0]["detail"]
    assert all(e["workshop_code"] == code for e in entries)
    # Paged: the API gives the newest first, `limit` at a time.
    assert [e["id"] for e in log_of(client, code, main, limit=2, offset=1)["entries"]] == \
        [e["id"] for e in entries[1:3]]
    # A co-facilitator reads the log too.
    assert log_of(client, code, bearer(co["key"]))["total"] == len(entries)


def test_a_participant_s_own_edit_and_a_refused_change_leave_no_entry(client: TestClient) -> None:
    workshop = create_workshop(client, phase="propose")
    person = join(client, workshop, "ปกรณ์")
    mine = propose(client, workshop, person.headers, "ของฉัน")["id"]
    assert client.patch(f"{API}/{workshop.code}/projects/{mine}", json={"title": "ของฉันเอง"},
                        headers=person.headers).status_code == 200
    assert client.put(f"{API}/{workshop.code}/phase", json={"phase": "vote"}, headers=person.headers).status_code == 403
    assert client.put(f"{API}/{workshop.code}/timer", json={"action": "stop"},
                      headers=person.headers).status_code == 403
    assert [e["action"] for e in log_of(client, workshop.code, workshop.facilitator)["entries"]] == ["set_phase"]


def test_a_group_s_phase_change_is_in_the_event_s_log_with_the_group_s_code(client: TestClient,
                                                                           engine: Engine) -> None:
    workshop = create_workshop(client, phase="propose")
    with Session(engine, expire_on_commit=False) as session:
        event = workshops.get_workshop(session, code=workshop.code)
        (made,) = groups.add_groups(session, event=event, actor=FACILITATOR, names=["ภาคเหนือ"])
    group_code = made.group.code
    assert client.put(f"{API}/{group_code}/phase", json={"phase": "vote"},
                      headers=bearer(made.group_facilitator_key)).status_code == 200
    entries = log_of(client, workshop.code, workshop.facilitator)["entries"]
    newest = entries[0]
    assert (newest["who"], newest["action"], newest["workshop_code"]) == \
        ("ภาคเหนือ (group_facilitator)", "set_phase", group_code)
    # The group facilitator may not read the event's log.
    assert client.get(f"{API}/{group_code}/log", headers=bearer(made.group_facilitator_key)).status_code == 403


def test_the_workbook_has_the_action_log_in_the_workshop_s_time_zone(client: TestClient) -> None:
    import io
    from datetime import UTC, datetime, timedelta

    import openpyxl

    workshop = create_workshop(client, phase="propose", language="th")
    code, main = workshop.code, workshop.facilitator
    # A name a spreadsheet would run as a formula: written inert.
    mod = client.post(f"{API}/{code}/links", json={"name": "=1+1", "role": "moderator"}, headers=main).json()
    hidden = propose(client, workshop, main, "ถนนดิจิทัล")["id"]
    assert client.delete(f"{API}/{code}/projects/{hidden}", headers=bearer(mod["key"])).status_code == 204
    answer = client.get(f"{API}/{code}/export?format=xlsx", headers=main)
    assert answer.status_code == 200, answer.text
    book = openpyxl.load_workbook(io.BytesIO(answer.content))
    assert book.sheetnames[-1] == "บันทึกการดำเนินการ"
    rows = [list(row) for row in book["บันทึกการดำเนินการ"].iter_rows(values_only=True)]
    assert rows[0] == ["เวลา", "ผู้ดำเนินการ", "การดำเนินการ", "รายละเอียด", "ที่"]
    # Oldest first: the phase the workshop was made with, the link, the hide.
    assert [r[2] for r in rows[1:]] == ["เปลี่ยนขั้นตอน", "ลิงก์ผู้ดำเนินการ", "ซ่อนโครงการ"]
    # Who, with the role in the workbook's language.
    assert rows[1][1] == "ผู้ดำเนินการประชุม"
    assert rows[3][1] == "'=1+1 (ผู้ตรวจกลั่นกรอง)" and rows[3][3].startswith(f"#{hidden} ถนนดิจิทัล")
    assert all(r[4] == code for r in rows[1:])
    # Bangkok time with the Buddhist-era year, as the other sheets write dates.
    now = datetime.now(UTC) + timedelta(hours=7)
    assert rows[3][0].startswith(f"{now:%d/%m}/{now.year + 543} ")


def test_the_log_travels_in_the_json_export_and_back(client: TestClient) -> None:
    workshop = create_workshop(client, phase="propose")
    code, main = workshop.code, workshop.facilitator
    mod = client.post(f"{API}/{code}/links", json={"name": "ผู้ตรวจ", "role": "moderator"}, headers=main).json()
    hidden = propose(client, workshop, main, "ถนนดิจิทัล")["id"]
    assert client.delete(f"{API}/{code}/projects/{hidden}", headers=bearer(mod["key"])).status_code == 204
    exported = client.get(f"{API}/{code}/export?format=json", headers=main).json()
    log = exported["action_log"]
    assert [(e["who"], e["action"], e["group"]) for e in log] == [
        ("facilitator", "set_phase", None), ("facilitator", "manage_links", None),
        ("ผู้ตรวจ (moderator)", "hide_project", None)]
    imported = client.post(f"{API}/import", json=exported)
    assert imported.status_code == 201, imported.text
    again = client.get(f"{API}/{imported.json()['code']}/export?format=json",
                       headers=bearer(imported.json()["facilitator_key"])).json()
    assert again["action_log"] == log
    # A malformed entry is refused with the others' checks (422), nothing half-imported.
    broken = {**exported, "action_log": [{"at": "not a time", "who": "x", "action": "set_phase"}]}
    assert client.post(f"{API}/import", json=broken).status_code == 422
