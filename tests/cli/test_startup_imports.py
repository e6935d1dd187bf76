"""What `accord compat check` loads: the engine and the CLI, nothing of the server side.

The command is a CI step that runs on every schema change, so its whole-process time is
mostly start-up. A deterministic guard on `sys.modules` (not a timing) keeps the server
stack, the HTTP clients and the YAML parser (for JSON files) out of it.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

# Not needed to compare two JSON files offline. `re2` and `typer` are; `jsonschema` is only
# once a witness is verified with the real validator (tests/compat/test_lazy_imports.py).
HEAVY = (
    "fastapi",
    "starlette",
    "uvicorn",
    "sqlalchemy",
    "alembic",
    "aiosqlite",
    "asyncpg",
    "httpx",
    "aiohttp",
    "redis",
    "structlog",
    "pydantic",
    "pydantic_core",
    "pydantic_settings",
    "rich",
    "duckdb",
    "limits",
    "prometheus_client",
    "yaml",  # read only for YAML files (accord.kit.documents)
    "accord.app",
    "accord.db",
    "accord.config",
    "accord.sdk",
    "accord.checks",
)

PROBE = """\
import sys
from accord.cli.main import run
sys.argv = ['accord', 'compat', 'check', *sys.argv[1:]]
try:
    run()
except SystemExit as exc:
    print('exit', exc.code)
print(*sorted(sys.modules), sep='\\n')
"""


def _loaded(*args: str) -> tuple[list[str], list[str]]:
    result = subprocess.run(
        [sys.executable, "-c", PROBE, *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    lines = result.stdout.splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("exit "))
    return lines[: at + 1], lines[at + 1 :]


def _heavy(modules: list[str]) -> list[str]:
    return [m for m in modules if any(m == h or m.startswith(h + ".") for h in HEAVY)]


def test_compat_check_loads_no_server_module(tmp_path: Path) -> None:
    props = {f"p{i}": {"type": "string", "maxLength": 8} for i in range(50)}
    old = {"type": "object", "properties": props}
    new = {"type": "object", "properties": {**props, "p0": {"type": "string"}}}
    (tmp_path / "old.json").write_text(json.dumps(old))
    (tmp_path / "new.json").write_text(json.dumps(new))
    output, modules = _loaded("--json", str(tmp_path / "old.json"), str(tmp_path / "new.json"))
    assert output[-1] == "exit 1"  # forward breaks: the engine and its validator really ran
    assert json.loads(output[0])["witnesses"]
    assert "accord.compat.engine" in modules
    assert _heavy(modules) == []


def test_compat_check_usage_error_loads_no_server_module(tmp_path: Path) -> None:
    output, modules = _loaded(str(tmp_path / "missing.json"), str(tmp_path / "also.json"))
    assert output[-1] == "exit 2"
    assert _heavy(modules) == []
