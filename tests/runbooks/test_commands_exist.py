"""Every `accord ...` line in the runbooks names a command and options that exist.

Most runbook steps cannot run in a test (a failover, a receiver outage), but a renamed
command or option must not leave them silently wrong. Each shell block line that runs
`accord` is resolved against the real command tree, and each `--option` it uses must be
one that command declares.
"""

from __future__ import annotations

import re
import shlex
from typing import Any

import pytest
import typer

from accord.cli.main import build_app
from tests.runbooks.blocks import RUNBOOKS

_BLOCK = re.compile(r"^ *```(?:sh|bash)\n(.*?)^ *```", re.M | re.S)
# `accord` at the start of a command: line start, after `$ `, `|`, `&&`, `;`, `do`,
# or after VAR=value assignments.
_START = re.compile(r"(?:^|\$ |\| *|&& *|; *|\bdo +)(?:[A-Z_]+=\S+ +)*accord (?P<rest>.*)$")


_INLINE = re.compile(r"`accord (?P<rest>[^`]+)`")


def _invocations() -> list[tuple[str, str]]:
    """(runbook, the rest of the line after `accord`) for every call in a shell block,
    and every `accord ...` code span in the prose."""
    found: list[tuple[str, str]] = []
    for path in sorted(RUNBOOKS.glob("*.md")):
        text = path.read_text(encoding="utf-8")
        found += [(path.name, m.group("rest")) for m in _INLINE.finditer(text)]
        for block in _BLOCK.finditer(text):
            for raw in block.group(1).splitlines():
                line = raw.split(" #", 1)[0].strip()
                if line.startswith("#"):
                    continue
                match = _START.search(line)
                if match:
                    rest = re.split(r" \| | \|\| | && |; ", match.group("rest"))[0]
                    found.append((path.name, rest))
    return found


INVOCATIONS = _invocations()


def test_the_runbooks_call_accord() -> None:
    """The parser finds the calls (so the test below is not vacuously green)."""
    names = {runbook for runbook, _ in INVOCATIONS}
    assert {"backup-restore.md", "dead-letters.md", "pepper-rotation.md"} <= names
    assert len(INVOCATIONS) >= 30


@pytest.fixture(scope="module")
def root() -> Any:
    """The whole command tree (Typer's vendored click: groups have ``commands``)."""
    return typer.main.get_command(build_app())


@pytest.mark.parametrize(("runbook", "line"), INVOCATIONS)
def test_command_and_options_exist(root: Any, runbook: str, line: str) -> None:
    words = [w for w in shlex.split(line.replace("…", "")) if w != "..."]
    command, path, rest = root, ["accord"], list(words)
    while rest and hasattr(command, "commands") and rest[0] in command.commands:
        command, path = command.commands[rest[0]], [*path, rest.pop(0)]
    if hasattr(command, "commands"):  # a group: only its own options may follow
        assert not rest or rest[0].startswith("-"), f"{runbook}: `accord {line}`: no such command"
        assert len(path) > 1 or rest, f"{runbook}: `accord {line}` names no command"
    declared = {opt for param in command.params for opt in param.opts if opt.startswith("-")}
    used = {w.split("=", 1)[0] for w in words if w.startswith("--")}
    unknown = used - declared - {"--help"}
    assert not unknown, f"{runbook}: `{' '.join(path)}` has no {sorted(unknown)}"
