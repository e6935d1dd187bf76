"""`accord.dbt` is pure: no web, database or HTTP client imports, no server domains."""

from __future__ import annotations

from tests.test_boundaries import SERVER_LIBS, SRC, imports_of

ALLOWED = {"dbt", "compat", "spec", "kit"}


def test_dbt_imports_no_server_code() -> None:
    for path in (SRC / "dbt").rglob("*.py"):
        for name in imports_of(path):
            top = name.split(".")[0]
            assert top not in SERVER_LIBS, (path, name)
            if top == "accord":
                assert name.split(".")[1] in ALLOWED, (path, name)
