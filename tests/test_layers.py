"""The package's import graph has no cycle: read from the source (ast), with the imports inside functions
counted like the top-level ones (an import hidden in a function still ties the two modules together) and
importing a submodule counted as importing its package's `__init__` too. Imports under
`if TYPE_CHECKING:` are left out: they never run."""

from __future__ import annotations

import ast
import functools
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "diplomatic_crawler"
ROOT = PACKAGE.name
# The circle of issue 18 (archive -> captures -> pipelines -> archive; items -> captures; withdrawals ->
# archive, status_tracking, pipelines) and the modules it ran through.
ONCE_CIRCULAR = (
    "archive",
    "article_events",
    "captures",
    "changes",
    "crawl_state",
    "export",
    "export.filters",
    "export.schema",
    "items",
    "migrations",
    "pipelines",
    "status_tracking",
    "withdrawals",
)


def _modules() -> dict[str, tuple[Path, bool]]:
    """Dotted name -> (file, is a package's __init__)."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        found[".".join(parts[:-1] if is_package else parts)] = (path, is_package)
    return found


def _type_checking_only(tree: ast.Module) -> set[int]:
    nodes: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            nodes.update(id(child) for stmt in node.body for child in ast.walk(stmt))
    return nodes


def _targets(module: str, is_package: bool, node: ast.Import | ast.ImportFrom, modules: dict) -> list[str]:
    """The package's modules an import statement loads (the most specific one that exists)."""
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    else:
        if node.level:
            base = module.split(".") if is_package else module.split(".")[:-1]
            base = base[: len(base) - node.level + 1]
            origin = ".".join([*base, node.module] if node.module else base)
        else:
            origin = node.module or ""
        names = [f"{origin}.{alias.name}" for alias in node.names] or [origin]
    targets = []
    for name in names:
        if name != ROOT and not name.startswith(ROOT + "."):
            continue
        while name not in modules and "." in name:
            name = name.rsplit(".", 1)[0]
        targets.append(name)
    return targets


def imports_of(module: str, is_package: bool, source: str, modules: dict) -> set[str]:
    """The package's modules that running `source` (the code of `module`) loads, at any depth of it:
    importing a.b.c runs a/b/__init__ first (unless `module` is inside a.b)."""
    tree = ast.parse(source)
    skipped = _type_checking_only(tree)
    deps: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom) and id(node) not in skipped:
            for target in _targets(module, is_package, node, modules):
                parts = target.split(".")
                for depth in range(2, len(parts) + 1):
                    parent = ".".join(parts[:depth])
                    if parent != module and not module.startswith(parent + "."):
                        deps.add(parent)
    return deps


@functools.cache
def import_graph() -> dict[str, set[str]]:
    """Module -> the package's modules it imports."""
    modules = _modules()
    return {
        module: imports_of(module, is_package, path.read_text(encoding="utf-8"), modules)
        for module, (path, is_package) in modules.items()
    }


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for dep in graph.get(node, ()):
            if dep not in index:
                visit(dep)
                low[node] = min(low[node], low[dep])
            elif dep in on_stack:
                low[node] = min(low[node], index[dep])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(found)


# Cycles left to break elsewhere (each sorted): none; a new one fails.
KNOWN_CYCLES: list[list[str]] = []


def test_the_package_has_no_import_cycle_but_the_known_ones() -> None:
    new = [c for c in cycles(import_graph()) if c not in KNOWN_CYCLES]
    assert new == [], "\n".join(" <-> ".join(c) for c in new)


@pytest.mark.parametrize("name", ONCE_CIRCULAR)
def test_a_module_of_the_old_circle_imports_none_that_import_it_back(name: str) -> None:
    graph = import_graph()
    module = f"{ROOT}.{name}"
    assert module in graph, f"{module} is gone: update ONCE_CIRCULAR"
    reached, todo = set(), list(graph[module])
    while todo:
        dep = todo.pop()
        if dep not in reached:
            reached.add(dep)
            todo.extend(graph[dep])
    assert module not in reached


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("from .archive import Archive", {"diplomatic_crawler.archive"}),
        ("from . import tables", {"diplomatic_crawler.tables"}),
        ("from .export.schema import utc_instant", {"diplomatic_crawler.export", "diplomatic_crawler.export.schema"}),
        ("def f():\n    from .pipelines import ARTICLE_EVENT", {"diplomatic_crawler.pipelines"}),
        ("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .archive import Archive", set()),
        ("import diplomatic_crawler.readonly", {"diplomatic_crawler.readonly"}),
        ("from scrapy import signals", set()),
    ],
)
def test_the_graph_sees_every_kind_of_import(source: str, expected: set[str]) -> None:
    """What one statement in `diplomatic_crawler/withdrawals.py` is counted as importing."""
    assert imports_of("diplomatic_crawler.withdrawals", False, source, _modules()) == expected


def test_a_cycle_is_found() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a", "d"}, "d": set(), "e": {"e2"}, "e2": {"e"}}
    assert cycles(graph) == [["a", "b", "c"], ["e", "e2"]]
