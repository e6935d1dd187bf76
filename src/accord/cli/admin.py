"""`accord admin ...`: operator commands that talk to the database directly."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from accord.cli._common import fail, load_settings, with_engine
from accord.cli.exit_codes import STARTUP_FAILED

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine

BOOTSTRAP_WORKSPACE = "default"

app = typer.Typer(help="Operator commands.", no_args_is_help=True)


@app.command("bootstrap")
def bootstrap(
    workspace: str = typer.Option(BOOTSTRAP_WORKSPACE, help="Workspace to create or use."),
) -> None:
    """Create WORKSPACE if needed and print a new workspace-admin key (shown once)."""
    from accord.api_key import service as api_key_service
    from accord.auth.principal import SYSTEM_ACTOR, Scope
    from accord.db import create_sessionmaker, session_scope
    from accord.exceptions import AccordError
    from accord.kit.crypto import generate_api_key
    from accord.migrate import schema_status
    from accord.workspace import service as workspace_service

    settings = load_settings()

    async def _go(engine: AsyncEngine) -> str:
        status = await schema_status(engine)
        if not status.compatible:
            fail(status.message, STARTUP_FAILED)
        raw = generate_api_key()
        async with session_scope(create_sessionmaker(engine)) as session:
            ws, _ = await workspace_service.get_or_create(session, workspace)
            await api_key_service.insert_key(
                session,
                workspace_id=ws.id,
                actor=SYSTEM_ACTOR,
                raw_key=raw,
                pepper=settings.issuing_pepper,
                name="bootstrap-admin",
                team_id=None,
                scopes=[Scope.admin.value],
            )
        return raw

    try:
        key = with_engine(settings, _go)
    except AccordError as exc:
        fail(exc.detail)
    typer.echo(f"workspace: {workspace}", err=True)
    typer.echo("admin key (shown once, store it now):", err=True)
    typer.echo(key)


@app.command("generate-key")
def generate_key() -> None:
    """Print a fresh, well-formed key without storing it (for ACCORD_BOOTSTRAP_ADMIN_KEY)."""
    from accord.kit.crypto import generate_api_key

    typer.echo(generate_api_key())


@app.command("peppers")
def peppers(
    list_: bool = typer.Option(
        False, "--list", help="Also list the keys and webhooks not on the issuing pepper."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """How far a key-pepper rotation got: per configured pepper, the live API keys and
    webhooks that depend on it (docs/runbooks/pepper-rotation.md). An old pepper may be
    removed once both its counts are 0."""
    import json

    from accord.cli._peppers import gather, render

    settings = load_settings()

    async def _go(engine: AsyncEngine) -> dict[str, object]:
        from accord.migrate import schema_status

        status = await schema_status(engine)
        if not status.compatible:
            fail(status.message, STARTUP_FAILED)
        return await gather(settings, engine, with_lists=list_)

    report = with_engine(settings, _go)
    if as_json:
        typer.echo(json.dumps(report, indent=2))
    else:
        typer.echo(render(report))
