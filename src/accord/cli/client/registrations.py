"""`accord registrations list|create|delete`: which team reads which asset, and which
fields. `accord register` is the short form of `create`."""

from __future__ import annotations

import uuid
from itertools import islice
from typing import Annotated

import typer
from rich.table import Table

from accord.cli.client._common import (
    ApiKeyOption,
    EnvironmentOption,
    InputError,
    JsonOption,
    ProfileOption,
    UrlOption,
    connect,
    console,
    emit_json,
    errors,
    my_team,
    pick,
    resolve_asset,
    resolve_team,
    team_names,
)
from accord.cli.client.register import register
from accord.sdk import Client, NotFoundError, Registration

app = typer.Typer(
    help="Consumer registrations: which team reads which asset, and which fields.",
    no_args_is_help=True,
)
app.command("create")(register)

AssetOption = Annotated[str | None, typer.Option("--asset", help="The asset: FQN or id.")]
TeamOption = Annotated[str | None, typer.Option("--team", help="The team: name or id.")]


def _asset_labels(client: Client, regs: list[Registration]) -> dict[uuid.UUID, str]:
    labels: dict[uuid.UUID, str] = {}
    for asset_id in {r.asset_id for r in regs}:
        try:
            asset = client.get_asset(asset_id)
        except NotFoundError:
            labels[asset_id] = str(asset_id)
            continue
        labels[asset_id] = f"{asset.fqn} ({asset.environment})"
    return labels


@app.command("list")
def list_registrations(
    asset: AssetOption = None,
    team: TeamOption = None,
    environment: EnvironmentOption = "prod",
    limit: Annotated[int, typer.Option(min=1, help="At most this many.")] = 100,
    url: UrlOption = None,
    api_key: ApiKeyOption = None,
    profile: ProfileOption = None,
    as_json: JsonOption = False,
) -> None:
    """List registrations, by asset and/or consumer team."""
    with errors(as_json), connect(url, api_key, profile) as client:
        asset_id = resolve_asset(client, asset, environment).id if asset else None
        team_id = resolve_team(client, team) if team else None
        found = client.paginate(
            client.list_registrations, asset_id=asset_id, team_id=team_id, limit=min(limit, 500)
        )
        regs = list(islice(found, limit))
        labels = {} if as_json else _asset_labels(client, regs)
        names = {} if as_json else team_names(client, [r.team_id for r in regs])
    if as_json:
        emit_json(regs)
        return
    if not regs:
        console().print("no registrations")
        return
    table = Table(show_edge=False)
    for name in ("asset", "team", "fields", "versions", "note", "id"):
        table.add_column(name, overflow="fold")
    for r in regs:
        fields = ", ".join(r.fields) if r.fields else "(all)"
        table.add_row(
            labels[r.asset_id], names[r.team_id], fields, r.version_range or "any", r.note,
            str(r.id),
        )  # fmt: skip
    console().print(table)


@app.command("delete")
def delete(
    registration: Annotated[
        str | None,
        typer.Argument(help="The registration's id or a unique id prefix (or use --asset)."),
    ] = None,
    asset: AssetOption = None,
    team: Annotated[
        str | None,
        typer.Option("--team", help="With --asset: the consumer team; default: the key's team."),
    ] = None,
    environment: EnvironmentOption = "prod",
    url: UrlOption = None,
    api_key: ApiKeyOption = None,
    profile: ProfileOption = None,
    as_json: JsonOption = False,
) -> None:
    """Remove a registration: the team is no longer asked before breaking changes ship."""
    with errors(as_json), connect(url, api_key, profile) as client:
        reg = _find(client, registration, asset, team, environment)
        client.delete_registration(reg.id)
        label = _asset_labels(client, [reg])[reg.asset_id]
        name = team_names(client, [reg.team_id])[reg.team_id]
    if as_json:
        emit_json(reg)
        return
    console().print(f"deleted registration {reg.id}: {name} on {label}")


def _find(
    client: Client, value: str | None, asset: str | None, team: str | None, environment: str
) -> Registration:
    if (value is None) == (asset is None):
        raise InputError("give a registration id, or --asset (with --team for another team)")
    if asset is None:
        assert value is not None
        regs = list(client.paginate(client.list_registrations, limit=500))
        return pick(value, regs, "registration", lambda r: r.id, lambda r: None)
    asset_id = resolve_asset(client, asset, environment).id
    team_id = my_team(client, team, "--team")
    found = list(client.paginate(client.list_registrations, asset_id=asset_id, team_id=team_id))
    if not found:
        raise InputError(f"no registration of that team on {asset}")
    return found[0]
