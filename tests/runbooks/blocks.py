"""The runbooks' tested shell blocks: found by their marker, run verbatim with bash.

A fenced block whose first line is ``# tested: NAME`` is one procedure step a test runs
exactly as written, so the runbook and what is tested cannot drift apart. The operator
sets the block's variables (the runbook shows example values in a block of their own);
a test passes its own through the environment, and ``set -u`` makes a variable the test
forgot an error rather than an empty string.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

RUNBOOKS = Path(__file__).resolve().parents[2] / "docs" / "runbooks"
# A fence may be indented (a block inside a list item); its body is dedented.
_FENCE = re.compile(r"^(?P<indent> *)```(?:sh|bash)\n(?P<body>.*?)^(?P=indent)```", re.M | re.S)
_MARKER = re.compile(r"\A# tested: (?P<name>[\w-]+)\n")
# `accord` is the one installed next to the interpreter running the tests (the venv's).
_BIN = str(Path(sys.executable).parent)


def marked_blocks(runbook: str) -> dict[str, str]:
    """NAME -> the block's text (marker line included), for every marked block."""
    found: dict[str, str] = {}
    for fence in _FENCE.finditer((RUNBOOKS / runbook).read_text(encoding="utf-8")):
        body = textwrap.dedent(fence.group("body"))
        marker = _MARKER.match(body)
        if marker is None:
            continue
        name = marker.group("name")
        assert name not in found, f"{runbook}: two blocks marked {name!r}"
        found[name] = body
    return found


def shell_env(**variables: str) -> dict[str, str]:
    """The test process's environment without any ACCORD_* setting (each block says
    which it sets), the venv's `accord` first on PATH, and ``variables``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ACCORD_")}
    env["PATH"] = os.pathsep.join([_BIN, env.get("PATH", "")])
    return env | variables


def run_block(
    runbook: str,
    name: str,
    env: dict[str, str],
    *,
    check: bool = True,
    cwd: Path | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run the block NAME of ``runbook`` with ``bash -euo pipefail`` (an operator's
    shell would go on past a failed step; the test must not)."""
    script = marked_blocks(runbook)[name]
    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    if check:
        assert done.returncode == 0, (
            f"{runbook} block {name!r} exited {done.returncode}\n"
            f"stdout:\n{done.stdout}\nstderr:\n{done.stderr}"
        )
    return done


def need_tools(*tools: str) -> None:
    """Skip when a command the runbook uses is missing, except in CI (where it is a
    missing install step, so a failure)."""
    import shutil

    missing = [t for t in tools if shutil.which(t) is None]
    if not missing:
        return
    message = f"not installed: {', '.join(missing)}"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)
