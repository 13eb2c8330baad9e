"""A workshop of many real projects on a phone (issue 13, point 5): the lists come a page at a time,
the search finds a Thai word from the middle of a title, and the dots placed stay in "My votes"
whatever page is shown."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.services.project_search import PAGE_SIZE
from tests.routes.helpers import Workshop, propose_many, set_phase

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "thaime" / "projects-sample.csv"
TARGET = "โครงการปรับปรุงแหล่งน้ำเดิม ด้วยการขุดลอกคลอง"


def real_titles(count: int) -> list[str]:
    with SAMPLE.open(encoding="utf-8") as sample:
        titles = [row["title"].strip() for row in csv.DictReader(sample)]
    unique = list(dict.fromkeys(t for t in titles if t and "ขุดลอก" not in t and len(t) <= 500))
    return unique[:count]


def card_ids(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'<li class="card project[^"]*" data-project-id="(\d+)"', html)]


@pytest.fixture
def many(client: TestClient, workshop: Workshop) -> Workshop:
    propose_many(client, workshop, [TARGET, *real_titles(2 * PAGE_SIZE + 5)])
    return workshop


@pytest.fixture
def phone(app: FastAPI, client: TestClient, many: Workshop) -> Iterator[TestClient]:
    with TestClient(app) as page:
        assert page.post(f"/w/{many.code}/join", data={"name": "มาลี"}).status_code == 200
        set_phase(client, many, "propose")
        yield page


def test_the_phone_shows_the_first_page_of_proposals_and_a_more_link(phone: TestClient, many: Workshop) -> None:
    html = phone.get(f"/w/{many.code}").text
    assert len(card_ids(html)) == PAGE_SIZE
    assert f'href="/w/{many.code}?offset={PAGE_SIZE}"' in html  # a link that works without a script
    assert f'hx-get="/w/{many.code}/list?offset={PAGE_SIZE}"' in html


def test_paging_through_the_proposals_shows_each_project_once(phone: TestClient, many: Workshop) -> None:
    seen = card_ids(phone.get(f"/w/{many.code}").text)
    offset: int | None = PAGE_SIZE
    while offset is not None:
        html = phone.get(f"/w/{many.code}/list", params={"offset": offset}).text
        seen += card_ids(html)
        found = re.search(r'/list\?offset=(\d+)"', html)
        offset = int(found.group(1)) if found else None
    assert sorted(seen) == sorted(p["id"] for p in many.projects.values())


def test_a_thai_word_from_the_middle_of_a_title_finds_it(phone: TestClient, many: Workshop) -> None:
    html = phone.get(f"/w/{many.code}/list", params={"q": "ขุดลอก"}).text
    assert card_ids(html) == [many.projects[TARGET]["id"]]
    assert "แหล่งน้ำเดิม" in html
    on_page = card_ids(phone.get(f"/w/{many.code}", params={"q": "แหล่งน้ำ"}).text)  # the page itself, no script
    assert many.projects[TARGET]["id"] in on_page and len(on_page) < len(many.projects)


def test_a_search_that_finds_nothing_says_so(phone: TestClient, many: Workshop) -> None:
    html = phone.get(f"/w/{many.code}/list", params={"q": "ดาวอังคาร"}).text
    assert card_ids(html) == []
    assert "ดาวอังคาร" in html


def test_the_ballot_pages_and_searches_and_my_votes_stay_visible(client: TestClient, phone: TestClient,
                                                                 many: Workshop) -> None:
    set_phase(client, many, "vote")
    target = many.projects[TARGET]["id"]
    found = phone.get(f"/w/{many.code}/list", params={"q": "ขุดลอก"}).text
    assert card_ids(found) == [target] and f'id="plus-{target}"' in found
    assert phone.post(f"/w/{many.code}/ballot/{target}", data={"change": "1"}).status_code == 200
    first = phone.get(f"/w/{many.code}").text
    assert len(card_ids(first)) == PAGE_SIZE
    my_votes = first.split('id="my-votes"', 1)[1]
    assert "แหล่งน้ำเดิม" in my_votes  # the dot is listed, whatever page the ballot shows


def test_only_a_participant_gets_the_list(app: FastAPI, many: Workshop) -> None:
    with TestClient(app) as stranger:
        assert stranger.get(f"/w/{many.code}/list").status_code in (401, 403, 303)


# --- the console: search, filter by tag and agency, pages ---


def console(app: FastAPI, workshop: Workshop) -> TestClient:
    page = TestClient(app)
    page.get(workshop.created["facilitator_url"])
    return page


def row_titles(html: str) -> list[str]:
    return re.findall(r"<td>(?:<span class=\"chip pin\">[^<]*</span> )?<b>([^<]*)</b>", html)


def test_the_console_pages_its_projects_table(app: FastAPI, client: TestClient, workshop: Workshop) -> None:
    propose_many(client, workshop, real_titles(PAGE_SIZE * 3))
    desk = console(app, workshop)
    first = desk.get(f"/w/{workshop.code}/facilitate").text
    assert len(row_titles(first)) == 50 or len(row_titles(first)) == len(workshop.projects)
    table = f"/w/{workshop.code}/facilitate/projects-table"
    rest = desk.get(table, params={"offset": 50}).text
    assert len(row_titles(first)) + len(row_titles(rest)) == len(workshop.projects) == PAGE_SIZE * 3
    assert "Previous" in rest or "ก่อนหน้า" in rest


def test_the_console_finds_projects_by_words_strategy_and_agency(app: FastAPI, client: TestClient,
                                                                  workshop: Workshop) -> None:
    strategy = workshop.strategy_ids[1]
    propose_many(client, workshop, real_titles(30))
    tagged = client.post(f"{workshop.url}/projects", headers=workshop.facilitator, json={
        "title": TARGET, "agency": "กรมชลประทาน", "strategy_ids": [strategy], "reform_area_ids": []})
    assert tagged.status_code == 201, tagged.text
    desk = console(app, workshop)
    table = f"/w/{workshop.code}/facilitate/projects-table"
    assert row_titles(desk.get(table, params={"q": "ขุดลอก"}).text) == [TARGET]
    assert row_titles(desk.get(table, params={"strategy": str(strategy)}).text) == [TARGET]
    by_agency = desk.get(table, params={"agency": "กรมชลประทาน"}).text
    assert row_titles(by_agency) == [TARGET] and 'data-browsing="1"' in by_agency
    none = desk.get(table, params={"q": "ดาวอังคาร", "agency": "กรมชลประทาน"}).text
    assert row_titles(none) == [] and ("ไม่มีโครงการที่ตรงกับตัวกรองนี้" in none or "No project matches" in none)
    assert desk.get(table, params={"strategy": "abc"}).status_code == 422


def test_only_the_facilitator_gets_the_console_table(app: FastAPI, workshop: Workshop) -> None:
    with TestClient(app) as stranger:
        assert stranger.get(f"/w/{workshop.code}/facilitate/projects-table").status_code in (401, 403)


# --- the big screen: the top of each list, and a count of the rest ---


def test_the_screen_shows_the_top_and_counts_the_rest(client: TestClient) -> None:
    from app.services import screen_pages
    from tests.test_ws_facilitation import Scene

    scene = Scene(client)
    scene.phase("propose")
    titles = real_titles(screen_pages.TOP + 7)
    for title in titles:
        scene.propose(title)
    scene.phase("vote")
    answer = client.put(f"{scene.url}/screen-view", json={"view": "ranking"}, headers=scene.facilitator)
    assert answer.status_code == 200
    with scene.ws(scene.screen_key) as screen:
        snapshot = screen.receive_text()
    pages = screen_pages.TOP // screen_pages.RANKING
    assert f'data-pages="{pages}"' in snapshot  # 60 projects shown, four a page; not 67
    assert f"Top {screen_pages.TOP} · and 7 more" in snapshot
    assert f'data-total="{len(titles)}"' in snapshot


def test_a_big_wall_shows_each_strategys_first_titles_and_counts_them_all() -> None:
    from app.services import screen_pages

    small = [("s1", list(range(10))), ("s2", list(range(5)))]
    assert sum(len(p.standings) for p in screen_pages.wall_parts(small)) == 15  # a small wall: every title
    big = [("s1", list(range(3000))), ("s2", list(range(40)))]
    parts = screen_pages.wall_parts(big)
    assert sum(len(p.standings) for p in parts) == 2 * screen_pages.WALL_TOP
    assert {p.count for p in parts} == {3000, 40}  # each column's count is the whole column


def test_the_phone_ranking_shows_the_top_60_and_counts_the_rest(client: TestClient, phone: TestClient,
                                                                many: Workshop) -> None:
    propose_many(client, many, real_titles(80)[2 * PAGE_SIZE + 5:])
    client.patch(many.url, json={"show_live_tallies": True}, headers=many.facilitator)
    set_phase(client, many, "results")
    html = phone.get(f"/w/{many.code}").text
    total = len(many.projects)
    assert total > 60
    assert html.count('<span class="rank">') == 60
    assert f"และอีก {total - 60} โครงการ" in html or f"and {total - 60} more" in html
