"""`accord proposals list|show|ack|publish|withdraw|force`: a breaking change's life.

A proposal is named by its id, a unique prefix of it (4+ characters), or the FQN of its
asset (the asset's one live proposal: open, approved or blocked).
"""

from __future__ import annotations

import re
import uuid
from itertools import islice
from typing import Annotated

import typer
from rich.table import Table

from accord.cli.client._common import (
    ApiKeyOption,
    EnvironmentOption,
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
    resolve_asset,
    team_names,
)
from accord.cli.client._render import (
    awaiting_table,
    changes_table,
    print_downstream,
    waiting_on,
    witness_lines,
)
from accord.cli.errors import fail
from accord.sdk import Client, Decision, NotFoundError, Proposal, ProposalStatus

app = typer.Typer(help="Review, answer and ship breaking-change proposals.", no_args_is_help=True)

LIVE = ("open", "approved", "blocked")
_ID_PREFIX = re.compile(r"[0-9a-f-]{4,36}")

ProposalArg = Annotated[
    str,
    typer.Argument(
        help="The proposal: its id, a unique id prefix, or its asset's FQN (its live proposal)."
    ),
]


def resolve_proposal(client: Client, value: str, environment: str = "prod") -> Proposal:
    """The proposal ``value`` names: id, unique id prefix, or an asset's live proposal."""
    wanted = value.strip().lower()
    try:
        return client.get_proposal(uuid.UUID(wanted))
    except ValueError:
        pass
    if _ID_PREFIX.fullmatch(wanted):
        every = list(client.paginate(client.list_proposals, limit=500))
        return pick(value, every, "proposal", lambda p: p.id, lambda p: None)
    asset = resolve_asset(client, value, environment)
    live = [
        p
        for p in client.paginate(client.list_proposals, asset_id=asset.id, limit=500)
        if p.status in LIVE
    ]
    if not live:
        raise InputError(f"no open proposal on {asset.fqn} ({asset.environment})")
    return live[-1]


