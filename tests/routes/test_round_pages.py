"""Rounds and scores in the pages: the console's Rounds panel and form, the phone's 1-5 ballot
and its own scores, and the duplicate hints' one-click merge."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.routes.helpers import Workshop, create_workshop, list_projects, propose_many, set_phase

HTMX = {"HX-Request": "true", "Origin": "http://testserver", "Sec-Fetch-Site": "same-origin"}


@pytest.fixture
def workshop(client: TestClient) -> Workshop:
    """An English workshop voting on three projects."""
    made = create_workshop(client, language="en", dots_per_participant=4)
    set_phase(client, made, "propose")
    propose_many(client, made, ["Flood warning", "Open data", "Cloud"])
    return made


@pytest.fixture
def console(app: FastAPI, workshop: Workshop) -> Iterator[TestClient]:
    with TestClient(app) as page:
        page.get(workshop.created["facilitator_url"].removeprefix("http://testserver"))
        page.headers.update(HTMX)
        yield page


@pytest.fixture
def phone(app: FastAPI, workshop: Workshop) -> Iterator[TestClient]:
    with TestClient(app) as page:
        page.headers.update(HTMX)
        assert page.post(f"/w/{workshop.code}/join", data={"name": "Malee"}).status_code == 200
        yield page


def ids(workshop: Workshop) -> dict[str, int]:
    return {title: p["id"] for title, p in workshop.projects.items()}


def test_the_console_shows_the_rounds_panel_and_the_form_to_start_one(workshop: Workshop,
                                                                      console: TestClient) -> None:
    page = console.get(f"/w/{workshop.code}/facilitate").text
    assert 'id="rounds-panel"' in page and 'id="round-form"' in page
    assert "Round 1" in page and "Dot voting" in page and "All projects" in page
    # The criteria rows start as the workshop's default criteria, impact first.
    assert 'name="criterion_name_1" maxlength="200" aria-label="Criterion 1"\n               value="Impact"' in page


def test_the_facilitator_starts_a_weighted_scoring_round_on_the_top_two(
        client: TestClient, workshop: Workshop, console: TestClient) -> None:
    answer = console.post(f"/w/{workshop.code}/facilitate/rounds", data={
        "title": "Short list", "mode": "scoring", "criterion_name_1": "Impact", "criterion_weight_1": "2",
        "criterion_name_2": "Feasibility", "criterion_weight_2": "1", "criterion_name_3": "Low cost",
        "criterion_weight_3": "0,5", "scoped": "on", "top_n": "2", "from_round": "1",
        "dots_per_participant": "ignored in a scoring round"})
    assert answer.status_code == 200, answer.text
    assert "Round Short list started" in answer.text
    assert 'id="fac-live"' in answer.text  # picked out by the form's hx-select-oob
    (_first, second) = client.get(f"{workshop.url}/rounds", headers=workshop.facilitator).json()
    assert (second["title"], second["mode"], second["scope"]["top_n"]) == ("Short list", "scoring", 2)
    assert [(c["key"], c["name"], c["weight"]) for c in second["criteria"]] == [
        ("impact", "Impact", 2.0), ("feasibility", "Feasibility", 1.0), ("criterion_3", "Low cost", 0.5)]
    panel = console.get(f"/w/{workshop.code}/facilitate").text
    assert "Top 2 of round 1" in panel and "Impact ×2.0, Feasibility, Low cost ×0.5" in panel


@pytest.mark.parametrize(("form", "status", "message"), [
    ({"mode": "dots", "dots_per_participant": "0"}, 422, "A whole number from 1 to 1000"),
    ({"mode": "scoring", "criterion_name_1": "Impact", "criterion_weight_1": "heavy"}, 422,
     "Give each criterion a name"),
    ({"mode": "dots", "scoped": "on", "top_n": "3", "from_round": "9"}, 422, "this workshop has no round 9"),
    ({"mode": "dots", "scoped": "on", "top_n": "0"}, 422, "Keep at least one project"),
])
def test_a_round_form_with_problems_comes_back_with_them_and_what_was_typed(
        client: TestClient, workshop: Workshop, console: TestClient, form: dict[str, str], status: int,
        message: str) -> None:
    answer = console.post(f"/w/{workshop.code}/facilitate/rounds", data={"title": "Kept title", **form})
    assert answer.status_code == status
    assert message in answer.text and 'value="Kept title"' in answer.text
    assert len(client.get(f"{workshop.url}/rounds", headers=workshop.facilitator).json()) == 1


def test_the_facilitator_makes_an_earlier_round_current_again(client: TestClient, workshop: Workshop,
                                                              console: TestClient) -> None:
    console.post(f"/w/{workshop.code}/facilitate/rounds", data={"mode": "scoring"})
    answer = console.post(f"/w/{workshop.code}/facilitate/rounds/current", data={"number": "1"})
    assert answer.status_code == 200 and 'id="fac-live"' in answer.text
    assert client.get(f"{workshop.url}/rounds", headers=workshop.facilitator).json()[0]["current"] is True
    assert console.post(f"/w/{workshop.code}/facilitate/rounds/current", data={"number": "x"}).status_code == 422
    assert console.post(f"/w/{workshop.code}/facilitate/rounds/current", data={"number": "7"}).status_code == 404


def test_a_phone_scores_with_one_tap_per_criterion_and_sees_its_own_scores(
        client: TestClient, workshop: Workshop, phone: TestClient) -> None:
    client.post(f"{workshop.url}/rounds", json={"mode": "scoring"}, headers=workshop.facilitator)
    set_phase(client, workshop, "vote")
    flood = ids(workshop)["Flood warning"]
    ballot = phone.get(f"/w/{workshop.code}/me").text
    assert ballot.count('class="score-control"') == 3 and "Score each project from 1 (low) to 5 (high)" in ballot
    assert 'aria-label="Impact: 4 of 5 for Flood warning"' in ballot

    answer = phone.post(f"/w/{workshop.code}/scores/{flood}", data={"criterion": "impact", "value": "4"})
    assert answer.status_code == 200
    assert re.search(r'id="s-\d+-impact-4" class="seg chosen"', answer.text)
    assert 'hx-swap-oob="true"' in answer.text and "Impact 4" in answer.text  # the control and "My scores"
    # Tapping the chosen number again sends 0: the score is taken back.
    assert '"value": "0"' in answer.text.replace("&#34;", '"')
    phone.post(f"/w/{workshop.code}/scores/{flood}", data={"criterion": "impact", "value": "0"})
    assert "You have not scored any project yet." in phone.get(f"/w/{workshop.code}/me").text

    phone.post(f"/w/{workshop.code}/scores/{flood}", data={"criterion": "feasibility", "value": "2"})
    set_phase(client, workshop, "results")
    results = phone.get(f"/w/{workshop.code}/me").text
    assert "Priority ranking" in results and "2.00" in results and "Feasibility 2" in results


@pytest.mark.parametrize(("form", "status"), [
    ({"criterion": "impact", "value": "9"}, 422),
    ({"criterion": "impact", "value": "x"}, 422),
    ({"criterion": "usefulness", "value": "3"}, 422),
])
def test_a_phone_tap_off_the_scale_is_refused(client: TestClient, workshop: Workshop, phone: TestClient,
                                              form: dict[str, str], status: int) -> None:
    client.post(f"{workshop.url}/rounds", json={"mode": "scoring"}, headers=workshop.facilitator)
    set_phase(client, workshop, "vote")
    assert phone.post(f"/w/{workshop.code}/scores/{ids(workshop)['Cloud']}", data=form).status_code == status


def test_a_phone_cannot_score_in_a_dot_round(client: TestClient, workshop: Workshop, phone: TestClient) -> None:
    set_phase(client, workshop, "vote")
    answer = phone.post(f"/w/{workshop.code}/scores/{ids(workshop)['Cloud']}", data={"criterion": "impact",
                                                                                     "value": "3"})
    # Error toasts speak the reader's language (Thai unless they chose English).
    assert answer.status_code == 409 and "ให้คะแนนโครงการได้เฉพาะในรอบให้คะแนน" in answer.text


def test_a_dot_round_with_its_own_budget_shows_it_on_the_phone(client: TestClient, workshop: Workshop,
                                                               phone: TestClient) -> None:
    client.post(f"{workshop.url}/rounds", json={"dots_per_participant": 2, "max_dots_per_project": 1},
                headers=workshop.facilitator)
    set_phase(client, workshop, "vote")
    page = phone.get(f"/w/{workshop.code}/me").text
    assert "2 of 2 dots left" in page and "up to 1 on one project" in page and "Round 2" in page


def test_a_duplicate_hint_merges_with_one_click(client: TestClient, workshop: Workshop,
                                                console: TestClient) -> None:
    made = propose_many(client, workshop, ["ระบบเตือนภัยน้ำท่วมผ่าน SMS สำหรับพื้นที่เสี่ยง",
                                           "แจ้งเตือนอุทกภัยทาง SMS ถึงพื้นที่เสี่ยง"])
    older, newer = (p["id"] for p in made.values())
    page = console.get(f"/w/{workshop.code}/facilitate").text
    hints = page.split('id="duplicate-hints"', 1)[1].split("</section>", 1)[0]
    button: dict[str, Any] = {"url": re.search(r'hx-post="([^"]+/merge)"', hints),
                              "vals": re.search(r"hx-vals='([^']+)'", hints)}
    assert button["url"] and button["vals"]
    assert button["url"].group(1) == f"/w/{workshop.code}/facilitate/projects/{newer}/merge"
    answer = console.post(button["url"].group(1), data={"into": str(older)})
    assert answer.status_code == 200
    assert [p["id"] for p in list_projects(client, workshop)].count(newer) == 0
    assert 'id="duplicate-hints"' not in console.get(f"/w/{workshop.code}/facilitate").text


def test_the_rounds_panel_shows_each_rounds_own_budget_else_the_workshops(workshop: Workshop,
                                                                         console: TestClient) -> None:
    answer = console.post(f"/w/{workshop.code}/facilitate/rounds", data={
        "title": "Final", "mode": "dots", "dots_per_participant": "8"})
    assert answer.status_code == 200, answer.text

    panel = console.get(f"/w/{workshop.code}/facilitate").text
    panel = panel[panel.index('id="rounds-panel"'):]
    final, first = panel.index('id="round-2"'), panel.index('id="round-1"')
    assert "8 dots, up to 3 per project" in panel[final:first]
    assert "4 dots, up to 3 per project" in panel[first:]
