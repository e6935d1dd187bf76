"""Import boundaries: kit imports no domain; pure cores import no server code."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src" / "accord"
DOMAINS = {"team", "api_key", "audit", "workspace", "auth", "health", "app", "db", "deps"}
SERVER_LIBS = {"fastapi", "starlette", "sqlalchemy", "alembic", "httpx", "uvicorn"}
# The data-check engine reads PostgreSQL tables itself (asyncpg), never through the server;
# it and the guarantee types it reads load no pydantic, so `accord validate` starts fast.
NO_PYDANTIC = {"pydantic", "pydantic_core", "pydantic_settings"}
EXTRA_FORBIDDEN = {
    "compat": {"asyncpg", "duckdb", *NO_PYDANTIC},
    "spec": {"asyncpg", "duckdb", *NO_PYDANTIC},
    "checks": NO_PYDANTIC,
}


def imports_of(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def test_kit_imports_no_domain() -> None:
    for path in (SRC / "kit").rglob("*.py"):
        for name in imports_of(path):
            parts = name.split(".")
            assert not (parts[0] == "accord" and len(parts) > 1 and parts[1] in DOMAINS), (
                path,
                name,
            )


@pytest.mark.parametrize("package", ["compat", "checks", "spec"])
def test_pure_cores_import_no_server_code(package: str) -> None:
    root = SRC / package
    if not root.exists():
        pytest.fail(f"{package} is missing")
    for path in root.rglob("*.py"):
        for name in imports_of(path):
            top = name.split(".")[0]
            assert top not in SERVER_LIBS | EXTRA_FORBIDDEN[package], (path, name)
            if top == "accord":
                allowed = {package, "kit", "spec", "compat"}  # pure cores may use each other
                assert name.split(".")[1] in allowed or name == "accord", (path, name)


def test_the_web_ui_calls_services_never_repositories_or_sql() -> None:
    """The UI is held to the API's rules by calling the same services (issue 18):
    no repository, no SQL (models may be named, as types)."""
    paths = list((SRC / "web").rglob("*.py"))
    assert paths, "src/accord/web is missing"
    for path in paths:
        for name in imports_of(path):
            assert not name.endswith(".repository"), (path, name)
            # The request's session is passed to services (typed); no queries are built here.
            assert name.split(".")[0] != "sqlalchemy" or name == "sqlalchemy.ext.asyncio", (
                path,
                name,
            )
