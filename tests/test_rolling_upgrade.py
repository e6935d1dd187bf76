"""Rolling upgrades (docs/operations-upgrades.md, ADR 0026), on real databases.

* One upgrader at a time on PostgreSQL: the advisory lock `MIGRATION_LOCK_KEY`, with a
  bounded wait; the second of two concurrent upgrades applies nothing.
* Expand/contract: a replica runs on a schema ahead of its code only if every revision in
  between is recorded additive in ``accord_schema_compat``; behind, contracting or unknown
  schemas stop it with a one-line reason.

"The previous release" is played two ways, neither mocking the database: the real code
with an older head (``code_heads``), and the real code against a database that a
"next release" moved to a revision this code does not ship at all.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy import Connection, delete, text, update
from sqlalchemy.ext.asyncio import AsyncEngine

from accord.db import create_engine, create_sessionmaker
from accord.migrate import (
    COMPAT_TABLE,
    MIGRATION_LOCK_KEY,
    MigrationLockTimeout,
    SchemaState,
    code_revisions,
    head_revisions,
    read_compat_records,
    schema_status,
    upgrade,
)
from accord.startup import StartupError, prepare
from tests.conftest import BACKEND, PG_BASE, _admin, make_settings

ACCORD = str(Path(sys.executable).parent / "accord")
NEXT_RELEASE = "feedfacecafe"  # a revision no release of this code ships
LOCK_CLASSID, LOCK_OBJID = MIGRATION_LOCK_KEY >> 32, MIGRATION_LOCK_KEY & 0xFFFFFFFF


async def _new_pg_database() -> str:
    name = f"accord_rolling_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    try:
        await _admin(f'CREATE DATABASE "{name}"')
    except (OSError, asyncpg.PostgresError) as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL unreachable at {PG_BASE}: {exc}")
        pytest.skip(f"PostgreSQL unreachable at {PG_BASE}: {exc}")
    return name


@pytest.fixture
async def pg_url() -> AsyncIterator[str]:
    """An empty PostgreSQL database of its own (whatever ACCORD_TEST_DATABASE says)."""
    name = await _new_pg_database()
    yield f"{PG_BASE.replace('postgresql://', 'postgresql+asyncpg://', 1)}/{name}"
    await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
async def scratch_url(tmp_path: Path) -> AsyncIterator[str]:
    """An empty database on the backend under test (a SQLite file or PostgreSQL)."""
    if BACKEND != "postgresql":
        yield f"sqlite+aiosqlite:///{tmp_path / 'rolling.db'}"
        return
    name = await _new_pg_database()
    yield f"{PG_BASE.replace('postgresql://', 'postgresql+asyncpg://', 1)}/{name}"
    await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
async def engine_at(scratch_url: str) -> AsyncIterator[AsyncEngine]:
    eng = create_engine(make_settings(scratch_url))
    yield eng
    await eng.dispose()


def _libpq(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


async def _records(engine: AsyncEngine) -> dict[str, object]:
    async with engine.connect() as conn:
        return dict(await conn.run_sync(read_compat_records))


async def _version_rows(engine: AsyncEngine) -> list[str]:
    async with engine.connect() as conn:
        return list((await conn.execute(text("SELECT version_num FROM alembic_version"))).scalars())


async def _mark(engine: AsyncEngine, revision: str, *, additive: bool) -> None:
    """What the release that applied ``revision`` would have recorded about it."""
    async with engine.begin() as conn:
        await conn.execute(
            update(COMPAT_TABLE)
            .where(COMPAT_TABLE.c.revision == revision)
            .values(additive=additive)
        )


async def _next_release(engine: AsyncEngine, *, additive: bool) -> None:
    """Play a newer release's `accord db upgrade`: one more revision, recorded as it would."""
    (head,) = head_revisions()
    async with engine.begin() as conn:
        await conn.execute(
            COMPAT_TABLE.insert().values(
                revision=NEXT_RELEASE, down_revisions=head, additive=additive
            )
        )
        await conn.execute(text(f"UPDATE alembic_version SET version_num = '{NEXT_RELEASE}'"))


def _previous(revision: str, steps: int = 1) -> str:
    for _ in range(steps):
        (revision,) = code_revisions()[revision].down_revisions
    return revision


