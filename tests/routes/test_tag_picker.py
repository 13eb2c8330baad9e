"""The tag picker (one macro for the three project forms): the strategies and reform areas a
project has, or that were just sent back with an error, are the ticked boxes, whether the ids
come as numbers (saved tags) or as text (a form sent back)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.web import context, make_templates
from tests.routes.helpers import Workshop, list_projects, propose, set_phase


def ticked(html: str, field: str) -> set[int]:
    boxes = re.findall(rf'<input type="checkbox" name="{field}" value="(\d+)"\s*(checked)?\s*>', html)
    assert boxes, f"no {field} boxes in the form"
    return {int(value) for value, checked in boxes if checked}


@pytest.fixture
def phone(app: FastAPI, client: TestClient, workshop: Workshop) -> Iterator[TestClient]:
    with TestClient(app) as page:
        assert page.post(f"/w/{workshop.code}/join", data={"name": "มาลี"}).status_code == 200
        set_phase(client, workshop, "propose")
        yield page


def test_a_proposal_sent_back_with_an_error_keeps_its_tags_ticked(workshop: Workshop, phone: TestClient) -> None:
    strategy, area = workshop.strategy_ids[2], workshop.reform_area_ids[1]
    answer = phone.post(f"/w/{workshop.code}/proposals", data={
        "title": "", "client_request_id": "r1", "strategy_ids": str(strategy), "reform_area_ids": str(area)})
    assert answer.status_code == 422
    assert ticked(answer.text, "strategy_ids") == {strategy}
    assert ticked(answer.text, "reform_area_ids") == {area}


def test_a_proposer_edits_with_their_tags_ticked_and_keeps_new_ones_on_error(
        client: TestClient, workshop: Workshop, phone: TestClient) -> None:
    first, second = workshop.strategy_ids[0], workshop.strategy_ids[3]
    area = workshop.reform_area_ids[0]
    phone.post(f"/w/{workshop.code}/proposals", data={
        "title": "ระบบนัดหมาย", "client_request_id": "r1", "strategy_ids": str(first), "reform_area_ids": str(area)})
    project = list_projects(client, workshop)[0]
    form = phone.get(f"/w/{workshop.code}/mine/{project['id']}").text
    assert ticked(form, "strategy_ids") == {first} and ticked(form, "reform_area_ids") == {area}
    refused = phone.post(f"/w/{workshop.code}/mine/{project['id']}", data={"title": "", "strategy_ids": str(second)})
    assert refused.status_code == 422
    assert ticked(refused.text, "strategy_ids") == {second} and ticked(refused.text, "reform_area_ids") == set()


def test_the_consoles_editor_ticks_the_projects_tags(app: FastAPI, client: TestClient, workshop: Workshop) -> None:
    strategies, area = workshop.strategy_ids[1:3], workshop.reform_area_ids[2]
    project = propose(client, workshop, workshop.facilitator, "ศูนย์ข้อมูล", strategy_ids=strategies,
                      reform_area_ids=[area])
    with TestClient(app) as console:
        console.get(workshop.created["facilitator_url"])
        editor = console.get(f"/w/{workshop.code}/facilitate/projects/{project['id']}").text
    assert ticked(editor, "strategy_ids") == set(strategies)
    assert ticked(editor, "reform_area_ids") == {area}


@dataclass
class Tag:
    id: int
    code: str

    def name_in(self, lang: str) -> str:
        return f"tag {self.code}"


@pytest.mark.parametrize("chosen", [[2], ["2"], {2}, {"2"}])
def test_the_picker_ticks_a_chosen_id_given_as_a_number_or_as_text(chosen: object) -> None:
    picker = make_templates().env.from_string(
        '{% from "components/macros.html" import tag_picker with context %}'
        "{{ tag_picker(strategies, reform_areas, selected) }}")
    html = picker.render(context("en", strategies=[Tag(1, "S1"), Tag(2, "S2"), Tag(12, "S12")],
                                 reform_areas=[Tag(2, "R2")], selected={"strategy_ids": chosen}))
    assert ticked(html, "strategy_ids") == {2}
    assert ticked(html, "reform_area_ids") == set()
