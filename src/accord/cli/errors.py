"""The one way an `accord` command reports an error: ``error: <one line>`` on stderr.

Standard library and Typer only, so every command (client or server) can use it without
loading anything else. With ``--json`` the same error is also printed on stdout as
``{"error": {"message": ..., ...}}`` so scripts reading stdout see it.
"""

from __future__ import annotations

import json
import os
import traceback
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NoReturn

import typer

from accord.cli.exit_codes import ERROR


def one_line(message: str) -> str:
    """``message`` with every run of whitespace (newlines included) made one space."""
    return " ".join(message.split())


def fail(
    message: str,
    code: int = ERROR,
    *,
    as_json: bool = False,
    extra: dict[str, Any] | None = None,
) -> NoReturn:
    """Print ``error: message`` on stderr (and a JSON error on stdout with ``as_json``), exit."""
    line = one_line(message)
    if as_json:
        typer.echo(json.dumps({"error": {"message": line, **(extra or {})}}))
    typer.echo(f"error: {line}", err=True)
    raise typer.Exit(code)


def crash_log_path() -> Path:
    """Where an unexpected error's details go: ``$ACCORD_CLI_LOG``, else the user's state dir."""
    given = os.environ.get("ACCORD_CLI_LOG")
    if given:
        return Path(given)
    from platformdirs import user_log_path

    return user_log_path("accord") / "cli.log"


def report_crash(exc: BaseException) -> NoReturn:
    """An error nobody planned for: one line on stderr, the traceback in the log file."""
    path = crash_log_path()
    details = "".join(traceback.format_exception(exc))
    where = f"details in {path}"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as log:
            log.write(f"--- {datetime.now(UTC).isoformat()} accord crashed\n{details}\n")
    except OSError as write_error:
        where = f"the details could not be written to {path}: {write_error.strerror}"
    summary = one_line(str(exc)) or type(exc).__name__
    typer.echo(f"error: unexpected {type(exc).__name__}: {summary} ({where})", err=True)
    raise SystemExit(ERROR)
