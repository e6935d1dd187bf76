"""`accord proposals list|show|ack|publish|withdraw|force`: ids by unique prefix or by
the asset's FQN; names next to ids; "nothing to act on" for an empty inbox."""

from __future__ import annotations

from typing import Any

from tests.cli.test_check_impact import _edge
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


def _proposed(server: Server, downstream: bool = False) -> tuple[str, dict[str, Any]]:
    fqn = new_asset(server, ORDERS)
    if downstream:
        report = new_asset(server, ORDERS)
        _edge(server, fqn, report)
    assert accord(server, "register", fqn, key=server.consumer_key).returncode == 0
    opened = accord(server, "publish", fqn, write(server, NO_EMAIL), "--json")
    assert opened.returncode == 1, opened.stderr
    return fqn, as_json(opened)["proposal"]


def test_show_names_consumers_and_downstream_assets(server: Server) -> None:
    fqn, p = _proposed(server, downstream=True)
    shown = accord(server, "proposals", "show", p["id"][:13])
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.startswith(f"proposal {p['id']} on {fqn} (prod): open")
    row = next(line for line in shown.stdout.splitlines() if "analytics" in line)
    assert "pending" in row
    assert p["awaiting"][0]["registration_id"] in row
    assert "downstream assets (1, within" in shown.stdout
    assert "witness (" in shown.stdout
    assert f"`accord proposals publish {p['id']}`" in shown.stdout
    by_fqn = as_json(accord(server, "proposals", "show", fqn, "--json"))
    assert by_fqn["id"] == p["id"]
    assert by_fqn["impact"]["total"] == 1


def test_list_to_act_says_nothing_to_act_on(server: Server) -> None:
    fqn, p = _proposed(server)
    consumer = server.consumer_key
    mine = accord(server, "proposals", "list", "--to-act", "--asset", fqn, key=consumer)
    assert p["id"] in mine.stdout
    assert f"{fqn} (prod)" in mine.stdout
    acked = accord(server, "proposals", "ack", fqn, "--decision", "approve", key=consumer)
    assert acked.returncode == 0, acked.stderr
    assert acked.stdout.strip() == f"approve: proposal {p['id']} is now approved"
    empty = accord(server, "proposals", "list", "--to-act", "--asset", fqn, key=consumer)
    assert empty.returncode == 0, empty.stderr
    assert empty.stdout.strip() == "nothing to act on"
    assert as_json(accord(server, "proposals", "list", "--to-act", "--asset", fqn, "--json",
                          key=consumer)) == []  # fmt: skip
    none = accord(server, "proposals", "list", "--asset", new_asset(server))
    assert none.stdout.strip() == "no proposals"


def test_publish_an_approved_proposal_by_prefix(server: Server) -> None:
    fqn, p = _proposed(server)
    early = accord(server, "proposals", "publish", p["id"][:13], "--json")
    assert early.returncode == 2
    assert "is open, not approved: waiting on analytics (pending)" in early.stderr
    assert as_json(early)["error"]["code"] == "proposal_not_approved"
    accord(server, "proposals", "ack", p["id"], "--decision", "approve", key=server.consumer_key)
    done = accord(server, "proposals", "publish", p["id"][:13])
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"published {fqn} (prod) 2.0.0 from proposal {p['id']}"
    closed = accord(server, "proposals", "publish", p["id"])
    assert closed.returncode == 2
    assert "published, not approved: it is closed" in closed.stderr


def test_withdraw_by_fqn(server: Server) -> None:
    fqn, p = _proposed(server)
    done = accord(server, "proposals", "withdraw", fqn, "--reason", "wrong branch")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"withdrawn: proposal {p['id']} on {fqn} (prod)"
    assert as_json(accord(server, "proposals", "show", p["id"], "--json"))["status"] == "withdrawn"
    none = accord(server, "proposals", "withdraw", fqn)
    assert none.returncode == 2
    assert f"no open proposal on {fqn} (prod)" in none.stderr


def test_force_needs_a_reason_and_says_it_is_audited(server: Server) -> None:
    fqn, p = _proposed(server)
    bare = accord_process(server, "proposals", "force", p["id"], key=server.admin_key)
    assert bare.returncode == 2
    assert "--reason" in bare.stderr
    blank = accord(server, "proposals", "force", p["id"], "--reason", " ", key=server.admin_key)
    assert blank.returncode == 2
    assert "it is audited" in blank.stderr
    team = accord(server, "proposals", "force", p["id"], "--reason", "outage fix")
    assert team.returncode == 2, "admin only"
    done = accord(server, "proposals", "force", p["id"][:13], "--reason", "outage fix",
                  key=server.admin_key)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == (
        f"force-published {fqn} (prod) 2.0.0 from proposal {p['id']}; "
        "reason audited: 'outage fix'; notified: analytics"
    )


def test_ambiguous_and_unknown_prefixes(server: Server) -> None:
    first, second = _proposed(server)[1]["id"], _proposed(server)[1]["id"]
    shared = next(first[:i] for i in range(len(first), 0, -1) if second.startswith(first[:i]))
    assert len(shared) >= 4, "uuid7 ids made moments apart share their time prefix"
    ambiguous = accord(server, "proposals", "show", shared[:4])
    assert ambiguous.returncode == 2
    assert "matches more than one proposal" in ambiguous.stderr
    assert first in ambiguous.stderr
    unknown = accord(server, "proposals", "show", "ffffffff")
    assert unknown.returncode == 2
    assert "no proposal 'ffffffff'" in unknown.stderr
