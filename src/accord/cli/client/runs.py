"""`accord runs list|show|trend FQN`: an asset's validation-run history, one run's
check results, and each check's pass rate over time."""

from __future__ import annotations

import uuid
from itertools import islice
from typing import Annotated, Any

import typer
from rich.table import Table

from accord.cli.client._common import (
    ApiKeyOption,
    EnvironmentOption,
    InputError,
    JsonOption,
    ProfileOption,
    UrlOption,
    connect,
    console,
    emit_json,
    errors,
    pick,
    resolve_asset,
    team_names,
)
from accord.cli.client._time import parse_since, when
from accord.sdk import Asset, Client, RunStatus, ValidationRun, ValidationRunSummary

app = typer.Typer(
    help="Validation runs reported for an asset: history, one run, the pass-rate trend.",
    no_args_is_help=True,
)

AssetArg = Annotated[str, typer.Argument(help="The asset: its FQN or id.")]
VersionOption = Annotated[
    str | None, typer.Option("--version", help="Only runs against this contract version.")
]
SinceOption = Annotated[
    str | None, typer.Option(help="Only runs since then: 24h, 7d, or a date (2025-01-31).")
]


def _label(asset: Asset) -> str:
    return f"{asset.fqn} ({asset.environment})"


def _summary(run: ValidationRunSummary) -> str:
    parts = [f"{n} {status}" for status, n in sorted(run.summary.items()) if n]
    return ", ".join(parts) or "-"


@app.command("list")
def list_runs(
    asset: AssetArg,
    environment: EnvironmentOption = "prod",
    status: Annotated[RunStatus | None, typer.Option(help="Only passed or failed runs.")] = None,
    version: VersionOption = None,
    since: SinceOption = None,
    limit: Annotated[int, typer.Option(min=1, help="At most this many, newest first.")] = 20,
    url: UrlOption = None,
    api_key: ApiKeyOption = None,
    profile: ProfileOption = None,
    as_json: JsonOption = False,
) -> None:
    """An asset's validation runs, newest first."""
    with errors(as_json), connect(url, api_key, profile) as client:
        moment = parse_since(since) if since else None
        found = resolve_asset(client, asset, environment)
        pages = client.paginate(
            client.list_validation_runs,
            found.id,
            status=status,
            version=version,
            since=moment,
            limit=min(limit, 500),
        )
        runs = list(islice(pages, limit))
        reporters = [r.reporter_team_id for r in runs if r.reporter_team_id]
        names = {} if as_json else team_names(client, reporters)
    if as_json:
        emit_json(runs)
        return
    if not runs:
        console().print(f"no validation runs for {_label(found)}", markup=False)
        return
    table = Table(
        title=f"validation runs of {_label(found)}", title_justify="left", show_edge=False
    )
    for name in ("when", "status", "version", "checks", "rows", "source", "reported by", "id"):
        table.add_column(name, overflow="fold")
    for r in runs:
        by = names.get(r.reporter_team_id, "") if r.reporter_team_id else ""
        by += " (consumer)" if r.consumer_reported else ""
        rows = "-" if r.row_count is None else str(r.row_count)
        source = f"{r.source} [{r.pipeline}]" if r.pipeline else r.source
        table.add_row(
            when(r.created_at), r.status, r.version or "-", _summary(r), rows, source,
            by or r.reported_by or "-", str(r.id),
        )  # fmt: skip
    console().print(table, markup=False)


def resolve_run(client: Client, asset: Asset, value: str | None) -> ValidationRun:
    """A run of ``asset`` by id or unique id prefix; ``None``: the latest."""
    if value is None:
        latest = client.list_validation_runs(asset.id, limit=1).items
        if not latest:
            raise InputError(f"no validation runs for {_label(asset)}")
        return client.get_validation_run(asset.id, latest[0].id)
    try:
        return client.get_validation_run(asset.id, uuid.UUID(value))
    except ValueError:
        pass
    runs = client.paginate(client.list_validation_runs, asset.id, limit=500)
    chosen = pick(value, runs, f"validation run of {_label(asset)}", lambda r: r.id, lambda r: None)
    return client.get_validation_run(asset.id, chosen.id)


def _rows(check: dict[str, Any]) -> str:
    failed, total = check.get("failed_rows"), check.get("total_rows")
    if failed is None:
        return "-"
    return f"{failed}/{total}" if total is not None else str(failed)


@app.command("show")
def show(
    asset: AssetArg,
    run: Annotated[
        str | None, typer.Argument(help="The run: its id or a unique id prefix; default: latest.")
    ] = None,
    environment: EnvironmentOption = "prod",
    url: UrlOption = None,
    api_key: ApiKeyOption = None,
    profile: ProfileOption = None,
    as_json: JsonOption = False,
) -> None:
    """One validation run with every check's result (default: the latest run)."""
    with errors(as_json), connect(url, api_key, profile) as client:
        found = resolve_asset(client, asset, environment)
        result = resolve_run(client, found, run)
        reporter = result.reporter_team_id
        names = team_names(client, [reporter] if reporter else [])
    if as_json:
        emit_json(result)
        return
    out = console()
    out.print(f"run {result.id} of {_label(found)}: {result.status}", markup=False)
    by = names.get(reporter, "") if reporter else (result.reported_by or "-")
    out.print(
        f"  {when(result.created_at)}, version {result.version or '-'}, source {result.source}"
        + (f", pipeline {result.pipeline}" if result.pipeline else "")
        + f", reported by {by}"
        + (" (a consumer)" if result.consumer_reported else ""),
        markup=False,
    )
    table = Table(title=f"checks ({_summary(result)})", title_justify="left", show_edge=False)
    for name in ("check", "kind", "severity", "status", "failed rows", "message"):
        table.add_column(name, overflow="fold")
    for c in result.checks:
        table.add_row(
            str(c.get("id", "")), str(c.get("kind", "")), str(c.get("severity", "error")),
            str(c.get("status", "")), _rows(c), str(c.get("message", "")),
        )  # fmt: skip
    out.print(table, markup=False)


@app.command("trend")
def trend(
    asset: AssetArg,
    environment: EnvironmentOption = "prod",
    version: VersionOption = None,
    since: SinceOption = None,
    url: UrlOption = None,
    api_key: ApiKeyOption = None,
    profile: ProfileOption = None,
    as_json: JsonOption = False,
) -> None:
    """Each check's pass rate over the asset's most recent runs (up to 500)."""
    with errors(as_json), connect(url, api_key, profile) as client:
        moment = parse_since(since) if since else None
        found = resolve_asset(client, asset, environment)
        result = client.validation_trend(found.id, version=version, since=moment)
    if as_json:
        emit_json(result)
        return
    if not result.checks:
        console().print(f"no validation runs for {_label(found)}", markup=False)
        return
    title = f"pass rate per check over {result.runs} run(s) of {_label(found)}"
    table = Table(title=title, title_justify="left", show_edge=False)
    for name in ("check", "kind", "pass rate", "runs", "failed", "errored", "skipped", "last"):
        table.add_column(name, overflow="fold")
    for c in sorted(result.checks, key=lambda c: (c.pass_rate, c.id)):
        table.add_row(
            c.id, c.kind, f"{c.pass_rate:.0%}", str(c.runs), str(c.failed), str(c.errored),
            str(c.skipped), f"{c.last_status} {when(c.last_run_at)}",
        )  # fmt: skip
    console().print(table, markup=False)
