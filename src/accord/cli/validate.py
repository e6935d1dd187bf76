"""`accord validate SOURCE --contract FILE|ASSET_FQN[@VERSION]`: check real data.

Contract (scripts depend on it): exit 0 when every error-level check passes, 1 when one
failed or could not be evaluated (a query past ``--timeout`` included), 2 on a usage or input
error (unreadable contract, missing file or table). ``--json`` prints `Report.to_dict()`;
``--junit FILE`` writes JUnit XML. Semantics and formats: docs/checks.md.

Custom SQL of a contract fetched from the registry (someone else's SQL, run with the
caller's database credentials) runs only with ``--allow-custom-sql``; without it those
checks are reported as skipped.

The ``ASSET_FQN[@VERSION]`` form and ``--report`` need the server; the SDK wiring sets
`hooks.fetch_contract` / `hooks.report_run`. Until then they exit 2 with a clear message.
"""

from __future__ import annotations

import enum
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import typer

from accord.checks import (
    CheckOptions,
    ChecksError,
    Contract,
    FileFormat,
    Report,
    load_contract,
    open_source,
    run_checks,
)
from accord.spec import Severity

INPUT_ERROR = 2
_CONTRACT_SUFFIXES = {".json", ".yaml", ".yml"}
SKIPPED_CUSTOM = "not run: custom SQL of a registry contract runs only with --allow-custom-sql"


@dataclass
class Hooks:
    """Server access, injected by the SDK-backed CLI: ``fetch_contract(fqn, version)`` and
    ``report_run(report)``. None means no server is configured."""

    fetch_contract: Callable[[str, str | None], Contract] | None = None
    report_run: Callable[[Report], None] | None = None


hooks = Hooks()


class Format(enum.StrEnum):
    """File formats ``--format`` accepts."""

    csv = "csv"
    parquet = "parquet"
    json = "json"


class ExtraColumns(enum.StrEnum):
    """Severity of ``columns_not_in_contract`` (``ignore``: not checked)."""

    error = "error"
    warn = "warn"
    ignore = "ignore"


