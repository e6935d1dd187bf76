"""`accord assets create|list|show`: declare and browse assets."""

from __future__ import annotations

from itertools import islice
from typing import Annotated

import typer
from rich.table import Table

from accord.cli.client._common import (
    ApiKeyOption,
    EnvironmentOption,
    JsonOption,
    UrlOption,
    connect,
    console,
    emit_json,
    errors,
    my_team,
    resolve_team,
    team_names,
)
from accord.sdk import AnnotationPolicy, AssetKind, Compatibility, ContentModel, Dialect

app = typer.Typer(help="Declare and browse assets.", no_args_is_help=True)


@app.command("create")
def create(
    fqn: Annotated[str, typer.Argument(help="Fully qualified name, e.g. warehouse.sales.orders.")],
    owner_team: Annotated[
        str | None, typer.Option(help="Owner team id or name; default: the key's team.")
    ] = None,
    environment: EnvironmentOption = "prod",
    kind: Annotated[AssetKind, typer.Option(help="Kind.")] = "table",
    compatibility: Annotated[
        Compatibility | None, typer.Option(help="Policy (default: the server's, forward).")
    ] = None,
    content_model: Annotated[ContentModel | None, typer.Option(help="Content model.")] = None,
    dialect: Annotated[
        Dialect | None,
        typer.Option(help="JSON Schema draft of schemas with no $schema (default: inferred)."),
    ] = None,
    annotations: Annotated[
        AnnotationPolicy | None,
        typer.Option(
            help="assert: format/contentEncoding/contentMediaType changes can break "
            "(default); annotate: reported only (admin)."
        ),
    ] = None,
    description: Annotated[str, typer.Option(help="Free text.")] = "",
    tag: Annotated[list[str] | None, typer.Option("--tag", help="A tag (repeatable).")] = None,
    url: UrlOption = None,
    api_key: ApiKeyOption = None,
    as_json: JsonOption = False,
) -> None:
    """Declare an asset owned by a team."""
    with errors(as_json), connect(url, api_key) as client:
        owner = my_team(client, owner_team, "--owner-team")
        asset = client.create_asset(
            fqn,
            owner,
            environment=environment,
            kind=kind,
            compatibility=compatibility,
            content_model=content_model,
            dialect=dialect,
            annotations=annotations,
            description=description,
            tags=tag or None,
        )
    if as_json:
        emit_json(asset)
    else:
        console().print(f"created {asset.fqn} ({asset.environment}) {asset.id}")


@app.command("list")
def list_assets(
    query: Annotated[
        str | None, typer.Option("--query", "-q", help="Search fqn/description.")
    ] = None,
    environment: Annotated[str | None, typer.Option("--environment", "-e")] = None,
    owner_team: Annotated[str | None, typer.Option(help="Owner team id or name.")] = None,
    kind: Annotated[AssetKind | None, typer.Option(help="Kind.")] = None,
    tag: Annotated[str | None, typer.Option(help="Only assets with this tag.")] = None,
    limit: Annotated[int, typer.Option(min=1, help="At most this many assets.")] = 100,
    url: UrlOption = None,
    api_key: ApiKeyOption = None,
    as_json: JsonOption = False,
) -> None:
    """List assets, oldest first."""
    with errors(as_json), connect(url, api_key) as client:
        owner = resolve_team(client, owner_team) if owner_team else None
        found = client.paginate(
            client.list_assets,
            q=query,
            environment=environment,
            owner_team_id=owner,
            kind=kind,
            tag=tag,
            limit=min(limit, 500),
        )
        assets = list(islice(found, limit))
        names = {} if as_json else team_names(client, [a.owner_team_id for a in assets])
    if as_json:
        emit_json(assets)
        return
    table = Table(show_edge=False)
    for name in ("fqn", "env", "kind", "policy", "owner", "id"):
        table.add_column(name, overflow="fold")
    for a in assets:
        owner_name = names.get(a.owner_team_id, str(a.owner_team_id))
        table.add_row(a.fqn, a.environment, a.kind, a.compatibility, owner_name, str(a.id))
    console().print(table)


@app.command("show")
def show(
    fqn: Annotated[str, typer.Argument(help="The asset's fully qualified name.")],
    environment: EnvironmentOption = "prod",
    url: UrlOption = None,
    api_key: ApiKeyOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show an asset and its versions."""
    with errors(as_json), connect(url, api_key) as client:
        asset = client.get_asset_by_fqn(fqn, environment)
        versions = list(client.paginate(client.list_versions, asset.id, limit=500))
        owner = team_names(client, [asset.owner_team_id])[asset.owner_team_id]
    if as_json:
        emit_json({"asset": asset, "versions": versions})
        return
    out = console()
    out.print(f"{asset.fqn} ({asset.environment})  {asset.id}")
    out.print(
        f"  kind {asset.kind}, owner {owner}, policy {asset.compatibility}, "
        f"content model {asset.content_model}"
        + (f", dialect {asset.dialect}" if asset.dialect else "")
        + (", annotations not asserted" if asset.annotations == "annotate" else "")
    )
    if asset.description:
        out.print(f"  {asset.description}")
    if asset.tags:
        out.print(f"  tags: {', '.join(asset.tags)}")
    table = Table(title=f"versions ({len(versions)})", title_justify="left", show_edge=False)
    for name in ("version", "format", "published", "via proposal", "hash"):
        table.add_column(name, overflow="fold")
    for v in versions:
        via = str(v.proposal_id) if v.proposal_id else ""
        when = v.created_at.strftime("%Y-%m-%d %H:%M")
        table.add_row(v.version, v.format, when, via, v.content_hash[:12])
    out.print(table)
