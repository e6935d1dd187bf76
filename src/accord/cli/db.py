"""`accord db upgrade|current`: schema migrations."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from accord.cli._common import load_settings, with_engine

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine

app = typer.Typer(help="Database schema migrations.", no_args_is_help=True)


@app.command("upgrade")
def upgrade_cmd(revision: str = typer.Argument("head", help="Target revision.")) -> None:
    """Apply migrations up to REVISION (default: the latest)."""
    settings = load_settings()
    status = with_engine(settings, lambda e: _upgrade_then_status(e, revision))
    typer.echo(f"database at {','.join(status) or 'empty'}")


async def _upgrade_then_status(engine: AsyncEngine, revision: str) -> tuple[str, ...]:
    from accord.migrate import schema_status, upgrade

    await upgrade(engine, revision)
    return (await schema_status(engine)).current


@app.command("current")
def current_cmd() -> None:
    """Show the database's revision and whether it is at the code's head (exit 1 if not)."""
    from accord.migrate import schema_status

    settings = load_settings()
    status = with_engine(settings, schema_status)
    current = ",".join(status.current) or "empty"
    if status.up_to_date:
        typer.echo(f"{current} (head)")
        return
    typer.echo(f"{current} (behind head {','.join(status.head)}: run `accord db upgrade`)")
    raise typer.Exit(1)
