"""Exit codes are defined once (accord.cli.exit_codes), errors printed by one helper
(accord.cli.errors.fail), and nothing prints `Error:`: read from the sources, so a new
command cannot grow its own."""

from __future__ import annotations

import ast
from pathlib import Path

CLI = Path(__file__).resolve().parents[2] / "src" / "accord" / "cli"
HOMES = {CLI / "exit_codes.py", CLI / "errors.py"}


def _modules() -> list[Path]:
    return sorted(p for p in CLI.rglob("*.py") if p not in HOMES)


def test_no_command_module_defines_its_own_fail_helper() -> None:
    found = [
        f"{path.relative_to(CLI)}:{node.lineno} {node.name}"
        for path in _modules()
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.FunctionDef) and node.name.lstrip("_") in ("fail", "die", "abort")
    ]
    assert found == [], "use accord.cli.errors.fail"


def test_no_command_module_defines_an_exit_code() -> None:
    found = []
    for path in _modules():
        for node in ast.parse(path.read_text()).body:
            if not isinstance(node, ast.Assign) or not isinstance(node.value, ast.Constant):
                continue
            names = [t.id for t in node.targets if isinstance(t, ast.Name)]
            if isinstance(node.value.value, int) and any(
                "ERROR" in n or "EXIT" in n for n in names
            ):
                found.append(f"{path.relative_to(CLI)}:{node.lineno} {names}")
    assert found == [], "exit codes live in accord.cli.exit_codes"


def test_nothing_prints_a_capitalised_error_prefix() -> None:
    found = [
        f"{path.relative_to(CLI)}:{number}"
        for path in _modules()
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if '"Error:' in line or 'f"Error:' in line or "'Error:" in line
    ]
    assert found == []
