"""`accord assets create|list|show|restore`: declare, browse and restore assets."""

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
    resolve_asset,
    resolve_team,
    suggestion,
    team_names,
)
from accord.sdk import (
    AnnotationPolicy,
    AssetKind,
    Client,
    Compatibility,
    ContentModel,
    Dialect,
)

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
    profile: ProfileOption = None,
    as_json: JsonOption = False,
) -> None:
    """Declare an asset owned by a team."""
    with errors(as_json), connect(url, api_key, profile) as client:
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
    profile: ProfileOption = None,
    as_json: JsonOption = False,
) -> None:
    """List assets, oldest first."""
    with errors(as_json), connect(url, api_key, profile) as client:
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
    if not assets:
        where = f" in {environment}" if environment else ""
        filtered = " match these filters" if any((query, owner, kind, tag)) else ""
        console().print(f"no assets{where}{filtered}", markup=False)
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
    fqn: Annotated[str, typer.Argument(help="The asset: its FQN or id.")],
    environment: EnvironmentOption = "prod",
    url: UrlOption = None,
    api_key: ApiKeyOption = None,
    profile: ProfileOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show an asset and its versions."""
    with errors(as_json), connect(url, api_key, profile) as client:
        asset = resolve_asset(client, fqn, environment)
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


@app.command("restore")
def restore(
    asset: Annotated[str, typer.Argument(help="The deleted asset: its FQN or id.")],
    environment: EnvironmentOption = "prod",
    url: UrlOption = None,
    api_key: ApiKeyOption = None,
    profile: ProfileOption = None,
    as_json: JsonOption = False,
) -> None:
    """Bring a soft-deleted asset back, with its versions and history (admin)."""
    with errors(as_json), connect(url, api_key, profile) as client:
        restored = client.restore_asset(_deleted_id(client, asset, environment))
    if as_json:
        emit_json(restored)
        return
    console().print(f"restored {restored.fqn} ({restored.environment}) {restored.id}")


def _deleted_id(client: Client, value: str, environment: str) -> uuid.UUID:
    """A deleted asset's id: given, or the most recently deleted asset with this FQN (the
    audit log remembers what deleted assets were called; reading it needs admin, as the
    restore does)."""
    try:
        return uuid.UUID(value)
    except ValueError:
        pass
    try:
        live = resolve_asset(client, value, environment)
    except InputError:
        pass
    else:
        raise InputError(f"{live.fqn} ({live.environment}) is not deleted: it is {live.id}")
    seen: list[str] = []
    for event in client.paginate(
        client.list_audit_events, entity_type="asset", action="asset.deleted", limit=500
    ):
        before = event.before or {}
        fqn, env = str(before.get("fqn", "")), str(before.get("environment", ""))
        if fqn.casefold() == value.casefold() and env == environment:
            return uuid.UUID(event.entity_id)
        seen.append(fqn)
    hint = suggestion(value, seen)
    raise InputError(f"no deleted asset {value!r} in environment {environment!r}{hint}")
