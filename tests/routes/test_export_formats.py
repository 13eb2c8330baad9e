"""One registry of export formats drives everything a facilitator sees of them: each registered
format is served by the API and by the console's address, has its button in the console, is
listed by OpenAPI and by README; and a new format is one new module the registry finds."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.services import exports as package
from app.services.exports import registry
from app.services.exports.format import ExportFormat
from tests.routes.helpers import Workshop, create_workshop, join, propose, set_phase

FORMATS = list(registry.FORMATS.values())
README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")


@pytest.fixture
def run(client: TestClient) -> Workshop:
    """A workshop with a proposal and a vote on it, so every file has something in it."""
    workshop = create_workshop(client, title="Digital plan 2026", phase="propose")
    somchai = join(client, workshop, "สมชาย")
    project = propose(client, workshop, somchai.headers, "ศูนย์ข้อมูลจังหวัด")
    set_phase(client, workshop, "vote")
    answer = client.put(f"{workshop.url}/votes/{project['id']}", json={"dots": 2}, headers=somchai.headers)
    assert answer.status_code == 200, answer.text
    return workshop


def test_the_three_formats_a_planning_office_uses_are_registered() -> None:
    assert [f.name for f in FORMATS] == ["xlsx", "csv", "json"]
    assert registry.DEFAULT in registry.FORMATS


@pytest.mark.parametrize("fmt", FORMATS, ids=lambda f: f.name)
def test_every_format_downloads_from_the_api_with_its_media_type_and_file_name(
        client: TestClient, run: Workshop, fmt: ExportFormat) -> None:
    answer = client.get(f"{run.url}/export", params={"format": fmt.name}, headers=run.facilitator)

    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == fmt.media_type
    assert answer.headers["content-disposition"] == (
        f'attachment; filename="ruamkit-{run.code}-Digital-plan-2026.{fmt.extension}"')
    assert answer.content


def test_the_api_answers_json_when_no_format_is_named_and_refuses_an_unknown_one(
        client: TestClient, run: Workshop) -> None:
    plain = client.get(f"{run.url}/export", headers=run.facilitator)
    assert plain.headers["content-type"] == registry.FORMATS[registry.DEFAULT].media_type
    assert client.get(f"{run.url}/export", params={"format": "ods"}, headers=run.facilitator).status_code == 422


def test_the_console_has_a_button_for_every_format_in_the_registrys_order(client: TestClient, run: Workshop) -> None:
    client.get(run.created["facilitator_url"])
    console = client.get(f"/w/{run.code}/facilitate")
    assert console.status_code == 200

    buttons = re.findall(r'<a class="button" href="/w/[A-Z0-9]+/facilitate/export\.(\w+)" download>([^<]+)</a>',
                         console.text)
    assert buttons == [(f.name, f.label) for f in FORMATS]
    for name, _label in buttons:
        download = client.get(f"/w/{run.code}/facilitate/export.{name}")
        assert download.status_code == 200, name
        assert download.headers["content-type"] == registry.FORMATS[name].media_type


def test_openapi_offers_exactly_the_registered_formats(client: TestClient) -> None:
    parameters = client.get("/openapi.json").json()["paths"]["/api/v1/workshops/{code}/export"]["get"]["parameters"]
    offered = next(p for p in parameters if p["name"] == "format")["schema"]
    assert offered["enum"] == [f.name for f in FORMATS]
    assert offered["default"] == registry.DEFAULT


def test_readme_lists_every_format_with_its_media_type_and_no_other() -> None:
    start = README.index("### Export formats\n")
    section = README[start:README.index("\n## ", start)]
    listed = re.findall(r"^\| `([\w-]+)` \| `ruamkit-<code>-<title>\.(\w+)` \| `([^`]+)` \|", section, re.MULTILINE)
    assert listed == [(f.name, f.extension, f.media_type) for f in FORMATS]


def test_a_new_format_is_one_new_module_the_registry_finds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "tsv_export.py").write_text(
        "from app.services.exports.format import ExportFormat\n"
        "EXPORT = ExportFormat(name='tsv', media_type='text/tab-separated-values', extension='tsv',\n"
        "                      label='TSV', write=lambda session, workshop, lang, round_number: b'', position=25)\n",
        encoding="utf-8")
    monkeypatch.setattr(package, "__path__", [*package.__path__, str(tmp_path)])
    try:
        found = registry._discover()
    finally:
        sys.modules.pop(f"{package.__name__}.tsv_export", None)

    assert list(found) == ["xlsx", "csv", "tsv", "json"]
    assert found["tsv"].label == "TSV"
