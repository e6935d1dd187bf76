"""`accord import odcs FILE` and `accord export odcs ASSET`: ODCS v3 <-> Accord contracts.

Import validates the ODCS document (every failing path is listed) and prints the Accord
contract as JSON (or writes it with ``--output``); with ``--publish`` it publishes the
contract to the server instead (creating the asset for ``--owner-team`` if needed), through
the normal publish path. Export reads an Accord contract file, or a registered
``ASSET_FQN[@VERSION]`` when ACCORD_URL is set, and prints ODCS YAML. Exit 0 on success (1
when the publish opened a proposal), 2 on an input or server error. The mapping:
docs/checks.md.
"""

from __future__ import annotations

import json
from pathlib import Path

import typer
import yaml

from accord.checks import ChecksError, ContractError
from accord.checks.contract import read_document
from accord.checks.odcs import import_odcs
from accord.checks.odcs_export import export_odcs

INPUT_ERROR = 2

import_app = typer.Typer(help="Import contracts from other formats.", no_args_is_help=True)
export_app = typer.Typer(help="Export contracts to other formats.", no_args_is_help=True)


@import_app.callback()
def _imports() -> None:
    """Import contracts from other formats."""


@export_app.callback()
def _exports() -> None:
    """Export contracts to other formats."""


def _fail(exc: ChecksError) -> typer.Exit:
    typer.echo(f"error: {exc}", err=True)
    if isinstance(exc, ContractError):
        for path in exc.paths:
            typer.echo(f"  at {path}", err=True)
    return typer.Exit(INPUT_ERROR)


def _write(text: str, output: Path | None) -> None:
    if output is None:
        typer.echo(text, nl=False)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        typer.echo(f"error: cannot write {output}: {exc.strerror}", err=True)
        raise typer.Exit(INPUT_ERROR) from None


@import_app.command("odcs")
def import_command(
    file: Path = typer.Argument(..., help="ODCS v3 YAML or JSON file."),
    odcs_object: str | None = typer.Option(
        None, "--object", help="Schema object to import, when there are several."
    ),
    output: Path | None = typer.Option(
        None, "--output", "-o", help="Write the Accord contract here."
    ),
    publish: str | None = typer.Option(
        None, "--publish", metavar="ASSET_FQN", help="Publish it to this asset (needs a server)."
    ),
    owner_team: str | None = typer.Option(
        None, "--owner-team", help="Team (id or name) owning the asset if it must be created."
    ),
    environment: str = typer.Option("prod", "--environment", "-e"),
) -> None:
    """Validate an ODCS v3 contract and convert it to an Accord contract (JSON), or
    publish it with `--publish`."""
    try:
        contract = import_odcs(read_document(file), odcs_object)
    except ChecksError as exc:
        raise _fail(exc) from None
    if publish is None:
        _write(json.dumps(contract.to_document(), indent=2, ensure_ascii=False) + "\n", output)
        return
    from accord.cli.odcs_publish import publish_contract

    raise typer.Exit(publish_contract(contract, publish, environment, owner_team))


@export_app.command("odcs")
def export_command(
    asset: str = typer.Argument(
        ..., help="Accord contract file, or ASSET_FQN\\[@VERSION] (needs ACCORD_URL)."
    ),
    output: Path | None = typer.Option(None, "--output", "-o", help="Write the ODCS YAML here."),
) -> None:
    """Convert an Accord contract (a file or a registered version) to ODCS v3 YAML."""
    from accord.cli.validate import hooks, resolve_contract

    if hooks.fetch_contract is None:
        from accord.cli import registry

        registry.install(hooks)
    try:
        contract = resolve_contract(asset, None)
    except ChecksError as exc:
        raise _fail(exc) from None
    text = yaml.safe_dump(export_odcs(contract), sort_keys=False, allow_unicode=True)
    _write(text, output)
