"""The rule of imports that import-linter's contracts (pyproject.toml) do not cover.

- No import cycle among the modules of `roundtable` and `roundtable_edge`
  (lazy imports inside functions and TYPE_CHECKING imports count).
- `functions/<name>/` never import each other, and nothing in the layer or the
  local stack imports `functions`.

Each check is also run on a small graph or tree that breaks it, so a check
that could never fail would show here.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[2]
FUNCTIONS = ROOT / "functions"
NOT_FUNCTIONS = [ROOT / "layers" / "common", ROOT / "devserver"]


# -- cycles ---------------------------------------------------------------------------------
def import_cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Every group of modules that import each other in a circle (Tarjan), sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for imported in sorted(graph.find_modules_directly_imported_by(module)):
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in on_stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == module:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for module in sorted(graph.modules):
        if module not in index:
            visit(module)
    return sorted(cycles)


def _describe(graph: grimp.ImportGraph, cycle: list[str]) -> str:
    members = set(cycle)
    edges = [
        f"{importer} -> {imported}"
        for importer in cycle
        for imported in sorted(graph.find_modules_directly_imported_by(importer) & members)
    ]
    return "; ".join(edges)


def test_no_module_of_the_layer_is_part_of_an_import_cycle() -> None:
    graph = grimp.build_graph("roundtable", "roundtable_edge", cache_dir=None)
    cycles = import_cycles(graph)
    assert cycles == [], "import cycles:\n" + "\n".join(_describe(graph, c) for c in cycles)


def test_the_cycle_check_finds_a_cycle_and_ignores_a_chain() -> None:
    graph = grimp.ImportGraph()
    for importer, imported in [
        ("app.rest", "app.outbox"),
        ("app.outbox", "app.rest"),  # the cycle this check exists for
        ("app.jobs", "app.rest"),
        ("app.jobs", "app.errors"),
    ]:
        graph.add_import(importer=importer, imported=imported)
    assert import_cycles(graph) == [["app.outbox", "app.rest"]]


# -- functions ------------------------------------------------------------------------------
def imported_modules(source: str) -> Iterator[str]:
    """Absolute module names a Python source imports, wherever the import statement is."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module


def offending_imports(
    files: Iterable[Path], allowed_function: str | None, *, root: Path = ROOT
) -> list[str]:
    """`path: module` for imports of `functions` (or of another function than allowed)."""
    offences = []
    for path in files:
        for module in imported_modules(path.read_text()):
            parts = module.split(".")
            if parts[0] != "functions":
                continue
            if allowed_function is None or parts[1:2] != [allowed_function]:
                offences.append(f"{path.relative_to(root)}: {module}")
    return offences


def _python_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.py") if "__pycache__" not in p.parts)


def _function_folders() -> list[Path]:
    return sorted(p for p in FUNCTIONS.iterdir() if (p / "app.py").exists())


def test_a_function_never_imports_another_function() -> None:
    offences = [
        offence
        for folder in _function_folders()
        for offence in offending_imports(_python_files(folder), folder.name)
    ]
    assert offences == []


def test_nothing_in_the_layer_or_the_local_stack_imports_functions() -> None:
    files = [path for folder in NOT_FUNCTIONS for path in _python_files(folder)]
    assert offending_imports(files, None) == []


@pytest.mark.parametrize(
    ("source", "allowed", "expected"),
    [
        ("from functions.http_api.api import x", "tutor_chat", ["functions.http_api.api"]),
        ("def f():\n    import functions.worker.app\n", None, ["functions.worker.app"]),
        ("from functions.tutor_chat import chat", "tutor_chat", []),
        ("from roundtable.jobs import run_job\nfrom . import sibling", None, []),
    ],
)
def test_the_functions_check_flags_what_it_should(
    tmp_path: Path, source: str, allowed: str | None, expected: list[str]
) -> None:
    module = tmp_path / "probe.py"
    module.write_text(source)
    found = [o.split(": ", 1)[1] for o in offending_imports([module], allowed, root=tmp_path)]
    assert found == expected
