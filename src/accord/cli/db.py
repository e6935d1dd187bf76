"""`accord db upgrade|current`: schema migrations."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from accord.cli._common import fail, load_settings, with_engine
from accord.cli.exit_codes import STARTUP_FAILED

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine

    from accord.migrate import SchemaStatus

app = typer.Typer(help="Database schema migrations.", no_args_is_help=True)

# Mirrors accord.migrate.MIGRATION_LOCK_TIMEOUT_S (not imported: `--help` stays fast).
_LOCK_TIMEOUT_S = 300.0


@app.command("upgrade")
def upgrade_cmd(
    revision: str = typer.Argument("head", help="Target revision."),
    lock_timeout: float = typer.Option(
        _LOCK_TIMEOUT_S,
        "--lock-timeout",
        min=0,
        help="PostgreSQL: seconds to wait for another upgrade to finish (0: forever).",
    ),
) -> None:
    """Apply migrations up to REVISION (default: the latest), one upgrader at a time."""
    from accord.logging import configure_logging
    from accord.migrate import MigrationLockTimeout, SchemaState

    settings = load_settings()
    configure_logging(settings.log_level, settings.log_format)  # e.g. migration_lock_wait
    try:
        applied, status = with_engine(
            settings, lambda e: _upgrade_then_status(e, revision, lock_timeout or None)
        )
    except MigrationLockTimeout as exc:
        fail(str(exc), STARTUP_FAILED)
    except RuntimeError as exc:  # a migration that refuses the data it found says why
        fail(f"migration stopped: {exc}", STARTUP_FAILED)
    if status.state in (SchemaState.AHEAD_NOT_ADDITIVE, SchemaState.UNKNOWN):
        fail(
            status.message, STARTUP_FAILED
        )  # a newer release migrated it: this one cannot run on it
    current = ",".join(status.current) or "empty"
    if status.state is SchemaState.AHEAD_ADDITIVE:
        typer.echo(f"database at {current} (ahead of this code's head by additive migrations)")
        return
    done = f"{len(applied)} migration{'' if len(applied) == 1 else 's'} applied"
    typer.echo(f"database at {current} ({done if applied else 'nothing to apply'})")


async def _upgrade_then_status(
    engine: AsyncEngine, revision: str, lock_timeout_s: float | None
) -> tuple[tuple[str, ...], SchemaStatus]:
    from accord.migrate import schema_status, upgrade

    applied = await upgrade(engine, revision, lock_timeout_s=lock_timeout_s)
    return applied, await schema_status(engine)


@app.command("current")
def current_cmd() -> None:
    """Show the database's revision and whether this code can run on it (exit 1 if not).

    A database ahead of the code by additive migrations only is fine (a rolling upgrade)."""
    from accord.migrate import SchemaState, schema_status

    settings = load_settings()
    status = with_engine(settings, schema_status)
    current = ",".join(status.current) or "empty"
    if status.up_to_date:
        typer.echo(f"{current} (head)")
        return
    if status.compatible:
        typer.echo(f"{current} (ahead of head {','.join(status.head)} by additive migrations)")
        return
    if status.state is SchemaState.BEHIND:
        typer.echo(f"{current} (behind head {','.join(status.head)}: run `accord db upgrade`)")
    else:
        typer.echo(status.message)
    raise typer.Exit(1)
