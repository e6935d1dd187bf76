"""`accord import odcs FILE` and `accord export odcs ASSET`: ODCS v3 <-> Accord contracts.

Import validates the ODCS document (every failing path is listed) and prints the Accord
contract as JSON (or writes it with ``--output``); with ``--publish`` it publishes the
contract to the server instead (creating the asset for ``--owner-team`` if needed), through
the normal publish path. Export reads an Accord contract file, or a registered
``ASSET_FQN[@VERSION]`` from the server that ``--url``, ``--api-key`` and ``--profile`` name
(as for the client commands: flag, then ACCORD_URL / ACCORD_API_KEY, then the saved profile),
and prints ODCS YAML. Exit 0 on success (1 when the publish opened a proposal), 2 on an input
or server error. The mapping: docs/checks.md.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer

from accord.checks import ChecksError, ContractError
from accord.checks.contract import read_document
from accord.checks.odcs import import_odcs
from accord.cli.exit_codes import ERROR

import_app = typer.Typer(help="Import contracts from other formats.", no_args_is_help=True)


@import_app.callback()
def _imports() -> None:
    """Import contracts from other formats."""


def __getattr__(name: str) -> Any:
    # `export_app` lives with the server commands: its options are the client commands'
    # (`accord.cli.client._common`), which load the SDK, and `accord import odcs FILE`
    # should not pay for that on every run (start-up, ADR 0022).
    if name == "export_app":
        from accord.cli.odcs_publish import export_app

        return export_app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def fail_on(exc: ChecksError) -> typer.Exit:
    typer.echo(f"error: {exc}", err=True)
    if isinstance(exc, ContractError):
        for path in exc.paths:
            typer.echo(f"  at {path}", err=True)
    return typer.Exit(ERROR)


def write_out(text: str, output: Path | None) -> None:
    if output is None:
        typer.echo(text, nl=False)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        typer.echo(f"error: cannot write {output}: {exc.strerror}", err=True)
        raise typer.Exit(ERROR) from None


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
        raise fail_on(exc) from None
    if publish is None:
        write_out(json.dumps(contract.to_document(), indent=2, ensure_ascii=False) + "\n", output)
        return
    from accord.cli.odcs_publish import publish_contract

    raise typer.Exit(publish_contract(contract, publish, environment, owner_team))
