"""`accord impact ASSET CONTRACT_FILE`: the breaking changes, the consumers a proposal
would wait on, and the downstream assets, by name; exit 0 whatever the answer."""

from __future__ import annotations

from tests.cli.test_check_impact import _edge
from tests.cli.test_client_commands import (
    NO_EMAIL,
    ORDERS,
    WITH_NOTE,
    Server,
    accord,
    as_json,
    new_asset,
    server,
    write,
)

__all__ = ["server"]


def test_impact_names_consumers_and_downstream_assets(server: Server) -> None:
    fqn = new_asset(server, ORDERS)
    report = new_asset(server, ORDERS)
    _edge(server, fqn, report)
    accord(server, "register", fqn, "--fields", "email", key=server.consumer_key)
    done = accord(server, "impact", fqn, write(server, NO_EMAIL))
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"{fqn} (prod) under forward against 1.0.0: breaking")
    assert "/properties/email" in done.stdout
    assert "affected consumers (1)" in done.stdout
    assert "analytics" in done.stdout
    assert report in done.stdout
    body = as_json(accord(server, "impact", fqn, write(server, NO_EMAIL), "--json"))
    assert body["outcome"] == "proposal"
    assert [r["team_id"] for r in body["affected_registrations"]] == [server.consumer_team]
    assert [a["fqn"] for a in body["downstream"]["assets"]] == [report]


def test_impact_of_a_compatible_change_and_of_an_unread_field(server: Server) -> None:
    fqn = new_asset(server, ORDERS)
    accord(server, "register", fqn, "--fields", "id", key=server.consumer_key)
    ok = accord(server, "impact", fqn, write(server, WITH_NOTE))
    assert ok.returncode == 0, ok.stderr
    assert "compatible: would publish 1.1.0" in ok.stdout
    assert "consumers not affected (1)" in ok.stdout
    unread = accord(server, "impact", fqn, write(server, NO_EMAIL))
    assert unread.returncode == 0, unread.stderr
    assert "approved at once (no registered consumer reads what the change breaks)" in (
        unread.stdout
    )
    assert "no downstream assets" in unread.stdout


def test_impact_depth_and_errors(server: Server) -> None:
    a, b, c = (new_asset(server, ORDERS) for _ in range(3))
    _edge(server, a, b)
    _edge(server, b, c)
    near = as_json(accord(server, "impact", a, write(server, NO_EMAIL), "--depth", "1", "--json"))
    assert [x["fqn"] for x in near["downstream"]["assets"]] == [b]
    far = as_json(accord(server, "impact", a, write(server, NO_EMAIL), "--depth", "2", "--json"))
    assert [x["fqn"] for x in far["downstream"]["assets"]] == [b, c]
    missing = accord(server, "impact", a + "x", write(server, NO_EMAIL))
    assert missing.returncode == 2
    assert f"no asset '{a}x'" in missing.stderr
    assert f"did you mean '{a}'" in missing.stderr
