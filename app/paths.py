"""Where the files kept outside the Python package are: the Alembic migrations (migrations/) and
the front-end files installed by npm (node_modules/).

A source checkout has them at the top of the repository. A wheel has no repository around it, so
its build copies them into the package, under app/_bundled/ with the same relative paths
(pyproject.toml, `force-include`); an installed ruamkit finds them there.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
BUNDLED_DIR = PACKAGE_DIR / "_bundled"
CHECKOUT_DIR = PACKAGE_DIR.parent


def repository_path(relative: str) -> Path:
    """The wheel's copy of a repository file or folder if there is one, else the checkout's."""
    bundled = BUNDLED_DIR / relative
    return bundled if bundled.exists() else CHECKOUT_DIR / relative