async def _prepare(
    url: str,
    engine: AsyncEngine,
    *,
    auto_migrate: bool = False,
    code_heads: tuple[str, ...] | None = None,
    lock_timeout_s: float | None = 30,
) -> None:
    settings = make_settings(url, auto_migrate=auto_migrate)
    await prepare(
        settings,
        engine,
        create_sessionmaker(engine),
        code_heads=code_heads,
        lock_timeout_s=lock_timeout_s,
    )


def _one_line(exc: pytest.ExceptionInfo[BaseException]) -> str:
    message = str(exc.value)
    assert "\n" not in message
    return message


# --- the migration lock (PostgreSQL) -------------------------------------------------------


async def test_concurrent_upgrades_serialise_and_the_second_applies_nothing(pg_url: str) -> None:
    first, second = create_engine(make_settings(pg_url)), create_engine(make_settings(pg_url))
    try:
        results = await asyncio.gather(upgrade(first), upgrade(second))
        assert sorted(results, key=len) == [(), tuple(code_revisions())]
        assert (await schema_status(first)).up_to_date
        assert await _version_rows(first) == list(head_revisions())
        assert set(await _records(first)) == set(code_revisions())
    finally:
        await first.dispose()
        await second.dispose()


async def test_concurrent_upgrades_on_sqlite(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'two.db'}"
    # The second upgrader waits on SQLite's write lock for the whole first migration,
    # which can take longer than the 5 s default busy timeout on a loaded machine.
    settings = make_settings(url, sqlite_busy_timeout_ms=120_000)
    first, second = create_engine(settings), create_engine(settings)
    try:
        results = await asyncio.gather(upgrade(first), upgrade(second))
        assert sorted(results, key=len) == [(), tuple(code_revisions())]
        assert await _version_rows(first) == list(head_revisions())
    finally:
        await first.dispose()
        await second.dispose()


async def _waiting_for_lock(holder: asyncpg.Connection) -> int:
    return int(
        await holder.fetchval(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = $1"
            " AND objid = $2 AND objsubid = 1 AND NOT granted",
            LOCK_CLASSID,
            LOCK_OBJID,
        )
    )


async def test_upgrade_waits_for_the_lock_holder(pg_url: str) -> None:
    holder = await asyncpg.connect(_libpq(pg_url))
    engine = create_engine(make_settings(pg_url))
    try:
        await holder.execute(f"SELECT pg_advisory_lock({MIGRATION_LOCK_KEY})")
        running = asyncio.create_task(upgrade(engine, lock_timeout_s=30))
        for _ in range(100):
            if await _waiting_for_lock(holder):
                break
            await asyncio.sleep(0.05)
        assert await _waiting_for_lock(holder) == 1
        assert not running.done()
        tables = await holder.fetchval("SELECT count(*) FROM pg_tables WHERE schemaname='public'")
        assert tables == 0  # nothing done while waiting
        await holder.execute(f"SELECT pg_advisory_unlock({MIGRATION_LOCK_KEY})")
        assert await asyncio.wait_for(running, 60) == tuple(code_revisions())
    finally:
        await holder.close()
        await engine.dispose()


async def test_upgrade_gives_up_on_a_held_lock_with_a_clear_error(pg_url: str) -> None:
    holder = await asyncpg.connect(_libpq(pg_url))
    engine = create_engine(make_settings(pg_url))
    try:
        async with engine.connect() as conn:
            session_lock_timeout = (await conn.execute(text("SHOW lock_timeout"))).scalar_one()
        await holder.execute(f"SELECT pg_advisory_lock({MIGRATION_LOCK_KEY})")
        with pytest.raises(MigrationLockTimeout) as raised:
            await upgrade(engine, lock_timeout_s=0.3)
        message = _one_line(raised)
        assert f"advisory lock {MIGRATION_LOCK_KEY}" in message
        assert "after 0.3s" in message
        # Start-up with auto-migrate says the same, as a StartupError.
        with pytest.raises(StartupError, match="holds the migration lock"):
            await _prepare(pg_url, engine, auto_migrate=True, lock_timeout_s=0.3)
        assert (await schema_status(engine)).current == ()
        # The lock_timeout set for the wait does not outlive the upgrade.
        await holder.execute(f"SELECT pg_advisory_unlock({MIGRATION_LOCK_KEY})")
        await upgrade(engine, lock_timeout_s=0.3)
        async with engine.connect() as conn:
            setting = (await conn.execute(text("SHOW lock_timeout"))).scalar_one()
        assert setting == session_lock_timeout
    finally:
        await holder.close()
        await engine.dispose()


