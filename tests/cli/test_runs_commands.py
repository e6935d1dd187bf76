"""`accord runs` against a real server: an asset's validation-run history by FQN, one
run's results and the per-check pass-rate trend."""

from __future__ import annotations

from typing import Any

from accord.sdk import Client
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


def _report(*statuses: str) -> dict[str, Any]:
    checks = [
        {"id": f"not_null:c{i}", "kind": "not_null", "status": s, "failed_rows": 0 if s == "pass"
         else 3, "total_rows": 10}
        for i, s in enumerate(statuses)
    ]  # fmt: skip
    return {"source": "s3://lake/orders.parquet", "version": "1.0.0", "checks": checks}


def _with_runs(server: Server) -> tuple[str, list[str]]:
    """An asset with two runs: passed, then failed (reported by the consumer team)."""
    fqn = new_asset(server, ORDERS)
    with Client(server.url, server.producer_key) as c:
        asset = c.get_asset_by_fqn(fqn)
        first = c.report_validation_run(asset.id, _report("pass", "pass"), pipeline="nightly")
    accord(server, "register", fqn, key=server.consumer_key)
    with Client(server.url, server.consumer_key) as c:
        second = c.report_validation_run(asset.id, _report("pass", "fail"))
    return fqn, [str(second.id), str(first.id)]


def test_list_shows_the_history_newest_first_with_team_names(server: Server) -> None:
    fqn, ids = _with_runs(server)
    listed = accord(server, "runs", "list", fqn)
    assert listed.returncode == 0, listed.stderr
    rows = [line for line in listed.stdout.splitlines() if any(i in line for i in ids)]
    assert [r.split()[-1] for r in rows] == ids
    assert "failed" in rows[0]
    assert "analytics (consumer)" in rows[0]
    assert "passed" in rows[1]
    assert "orders-producer" in rows[1]
    assert "[nightly]" in rows[1]
    assert [r["id"] for r in as_json(accord(server, "runs", "list", fqn, "--json"))] == ids
    failed = as_json(accord(server, "runs", "list", fqn, "--status", "failed", "--json"))
    assert [r["id"] for r in failed] == ids[:1]
    recent = as_json(accord(server, "runs", "list", fqn.upper(), "--since", "1h", "--json"))
    assert len(recent) == 2, "an FQN in any case, --since as a duration"


def test_show_the_latest_run_or_one_by_id_prefix(server: Server) -> None:
    fqn, ids = _with_runs(server)
    latest = accord(server, "runs", "show", fqn)
    assert latest.returncode == 0, latest.stderr
    assert latest.stdout.startswith(f"run {ids[0]} of {fqn} (prod): failed")
    assert "reported by analytics (a consumer)" in latest.stdout
    row = next(line for line in latest.stdout.splitlines() if "not_null:c1" in line)
    assert "fail" in row
    assert "3/10" in row
    older = as_json(accord(server, "runs", "show", fqn, ids[1][:30], "--json"))
    assert older["id"] == ids[1]
    assert [c["status"] for c in older["checks"]] == ["pass", "pass"]


def test_trend_gives_each_checks_pass_rate(server: Server) -> None:
    fqn, _ = _with_runs(server)
    body = as_json(accord(server, "runs", "trend", fqn, "--json"))
    assert body["runs"] == 2
    assert {c["id"]: c["pass_rate"] for c in body["checks"]} == {
        "not_null:c0": 1.0,
        "not_null:c1": 0.5,
    }
    human = accord(server, "runs", "trend", fqn)
    assert human.returncode == 0, human.stderr
    lines = human.stdout.splitlines()
    assert "over 2 run(s)" in lines[0]
    worst = next(line for line in lines if "not_null:c1" in line)
    assert "50%" in worst
    assert "fail" in worst


def test_no_runs_is_one_line(server: Server) -> None:
    fqn = new_asset(server, ORDERS)
    assert accord(server, "runs", "list", fqn).stdout == f"no validation runs for {fqn} (prod)\n"
    assert accord(server, "runs", "trend", fqn).stdout == f"no validation runs for {fqn} (prod)\n"
    assert as_json(accord(server, "runs", "list", fqn, "--json")) == []
    shown = accord(server, "runs", "show", fqn)
    assert shown.returncode == 2
    assert shown.stderr == f"error: no validation runs for {fqn} (prod)\n"


def test_unknown_asset_and_bad_since_are_one_line(server: Server) -> None:
    fqn = new_asset(server, ORDERS)
    typo = accord(server, "runs", "list", fqn[:-1])
    assert typo.returncode == 2
    assert f"did you mean '{fqn}'" in typo.stderr
    bad = accord(server, "runs", "list", fqn, "--since", "yesterday")
    assert bad.returncode == 2
    assert bad.stderr.startswith("error: --since: 'yesterday' is neither a duration")


def test_runs_through_the_real_entry_point(server: Server) -> None:
    fqn, ids = _with_runs(server)
    done = accord_process(server, "runs", "list", fqn, "--json")
    assert done.returncode == 0, done.stderr
    assert [r["id"] for r in as_json(done)] == ids
    missing = accord_process(server, "runs", "show", "warehouse.nope")
    assert missing.returncode == 2
    assert missing.stderr.strip().splitlines() == [
        "error: no asset 'warehouse.nope' in environment 'prod'"
    ]
