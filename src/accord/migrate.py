"""Alembic, driven from code so that `accord db ...` and start-up share one path.

Two additions to plain Alembic (docs/operations-upgrades.md, ADR 0026):

* **One upgrader at a time.** `upgrade` and `downgrade` run in one transaction that first
  takes a PostgreSQL transaction-level advisory lock, `MIGRATION_LOCK_KEY`, with a bounded
  wait (`MigrationLockTimeout`). A second upgrader waits for the first to commit, then finds
  the database at its target and applies nothing. SQLite needs no lock: the upgrade runs in
  one ``BEGIN IMMEDIATE`` transaction, and SQLite's write lock serialises the writers.
* **Expand/contract.** Every migration module declares ``accord_additive = True`` when code
  at the previous head keeps working on the schema it leaves (it only adds: tables, nullable
  columns, columns with a server default, indexes), ``False`` otherwise (absent = ``False``).
  The upgrader records each applied revision, its parents and that flag in the table
  `accord_schema_compat`, next to ``alembic_version``. A replica whose code is older than
  the database reads the records for the revisions it does not ship, and runs only if every
  revision between its head and the database's is additive (`schema_status`).
"""

from __future__ import annotations

import asyncio
import enum
import functools
import weakref
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import structlog
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    MetaData,
    String,
    Table,
    Text,
    inspect,
    select,
    text,
    update,
)
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

log = structlog.get_logger("accord.migrate")

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

# The PostgreSQL advisory lock every upgrader takes: the bytes "accord" then 0x0001,
# 0x6163636F72640001. pg_locks shows it as locktype 'advisory', classid 1633903471,
# objid 1919156225, objsubid 1.
MIGRATION_LOCK_KEY = 7017561974685040641
# How long an upgrader waits for another one to finish before giving up (seconds).
MIGRATION_LOCK_TIMEOUT_S = 300.0

# The module-level flag a migration sets when it is additive (see the module docstring).
ADDITIVE_FLAG = "accord_additive"

COMPAT_TABLE_NAME = "accord_schema_compat"
COMPAT_TABLE = Table(
    COMPAT_TABLE_NAME,
    MetaData(),
    Column("revision", String(64), primary_key=True),
    # The parent revisions, comma-separated; empty for the first migration.
    Column("down_revisions", Text, nullable=False),
    Column("additive", Boolean, nullable=False),
)

_LOCK_NOT_AVAILABLE = "55P03"  # SQLSTATE lock_not_available: lock_timeout expired


class MigrationLockTimeout(RuntimeError):
    """Another upgrader held the migration lock for longer than the wait allowed."""


def alembic_config(connection: Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["connection"] = connection
    return cfg


def autogenerate_include_name(name: str | None, type_: str, _parents: object) -> bool:
    """Autogenerate ignores the compatibility records, as it ignores ``alembic_version``."""
    return not (type_ == "table" and name == COMPAT_TABLE_NAME)


def autogenerate_include_object(dialect: str) -> Callable[..., bool]:
    """Autogenerate's ``include_object`` for a database of ``dialect``: an object the
    models declare for another backend only (``Index(...).ddl_if(dialect=...)``, the
    PostgreSQL-only indexes of migration 5d1e9c3b7a20) is not expected there, as
    ``create_all`` would not make it. Alembic itself does not read ``ddl_if``."""

    def include(obj: object, _name: str | None, _type: str, reflected: bool, _to: object) -> bool:
        ddl_if = None if reflected else getattr(obj, "_ddl_if", None)
        return ddl_if is None or ddl_if.dialect in (None, dialect)

    return include


@dataclass(frozen=True)
class RevisionInfo:
    revision: str
    down_revisions: tuple[str, ...]
    additive: bool


@functools.cache
def _scripts() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config())


@functools.cache
def code_revisions() -> Mapping[str, RevisionInfo]:
    """Every revision this code ships, oldest first, with its parents and additive flag."""
    walked = list(_scripts().walk_revisions())  # heads first
    return {
        script.revision: RevisionInfo(
            script.revision,
            _as_tuple(script.down_revision),
            getattr(script.module, ADDITIVE_FLAG, False) is True,
        )
        for script in reversed(walked)
    }


def head_revisions() -> tuple[str, ...]:
    return tuple(sorted(_scripts().get_heads()))


def _as_tuple(down: str | Iterable[str] | None) -> tuple[str, ...]:
    if down is None:
        return ()
    if isinstance(down, str):
        return (down,)
    return tuple(down)


def _ancestors(revisions: Iterable[str], graph: Mapping[str, RevisionInfo]) -> set[str]:
    """``revisions`` and everything below them in ``graph`` (unknown ones are skipped)."""
    seen: set[str] = set()
    stack = list(revisions)
    while stack:
        rev = stack.pop()
        if rev in seen or rev not in graph:
            continue
        seen.add(rev)
        stack.extend(graph[rev].down_revisions)
    return seen


