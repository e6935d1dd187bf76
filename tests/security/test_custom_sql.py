"""Issue 14, hole 9: custom SQL leaks.

Reported: a contract's custom SQL whose result is not a count was echoed into the report
(`message`, `observed`), past PII masking, and `--report` uploaded it; a contract fetched
from the registry ran its custom SQL with the caller's database credentials; a query could
run for ever.

Now what custom SQL returns is never echoed (only its kind), engine errors met while
reading data are reported by kind, a registry contract's custom SQL runs only with
`--allow-custom-sql`, and every query runs under `--timeout` / `--lock-timeout`. Everything
runs through the real `accord validate`, on real files, a real PostgreSQL and a real server.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import asyncpg
import duckdb
import httpx
import pytest

from accord.sdk import Client
from tests.cli.test_client_commands import Server, accord, server  # noqa: F401

ACCORD = str(Path(sys.executable).parent / "accord")
SECRET = "alice@secret.example"
COLUMNS = [{"name": "n", "type": "int64"}, {"name": "email", "type": "string", "tags": ["pii"]}]
EXPECTED = "custom SQL must return one non-negative integer (the number of failing rows)"
# Queries that would run for hours: short deadlines must stop them.
FOREVER_DUCKDB = "SELECT count(*) FROM {table} d, range(1000000000000) r WHERE r.range * d.n = -1"
FOREVER_PG = "SELECT count(*) FROM {table}, (SELECT pg_sleep(3600)) AS s"


def contract(*custom: tuple[str, str], asset: str | None = None) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "format": "table",
        "schema": {"name": "people", "columns": COLUMNS},
        "guarantees": {"custom": [{"name": name, "sql": sql} for name, sql in custom]},
    }
    if asset is not None:
        doc["asset"] = asset
    return doc


def validate(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """`accord validate ARGS` as a CI step runs it (no server configured)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ACCORD_")}
    return subprocess.run(
        [ACCORD, "validate", *args], cwd=cwd, env=env, capture_output=True, text=True,
        timeout=120, check=False,
    )  # fmt: skip


def checks(stdout: str) -> dict[str, dict[str, Any]]:
    return {c["id"]: c for c in json.loads(stdout)["checks"]}


@pytest.fixture
def data(tmp_path: Path) -> Path:
    duckdb.execute(
        f"COPY (SELECT * FROM (VALUES (1, '{SECRET}'), (2, 'bob@example.com')) t(n, email)) "
        f"TO '{tmp_path / 'people.parquet'}' (FORMAT PARQUET)"
    )
    (tmp_path / "people.csv").write_text(f"n,email\n1,{SECRET}\n2,bob@example.com\n")
    return tmp_path


def _write(folder: Path, doc: dict[str, Any]) -> str:
    path = folder / f"{uuid.uuid4().hex}.json"
    path.write_text(json.dumps(doc))
    return str(path)


# -- 1. never echo what custom SQL returns -----------------------------------------------

LEAKY = (
    ("text", "SELECT email FROM {table} WHERE n = 1"),
    ("row", "SELECT n, email FROM {table} WHERE n = 1"),
    ("rows", "SELECT email FROM {table}"),
    ("fraction", "SELECT n + 0.5 FROM {table} WHERE n = 1"),
    ("null", "SELECT NULL"),
)
KINDS = {
    "text": "a text value",
    "row": "2 columns",
    "rows": "more than one row",
    "fraction": "a fractional number",
    "null": "NULL",
}


@pytest.mark.parametrize("file", ["people.parquet", "people.csv"])
def test_non_count_result_is_not_echoed_in_message_observed_json_or_junit(
    data: Path, file: str
) -> None:
    path = _write(data, contract(*LEAKY))
    out = validate(file, "-c", path, "--json", "--junit", "out.xml", "--samples", "5", cwd=data)
    assert out.returncode == 1, out.stderr
    found = checks(out.stdout)
    for name, kind in KINDS.items():
        check = found[f"custom.{name}"]
        assert check["status"] == "error"
        assert check["message"] == f"{EXPECTED}; it returned {kind}"
        assert "observed" not in check
    assert SECRET not in out.stdout + out.stderr
    assert SECRET not in (data / "out.xml").read_text()
    human = validate(file, "-c", path, cwd=data)
    assert SECRET not in human.stdout + human.stderr


