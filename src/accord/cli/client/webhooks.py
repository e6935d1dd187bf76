"""`accord webhooks list|create|show|update|delete|ping|deliveries|rotate-secret`.

A webhook is named by its id, a unique id prefix (4+ characters) or its URL. Its signing
secret is printed once, on create and on rotate-secret.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from itertools import islice
from typing import Annotated

import typer
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
    my_team,
    pick,
    team_names,
)
from accord.cli.client._time import when
from accord.sdk import (
    Client,
    Delivery,
    DeliveryStatus,
    PayloadFormat,
    Webhook,
    WebhookScope,
    WebhookWithSecret,
)

app = typer.Typer(
    help="Webhooks: where events are delivered, and what was delivered.", no_args_is_help=True
)

WebhookArg = Annotated[
    str, typer.Argument(help="The webhook: its id, a unique id prefix, or its URL.")
]
EventOption = Annotated[
    list[str] | None,
    typer.Option(
        "--event", help="An event type or `prefix.*` pattern (repeatable); default: every event."
    ),
]


def all_webhooks(client: Client) -> list[Webhook]:
    return list(client.paginate(client.list_webhooks, limit=500))


def resolve_webhook(client: Client, value: str) -> Webhook:
    """The webhook ``value`` names: id, unique id prefix or URL."""
    try:
        return client.get_webhook(uuid.UUID(value))
    except ValueError:
        pass
    return pick(value, all_webhooks(client), "webhook", lambda w: w.id, lambda w: w.url)


def _owner(hook: Webhook, names: dict[uuid.UUID, str]) -> str:
    return names.get(hook.team_id, str(hook.team_id)) if hook.team_id else "(workspace)"


def _events(hook: Webhook) -> str:
    return ", ".join(hook.event_types) or "(all)"


def _print_secret(hook: WebhookWithSecret) -> None:
    out = console()
    out.print("signing secret (verify deliveries with it):")
    typer.echo(hook.secret)
    out.print("this is the only time the secret is shown: store it now")


@app.command("list")
def list_webhooks(
    url: UrlOption = None,
    api_key: ApiKeyOption = None,
    profile: ProfileOption = None,
    as_json: JsonOption = False,
) -> None:
    """List webhooks (a team key: its team's; admin: the workspace's)."""
    with errors(as_json), connect(url, api_key, profile) as client:
        hooks = all_webhooks(client)
        names = {} if as_json else team_names(client, [h.team_id for h in hooks if h.team_id])
    if as_json:
        emit_json(hooks)
        return
    if not hooks:
        console().print("no webhooks")
        return
    table = Table(show_edge=False)
    for name in ("url", "team", "events", "scope", "format", "active", "id"):
        table.add_column(name, overflow="fold")
    for h in hooks:
        table.add_row(
            h.url, _owner(h, names), _events(h), h.scope, h.payload_format,
            "yes" if h.active else "no", str(h.id),
        )  # fmt: skip
    console().print(table, markup=False)


@app.command("create")
def create(
    target: Annotated[
        str, typer.Argument(metavar="RECEIVER_URL", help="Where to deliver: an http(s) URL.")
    ],
    event: EventOption = None,
    team: Annotated[
        str | None,
        typer.Option(help="Owning team (id or name); default: the key's team."),
    ] = None,
    workspace: Annotated[
        bool, typer.Option("--workspace", help="A workspace webhook, owned by no team (admin).")
    ] = False,
    scope: Annotated[
        WebhookScope | None,
        typer.Option(help="concerned: events about the team (default); all: every event."),
    ] = None,
    payload_format: Annotated[
        PayloadFormat | None, typer.Option("--format", help="standard (default) or slack.")
    ] = None,
    description: Annotated[str | None, typer.Option(help="Free text.")] = None,
    server: UrlOption = None,
    api_key: ApiKeyOption = None,
    profile: ProfileOption = None,
    as_json: JsonOption = False,
) -> None:
    """Subscribe RECEIVER_URL to events. The signing secret is printed this once."""
    with errors(as_json), connect(server, api_key, profile) as client:
        if workspace and team:
            raise InputError("give --team or --workspace, not both")
        team_id = None if workspace else my_team(client, team, "--team (or --workspace)")
        hook = client.create_webhook(
            target,
            event_types=sorted(set(event)) if event else None,
            team_id=team_id,
            scope=scope,
            payload_format=payload_format,
            description=description,
        )
        owner = team_names(client, [team_id])[team_id] if team_id else "the workspace"
    if as_json:
        emit_json(hook)
        return
    console().print(
        f"created webhook {hook.id} for {owner}: {hook.url} ({_events(hook)})", markup=False
    )
    _print_secret(hook)
    console().print(f"test it with `accord webhooks ping {hook.id}`", markup=False)


@app.command("show")
def show(
    webhook: WebhookArg,
    url: UrlOption = None,
    api_key: ApiKeyOption = None,
    profile: ProfileOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show a webhook (never its secret)."""
    with errors(as_json), connect(url, api_key, profile) as client:
        hook = resolve_webhook(client, webhook)
        names = team_names(client, [hook.team_id] if hook.team_id else [])
    if as_json:
        emit_json(hook)
        return
    out = console()
    out.print(f"webhook {hook.id}: {hook.url}", markup=False)
    out.print(f"  team {_owner(hook, names)}, {'active' if hook.active else 'paused'}")
    out.print(f"  events {_events(hook)}; scope {hook.scope}; format {hook.payload_format}")
    if hook.description:
        out.print(f"  {hook.description}", markup=False)
    out.print(f"  created {when(hook.created_at)}, updated {when(hook.updated_at)}")