class SchemaState(enum.StrEnum):
    AT_HEAD = "at_head"
    BEHIND = "behind"
    AHEAD_ADDITIVE = "ahead_additive"
    AHEAD_NOT_ADDITIVE = "ahead_not_additive"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class SchemaStatus:
    current: tuple[str, ...]
    head: tuple[str, ...]
    state: SchemaState
    message: str
    # Revisions the database has beyond the code's head, oldest first.
    ahead_by: tuple[str, ...] = ()

    @property
    def up_to_date(self) -> bool:
        """Exactly at the code's head."""
        return self.current == self.head

    @property
    def compatible(self) -> bool:
        """The code can run on this schema: at its head, or ahead by additive migrations."""
        return self.state in (SchemaState.AT_HEAD, SchemaState.AHEAD_ADDITIVE)


def _fmt(revisions: Iterable[str]) -> str:
    return ",".join(revisions) or "empty"


def evaluate(
    current: tuple[str, ...],
    head: tuple[str, ...],
    code: Mapping[str, RevisionInfo],
    recorded: Mapping[str, RevisionInfo],
) -> SchemaStatus:
    """Can code whose migration heads are ``head`` run on a database at ``current``?

    ``code`` is the code's own revision graph; ``recorded`` what the database's
    ``accord_schema_compat`` says. Revisions beyond the code's head are looked up in
    ``recorded`` only: an older release does not ship them.
    """
    cur, hd = _fmt(current), _fmt(head)
    if current == head:
        return SchemaStatus(current, head, SchemaState.AT_HEAD, f"database schema is at {cur}")
    behind = SchemaStatus(
        current,
        head,
        SchemaState.BEHIND,
        f"database schema is at {cur} but the code needs {hd}: run `accord db upgrade`",
    )
    below = _ancestors(head, code)
    beyond: list[RevisionInfo] = []
    reached: set[str] = set()
    seen: set[str] = set()
    stack = list(current)
    while stack:
        rev = stack.pop()
        if rev in seen:
            continue
        seen.add(rev)
        if rev in below:
            if rev in head:
                reached.add(rev)
            continue
        info = recorded.get(rev)
        if info is None:
            return SchemaStatus(
                current,
                head,
                SchemaState.UNKNOWN,
                f"database schema is at {cur}, beyond this code's head {hd}, and revision "
                f"{rev} is not recorded in {COMPAT_TABLE_NAME}: deploy the release that "
                f"ships {cur}",
            )
        beyond.append(info)
        stack.extend(info.down_revisions)
    if not beyond:
        return behind
    ahead_by = tuple(reversed([info.revision for info in beyond]))
    if reached != set(head):
        return SchemaStatus(
            current,
            head,
            SchemaState.UNKNOWN,
            f"database schema is at {cur}, which does not descend from this code's head "
            f"{hd}: deploy the release that ships {cur}",
            ahead_by,
        )
    contracting = [rev for rev in ahead_by if not recorded[rev].additive]
    if contracting:
        return SchemaStatus(
            current,
            head,
            SchemaState.AHEAD_NOT_ADDITIVE,
            f"database schema is at {cur}, ahead of this code's head {hd} by migrations "
            f"that are not additive ({_fmt(contracting)}): deploy the release that ships {cur}",
            ahead_by,
        )
    return SchemaStatus(
        current,
        head,
        SchemaState.AHEAD_ADDITIVE,
        f"database schema is at {cur}, ahead of this code's head {hd} by additive "
        f"migrations only ({_fmt(ahead_by)}): this code runs on it",
        ahead_by,
    )


def _current(conn: Connection) -> tuple[str, ...]:
    return tuple(sorted(MigrationContext.configure(conn).get_current_heads()))


def read_compat_records(conn: Connection) -> dict[str, RevisionInfo]:
    """The database's ``accord_schema_compat``, or nothing if no upgrader wrote it yet."""
    if not inspect(conn).has_table(COMPAT_TABLE_NAME):
        return {}
    return {
        row.revision: RevisionInfo(
            row.revision,
            tuple(r for r in row.down_revisions.split(",") if r),
            bool(row.additive),
        )
        for row in conn.execute(select(COMPAT_TABLE))
    }


def _record(conn: Connection, heads: tuple[str, ...]) -> None:
    """Record every applied revision this code knows (inserting or correcting rows)."""
    code = code_revisions()
    COMPAT_TABLE.create(conn, checkfirst=True)
    have = read_compat_records(conn)
    for rev in _ancestors(heads, code):
        info = code[rev]
        if have.get(rev) == info:
            continue
        values = {"down_revisions": ",".join(info.down_revisions), "additive": info.additive}
        if rev in have:
            conn.execute(
                update(COMPAT_TABLE).where(COMPAT_TABLE.c.revision == rev).values(**values)
            )
        else:
            conn.execute(COMPAT_TABLE.insert().values(revision=rev, **values))


