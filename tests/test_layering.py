"""The layers hold: domain rules and read models in app/services know nothing of the web, the
live package or the routes; app/live keeps connections and rendering; route modules share
helpers through modules outside app/routes, never through each other; and no two modules need
each other, not even through an import tucked inside a function.

Read from the source with `ast`, so an import inside a function counts as much as one at the
top of a module (that is where an import that dodges a cycle hides)."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

APP = Path(__file__).resolve().parent.parent / "app"


@dataclass(frozen=True)
class Import:
    module: str  # the importing module, e.g. app.services.report
    target: str  # what it imports: a module where one exists, e.g. app.live.views
    line: int
    in_function: bool

    def __str__(self) -> str:
        where = "inside a function" if self.in_function else "at module level"
        return f"{self.module} imports {self.target} (line {self.line}, {where})"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(APP.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(APP.rglob("*.py"))}


def is_module(name: str) -> bool:
    return name in MODULES


def resolve(module: str, path: Path, node: ast.ImportFrom | ast.Import) -> list[str]:
    """What an import statement brings in, as module names (a name imported from a package is
    that package's module when there is one, e.g. `from app.services import rounds`)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    base = node.module or ""
    if node.level:
        package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
        package = package[:len(package) - (node.level - 1)]
        base = ".".join([*package, *([base] if base else [])])
    return [f"{base}.{alias.name}" if is_module(f"{base}.{alias.name}") else base for alias in node.names]


def imports_of(module: str, path: Path) -> list[Import]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[Import] = []

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.Import, ast.ImportFrom)):
                found.extend(Import(module, target, child.lineno, in_function)
                             for target in resolve(module, path, child))
            visit(child, in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)))

    visit(tree, False)
    return found


ALL_IMPORTS = [imp for module, path in MODULES.items() for imp in imports_of(module, path)]


def under(name: str, *packages: str) -> bool:
    return any(name == p or name.startswith(p + ".") for p in packages)


def route_modules() -> list[str]:
    return [m for m in MODULES if under(m, "app.routes") and m != "app.routes"]


def report(broken: list[Import], rule: str) -> str:
    return f"{rule}\n" + "\n".join(f"  - {imp}" for imp in dict.fromkeys(broken))


def test_the_reader_finds_imports_at_module_level_and_inside_functions() -> None:
    """The rules below are only as good as this reader: it sees a package's module, a relative
    import, and an import inside a function, each as what it is."""
    source = Path(__file__)
    tree_module = "app.services.example"
    node = ast.parse("from app.services import rounds, Session\nfrom . import results").body
    assert resolve(tree_module, source, node[0]) == ["app.services.rounds", "app.services"]  # type: ignore[arg-type]
    assert resolve(tree_module, source, node[1]) == ["app.services.results"]  # type: ignore[arg-type]
    main = [imp for imp in ALL_IMPORTS if imp.module == "app.main" and imp.target == "app.routes.docs"]
    assert main and all(imp.in_function for imp in main)


# What each layer may not import. Services are domain rules and read models: no HTTP, no
# templates, no live connections (DESIGN.md: "they know nothing of HTTP").
SERVICE_MUST_NOT_IMPORT = ("app.live", "app.routes", "app.main", "app.pages", "app.web", "app.deps",
                           "app.ballot_box", "fastapi", "starlette", "jinja2")
LIVE_MUST_NOT_IMPORT = ("app.routes", "app.main", "app.pages", "app.deps")


def test_services_import_neither_the_live_package_nor_routes_nor_the_web() -> None:
    broken = [imp for imp in ALL_IMPORTS
              if under(imp.module, "app.services") and under(imp.target, *SERVICE_MUST_NOT_IMPORT)]
    assert not broken, report(broken, "A service imports a layer above it; move the shared piece (a read model, a "
                                      "rule) into app/services and let the upper layer import it:")


def test_the_live_package_keeps_connections_and_rendering() -> None:
    """app/live holds the hub, the broker, the timer's watch and the renderer's wiring; what a
    view shows (counts, labels, standings, each view's context) is read from services."""
    broken = [imp for imp in ALL_IMPORTS
              if under(imp.module, "app.live") and under(imp.target, *LIVE_MUST_NOT_IMPORT)]
    assert not broken, report(broken, "app/live imports routes or page helpers:")
    read_models = [imp for imp in ALL_IMPORTS
                   if under(imp.target, "app.live") and not under(imp.module, "app.live", "app.main")
                   and imp.target not in ("app.live.hub", "app.live.broker", "app.live.timer_watch",
                                          "app.live.renderer", "app.live")]
    assert not read_models, report(read_models, "Read models are imported from app/live; they belong in app/services:")


def test_no_route_module_imports_another() -> None:
    routes = set(route_modules())
    broken = [imp for imp in ALL_IMPORTS if imp.module in routes and imp.target in routes - {imp.module}]
    assert not broken, report(broken, "A route module imports another route module; move what they share into a "
                                      "module outside app/routes (app/pages.py, a service):")


def test_no_route_module_is_only_helpers() -> None:
    """Helpers shared by routes live outside app/routes, so that the rule above has no exceptions."""
    helpers = [m for m in route_modules() if "APIRouter(" not in MODULES[m].read_text(encoding="utf-8")]
    assert not helpers, f"Modules in app/routes without a router (move them out of app/routes): {helpers}"


def import_cycles() -> list[list[str]]:
    """Strongly connected groups of app modules (Tarjan), counting imports inside functions."""
    graph: dict[str, set[str]] = {m: set() for m in MODULES}
    for imp in ALL_IMPORTS:
        if imp.target in MODULES and imp.target != imp.module and not under(imp.module, imp.target):
            graph[imp.module].add(imp.target)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                connect(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            connect(node)
    return groups


def test_no_import_cycles_not_even_through_imports_inside_functions() -> None:
    cycles = import_cycles()
    lines = []
    for group in cycles:
        lines.append("  cycle: " + ", ".join(group))
        lines.extend(f"    - {imp}" for imp in dict.fromkeys(ALL_IMPORTS)
                     if imp.module in group and imp.target in group and imp.target != imp.module)
    assert not cycles, ("Modules that import each other (an import inside a function does not make a cycle "
                        "go away; move the shared piece to the module it belongs to):\n" + "\n".join(lines))


@pytest.mark.parametrize("package", ["app.services", "app.live"])
def test_no_app_import_inside_a_function(package: str) -> None:
    """Services and the live package import what they use at the top, where a reader sees it."""
    hidden = [imp for imp in ALL_IMPORTS
              if under(imp.module, package) and imp.in_function and under(imp.target, "app")]
    assert not hidden, report(hidden, f"{package}: imports inside functions (import at the top; if that makes a "
                                      "cycle, the shared piece is in the wrong module):")
