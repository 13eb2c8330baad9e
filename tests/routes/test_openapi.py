"""The OpenAPI schema describes every endpoint of the JSON API contract (API.md)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

CONTRACT = [
    ("post", "/api/v1/workshops"),
    ("get", "/api/v1/workshops/{code}"),
    ("put", "/api/v1/workshops/{code}/phase"),
    ("post", "/api/v1/workshops/{code}/participants"),
    ("get", "/api/v1/workshops/{code}/projects"),
    ("post", "/api/v1/workshops/{code}/projects"),
    ("patch", "/api/v1/workshops/{code}/projects/{project_id}"),
    ("post", "/api/v1/workshops/{code}/projects/{project_id}/merge"),
    ("delete", "/api/v1/workshops/{code}/projects/{project_id}"),
    ("put", "/api/v1/workshops/{code}/votes/{project_id}"),
    ("get", "/api/v1/workshops/{code}/votes/me"),
    ("get", "/api/v1/workshops/{code}/results"),
    ("get", "/api/v1/workshops/{code}/export"),
    ("post", "/api/v1/workshops/import"),
]


@pytest.fixture
def schema(client: TestClient) -> dict:
    response = client.get("/openapi.json")
    assert response.status_code == 200
    return response.json()


@pytest.mark.parametrize(("method", "path"), CONTRACT)
def test_openapi_lists_every_endpoint_of_the_contract(schema: dict, method: str, path: str) -> None:
    assert method in schema["paths"].get(path, {}), f"{method.upper()} {path} missing from /openapi.json"


def test_openapi_describes_the_bearer_key_and_the_export_formats(schema: dict) -> None:
    assert any(s.get("scheme") == "bearer" for s in schema["components"]["securitySchemes"].values())
    parameters = schema["paths"]["/api/v1/workshops/{code}/export"]["get"]["parameters"]
    export_format = next(p for p in parameters if p["name"] == "format")
    assert set(export_format["schema"]["enum"]) == {"csv", "xlsx", "json"}


def test_the_pages_are_left_out_of_the_api_schema(schema: dict) -> None:
    assert all(path.startswith("/api/v1/") for path in schema["paths"])


def test_docs_load_only_files_of_this_server_and_no_inline_script(client: TestClient) -> None:
    """/docs works in a hall with no internet, under the same CSP as every page."""
    import re

    page = client.get("/docs")
    assert page.status_code == 200
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", page.text, re.DOTALL)
    assert scripts and all('src="' in attributes and not body.strip() for attributes, body in scripts)
    assert "<style" not in page.text and " style=" not in page.text
    files = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert files and all(f.startswith("/static/") for f in files), files
    for url in files:
        assert client.get(url).status_code == 200, url
    # ReDoc is not offered (it needs inline styles), nor Swagger's OAuth2 page (inline script).
    assert client.get("/redoc").status_code == 404
    assert client.get("/docs/oauth2-redirect").status_code == 404
