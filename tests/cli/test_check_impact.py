"""`accord check` shows who a change reaches, and passes a breaking change nobody is
asked about (it is approved at once and the publish completes)."""

from __future__ import annotations

from accord.sdk import Client
from tests.cli.test_client_commands import (
    NO_EMAIL,
    ORDERS,
    Server,
    accord,
    accord_process,
    as_json,
    new_asset,
    server,
    write,
)

__all__ = ["server"]


def _edge(server: Server, upstream: str, downstream: str) -> None:
    with Client(server.url, server.producer_key) as c:
        up, down = c.get_asset_by_fqn(upstream), c.get_asset_by_fqn(downstream)
        c.create_lineage_edge(up.id, down.id)


def test_check_passes_a_breaking_change_with_no_consumers(server: Server) -> None:
    fqn = new_asset(server, ORDERS)
    contract = write(server, NO_EMAIL)
    human = accord(server, "check", fqn, contract)
    assert human.returncode == 0, (human.stdout, human.stderr)
    assert human.stdout.startswith(f"ok: {fqn} (prod): breaking under forward against 1.0.0")
    assert "no registered consumers: it would be approved at once and publish 2.0.0" in (
        human.stdout
    )
    assert "/properties/email" in human.stdout
    body = as_json(accord(server, "check", fqn, contract, "--json"))
    assert (body["outcome"], body["breaking"], body["auto_approved"]) == ("published", True, True)
    assert body["auto_approval_reason"] == "no registered consumers"

    shipped = accord_process(server, "publish", fqn, contract)
    assert shipped.returncode == 0, shipped.stderr
    assert shipped.stdout.startswith(f"published {fqn} (prod) 2.0.0")
    assert "approved at once: no registered consumers" in shipped.stdout
    assert "waiting on 0 consumer team(s)" not in shipped.stdout


def test_check_names_affected_consumers_and_downstream_assets(server: Server) -> None:
    fqn = new_asset(server, ORDERS)
    report = new_asset(server, ORDERS)
    _edge(server, fqn, report)
    accord(server, "register", report, key=server.consumer_key)
    accord(server, "register", fqn, "--fields", "email", key=server.consumer_key)
    done = accord(server, "check", fqn, write(server, NO_EMAIL))
    assert done.returncode == 1, done.stderr
    assert "affected consumers (1)" in done.stdout
    assert "analytics" in done.stdout
    assert "downstream assets (1, within" in done.stdout
    row = next(line for line in done.stdout.splitlines() if report in line)
    assert "orders-producer" in row, "the downstream asset's owner is named"
    assert "analytics" in row, "and its consumers"
    body = as_json(accord(server, "check", fqn, write(server, NO_EMAIL), "--json"))
    assert [a["fqn"] for a in body["downstream"]["assets"]] == [report]
    assert body["auto_approved"] is False


def test_check_through_the_real_entry_point_exits_0_1_2(server: Server) -> None:
    lonely = new_asset(server, ORDERS)
    read = new_asset(server, ORDERS)
    accord(server, "register", read, key=server.consumer_key)
    contract = write(server, NO_EMAIL)
    assert accord_process(server, "check", lonely, contract).returncode == 0
    assert accord_process(server, "check", read, contract).returncode == 1
    bad = accord_process(server, "check", read, write(server, {"schema": {}, "extra": 1}))
    assert bad.returncode == 2
    assert bad.stderr.startswith("error: contract file ")
