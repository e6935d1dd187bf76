"""`accord dead-letters list|replay`: deliveries that failed for good, queued again.

A replayed dead letter keeps its ``webhook-id``, so receivers deduplicate it. ``replay``
takes ids (or unique id prefixes) or ``--all`` (with filters); ``--dry-run`` only says
what would be queued.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from itertools import islice
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from accord.cli.client._common import (
    ApiKeyOption,
    InputError,
    JsonOption,
    ProfileOption,
    UrlOption,
    connect,
    console,
    emit_json,
    errors,
    pick,
)
from accord.cli.client._time import parse_since, when
from accord.cli.client.webhooks import all_webhooks, last_error, resolve_webhook
from accord.sdk import Client, Delivery, ReplayResult

app = typer.Typer(
    help="Deliveries that failed for good: list and replay them.", no_args_is_help=True
)

NOTHING = "nothing to act on"
BULK_MAX = 1000  # the server's limit per bulk replay
DEFAULT_REASON = "replayed with accord dead-letters replay"

WebhookFilter = Annotated[
    str | None, typer.Option("--webhook", help="Only this webhook's (id, id prefix or URL).")
]
EventTypeFilter = Annotated[str | None, typer.Option(help="Only this event type.")]


def _dead(client: Client) -> list[Delivery]:
    return list(client.paginate(client.list_dead_letters, limit=500))


def _urls(client: Client) -> dict[uuid.UUID, str]:
    return {h.id: h.url for h in all_webhooks(client)}


def dead_table(items: Sequence[Delivery], urls: dict[uuid.UUID, str]) -> Table:
    table = Table(show_edge=False)
    for name in ("event", "webhook", "attempts", "last error", "dead since", "id"):
        table.add_column(name, overflow="fold")
    for d in items:
        table.add_row(
            d.event_type, urls.get(d.subscription_id, str(d.subscription_id)), str(d.attempts),
            last_error(d) or "-", when(d.dead_at), str(d.id),
        )  # fmt: skip
    return table


@app.command("list")
def list_dead_letters(
    webhook: WebhookFilter = None,
    event_type: EventTypeFilter = None,
    limit: Annotated[int, typer.Option(min=1, help="At most this many.")] = 100,
    url: UrlOption = None,
    api_key: ApiKeyOption = None,
    profile: ProfileOption = None,
    as_json: JsonOption = False,
) -> None:
    """List dead letters (a team key: its team's webhooks')."""
    with errors(as_json), connect(url, api_key, profile) as client:
        hook_id = resolve_webhook(client, webhook).id if webhook else None
        found = (
            d
            for d in client.paginate(client.list_dead_letters, limit=500)
            if (hook_id is None or d.subscription_id == hook_id)
            and (event_type is None or d.event_type == event_type)
        )
        items = list(islice(found, limit))
        urls = {} if as_json or not items else _urls(client)
    if as_json:
        emit_json(items)
        return
    if not items:
        console().print(NOTHING)
        return
    console().print(dead_table(items, urls), markup=False)
    console().print("replay them with `accord dead-letters replay ID ...` or `--all`")


@contextmanager
def _progress(total: int, quiet: bool) -> Iterator[Callable[[int], None]]:
    """``advance(n)``: a progress bar on a terminal, nothing otherwise (the count follows)."""
    out = console()
    if quiet or not out.is_terminal or total < 2:
        yield lambda n: None
        return
    columns = (TextColumn("replaying"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, console=out, transient=True) as bar:
        task = bar.add_task("replay", total=total)
        yield lambda n: bar.advance(task, n)


def _replay_each(client: Client, targets: list[Delivery], quiet: bool) -> list[uuid.UUID]:
    done: list[uuid.UUID] = []
    with _progress(len(targets), quiet) as advance:
        for d in targets:
            done.append(client.replay_dead_letter(d.id).id)
            advance(1)
    return done


def _replay_bulk(
    client: Client,
    total: int,
    reason: str,
    hook_id: uuid.UUID | None,
    event_type: str | None,
    since: datetime | None,
    quiet: bool,
) -> list[uuid.UUID]:
    """At most ``total`` (the dead letters matching when we looked), in server-sized
    batches: one that fails again at once is not replayed a second time."""
    done: list[uuid.UUID] = []
    with _progress(total, quiet) as advance:
        while len(done) < total:
            batch = client.replay_dead_letters(
                reason,
                subscription_id=hook_id,
                event_type=event_type,
                since=since,
                limit=min(BULK_MAX, total - len(done)),
            )
            if batch.replayed == 0:
                break
            done.extend(batch.delivery_ids)
            advance(batch.replayed)
    return done


@app.command("replay")
def replay(
    ids: Annotated[
        list[str] | None, typer.Argument(help="Dead letters: ids or unique id prefixes.")
    ] = None,
    all_: Annotated[
        bool, typer.Option("--all", help="Every dead letter (matching the filters).")
    ] = False,
    webhook: WebhookFilter = None,
    event_type: EventTypeFilter = None,
    since: Annotated[
        str | None, typer.Option(help="With --all: created since (24h, 7d, or a date).")
    ] = None,
    reason: Annotated[
        str, typer.Option(help="With --all: why (written to the audit log).")
    ] = DEFAULT_REASON,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Only show what would be replayed.")
    ] = False,
    url: UrlOption = None,
    api_key: ApiKeyOption = None,
    profile: ProfileOption = None,
    as_json: JsonOption = False,
) -> None:
    """Queue dead letters again (same event id: receivers deduplicate)."""
    with errors(as_json), connect(url, api_key, profile) as client:
        if bool(ids) == all_:
            raise InputError("give the dead letters to replay (ids or id prefixes), or --all")
        if ids and (webhook or event_type or since):
            raise InputError("--webhook, --event-type and --since go with --all, not with ids")
        moment = parse_since(since) if since else None
        hook_id = resolve_webhook(client, webhook).id if webhook else None
        dead = _dead(client)
        if ids:
            targets = [pick(v, dead, "dead letter", lambda d: d.id, lambda d: None) for v in ids]
            targets = list({d.id: d for d in targets}.values())
        else:
            plan = client.replay_dead_letters(
                reason,
                subscription_id=hook_id,
                event_type=event_type,
                since=moment,
                limit=max(len(dead), 1),
                dry_run=True,
            )
            wanted = set(plan.delivery_ids)
            targets = [d for d in dead if d.id in wanted]
        urls = {} if as_json or not targets else _urls(client)
        if dry_run or not targets:
            done = [d.id for d in targets]
        elif ids:
            done = _replay_each(client, targets, as_json)
        else:
            done = _replay_bulk(client, len(targets), reason, hook_id, event_type, moment, as_json)
    if as_json:
        emit_json(ReplayResult(replayed=len(done), delivery_ids=done, dry_run=dry_run))
        return
    out = console()
    if not targets:
        out.print(NOTHING)
    elif dry_run:
        out.print(dead_table(targets, urls), markup=False)
        out.print(f"dry run: would replay {len(targets)} dead letter(s); nothing was changed")
    else:
        out.print(
            f"replayed {len(done)} dead letter(s); follow them with `accord webhooks deliveries`"
        )
