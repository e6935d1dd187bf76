"""`accord register ASSET`: declare that a consumer team reads an asset (the short form
of `accord registrations create`)."""

from __future__ import annotations

from typing import Annotated

import typer

from accord.cli.client._common import (
    ApiKeyOption,
    EnvironmentOption,
    JsonOption,
    ProfileOption,
    UrlOption,
    connect,
    console,
    emit_json,
    errors,
    my_team,
    resolve_asset,
    team_names,
)


def _fields(value: str | None) -> list[str] | None:
    if value is None:
        return None
    return [f.strip() for f in value.split(",") if f.strip()]


def register(
    asset_fqn: Annotated[str, typer.Argument(help="The asset: its FQN or id.")],
    team: Annotated[
        str | None, typer.Option(help="Consumer team id or name; default: the key's team.")
    ] = None,
    fields: Annotated[
        str | None, typer.Option(help="Comma-separated fields read; default: all of them.")
    ] = None,
    version_range: Annotated[
        str | None, typer.Option(help="Versions read, e.g. '^1.2.0' or '>=1.0.0 <3.0.0'.")
    ] = None,
    note: Annotated[str, typer.Option(help="Free text, e.g. the dashboard that reads it.")] = "",
    environment: EnvironmentOption = "prod",
    url: UrlOption = None,
    api_key: ApiKeyOption = None,
    profile: ProfileOption = None,
    as_json: JsonOption = False,
) -> None:
    """Register TEAM as a consumer of the asset: it is asked before breaking changes ship."""
    with errors(as_json), connect(url, api_key, profile) as client:
        asset = resolve_asset(client, asset_fqn, environment)
        team_id = my_team(client, team, "--team")
        reg = client.create_registration(
            asset.id, team_id, fields=_fields(fields), version_range=version_range, note=note
        )
        name = team_names(client, [team_id])[team_id] if not as_json else ""
    if as_json:
        emit_json(reg)
        return
    what = ", ".join(reg.fields) if reg.fields else "all fields"
    console().print(
        f"registered {name} on {asset.fqn} ({asset.environment}): {what}"
        f"{f', versions {reg.version_range}' if reg.version_range else ''}  {reg.id}"
    )