def test_database_errors_quoting_data_are_not_echoed(data: Path) -> None:
    """DuckDB's conversion errors quote the value, and error() raises its argument."""
    path = _write(
        data,
        contract(
            ("cast", "SELECT count(*) FROM {table} WHERE CAST(email AS INTEGER) > 0"),
            ("raise", "SELECT count(*) FROM {table} WHERE error(email) IS NULL"),
            ("typo", "SELECT count(*) FROM {table} WHERE emial IS NULL"),
        ),
    )
    out = validate("people.parquet", "-c", path, "--json", "--junit", "out.xml", cwd=data)
    found = checks(out.stdout)
    assert found["custom.cast"]["message"].startswith("query failed: Conversion Error while")
    assert found["custom.raise"]["message"].endswith("(message withheld: it can quote data values)")
    assert "emial" in found["custom.typo"]["message"]  # a binder error quotes only the SQL
    assert SECRET not in out.stdout + out.stderr + (data / "out.xml").read_text()


# -- PostgreSQL ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pg_table(pg_dsn: str) -> str:
    """``postgresql://…#public.people`` (in the scratch database) with the secret in a row."""

    async def create() -> None:
        conn = await asyncpg.connect(pg_dsn)
        try:
            await conn.execute("DROP TABLE IF EXISTS people")
            await conn.execute("CREATE TABLE people (n bigint, email text)")
            await conn.execute(f"INSERT INTO people VALUES (1, '{SECRET}'), (2, 'b@example.com')")
        finally:
            await conn.close()

    asyncio.run(create())
    return f"{pg_dsn}#public.people"


def test_postgres_non_count_results_and_data_errors_are_not_echoed(
    pg_table: str, tmp_path: Path
) -> None:
    path = _write(
        tmp_path,
        contract(
            *LEAKY,
            ("cast", "SELECT count(*) FROM {table} WHERE email::integer > 0"),
            ("reg", "SELECT count(*) FROM {table} WHERE email::regclass IS NOT NULL"),
        ),
    )
    out = validate(pg_table, "-c", path, "--json", "--junit", "out.xml", cwd=tmp_path)
    assert out.returncode == 1, out.stderr
    found = checks(out.stdout)
    for name, kind in KINDS.items():
        assert found[f"custom.{name}"]["message"] == f"{EXPECTED}; it returned {kind}"
    assert "SQLSTATE 22P02" in found["custom.cast"]["message"]
    assert found["custom.reg"]["status"] == "error"
    assert SECRET not in out.stdout + out.stderr + (tmp_path / "out.xml").read_text()


# -- 3. deadlines -----------------------------------------------------------------------


def test_postgres_statement_timeout(pg_table: str, tmp_path: Path) -> None:
    path = _write(tmp_path, contract(("slow", FOREVER_PG)))
    out = validate(pg_table, "-c", path, "--json", "--timeout", "1", cwd=tmp_path)
    assert out.returncode == 1, out.stderr
    assert checks(out.stdout)["custom.slow"]["message"] == "query failed: timed out after 1 s"
    assert out.stderr.strip() == (
        "error: a query timed out after 1 s; the checks left are errors "
        "(see --timeout, --lock-timeout)"
    )


def test_postgres_lock_timeout(pg_table: str, tmp_path: Path) -> None:
    """An ALTER TABLE in progress holds the table: the scan gives up at --lock-timeout."""
    dsn, _, _ = pg_table.partition("#")
    loop = asyncio.new_event_loop()
    holder = loop.run_until_complete(asyncpg.connect(dsn))
    transaction = holder.transaction()
    loop.run_until_complete(transaction.start())
    loop.run_until_complete(holder.execute("LOCK TABLE people IN ACCESS EXCLUSIVE MODE"))
    try:
        path = _write(tmp_path, {**contract(), "guarantees": {"row_count": {"min": 1}}})
        out = validate(pg_table, "-c", path, "--json", "--lock-timeout", "1", cwd=tmp_path)
    finally:
        loop.run_until_complete(transaction.rollback())
        loop.run_until_complete(holder.close())
        loop.close()
    assert out.returncode == 1, out.stderr
    assert "waited more than 1 s for a lock" in checks(out.stdout)["row_count"]["message"]
    assert out.stderr.startswith("error: a query waited more than 1 s for a lock;")
    assert len(out.stderr.strip().splitlines()) == 1


def test_duckdb_query_interrupted_at_the_deadline(data: Path) -> None:
    path = _write(data, contract(("slow", FOREVER_DUCKDB)))
    out = validate("people.parquet", "-c", path, "--json", "--timeout", "1", cwd=data)
    assert out.returncode == 1, out.stderr
    found = checks(out.stdout)
    assert found["custom.slow"]["message"] == "query failed: timed out after 1 s"
    assert found["n.present"]["status"] == "pass"
    assert out.stderr.strip().splitlines() == [
        "error: a query timed out after 1 s; the checks left are errors "
        "(see --timeout, --lock-timeout)"
    ]


