"""`accord teams` against a real server: teams named by name (the API wants ids)."""

from __future__ import annotations

import uuid

from tests.cli.test_client_commands import (
    Server,
    accord,
    accord_process,
    as_json,
    new_asset,
    server,
)

__all__ = ["server"]


def _name() -> str:
    return f"billing-{uuid.uuid4().hex[:6]}"


def test_create_list_show_update_delete_by_name(server: Server) -> None:
    name = _name()
    admin = server.admin_key
    created = accord(server, "teams", "create", name, "--description", "invoices", key=admin)
    assert created.returncode == 0, created.stderr
    assert created.stdout.startswith(f"created team {name} ")
    assert f"accord keys create --team {name}" in created.stdout
    team_id = created.stdout.split()[3]

    listed = accord(server, "teams", "list", key=admin)
    row = next(line for line in listed.stdout.splitlines() if name in line)
    assert "invoices" in row
    assert team_id in row
    assert name in [t["name"] for t in as_json(accord(server, "teams", "list", "--json"))]

    shown = accord(server, "teams", "show", name, key=admin)
    assert shown.returncode == 0, shown.stderr
    assert f"team {name}  {team_id}" in shown.stdout
    assert "owns no assets" in shown.stdout
    by_prefix = as_json(accord(server, "teams", "show", team_id[:28], "--json", key=admin))
    assert by_prefix["team"]["id"] == team_id

    renamed = f"{name}-eu"
    args = ["teams", "update", name, "--name", renamed, "--description", "EU invoices"]
    updated = accord(server, *args, "--json", key=admin)
    assert updated.returncode == 0, updated.stderr
    assert (as_json(updated)["name"], as_json(updated)["description"]) == (renamed, "EU invoices")

    deleted = accord(server, "teams", "delete", renamed, "--yes", key=admin)
    assert deleted.returncode == 0, deleted.stderr
    assert deleted.stdout.strip() == f"deleted team {renamed} {team_id}"
    gone = accord(server, "teams", "show", team_id, key=admin)
    assert gone.returncode == 2
    assert "not found" in gone.stderr


def test_show_names_the_owned_assets_and_the_keys(server: Server) -> None:
    fqn = new_asset(server)
    shown = accord(server, "teams", "show", "orders-producer", key=server.admin_key)
    assert shown.returncode == 0, shown.stderr
    assert fqn in shown.stdout
    assert "API keys" in shown.stdout
    assert "producer" in shown.stdout  # the key's name
    body = as_json(accord(server, "teams", "show", "Orders-Producer", "--json"))
    assert fqn in [a["fqn"] for a in body["assets"]]


def test_a_team_name_typo_suggests_the_team(server: Server) -> None:
    typo = accord(server, "teams", "show", "analytcs")
    assert typo.returncode == 2
    assert typo.stderr == "error: no team 'analytcs' (did you mean 'analytics'?)\n"


def test_delete_needs_yes_without_a_terminal_and_admin(server: Server) -> None:
    name = _name()
    assert accord(server, "teams", "create", name, key=server.admin_key).returncode == 0
    asked = accord(server, "teams", "delete", name, key=server.admin_key)
    assert asked.returncode == 2
    assert asked.stderr.startswith(f"error: refusing to delete team '{name}' without --yes")
    refused = accord(server, "teams", "delete", name, "--yes")  # a team key
    assert refused.returncode == 2
    assert "403" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1
    assert accord(server, "teams", "show", name).returncode == 0, "still there"


def test_update_without_a_change_is_an_error(server: Server) -> None:
    same = accord(server, "teams", "update", "analytics", key=server.admin_key)
    assert same.returncode == 2
    assert same.stderr == "error: nothing to change: give --name and/or --description\n"


def test_teams_through_the_real_entry_point(server: Server) -> None:
    name = _name()
    made = accord_process(server, "teams", "create", name, "--json", key=server.admin_key)
    assert made.returncode == 0, made.stderr
    assert as_json(made)["name"] == name
    denied = accord_process(server, "teams", "create", _name())  # a team key: not admin
    assert denied.returncode == 2
    assert denied.stderr.startswith("error: ")
    assert len(denied.stderr.strip().splitlines()) == 1
