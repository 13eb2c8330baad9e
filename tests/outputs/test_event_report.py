"""After a national event, the planning office prints the report: the plenary's ranking, each
project saying which groups it came up from (at what rank, with how many dots; a merged one
from both), and each group's own ranking below it; the PDF holds the same as the page."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from tests.routes.helpers import API, Workshop, bearer, create_workshop
from tests.routes.test_report import pdf_of, pdftotext

W = f"{API}/workshops"


def ok(answer: Response, status: int = 200) -> Any:
    assert answer.status_code == status, answer.text
    return answer.json() if answer.content else None


@dataclass
class Event:
    workshop: Workshop
    plenary: list[str]  # the plenary's ranking, titles in order
    groups: dict[str, list[str]]  # each group's ranking, titles in order


@pytest.fixture
def event(client: TestClient) -> Event:
    """Two tables propose and vote; each table's best goes up, one of South's by hand; South's
    best is merged into North's as the same idea; the whole hall votes; results."""
    hall = create_workshop(client, phase="propose", language="en", title="National digital plan")
    north, south = ok(client.post(f"{W}/{hall.code}/groups", json={"names": ["North", "South"]},
                                  headers=hall.facilitator), 201)
    ok(client.put(f"{W}/{hall.code}/groups/phase", json={"phase": "propose"}, headers=hall.facilitator))

    def seat(table: dict[str, str], name: str) -> dict[str, str]:
        return bearer(ok(client.post(f"{W}/{table['code']}/participants", json={"name": name}), 201)[
            "participant_token"])

    def proposed(table: dict[str, str], person: dict[str, str], title: str) -> int:
        return ok(client.post(f"{W}/{table['code']}/projects", json={"title": title}, headers=person), 201)["id"]

    anan, busaba, chai = seat(north, "Anan"), seat(north, "Busaba"), seat(south, "Chai")
    portal, digital_id, farms = (proposed(north, anan, t) for t in ("Open data portal", "Digital ID", "Smart farms"))
    port, hub = (proposed(south, chai, t) for t in ("Port logistics", "Open data hub"))
    ok(client.put(f"{W}/{hall.code}/groups/phase", json={"phase": "vote"}, headers=hall.facilitator))
    for table, person, project, dots in ((north, anan, portal, 3), (north, anan, digital_id, 1),
                                         (north, busaba, portal, 1), (north, busaba, farms, 2),
                                         (south, chai, hub, 3), (south, chai, port, 2)):
        ok(client.put(f"{W}/{table['code']}/votes/{project}", json={"dots": dots}, headers=person))
    ok(client.put(f"{W}/{hall.code}/groups/phase", json={"phase": "results"}, headers=hall.facilitator))

    up = ok(client.post(f"{W}/{hall.code}/plenary", json={"top": 1}, headers=hall.facilitator), 201)["projects"]
    by_title = {p["title"]: p["id"] for p in up}
    picked = ok(client.post(f"{W}/{hall.code}/plenary", json={"project_ids": [port]}, headers=hall.facilitator),
                201)["projects"]
    ok(client.post(f"{W}/{hall.code}/projects/{by_title['Open data hub']}/merge",
                   json={"into": by_title["Open data portal"]}, headers=hall.facilitator))
    ok(client.put(f"{W}/{hall.code}/phase", json={"phase": "vote"}, headers=hall.facilitator))
    for person, project, dots in ((anan, picked[0]["id"], 2), (chai, picked[0]["id"], 1),
                                  (busaba, by_title["Open data portal"], 1)):
        ok(client.put(f"{W}/{hall.code}/votes/{project}", json={"dots": dots}, headers=person))
    ok(client.put(f"{W}/{hall.code}/phase", json={"phase": "results"}, headers=hall.facilitator))
    assert client.get(hall.created["facilitator_url"]).status_code == 200  # the console's cookie
    return Event(hall, ["Port logistics", "Open data portal"],
                 {"North": ["Open data portal", "Smart farms", "Digital ID"],
                  "South": ["Open data hub", "Port logistics"]})


# What the report says of each plenary project: where it came from.
LINEAGE = {
    "Port logistics": ["from group South, rank 2, 2 dots"],
    "Open data portal": ["from group North, rank 1, 4 dots", "from group South, rank 1, 3 dots"],
}


def in_order(text: str, *parts: str) -> bool:
    """Each part found in the text after the one before it."""
    at = 0
    for part in parts:
        at = text.find(part, at)
        if at < 0:
            return False
        at += len(part)
    return True


def test_the_report_page_holds_the_plenary_ranking_with_lineage_and_each_group_s_ranking(
        client: TestClient, event: Event) -> None:
    page = client.get(f"/w/{event.workshop.code}/facilitate/report")
    assert page.status_code == 200, page.text
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page.text))
    ranking, _, groups = text.partition("Rankings of the groups")
    assert groups, "the report has no section for the groups' rankings"
    assert in_order(ranking, "Priority ranking", "1 Port logistics", *LINEAGE["Port logistics"],
                    "2 Open data portal", *LINEAGE["Open data portal"])
    assert in_order(groups, "Group 1: North", "1. Open data portal 4 dots", "2. Smart farms 2 dots",
                    "3. Digital ID 1 dot", "Group 2: South", "1. Open data hub 3 dots", "2. Port logistics 2 dots")


def test_the_report_pdf_holds_the_same(client: TestClient, event: Event) -> None:
    text = re.sub(r"\s+", " ", pdftotext(pdf_of(client, event.workshop.code)))
    ranking, _, groups = text.partition("Rankings of the groups")
    assert groups, f"the PDF has no section for the groups' rankings:\n{text[:3000]}"
    assert in_order(ranking, "Priority ranking", "Port logistics", *LINEAGE["Port logistics"],
                    "Open data portal", *LINEAGE["Open data portal"]), ranking[:3000]
    assert in_order(groups, "Group 1: North", *(f"{i}. {t}" for i, t in enumerate(event.groups["North"], 1)),
                    "Group 2: South", *(f"{i}. {t}" for i, t in enumerate(event.groups["South"], 1))), groups
    assert in_order(groups, "Open data portal 4 dots", "Smart farms 2 dots", "Digital ID 1 dot",
                    "Open data hub 3 dots", "Port logistics 2 dots"), groups
