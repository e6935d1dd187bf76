"""`accord validate SOURCE --contract FILE|ASSET_FQN[@VERSION]`: check real data.

Contract (scripts depend on it): exit 0 when every error-level check passes, 1 when one
failed or could not be evaluated (a query past ``--timeout`` included), 2 on a usage or input
error (unreadable contract, missing file or table). ``--json`` prints `Report.to_dict()`;
``--junit FILE`` writes JUnit XML. Semantics and formats: docs/checks.md.

Custom SQL of a contract fetched from the registry (someone else's SQL, run with the
caller's database credentials) runs only with ``--allow-custom-sql``; without it those
checks are reported as skipped.

``--contract`` takes an Accord contract file, an ODCS v3 document, the file `accord publish`
takes (a table schema, optionally with ``format`` and ``guarantees`` keys), or
``ASSET_FQN[@VERSION]``. That form and ``--report`` need the server (``--url``,
``--api-key``, ``--profile``, as for the client commands); the SDK is imported only then,
through `hooks.fetch_contract` / `hooks.report_run` (tests inject their own).
"""

from __future__ import annotations

import enum
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import typer

from accord.checks import (
    CheckOptions,
    ChecksError,
    Contract,
    ContractError,
    FileFormat,
    Report,
    open_source,
    parse_contract,
    run_checks,
)
from accord.checks.contract import is_odcs, read_document
from accord.cli.errors import fail
from accord.cli.exit_codes import CHECKS_FAILED, OK
from accord.spec import Severity
from accord.spec.contract_file import ContractFileError, parse_contract_file

_CONTRACT_SUFFIXES = {".json", ".yaml", ".yml"}
SKIPPED_CUSTOM = "not run: custom SQL of a registry contract runs only with --allow-custom-sql"


@dataclass
class Hooks:
    """Server access: ``fetch_contract(fqn, version)`` and ``report_run(report)``, which
    returns the recorded run's id. None until a command needs the server."""

    fetch_contract: Callable[[str, str | None], Contract] | None = None
    report_run: Callable[[Report], Any] | None = None


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


def is_contract_file(spec: str) -> bool:
    """Whether ``--contract`` names a file (else it is ``ASSET_FQN[@VERSION]``)."""
    path = Path(spec)
    return path.exists() or path.suffix.lower() in _CONTRACT_SUFFIXES or "/" in spec


def resolve_contract(spec: str, odcs_object: str | None, server: Hooks | None = None) -> Contract:
    """A contract file, or ``ASSET_FQN[@VERSION]`` through the server's fetcher."""
    if is_contract_file(spec):
        return load_contract_file(Path(spec), odcs_object)
    fetch = (server or hooks).fetch_contract
    if fetch is None:
        fail(
            f"{spec!r} is not a file; fetching a registered contract needs a server: set ACCORD_URL"
        )
    fqn, _, version = spec.partition("@")
    return fetch(fqn, version or None)


def load_contract_file(path: Path, odcs_object: str | None = None) -> Contract:
    """An ODCS document, or the contract file `accord publish` takes (a table schema, or
    the envelope ``{schema, format?, guarantees?, ...}``: `accord.spec.contract_file`)."""
    doc = read_document(path)
    if not is_odcs(doc):
        doc = _checks_document(doc, str(path))
    return parse_contract(doc, odcs_object)


def _checks_document(doc: Any, where: str) -> dict[str, Any]:
    try:
        contract = parse_contract_file(doc, where)
    except ContractFileError as exc:
        raise ContractError(str(exc)) from None
    if contract.format != "table":
        raise ContractError(
            "a JSON Schema contract cannot be checked against data; data checks need a "
            "table schema (a 'columns' list)",
            ("format",) if contract.format_given else ("columns",),
        )
    guarantees = contract.guarantees or {}
    extra = {**contract.meta, **contract.extensions}
    return {"format": "table", "schema": contract.schema, "guarantees": guarantees, **extra}


