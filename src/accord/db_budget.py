"""The PostgreSQL connection budget: do all of Accord's pools fit in the server?

Every Accord process that talks to PostgreSQL (each API process of each `accord serve`
replica, each `accord worker`) holds its own SQLAlchemy pool of up to
``ACCORD_DB_POOL_SIZE + ACCORD_DB_MAX_OVERFLOW`` connections. When the sum of those pools
is larger than what the server lets Accord's role open, the deployment works in quiet
hours and fails under load: the connection that does not fit is refused ("too many
clients"), which a request sees as 503 ``database_busy``. Nothing at start-up would
notice, so start-up warns (docs/runbooks/scaling.md says how to size).

``budget`` is the arithmetic, pure so every case is tested without a server; ``check``
reads the server's limits. Neither refuses to start: the operator may know better (a
pooler such as PgBouncer in front, processes that never all peak together).
"""

from __future__ import annotations

from dataclasses import dataclass

import structlog
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

RUNBOOK = "docs/runbooks/scaling.md"
UNCHECKED = "connection budget not checked"

log = structlog.get_logger("accord.db_budget")

# One query for everything that caps Accord's connections: the server-wide slots, the
# slots kept for superusers (and, from PostgreSQL 16, for pg_use_reserved_connections),
# whether this role may use them, and per-role and per-database CONNECTION LIMITs
# (-1: none). `current_setting(name, true)` is NULL for a setting this server lacks.
_LIMITS_SQL = text(
    """
    SELECT current_setting('max_connections')::int AS max_connections,
           current_setting('superuser_reserved_connections')::int AS superuser_reserved,
           coalesce(current_setting('reserved_connections', true), '0')::int AS reserved,
           r.rolsuper AS superuser,
           r.rolconnlimit AS role_limit,
           d.datconnlimit AS database_limit
    FROM pg_roles r, pg_database d
    WHERE r.rolname = current_user AND d.datname = current_database()
    """
)


@dataclass(frozen=True)
class ServerLimits:
    """What the server allows the role Accord connects as, as read by ``read_limits``."""

    max_connections: int
    reserved: int  # slots this role cannot use (0 for a superuser)
    role_limit: int | None  # the role's CONNECTION LIMIT, None when unlimited
    database_limit: int | None  # the database's CONNECTION LIMIT, None when unlimited


def budget(
    processes: int,
    pool_size: int,
    max_overflow: int,
    max_connections: int,
    reserved: int = 0,
    *,
    role_limit: int | None = None,
    database_limit: int | None = None,
) -> list[str]:
    """Warnings (empty when the pools fit) for ``processes`` pools of ``pool_size`` +
    ``max_overflow`` connections against the server's limits.

    The peak is every pool full with its overflow: that is what a burst on every replica
    at once opens. A role or database CONNECTION LIMIT is checked as well, because a
    managed PostgreSQL often sets one far below ``max_connections``. Each warning names
    the numbers and the settings to change, so it can be acted on from the log line."""
    if min(processes, pool_size, max_connections) < 1 or min(max_overflow, reserved) < 0:
        raise ValueError("processes, pool_size, max_connections >= 1; overflow, reserved >= 0")
    per_process = pool_size + max_overflow
    peak = processes * per_process
    demand = (
        f"{processes} process{'es' if processes != 1 else ''} x (ACCORD_DB_POOL_SIZE "
        f"{pool_size} + ACCORD_DB_MAX_OVERFLOW {max_overflow}) = {peak} connections at peak"
    )
    fix = (
        f"lower ACCORD_DB_POOL_SIZE/ACCORD_DB_MAX_OVERFLOW, run fewer processes, or raise "
        f"the limit (and ACCORD_EXPECTED_PROCESSES if it is wrong; {RUNBOOK})"
    )
    usable = max_connections - reserved
    caps = [(usable, f"max_connections {max_connections} - {reserved} reserved = {usable}")]
    if role_limit is not None:
        caps.append((role_limit, f"the role's CONNECTION LIMIT {role_limit}"))
    if database_limit is not None:
        caps.append((database_limit, f"the database's CONNECTION LIMIT {database_limit}"))
    return [
        f"connection budget exceeded: {demand}, but PostgreSQL allows {what}: {fix}"
        for cap, what in caps
        if peak > cap
    ]


async def read_limits(engine: AsyncEngine) -> ServerLimits:
    """The limits of the server behind ``engine`` (PostgreSQL only), for its current role
    and database."""
    async with engine.connect() as conn:
        row = (await conn.execute(_LIMITS_SQL)).one()
    reserved = 0 if row.superuser else row.superuser_reserved + row.reserved
    return ServerLimits(
        max_connections=row.max_connections,
        reserved=reserved,
        role_limit=row.role_limit if row.role_limit >= 0 else None,
        database_limit=row.database_limit if row.database_limit >= 0 else None,
    )


async def check(
    engine: AsyncEngine, *, processes: int, pool_size: int, max_overflow: int
) -> list[str]:
    """``budget`` against the server behind ``engine``: the start-up check.

    SQLite has no connection limit (and Accord keeps no pool there): no warnings. A
    failure to read the limits is itself one warning, never a reason not to start: the
    database was reachable a moment ago and the budget is advice."""
    if engine.dialect.name != "postgresql":
        return []
    try:
        limits = await read_limits(engine)
    except (SQLAlchemyError, OSError) as exc:
        reason = str(exc.__cause__ or exc).splitlines()[0][:200]
        return [f"{UNCHECKED}: {reason}"]
    return budget(
        processes,
        pool_size,
        max_overflow,
        limits.max_connections,
        limits.reserved,
        role_limit=limits.role_limit,
        database_limit=limits.database_limit,
    )


async def warn(
    engine: AsyncEngine, *, processes: int, pool_size: int, max_overflow: int
) -> list[str]:
    """``check``, each warning logged (``connection_budget_exceeded``, or
    ``connection_budget_unchecked`` when the limits could not be read): the one call
    start-up makes. Returns the warnings too, for tests and callers that print them."""
    warnings = await check(
        engine, processes=processes, pool_size=pool_size, max_overflow=max_overflow
    )
    for detail in warnings:
        unchecked = detail.startswith(UNCHECKED)
        event = "connection_budget_unchecked" if unchecked else "connection_budget_exceeded"
        log.warning(event, detail=detail)
    return warnings