async def schema_status(
    engine: AsyncEngine, code_heads: tuple[str, ...] | None = None
) -> SchemaStatus:
    """Where the database is relative to the code's head (``code_heads``: default the
    package's own; tests pass an older head to act as the previous release)."""
    head = tuple(sorted(code_heads)) if code_heads is not None else head_revisions()
    code = code_revisions()

    def _status(conn: Connection) -> SchemaStatus:
        current = _current(conn)
        below = _ancestors(head, code)
        needs_records = any(rev not in below for rev in current)
        recorded = read_compat_records(conn) if needs_records else {}
        return evaluate(current, head, code, recorded)

    async with engine.connect() as conn:
        return await conn.run_sync(_status)


_ALEMBIC_LOCKS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
    weakref.WeakKeyDictionary()
)


def _alembic_lock() -> asyncio.Lock:
    """One Alembic run at a time in this event loop.

    Alembic's ``context`` and ``op`` are process-wide proxies, and a migration run through
    ``run_sync`` yields to the loop at every statement: two runs at once (two databases, or
    two engines on one) would send one's operations to the other's connection. Held until
    the migration commits, so the next run in this process sees its result."""
    loop = asyncio.get_running_loop()
    lock = _ALEMBIC_LOCKS.get(loop)
    if lock is None:
        lock = _ALEMBIC_LOCKS[loop] = asyncio.Lock()
    return lock


async def _take_lock(conn: AsyncConnection, timeout_s: float | None) -> None:
    """Hold `MIGRATION_LOCK_KEY` until this transaction ends; PostgreSQL only.

    The session's statement_timeout (ACCORD_DB_STATEMENT_TIMEOUT_MS, meant for requests)
    is lifted for this transaction: a migration may legitimately run long, and the wait
    for the lock has its own bound. The session's lock_timeout still bounds each DDL
    statement's wait for a table lock, so a migration never queues indefinitely behind
    live traffic (and everything behind it)."""
    if conn.dialect.name != "postgresql":
        return
    await conn.execute(text("SELECT set_config('statement_timeout', '0', true)"))
    key = MIGRATION_LOCK_KEY
    if (await conn.execute(text(f"SELECT pg_try_advisory_xact_lock({key})"))).scalar_one():
        return
    log.info("migration_lock_wait", key=key, timeout_s=timeout_s)
    previous = (await conn.execute(text("SELECT current_setting('lock_timeout')"))).scalar_one()
    wait = "0" if timeout_s is None else f"{max(1, round(timeout_s * 1000))}ms"
    await conn.execute(text("SELECT set_config('lock_timeout', :v, true)"), {"v": wait})
    try:
        await conn.execute(text(f"SELECT pg_advisory_xact_lock({key})"))
    except DBAPIError as exc:
        if getattr(exc.orig, "sqlstate", None) == _LOCK_NOT_AVAILABLE:
            raise MigrationLockTimeout(
                f"another upgrade still holds the migration lock (PostgreSQL advisory lock "
                f"{key}) after {timeout_s:g}s: let it finish, then retry"
            ) from None
        raise
    await conn.execute(text("SELECT set_config('lock_timeout', :v, true)"), {"v": previous})


def _target(revision: str) -> tuple[str, ...] | None:
    """The revisions ``revision`` names, or None if only Alembic can resolve it."""
    try:
        return tuple(script.revision for script in _scripts().get_revisions(revision) if script)
    except CommandError:
        return None


async def upgrade(
    engine: AsyncEngine,
    revision: str = "head",
    *,
    lock_timeout_s: float | None = MIGRATION_LOCK_TIMEOUT_S,
) -> tuple[str, ...]:
    """Apply migrations up to ``revision`` under the migration lock; return the revisions
    applied, oldest first (none when another upgrader got there first, or when the
    database is already at or beyond ``revision``). ``lock_timeout_s=None`` waits forever.
    """

    def _upgrade(conn: Connection) -> tuple[str, ...]:
        code = code_revisions()
        before = _current(conn)
        unknown = [rev for rev in before if rev not in code]
        if unknown:
            # A newer release migrated this database: nothing this code can apply, and its
            # records are the newer code's to write. `schema_status` says if we can run.
            log.info("upgrade_skipped_schema_ahead", current=list(before), unknown=unknown)
            return ()
        target = _target(revision)
        if target is not None and set(target) <= _ancestors(before, code):
            # Already there (another upgrader got here first): only (re)write the records
            # up to the target, which a database migrated before they existed lacks.
            _record(conn, target)
            return ()
        command.upgrade(alembic_config(conn), revision)
        after = _current(conn)
        _record(conn, after)
        applied = _ancestors(after, code) - _ancestors(before, code)
        return tuple(rev for rev in code if rev in applied)

    async with _alembic_lock(), engine.begin() as conn:
        await _take_lock(conn, lock_timeout_s)
        return await conn.run_sync(_upgrade)


async def downgrade(
    engine: AsyncEngine,
    revision: str,
    *,
    lock_timeout_s: float | None = MIGRATION_LOCK_TIMEOUT_S,
) -> None:
    def _downgrade(conn: Connection) -> None:
        command.downgrade(alembic_config(conn), revision)

    async with _alembic_lock(), engine.begin() as conn:
        await _take_lock(conn, lock_timeout_s)
        await conn.run_sync(_downgrade)
