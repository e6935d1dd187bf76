"""Root of the `accord` command: wires the sub-command groups together."""

from __future__ import annotations

import typer

from accord import __version__
from accord.cli import admin, audit, compat, db, dbt, odcs, serve, validate, worker
from accord.cli.client import assets, check, proposals, publish, register

app = typer.Typer(
    name="accord",
    help="Accord: data contract coordination.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.command("serve")(serve.serve)
app.command("worker")(worker.worker)
app.add_typer(db.app, name="db")
app.add_typer(admin.app, name="admin")
app.add_typer(audit.app, name="audit")
app.add_typer(compat.app, name="compat")
app.command("validate")(validate.validate)
odcs.import_app.command("dbt")(dbt.import_dbt)
app.add_typer(odcs.import_app, name="import")
app.add_typer(odcs.export_app, name="export")
app.add_typer(assets.app, name="assets")
app.command("publish")(publish.publish)
app.command("register")(register.register)
app.add_typer(proposals.app, name="proposals")
app.command("check")(check.check)


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
