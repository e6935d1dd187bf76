"""`accord validate` takes the file `accord publish` takes, counts warnings apart from
failures, and says what `--report` recorded (against a real `accord serve`)."""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import duckdb
import pytest
import yaml
from typer.testing import CliRunner

from accord.cli.main import build_app
from accord.sdk import Client
from tests.cli.test_client_commands import Server, server  # noqa: F401 (the fixture)

# What `accord publish FQN orders.yaml` takes: a table schema, with its guarantees inline.
PUBLISHED: dict[str, Any] = {
    "name": "orders",
    "columns": [
        {"name": "id", "type": "int64", "nullable": False},
        {"name": "email", "type": "string"},
    ],
    "primary_key": ["id"],
    "format": "table",
    "guarantees": {"columns": {"email": {"pattern": "@", "severity": "warn"}}},
}


def invoke(*args: str, env: dict[str, str] | None = None) -> Any:
    result = CliRunner().invoke(
        build_app("validate"),
        list(args),
        env={"ACCORD_URL": "", "ACCORD_API_KEY": "", **(env or {})},
    )
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result


@pytest.fixture
def data(tmp_path: Path) -> Path:
    duckdb.execute(
        "COPY (SELECT * FROM (VALUES (1, 'a@x'), (1, 'nope')) t(id, email)) "
        f"TO '{tmp_path / 'orders.parquet'}' (FORMAT PARQUET)"
    )
    return tmp_path


@pytest.mark.parametrize("keys", [("format", "guarantees"), ("guarantees",), ()])
def test_the_publish_file_is_a_contract(data: Path, keys: tuple[str, ...]) -> None:
    doc = {k: v for k, v in PUBLISHED.items() if k not in ("format", "guarantees") or k in keys}
    (data / "orders.yaml").write_text(yaml.safe_dump(doc))
    out = invoke(
        "validate", str(data / "orders.parquet"), "-c", str(data / "orders.yaml"), "--json"
    )
    assert out.exit_code == 1, out.output
    checks = {c["id"]: c for c in json.loads(out.stdout)["checks"]}
    assert checks["id.unique"]["status"] == "fail"  # the primary key was read
    assert ("email.pattern" in checks) == ("guarantees" in keys)


def test_a_json_schema_publish_file_is_refused_in_one_line(data: Path) -> None:
    schema = {"type": "object", "properties": {"id": {"type": "integer"}}}
    (data / "s.json").write_text(json.dumps(schema))
    out = invoke("validate", str(data / "orders.parquet"), "-c", str(data / "s.json"))
    assert out.exit_code == 2
    assert out.stderr.splitlines() == [
        "error: a JSON Schema contract cannot be checked against data; data checks need a "
        "table schema (a 'columns' list) (at columns)"
    ]


def test_the_summary_counts_warnings_apart_from_failures_as_junit_does(data: Path) -> None:
    (data / "orders.yaml").write_text(yaml.safe_dump(PUBLISHED))
    junit = data / "out.xml"
    args = [str(data / "orders.parquet"), "-c", str(data / "orders.yaml"), "--junit", str(junit)]
    out = invoke("validate", *args)
    assert out.exit_code == 1
    summary = out.stdout.strip().splitlines()[-1]
    suite = ET.parse(junit).getroot()[0]
    assert suite.get("failures") == "1"
    assert ", 1 failed, 0 errors, 0 skipped, 1 warnings;" in summary
    assert "WARN  email.pattern" in out.stdout


def test_report_says_what_it_recorded_with_url_and_key_options(
    server: Server,  # noqa: F811
    data: Path,
) -> None:
    fqn = f"warehouse.sales.orders_{uuid.uuid4().hex[:8]}"
    with Client(server.url, server.producer_key) as c:
        asset = c.create_asset(fqn, server.producer_team)
        doc = {k: v for k, v in PUBLISHED.items() if k not in ("format", "guarantees")}
        c.publish(asset.id, doc, format="table", guarantees=PUBLISHED["guarantees"])
    where = ["--url", server.url, "--api-key", server.producer_key]
    parquet = str(data / "orders.parquet")
    out = invoke("validate", parquet, "-c", f"{fqn}@1.0.0", "--report", *where)
    assert out.exit_code == 1, out.stderr
    line = out.stdout.strip().splitlines()[-1]
    found = re.fullmatch(
        rf"reported run ([0-9a-f-]{{36}}) for {fqn}: "
        r"(\d+) passed, 1 failed, 0 errors, 1 warnings",
        line,
    )
    assert found is not None, line
    with Client(server.url, server.producer_key) as c:
        runs = c.list_validation_runs(asset.id).items
    assert [str(r.id) for r in runs] == [found.group(1)]
    as_json = invoke("validate", parquet, "-c", fqn, "--report", "--json", *where)
    reported = json.loads(as_json.stdout)["reported"]
    assert reported["asset"] == fqn
    assert (reported["failed"], reported["warnings"]) == (1, 1)
    with Client(server.url, server.producer_key) as c:
        assert str(c.list_validation_runs(asset.id).items[0].id) == reported["run_id"]
    refused = invoke("validate", parquet, "-c", fqn, "--url", server.url, "--api-key", "nope")
    assert refused.exit_code == 2
    assert len(refused.stderr.splitlines()) == 1