@app.command("update")
def update(
    webhook: WebhookArg,
    target: Annotated[
        str | None, typer.Option("--receiver", help="New receiver URL (http or https).")
    ] = None,
    event: EventOption = None,
    all_events: Annotated[
        bool, typer.Option("--all-events", help="Subscribe to every event type.")
    ] = False,
    scope: Annotated[WebhookScope | None, typer.Option(help="concerned or all.")] = None,
    payload_format: Annotated[
        PayloadFormat | None, typer.Option("--format", help="standard or slack.")
    ] = None,
    description: Annotated[str | None, typer.Option(help="Free text.")] = None,
    active: Annotated[
        bool | None, typer.Option("--active/--paused", help="Deliver, or pause deliveries.")
    ] = None,
    server: UrlOption = None,
    api_key: ApiKeyOption = None,
    profile: ProfileOption = None,
    as_json: JsonOption = False,
) -> None:
    """Change the given fields only (``--event`` replaces the event list)."""
    with errors(as_json), connect(server, api_key, profile) as client:
        if event and all_events:
            raise InputError("give --event or --all-events, not both")
        events = [] if all_events else (sorted(set(event)) if event else None)
        fields = (target, events, scope, payload_format, description, active)
        if all(f is None for f in fields):
            raise InputError("nothing to change: give at least one option (see --help)")
        hook = client.update_webhook(
            resolve_webhook(client, webhook).id,
            url=target,
            event_types=events,
            scope=scope,
            payload_format=payload_format,
            description=description,
            active=active,
        )
    if as_json:
        emit_json(hook)
        return
    console().print(f"updated webhook {hook.id}: {hook.url} ({_events(hook)})", markup=False)


@app.command("delete")
def delete(
    webhook: WebhookArg,
    url: UrlOption = None,
    api_key: ApiKeyOption = None,
    profile: ProfileOption = None,
    as_json: JsonOption = False,
) -> None:
    """Delete a webhook; its pending deliveries become dead letters."""
    with errors(as_json), connect(url, api_key, profile) as client:
        hook = resolve_webhook(client, webhook)
        client.delete_webhook(hook.id)
    if as_json:
        emit_json(hook)
        return
    console().print(f"deleted webhook {hook.id}: {hook.url}", markup=False)


@app.command("rotate-secret")
def rotate_secret(
    webhook: WebhookArg,
    url: UrlOption = None,
    api_key: ApiKeyOption = None,
    profile: ProfileOption = None,
    as_json: JsonOption = False,
) -> None:
    """Replace the signing secret; the new one is printed this once."""
    with errors(as_json), connect(url, api_key, profile) as client:
        hook = client.rotate_webhook_secret(resolve_webhook(client, webhook).id)
    if as_json:
        emit_json(hook)
        return
    console().print(f"rotated the secret of webhook {hook.id}: {hook.url}", markup=False)
    _print_secret(hook)


@app.command("ping")
def ping(
    webhook: WebhookArg,
    url: UrlOption = None,
    api_key: ApiKeyOption = None,
    profile: ProfileOption = None,
    as_json: JsonOption = False,
) -> None:
    """Send a test event (``webhook.ping``) to this webhook only."""
    with errors(as_json), connect(url, api_key, profile) as client:
        hook = resolve_webhook(client, webhook)
        queued = client.ping_webhook(hook.id)
    if as_json:
        emit_json(queued)
        return
    out = console()
    out.print(
        f"queued {queued.event_type} to {hook.url}: delivery {queued.delivery_id}", markup=False
    )
    out.print(f"see how it went with `accord webhooks deliveries {hook.id}`", markup=False)


@app.command("deliveries")
def deliveries(
    webhook: WebhookArg,
    status: Annotated[DeliveryStatus | None, typer.Option(help="Only this status.")] = None,
    limit: Annotated[int, typer.Option(min=1, help="At most this many, newest first.")] = 50,
    url: UrlOption = None,
    api_key: ApiKeyOption = None,
    profile: ProfileOption = None,
    as_json: JsonOption = False,
) -> None:
    """A webhook's deliveries: status, attempts and the last error."""
    with errors(as_json), connect(url, api_key, profile) as client:
        hook = resolve_webhook(client, webhook)
        found = client.paginate(
            client.list_webhook_deliveries, hook.id, status=status, limit=min(limit, 500)
        )
        items = list(islice(found, limit))
    if as_json:
        emit_json(items)
        return
    if not items:
        console().print(f"no deliveries to {hook.url}", markup=False)
        return
    console().print(deliveries_table(f"deliveries to {hook.url}", items), markup=False)


def last_error(d: Delivery) -> str:
    """``404 http_4xx: the start of the answer`` (the detail is for admins only)."""
    parts = [str(d.last_status_code) if d.last_status_code else "", d.last_error_class or ""]
    head = " ".join(p for p in parts if p)
    return f"{head}: {d.last_error}" if d.last_error else head


def deliveries_table(title: str, items: Sequence[Delivery]) -> Table:
    table = Table(title=title, title_justify="left", show_edge=False)
    for name in ("event", "status", "attempts", "last error", "created", "id"):
        table.add_column(name, overflow="fold")
    for d in items:
        table.add_row(
            d.event_type, d.status, str(d.attempts), last_error(d) or "-", when(d.created_at),
            str(d.id),
        )  # fmt: skip
    return table
