"""docs/runbooks/upgrade-rollback.md's check for a contract upgrade, run as written.

A database one migration short of the contract migration `aba90c01d896` (asset FQNs
unique regardless of case) must be told that upgrading it applies that contract
migration; the same database at head must be told the upgrade is additive.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest

from accord.migrate import code_revisions
from tests.conftest import BACKEND
from tests.runbooks.blocks import marked_blocks, need_tools, run_block, shell_env
from tests.runbooks.test_backup_restore import PG, _admin, _libpq, accord, server_env

RUNBOOK = "upgrade-rollback.md"
CONTRACT = "aba90c01d896"
BEFORE_CONTRACT = "3f8a6c2e9d14"


def test_every_tested_block_is_run_here() -> None:
    assert set(marked_blocks(RUNBOOK)) == {"pending-contract-migrations"}


def test_the_known_contract_migration_is_one() -> None:
    """The test below leans on these two revisions: one before, one contract."""
    revisions = code_revisions()
    assert not revisions[CONTRACT].additive
    assert revisions[CONTRACT].down_revisions == (BEFORE_CONTRACT,)


@pytest.fixture
def database() -> Iterator[str]:
    name = f"accord_runbook_upgrade_{os.getpid()}"
    drop = f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'
    try:
        asyncio.run(_admin(drop, f'CREATE DATABASE "{name}"'))
    except (OSError, asyncpg.PostgresError) as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL unreachable: {exc}")
        pytest.skip(f"PostgreSQL unreachable: {exc}")
    try:
        yield name
    finally:
        asyncio.run(_admin(drop))


@pytest.mark.skipif(BACKEND != "postgresql", reason="the PostgreSQL leg runs this")
def test_pending_contract_migrations_are_named_then_none(tmp_path: Path, database: str) -> None:
    need_tools("psql")
    env = server_env(
        tmp_path, ACCORD_DATABASE_URL=PG.set(database=database).render_as_string(False)
    )
    block = shell_env(PG_URL=_libpq(database))
    accord(env, "db", "upgrade", BEFORE_CONTRACT)
    pending = run_block(RUNBOOK, "pending-contract-migrations", block, cwd=tmp_path)
    lines = pending.stdout.split()
    assert CONTRACT in lines
    assert all(not code_revisions()[rev].additive for rev in lines), lines

    accord(env, "db", "upgrade")
    done = run_block(RUNBOOK, "pending-contract-migrations", block, cwd=tmp_path)
    assert done.stdout.strip() == "none: an additive upgrade"
