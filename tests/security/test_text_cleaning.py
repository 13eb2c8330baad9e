"""Every piece of user text is cleaned the same way, by the API and by the page forms alike:
Unicode NFC, control and bidi-override characters removed, Thai vowels and tone marks kept
exactly as typed."""

from __future__ import annotations

import unicodedata
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.deps import cookie_name
from app.text import clean_title
from tests.routes.helpers import Workshop, create_workshop, join, propose

# Thai words whose vowels and tone marks are combining characters: they must survive untouched.
THAI_WORDS = ["ที่นี่", "กั๊ก", "น้ำ", "ผู้ใหญ่", "เกี๋ยว", "ฤๅษี", "ปฏิรูปประเทศ ด้านกฎหมาย"]

# (what was typed, what is kept) for one-line fields
DIRTY = [
    ("cafe\u0301 ที่นี่", "café ที่นี่"),  # NFC: e + combining acute is é
    ("\u202eกั๊ก\u202c น้ำ", "กั๊ก น้ำ"),  # right-to-left override and pop
    ("\u2066สมชาย\u2069 \u200fใจดี\u200e", "สมชาย ใจดี"),  # isolates and direction marks
    ("\x00ชื่อ\x07\x1b[31m\x7f\x9b", "ชื่อ[31m"),  # C0, DEL and C1 controls
    ("\ufeffน้ำ\ufff9", "น้ำ"),  # byte order mark, interlinear annotation
    ("  หลาย\t\tช่อง\u00a0\u3000ว่าง  ", "หลาย ช่อง ว่าง"),  # runs of spaces folded, ends trimmed
    ("บรรทัด\r\nใหม่\nอีก", "บรรทัด ใหม่ อีก"),  # line breaks fold to spaces in one-line fields
]


def assert_same_text(got: str, wanted: str) -> None:
    assert got == wanted, f"{got!r} != {wanted!r} ({[hex(ord(c)) for c in got]})"
    assert unicodedata.is_normalized("NFC", got)


def export(client: TestClient, workshop: Workshop) -> dict[str, Any]:
    answer = client.get(f"{workshop.url}/export?format=json", headers=workshop.facilitator)
    assert answer.status_code == 200
    return answer.json()


@pytest.mark.parametrize("word", THAI_WORDS)
def test_thai_combining_marks_are_kept_exactly_through_the_api(client: TestClient, word: str) -> None:
    workshop = create_workshop(client, phase="propose", title=word, description=f"{word}\n{word}",
                               agencies=[word])
    person = join(client, workshop, name=word, agency=word)
    project = propose(client, workshop, person.headers, word, description=word, agency=word)
    for text in (workshop.info["title"], workshop.info["agencies"][0]["name"], project["title"],
                 project["description"], project["agency"]):
        assert_same_text(text, word)
    assert_same_text(workshop.info["description"], f"{word}\n{word}")
    data = export(client, workshop)
    assert_same_text(data["participants"][0]["name"], word)
    assert_same_text(data["participants"][0]["agency"], word)


@pytest.mark.parametrize(("typed", "kept"), DIRTY, ids=[repr(t)[:30] for t, _ in DIRTY])
def test_one_line_text_is_cleaned_the_same_everywhere_in_the_api(client: TestClient, typed: str, kept: str) -> None:
    # Titles keep single line breaks (Thai has no spaces to fold them into); the rest is the same.
    title_kept = str(clean_title(typed))
    workshop = create_workshop(client, phase="propose", title=typed, agencies=[typed])
    assert_same_text(workshop.info["title"], title_kept)
    assert_same_text(workshop.info["agencies"][0]["name"], kept)
    person = join(client, workshop, name=typed, agency=typed)
    project = propose(client, workshop, person.headers, typed, agency=typed)
    assert_same_text(project["title"], title_kept)
    assert_same_text(project["agency"], kept)
    other = propose(client, workshop, workshop.facilitator, "ตั้งต้น")
    edited = client.patch(f"{workshop.url}/projects/{other['id']}", json={"title": typed, "agency": typed},
                          headers=workshop.facilitator).json()
    assert_same_text(edited["title"], title_kept)
    assert_same_text(edited["agency"], kept)
    renamed = client.patch(workshop.url, json={"title": typed}, headers=workshop.facilitator).json()
    assert_same_text(renamed["title"], title_kept)
    participant = export(client, workshop)["participants"][0]
    assert_same_text(participant["name"], kept)
    assert_same_text(participant["agency"], kept)


def test_descriptions_keep_their_lines_but_lose_control_characters(client: TestClient) -> None:
    typed = "\u202eบรรทัดแรก\x00\r\n\r\n\r\n\r\nบรรทัด\tที่สอง น้ำ\x1b  \nกั๊ก"
    workshop = create_workshop(client, phase="propose", description=typed)
    assert_same_text(workshop.info["description"], "บรรทัดแรก\n\nบรรทัด ที่สอง น้ำ\nกั๊ก")
    project = propose(client, workshop, workshop.facilitator, "t", description=typed)
    assert_same_text(project["description"], "บรรทัดแรก\n\nบรรทัด ที่สอง น้ำ\nกั๊ก")


def test_the_page_forms_clean_text_like_the_api(client: TestClient) -> None:
    typed, kept = "\u202eกั๊ก\x00 cafe\u0301\u200f น้ำ ที่นี่", "กั๊ก café น้ำ ที่นี่"
    # The organiser's form
    made = client.post("/new", data={"title": typed, "agencies": f"{typed}\nน้ำ"}, follow_redirects=False)
    assert made.status_code == 303
    code = made.headers["location"].split("/")[2]
    about = client.get(f"/api/v1/workshops/{code}").json()
    assert_same_text(about["title"], kept)
    assert [a["name"] for a in about["agencies"]] == [kept, "น้ำ"]
    # The phone's join and proposal forms
    workshop = create_workshop(client, phase="propose")
    client.cookies.clear()
    joined = client.post(f"/w/{workshop.code}/join", data={"name": typed, "agency": typed}, follow_redirects=False)
    assert joined.status_code == 303
    sent = client.post(f"/w/{workshop.code}/proposals",
                       data={"title": typed, "description": f"{typed}\nที่นี่", "agency": typed})
    assert sent.status_code == 200, sent.text
    project = client.get(f"{workshop.url}/projects", headers=workshop.facilitator).json()[0]
    assert_same_text(project["title"], kept)
    assert_same_text(project["agency"], kept)
    assert_same_text(project["description"], f"{kept}\nที่นี่")
    participant = export(client, workshop)["participants"][0]
    assert_same_text(participant["name"], kept)
    # The facilitator's editor
    client.cookies.set(cookie_name("facilitator", workshop.code), workshop.created["facilitator_key"])
    saved = client.post(f"/w/{workshop.code}/facilitate/projects/{project['id']}",
                        data={"title": f"{typed} (แก้)", "description": typed, "agency": "น้ำ"})
    assert saved.status_code == 200, saved.text
    project = client.get(f"{workshop.url}/projects", headers=workshop.facilitator).json()[0]
    assert_same_text(project["title"], f"{kept} (แก้)")
    assert_same_text(project["agency"], "น้ำ")


def test_thai_text_is_shown_on_the_pages_exactly_as_typed(client: TestClient) -> None:
    title = " ".join(THAI_WORDS)
    workshop = create_workshop(client, phase="propose", title=title)
    page = client.get(f"/w/{workshop.code}").text
    assert title in page
