"""A facilitator types a nested framework on the new-workshop page: master plans indented under
their strategy (or given dotted codes), sub-plans under those; a line indented to no level is
refused with the line named, and everything typed is still there to fix."""

from __future__ import annotations

import html

from fastapi.testclient import TestClient

from tests.routes.helpers import API, create_workshop

STRATEGIES = """S1 | ความมั่นคง
    S1.1 | แผนแม่บทความมั่นคง
        แผนย่อยความมั่นคงไซเบอร์
    S1.2 | แผนแม่บทชายแดน
S2 | การสร้างความสามารถในการแข่งขัน
S2.1 | แผนแม่บทการเกษตร
"""
AREAS = "R1 | ด้านเศรษฐกิจ\n\tR1.1 | เศรษฐกิจดิจิทัล\nR2 | ด้านสังคม"


def create(client: TestClient, strategies: str, areas: str = AREAS) -> object:
    return client.post("/new", data={"title": "แผนแม่บทกระทรวง 2569", "framework": "custom",
                                     "custom_strategies": strategies, "custom_reform_areas": areas},
                       follow_redirects=False)


def test_indented_lines_and_dotted_codes_nest_under_their_parents(client: TestClient) -> None:
    made = create(client, STRATEGIES)

    assert made.status_code == 303, made.text
    code = made.headers["location"].split("/")[2]
    workshop = client.get(f"{API}/workshops/{code}").json()
    s = {e["code"]: e for e in workshop["strategies"]}
    assert list(s) == ["S1", "S1.1", "S1.1.1", "S1.2", "S2", "S2.1"]  # parents before their children
    assert s["S1.1"]["parent_id"] == s["S1"]["id"] and s["S1.2"]["parent_id"] == s["S1"]["id"]
    assert s["S1.1.1"]["parent_id"] == s["S1.1"]["id"] and s["S1.1.1"]["name"] == "แผนย่อยความมั่นคงไซเบอร์"
    assert s["S2.1"]["parent_id"] == s["S2"]["id"]  # unindented, but its dotted code says where it goes
    r = {e["code"]: e for e in workshop["reform_areas"]}
    assert r["R1.1"]["parent_id"] == r["R1"]["id"] and r["R2"]["parent_id"] is None  # a tab indents too


def test_a_flat_list_is_as_flat_as_before(client: TestClient) -> None:
    made = create(client, "การเกษตร\nการท่องเที่ยว", "")
    code = made.headers["location"].split("/")[2]
    strategies = client.get(f"{API}/workshops/{code}").json()["strategies"]
    assert [(e["code"], e["name"], e["parent_id"]) for e in strategies] == [
        ("S1", "การเกษตร", None), ("S2", "การท่องเที่ยว", None)]


def test_a_line_indented_to_no_level_is_refused_naming_it_and_the_text_is_kept(client: TestClient) -> None:
    typed = "S1 | ความมั่นคง\n        S1.1 | แผนแม่บท\n\n    S1.2 | indented to no level above"

    refused = create(client, typed)

    assert refused.status_code == 422
    page = html.unescape(refused.text)
    assert "ยุทธศาสตร์ บรรทัดที่ 4" in page  # the textarea's own line number, blank line counted
    assert typed in page  # what was typed, indentation and all, to fix in place
    assert AREAS in page


def test_a_framework_nested_too_deep_is_refused_on_the_form(client: TestClient) -> None:
    deep = "\n".join(" " * (2 * level) + f"ระดับ {level}" for level in range(7))
    refused = create(client, deep)
    page = html.unescape(refused.text)
    assert refused.status_code == 422 and "ซ้อนกันได้ไม่เกิน 6 ระดับ" in page and "ระดับ 6" in page


def upload(client: TestClient, name: str, content: bytes, **fields: str) -> object:
    return client.post("/new", data={"title": "แผนแม่บทกระทรวง 2569", "framework": "file", **fields},
                       files={"framework_file": (name, content)}, follow_redirects=False)


def test_a_framework_file_exported_from_one_workshop_starts_the_next_on_the_page(client: TestClient) -> None:
    first = create_workshop(client, framework={"strategies": [
        {"code": "S1", "name": "ความมั่นคง", "children": [
            {"code": "S1.1", "name": "แผนแม่บทความมั่นคง", "children": [{"code": "S1.1.1", "name": "แผนย่อยไซเบอร์"}]}]},
        {"code": "S2", "name": "การแข่งขัน"}]}, agencies=["กรมชลประทาน"])
    for fmt in ("csv", "xlsx", "json"):
        exported = client.get(f"{first.url}/framework?format={fmt}", headers=first.facilitator)
        assert exported.status_code == 200, fmt

        made = upload(client, f"framework.{fmt}", exported.content)

        assert made.status_code == 303, (fmt, made.text[:500])
        copy = client.get(f"{API}/workshops/{made.headers['location'].split('/')[2]}").json()
        s = {e["code"]: e for e in copy["strategies"]}
        assert list(s) == ["S1", "S1.1", "S1.1.1", "S2"], fmt
        assert s["S1.1.1"]["parent_id"] == s["S1.1"]["id"], fmt
        assert [a["name"] for a in copy["agencies"]] == ["กรมชลประทาน"], fmt  # none typed: the file's


def test_a_file_that_is_no_framework_is_refused_and_the_typed_fields_are_kept(client: TestClient) -> None:
    refused = upload(client, "plan.csv", "kind,code,parent_code,name_th,name_en\nstrategy,S1.1,S1,ลูก,\n"
                     .encode("cp874"), description="ร่างแผนสำหรับหารือ")
    assert refused.status_code == 422
    page = html.unescape(refused.text)
    assert "S1" in page and "ร่างแผนสำหรับหารือ" in page and 'value="file" checked' in page
    empty = upload(client, "empty.json", b"")
    assert empty.status_code == 422 and "JSON, CSV" in html.unescape(empty.text)
