"""Who may create workshops: anyone who reaches the server by default (a laptop on a private
network); with RUAMKIT_ORGANISER_PASSWORD set (a public host), only someone who knows it, on
the form, the API and the import alike. Joining and taking part never need it."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, func, select

from app.models import Workshop
from tests.routes.helpers import API, assert_error

PASSWORD = "ruamkit-2569-Secret"  # HTTP headers carry Latin-1 only; the form takes any text


def workshop_count(session: Session) -> int:
    return session.exec(select(func.count()).select_from(Workshop)).one()


@pytest.fixture
def public_host(client_with: Any) -> TestClient:
    return client_with(organiser_password=PASSWORD)


def test_by_default_anyone_may_create_a_workshop_and_the_form_asks_no_password(client: TestClient) -> None:
    form = client.get("/new")
    assert 'name="organiser_password"' not in form.text
    assert client.post("/new", data={"title": "t"}, follow_redirects=False).status_code == 303
    assert client.post(f"{API}/workshops", json={"title": "t"}).status_code == 201


@pytest.mark.parametrize(("lang", "label"), [("th", "รหัสผ่านผู้จัด"), ("en", "Organiser password")])
def test_on_a_public_host_the_form_asks_for_the_password(public_host: TestClient, lang: str, label: str) -> None:
    public_host.cookies.set("rk_lang", lang)
    form = public_host.get("/new")
    assert form.status_code == 200
    assert 'type="password"' in form.text and 'name="organiser_password"' in form.text
    assert label in form.text


@pytest.mark.parametrize("typed", [None, "", "wrong", PASSWORD.upper(), PASSWORD + " "])
def test_the_form_without_the_right_password_creates_nothing(public_host: TestClient, session: Session,
                                                            typed: str | None) -> None:
    before = workshop_count(session)
    data = {"title": "แผนงานลับ", "description": "รายละเอียด"}
    if typed is not None:
        data["organiser_password"] = typed
    answer = public_host.post("/new", data=data, follow_redirects=False)
    assert answer.status_code == 403
    # The form comes back as it was typed, with the error beside the password field.
    assert 'id="organiser-password-error"' in answer.text
    assert "แผนงานลับ" in answer.text and "รายละเอียด" in answer.text
    if typed:
        assert f'value="{typed}"' not in answer.text
    assert not any(name.startswith("rk_f_") for name in answer.cookies)
    assert workshop_count(session) == before


@pytest.mark.parametrize("password", [PASSWORD, "รหัสผ่าน ร่วมคิด"])
def test_the_form_with_the_right_password_creates_the_workshop(client_with: Any, password: str) -> None:
    host = client_with(organiser_password=password)
    answer = host.post("/new", data={"title": "แผนงาน", "organiser_password": password}, follow_redirects=False)
    assert answer.status_code == 303
    assert host.get(answer.headers["location"]).status_code == 200


@pytest.mark.parametrize("header", [None, "", "wrong", PASSWORD[:-1]])
def test_the_api_refuses_to_create_or_import_without_the_right_password(public_host: TestClient, session: Session,
                                                                        header: str | None) -> None:
    headers = {} if header is None else {"X-Organiser-Password": header}
    before = workshop_count(session)
    assert_error(public_host.post(f"{API}/workshops", json={"title": "t"}, headers=headers), 403,
                 "organiser password", "X-Organiser-Password")
    made = public_host.post(f"{API}/workshops", json={"title": "t"}, headers={"X-Organiser-Password": PASSWORD})
    assert made.status_code == 201
    key = made.json()["facilitator_key"]
    exported = public_host.get(f"{API}/workshops/{made.json()['code']}/export?format=json",
                               headers={"Authorization": f"Bearer {key}"}).json()
    assert_error(public_host.post(f"{API}/workshops/import", json=exported, headers=headers), 403,
                 "organiser password")
    assert workshop_count(session) == before + 1
    imported = public_host.post(f"{API}/workshops/import", json=exported, headers={"X-Organiser-Password": PASSWORD})
    assert imported.status_code == 201
    assert workshop_count(session) == before + 2


def test_taking_part_never_needs_the_password(public_host: TestClient) -> None:
    made = public_host.post(f"{API}/workshops", json={"title": "t"}, headers={"X-Organiser-Password": PASSWORD})
    code = made.json()["code"]
    assert public_host.post(f"{API}/workshops/{code}/participants", json={"name": "n"}).status_code == 201
    assert public_host.post(f"/w/{code}/join", data={"name": "n"}, follow_redirects=False).status_code == 303
    assert public_host.get(f"/w/{code}").status_code == 200
