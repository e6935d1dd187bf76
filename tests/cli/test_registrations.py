"""`accord registrations list|create|delete`: who reads what, by name."""

from __future__ import annotations

from accord.sdk import Client
from tests.cli.test_client_commands import (
    ORDERS,
    Server,
    accord,
    as_json,
    new_asset,
    server,
)

__all__ = ["server"]


def test_registrations_create_list_and_delete_by_names(server: Server) -> None:
    fqn = new_asset(server, ORDERS)
    consumer = server.consumer_key
    made = accord(server, "registrations", "create", fqn, "--fields", "id,email", "--json",
                  key=consumer)  # fmt: skip
    assert made.returncode == 0, made.stderr
    reg = as_json(made)
    assert sorted(reg["fields"]) == ["email", "id"]

    listed = accord(server, "registrations", "list", "--asset", fqn)
    assert listed.returncode == 0, listed.stderr
    row = next(line for line in listed.stdout.splitlines() if reg["id"] in line)
    assert f"{fqn} (prod)" in row
    assert "analytics" in row
    assert ", ".join(reg["fields"]) in row
    by_team = as_json(accord(server, "registrations", "list", "--team", "Analytics", "--json"))
    assert reg["id"] in [r["id"] for r in by_team]
    both = accord(server, "registrations", "list", "--asset", fqn, "--team", "analytics",
                  "--json")  # fmt: skip
    assert [r["id"] for r in as_json(both)] == [reg["id"]]

    gone = accord(server, "registrations", "delete", "--asset", fqn, key=consumer)
    assert gone.returncode == 0, gone.stderr
    assert gone.stdout.startswith(f"deleted registration {reg['id']}: analytics on {fqn} (prod)")
    empty = accord(server, "registrations", "list", "--asset", fqn)
    assert empty.stdout.strip() == "no registrations"
    assert as_json(accord(server, "registrations", "list", "--asset", fqn, "--json")) == []


def test_registrations_delete_by_id_prefix_and_errors(server: Server) -> None:
    fqn = new_asset(server, ORDERS)
    with Client(server.url, server.consumer_key) as c:
        reg = c.create_registration(c.get_asset_by_fqn(fqn).id, server.consumer_team)
    prefix = str(reg.id)[:13]
    neither = accord(server, "registrations", "delete", key=server.consumer_key)
    assert neither.returncode == 2
    assert "give a registration id, or --asset" in neither.stderr
    unknown = accord(server, "registrations", "list", "--team", "analytcs")
    assert unknown.returncode == 2
    assert "did you mean 'analytics'" in unknown.stderr
    done = accord(server, "registrations", "delete", prefix, "--json", key=server.consumer_key)
    assert done.returncode == 0, done.stderr
    assert as_json(done)["id"] == str(reg.id)
    again = accord(server, "registrations", "delete", prefix, key=server.consumer_key)
    assert again.returncode == 2
    assert f"no registration '{prefix}'" in again.stderr
