"""validate / export / import against the registry of a real server."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import yaml

from accord.sdk import Client
from tests.cli.test_client_commands import Server, accord, server  # noqa: F401

TABLE = {
    "columns": [
        {"name": "order_id", "type": "int64", "nullable": False},
        {"name": "status", "type": "varchar(16)"},
    ],
    "primary_key": ["order_id"],
}
GUARANTEES = {"columns": {"status": {"accepted_values": ["placed", "shipped"]}}}


def _asset(srv: Server, fqn: str) -> str:
    with Client(srv.url, srv.producer_key) as c:
        asset = c.create_asset(fqn, srv.producer_team)
        c.publish(asset.id, TABLE, format="table", guarantees=GUARANTEES)
    return str(asset.id)


def _csv(tmp: Path, rows: str) -> str:
    path = tmp / "orders.csv"
    path.write_text("order_id,status\n" + rows)
    return str(path)


def test_validate_against_registered_contract_and_report(server: Server) -> None:  # noqa: F811
    asset_id = _asset(server, "lake.orders_validated")
    good = _csv(server.tmp, "1,placed\n2,shipped\n")
    ok = accord(server, "validate", good, "--contract", "lake.orders_validated@1.0.0",
                "--json", "--report")  # fmt: skip
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["ok"] is True
    bad = _csv(server.tmp, "1,placed\n1,lost\n")
    failed = accord(server, "validate", bad, "--contract", "lake.orders_validated", "--report")
    assert failed.returncode == 1
    runs = httpx.get(
        f"{server.url}/api/v1/assets/{asset_id}/validation-runs",
        headers={"Authorization": f"Bearer {server.consumer_key}"},
    ).json()
    statuses = [r["status"] for r in runs["items"]]
    assert statuses == ["failed", "passed"]


def test_validate_needs_a_table_contract_and_a_known_asset(server: Server) -> None:  # noqa: F811
    data = _csv(server.tmp, "1,placed\n")
    missing = accord(server, "validate", data, "--contract", "no.such.asset")
    assert missing.returncode == 2
    assert "no.such.asset" in missing.stderr


def test_export_registered_contract_to_odcs(server: Server) -> None:  # noqa: F811
    _asset(server, "lake.orders_exported")
    r = accord(server, "export", "odcs", "lake.orders_exported")
    assert r.returncode == 0, r.stderr
    doc = yaml.safe_load(r.stdout)
    assert doc["apiVersion"].startswith("v3")
    names = [p["name"] for p in doc["schema"][0]["properties"]]
    assert names == ["order_id", "status"]


def test_import_odcs_publishes(server: Server) -> None:  # noqa: F811
    source = Path(__file__).resolve().parents[1] / "checks" / "cases" / "orders.odcs.yaml"
    r = accord(server, "import", "odcs", str(source), "--publish", "lake.orders_from_odcs",
               "--owner-team", "orders-producer")  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("published: lake.orders_from_odcs 1.0.0")
    again = accord(server, "import", "odcs", str(source), "--publish", "lake.orders_from_odcs")
    assert again.stdout.startswith("unchanged")
    nobody = accord(server, "import", "odcs", str(source), "--publish", "lake.new_without_owner")
    assert nobody.returncode == 2
    assert "--owner-team" in nobody.stderr


def test_a_reported_run_keeps_samples_no_database_can_store(server: Server) -> None:  # noqa: F811
    """A failing value holding the NUL character (real data does) made the reported run a
    422 on any backend (PostgreSQL cannot store it): samples show it as U+2400."""
    asset_id = _asset(server, "lake.orders_with_nul")
    bad = _csv(server.tmp, "1,placed\n2,lo\x00st\n")
    failed = accord(server, "validate", bad, "--contract", "lake.orders_with_nul",
                    "--samples", "5", "--json", "--report")  # fmt: skip
    assert failed.returncode == 1, failed.stderr
    out = json.loads(failed.stdout)
    assert "reported" in out, failed.stderr
    values = [s["status"] for r in out["checks"] for s in r.get("samples") or []]
    assert values == ["lo\u2400st"]
    runs = httpx.get(
        f"{server.url}/api/v1/assets/{asset_id}/validation-runs",
        headers={"Authorization": f"Bearer {server.consumer_key}"},
    ).json()
    assert [r["status"] for r in runs["items"]] == ["failed"]
