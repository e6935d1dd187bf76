"""`accord audit verify`: check a workspace's hash chain from the database."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import typer

from accord.cli._common import fail, load_settings, with_engine

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine

    from accord.audit.schemas import VerifyResult

app = typer.Typer(help="The audit ledger.", no_args_is_help=True)


@app.command("verify")
def verify(
    workspace: str = typer.Option("default", help="Workspace to verify."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Recompute the chain; exit 0 when intact, 1 at the first bad position."""
    from accord.audit import service as audit_service
    from accord.db import create_sessionmaker, session_scope
    from accord.workspace import service as workspace_service

    settings = load_settings()

    async def _go(engine: AsyncEngine) -> VerifyResult | None:
        async with session_scope(create_sessionmaker(engine), write=False) as session:
            ws = await workspace_service.find(session, workspace)
            if ws is None:
                return None
            return await audit_service.verify(session, ws.id)

    result = with_engine(settings, _go)
    if result is None:
        fail(f"workspace {workspace!r} not found")
    if as_json:
        typer.echo(json.dumps(result.model_dump(mode="json")))
    elif result.ok:
        typer.echo(f"ok: {result.checked} events verified, head {result.head_hash[:16]}")
    else:
        assert result.problem is not None
        p = result.problem
        typer.echo(f"TAMPERED at position {p.position}: {p.reason} ({p.detail})")
    if not result.ok:
        raise typer.Exit(1)
