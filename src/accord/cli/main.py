"""Root of the `accord` command: wires the sub-command groups together."""

from __future__ import annotations

import typer

from accord import __version__
from accord.cli import admin, audit, compat, db, serve

app = typer.Typer(
    name="accord",
    help="Accord: data contract coordination.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.command("serve")(serve.serve)
app.add_typer(db.app, name="db")
app.add_typer(admin.app, name="admin")
app.add_typer(audit.app, name="audit")
app.add_typer(compat.app, name="compat")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"accord {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """Accord: data contract coordination."""


def run() -> None:
    """Console-script entry point."""
    app()
