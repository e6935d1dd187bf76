"""`accord lineage ASSET`: the assets downstream (what reads it) or upstream (what it
reads), nearest first, with their owners and consumers by name."""

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
    resolve_asset,
)
from accord.cli.client._render import reached_table
from accord.sdk import LineageDirection


def lineage(
    asset_fqn: Annotated[str, typer.Argument(help="The asset: its FQN or id.")],
    upstream: Annotated[
        bool,
        typer.Option(
            "--upstream/--downstream", help="What it reads, or what reads it (the default)."
        ),
    ] = False,
    depth: Annotated[
        int | None, typer.Option(min=1, help="Follow this many edges (server default).")
    ] = None,
    environment: EnvironmentOption = "prod",
    url: UrlOption = None,
    api_key: ApiKeyOption = None,
    profile: ProfileOption = None,
    as_json: JsonOption = False,
) -> None:
    """List the assets reachable from ASSET along lineage edges."""
    direction: LineageDirection = "upstream" if upstream else "downstream"
    with errors(as_json), connect(url, api_key, profile) as client:
        asset = resolve_asset(client, asset_fqn, environment)
        first = client.get_lineage(asset.id, direction=direction, depth=depth, limit=500)
        reached = list(first.items)
        cursor = first.next_cursor
        while cursor is not None:
            page = client.get_lineage(
                asset.id, direction=direction, depth=depth, limit=500, cursor=cursor
            )
            reached += page.items
            cursor = page.next_cursor
    if as_json:
        emit_json(
            {"asset_id": str(asset.id), "direction": first.direction, "depth": first.depth,
             "total": first.total, "items": reached}
        )  # fmt: skip
        return
    out = console()
    where = f"{asset.fqn} ({asset.environment})"
    if not reached:
        out.print(f"no {direction} assets of {where} within {first.depth} edge(s)")
        return
    title = f"{direction} of {where} ({first.total}, within {first.depth} edges)"
    out.print(reached_table(title, reached))
