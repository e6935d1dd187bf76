"""`accord validate`, `accord import odcs`, `accord export odcs` through the real entry point."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree as ET

import duckdb
import pytest
import yaml

ACCORD = str(Path(sys.executable).parent / "accord")
CASES = Path(__file__).parents[1] / "checks" / "cases"
CONTRACT = {
    "format": "table",
    "schema": {
        "name": "orders",
        "columns": [
            {"name": "id", "type": "int64", "nullable": False},
            {"name": "email", "type": "string", "tags": ["pii"]},
        ],
    },
    "guarantees": {"columns": {"id": {"min": 1}, "email": {"pattern": "@", "severity": "warn"}}},
}


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [ACCORD, *args], cwd=cwd, capture_output=True, text=True, timeout=60, check=False
    )


@pytest.fixture
def files(tmp_path: Path) -> Path:
    (tmp_path / "contract.json").write_text(json.dumps(CONTRACT))
    duckdb.execute(
        f"COPY (SELECT * FROM (VALUES (1, 'a@x'), (2, 'nope')) t(id, email)) "
        f"TO '{tmp_path / 'good.parquet'}' (FORMAT PARQUET)"
    )
    duckdb.execute(
        f"COPY (SELECT * FROM (VALUES (0, 'a@x'), (NULL, 'b@x')) t(id, email)) "
        f"TO '{tmp_path / 'bad.parquet'}' (FORMAT PARQUET)"
    )
    return tmp_path


def test_passing_data_exits_0_with_warnings_shown(files: Path) -> None:
    result = run("validate", "good.parquet", "--contract", "contract.json", cwd=files)
    assert result.returncode == 0, result.stderr
    assert "WARN  email.pattern" in result.stdout
    assert result.stdout.strip().splitlines()[-1].startswith("OK: orders on good.parquet")


def test_failing_data_exits_1_with_json_junit_and_samples(files: Path) -> None:
    result = run(
        "validate", "bad.parquet", "-c", "contract.json", "--json", "--samples", "2",
        "--junit", "out.xml", cwd=files,
    )  # fmt: skip
    assert result.returncode == 1, result.stderr
    doc = json.loads(result.stdout)
    checks = {c["id"]: c for c in doc["checks"]}
    assert doc["ok"] is False
    assert checks["id.not_null"]["failed_rows"] == 1
    assert checks["id.min"]["samples"] == [{"id": 0, "email": "***"}]
    suite = ET.parse(files / "out.xml").getroot().find("testsuite")
    assert suite is not None
    assert suite.get("failures") == "2"


def test_human_output_lists_failures_and_samples(files: Path) -> None:
    result = run("validate", "bad.parquet", "-c", "contract.json", "--samples", "1", cwd=files)
    assert result.returncode == 1
    assert "FAIL  id.min" in result.stdout
    assert '{"id": 0, "email": "***"}' in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["missing.parquet", "-c", "contract.json"], "no file matches"),
        (["good.parquet", "-c", "nope.yaml"], "cannot read"),
        (
            ["good.parquet", "-c", "warehouse.sales.orders@1.0.0", "--url", "http://127.0.0.1:9"],
            "cannot fetch warehouse.sales.orders@1.0.0: cannot reach http://127.0.0.1:9",
        ),
        (["good.parquet", "-c", "contract.json", "--report"], "the contract names no asset"),
        (["good.parquet", "-c", "contract.json", "--junit", "no/such/dir/x.xml"], "cannot write"),
        (["good.parquet", "-c", "contract.json", "--extra-columns", "loud"], "loud"),
    ],
)
def test_usage_and_input_errors_exit_2(files: Path, args: list[str], message: str) -> None:
    result = run("validate", *args, cwd=files)
    assert result.returncode == 2
    assert message in result.stderr


def test_a_contract_that_contains_itself_is_an_input_error(files: Path) -> None:
    """A YAML alias inside itself used to make `accord validate` walk for ever."""
    text = (CASES / "orders.odcs.yaml").read_text(encoding="utf-8")
    (files / "loop.yaml").write_text(text + "customProperties: &p\n  - {property: p, value: *p}\n")
    result = run("validate", "good.parquet", "-c", "loop.yaml", cwd=files)
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "error: loop.yaml: nesting deeper than 1000 levels (at customProperties)"
    )


def test_odcs_import_then_export(tmp_path: Path) -> None:
    source = CASES / "full.odcs.yaml"
    imported = run("import", "odcs", str(source), "-o", "contract.json", cwd=tmp_path)
    assert imported.returncode == 0, imported.stderr
    assert json.loads((tmp_path / "contract.json").read_text())["format"] == "table"
    exported = run("export", "odcs", "contract.json", cwd=tmp_path)
    assert exported.returncode == 0, exported.stderr
    original = yaml.safe_load(source.read_text())
    assert yaml.safe_load(exported.stdout) == original


def test_odcs_errors_name_paths(tmp_path: Path) -> None:
    doc = yaml.safe_load((CASES / "orders.odcs.yaml").read_text())
    doc["schema"][0]["properties"][0]["logicalType"] = "strin"
    (tmp_path / "bad.yaml").write_text(yaml.safe_dump(doc))
    result = run("import", "odcs", "bad.yaml", cwd=tmp_path)
    assert result.returncode == 2
    assert "at schema.0.properties.0.logicalType" in result.stderr
    assert run("export", "odcs", "bad.yaml", cwd=tmp_path).returncode == 2
    assert (
        run(
            "import", "odcs", str(CASES / "orders.odcs.yaml"), "-o", "x/y.json", cwd=tmp_path
        ).returncode
        == 2
    )


def test_validate_with_an_odcs_contract(tmp_path: Path) -> None:
    data = tmp_path / "orders.parquet"
    duckdb.execute(f"COPY (SELECT 'x' AS order_id) TO '{data}' (FORMAT PARQUET)")
    result = run(
        "validate", str(data), "-c", str(CASES / "orders.odcs.yaml"), "--json", cwd=tmp_path
    )
    assert result.returncode == 1
    doc = json.loads(result.stdout)
    assert {c["id"]: c["status"] for c in doc["checks"]}["customer_id.present"] == "fail"
