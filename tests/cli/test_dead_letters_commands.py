"""`accord dead-letters` against a real server and receiver: real dead letters (the
receiver answers 410), listed, replayed one by one or all at once, or only planned."""

from __future__ import annotations

from accord.sdk import Client
from tests.cli.test_client_commands import Server, accord, accord_process, as_json
from tests.cli.test_webhooks_commands import (
    Receiver,
    create_hook,
    hook_server,
    receiver,
    wait_until,
)

__all__ = ["hook_server", "receiver"]


def _dead(server: Server, hook: str) -> list[str]:
    with Client(server.url, server.producer_key) as c:
        dead = c.paginate(c.list_dead_letters, limit=500)
        return [str(d.id) for d in dead if str(d.subscription_id) == hook]


def _kill(server: Server, receiver: Receiver, path: str, count: int) -> tuple[str, list[str]]:
    """A webhook to ``path`` (answered 410) and ``count`` pings to it, all dead."""
    hook = create_hook(server, receiver, path)
    for _ in range(count):
        assert accord(server, "webhooks", "ping", hook).returncode == 0
    wait_until(lambda: len(_dead(server, hook)) == count, f"{count} dead letters")
    return hook, _dead(server, hook)


def test_nothing_to_act_on(hook_server: Server) -> None:
    consumer = hook_server.consumer_key
    assert accord(hook_server, "dead-letters", "list", key=consumer).stdout == "nothing to act on\n"
    assert as_json(accord(hook_server, "dead-letters", "list", "--json", key=consumer)) == []
    replay = accord(hook_server, "dead-letters", "replay", "--all", key=consumer)
    assert replay.returncode == 0, replay.stderr
    assert replay.stdout == "nothing to act on\n"


def test_list_names_the_webhook_and_the_error(hook_server: Server, receiver: Receiver) -> None:
    hook, dead = _kill(hook_server, receiver, "/gone/list", 2)
    listed = accord(hook_server, "dead-letters", "list", "--webhook", hook)
    assert listed.returncode == 0, listed.stderr
    rows = [line for line in listed.stdout.splitlines() if "webhook.ping" in line]
    assert sorted(r.split()[-1] for r in rows) == sorted(dead)
    assert all(f"{receiver.url}/gone/list" in r and "410 http_4xx" in r for r in rows)
    assert "accord dead-letters replay" in listed.stdout.splitlines()[-1]


def test_replay_by_id_and_dry_run_changes_nothing(hook_server: Server, receiver: Receiver) -> None:
    hook, dead = _kill(hook_server, receiver, "/gone/one", 2)
    hits = receiver.hits("/gone/one")
    planned = accord(hook_server, "dead-letters", "replay", dead[0], "--dry-run")
    assert planned.returncode == 0, planned.stderr
    assert dead[0] in planned.stdout
    assert planned.stdout.splitlines()[-1] == (
        "dry run: would replay 1 dead letter(s); nothing was changed"
    )
    assert sorted(_dead(hook_server, hook)) == sorted(dead)

    done = accord(hook_server, "dead-letters", "replay", dead[0][:30])  # a unique prefix
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("replayed 1 dead letter(s)")
    wait_until(lambda: receiver.hits("/gone/one") == hits + 1, "the replayed delivery")


def test_replay_all_with_a_dry_run_first(hook_server: Server, receiver: Receiver) -> None:
    hook, dead = _kill(hook_server, receiver, "/gone/all", 3)
    hits = receiver.hits("/gone/all")
    plan = accord(hook_server, "dead-letters", "replay", "--all", "--webhook", hook, "--dry-run",
                  "--json")  # fmt: skip
    assert plan.returncode == 0, plan.stderr
    body = as_json(plan)
    assert (body["replayed"], body["dry_run"]) == (3, True)
    assert sorted(body["delivery_ids"]) == sorted(dead)
    assert sorted(_dead(hook_server, hook)) == sorted(dead), "a dry run changes nothing"

    args = ["dead-letters", "replay", "--all", "--webhook", hook, "--reason", "receiver fixed"]
    done = accord(hook_server, *args)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("replayed 3 dead letter(s)")
    wait_until(lambda: receiver.hits("/gone/all") == hits + 3, "the replayed deliveries")
    with Client(hook_server.url, hook_server.admin_key) as c:
        [event] = c.list_audit_events(action="dead_letter.bulk_replayed", limit=1).items
    assert event.after is not None
    assert (event.after["reason"], event.after["count"]) == ("receiver fixed", 3)


def test_ids_or_all_and_unknown_ids(hook_server: Server) -> None:
    neither = accord(hook_server, "dead-letters", "replay")
    assert neither.returncode == 2
    assert neither.stderr == (
        "error: give the dead letters to replay (ids or id prefixes), or --all\n"
    )
    both = accord(hook_server, "dead-letters", "replay", "abcd", "--all")
    assert both.returncode == 2
    unknown = accord(hook_server, "dead-letters", "replay", "0000ffff")
    assert unknown.returncode == 2
    assert unknown.stderr == "error: no dead letter '0000ffff'\n"


def test_dead_letters_through_the_real_entry_point(hook_server: Server, receiver: Receiver) -> None:
    _, dead = _kill(hook_server, receiver, "/gone/process", 1)
    done = accord_process(hook_server, "dead-letters", "replay", dead[0], "--json")
    assert done.returncode == 0, done.stderr
    assert as_json(done) == {"replayed": 1, "delivery_ids": dead, "dry_run": False}
    bad = accord_process(hook_server, "dead-letters", "replay", "--all", "--since", "whenever")
    assert bad.returncode == 2
    assert bad.stderr.strip().splitlines() == [
        "error: --since: 'whenever' is neither a duration like 24h or 7d nor a date like "
        "2025-01-31 or 2025-01-31T12:00:00Z"
    ]
