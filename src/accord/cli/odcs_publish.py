"""The ODCS commands that talk to the server, through the SDK (loaded only for them):
`accord import odcs FILE --publish ASSET_FQN` sends the imported contract through the normal
publish path (compatible -> version, breaking -> proposal), and `accord export odcs` (the
`export_app` that `accord.cli.odcs` hands out) reads a registered version from the server
that ``--url`` / ``--api-key`` / ``--profile`` name, as for the client commands."""

from __future__ import annotations

from pathlib import Path

import typer
import yaml

from accord.checks import ChecksError, Contract, ContractError, parse_contract
from accord.checks.odcs_export import export_odcs
from accord.cli.client._common import (
    BREAKING,
    ApiKeyOption,
    InputError,
    ProfileOption,
    UrlOption,
    connect,
    errors,
    resolve_team,
)
from accord.cli.errors import fail
from accord.cli.odcs import fail_on, write_out
from accord.sdk import AccordError, Client, NotFoundError

export_app = typer.Typer(help="Export contracts to other formats.", no_args_is_help=True)


@export_app.callback()
def _exports() -> None:
    """Export contracts to other formats."""


@export_app.command("odcs")
def export_command(
    asset: str = typer.Argument(
        ..., help="Accord contract file, or ASSET_FQN\\[@VERSION] of a registered contract."
    ),
    output: Path | None = typer.Option(None, "--output", "-o", help="Write the ODCS YAML here."),
    url: UrlOption = None,
    api_key: ApiKeyOption = None,
    profile: ProfileOption = None,
) -> None:
    """Convert an Accord contract (a file or a registered version) to ODCS v3 YAML.

    A registered version (`fqn`, `fqn@1.2.0`, `fqn:staging@1.2.0`; the newest without a
    version) comes from the server of `--url` / `--api-key` / `--profile`, else
    ACCORD_URL / ACCORD_API_KEY, else the saved profile."""
    from accord.cli.validate import is_contract_file, load_contract_file

    try:
        if is_contract_file(asset):
            contract = load_contract_file(Path(asset))
        else:
            with errors(as_json=False), connect(url, api_key, profile) as client:
                contract = registered(client, asset)
    except ChecksError as exc:
        raise fail_on(exc) from None
    write_out(yaml.safe_dump(export_odcs(contract), sort_keys=False, allow_unicode=True), output)


def registered(client: Client, spec: str) -> Contract:
    """The registered contract ``ASSET_FQN[:ENVIRONMENT][@VERSION]`` names."""
    from accord.cli import registry

    fqn, _, version = spec.partition("@")
    doc = registry.contract_document(client, fqn, version or None)
    if doc["format"] != "table":
        raise ContractError(f"{fqn} is a {doc['format']} contract; ODCS describes tables")
    return parse_contract(doc)


def publish_contract(contract: Contract, fqn: str, environment: str, owner_team: str | None) -> int:
    """Returns the exit code: 0 published or unchanged, 1 a proposal was opened."""
    doc = contract.to_document()
    try:
        with connect(None, None) as client:  # ACCORD_URL / ACCORD_API_KEY or the profile
            try:
                asset = client.get_asset_by_fqn(fqn, environment)
            except NotFoundError:
                if owner_team is None:
                    fail(f"asset {fqn} ({environment}) does not exist: give --owner-team")
                team = resolve_team(client, owner_team)
                asset = client.create_asset(
                    fqn, team, environment=environment, description=contract.meta.get(
                        "description", ""
                    )
                )  # fmt: skip
            result = client.publish(
                asset.id, doc["schema"], format="table", guarantees=doc.get("guarantees")
            )
    except (AccordError, InputError) as exc:
        fail(str(exc))
    if result.outcome == "proposal" and result.proposal is not None:
        typer.echo(f"breaking: proposal {result.proposal.id} opened for {fqn}")
        return BREAKING
    assert result.version is not None
    typer.echo(f"{result.outcome}: {fqn} {result.version.version}")
    return 0
