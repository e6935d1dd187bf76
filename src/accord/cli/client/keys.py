"""`accord keys list|create|revoke`: API keys; a new key's secret is shown once."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated

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
    resolve_team,
    team_names,
)
from accord.cli.client._time import parse_duration, when
from accord.sdk import ApiKey, Client, Scope

app = typer.Typer(help="API keys: create (shown once), list, revoke.", no_args_is_help=True)


class KeyScope(StrEnum):
    read = "read"
    write = "write"
    admin = "admin"


def all_keys(client: Client, include_revoked: bool = False) -> list[ApiKey]:
    """Every key the caller may see (admin: the workspace's; else its team's)."""
    return list(client.paginate(client.list_api_keys, include_revoked=include_revoked, limit=500))


def resolve_key(client: Client, value: str) -> ApiKey:
    """A live key by id, unique id prefix (4+ characters) or name."""
    return pick(value, all_keys(client), "API key", lambda k: k.id, lambda k: k.name)


def _status(key: ApiKey, now: datetime) -> str:
    if key.revoked_at is not None:
        return "revoked"
    if key.expires_at is not None and key.expires_at <= now:
        return "expired"
    return "active"


@app.command("list")
def list_keys(
    team: Annotated[str | None, typer.Option(help="Only this team's keys (id or name).")] = None,
    include_revoked: Annotated[
        bool, typer.Option("--include-revoked", help="Also list revoked keys.")
    ] = False,
    url: UrlOption = None,
    api_key: ApiKeyOption = None,
    profile: ProfileOption = None,
    as_json: JsonOption = False,
) -> None:
    """List API keys (admin: the workspace's; a team key: its team's). Never the secrets."""
    with errors(as_json), connect(url, api_key, profile) as client:
        keys = all_keys(client, include_revoked)
        if team:
            team_id = resolve_team(client, team)
            keys = [k for k in keys if k.team_id == team_id]
        names = {} if as_json else team_names(client, [k.team_id for k in keys if k.team_id])
    if as_json:
        emit_json(keys)
        return
    if not keys:
        console().print("no API keys")
        return
    now = datetime.now(UTC)
    table = Table(show_edge=False)
    for name in ("name", "team", "scopes", "prefix", "status", "expires", "last used", "id"):
        table.add_column(name, overflow="fold")
    for k in keys:
        owner = names.get(k.team_id, str(k.team_id)) if k.team_id else "(workspace admin)"
        table.add_row(
            k.name, owner, ",".join(k.scopes), k.prefix, _status(k, now),
            when(k.expires_at, "never"), when(k.last_used_at, "never"), str(k.id),
        )  # fmt: skip
    console().print(table)


@app.command("create")
def create(
    scope: Annotated[
        list[KeyScope], typer.Option("--scope", help="read, write or admin (repeatable).")
    ],
    team: Annotated[
        str | None,
        typer.Option(
            help="The team the key acts for (id or name); omit for a workspace-admin key."
        ),
    ] = None,
    name: Annotated[str | None, typer.Option(help="A name to recognise it by.")] = None,
    expires_in: Annotated[
        str | None, typer.Option(help="Lifetime, e.g. 90m, 12h, 30d; default: no expiry.")
    ] = None,
    url: UrlOption = None,
    api_key: ApiKeyOption = None,
    profile: ProfileOption = None,
    as_json: JsonOption = False,
) -> None:
    """Issue an API key. Its secret is printed this once: store it now."""
    with errors(as_json), connect(url, api_key, profile) as client:
        lifetime = parse_duration(expires_in, "--expires-in") if expires_in else None
        team_id = resolve_team(client, team) if team else None
        team_name = team_names(client, [team_id])[team_id] if team_id else None
        expires_at = datetime.now(UTC) + lifetime if lifetime else None
        scopes: list[Scope] = [s.value for s in KeyScope if s in scope]
        label = name or f"{team_name or 'admin'}-{'-'.join(scopes)}"
        created = client.create_api_key(label, scopes, team_id=team_id, expires_at=expires_at)
    if as_json:
        emit_json(created)
        return
    owner = f"team {team_name}" if team_name else "the workspace (admin)"
    expiry = f", expires {when(created.expires_at)} UTC" if created.expires_at else ""
    out = console()
    out.print(
        f"created key {created.name!r} {created.id} for {owner} "
        f"({', '.join(created.scopes)}{expiry})",
        markup=False,
    )
    typer.echo(created.key)
    out.print("this is the only time the key is shown: store it now (e.g. in a secret manager)")


@app.command("revoke")
def revoke(
    key: Annotated[str, typer.Argument(help="The key: its id, a unique id prefix, or its name.")],
    url: UrlOption = None,
    api_key: ApiKeyOption = None,
    profile: ProfileOption = None,
    as_json: JsonOption = False,
) -> None:
    """Revoke a key at once (and the keys it issued)."""
    with errors(as_json), connect(url, api_key, profile) as client:
        try:
            key_id = uuid.UUID(key)
        except ValueError:
            key_id = resolve_key(client, key).id
        client.revoke_api_key(key_id)
        revoked = next((k for k in all_keys(client, True) if k.id == key_id), None)
    if as_json:
        emit_json(revoked or {"id": str(key_id)})
        return
    label = f"{revoked.name!r} " if revoked else ""
    console().print(f"revoked key {label}{key_id}", markup=False)