def _fail(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(INPUT_ERROR)


def is_contract_file(spec: str) -> bool:
    """Whether ``--contract`` names a file (else it is ``ASSET_FQN[@VERSION]``)."""
    path = Path(spec)
    return path.exists() or path.suffix.lower() in _CONTRACT_SUFFIXES or "/" in spec


def resolve_contract(spec: str, odcs_object: str | None) -> Contract:
    """A contract file, or ``ASSET_FQN[@VERSION]`` through the injected fetcher."""
    if is_contract_file(spec):
        return load_contract(Path(spec), odcs_object)
    if hooks.fetch_contract is None:
        raise _fail(
            f"{spec!r} is not a file; fetching a registered contract needs a server: set ACCORD_URL"
        )
    fqn, _, version = spec.partition("@")
    return hooks.fetch_contract(fqn, version or None)


def validate(
    source: str = typer.Argument(
        ..., help="A file or glob (CSV, Parquet, JSON lines), or postgresql://…#schema.table."
    ),
    contract: str = typer.Option(
        ...,
        "--contract",
        "-c",
        help="Contract file (Accord or ODCS YAML/JSON), or ASSET_FQN\\[@VERSION].",
    ),
    fmt: Format | None = typer.Option(
        None, "--format", help="File format, when the suffix does not tell."
    ),
    table: str | None = typer.Option(None, "--table", help="PostgreSQL table (schema.table)."),
    odcs_object: str | None = typer.Option(
        None, "--object", help="Schema object of an ODCS file with several."
    ),
    samples: int = typer.Option(
        0,
        "--samples",
        min=0,
        max=100,
        help="Failing rows to show per failing check (PII redacted).",
    ),
    extra_columns: ExtraColumns = typer.Option(
        ExtraColumns.error, "--extra-columns", help="Severity of columns not in the contract."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
    junit: Path | None = typer.Option(None, "--junit", help="Also write JUnit XML to this file."),
    report: bool = typer.Option(False, "--report", help="Send the result to the Accord server."),
    allow_custom_sql: bool = typer.Option(
        False,
        "--allow-custom-sql",
        help="Run the custom SQL of a contract fetched from the registry (skipped otherwise; "
        "a contract file's always runs).",
    ),
    timeout: float = typer.Option(
        300.0, "--timeout", min=0, help="Longest one query may run, in seconds (0: no limit)."
    ),
    lock_timeout: float = typer.Option(
        10.0,
        "--lock-timeout",
        min=0,
        help="PostgreSQL: longest one query may wait for a lock, in seconds (0: no limit).",
    ),
) -> None:
    """Check data against a contract: presence, types, nulls, keys, values, freshness, SQL.

    With ACCORD_URL (and ACCORD_API_KEY) set, `--contract` may name a registered asset
    (`fqn`, `fqn@1.2.0`, `fqn:staging@1.2.0`) and `--report` records the run there."""
    if hooks.fetch_contract is None and (report or not is_contract_file(contract)):
        # Only now: the SDK (httpx, pydantic models) costs a quarter second to import.
        from accord.cli import registry

        registry.install(hooks)
    if report and hooks.report_run is None:
        raise _fail("--report needs a server: set ACCORD_URL")
    severity = None if extra_columns is ExtraColumns.ignore else cast(Severity, extra_columns.value)
    try:
        loaded = resolve_contract(contract, odcs_object)
        fetched = not is_contract_file(contract)
        with _progress(enabled=not as_json) as say:
            options = CheckOptions(
                samples=samples,
                extra_columns=severity,
                progress=say,
                timeout=timeout,
                lock_timeout=lock_timeout,
                skip_custom=SKIPPED_CUSTOM if fetched and not allow_custom_sql else None,
            )
            file_format: FileFormat | None = fmt.value if fmt is not None else None
            with open_source(source, loaded, fmt=file_format, table=table) as opened:
                result = run_checks(loaded, opened, options)
    except ChecksError as exc:
        raise _fail(str(exc)) from None
    if junit is not None:
        try:
            junit.write_text(result.to_junit(), encoding="utf-8")
        except OSError as exc:
            raise _fail(f"cannot write {junit}: {exc.strerror}") from None
    if report and hooks.report_run is not None:
        try:
            hooks.report_run(result)
        except ChecksError as exc:
            raise _fail(str(exc)) from None
    if as_json:
        typer.echo(json.dumps(result.to_dict(), ensure_ascii=False))
    else:
        _human(result)
    if result.stopped is not None:
        typer.echo(
            f"error: a query {result.stopped}; the checks left are errors "
            "(see --timeout, --lock-timeout)",
            err=True,
        )
    raise typer.Exit(0 if result.ok else 1)


@contextmanager
def _progress(enabled: bool) -> Iterator[Callable[[str], None]]:
    """A spinner on stderr while checks run, only on a terminal."""
    if not enabled or not stderr_is_terminal():
        yield lambda _message: None
        return
    from rich.console import Console  # only for a spinner someone will see

    console = Console(stderr=True)
    with console.status("starting…") as status:
        yield lambda message: status.update(message)


def stderr_is_terminal() -> bool:
    """Whether a person may be watching stderr."""
    return sys.stderr.isatty()


_MARK = {"pass": "PASS ", "fail": "FAIL ", "error": "ERROR", "skipped": "SKIP "}


def _human(result: Report) -> None:
    for check in result.results:
        shown = check.severity == "error" or check.status in ("pass", "skipped")
        mark = _MARK[check.status] if shown else "WARN "
        typer.echo(f"{mark} {check.id:<40} {check.message}")
        for sample in check.samples or []:
            typer.echo(f"        {json.dumps(sample, ensure_ascii=False)}")
    counts = result.counts()
    verdict = "OK" if result.ok else "FAILED"
    typer.echo(
        f"{verdict}: {result.contract} on {result.source}: {counts['passed']} passed, "
        f"{counts['failed']} failed, {counts['errors']} errors, {counts['skipped']} skipped, "
        f"{counts['warnings']} warnings; "
        f"{result.row_count if result.row_count is not None else '?'} rows in {result.seconds:.2f}s"
    )


def main() -> None:
    """``python -m accord.cli.validate``: the command without the server's imports."""
    typer.run(validate)


if __name__ == "__main__":
    main()
