"""File checks do not load the PostgreSQL driver; the PostgreSQL source is still public."""

from __future__ import annotations

import subprocess
import sys

import pytest

import accord.checks


def test_postgres_source_is_exported_lazily() -> None:
    from accord.checks.sources.postgres import PostgresSource

    assert accord.checks.PostgresSource is PostgresSource
    with pytest.raises(AttributeError):
        _ = accord.checks.NoSuchThing


def test_importing_checks_skips_asyncpg_and_the_compat_engine() -> None:
    probe = (
        "import sys, accord.checks; "
        "print(sorted(m for m in ('asyncpg', 'accord.compat.engine', 'jsonschema') "
        "if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