def server_hooks(url: str | None, api_key: str | None, profile: str | None) -> Hooks:
    """Access to the server the options (or the environment and the configured profile)
    name; imports the SDK, so only once a command needs it."""
    from accord.cli import registry
    from accord.cli.client._common import InputError, connect
    from accord.sdk import AccordError, Client

    def client() -> Client:
        try:
            return connect(url, api_key, profile)
        except InputError as exc:
            raise registry.RegistryError(str(exc)) from None

    def fetch(fqn_spec: str, version: str | None) -> Contract:
        try:
            with client() as c:
                doc = registry.contract_document(c, fqn_spec, version)
        except AccordError as exc:
            raise registry.RegistryError(str(exc)) from None
        if doc["format"] != "table":
            raise ContractError(
                f"{fqn_spec} is a {doc['format']} contract; data checks need a table schema"
            )
        return parse_contract(doc)

    def report(result: Report) -> str:
        fqn = result.contract
        if "asset" not in result.meta:
            raise registry.RegistryError(
                'the contract names no asset: add "asset": "<fqn>" to it, '
                "or use --contract ASSET_FQN"
            )
        name, _, environment = fqn.partition(":")
        try:
            with client() as c:
                asset = c.get_asset_by_fqn(name, environment or "prod")
                run = c.report_validation_run(asset.id, result.to_dict())
        except AccordError as exc:
            raise registry.RegistryError(f"cannot report the run for {fqn}: {exc}") from None
        return str(run.id)

    return Hooks(fetch, report)


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
    url: str | None = typer.Option(
        None, "--url", envvar="ACCORD_URL", show_envvar=True, help="Server URL."
    ),
    api_key: str | None = typer.Option(
        None, "--api-key", envvar="ACCORD_API_KEY", show_envvar=True, help="API key."
    ),
    profile: str | None = typer.Option(
        None, "--profile", help="Configured server profile to use (instead of the default)."
    ),
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

    `--contract` takes the file `accord publish` takes too. With a server (`--url`,
    `--api-key` or `--profile`, else ACCORD_URL / ACCORD_API_KEY), it may name a registered
    asset (`fqn`, `fqn@1.2.0`, `fqn:staging@1.2.0`) and `--report` records the run there."""
    server = hooks
    fetching = not is_contract_file(contract)
    if (fetching and hooks.fetch_contract is None) or (report and hooks.report_run is None):
        # Only now: the SDK (httpx, pydantic models) costs a quarter second to import.
        built = server_hooks(url, api_key, profile)
        server = Hooks(
            hooks.fetch_contract or built.fetch_contract, hooks.report_run or built.report_run
        )
    severity = None if extra_columns is ExtraColumns.ignore else cast(Severity, extra_columns.value)
    try:
        loaded = resolve_contract(contract, odcs_object, server)
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
        fail(str(exc))
    if junit is not None:
        try:
            junit.write_text(result.to_junit(), encoding="utf-8")
        except OSError as exc:
            fail(f"cannot write {junit}: {exc.strerror}")
    reported: dict[str, Any] | None = None
    if report and server.report_run is not None:
        try:
            run_id = server.report_run(result)
        except ChecksError as exc:
            fail(str(exc))
        reported = {"run_id": run_id, "asset": result.contract, **_tally(result)}
    if as_json:
        out = result.to_dict()
        if reported is not None:
            out["reported"] = reported
        typer.echo(json.dumps(out, ensure_ascii=False))
    else:
        _human(result)
        if reported is not None:
            typer.echo(
                f"reported run {reported['run_id']} for {reported['asset']}: "
                f"{reported['passed']} passed, {reported['failed']} failed, "
                f"{reported['errors']} errors, {reported['warnings']} warnings"
            )
    if result.stopped is not None:
        typer.echo(
            f"error: a query {result.stopped}; the checks left are errors "
            "(see --timeout, --lock-timeout)",
            err=True,
        )
    raise typer.Exit(OK if result.ok else CHECKS_FAILED)


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
    counts = _tally(result)
    verdict = "OK" if result.ok else "FAILED"
    typer.echo(
        f"{verdict}: {result.contract} on {result.source}: {counts['passed']} passed, "
        f"{counts['failed']} failed, {counts['errors']} errors, {counts['skipped']} skipped, "
        f"{counts['warnings']} warnings; "
        f"{result.row_count if result.row_count is not None else '?'} rows in {result.seconds:.2f}s"
    )


def _tally(result: Report) -> dict[str, int]:
    """The counts as JUnit gives them: failures and errors are the error-level ones; a
    warn-level check that failed or errored is a warning only."""
    counts = result.counts()
    blocking = [r for r in result.results if r.blocking]
    return {
        "passed": counts["passed"],
        "failed": sum(r.status == "fail" for r in blocking),
        "errors": sum(r.status == "error" for r in blocking),
        "skipped": counts["skipped"],
        "warnings": counts["warnings"],
    }


def main() -> None:
    """``python -m accord.cli.validate``: the command without the server's imports."""
    typer.run(validate)


if __name__ == "__main__":
    main()
