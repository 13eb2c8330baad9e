"""An organiser installs ruamkit from its wheel on a machine without npm, internet or the source
folder, and runs a workshop: the wheel carries the migrations, htmx, its websocket extension, the
Sarabun font and the demo workshop.

The wheel is built the way `python -m build` builds it (an sdist first, the wheel from the sdist),
installed into a fresh venv with its dependencies, and run from a folder outside the repository
with PYTHONPATH cleared, so nothing can come from the source tree. Slow (about a minute): marked
`packaging`.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import TEST_POSTGRES_URL

pytestmark = [
    pytest.mark.packaging,
    # The wheel is the same on both CI passes; the PostgreSQL pass would only build it again.
    pytest.mark.skipif(bool(TEST_POSTGRES_URL), reason="the packaging test runs in the SQLite pass"),
]

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Installed:
    """The `ruamkit` of a venv made from the wheel, run in a folder of its own."""

    def __init__(self, venv: Path, workdir: Path) -> None:
        self.venv = venv
        self.workdir = workdir
        self.env = {key: value for key, value in os.environ.items()
                    if not key.startswith(("RUAMKIT_", "PYTHON", "VIRTUAL_ENV"))}
        self.env["PATH"] = f"{venv / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}"

    def run(self, *args: str, database: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(self.venv / "bin" / "ruamkit"), *args], cwd=self.workdir, text=True,
                              capture_output=True, timeout=timeout,
                              env={**self.env, "RUAMKIT_DATABASE_URL": f"sqlite:///{self.workdir / database}"})

    def start(self, *args: str, database: str, port: int, log: Path) -> subprocess.Popen[bytes]:
        """Start a serving command and wait until it answers on 127.0.0.1:port (30 s at most)."""
        with log.open("wb") as out:
            process = subprocess.Popen(
                [str(self.venv / "bin" / "ruamkit"), *args, "--host", "127.0.0.1", "--port", str(port)],
                cwd=self.workdir, stdout=out, stderr=subprocess.STDOUT,
                env={**self.env, "RUAMKIT_DATABASE_URL": f"sqlite:///{self.workdir / database}"})
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if process.poll() is not None:
                pytest.fail(f"`ruamkit {args[0]}` exited with {process.returncode}:\n{log.read_text()}")
            try:
                if httpx.get(f"http://127.0.0.1:{port}/openapi.json", timeout=1).status_code == 200:
                    return process
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        stop(process)
        pytest.fail(f"`ruamkit {args[0]}` did not answer within 30 s:\n{log.read_text()}")


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


def must(run: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    assert run.returncode == 0, f"{run.args} exited with {run.returncode}:\n{run.stdout[-3000:]}\n{run.stderr[-3000:]}"
    return run


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Installed]:
    """Build the sdist and the wheel from it, and install the wheel into a fresh venv."""
    base = tmp_path_factory.mktemp("packaging")
    dist = base / "dist"
    must(subprocess.run([sys.executable, "-m", "build", "--outdir", str(dist), str(ROOT)],
                        capture_output=True, text=True, timeout=300))
    wheel, = dist.glob("ruamkit-*.whl")
    venv = base / "venv"
    must(subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)],
                        capture_output=True, text=True, timeout=120))
    # Its dependencies come from wherever this machine's pip gets packages; ruamkit from the wheel
    # only. This pip installs into the new venv (--python), without compiling every module first:
    # a quarter of the time of a pip of its own (25 s instead of 98 s here).
    must(subprocess.run([sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"), "install",
                         "--quiet", "--no-compile", str(wheel)], capture_output=True, text=True, timeout=600))
    workdir = base / "elsewhere"
    workdir.mkdir()
    yield Installed(venv, workdir)


def test_the_installed_package_is_the_wheel_with_the_licences_of_its_front_end_files(installed: Installed) -> None:
    where = must(subprocess.run([str(installed.venv / "bin" / "python"), "-c", "import app; print(app.__file__)"],
                                cwd=installed.workdir, env=installed.env, capture_output=True, text=True))
    package = Path(where.stdout.strip()).parent
    assert package.is_relative_to(installed.venv)
    # The npm files travel with their licences.
    for npm_package in ("htmx.org", "htmx-ext-ws", "@fontsource/sarabun"):
        assert (package / "_bundled" / "node_modules" / npm_package / "LICENSE").is_file(), npm_package


def test_a_workshop_runs_from_the_wheel_with_every_asset_of_the_phone_page(installed: Installed) -> None:
    upgraded = must(installed.run("db", "upgrade", database="venue.db"))
    assert "Database at revision" in upgraded.stdout
    port = free_port()
    server = installed.start("serve", database="venue.db", port=port, log=installed.workdir / "serve.log")
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as web:
            created = web.post("/api/v1/workshops", json={"title": "แผนปฏิบัติการ 2570"})
            assert created.status_code == 201, created.text
            code = created.json()["code"]
            joined = web.post(f"/w/{code}/join", data={"name": "สมชาย"}, headers={"Origin": str(web.base_url)})
            assert joined.status_code == 303, joined.text
            phone = web.get(f"/w/{code}")
            assert phone.status_code == 200 and "สมชาย" in phone.text

            referenced = set(re.findall(r'(?:src|href)="(/static/[^"]+)"', phone.text))
            stylesheets = [path for path in referenced if path.endswith(".css")]
            for css in stylesheets:
                answer = web.get(css)
                assert answer.status_code == 200, css
                referenced |= {url.strip("\"'") for url in re.findall(r"url\(([^)]*)\)", answer.text)}
            assert {"/static/vendor/htmx.min.js", "/static/vendor/htmx-ext-ws.min.js", "/static/app.css"} <= referenced
            assert len([path for path in referenced if path.startswith("/static/fonts/")]) == 4
            for path in sorted(referenced):
                answer = web.get(path)
                assert answer.status_code == 200, f"{path}: {answer.status_code} {answer.text[:200]}"
                assert answer.content, path
            assert b"htmx" in web.get("/static/vendor/htmx.min.js").content
            assert web.get("/static/fonts/sarabun-thai-400-normal.woff2").content[:4] == b"wOF2"
    finally:
        stop(server)


def test_the_demo_workshop_runs_from_the_wheel(installed: Installed) -> None:
    port = free_port()
    log = installed.workdir / "demo.log"
    server = installed.start("demo", database="demo.db", port=port, log=log)
    try:
        assert "Created the demo workshop MDES26" in log.read_text()
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as api:
            joined = api.post("/api/v1/workshops/MDES26/participants", json={"name": "สมหญิง"})
            assert joined.status_code == 201, joined.text
            token = joined.json()["participant_token"]
            listed = api.get("/api/v1/workshops/MDES26/projects", headers={"Authorization": f"Bearer {token}"})
            assert listed.status_code == 200
            assert len(listed.json()) == 20
    finally:
        stop(server)
