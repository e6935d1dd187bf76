"""The server hooks of `accord validate` (wired by the SDK later) and the progress display."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
import typer
from typer.testing import CliRunner

from accord.checks import ChecksError, Contract, Report, parse_contract
from accord.cli import validate

DOC = {"format": "table", "schema": {"name": "t", "columns": [{"name": "n", "type": "int64"}]}}


@pytest.fixture
def app(tmp_path: Path) -> Iterator[typer.Typer]:
    duckdb.execute(f"COPY (SELECT 1::BIGINT AS n) TO '{tmp_path / 'd.parquet'}' (FORMAT PARQUET)")
    cli = typer.Typer()
    cli.command()(validate.validate)
    yield cli
    validate.hooks.fetch_contract = None
    validate.hooks.report_run = None


def test_fetch_and_report_hooks(app: typer.Typer, tmp_path: Path) -> None:
    asked: list[tuple[str, str | None]] = []
    reported: list[Report] = []

    def fetch(fqn: str, version: str | None) -> Contract:
        asked.append((fqn, version))
        return parse_contract(DOC)

    validate.hooks.fetch_contract = fetch
    validate.hooks.report_run = reported.append
    data = str(tmp_path / "d.parquet")
    out = CliRunner().invoke(app, [data, "-c", "wh.t@1.2.0", "--report", "--json"])
    assert out.exit_code == 0, out.output
    assert json.loads(out.output)["ok"] is True
    assert asked == [("wh.t", "1.2.0")]
    assert len(reported) == 1
    assert CliRunner().invoke(app, [data, "-c", "wh.t"]).exit_code == 0
    assert asked[-1] == ("wh.t", None)


CUSTOM = {**DOC, "guarantees": {"custom": [{"name": "c", "sql": "SELECT count(*) FROM {table}"}]}}


def test_registry_custom_sql_is_skipped_and_uploaded_as_such(
    app: typer.Typer, tmp_path: Path
) -> None:
    reported: list[Report] = []
    validate.hooks.fetch_contract = lambda _fqn, _version: parse_contract(CUSTOM)
    validate.hooks.report_run = reported.append
    data = str(tmp_path / "d.parquet")
    out = CliRunner().invoke(app, [data, "-c", "wh.t", "--report", "--json"])
    assert out.exit_code == 0, out.output
    custom = {c["id"]: c for c in json.loads(out.output)["checks"]}["custom.c"]
    assert custom["status"] == "skipped"
    assert custom["message"] == validate.SKIPPED_CUSTOM
    assert {r.id: r.status for r in reported[0].results}["custom.c"] == "skipped"
    allowed = CliRunner().invoke(app, [data, "-c", "wh.t", "--allow-custom-sql", "--report"])
    assert allowed.exit_code == 1, allowed.output
    assert "FAIL  custom.c" in allowed.output
    assert "custom.c" in [r.id for r in reported[1].results]


def test_a_contract_file_runs_custom_sql_without_the_flag(app: typer.Typer, tmp_path: Path) -> None:
    (tmp_path / "c.json").write_text(json.dumps(CUSTOM), encoding="utf-8")
    out = CliRunner().invoke(app, [str(tmp_path / "d.parquet"), "-c", str(tmp_path / "c.json")])
    assert out.exit_code == 1, out.output
    assert "FAIL  custom.c" in out.output


def test_a_failed_upload_is_one_line_and_exit_2(app: typer.Typer, tmp_path: Path) -> None:
    def refuse(_report: Report) -> None:
        raise ChecksError("cannot report the run for t: server said no")

    validate.hooks.report_run = refuse
    (tmp_path / "c.json").write_text(json.dumps(DOC), encoding="utf-8")
    out = CliRunner().invoke(
        app, [str(tmp_path / "d.parquet"), "-c", str(tmp_path / "c.json"), "--report"]
    )
    assert out.exit_code == 2
    assert out.stderr.strip() == "error: cannot report the run for t: server said no"


def test_progress_only_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(validate, "stderr_is_terminal", lambda: True)
    monkeypatch.setattr("rich.console.Console.is_terminal", property(lambda _self: True))
    with validate._progress(enabled=True) as say:
        say("scanning")
    with validate._progress(enabled=False) as say:
        say("quiet")
    monkeypatch.setattr(validate, "stderr_is_terminal", lambda: False)
    with validate._progress(enabled=True) as say:
        say("nobody is watching")


def test_a_contract_file_needs_neither_the_sdk_nor_rich_nor_pydantic(tmp_path: Path) -> None:
    """Start-up matters for a CI step: checking a file against a contract file, through the
    `accord` root command, loads no HTTP client, no terminal UI and no pydantic (ADR 0022)."""
    (tmp_path / "c.json").write_text(json.dumps(DOC), encoding="utf-8")
    duckdb.execute(f"COPY (SELECT 1::BIGINT AS n) TO '{tmp_path / 'd.parquet'}' (FORMAT PARQUET)")
    probe = (
        "import sys\n"
        "from accord.cli.main import run\n"
        "sys.argv = ['accord', 'validate', sys.argv[1], '--contract', sys.argv[2], '--json']\n"
        "try:\n"
        "    run()\n"
        "except SystemExit as exc:\n"
        "    heavy = ('accord.sdk', 'httpx', 'rich.console', 'pydantic', 'pydantic_core')\n"
        "    print(exc.code, [m for m in heavy if m in sys.modules])\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe, str(tmp_path / "d.parquet"), str(tmp_path / "c.json")],
        capture_output=True, text=True, timeout=60, check=False,
        env={k: v for k, v in os.environ.items() if k != "ACCORD_URL"},
    )  # fmt: skip
    assert result.stdout.strip().splitlines()[-1] == "0 []", result.stdout + result.stderr


def test_module_entry_point() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "accord.cli.validate", "--help"],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 0
    assert "--contract" in result.stdout
    assert "ASSET_FQN[@VERSION]" in result.stdout  # not eaten as console markup
