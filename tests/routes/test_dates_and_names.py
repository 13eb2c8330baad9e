"""Dates where people expect them (Thai time; Buddhist-era years in Thai) and the framework's and
agencies' names in the reader's language wherever the preset has both."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from tests.routes.helpers import create_workshop, propose, read_workshop, set_phase

THIS_YEAR = datetime.now(UTC).year
S5_TH, S5_EN = "ด้านการสร้างการเติบโตบนคุณภาพชีวิตที่เป็นมิตรต่อสิ่งแวดล้อม", "Eco-friendly growth"
METEO_TH, METEO_EN = "กรมอุตุนิยมวิทยา", "Thai Meteorological Department"


def open_link(client: TestClient, url: str) -> None:
    assert client.get(url.removeprefix("http://testserver")).status_code == 200


@pytest.mark.parametrize(("lang", "year", "other_year"), [("th", THIS_YEAR + 543, THIS_YEAR), ("en", THIS_YEAR, THIS_YEAR + 543)])
def test_the_console_shows_when_the_workshop_and_each_proposal_were_made(
        client: TestClient, lang: str, year: int, other_year: int) -> None:
    workshop = create_workshop(client)
    propose(client, workshop, workshop.facilitator, "ศูนย์ข้อมูลน้ำ")
    open_link(client, workshop.created["facilitator_url"])
    client.cookies.set("rk_lang", lang)
    console = client.get(f"/w/{workshop.code}/facilitate").text
    created = console.split('<time datetime="', 1)[1].split('">', 1)[1].split("</time>", 1)[0]
    assert f" {year} " in created and str(other_year) not in created
    assert created.endswith(" น.") == (lang == "th")
    proposed = console.split("ศูนย์ข้อมูลน้ำ", 1)[1].split("</td>", 1)[0]
    assert ("เสนอเมื่อ" if lang == "th" else "Proposed") in proposed and f" {year} " in proposed


def test_an_agency_the_preset_knows_gets_both_names(client: TestClient) -> None:
    thai = create_workshop(client, agencies=[METEO_TH, "สำนักงานเขตทดลอง"])
    english = create_workshop(client, language="en", agencies=[METEO_TH, "Test district office"])
    assert [a["name"] for a in read_workshop(client, thai)["agencies"]] == [METEO_TH, "สำนักงานเขตทดลอง"]
    assert [a["name"] for a in read_workshop(client, english)["agencies"]] == [METEO_EN, "Test district office"]
    # A phone reading English is offered the English name, one reading Thai the Thai one.
    client.cookies.set("rk_lang", "en")
    join_page = client.get(f"/w/{thai.code}").text
    assert f'<option value="{METEO_EN}">' in join_page and "สำนักงานเขตทดลอง" in join_page
    client.cookies.set("rk_lang", "th")
    assert f'<option value="{METEO_TH}">' in client.get(f"/w/{english.code}").text


@pytest.mark.parametrize("lang", ["th", "en"])
def test_every_page_names_the_strategies_in_the_readers_language(client: TestClient, lang: str) -> None:
    workshop = create_workshop(client)
    s5 = workshop.strategy_ids[4]
    project = propose(client, workshop, workshop.facilitator, "ศูนย์ข้อมูลน้ำ", strategy_ids=[s5])
    wanted, unwanted = (S5_TH, S5_EN) if lang == "th" else (S5_EN, S5_TH)
    client.cookies.set("rk_lang", lang)
    open_link(client, workshop.created["facilitator_url"])
    set_phase(client, workshop, "propose")
    assert client.post(f"/w/{workshop.code}/join", data={"name": "สมชาย"}).status_code in (200, 303)
    pages = {
        "phone (propose)": f"/w/{workshop.code}",
        "console": f"/w/{workshop.code}/facilitate",
        "project editor": f"/w/{workshop.code}/facilitate/projects/{project['id']}",
        "report": f"/w/{workshop.code}/facilitate/report",
    }
    for name, path in pages.items():
        html = client.get(path).text
        assert wanted in html, f"{name} does not name S5 in {lang}"
        assert unwanted not in html, f"{name} names S5 in the other language"
    set_phase(client, workshop, "results")
    open_link(client, workshop.created["screen_url"])
    screen = client.get(f"/w/{workshop.code}/screen").text
    assert wanted in screen and unwanted not in screen
