"""`accord check ASSET_FQN SCHEMA_FILE`: would this schema publish? For CI.

Exit 0 when it would publish (or is unchanged), 1 when it would open a proposal (the
breaking changes and the affected consumers are printed), 2 on any error. Nothing is
written on the server: this is the impact dry run.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Annotated

import typer

from accord.cli.client._common import (
    BREAKING,
    ApiKeyOption,
    EnvironmentOption,
    JsonOption,
    UrlOption,
    connect,
    console,
    emit_json,
    errors,
    team_names,
)
from accord.cli.client._files import FormatChoice, detect_format, load_document
from accord.cli.client._render import print_breaking
from accord.sdk import Asset, Impact


def check(
    asset_fqn: Annotated[str, typer.Argument(help="The asset's fully qualified name.")],
    schema_file: Annotated[Path, typer.Argument(help="JSON or YAML schema.")],
    format: Annotated[FormatChoice, typer.Option("--format", help="Schema format.")] = (
        FormatChoice.auto
    ),
    version: Annotated[str | None, typer.Option(help="Version you intend to publish.")] = None,
    environment: EnvironmentOption = "prod",
    guarantees: Annotated[Path | None, typer.Option(help="JSON or YAML guarantees file.")] = None,
    url: UrlOption = None,
    api_key: ApiKeyOption = None,
    as_json: JsonOption = False,
) -> None:
    """Check SCHEMA_FILE against ASSET_FQN's policy without publishing it."""
    with errors(as_json):
        schema = load_document(schema_file, "schema")
        extra = load_document(guarantees, "guarantees") if guarantees else None
        with connect(url, api_key) as client:
            asset = client.get_asset_by_fqn(asset_fqn, environment)
            fmt = detect_format(schema, format)
            impact = client.impact(asset.id, schema, format=fmt, version=version, guarantees=extra)
            names = team_names(client, [r.team_id for r in impact.affected_registrations])
    if as_json:
        emit_json({"asset": _asset_ref(asset), **impact.model_dump(mode="json")})
    else:
        _print(asset, impact, names)
    if impact.outcome == "proposal":
        raise typer.Exit(BREAKING)


def _asset_ref(asset: Asset) -> dict[str, str]:
    return {"id": str(asset.id), "fqn": asset.fqn, "environment": asset.environment}


def _print(asset: Asset, impact: Impact, names: dict[uuid.UUID, str]) -> None:
    out = console()
    where = f"{asset.fqn} ({asset.environment})"
    policy = asset.compatibility
    if impact.outcome == "unchanged":
        out.print(f"ok: {where} is unchanged (identical to {impact.version})")
    elif impact.outcome == "published":
        base = f"compatible with {impact.base_version}" if impact.base_version else "first version"
        out.print(f"ok: {where}: {base} under {policy}; would publish {impact.version}")
    else:
        out.print(
            f"BREAKING: {where} under {policy} against {impact.base_version}: "
            f"publishing would open a proposal (next version {impact.version})"
        )
        print_breaking(out, impact.breaking_changes, impact.affected_registrations, names)
