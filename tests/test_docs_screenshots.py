"""The README shows screenshots from the browser tests, small enough to keep in the repository."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_readme_shows_committed_screenshots_of_phone_console_and_screen() -> None:
    readme = (ROOT / "README.md").read_text()
    shown = re.findall(r'src="(docs/screenshots/[^"]+\.png)"', readme)
    assert {"docs/screenshots/phone-vote.png", "docs/screenshots/facilitator-vote.png",
            "docs/screenshots/screen-vote.png", "docs/screenshots/screen-results.png"} <= set(shown)
    for path in shown:
        image = ROOT / path
        assert image.exists(), path
        assert image.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", path
        assert image.stat().st_size <= 150_000, f"{path} is {image.stat().st_size} bytes"
