"""Build hook: the wheel carries what a running ruamkit needs from outside its package, so an
installed ruamkit needs neither this repository nor npm.

- The Alembic revisions (migrations/) go to app/_bundled/migrations/.
- The front-end files npm installs from package.json (htmx, its websocket extension, the Sarabun
  font files the pages use, Swagger UI for /docs), with their licences, go to app/_bundled/node_modules/ under their
  own paths. app/paths.py looks in app/_bundled/ first, then in the checkout.

The sdist carries the same npm files at their checkout paths, so a wheel built from it (what
`python -m build` does) gets them too. Editable installs get no copies: they run from the
checkout, where the files are in place.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

# The same font files as app/assets.py's FONTS (this hook cannot import the app).
NPM_FILES = (
    "htmx.org/dist/htmx.min.js",
    "htmx.org/LICENSE",
    "htmx-ext-ws/dist/ws.min.js",
    "htmx-ext-ws/LICENSE",
    "@fontsource/sarabun/LICENSE",
    # /docs: Swagger UI (Apache-2.0: its LICENSE and NOTICE go along).
    "swagger-ui-dist/swagger-ui-bundle.js",
    "swagger-ui-dist/swagger-ui.css",
    "swagger-ui-dist/LICENSE",
    "swagger-ui-dist/NOTICE",
    *(f"@fontsource/sarabun/files/sarabun-{subset}-{weight}-normal.woff2"
      for subset in ("thai", "latin") for weight in (400, 700)),
)


class BundleHook(BuildHookInterface):
    PLUGIN_NAME = "bundle"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if version == "editable":
            return
        root = Path(self.root)
        missing = [name for name in NPM_FILES if not (root / "node_modules" / name).is_file()]
        if missing:
            raise FileNotFoundError(
                f"node_modules/{missing[0]} is missing: run `npm ci` in {root} (scripts/install.sh does) "
                "before building ruamkit, so the package carries htmx and the Sarabun font.")
        into = "app/_bundled/" if self.target_name == "wheel" else ""
        for name in NPM_FILES:
            build_data["force_include"][str(root / "node_modules" / name)] = f"{into}node_modules/{name}"
        if self.target_name == "wheel":
            build_data["force_include"][str(root / "migrations")] = "app/_bundled/migrations"