def _cli_env(url: str, tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ACCORD_")}
    return env | {
        "ACCORD_DATABASE_URL": url,
        "ACCORD_DATA_DIR": str(tmp_path),
        "ACCORD_KEY_PEPPER": "cli-test-pepper-0123456789abcdef01234",
        "ACCORD_LOG_LEVEL": "warning",
    }


def _db_cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [ACCORD, "db", *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )


async def test_two_cli_upgrades_at_once_both_succeed(pg_url: str, tmp_path: Path) -> None:
    """Two replicas' `accord db upgrade`, in processes of their own."""
    env = _cli_env(pg_url, tmp_path)
    results = await asyncio.gather(
        asyncio.to_thread(_db_cli, env, "upgrade"), asyncio.to_thread(_db_cli, env, "upgrade")
    )
    assert [r.returncode for r in results] == [0, 0], [r.stderr for r in results]
    at = f"database at {head_revisions()[0]}"
    assert sorted(r.stdout.strip() for r in results) == [
        f"{at} ({len(code_revisions())} migrations applied)",
        f"{at} (nothing to apply)",
    ]
    engine = create_engine(make_settings(pg_url))
    try:
        assert await _version_rows(engine) == list(head_revisions())
    finally:
        await engine.dispose()


async def test_cli_upgrade_reports_a_held_lock_in_one_line(pg_url: str, tmp_path: Path) -> None:
    holder = await asyncpg.connect(_libpq(pg_url))
    env = _cli_env(pg_url, tmp_path)

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return _db_cli(env, *args)

    try:
        await holder.execute(f"SELECT pg_advisory_lock({MIGRATION_LOCK_KEY})")
        held = await asyncio.to_thread(run, "upgrade", "--lock-timeout", "0.5")
        assert held.returncode == 1
        assert held.stderr.strip().splitlines() == [
            f"error: another upgrade still holds the migration lock (PostgreSQL advisory lock "
            f"{MIGRATION_LOCK_KEY}) after 0.5s: let it finish, then retry"
        ]
        await holder.execute(f"SELECT pg_advisory_unlock({MIGRATION_LOCK_KEY})")
        done = await asyncio.to_thread(run, "upgrade")
        assert done.returncode == 0, done.stderr
        assert f"({len(code_revisions())} migrations applied)" in done.stdout
        again = await asyncio.to_thread(run, "upgrade")
        assert "(nothing to apply)" in again.stdout
    finally:
        await holder.close()


# --- expand/contract: what the upgrader records ---------------------------------------------


async def test_upgrade_records_each_applied_revision_and_its_flag(engine_at: AsyncEngine) -> None:
    (head,) = head_revisions()
    previous = _previous(head)
    assert await upgrade(engine_at, previous) == tuple(code_revisions())[:-1]
    assert set(await _records(engine_at)) == set(code_revisions()) - {head}
    assert await upgrade(engine_at) == (head,)
    assert await _records(engine_at) == dict(code_revisions())
    assert await upgrade(engine_at) == ()
    # A flag corrected in a later release is corrected in the records on its next upgrade.
    await _mark(engine_at, head, additive=not code_revisions()[head].additive)
    await upgrade(engine_at)
    assert await _records(engine_at) == dict(code_revisions())


def test_every_shipped_migration_declares_its_flag() -> None:
    from alembic.script import ScriptDirectory

    from accord.migrate import alembic_config

    for script in ScriptDirectory.from_config(alembic_config()).walk_revisions():
        assert isinstance(getattr(script.module, "accord_additive", None), bool), script.path


# --- expand/contract: who may start ------------------------------------------------------------


async def test_previous_release_starts_on_a_schema_ahead_by_an_additive_migration(
    scratch_url: str, engine_at: AsyncEngine
) -> None:
    (head,) = head_revisions()
    previous = _previous(head)
    await upgrade(engine_at)
    await _mark(engine_at, head, additive=True)

    status = await schema_status(engine_at, (previous,))
    assert status.state is SchemaState.AHEAD_ADDITIVE
    assert (status.compatible, status.up_to_date, status.ahead_by) == (True, False, (head,))
    await _prepare(scratch_url, engine_at, code_heads=(previous,))
    # With auto-migrate too: the older code applies nothing and leaves the schema alone.
    await _prepare(scratch_url, engine_at, code_heads=(previous,), auto_migrate=True)
    assert await _version_rows(engine_at) == [head]


async def test_previous_release_refuses_a_schema_ahead_by_a_contracting_migration(
    scratch_url: str, engine_at: AsyncEngine
) -> None:
    (head,) = head_revisions()
    previous = _previous(head)
    await upgrade(engine_at)
    await _mark(engine_at, head, additive=False)

    with pytest.raises(StartupError) as raised:
        await _prepare(scratch_url, engine_at, code_heads=(previous,))
    assert _one_line(raised) == (
        f"database schema is at {head}, ahead of this code's head {previous} by migrations "
        f"that are not additive ({head}): deploy the release that ships {head}"
    )
    # Auto-migrate in the older code neither rewrites the newer release's record nor helps.
    with pytest.raises(StartupError, match="not additive"):
        await _prepare(scratch_url, engine_at, code_heads=(previous,), auto_migrate=True)


async def test_two_releases_behind_needs_every_revision_in_between_additive(
    scratch_url: str, engine_at: AsyncEngine
) -> None:
    (head,) = head_revisions()
    previous, older = _previous(head), _previous(head, 2)
    await upgrade(engine_at)
    await _mark(engine_at, head, additive=True)
    await _mark(engine_at, previous, additive=True)
    status = await schema_status(engine_at, (older,))
    assert (status.state, status.ahead_by) == (SchemaState.AHEAD_ADDITIVE, (previous, head))

    await _mark(engine_at, previous, additive=False)
    with pytest.raises(StartupError, match=rf"not additive \({previous}\)"):
        await _prepare(scratch_url, engine_at, code_heads=(older,))


async def test_refuses_a_schema_behind_the_code(scratch_url: str, engine_at: AsyncEngine) -> None:
    (head,) = head_revisions()
    previous = _previous(head)
    await upgrade(engine_at, previous)

    with pytest.raises(StartupError) as raised:
        await _prepare(scratch_url, engine_at)
    assert _one_line(raised) == (
        f"database schema is at {previous} but the code needs {head}: run `accord db upgrade`"
    )
    status = await schema_status(engine_at)
    assert (status.state, status.compatible) == (SchemaState.BEHIND, False)
    # An empty database is behind too.
    async with engine_at.begin() as conn:
        await conn.execute(text("DELETE FROM alembic_version"))
    with pytest.raises(StartupError, match=r"^database schema is at empty but the code needs"):
        await _prepare(scratch_url, engine_at)


async def test_older_code_reads_the_records_not_its_scripts(
    scratch_url: str, engine_at: AsyncEngine
) -> None:
    """Without a record of the revision beyond its head, the previous release refuses,
    even though this test's code happens to ship the script."""
    (head,) = head_revisions()
    previous = _previous(head)
    await upgrade(engine_at)
    async with engine_at.begin() as conn:
        await conn.execute(delete(COMPAT_TABLE).where(COMPAT_TABLE.c.revision == head))

    with pytest.raises(StartupError) as raised:
        await _prepare(scratch_url, engine_at, code_heads=(previous,))
    assert _one_line(raised) == (
        f"database schema is at {head}, beyond this code's head {previous}, and revision "
        f"{head} is not recorded in accord_schema_compat: deploy the release that ships {head}"
    )


async def test_this_release_runs_on_a_schema_a_newer_release_expanded(
    scratch_url: str, engine_at: AsyncEngine
) -> None:
    """The real thing: the database is at a revision this code does not ship at all."""
    await upgrade(engine_at)
    await _next_release(engine_at, additive=True)

    await _prepare(scratch_url, engine_at, auto_migrate=True)  # applies nothing, starts
    assert await _version_rows(engine_at) == [NEXT_RELEASE]
    assert await upgrade(engine_at) == ()
    status = await schema_status(engine_at)
    assert (status.state, status.ahead_by) == (SchemaState.AHEAD_ADDITIVE, (NEXT_RELEASE,))


async def test_this_release_refuses_a_schema_a_newer_release_contracted(
    scratch_url: str, engine_at: AsyncEngine
) -> None:
    (head,) = head_revisions()
    await upgrade(engine_at)
    await _next_release(engine_at, additive=False)

    with pytest.raises(StartupError) as raised:
        await _prepare(scratch_url, engine_at, auto_migrate=True)
    assert _one_line(raised) == (
        f"database schema is at {NEXT_RELEASE}, ahead of this code's head {head} by "
        f"migrations that are not additive ({NEXT_RELEASE}): deploy the release that ships "
        f"{NEXT_RELEASE}"
    )


async def test_refuses_a_schema_on_another_lineage(
    scratch_url: str, engine_at: AsyncEngine
) -> None:
    """A recorded additive revision that does not descend from this code's head."""
    (head,) = head_revisions()
    previous = _previous(head)
    await upgrade(engine_at, previous)
    async with engine_at.begin() as conn:
        await conn.execute(
            COMPAT_TABLE.insert().values(
                revision=NEXT_RELEASE, down_revisions=previous, additive=True
            )
        )
        await conn.execute(text(f"UPDATE alembic_version SET version_num = '{NEXT_RELEASE}'"))

    with pytest.raises(StartupError) as raised:
        await _prepare(scratch_url, engine_at)
    assert _one_line(raised) == (
        f"database schema is at {NEXT_RELEASE}, which does not descend from this code's head "
        f"{head}: deploy the release that ships {NEXT_RELEASE}"
    )


async def test_a_database_without_records_reads_as_none(
    scratch_url: str, engine_at: AsyncEngine
) -> None:
    """Migrated before the records existed: fine at head; no record to run older code on."""
    (head,) = head_revisions()
    await upgrade(engine_at)

    def _drop(conn: Connection) -> None:
        COMPAT_TABLE.drop(conn)

    async with engine_at.begin() as conn:
        await conn.run_sync(_drop)
    assert (await schema_status(engine_at)).state is SchemaState.AT_HEAD
    assert (await schema_status(engine_at, (_previous(head),))).state is SchemaState.UNKNOWN
    assert await upgrade(engine_at) == ()  # ...and the next upgrade writes them
    assert await _records(engine_at) == dict(code_revisions())


async def test_cli_on_a_schema_a_newer_release_migrated(
    engine_at: AsyncEngine, scratch_url: str, tmp_path: Path
) -> None:
    """`accord db current` and `accord db upgrade` of the older release."""
    (head,) = head_revisions()
    env = _cli_env(scratch_url, tmp_path)
    await upgrade(engine_at)
    await _next_release(engine_at, additive=True)

    current = await asyncio.to_thread(_db_cli, env, "current")
    assert (current.returncode, current.stdout.strip()) == (
        0,
        f"{NEXT_RELEASE} (ahead of head {head} by additive migrations)",
    )
    upgraded = await asyncio.to_thread(_db_cli, env, "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    assert "ahead of this code's head by additive migrations" in upgraded.stdout

    await _mark(engine_at, NEXT_RELEASE, additive=False)
    refused = await asyncio.to_thread(_db_cli, env, "current")
    assert refused.returncode == 1
    assert "not additive" in refused.stdout
    upgrade_refused = await asyncio.to_thread(_db_cli, env, "upgrade")
    assert upgrade_refused.returncode == 1
    assert upgrade_refused.stderr.strip().splitlines() == [
        f"error: database schema is at {NEXT_RELEASE}, ahead of this code's head {head} by "
        f"migrations that are not additive ({NEXT_RELEASE}): deploy the release that ships "
        f"{NEXT_RELEASE}"
    ]


async def test_upgrades_of_two_databases_in_one_process_do_not_interleave(tmp_path: Path) -> None:
    # Alembic's `context` and `op` are process-wide proxies: two migrations running at
    # once in one event loop (each awaits its database between statements) would route
    # one's operations to the other's connection. The runner serialises them in-process.
    engines = [
        create_engine(make_settings(f"sqlite+aiosqlite:///{tmp_path / f'db{i}.db'}"))
        for i in range(3)
    ]
    try:
        results = await asyncio.gather(*(upgrade(engine) for engine in engines))
        assert results == [tuple(code_revisions())] * 3
        for engine in engines:
            assert await _version_rows(engine) == list(head_revisions())
    finally:
        for engine in engines:
            await engine.dispose()
