"""`accord versions list|show`: the published contract versions of an asset."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table

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
    resolve_asset,
)

app = typer.Typer(help="Published contract versions of an asset.", no_args_is_help=True)

AssetArg = Annotated[str, typer.Argument(help="The asset: its FQN or id.")]


@app.command("list")
def list_versions(
    asset_fqn: AssetArg,
    environment: EnvironmentOption = "prod",
    url: UrlOption = None,
    api_key: ApiKeyOption = None,
    profile: ProfileOption = None,
    as_json: JsonOption = False,
) -> None:
    """List an asset's versions in publish order."""
    with errors(as_json), connect(url, api_key, profile) as client:
        asset = resolve_asset(client, asset_fqn, environment)
        versions = list(client.paginate(client.list_versions, asset.id, limit=500))
    if as_json:
        emit_json(versions)
        return
    out = console()
    where = f"{asset.fqn} ({asset.environment})"
    if not versions:
        out.print(f"no versions of {where}")
        return
    table = Table(title=f"{where}: {len(versions)} version(s)", title_justify="left",
                  show_edge=False)  # fmt: skip
    for name in ("version", "format", "published", "via proposal", "hash"):
        table.add_column(name, overflow="fold")
    for v in versions:
        via = str(v.proposal_id) if v.proposal_id else ""
        when = v.created_at.strftime("%Y-%m-%d %H:%M")
        table.add_row(v.version, v.format, when, via, v.content_hash[:12])
    out.print(table)


@app.command("show")
def show(
    asset_fqn: AssetArg,
    version: Annotated[str, typer.Argument(help="The version, e.g. 1.2.0.")],
    environment: EnvironmentOption = "prod",
    url: UrlOption = None,
    api_key: ApiKeyOption = None,
    profile: ProfileOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show one version: its schema, guarantees, references and content hash."""
    with errors(as_json), connect(url, api_key, profile) as client:
        asset = resolve_asset(client, asset_fqn, environment)
        v = client.get_version(asset.id, version)
    if as_json:
        emit_json(v)
        return
    out = console()
    out.print(f"{asset.fqn} ({asset.environment}) {v.version}  {v.id}")
    when = v.created_at.strftime("%Y-%m-%d %H:%M")
    via = f", via proposal {v.proposal_id}" if v.proposal_id else ""
    out.print(f"  format {v.format}, published {when}{via}", markup=False)
    out.print(f"  hash {v.content_hash}")
    out.print("schema:")
    out.print(json.dumps(v.schema_, indent=2, ensure_ascii=False), markup=False)
    if v.guarantees:
        out.print("guarantees:")
        out.print(json.dumps(v.guarantees, indent=2, ensure_ascii=False), markup=False)
    else:
        out.print("guarantees: none")
    for ref in v.references:
        out.print(f"reference: {json.dumps(ref, ensure_ascii=False)}", markup=False)