# -- 2. registry contracts, and what --report uploads ---------------------------------


def _registered(srv: Server, *custom: tuple[str, str]) -> tuple[str, str]:
    fqn = f"lake.people_{uuid.uuid4().hex[:8]}"
    with Client(srv.url, srv.producer_key) as c:
        asset = c.create_asset(fqn, srv.producer_team)
        guarantees = {"custom": [{"name": name, "sql": sql} for name, sql in custom]}
        c.publish(asset.id, {"columns": COLUMNS}, format="table", guarantees=guarantees)
    return fqn, str(asset.id)


def _uploaded(srv: Server, asset_id: str) -> list[dict[str, Any]]:
    headers = {"Authorization": f"Bearer {srv.consumer_key}"}
    runs = httpx.get(f"{srv.url}/api/v1/assets/{asset_id}/validation-runs", headers=headers)
    return [
        httpx.get(
            f"{srv.url}/api/v1/assets/{asset_id}/validation-runs/{run['id']}", headers=headers
        ).json()
        for run in runs.json()["items"]
    ]


def _people(srv: Server) -> str:
    path = srv.tmp / f"{uuid.uuid4().hex}.csv"
    path.write_text(f"n,email\n1,{SECRET}\n2,bob@example.com\n")
    return str(path)


def test_registry_contract_without_the_flag_skips_custom_sql(server: Server) -> None:  # noqa: F811
    fqn, asset_id = _registered(server, ("would_fail", "SELECT count(*) FROM {table}"))
    out = accord(server, "validate", _people(server), "-c", fqn, "--json", "--report")
    assert out.returncode == 0, out.stderr  # a skipped check is not a failure
    doc = json.loads(out.stdout)
    skipped = checks(out.stdout)["custom.would_fail"]
    assert skipped["status"] == "skipped"
    assert "--allow-custom-sql" in skipped["message"]
    assert doc["summary"]["skipped"] == 1
    human = accord(server, "validate", _people(server), "-c", fqn)
    assert "SKIP  custom.would_fail" in human.stdout
    assert ", 1 skipped," in human.stdout
    [run] = _uploaded(server, asset_id)
    assert run["status"] == "passed"
    assert {c["id"]: c["status"] for c in run["checks"]}["custom.would_fail"] == "skipped"
    assert run["summary"]["skipped"] == 1


def test_registry_contract_with_the_flag_runs_custom_sql(server: Server) -> None:  # noqa: F811
    fqn, _ = _registered(server, ("would_fail", "SELECT count(*) FROM {table}"))
    out = accord(server, "validate", _people(server), "-c", fqn, "--json", "--allow-custom-sql")
    assert out.returncode == 1, out.stderr
    ran = checks(out.stdout)["custom.would_fail"]
    assert (ran["status"], ran["failed_rows"]) == ("fail", 2)


def test_a_local_contract_file_runs_its_custom_sql(data: Path) -> None:
    path = _write(data, contract(("would_fail", "SELECT count(*) FROM {table}")))
    out = validate("people.parquet", "-c", path, "--json", cwd=data)
    assert out.returncode == 1, out.stderr
    assert checks(out.stdout)["custom.would_fail"]["status"] == "fail"


def test_uploaded_report_carries_no_custom_sql_value(server: Server) -> None:  # noqa: F811
    """The reported path: a contract file naming its asset, uploaded with --report; and the
    registry contract itself, run with --allow-custom-sql."""
    fqn, asset_id = _registered(server, *LEAKY)
    local = _write(server.tmp, contract(*LEAKY, asset=fqn))
    for spec, extra in ((local, []), (fqn, ["--allow-custom-sql"])):
        out = accord(server, "validate", _people(server), "-c", spec, "--report", *extra)
        assert out.returncode == 1, out.stderr
        assert SECRET not in out.stdout + out.stderr
    runs = _uploaded(server, asset_id)
    assert len(runs) == 2
    for run in runs:
        reported = {c["id"]: c for c in run["checks"]}
        for name, kind in KINDS.items():
            assert reported[f"custom.{name}"]["message"] == f"{EXPECTED}; it returned {kind}"
            assert reported[f"custom.{name}"].get("observed") is None
    assert SECRET not in json.dumps(runs)
