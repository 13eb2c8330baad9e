"""The phone's forms and lists with real project names (issue 12): titles up to 500 characters with
the limit and a counter, line breaks kept, validation in the page's language, + disabled at the cap
saying why, each participant's own stable order, the "at least one strategy" warning, and the four
workshop settings on the new-workshop page and in the console."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.routes.helpers import Workshop, create_workshop, list_projects, propose_many, read_workshop, set_phase

LIBRARY_ENGLISH = ("should", "Value error", "valid integer", "Input", "String", "List ")
LONG_TITLE = ("โครงการปรับปรุงแหล่งน้ำเดิม ด้วยการขุดลอกคลอง\n(ดิน+วัชพืช+กิ่งไม้) หมู่ที่ 5,7 ตำบลแก้วฟ้า อำเภอบางซ้าย\n"
              "จังหวัดพระนครศรีอยุธยา ขุดลอกคลอง ปากกว้าง(เฉลี่ย) 6.00 เมตร ก้นคลองกว้าง (เฉลี่ย) 5.00 เมตร")


def joined(app: FastAPI, workshop: Workshop, name: str) -> TestClient:
    page = TestClient(app)
    assert page.post(f"/w/{workshop.code}/join", data={"name": name}).status_code == 200
    return page


@pytest.fixture
def phone(app: FastAPI, client: TestClient, workshop: Workshop) -> Iterator[TestClient]:
    with joined(app, workshop, "มาลี") as page:
        set_phase(client, workshop, "propose")
        yield page


def console(app: FastAPI, workshop: Workshop) -> TestClient:
    page = TestClient(app)
    page.get(workshop.created["facilitator_url"])
    return page


def field_error(html: str, field: str) -> str:
    found = re.search(rf'<p id="[\w-]*{field}-error" class="field-error">([^<]*)</p>', html)
    assert found, f"no error beside {field}"
    return found.group(1)


def assert_no_library_english(html: str) -> None:
    errors = " ".join(re.findall(r'class="(?:field-error|error-message)"[^>]*>([^<]*)<', html))
    assert errors.strip(), "an error is shown"
    for phrase in LIBRARY_ENGLISH:
        assert phrase not in errors, f"{phrase!r} in {errors!r}"


# --- 1 and 2: titles up to 500 characters, counted and shown with their line breaks ---


def test_every_title_box_is_a_textarea_with_the_limit_and_a_counter(app: FastAPI, client: TestClient,
                                                                   workshop: Workshop, phone: TestClient) -> None:
    project = propose_many(client, workshop, ["ศูนย์ข้อมูลน้ำ"])["ศูนย์ข้อมูลน้ำ"]
    mine = phone.post(f"/w/{workshop.code}/proposals", data={"title": "ของฉัน", "client_request_id": "r1"})
    assert mine.status_code == 200
    my_id = next(p["id"] for p in list_projects(client, workshop) if p["title"] == "ของฉัน")
    with console(app, workshop) as facilitator:
        forms = {
            "p-title": phone.get(f"/w/{workshop.code}").text,
            "m-title": phone.get(f"/w/{workshop.code}/mine/{my_id}").text,
            "e-title": facilitator.get(f"/w/{workshop.code}/facilitate/projects/{project['id']}").text,
            "title": client.get("/new").text,
        }
    for box, html in forms.items():
        assert re.search(rf'<textarea id="{box}" name="title"[^>]*data-limit="500"', html), box
        assert not re.search(r'<input[^>]*name="title"', html), f"{box}: a title is never a one-line input"
        assert f'<p id="{box}-count" class="counter" data-counter-for="{box}">' in html
        assert "ไม่เกิน 500 ตัวอักษร ขึ้นบรรทัดใหม่ได้" in html
        assert 'data-count>' in html and "/500" in html


def test_a_title_of_500_characters_is_taken_and_501_refused_in_thai_keeping_what_was_typed(
        client: TestClient, workshop: Workshop, phone: TestClient) -> None:
    ok = phone.post(f"/w/{workshop.code}/proposals", data={"title": "ก" * 500, "client_request_id": "a"})
    assert ok.status_code == 200 and "sent-note" in ok.text
    too_long = "ข" * 499 + "ก่ำ"  # 502 code points: the tone mark and SARA AM count, as on the server
    refused = phone.post(f"/w/{workshop.code}/proposals", data={"title": too_long, "client_request_id": "b"})
    assert refused.status_code == 422
    assert field_error(refused.text, "p-title") == (
        "ยาวเกินไป: ได้ไม่เกิน 500 ตัวอักษร แต่ตอนนี้มี 502 ตัวอักษร กรุณาย่อให้สั้นลง")
    assert f">{too_long}</textarea>" in refused.text  # nothing cut


def test_line_breaks_typed_or_pasted_are_kept_and_shown(client: TestClient, workshop: Workshop,
                                                        phone: TestClient) -> None:
    pasted = LONG_TITLE.replace("\n", "\r\n")
    sent = phone.post(f"/w/{workshop.code}/proposals", data={"title": pasted, "client_request_id": "r"})
    assert sent.status_code == 200
    assert [p["title"] for p in list_projects(client, workshop)] == [LONG_TITLE]
    page = phone.get(f"/w/{workshop.code}").text
    assert re.search(r'<h3 id="pl-title-\d+" class="long-title" data-clamp>' + re.escape(LONG_TITLE) + "</h3>", page)
    assert re.search(r'<h3 id="mine-title-\d+" class="long-title" data-clamp>' + re.escape(LONG_TITLE) + "</h3>", page)
    assert 'aria-controls="pl-title-' in page and "ดูชื่อเต็ม" in page  # the full text one tap away


# --- 5: validation messages in the page's language ---


def test_the_phone_says_what_is_wrong_in_thai(client: TestClient, workshop: Workshop, phone: TestClient) -> None:
    url = f"/w/{workshop.code}/proposals"
    empty = phone.post(url, data={"title": "  ", "client_request_id": "1"})
    assert field_error(empty.text, "p-title") == "กรุณากรอกช่องนี้"
    assert_no_library_english(empty.text)
    bad_tag = phone.post(url, data={"title": "ก", "strategy_ids": "abc", "client_request_id": "2"})
    assert "กรุณาเลือกยุทธศาสตร์จากรายการเท่านั้น" in bad_tag.text
    assert_no_library_english(bad_tag.text)
    many = [str(n) for n in range(1, 52)]
    too_many = phone.post(url, data={"title": "ก", "client_request_id": "3", "strategy_ids": many})
    assert "เลือกยุทธศาสตร์ได้ไม่เกิน 50 รายการ" in too_many.text
    assert_no_library_english(too_many.text)
    unknown = phone.post(url, data={"title": "ก", "strategy_ids": "999999", "client_request_id": "4"})
    assert unknown.status_code == 422
    assert not re.search(r"Unknown|should", unknown.text)


def test_the_new_workshop_page_says_what_is_wrong_in_thai_and_in_english(client: TestClient) -> None:
    bad = {"title": "", "framework": "th-national-2019", "language": "fr", "dots_per_participant": "ห้า",
           "max_dots_per_project": "0", "time_zone": "Mars/Olympus"}
    thai = client.post("/new", data=bad)
    assert thai.status_code == 422
    assert field_error(thai.text, "title") == "กรุณากรอกช่องนี้"
    assert "กรุณาเลือกกรอบยุทธศาสตร์จากที่มีให้" in thai.text  # not "Input should be 'th-national-2018'"
    assert "กรุณาใส่ตัวเลขจำนวนเต็ม" in thai.text
    assert "กรุณาเลือกจากตัวเลือกที่มีให้" in thai.text  # the language
    assert "กรุณาใส่ตัวเลขไม่น้อยกว่า 1" in thai.text
    assert "กรุณาเลือกเขตเวลาจากรายการ" in thai.text
    assert_no_library_english(thai.text)
    custom = client.post("/new", data={"title": "ก", "framework": "custom", "custom_strategies": ""})
    assert "กรุณาใส่ยุทธศาสตร์อย่างน้อยหนึ่งรายการ บรรทัดละหนึ่งรายการ" in custom.text
    client.get("/lang/en?next=/new")
    english = client.post("/new", data=bad)
    assert "Please fill this in." in english.text
    assert "Please choose one of the frameworks offered." in english.text
    assert "Please enter a number of at least 1." in english.text
    assert_no_library_english(english.text)


# --- 6: + disabled at the cap, saying why ---


def test_plus_is_disabled_at_the_cap_and_when_the_dots_are_spent_saying_why(
        app: FastAPI, client: TestClient) -> None:
    workshop = create_workshop(client, dots_per_participant=4, max_dots_per_project=3)
    first, second, third = (p["id"] for p in propose_many(client, workshop, ["หนึ่ง", "สอง", "สาม"]).values())
    set_phase(client, workshop, "vote")
    with joined(app, workshop, "มาลี") as phone:
        url = f"/w/{workshop.code}/ballot"
        answers = [phone.post(f"{url}/{first}", data={"change": "1"}) for _ in range(3)]
        assert all(a.status_code == 200 for a in answers)
        assert re.search(rf'id="plus-{first}"[^>]*\bdisabled\b', answers[-1].text)
        assert f'<p id="why-{first}" class="cap-reason">ครบ 3 จุดต่อโครงการแล้ว</p>' in answers[-1].text
        assert not re.search(rf'id="plus-{first}"[^>]*\bdisabled\b', answers[1].text)
        refused = phone.post(f"{url}/{first}", data={"change": "1"})  # the server still refuses
        assert refused.status_code in (409, 422)
        phone.post(f"{url}/{second}", data={"change": "1"})
        page = phone.get(f"/w/{workshop.code}").text
        assert re.search(rf'id="plus-{third}"[^>]*\bdisabled\b', page)
        assert f'<p id="why-{third}" class="cap-reason">ใช้จุดครบแล้ว</p>' in page
        assert f'<p id="why-{first}" class="cap-reason">ครบ 3 จุดต่อโครงการแล้ว</p>' in page


# --- 7: each participant's own order, stable ---


def ballot_order(html: str, list_id: str = "ballot") -> list[int]:
    part = html.split(f'id="{list_id}"', 1)[1].split("</ul>", 1)[0]
    return [int(n) for n in re.findall(r'<li class="card project[^"]*" data-project-id="(\d+)"', part)]


def test_shuffled_projects_keep_one_order_per_participant_and_differ_between_them(
        app: FastAPI, client: TestClient) -> None:
    workshop = create_workshop(client, shuffle_projects=True)
    ids = [p["id"] for p in propose_many(client, workshop, [f"โครงการที่ {n}" for n in range(1, 11)]).values()]
    set_phase(client, workshop, "propose")
    with joined(app, workshop, "มาลี") as one, joined(app, workshop, "สมชาย") as two:
        proposing = ballot_order(one.get(f"/w/{workshop.code}").text, "proposal-list")
        assert sorted(proposing) == sorted(ids) and proposing != sorted(ids, reverse=True)
        set_phase(client, workshop, "vote")
        first = ballot_order(one.get(f"/w/{workshop.code}").text)
        again = ballot_order(one.get(f"/w/{workshop.code}/me").text)
        other = ballot_order(two.get(f"/w/{workshop.code}").text)
        assert sorted(first) == sorted(ids) == sorted(other)
        assert first == again, "the same order on every redraw"
        assert first != other, "another participant, another order"
        assert first == proposing, "the same order while proposing and voting"
        assert re.search(r'data-shuffle-seed="\d+"', one.get(f"/w/{workshop.code}").text)  # app.js keeps it live
    plain = create_workshop(client)
    plain_ids = [p["id"] for p in propose_many(client, plain, [f"แผน {n}" for n in range(1, 6)]).values()]
    set_phase(client, plain, "vote")
    with joined(app, plain, "มาลี") as phone:
        assert ballot_order(phone.get(f"/w/{plain.code}").text) == plain_ids  # not asked: proposal order


# --- 9: at least one strategy, gently ---


def test_a_proposal_without_a_strategy_gets_a_warning_but_is_still_taken(app: FastAPI, client: TestClient) -> None:
    workshop = create_workshop(client, require_strategy=True, phase="propose")
    with joined(app, workshop, "มาลี") as phone:
        page = phone.get(f"/w/{workshop.code}").text
        assert "data-require-strategy" in page
        assert "การประชุมนี้ขอให้แต่ละข้อเสนอเลือกยุทธศาสตร์อย่างน้อยหนึ่งยุทธศาสตร์" in page
        warning = r'<p class="warning" data-strategy-warning role="alert" tabindex="-1" hidden>ยังไม่ได้เลือกยุทธศาสตร์'
        assert re.search(warning, page)
        sent = phone.post(f"/w/{workshop.code}/proposals",
                          data={"title": "ไม่มียุทธศาสตร์", "client_request_id": "x"})
        assert sent.status_code == 200 and "sent-note" in sent.text
    plain = create_workshop(client, phase="propose")
    with joined(app, plain, "มาลี") as phone:
        assert "data-require-strategy" not in phone.get(f"/w/{plain.code}").text


# --- 10: the settings, on the new-workshop page and in the console ---


def test_the_new_workshop_page_offers_the_four_settings(client: TestClient) -> None:
    page = client.get("/new").text
    for name in ("shuffle_projects", "require_strategy", "typed_agencies"):
        assert f'name="{name}"' in page
    assert '<option value="Asia/Bangkok" selected>' in page
    created = client.post("/new", data={"title": "ประชุมแผน\nปี 2569", "shuffle_projects": "on", "require_strategy": "on",
                                        "typed_agencies": "on", "time_zone": "Asia/Tokyo"}, follow_redirects=False)
    assert created.status_code == 303, created.text
    code = created.headers["location"].split("/")[2]
    info = client.get(f"/api/v1/workshops/{code}").json()
    assert info["title"] == "ประชุมแผน\nปี 2569"
    assert (info["shuffle_projects"], info["require_strategy"], info["typed_agencies"], info["time_zone"]) == (
        True, True, True, "Asia/Tokyo")


def test_the_console_changes_the_four_settings(app: FastAPI, client: TestClient, workshop: Workshop) -> None:
    with console(app, workshop) as facilitator:
        page = facilitator.get(f"/w/{workshop.code}/facilitate").text
        assert 'id="workshop-settings"' in page and 'name="time_zone"' in page
        url = f"/w/{workshop.code}/facilitate/settings"
        saved = facilitator.post(url, data={"shuffle_projects": "on", "typed_agencies": "on",
                                            "time_zone": "Asia/Singapore"})
        assert saved.status_code == 200 and "บันทึกการตั้งค่าแล้ว" in saved.text
        info = read_workshop(client, workshop)
        assert (info["shuffle_projects"], info["require_strategy"], info["typed_agencies"], info["time_zone"]) == (
            True, False, True, "Asia/Singapore")
        assert re.search(r'name="shuffle_projects" id="set-shuffle_projects"\s+checked', saved.text)
        off = facilitator.post(url, data={"time_zone": "Asia/Singapore"})
        assert off.status_code == 200 and read_workshop(client, workshop)["shuffle_projects"] is False
        bad = facilitator.post(url, data={"time_zone": "Mars/Olympus"})
        assert bad.status_code == 422 and "กรุณาเลือกเขตเวลาจากรายการ" in bad.text
        assert read_workshop(client, workshop)["time_zone"] == "Asia/Singapore"
    with TestClient(app) as stranger:  # only the facilitator
        assert stranger.post(f"/w/{workshop.code}/facilitate/settings", data={}).status_code in (401, 403)
