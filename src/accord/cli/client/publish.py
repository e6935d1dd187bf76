"""`accord publish ASSET_FQN SCHEMA_FILE`: publish a contract version.

Exit 0 when published or unchanged, 1 when the change is breaking and a proposal was
opened instead (nothing is live until the consumers approve), 2 on any error.
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
from accord.cli.client._render import awaiting_table, changes_table
from accord.sdk import Asset, PublishResult


def publish(
    asset_fqn: Annotated[str, typer.Argument(help="The asset's fully qualified name.")],
    schema_file: Annotated[Path, typer.Argument(help="JSON or YAML schema.")],
    format: Annotated[FormatChoice, typer.Option("--format", help="Schema format.")] = (
        FormatChoice.auto
    ),
    version: Annotated[
        str | None, typer.Option(help="Semantic version; default: the next one.")
    ] = None,
    environment: EnvironmentOption = "prod",
    guarantees: Annotated[Path | None, typer.Option(help="JSON or YAML guarantees file.")] = None,
    replace_open_proposal: Annotated[
        bool,
        typer.Option(
            "--replace-open-proposal", help="Supersede the asset's open proposal if breaking."
        ),
    ] = False,
    idempotency_key: Annotated[
        str | None, typer.Option(help="Make a retried publish return the first answer.")
    ] = None,
    ref: Annotated[
        list[str] | None,
        typer.Option(
            "--ref",
            metavar="URI=FQN@VERSION",
            help="A registered schema the schema's remote $refs name by URI (repeatable; "
            "FQN@VERSION in ENV: URI=FQN@VERSION@ENV).",
        ),
    ] = None,
    url: UrlOption = None,
    api_key: ApiKeyOption = None,
    as_json: JsonOption = False,
) -> None:
    """Publish SCHEMA_FILE as ASSET_FQN's next contract version."""
    with errors(as_json):
        schema = load_document(schema_file, "schema")
        extra = load_document(guarantees, "guarantees") if guarantees else None
        references = [schema_reference(r) for r in ref or []]
        with connect(url, api_key) as client:
            asset = client.get_asset_by_fqn(asset_fqn, environment)
            result = client.publish(
                asset.id,
                schema,
                format=detect_format(schema, format),
                version=version,
                guarantees=extra,
                replace_open_proposal=replace_open_proposal,
                idempotency_key=idempotency_key,
                references=references,
            )
            waiting = result.proposal.awaiting if result.proposal else []
            names = team_names(client, [a.team_id for a in waiting])
    if as_json:
        # The API's own shape: `version` for published/unchanged, `proposal` otherwise.
        detail = {"version": result.version} if result.version else {"proposal": result.proposal}
        emit_json({"outcome": result.outcome, **detail})
    else:
        _print(asset, result, names)
    if result.outcome == "proposal":
        raise typer.Exit(BREAKING)


def schema_reference(text: str) -> dict[str, str]:
    """``URI=FQN@VERSION`` (or ``…@VERSION@ENV``) as the API's reference object."""
    name, sep, target = text.rpartition("=")
    fqn, _, rest = target.partition("@")
    version, _, environment = rest.partition("@")
    if not sep or not name or not fqn or not version:
        raise typer.BadParameter(
            f"{text!r}: give URI=FQN@VERSION, e.g. "
            "https://schemas.example.com/address.json=common.address@1.2.0",
            param_hint="--ref",
        )
    found = {"name": name, "asset": fqn, "version": version}
    return found | ({"environment": environment} if environment else {})


def _print(asset: Asset, result: PublishResult, names: dict[uuid.UUID, str]) -> None:
    out = console()
    where = f"{asset.fqn} ({asset.environment})"
    if result.version is not None:
        verb = "published" if result.outcome == "published" else "unchanged:"
        out.print(f"{verb} {where} {result.version.version}")
        return
    assert result.proposal is not None
    p = result.proposal
    out.print(
        f"proposal {p.id} opened: {where} change is breaking against {p.base_version}; "
        f"waiting on {len(p.awaiting)} consumer team(s)"
    )
    out.print(changes_table(f"breaking changes ({len(p.breaking_changes)})", p.breaking_changes))
    if p.awaiting:
        out.print(awaiting_table(p.awaiting, names))
