#!/usr/bin/env python3
"""Accord's developer entry point: needs only Python 3.11 and pip.

    python3 tools/dev.py serve [ARGS...]   install the pinned runtime, start Accord (SQLite default)
    python3 tools/dev.py test  [PYTEST...] install the pinned dev set, run the whole suite
    python3 tools/dev.py install [--dev]   only install

Everything goes into ./.venv from the hashed locks in requirements/, so no unpinned
package is ever installed. `test` runs format check, lint, type check and pytest on
SQLite, then pytest on PostgreSQL. PostgreSQL comes from ACCORD_TEST_POSTGRES_URL
(default: postgresql+asyncpg://postgres@127.0.0.1:5432/accord_test). If it cannot be
reached the PostgreSQL leg is skipped with a notice, except under CI=true, where that
is a failure.
"""

from __future__ import annotations

import hashlib
import os
import socket
import subprocess
import sys
import venv
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / "python"
DEFAULT_PG = "postgresql+asyncpg://postgres@127.0.0.1:5432/accord_test"


def _say(msg: str) -> None:
    print(f"[dev] {msg}", flush=True)


def _run(*cmd: str | Path, env: dict[str, str] | None = None) -> int:
    return subprocess.call([str(c) for c in cmd], cwd=ROOT, env=env)


def _must(*cmd: str | Path, env: dict[str, str] | None = None) -> None:
    code = _run(*cmd, env=env)
    if code != 0:
        _say(f"failed ({code}): {' '.join(str(c) for c in cmd)}")
        sys.exit(code)


def _lock(dev: bool) -> Path:
    return ROOT / "requirements" / ("dev.lock" if dev else "main.lock")


def _digest(dev: bool) -> str:
    data = _lock(dev).read_bytes() + (ROOT / "pyproject.toml").read_bytes()
    return hashlib.sha256(data).hexdigest()


def install(dev: bool) -> None:
    lock = _lock(dev)
    stamp = VENV / f".accord-{'dev' if dev else 'main'}.stamp"
    dev_stamp = VENV / ".accord-dev.stamp"
    for ok in (stamp, dev_stamp) if not dev else (stamp,):
        # The dev set includes the runtime set, so a fresh dev install serves too.
        if ok.exists() and ok.read_text() == _digest(ok == dev_stamp):
            return
    if not PY.exists():
        _say(f"creating {VENV.relative_to(ROOT)}")
        venv.EnvBuilder(with_pip=True).create(VENV)
    _say(f"installing pinned dependencies from {lock.relative_to(ROOT)}")
    pip = (PY, "-m", "pip", "install", "--disable-pip-version-check", "-q")
    _must(*pip, "--require-hashes", "--no-deps", "-r", lock)
    _must(*pip, "--no-deps", "--no-build-isolation", "-e", ROOT)
    for old in VENV.glob(".accord-*.stamp"):
        old.unlink()
    stamp.write_text(_digest(dev))


def _reachable(url: str) -> bool:
    parts = urlsplit(url.replace("+asyncpg", ""))
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 5432), 3):
            return True
    except OSError:
        return False


def test(pytest_args: list[str]) -> int:
    install(dev=True)
    ci = os.environ.get("CI", "").lower() in ("1", "true", "yes")
    pg_url = os.environ.get("ACCORD_TEST_POSTGRES_URL", DEFAULT_PG)
    if ci and not _reachable(pg_url):
        _say(f"PostgreSQL at {pg_url} is not reachable (required under CI=true)")
        return 1
    _must(BIN / "ruff", "format", "--check", "src", "tests", "bench", "tools")
    _must(BIN / "ruff", "check", "src", "tests", "bench", "tools")
    _must(BIN / "mypy")
    env = {k: v for k, v in os.environ.items() if not k.startswith("ACCORD_")}
    sqlite_env = {**env, "ACCORD_TEST_DATABASE": "sqlite"}
    _say("pytest on SQLite")
    cov = ["--cov", "--cov-report=term", "--cov-fail-under=85"]
    code = _run(PY, "-m", "pytest", *cov, *pytest_args, env=sqlite_env)
    if code != 0:
        return code
    if not pytest_args:
        # The pure compatibility engine is held to full branch coverage (issue 3).
        _say("branch coverage of accord.compat (must be 100 %)")
        code = _run(
            BIN / "coverage", "report", "--include=*/accord/compat/*", "--fail-under=100",
            "--skip-covered", env=sqlite_env,
        )  # fmt: skip
        if code != 0:
            return code
    if not _reachable(pg_url):
        if ci:
            _say(f"PostgreSQL at {pg_url} is not reachable (required under CI=true)")
            return 1
        _say(f"PostgreSQL at {pg_url} is not reachable: PostgreSQL leg skipped (not CI)")
        return 0
    _say("pytest on PostgreSQL")
    pg_env = {**env, "ACCORD_TEST_DATABASE": "postgresql", "ACCORD_TEST_POSTGRES_URL": pg_url}
    return _run(PY, "-m", "pytest", *pytest_args, env=pg_env)


def main(argv: list[str]) -> int:
    if sys.version_info < (3, 11):  # noqa: UP036 - this script may run on any python3
        _say("Python 3.11 or newer is required")
        return 2
    if not argv or argv[0] not in ("serve", "test", "install"):
        print(__doc__)
        return 2
    cmd, rest = argv[0], argv[1:]
    if cmd == "install":
        install(dev="--dev" in rest)
        return 0
    if cmd == "serve":
        install(dev=False)
        os.execv(BIN / "accord", [str(BIN / "accord"), "serve", *rest])
    return test(rest)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
