"""Start-up checks shared by `accord serve` and the app lifespan.

Each failure is a `StartupError` with a one-line reason, so the CLI can print it and
exit non-zero instead of dumping a traceback.
"""

from __future__ import annotations

import structlog
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from accord.api_key import service as api_key_service
from accord.config import Settings
from accord.db import ping, session_scope
from accord.exceptions import AccordError
from accord.migrate import schema_status, upgrade
from accord.workspace import service as workspace_service

log = structlog.get_logger("accord.startup")

BOOTSTRAP_WORKSPACE = "default"


class StartupError(RuntimeError):
    """Accord cannot start; the message says why and what to do."""


def _redact(url: str) -> str:
    head, sep, tail = url.partition("@")
    if not sep:
        return url
    scheme, _, creds = head.partition("://")
    user = creds.split(":", 1)[0]
    return f"{scheme}://{user}:***@{tail}" if ":" in creds else url


async def check_database(settings: Settings, engine: AsyncEngine) -> None:
    url = _redact(settings.resolved_database_url)
    try:
        await ping(engine, timeout_s=settings.db_connect_timeout_s + 1)
    except TimeoutError:
        raise StartupError(f"database {url} did not answer within the timeout") from None
    except (SQLAlchemyError, OSError) as exc:
        reason = str(exc.__cause__ or exc).splitlines()[0][:200]
        raise StartupError(f"database {url} is unreachable: {reason}") from None


async def prepare(
    settings: Settings, engine: AsyncEngine, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    """Reachable, migrated (applied here on the embedded default), bootstrap key present."""
    await check_database(settings, engine)
    if settings.should_auto_migrate:
        await upgrade(engine)
    status = await schema_status(engine)
    if not status.up_to_date:
        current = ",".join(status.current) or "empty"
        raise StartupError(
            f"database schema is at {current} but the code needs {','.join(status.head)}: "
            "run `accord db upgrade`"
        )
    await ensure_bootstrap(settings, sessionmaker)


async def ensure_bootstrap(
    settings: Settings, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    if settings.bootstrap_admin_key is None and not settings.dev_auth_bypass:
        return
    async with session_scope(sessionmaker) as session:
        workspace, _ = await workspace_service.get_or_create(session, BOOTSTRAP_WORKSPACE)
        if settings.bootstrap_admin_key is not None:
            try:
                created = await api_key_service.ensure_admin_key(
                    session,
                    workspace.id,
                    settings.bootstrap_admin_key.get_secret_value(),
                    settings.key_pepper.get_secret_value(),
                )
            except AccordError as exc:
                raise StartupError(exc.detail) from None
            if created:
                log.info("bootstrap_admin_key_created", workspace=workspace.name)
