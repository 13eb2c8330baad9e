"""Offline by design and light on the wire: the app serves its own fonts (only the Sarabun files
the pages use), the lockfile names no download host, and answers are compressed without
breaking the security headers, the body limit or the websockets."""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.assets import FONTS
from tests.routes.helpers import create_workshop

ROOT = Path(__file__).resolve().parents[2]
USED_FONTS = {f"sarabun-{subset}-{weight}-normal.woff2" for subset in ("thai", "latin") for weight in (400, 700)}


def test_sarabun_is_served_by_the_app_only_in_the_subsets_and_weights_used(client: TestClient) -> None:
    assert set(FONTS) == USED_FONTS
    for name in USED_FONTS:
        answer = client.get(f"/static/fonts/{name}")
        assert answer.status_code == 200, name
        assert answer.headers["content-type"] == "font/woff2"
        assert answer.content[:4] == b"wOF2"
        assert "content-encoding" not in answer.headers  # woff2 is compressed already
    for name in ("sarabun-thai-400-normal.woff", "sarabun-vietnamese-400-normal.woff2",
                 "sarabun-thai-800-normal.woff2", "../../package.json", "sarabun-latin-400-italic.woff2"):
        assert client.get(f"/static/fonts/{name}").status_code == 404, name


def test_the_stylesheet_declares_each_served_font_with_swap_and_a_unicode_range(client: TestClient) -> None:
    css = client.get("/static/app.css").text
    faces = re.findall(r"@font-face\s*\{([^}]*)\}", css)
    declared = {re.search(r'url\("/static/fonts/([^"]+)"\)', face)[1]: face for face in faces}  # type: ignore[index]
    assert set(declared) == USED_FONTS
    for name, face in declared.items():
        assert 'font-family: "Sarabun"' in face and "font-display: swap" in face
        assert "unicode-range:" in face
        assert ("U+0E01-0E5B" in face) == ("thai" in name)  # phones fetch Thai only for Thai text
    # Sarabun first, then the Thai fonts phones and laptops already have.
    assert re.search(r'--font: "Sarabun", "Noto Sans Thai"', css)
    # Every url() in our CSS is one of our own paths.
    for url in re.findall(r"url\(([^)]*)\)", css):
        assert url.strip("\"'").startswith("/static/"), url


def test_the_front_end_packages_are_pinned_and_the_lockfile_names_no_download_host() -> None:
    package = json.loads((ROOT / "package.json").read_text())
    pinned = {**package.get("dependencies", {}), **package.get("devDependencies", {})}
    assert pinned["@fontsource/sarabun"] and pinned["axe-core"]
    for name, version in pinned.items():
        assert re.fullmatch(r"\d+\.\d+\.\d+", version), f"{name} is not pinned to an exact version: {version}"
    lockfile = (ROOT / "package-lock.json").read_text()
    assert '"resolved"' not in lockfile
    assert "registry" not in lockfile


def test_pages_and_scripts_are_compressed_and_keep_their_security_headers(client: TestClient) -> None:
    for path, kind in (("/", "text/html"), ("/static/app.css", "text/css"),
                       ("/static/vendor/htmx.min.js", "text/javascript")):
        answer = client.get(path, headers={"Accept-Encoding": "gzip"})
        assert answer.status_code == 200
        assert answer.headers["content-encoding"] == "gzip", path
        assert answer.headers["content-type"].startswith(kind)
        assert "vary" in answer.headers and "Accept-Encoding" in answer.headers["vary"]
        assert "default-src 'self'" in answer.headers["content-security-policy"]
        assert answer.headers["x-content-type-options"] == "nosniff"
    raw = client.get("/static/vendor/htmx.min.js", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in raw.headers
    with client.stream("GET", "/static/vendor/htmx.min.js", headers={"Accept-Encoding": "gzip"}) as streamed:
        on_the_wire = b"".join(streamed.iter_raw())
    assert gzip.decompress(on_the_wire) == raw.content
    assert len(on_the_wire) < len(raw.content) / 2


def test_tiny_answers_are_not_compressed(client: TestClient) -> None:
    answer = client.get("/api/v1/workshops/ZZZZZZ", headers={"Accept-Encoding": "gzip"})
    assert answer.status_code == 404
    assert "content-encoding" not in answer.headers


def test_the_body_limit_still_answers_413(client_with) -> None:  # type: ignore[no-untyped-def]
    small = client_with(max_body_bytes=1000)
    answer = small.post("/api/v1/workshops", content=b"{" + b" " * 5000 + b"}",
                        headers={"Content-Type": "application/json", "Accept-Encoding": "gzip"})
    assert answer.status_code == 413


def test_websockets_pass_through_the_compression(client: TestClient) -> None:
    workshop = create_workshop(client)
    key = workshop.created["screen_key"]
    with client.websocket_connect(f"/ws/workshops/{workshop.code}?key={key}",
                                  headers={"Accept-Encoding": "gzip"}) as screen:
        snapshot = screen.receive_text()
    assert 'id="screen-live"' in snapshot


@pytest.mark.parametrize("path", ["/static/report.css", "/static/report-pdf.css", "/static/icon.svg"])
def test_the_reports_files_are_our_own(client: TestClient, path: str) -> None:
    answer = client.get(path)
    assert answer.status_code == 200
    text = answer.text.replace('xmlns="http://www.w3.org/2000/svg"', "")  # a name, never fetched
    assert "http://" not in text and "https://" not in text