def asset_names(client: Client, proposals: list[Proposal]) -> dict[uuid.UUID, str]:
    """``fqn (environment)`` of each proposal's asset (its id when deleted since)."""
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
    asset: Annotated[str | None, typer.Option(help="Only this asset (FQN or id).")] = None,
    environment: EnvironmentOption = "prod",
    status: Annotated[ProposalStatus | None, typer.Option(help="Only this status.")] = None,
    to_act: Annotated[
        bool, typer.Option("--to-act", help="Only open ones your team has not approved.")
    ] = False,
    team: Annotated[str | None, typer.Option(help="Team for --to-act (id or name).")] = None,
    limit: Annotated[int, typer.Option(min=1, help="At most this many.")] = 100,
    url: UrlOption = None,
    api_key: ApiKeyOption = None,
    profile: ProfileOption = None,
    as_json: JsonOption = False,
) -> None:
    """List proposals, oldest first."""
    with errors(as_json), connect(url, api_key, profile) as client:
        asset_id = resolve_asset(client, asset, environment).id if asset else None
        acting = my_team(client, team, "--team") if to_act else None
        found = client.paginate(
            client.list_proposals,
            asset_id=asset_id,
            status=status,
            team_to_act=acting,
            limit=min(limit, 500),
        )
        proposals = list(islice(found, limit))
        assets = {} if as_json else asset_names(client, proposals)
    if as_json:
        emit_json(proposals)
        return
    if not proposals:
        console().print("nothing to act on" if to_act else "no proposals")
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
    proposal: ProposalArg,
    environment: EnvironmentOption = "prod",
    url: UrlOption = None,
    api_key: ApiKeyOption = None,
    profile: ProfileOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show a proposal: its breaking changes, the consumers it waits on and their
    answers, and the downstream assets it may break."""
    with errors(as_json), connect(url, api_key, profile) as client:
        p = resolve_proposal(client, proposal, environment)
        asset = asset_names(client, [p])[p.asset_id]
        names = team_names(client, [a.team_id for a in p.awaiting])
    if as_json:
        emit_json(p)
        return
    out = console()
    out.print(f"proposal {p.id} on {asset}: {p.status}")
    out.print(f"  against {p.base_version or '-'}, requested {p.requested_version or 'next major'}")
    if p.published_version:
        out.print(f"  published as {p.published_version}")
    if p.close_reason:
        out.print(f"  closed: {p.close_reason}")
    out.print(changes_table(f"breaking changes ({len(p.breaking_changes)})", p.breaking_changes))
    for line in witness_lines(p.witnesses):
        out.print(line, markup=False)
    if p.awaiting:
        out.print(awaiting_table(p.awaiting, names))
    else:
        out.print("no registered consumer is affected")
    print_downstream(out, p.impact)
    if p.status in LIVE:
        out.print(next_step(p, names))


def next_step(p: Proposal, names: dict[uuid.UUID, str]) -> str:
    """What the producer can do now with a live proposal."""
    if p.status == "approved":
        return f"approved: publish it with `accord proposals publish {p.id}`"
    return (
        f"waiting on {waiting_on(p.awaiting, names)}; when they approve, publish it with "
        f"`accord proposals publish {p.id}` (or run `accord publish` again)"
    )


@app.command("ack")
def ack(
    proposal: ProposalArg,
    decision: Annotated[Decision, typer.Option(help="Your team's answer.")],
    comment: Annotated[str, typer.Option(help="Why (shown to the producer).")] = "",
    team: Annotated[
        str | None, typer.Option(help="Team id or name; default: the key's team.")
    ] = None,
    environment: EnvironmentOption = "prod",
    url: UrlOption = None,
    api_key: ApiKeyOption = None,
    profile: ProfileOption = None,
    as_json: JsonOption = False,
) -> None:
    """Answer a proposal for your team: approve, block (with a reason in --comment) or
    migrating (not an approval)."""
    if decision == "block" and not comment.strip():
        fail("a block needs a reason: add --comment 'what your team still depends on'",
             as_json=as_json)  # fmt: skip
    with errors(as_json), connect(url, api_key, profile) as client:
        team_id = my_team(client, team, "--team")
        p = resolve_proposal(client, proposal, environment)
        p = client.acknowledge(p.id, team_id, decision, comment=comment)
    if as_json:
        emit_json(p)
        return
    console().print(f"{decision}: proposal {p.id} is now {p.status}")


@app.command("publish")
def publish(
    proposal: ProposalArg,
    version: Annotated[
        str | None, typer.Option(help="Version to publish as; default: the requested one.")
    ] = None,
    environment: EnvironmentOption = "prod",
    url: UrlOption = None,
    api_key: ApiKeyOption = None,
    profile: ProfileOption = None,
    as_json: JsonOption = False,
) -> None:
    """Publish an approved proposal as the asset's new major version (owner team)."""
    with errors(as_json), connect(url, api_key, profile) as client:
        p = resolve_proposal(client, proposal, environment)
        if p.status != "approved":
            names = team_names(client, [a.team_id for a in p.awaiting])
            why = next_step(p, names) if p.status in LIVE else "it is closed"
            fail(
                f"proposal {p.id} is {p.status}, not approved: {why}",
                as_json=as_json,
                extra={"code": "proposal_not_approved", "proposal_id": str(p.id)},
            )
        done = client.publish_proposal(p.id, version=version)
        asset = asset_names(client, [p])[p.asset_id]
    if as_json:
        emit_json(done)
        return
    console().print(f"published {asset} {done.version.version} from proposal {p.id}")


@app.command("withdraw")
def withdraw(
    proposal: ProposalArg,
    reason: Annotated[str, typer.Option(help="Why (shown to the consumers).")] = "",
    environment: EnvironmentOption = "prod",
    url: UrlOption = None,
    api_key: ApiKeyOption = None,
    profile: ProfileOption = None,
    as_json: JsonOption = False,
) -> None:
    """Withdraw a live proposal: the change will not ship (owner team)."""
    with errors(as_json), connect(url, api_key, profile) as client:
        p = resolve_proposal(client, proposal, environment)
        p = client.withdraw_proposal(p.id, reason=reason)
        asset = asset_names(client, [p])[p.asset_id]
    if as_json:
        emit_json(p)
        return
    console().print(f"withdrawn: proposal {p.id} on {asset}")


@app.command("force")
def force(
    proposal: ProposalArg,
    reason: Annotated[
        str, typer.Option(help="Why it ships without every approval (required, audited).")
    ],
    environment: EnvironmentOption = "prod",
    url: UrlOption = None,
    api_key: ApiKeyOption = None,
    profile: ProfileOption = None,
    as_json: JsonOption = False,
) -> None:
    """Publish a proposal without every approval (admin). The reason is written to the
    audit log and every awaited consumer is notified."""
    with errors(as_json), connect(url, api_key, profile) as client:
        if not reason.strip():
            raise InputError("--reason must say why (it is audited)")
        p = resolve_proposal(client, proposal, environment)
        done = client.force_publish_proposal(p.id, reason)
        asset = asset_names(client, [p])[p.asset_id]
        names = team_names(client, [a.team_id for a in done.proposal.awaiting])
    if as_json:
        emit_json(done)
        return
    told = ", ".join(sorted(names.values())) or "nobody"
    console().print(
        f"force-published {asset} {done.version.version} from proposal {p.id}; "
        f"reason audited: {reason!r}; notified: {told}",
        markup=False,
    )
