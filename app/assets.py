"""Files the pages load, on disk: one map for the static routes and for the PDF renderer, so
neither ever needs the network."""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from app.paths import repository_path

STATIC_DIR = Path(__file__).parent / "static"
# Sarabun from @fontsource/sarabun (npm, exact version): only the subsets (Thai, Latin) and
# weights (400, 700) the pages use, as woff2. app.css gives each a unicode-range, so a browser
# fetches only the files for the characters a page shows.
FONTS = {
    name: repository_path(f"node_modules/@fontsource/sarabun/files/{name}")
    for name in (f"sarabun-{subset}-{weight}-normal.woff2" for subset in ("thai", "latin") for weight in (400, 700))
}


def local_file(url_path: str) -> Path | None:
    """The file behind a /static/... address of ours (fonts and the app's own files), or None."""
    parts = PurePosixPath(url_path).parts
    if parts[:3] == ("/", "static", "fonts") and len(parts) == 4:
        return FONTS.get(parts[3])
    if parts[:2] == ("/", "static") and len(parts) == 3 and not parts[2].startswith("."):
        path = STATIC_DIR / parts[2]
        return path if path.is_file() else None
    return None
