"""Copy a few of the browser tests' screenshots into docs/screenshots/ for the README, made small
enough to commit (palette PNGs of at most ~150 KB, halved where they are large).

    .venv/bin/python -m pytest tests/browser/test_workshop_flow.py   # saves test-artifacts/screenshots/
    .venv/bin/python scripts/docs_screenshots.py
"""

from __future__ import annotations

import sys
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "test-artifacts" / "screenshots"
TARGET = ROOT / "docs" / "screenshots"
# (screenshot saved by tests/browser/test_workshop_flow.py, width in the README)
CHOSEN = {
    "phone-vote.png": 360,
    "facilitator-vote.png": 1024,
    "screen-vote.png": 1280,
    "screen-results.png": 1280,
}
MAX_BYTES = 150_000


def shrink(source: Path, target: Path, width: int) -> int:
    with Image.open(source) as image:
        image = image.convert("RGB")
        if image.width > width:
            image = image.resize((width, round(image.height * width / image.width)), Image.Resampling.LANCZOS)
        colours = 128
        while True:
            image.quantize(colors=colours, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(
                target, format="PNG", optimize=True)
            size = target.stat().st_size
            if size <= MAX_BYTES or colours <= 16:
                return size
            colours //= 2


def main() -> int:
    TARGET.mkdir(parents=True, exist_ok=True)
    missing = [name for name in CHOSEN if not (SOURCE / name).exists()]
    if missing:
        print(f"Missing in {SOURCE}: {missing}. Run tests/browser/test_workshop_flow.py first.", file=sys.stderr)
        return 1
    for name, width in CHOSEN.items():
        size = shrink(SOURCE / name, TARGET / name, width)
        print(f"{TARGET / name}: {size} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
