"""The registry of export formats: every module of this package that defines `EXPORT`.

The export route (app/routes/exports.py) serves each format, the console shows a button for
each, the render workers draw each, and README's "Export formats" lists each (a test holds
README to it). A new format is one new module here; see the package's docstring.
"""

from __future__ import annotations

import importlib
import pkgutil

from app.services import exports as package
from app.services.exports.format import ExportFormat

# What `/export` answers when no format is asked for, and the console for one it does not know.
DEFAULT = "json"


def _discover() -> dict[str, ExportFormat]:
    found: list[ExportFormat] = []
    for module in pkgutil.iter_modules(package.__path__):
        entry = getattr(importlib.import_module(f"{package.__name__}.{module.name}"), "EXPORT", None)
        if isinstance(entry, ExportFormat):
            found.append(entry)
    found.sort(key=lambda entry: (entry.position, entry.name))
    names = [entry.name for entry in found]
    if len(set(names)) != len(names):
        raise RuntimeError(f"Two export formats share a name: {names}")
    return {entry.name: entry for entry in found}


# Every format by name, in the console's order.
FORMATS: dict[str, ExportFormat] = _discover()

