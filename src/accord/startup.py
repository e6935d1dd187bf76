"""Start-up checks shared by `accord serve` and the app lifespan.

Each failure is a `StartupError` with a one-line reason, so the CLI can print it and
exit non-zero instead of dumping a traceback.
"""

from __future__ import annotations

import structlog
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from accord.api_key import service as api_key_service
from accord.config import Settings
from accord.db import ping, session_scope
from accord.exceptions import AccordError
from accord.migrate import (
    MIGRATION_LOCK_TIMEOUT_S,
    MigrationLockTimeout,
    schema_status,
    upgrade,
)
from accord.workspace import service as workspace_service

log = structlog.get_logger("accord.startup")

BOOTSTRAP_WORKSPACE = "default"


class StartupError(RuntimeError):
    """Accord cannot start; the message says why and what to do."""


async def check_database(settings: Settings, engine: AsyncEngine) -> None:
    url = settings.database_url_redacted
    try:
        await ping(engine, timeout_s=settings.db_connect_timeout_s + 1)
    except TimeoutError:
        raise StartupError(f"database {url} did not answer within the timeout") from None
    except (SQLAlchemyError, OSError) as exc:
        reason = str(exc.__cause__ or exc).splitlines()[0][:200]
        raise StartupError(f"database {url} is unreachable: {reason}") from None


async def prepare(
    settings: Settings,
    engine: AsyncEngine,
    sessionmaker: async_sessionmaker[AsyncSession],
    *,
    code_heads: tuple[str, ...] | None = None,
    lock_timeout_s: float | None = MIGRATION_LOCK_TIMEOUT_S,
) -> None:
    """Reachable, migrated (applied here on the embedded default), bootstrap key present.

    The schema may be ahead of the code by additive migrations only (a rolling upgrade:
    docs/operations-upgrades.md). ``code_heads`` defaults to the package's own migration
    heads; tests pass an older head to start as the previous release would.
    """
    await check_database(settings, engine)
    await warn_connection_budget(settings, engine)
    if settings.should_auto_migrate:
        try:
            for target in code_heads or ("head",):
                await upgrade(engine, target, lock_timeout_s=lock_timeout_s)
        except MigrationLockTimeout as exc:
            raise StartupError(str(exc)) from None
    status = await schema_status(engine, code_heads)
    if not status.compatible:
        raise StartupError(status.message)
    if not status.up_to_date:
        log.warning(
            "schema_ahead_of_code",
            current=list(status.current),
            head=list(status.head),
            additive=list(status.ahead_by),
        )
    await stamp_pepper_ids(settings, sessionmaker)
    await ensure_bootstrap(settings, sessionmaker)


async def stamp_pepper_ids(
    settings: Settings, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    """Keys and webhook secrets from before pepper ids existed (NULL) get the id of the
    LAST configured pepper: with one pepper that is the only one they can be under; in a
    rotation it is the old one (the runbook appends it). Stamped once, the meaning is
    frozen, so removing that pepper later cannot silently re-read them under another
    (ADR 0035). Idempotent and cheap when nothing is NULL."""
    from accord.webhook import service as webhook_service

    oldest = settings.all_peppers[-1]
    async with session_scope(sessionmaker) as session:
        keys = await api_key_service.stamp_pepper(session, oldest)
        hooks = await webhook_service.stamp_pepper(session, oldest)
    if keys or hooks:
        log.info("pepper_ids_stamped", api_keys=keys, webhooks=hooks)


async def ensure_bootstrap(
    settings: Settings, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    """The `default` workspace and the bootstrap key, once. Replicas starting together
    race to create them: the loser's insert hits the unique constraint, and its second
    attempt finds what the winner made."""
    if settings.bootstrap_admin_key is None and not settings.dev_auth_bypass:
        return
    for attempt in (1, 2):
        try:
            await _bootstrap(settings, sessionmaker)
            return
        except IntegrityError:
            if attempt == 2:
                raise
            log.info("bootstrap_race_lost_retrying")


async def _bootstrap(settings: Settings, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    async with session_scope(sessionmaker) as session:
        workspace, _ = await workspace_service.get_or_create(session, BOOTSTRAP_WORKSPACE)
        if settings.bootstrap_admin_key is not None:
            try:
                created = await api_key_service.ensure_admin_key(
                    session,
                    workspace.id,
                    settings.bootstrap_admin_key.get_secret_value(),
                    settings.all_peppers,
                )
            except AccordError as exc:
                raise StartupError(exc.detail) from None
            if created:
                log.info("bootstrap_admin_key_created", workspace=workspace.name)


async def first_run_key(
    settings: Settings, sessionmaker: async_sessionmaker[AsyncSession]
) -> str | None:
    """On an embedded database that has no workspace yet: the `default` workspace and a
    workspace-admin key, whose raw value is returned to be shown once. ``None`` ever after
    (the workspace exists), and always when an operator manages keys
    (ACCORD_BOOTSTRAP_ADMIN_KEY) or the database is not the embedded one."""
    if not settings.is_sqlite or settings.bootstrap_admin_key is not None:
        return None
    from accord.auth.principal import SYSTEM_ACTOR, Scope
    from accord.kit.crypto import generate_api_key

    async with session_scope(sessionmaker) as session:
        workspace, created = await workspace_service.get_or_create(session, BOOTSTRAP_WORKSPACE)
        if not created:
            return None
        raw = generate_api_key()
        await api_key_service.insert_key(
            session,
            workspace_id=workspace.id,
            actor=SYSTEM_ACTOR,
            raw_key=raw,
            pepper=settings.issuing_pepper,
            name="first-run-admin",
            team_id=None,
            scopes=[Scope.admin.value],
        )
    log.info("first_run_admin_key_created", workspace=BOOTSTRAP_WORKSPACE)
    return raw


async def warn_connection_budget(settings: Settings, engine: AsyncEngine) -> None:
    """Logged, never refused: all processes' pools may not fit in PostgreSQL's limit
    (docs/runbooks/scaling.md)."""
    from accord import db_budget

    await db_budget.warn(
        engine,
        processes=max(settings.expected_processes, settings.api_workers),
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
    )
