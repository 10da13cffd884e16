"""The layout docs/architecture.md describes, checked: imports go one way."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

PETITIONS = Path(__file__).resolve().parent.parent / "petitions"


def _modules() -> dict[str, Path]:
    found = {}
    for path in PETITIONS.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        parts = path.relative_to(PETITIONS.parent).with_suffix("").parts
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def _imports(modules: dict[str, Path], *, anywhere: bool) -> dict[str, set[str]]:
    """Which of our modules each one imports: at module level, or `anywhere` (functions too)."""
    graph: dict[str, set[str]] = defaultdict(set)
    for name, path in modules.items():
        tree = ast.parse(path.read_text())
        nodes = ast.walk(tree) if anywhere else iter(tree.body)
        for node in nodes:
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            graph[name].update(target for target in names if target in modules and target != name)
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The import cycles (strongly connected components of more than one module)."""
    order: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles = []

    def visit(module: str) -> None:
        order[module] = low[module] = len(order)
        stack.append(module)
        for target in graph[module]:
            if target not in order:
                visit(target)
                low[module] = min(low[module], low[target])
            elif target in stack:
                low[module] = min(low[module], order[target])
        if low[module] == order[module]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == module:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for module in list(graph):
        if module not in order:
            visit(module)
    return cycles


def test_no_module_of_the_app_imports_another_that_imports_it_back():
    graph = _imports(_modules(), anywhere=False)
    assert graph["petitions.tasks"]  # the check reads the imports at all
    assert _cycles(graph) == []


def test_the_cycle_check_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_only_the_app_config_and_the_embedded_beat_import_the_tasks():
    """Services and validation send work through petitions.queue by the task's name."""
    graph = _imports(_modules(), anywhere=True)
    importers = sorted(module for module, targets in graph.items() if "petitions.tasks" in targets)
    assert importers == ["petitions.apps", "petitions.embedded"]


def test_matching_compares_without_the_database_or_the_rest_of_the_app():
    graph = _imports(_modules(), anywhere=True)
    for module, targets in graph.items():
        if module.startswith("petitions.matching"):
            outside = {t for t in targets if not t.startswith("petitions.matching") and t != "petitions.speedups"}
            assert outside == set(), module
