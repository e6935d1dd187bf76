"""`accord import odcs FILE` and `accord export odcs ASSET`: ODCS v3 <-> Accord contracts.

Import validates the ODCS document (every failing path is listed) and prints the Accord
contract as JSON (or writes it with ``--output``). Export reads an Accord contract file for
now (the registry form comes with the SDK) and prints ODCS YAML. Exit 0 on success, 2 on an
input error. The mapping: docs/checks.md.
"""

from __future__ import annotations

import json
from pathlib import Path

import typer
import yaml

from accord.checks import ChecksError, ContractError, load_contract
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
) -> None:
    """Validate an ODCS v3 contract and convert it to an Accord contract (JSON)."""
    try:
        contract = import_odcs(read_document(file), odcs_object)
    except ChecksError as exc:
        raise _fail(exc) from None
    _write(json.dumps(contract.to_document(), indent=2, ensure_ascii=False) + "\n", output)


@export_app.command("odcs")
def export_command(
    asset: Path = typer.Argument(
        ..., help="Accord contract file (the registry form needs a server)."
    ),
    output: Path | None = typer.Option(None, "--output", "-o", help="Write the ODCS YAML here."),
) -> None:
    """Convert an Accord contract to an ODCS v3 document (YAML)."""
    try:
        contract = load_contract(asset)
    except ChecksError as exc:
        raise _fail(exc) from None
    text = yaml.safe_dump(export_odcs(contract), sort_keys=False, allow_unicode=True)
    _write(text, output)
