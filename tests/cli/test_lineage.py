"""`accord lineage ASSET`: what reads an asset (or what it reads), with names."""

from __future__ import annotations

from tests.cli.test_check_impact import _edge
from tests.cli.test_client_commands import (
    ORDERS,
    Server,
    accord,
    accord_process,
    as_json,
    new_asset,
    server,
)

__all__ = ["server"]


def test_lineage_downstream_upstream_and_depth(server: Server) -> None:
    a, b, c = (new_asset(server, ORDERS) for _ in range(3))
    _edge(server, a, b)
    _edge(server, b, c)
    accord(server, "register", c, key=server.consumer_key)
    down = accord(server, "lineage", a)
    assert down.returncode == 0, down.stderr
    assert f"downstream of {a} (prod) (2, within" in down.stdout
    row = next(line for line in down.stdout.splitlines() if c in line)
    assert "orders-producer" in row
    assert "analytics" in row
    body = as_json(accord(server, "lineage", a, "--depth", "1", "--json"))
    assert (body["direction"], body["depth"], body["total"]) == ("downstream", 1, 1)
    assert [x["fqn"] for x in body["items"]] == [b]
    up = as_json(accord(server, "lineage", c, "--upstream", "--json"))
    assert [(x["fqn"], x["distance"]) for x in up["items"]] == [(b, 1), (a, 2)]


def test_lineage_of_an_asset_nothing_reads(server: Server) -> None:
    alone = new_asset(server, ORDERS)
    done = accord(server, "lineage", alone.upper())
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().startswith(f"no downstream assets of {alone} (prod)")
    assert as_json(accord(server, "lineage", alone, "--json"))["items"] == []


def test_lineage_errors_through_the_real_entry_point(server: Server) -> None:
    alone = new_asset(server, ORDERS)
    bad = accord_process(server, "lineage", alone, "--depth", "0")
    assert bad.returncode == 2
    assert bad.stderr.startswith("error: ")
    assert len(bad.stderr.strip().splitlines()) == 1
    missing = accord_process(server, "lineage", "warehouse.nope", "--json")
    assert missing.returncode == 2
    assert "no asset 'warehouse.nope'" in as_json(missing)["error"]["message"]
