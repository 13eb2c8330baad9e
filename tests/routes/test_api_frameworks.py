"""API stories of the framework library: presets beyond 2018, renamed dimensions, hierarchies."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.routes.helpers import API, assert_error, create_workshop, join, propose, results, set_phase, vote

THAI = re.compile(r"[\u0e00-\u0e7f]")


# --- the library ---


@pytest.mark.parametrize(("preset", "strategies", "areas"), [
    ("th-national-2018", 6, 11), ("th-national-2021", 6, 13), ("un-sdg", 17, 5)])
def test_anyone_lists_the_presets_with_their_sizes_and_both_names(client: TestClient, preset: str,
                                                                   strategies: int, areas: int) -> None:
    response = client.get(f"{API}/frameworks")

    assert response.status_code == 200
    library = {f["id"]: f for f in response.json()}
    assert set(library) == {"th-national-2018", "th-national-2021", "un-sdg"}
    framework = library[preset]
    assert {"id", "name", "strategies", "reform_areas"} <= set(framework)
    assert (len(framework["strategies"]), len(framework["reform_areas"])) == (strategies, areas)
    for entry in framework["strategies"] + framework["reform_areas"]:
        assert THAI.search(entry["name_th"]) and entry["name_en"] and not THAI.search(entry["name_en"]), entry
        assert entry["name"] == entry["name_th"]  # Thai first, unless asked for English
    english = {f["id"]: f for f in client.get(f"{API}/frameworks?lang=en").json()}[preset]
    assert [e["name"] for e in english["strategies"]] == [e["name_en"] for e in framework["strategies"]]


def test_the_2021_plan_keeps_the_2018_areas_and_adds_education_and_culture(client: TestClient) -> None:
    library = {f["id"]: f for f in client.get(f"{API}/frameworks?lang=en").json()}
    old, new = library["th-national-2018"], library["th-national-2021"]

    assert new["strategies"] == old["strategies"]
    assert new["reform_areas"][:11] == old["reform_areas"]
    assert [a["name_th"] for a in new["reform_areas"][11:]] == [
        "การศึกษา", "วัฒนธรรม กีฬา แรงงาน และการพัฒนาทรัพยากรมนุษย์"]


def test_the_sdg_preset_names_goals_and_the_five_ps(client: TestClient) -> None:
    sdg = {f["id"]: f for f in client.get(f"{API}/frameworks?lang=en").json()}["un-sdg"]

    assert sdg["strategies"][0]["name_en"] == "No poverty"
    assert sdg["strategies"][0]["name_th"] == "ขจัดความยากจน"
    assert sdg["strategies"][16]["name_en"] == "Partnerships for the goals"
    assert [p["name_en"] for p in sdg["reform_areas"]] == ["People", "Planet", "Prosperity", "Peace", "Partnership"]
    assert sdg["labels"] == {"strategies": "Goals", "reform_areas": "Pillars"}


@pytest.mark.parametrize(("preset", "strategies", "areas", "labels"), [
    ("th-national-2021", 6, 13, {"strategies": "ยุทธศาสตร์", "reform_areas": "ด้านการปฏิรูป"}),
    ("un-sdg", 17, 5, {"strategies": "เป้าหมาย", "reform_areas": "มิติ 5P"})])
def test_a_workshop_starts_from_a_new_preset(client: TestClient, preset: str, strategies: int, areas: int,
                                             labels: dict[str, str]) -> None:
    workshop = create_workshop(client, framework=preset)

    assert workshop.info["framework"] == preset
    assert (len(workshop.info["strategies"]), len(workshop.info["reform_areas"])) == (strategies, areas)
    assert workshop.info["labels"] == labels


def test_an_unknown_preset_is_refused_naming_the_field(client: TestClient) -> None:
    response = client.post(f"{API}/workshops", json={"title": "x", "framework": "un-sdg-2040"})

    assert_error(response, 422, "framework")


# --- renaming the two dimensions ---


def test_a_custom_framework_renames_its_dimensions_and_settings_rename_them_again(client: TestClient) -> None:
    workshop = create_workshop(client, framework={
        "strategies": [{"code": "G1", "name": "Growth"}], "reform_areas": [{"code": "P1", "name": "People"}],
        "labels": {"strategies": "Goals", "reform_areas": "Pillars"}})
    assert workshop.info["labels"] == {"strategies": "Goals", "reform_areas": "Pillars"}

    renamed = client.patch(workshop.url, json={"strategies_label": "เป้าหมายหลัก"}, headers=workshop.facilitator)
    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["labels"] == {"strategies": "เป้าหมายหลัก", "reform_areas": "Pillars"}

    reset = client.patch(workshop.url, json={"strategies_label": "", "reform_areas_label": ""},
                         headers=workshop.facilitator)
    assert reset.json()["labels"] == {"strategies": "ยุทธศาสตร์", "reform_areas": "ด้านการปฏิรูป"}


# --- hierarchy ---

NESTED: dict[str, Any] = {
    "strategies": [
        {"code": "S1", "name": "ความมั่นคง", "children": [
            {"code": "S1.1", "name": "แผนแม่บทความมั่นคง", "children": [
                {"code": "S1.1.1", "name": "แผนย่อยไซเบอร์"}]}]},
        {"code": "S2", "name": "การแข่งขัน"},
    ],
    "reform_areas": [
        {"code": "R1", "name": "เศรษฐกิจ", "children": [{"code": "R1.1", "name": "เศรษฐกิจดิจิทัล"}]},
        {"code": "R2", "name": "สังคม"},
    ],
}


def _by_code(workshop_info: dict[str, Any], dimension: str) -> dict[str, dict[str, Any]]:
    return {entry["code"]: entry for entry in workshop_info[dimension]}


def test_a_nested_framework_gives_each_entry_its_parent_id(client: TestClient) -> None:
    workshop = create_workshop(client, framework=NESTED)
    s, r = _by_code(workshop.info, "strategies"), _by_code(workshop.info, "reform_areas")

    assert list(s) == ["S1", "S1.1", "S1.1.1", "S2"]  # reading order: parents before their children
    assert s["S1"]["parent_id"] is None and s["S2"]["parent_id"] is None
    assert s["S1.1"]["parent_id"] == s["S1"]["id"]
    assert s["S1.1.1"]["parent_id"] == s["S1.1"]["id"]
    assert r["R1.1"]["parent_id"] == r["R1"]["id"]


def test_a_project_tagged_on_a_grandchild_rolls_up_to_every_ancestor_once(client: TestClient) -> None:
    workshop = create_workshop(client, framework=NESTED, phase="propose")
    s, r = _by_code(workshop.info, "strategies"), _by_code(workshop.info, "reform_areas")
    # Tagged on the sub-plan and (again) on its grandparent: still listed once under each.
    cyber = propose(client, workshop, workshop.facilitator, "ศูนย์เฝ้าระวังภัยไซเบอร์",
                    strategy_ids=[s["S1.1.1"]["id"], s["S1"]["id"]], reform_area_ids=[r["R1.1"]["id"]])
    other = propose(client, workshop, workshop.facilitator, "ตลาดดิจิทัลชุมชน", strategy_ids=[s["S2"]["id"]],
                    reform_area_ids=[r["R2"]["id"]])
    set_phase(client, workshop, "vote")
    vote(client, workshop, join(client, workshop), cyber["id"], 3)

    answer = results(client, workshop)

    by_strategy = answer["by_strategy"]
    for code in ("S1", "S1.1", "S1.1.1"):
        assert by_strategy[str(s[code]["id"])] == [cyber["id"]], code
    assert by_strategy[str(s["S2"]["id"])] == [other["id"]]
    coverage = {(c["strategy_id"], c["reform_area_id"]): (c["projects"], c["dots"]) for c in answer["coverage"]}
    for strategy in ("S1", "S1.1", "S1.1.1"):
        for area in ("R1", "R1.1"):
            assert coverage[(s[strategy]["id"], r[area]["id"])] == (1, 3), (strategy, area)
        assert coverage[(s[strategy]["id"], r["R2"]["id"])] == (0, 0)
    assert coverage[(s["S2"]["id"], r["R2"]["id"])] == (1, 0)
    # The ranking keeps the tags as given; only the roll-ups add the ancestors.
    assert sorted(answer["ranking"][0]["strategy_ids"]) == sorted([s["S1.1.1"]["id"], s["S1"]["id"]])


def test_a_framework_too_deep_or_too_big_is_refused_with_a_reason(client: TestClient) -> None:
    entry: dict[str, Any] = {"code": "L7", "name": "level 7"}
    for level in range(6, 0, -1):
        entry = {"code": f"L{level}", "name": f"level {level}", "children": [entry]}
    deep = client.post(f"{API}/workshops", json={"title": "x", "framework": {"strategies": [entry]}})
    assert_error(deep, 422, "6 levels")

    many = [{"code": f"S{i}", "name": f"s{i}", "children": [{"code": f"S{i}.1", "name": "c"}]} for i in range(51)]
    big = client.post(f"{API}/workshops", json={"title": "x", "framework": {"strategies": many}})
    assert_error(big, 422, "100")

    twice = client.post(f"{API}/workshops", json={"title": "x", "framework": {"strategies": [
        {"code": "S1", "name": "a", "children": [{"code": "s1", "name": "b"}]}]}})
    assert_error(twice, 422, "unique")


# --- the names of the dimensions in pages and files ---


def _sdg_workshop_with_a_project(client: TestClient) -> Any:
    workshop = create_workshop(client, framework="un-sdg", phase="propose")
    goals = _by_code(workshop.info, "strategies")
    propose(client, workshop, workshop.facilitator, "ธนาคารอาหารชุมชน", strategy_ids=[goals["SDG2"]["id"]])
    return workshop


def test_the_report_page_and_the_console_name_the_dimensions_as_the_workshop_does(client: TestClient) -> None:
    workshop = _sdg_workshop_with_a_project(client)
    opened = client.get(workshop.created["facilitator_url"].removeprefix("http://testserver"))
    assert opened.status_code == 200
    console = client.get(f"/w/{workshop.code}/facilitate").text
    assert "<th scope=\"col\">เป้าหมาย</th>" in console and "มิติ 5P" in console

    report = client.get(f"/w/{workshop.code}/facilitate/report").text

    assert "ความครอบคลุม: เป้าหมาย \u00d7 มิติ 5P" in report
    assert "ลำดับความสำคัญในแต่ละเป้าหมาย" in report


def test_the_csv_export_heads_its_columns_with_the_workshops_names(client: TestClient) -> None:
    workshop = _sdg_workshop_with_a_project(client)
    client.patch(workshop.url, json={"reform_areas_label": "เสาหลัก"}, headers=workshop.facilitator)

    csv = client.get(f"{workshop.url}/export?format=csv", headers=workshop.facilitator)

    assert csv.status_code == 200, csv.text
    head = csv.content.decode("utf-8-sig").splitlines()[0].split(",")
    assert "เป้าหมาย" in head and "เสาหลัก" in head
    assert "ยุทธศาสตร์" not in head and "ด้านการปฏิรูป" not in head


# --- a hierarchy travels in the JSON file ---


def test_a_nested_framework_and_its_labels_survive_a_json_round_trip(client: TestClient) -> None:
    framework = {**NESTED, "labels": {"strategies": "Goals", "reform_areas": "Pillars"}}
    workshop = create_workshop(client, framework=framework, phase="propose")
    s = _by_code(workshop.info, "strategies")
    propose(client, workshop, workshop.facilitator, "ศูนย์เฝ้าระวังภัยไซเบอร์", strategy_ids=[s["S1.1.1"]["id"]])
    exported = client.get(f"{workshop.url}/export?format=json", headers=workshop.facilitator).json()

    imported = client.post(f"{API}/workshops/import", json=exported)

    assert imported.status_code == 201, imported.text
    copy = client.get(f"{API}/workshops/{imported.json()['code']}").json()
    assert copy["labels"] == {"strategies": "Goals", "reform_areas": "Pillars"}
    c, r = _by_code(copy, "strategies"), _by_code(copy, "reform_areas")
    assert c["S1.1.1"]["parent_id"] == c["S1.1"]["id"] and c["S1.1"]["parent_id"] == c["S1"]["id"]
    assert r["R1.1"]["parent_id"] == r["R1"]["id"] and r["R2"]["parent_id"] is None
    copied = client.get(f"{API}/workshops/{imported.json()['code']}/projects",
                        headers={"Authorization": f"Bearer {imported.json()['facilitator_key']}"}).json()
    assert copied[0]["strategy_ids"] == [c["S1.1.1"]["id"]]


def test_an_import_whose_parent_points_nowhere_is_refused(client: TestClient) -> None:
    workshop = create_workshop(client, framework=NESTED)
    exported = client.get(f"{workshop.url}/export?format=json", headers=workshop.facilitator).json()
    exported["strategies"][1]["parent_id"] = 99999

    refused = client.post(f"{API}/workshops/import", json=exported)

    assert_error(refused, 422, "99999")


def test_the_facilitator_renames_the_dimensions_on_the_consoles_settings_card(client: TestClient) -> None:
    workshop = _sdg_workshop_with_a_project(client)
    client.get(workshop.created["facilitator_url"].removeprefix("http://testserver"))
    card = client.get(f"/w/{workshop.code}/facilitate").text
    assert "แทนคำว่า “เป้าหมาย”" in card

    saved = client.post(f"/w/{workshop.code}/facilitate/settings",
                        data={"time_zone": "Asia/Bangkok", "strategies_label": "เป้าหมายการพัฒนา",
                              "reform_areas_label": ""})

    assert saved.status_code == 200, saved.text
    assert client.get(workshop.url).json()["labels"] == {"strategies": "เป้าหมายการพัฒนา",
                                                         "reform_areas": "มิติ 5P"}


# --- a facilitator's own presets ---


def test_a_facilitator_saves_the_framework_and_agencies_and_starts_the_next_workshop_from_them(
        client: TestClient) -> None:
    first = create_workshop(client, framework={**NESTED, "labels": {"strategies": "Goals"}},
                            agencies=["กรมอุตุนิยมวิทยา", "สำนักงานจังหวัดน่าน"])

    saved = client.post(f"{first.url}/own-presets", json={"title": "กรอบของสำนักงานจังหวัด"},
                        headers=first.facilitator)

    assert saved.status_code == 201, saved.text
    preset = saved.json()
    assert preset["id"].startswith("own-") and len(preset["id"]) >= 20
    assert preset["title"] == "กรอบของสำนักงานจังหวัด"
    # Whoever holds the id reads it back and starts a workshop from it.
    assert client.get(f"{API}/frameworks/{preset['id']}").json()["strategies"][0]["children"][0]["code"] == "S1.1"
    second = create_workshop(client, title="รอบสอง", framework=preset["id"])
    assert second.info["framework"] == "custom"
    assert [(e["code"], e["name"]) for e in second.info["strategies"]] == [
        (e["code"], e["name"]) for e in first.info["strategies"]]
    s = _by_code(second.info, "strategies")
    assert s["S1.1.1"]["parent_id"] == s["S1.1"]["id"]
    assert [a["name"] for a in second.info["agencies"]] == ["กรมอุตุนิยมวิทยา", "สำนักงานจังหวัดน่าน"]
    assert second.info["labels"]["strategies"] == "Goals"


def test_a_preset_saved_from_the_sdgs_keeps_their_names_for_the_dimensions_in_both_languages(
        client: TestClient) -> None:
    first = create_workshop(client, framework="un-sdg")
    preset = client.post(f"{first.url}/own-presets", json={}, headers=first.facilitator).json()

    second = create_workshop(client, framework=preset["id"], language="en")

    assert second.info["framework"] == "un-sdg"
    assert second.info["labels"] == {"strategies": "Goals", "reform_areas": "Pillars"}
    assert second.info["strategies"][0]["name"] == "No poverty"  # both names were kept


def test_only_the_facilitator_saves_a_preset_and_an_unknown_id_is_404(client: TestClient) -> None:
    workshop = create_workshop(client)
    person = join(client, workshop)

    assert client.post(f"{workshop.url}/own-presets", json={}, headers=person.headers).status_code == 403
    assert client.post(f"{workshop.url}/own-presets", json={}).status_code == 401
    missing = client.post(f"{API}/workshops", json={"title": "x", "framework": "own-AAAAAAAAAAAAAAAAAAAAAA"})
    assert_error(missing, 404, "own-AAAAAAAAAAAAAAAAAAAAAA")


def test_a_framework_exports_as_json_and_imports_as_a_preset(client: TestClient) -> None:
    workshop = create_workshop(client, framework=NESTED, agencies=["กรมอุตุนิยมวิทยา"])
    exported = client.get(f"{workshop.url}/framework", headers=workshop.facilitator)
    assert exported.status_code == 200, exported.text
    file = exported.json()
    assert file["format"] == "ruamkit-framework" and file["agencies"][0]["name_en"] == "Thai Meteorological Department"

    imported = client.post(f"{API}/frameworks", json=file)

    assert imported.status_code == 201, imported.text
    copy = create_workshop(client, framework=imported.json()["id"])
    assert [e["code"] for e in copy.info["strategies"]] == ["S1", "S1.1", "S1.1.1", "S2"]
    bad = client.post(f"{API}/frameworks", json={**file, "strategies": []})
    assert_error(bad, 422, "strategies")


def test_on_the_pages_a_facilitator_saves_a_preset_and_the_new_workshop_page_starts_from_it(
        client: TestClient) -> None:
    first = create_workshop(client, framework=NESTED, agencies=["สำนักงานจังหวัดน่าน"])
    client.get(first.created["facilitator_url"].removeprefix("http://testserver"))
    assert "บันทึกกรอบนี้เป็นกรอบของฉัน" in client.get(f"/w/{first.code}/facilitate").text

    card = client.post(f"/w/{first.code}/facilitate/own-preset", data={"title": "กรอบน่าน"})

    assert card.status_code == 200, card.text
    own_id = re.search(r'value="(own-[A-Za-z0-9_-]+)"', card.text)
    assert own_id is not None
    form = client.get(f"/new?framework={own_id[1]}").text
    assert f'value="{own_id[1]}"' in form and 'value="own" checked' in form
    made = client.post("/new", data={"title": "รอบสอง", "language": "th", "framework": "own",
                                     "own_preset": own_id[1]}, follow_redirects=False)
    assert made.status_code == 303, made.text
    code = made.headers["location"].split("/")[2]
    second = client.get(f"{API}/workshops/{code}").json()
    assert [e["code"] for e in second["strategies"]] == ["S1", "S1.1", "S1.1.1", "S2"]
    assert [a["name"] for a in second["agencies"]] == ["สำนักงานจังหวัดน่าน"]


def test_the_new_workshop_page_offers_every_preset_and_explains_a_wrong_saved_id(client: TestClient) -> None:
    form = client.get("/new").text
    for preset in ("th-national-2018", "th-national-2021", "un-sdg"):
        assert f'value="{preset}"' in form
    assert "เป้าหมายการพัฒนาที่ยั่งยืน 17 เป้าหมาย" in form

    typo = client.post("/new", data={"title": "x", "framework": "own", "own_preset": "own-abc"})
    assert typo.status_code == 422 and "own-" in typo.text and 'value="own-abc"' in typo.text
    unknown = client.post("/new", data={"title": "x", "framework": "own",
                                        "own_preset": "own-AAAAAAAAAAAAAAAAAAAAAA"})
    assert unknown.status_code == 404 and "ไม่พบกรอบที่บันทึกไว้" in unknown.text


def test_the_phone_tag_picker_indents_a_sub_plan_under_its_master_plan(client: TestClient) -> None:
    workshop = create_workshop(client, framework=NESTED, phase="propose")
    person = join(client, workshop)
    client.cookies.set(f"rk_p_{workshop.code}", person.token)

    phone = client.get(f"/w/{workshop.code}").text

    s = _by_code(workshop.info, "strategies")
    for code, level in (("S1.1", 1), ("S1.1.1", 2)):
        assert re.search(rf'<label class="choice level-{level}"><input type="checkbox" name="strategy_ids" '
                         rf'value="{s[code]["id"]}"', phone), code
    assert re.search(rf'<label class="choice"><input type="checkbox" name="strategy_ids" value="{s["S1"]["id"]}"',
                     phone)


def test_an_sdg_workshop_travels_in_a_json_file_with_its_preset_and_names(client: TestClient) -> None:
    workshop = create_workshop(client, framework="un-sdg")
    exported = client.get(f"{workshop.url}/export?format=json", headers=workshop.facilitator).json()
    assert exported["workshop"]["framework"] == "un-sdg"

    imported = client.post(f"{API}/workshops/import", json=exported)

    assert imported.status_code == 201, imported.text
    copy = client.get(f"{API}/workshops/{imported.json()['code']}").json()
    assert copy["framework"] == "un-sdg" and copy["labels"] == {"strategies": "เป้าหมาย", "reform_areas": "มิติ 5P"}
    assert len(copy["strategies"]) == 17


def test_a_framework_exports_as_csv_and_the_csv_imports_as_a_preset(client: TestClient) -> None:
    workshop = create_workshop(client, framework={**NESTED, "labels": {"strategies": "เป้าหมาย"}},
                               agencies=["กรมอุตุนิยมวิทยา"])
    exported = client.get(f"{workshop.url}/framework?format=csv", headers=workshop.facilitator)
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
    text = exported.content.decode("utf-8-sig")
    assert text.splitlines()[0] == "kind,code,parent_code,name_th,name_en"
    assert "strategy,S1.1.1,S1.1,แผนย่อยไซเบอร์," in text

    imported = client.post(f"{API}/frameworks/csv", content=text.encode(), headers={"Content-Type": "text/csv"})

    assert imported.status_code == 201, imported.text
    copy = create_workshop(client, framework=imported.json()["id"])
    s = _by_code(copy.info, "strategies")
    assert list(s) == ["S1", "S1.1", "S1.1.1", "S2"] and s["S1.1.1"]["parent_id"] == s["S1.1"]["id"]
    assert copy.info["labels"]["strategies"] == "เป้าหมาย"
    assert [a["name"] for a in copy.info["agencies"]] == ["กรมอุตุนิยมวิทยา"]


def test_a_framework_csv_with_a_bad_row_is_refused_with_its_row_number(client: TestClient) -> None:
    orphan = "kind,code,parent_code,name_th,name_en\ntitle,,,กรอบ,\nstrategy,S1,,หนึ่ง,\nstrategy,S2.1,S2,สอง,\n"
    refused = client.post(f"{API}/frameworks/csv", content=orphan.encode(), headers={"Content-Type": "text/csv"})
    assert_error(refused, 422, "Row 4", "S2")

    assert_error(client.post(f"{API}/frameworks/csv", content=b"kind,code\x00\x01\x02"), 422, ".csv")


THAI_EXCEL_CSV = ("kind,code,parent_code,name_th,name_en\r\ntitle,,,แผนแม่บทกระทรวง,\r\n"
                  "strategy,S1,,ความมั่นคง,Security\r\nstrategy,S1.1,S1,แผนย่อยไซเบอร์,\r\n"
                  "reform_area,R1,,ด้านเศรษฐกิจ,\r\nagency,,,กรมอุตุนิยมวิทยา,\r\n")


@pytest.mark.parametrize("encoded", [THAI_EXCEL_CSV.encode("utf-8"), THAI_EXCEL_CSV.encode("utf-8-sig"),
                                     THAI_EXCEL_CSV.encode("cp874")], ids=["utf-8", "utf-8 with BOM", "cp874"])
def test_a_framework_csv_saved_by_thai_excel_imports_in_any_of_its_encodings(client: TestClient,
                                                                              encoded: bytes) -> None:
    imported = client.post(f"{API}/frameworks/csv", content=encoded, headers={"Content-Type": "text/csv"})

    assert imported.status_code == 201, imported.text
    assert imported.json()["title"] == "แผนแม่บทกระทรวง"
    copy = create_workshop(client, framework=imported.json()["id"])
    s = _by_code(copy.info, "strategies")
    assert s["S1"]["name"] == "ความมั่นคง" and s["S1.1"]["name"] == "แผนย่อยไซเบอร์"
    assert s["S1.1"]["parent_id"] == s["S1"]["id"]
    assert [a["name"] for a in copy.info["agencies"]] == ["กรมอุตุนิยมวิทยา"]


def test_a_framework_exports_as_xlsx_and_the_workbook_imports_as_a_preset(client: TestClient) -> None:
    workshop = create_workshop(client, framework={
        "strategies": [{"code": "S1", "name": "=1+1 ไม่ใช่สูตร", "children": [{"code": "S1.1", "name": "ลูก"}]}]})
    exported = client.get(f"{workshop.url}/framework?format=xlsx", headers=workshop.facilitator)
    assert exported.status_code == 200 and exported.content[:2] == b"PK"

    imported = client.post(f"{API}/frameworks/xlsx", content=exported.content)

    assert imported.status_code == 201, imported.text
    copy = create_workshop(client, framework=imported.json()["id"])
    s = _by_code(copy.info, "strategies")
    assert s["S1"]["name"] == "=1+1 ไม่ใช่สูตร" and s["S1.1"]["parent_id"] == s["S1"]["id"]
    assert_error(client.post(f"{API}/frameworks/xlsx", content=b"not a workbook"), 422, "XLSX")
