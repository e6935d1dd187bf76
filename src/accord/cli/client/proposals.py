"""`accord proposals list|show|ack`: the consumer's side of a breaking change."""

from __future__ import annotations

import uuid
from itertools import islice
from typing import Annotated

import typer
from rich.table import Table

from accord.cli.client._common import (
    ApiKeyOption,
    EnvironmentOption,
    JsonOption,
    UrlOption,
    connect,
    console,
    emit_json,
    errors,
    my_team,
    team_names,
)
from accord.cli.client._render import awaiting_table, changes_table
from accord.sdk import Client, Decision, NotFoundError, Proposal, ProposalStatus

app = typer.Typer(help="Review and answer breaking-change proposals.", no_args_is_help=True)

ProposalArg = Annotated[uuid.UUID, typer.Argument(help="The proposal's id.")]


def _asset_names(client: Client, proposals: list[Proposal]) -> dict[uuid.UUID, str]:
    names: dict[uuid.UUID, str] = {}
    for asset_id in {p.asset_id for p in proposals}:
        try:
            asset = client.get_asset(asset_id)
        except NotFoundError:  # deleted since: its proposals are still listed
            names[asset_id] = str(asset_id)
            continue
        names[asset_id] = f"{asset.fqn} ({asset.environment})"
    return names


def _answers(p: Proposal) -> str:
    approved = sum(1 for a in p.awaiting if a.decision == "approve")
    blocked = sum(1 for a in p.awaiting if a.decision == "block")
    return f"{approved}/{len(p.awaiting)} approved" + (f", {blocked} blocked" if blocked else "")


@app.command("list")
def list_proposals(
    asset: Annotated[str | None, typer.Option(help="Only this asset (fqn).")] = None,
    environment: EnvironmentOption = "prod",
    status: Annotated[ProposalStatus | None, typer.Option(help="Only this status.")] = None,
    to_act: Annotated[
        bool, typer.Option("--to-act", help="Only open ones your team has not approved.")
    ] = False,
    team: Annotated[str | None, typer.Option(help="Team for --to-act (id or name).")] = None,
    limit: Annotated[int, typer.Option(min=1, help="At most this many.")] = 100,
    url: UrlOption = None,
    api_key: ApiKeyOption = None,
    as_json: JsonOption = False,
) -> None:
    """List proposals."""
    with errors(as_json), connect(url, api_key) as client:
        asset_id = client.get_asset_by_fqn(asset, environment).id if asset else None
        acting = my_team(client, team, "--team") if to_act else None
        found = client.paginate(
            client.list_proposals,
            asset_id=asset_id,
            status=status,
            team_to_act=acting,
            limit=min(limit, 500),
        )
        proposals = list(islice(found, limit))
        assets = {} if as_json else _asset_names(client, proposals)
    if as_json:
        emit_json(proposals)
        return
    table = Table(show_edge=False)
    for name in ("id", "asset", "status", "change", "breaking", "consumers", "opened"):
        table.add_column(name, overflow="fold")
    for p in proposals:
        change = f"{p.base_version or '-'} -> {p.requested_version or 'next major'}"
        opened = p.created_at.strftime("%Y-%m-%d %H:%M")
        breaking = str(len(p.breaking_changes))
        table.add_row(
            str(p.id), assets[p.asset_id], p.status, change, breaking, _answers(p), opened
        )
    console().print(table)


@app.command("show")
def show(
    proposal_id: ProposalArg,
    url: UrlOption = None,
    api_key: ApiKeyOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show a proposal: its breaking changes and every consumer's answer."""
    with errors(as_json), connect(url, api_key) as client:
        p = client.get_proposal(proposal_id)
        asset = _asset_names(client, [p])[p.asset_id]
        names = team_names(client, [a.team_id for a in p.awaiting])
    if as_json:
        emit_json(p)
        return
    _print(p, asset, names)


def _print(p: Proposal, asset: str, names: dict[uuid.UUID, str]) -> None:
    out = console()
    out.print(f"proposal {p.id} on {asset}: {p.status}")
    out.print(f"  against {p.base_version or '-'}, requested {p.requested_version or 'next major'}")
    if p.published_version:
        out.print(f"  published as {p.published_version}")
    if p.close_reason:
        out.print(f"  closed: {p.close_reason}")
    out.print(changes_table(f"breaking changes ({len(p.breaking_changes)})", p.breaking_changes))
    if p.awaiting:
        out.print(awaiting_table(p.awaiting, names))


@app.command("ack")
def ack(
    proposal_id: ProposalArg,
    decision: Annotated[Decision, typer.Option(help="Your team's answer.")],
    comment: Annotated[str, typer.Option(help="Why (shown to the producer).")] = "",
    team: Annotated[
        str | None, typer.Option(help="Team id or name; default: the key's team.")
    ] = None,
    url: UrlOption = None,
    api_key: ApiKeyOption = None,
    as_json: JsonOption = False,
) -> None:
    """Answer a proposal for your team: approve, block or migrating (not an approval)."""
    with errors(as_json), connect(url, api_key) as client:
        team_id = my_team(client, team, "--team")
        p = client.acknowledge(proposal_id, team_id, decision, comment=comment)
    if as_json:
        emit_json(p)
        return
    console().print(f"{decision}: proposal {p.id} is now {p.status}")
