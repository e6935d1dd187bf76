"""The modules of accord.compat form a layered graph: no import cycle, however hidden.

Every import counts — top level, inside a function, under ``if TYPE_CHECKING:`` — since a
cycle deferred into a function or a type-only block is still two modules that each need
the other to be understood. A static read of the source with ``ast``: nothing is imported.
"""

from __future__ import annotations

import ast
from pathlib import Path

import accord.compat

ROOT = Path(accord.compat.__file__).resolve().parent
PACKAGE = "accord.compat"


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join((PACKAGE, *parts))


MODULES = {_module_name(path): path for path in sorted(ROOT.rglob("*.py"))}


def _is_package(name: str) -> bool:
    return MODULES[name].name == "__init__.py"


def _absolute(module: str | None, level: int, importer: str) -> str:
    """The absolute name a ``from`` import names, relative imports resolved."""
    if level == 0:
        return module or ""
    base = importer.split(".")
    if not _is_package(importer):
        base = base[:-1]
    base = base[: len(base) - (level - 1)]
    return ".".join([*base, module] if module else base)


def _within(name: str) -> bool:
    return name == PACKAGE or name.startswith(PACKAGE + ".")


def _known(name: str) -> str:
    """The nearest module of the package that ``name`` designates (itself or a parent)."""
    while name not in MODULES:
        name = name.rpartition(".")[0]
    return name


def imports(importer: str) -> set[str]:
    """Every accord.compat module ``importer`` imports, anywhere in its source."""
    found: set[str] = set()
    tree = ast.parse(MODULES[importer].read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if _within(alias.name)}
        elif isinstance(node, ast.ImportFrom):
            module = _absolute(node.module, node.level, importer)
            if not _within(module):
                continue
            for alias in node.names:
                # `from accord.compat.js import shapes` imports the module `...js.shapes`.
                sub = f"{module}.{alias.name}"
                found.add(sub if sub in MODULES else module)
    return {_known(name) for name in found} - {importer}


def graph() -> dict[str, set[str]]:
    return {name: imports(name) for name in MODULES}


def find_cycle(edges: dict[str, set[str]]) -> list[str] | None:
    """One cycle of ``edges`` as ``[a, b, ..., a]``, or None: an iterative three-colour DFS."""
    state: dict[str, int] = {}  # 1: on the current path, 2: finished
    for start in sorted(edges):
        if start in state:
            continue
        path = [start]
        stack = [iter(sorted(edges[start]))]
        state[start] = 1
        while stack:
            target = next(stack[-1], None)
            if target is None:
                state[path.pop()] = 2
                stack.pop()
            elif state.get(target) == 1:
                return [*path[path.index(target) :], target]
            elif target not in state:
                state[target] = 1
                path.append(target)
                stack.append(iter(sorted(edges[target])))
    return None


def tangles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module: every cycle lies in one."""
    reach: dict[str, set[str]] = {}
    for start in edges:
        seen: set[str] = set()
        todo = [start]
        while todo:
            for target in edges[todo.pop()] - seen:
                seen.add(target)
                todo.append(target)
        reach[start] = seen
    groups = {frozenset(b for b in reach[a] if a in reach[b]) | {a} for a in edges}
    return sorted(sorted(group) for group in groups if len(group) > 1)


def test_the_walk_sees_every_kind_of_import() -> None:
    edges = graph()
    assert "accord.compat.js.document" in edges["accord.compat.js.decide"]  # top level
    assert "accord.compat.engine" in edges[PACKAGE]  # inside a function
    assert "accord.compat.js.real" in edges["accord.compat.js.document"]  # `from js import real`
    assert all(target in MODULES for targets in edges.values() for target in targets)


def test_find_cycle_reports_a_cycle() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b", "c"}, "b": {"c"}, "c": set()}) is None
    assert tangles({"a": {"b"}, "b": {"a", "c"}, "c": set()}) == [["a", "b"]]


def test_relative_imports_resolve_against_the_importer() -> None:
    assert _absolute("flat", 1, "accord.compat.js.shapes") == "accord.compat.js.flat"
    assert _absolute(None, 2, "accord.compat.js") == "accord.compat"
    assert _absolute("model", 2, "accord.compat.js.shapes") == "accord.compat.model"


def test_accord_compat_has_no_import_cycle() -> None:
    edges = graph()
    cycle = find_cycle(edges)
    assert cycle is None, (
        "import cycle in accord.compat: "
        + " -> ".join(cycle or [])
        + "; entangled modules: "
        + "; ".join(", ".join(group) for group in tangles(edges))
    )
