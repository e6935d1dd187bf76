"""Release and supply-chain tests: the release command in a clean clone, the lock audit,
the GitHub workflows and community files (ADR 0037, docs/releasing.md).

None of them touches Accord's database, so they run in the SQLite leg only."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RELEASE = ROOT / "tools" / "release.py"


def plain_env() -> dict[str, str]:
    """The environment without coverage's subprocess hook: the release tool, the build
    backend, pip and pip-audit are not Accord's code, and measuring every Python process
    they start made these tests three times slower."""
    return {k: v for k, v in os.environ.items() if not k.startswith("COVERAGE_")}


def run_tool(cwd: Path, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """``tools/release.py`` of ``cwd`` with this interpreter (the repository's .venv), as a
    person would run it; git identity from the environment so a bare CI runner can commit."""
    env = {
        **plain_env(),
        # One release-tools venv for the repository and every clone the tests make.
        "ACCORD_RELEASE_VENV": str(ROOT / ".cache" / "release-venv"),
        "GIT_AUTHOR_NAME": "Accord Release Test",
        "GIT_AUTHOR_EMAIL": "release-test@example.invalid",
        "GIT_COMMITTER_NAME": "Accord Release Test",
        "GIT_COMMITTER_EMAIL": "release-test@example.invalid",
    }
    return subprocess.run(
        [sys.executable, str(cwd / "tools" / "release.py"), *args],
        cwd=cwd, capture_output=True, text=True, env=env, timeout=timeout,
    )  # fmt: skip


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True)
    return done.stdout.strip()


def clone(dest: Path) -> Path:
    """A clean clone of this repository at HEAD: what CI and a maintainer start from (files
    not committed are not there)."""
    subprocess.run(["git", "clone", "-q", str(ROOT), str(dest)], check=True)
    return dest
