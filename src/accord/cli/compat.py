"""`accord compat`: offline schema compatibility checks (being built in issue 3)."""

from __future__ import annotations

import typer

app = typer.Typer(help="Compare schemas offline.", no_args_is_help=True)
