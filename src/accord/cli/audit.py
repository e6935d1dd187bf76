"""`accord audit list|verify`: the hash-chained audit ledger.

Both ask the server (``--url``/``--api-key``/``--profile``, like every client command).
``verify --database-url URL`` recomputes the chain straight from a database instead, for
when the server is down or not trusted; that path loads the server code, only then.
"""

from __future__ import annotations

import uuid
from itertools import islice
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from accord.cli.client._common import (
    ApiKeyOption,
    JsonOption,
    ProfileOption,
    UrlOption,
    connect,
    console,
    emit_json,
    errors,
    pick,
)
from accord.cli.client._time import parse_since, when
from accord.cli.client.keys import all_keys
from accord.cli.errors import fail
from accord.cli.exit_codes import BREAKING
from accord.sdk import APIError, AuditEvent, AuditVerification, Client

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine

    from accord.audit.schemas import VerifyResult

app = typer.Typer(
    help="The audit ledger: list events, verify the hash chain.", no_args_is_help=True
)


def _key_names(client: Client) -> dict[str, str]:
    """Key id -> name, for the keys this caller may see (none without permission)."""
    try:
        return {str(k.id): k.name for k in all_keys(client, include_revoked=True)}
    except APIError:
        return {}


def _actor_id(client: Client, value: str) -> str:
    """``--actor``: a key id, or a key's name or unique id prefix."""
    try:
        return str(uuid.UUID(value))
    except ValueError:
        pass
    keys = all_keys(client, include_revoked=True)
    return str(pick(value, keys, "API key", lambda k: k.id, lambda k: k.name).id)


def _entity(event: AuditEvent) -> str:
    """``team analytics``: the type and, when the event carries one, the name."""
    state: dict[str, Any] = event.after or event.before or {}
    name = state.get("fqn") or state.get("name") or state.get("url")
    return f"{event.entity_type} {name}" if isinstance(name, str) else event.entity_type


def _actor(event: AuditEvent, names: dict[str, str]) -> str:
    if event.actor_id is None:
        return event.actor_type
    name = names.get(event.actor_id)
    return f"{name} ({event.actor_id})" if name else f"{event.actor_type} {event.actor_id}"


@app.command("list")
def list_events(
    actor: Annotated[
        str | None, typer.Option(help="Only what this API key did (id, name or id prefix).")
    ] = None,
    action: Annotated[str | None, typer.Option(help="Only this action, e.g. team.created.")] = None,
    entity_type: Annotated[
        str | None, typer.Option(help="Only events about this kind of object, e.g. asset.")
    ] = None,
    entity_id: Annotated[str | None, typer.Option(help="Only events about this object.")] = None,
    since: Annotated[
        str | None, typer.Option(help="Only since then: 24h, 7d, or a date (2025-01-31).")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, help="At most this many, newest first.")] = 50,
    url: UrlOption = None,
    api_key: ApiKeyOption = None,
    profile: ProfileOption = None,
    as_json: JsonOption = False,
) -> None:
    """List audit events, newest first."""
    with errors(as_json), connect(url, api_key, profile) as client:
        moment = parse_since(since) if since else None
        actor_id = _actor_id(client, actor) if actor else None
        pages = client.paginate(
            client.list_audit_events,
            actor_id=actor_id,
            action=action,
            entity_type=entity_type,
            entity_id=entity_id,
            since=moment,
            limit=min(limit, 500),
        )
        events = list(islice(pages, limit))
        names = {} if as_json or not events else _key_names(client)
    if as_json:
        emit_json(events)
        return
    if not events:
        console().print("no audit events")
        return
    table = Table(show_edge=False)
    for name in ("seq", "when", "actor", "action", "entity", "entity id"):
        table.add_column(name, overflow="fold")
    for e in events:
        table.add_row(
            str(e.seq), when(e.occurred_at), _actor(e, names), e.action, _entity(e), e.entity_id
        )
    console().print(table, markup=False)


@app.command("verify")
def verify(
    database_url: Annotated[
        str | None,
        typer.Option(
            "--database-url",
            help="Verify straight from this database (SQLAlchemy URL) instead of asking "
            "the server, e.g. sqlite+aiosqlite:////var/lib/accord/accord.db.",
        ),
    ] = None,
    workspace: Annotated[
        str | None,
        typer.Option(help="With --database-url: the workspace (default: 'default')."),
    ] = None,
    url: UrlOption = None,
    api_key: ApiKeyOption = None,
    profile: ProfileOption = None,
    as_json: JsonOption = False,
) -> None:
    """Recompute the hash chain: exit 0 when intact, 1 at the first bad position.

    Asks the server (admin key; the key's workspace), or reads a database directly with
    --database-url."""
    result: AuditVerification | VerifyResult
    if database_url is None:
        if workspace is not None:
            fail(
                "--workspace goes with --database-url: a server verifies the workspace "
                "of the API key",
                as_json=as_json,
            )
        with errors(as_json), connect(url, api_key, profile) as client:
            result = client.verify_audit()
    else:
        result = _verify_local(database_url, workspace or "default", as_json)
    _report(result, as_json)


def _report(result: AuditVerification | VerifyResult, as_json: bool) -> None:
    if as_json:
        emit_json(result)
    elif result.ok:
        typer.echo(f"ok: {result.checked} events verified, head {result.head_hash[:16]}")
    else:
        assert result.problem is not None
        p = result.problem
        typer.echo(f"TAMPERED at position {p.position}: {p.reason} ({p.detail})")
    if not result.ok:
        raise typer.Exit(BREAKING)


def _verify_local(database_url: str, workspace: str, as_json: bool) -> VerifyResult:
    from accord.cli._common import load_settings, with_engine

    _refuse_missing_file(database_url, as_json)
    settings = load_settings().model_copy(update={"database_url": database_url})

    async def _go(engine: AsyncEngine) -> VerifyResult | str:
        from sqlalchemy.exc import SQLAlchemyError

        try:
            return await _verify_in(engine, workspace)
        except SQLAlchemyError as exc:
            return str(exc.__cause__ or exc).splitlines()[0][:200]

    from sqlalchemy.exc import SQLAlchemyError

    try:
        result = with_engine(settings, _go)
    except SQLAlchemyError as exc:  # e.g. a driver that is not installed or not async
        result = str(exc).splitlines()[0][:200]
    if isinstance(result, str):
        fail(f"cannot verify {_redacted(database_url)}: {result}", as_json=as_json)
    return result


async def _verify_in(engine: AsyncEngine, workspace: str) -> VerifyResult | str:
    """The chain's verdict, or why there is none (a string)."""
    from accord.audit import service as audit_service
    from accord.db import create_sessionmaker, session_scope
    from accord.migrate import schema_status
    from accord.workspace import service as workspace_service

    status = await schema_status(engine)
    if not status.current:
        return "it holds no Accord tables (is this the right database?)"
    if not status.compatible:
        return status.message
    async with session_scope(create_sessionmaker(engine), write=False) as session:
        ws = await workspace_service.find(session, workspace)
        if ws is None:
            return f"workspace {workspace!r} not found"
        return await audit_service.verify(session, ws.id)


def _redacted(database_url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(database_url).render_as_string(hide_password=True)


def _refuse_missing_file(database_url: str, as_json: bool) -> None:
    """A bad URL, or a SQLite file that is not there (connecting would create it empty)."""
    from pathlib import Path

    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(database_url)
    except ArgumentError:
        fail(
            f"--database-url {database_url!r} is not a database URL "
            "(e.g. sqlite+aiosqlite:////path/accord.db or postgresql+asyncpg://user@host/db)",
            as_json=as_json,
        )
    if parsed.get_backend_name() != "sqlite":
        return
    path = parsed.database
    if not path or path == ":memory:" or not Path(path).is_file():
        fail(f"--database-url: no SQLite database file at {path or '(none)'}", as_json=as_json)
