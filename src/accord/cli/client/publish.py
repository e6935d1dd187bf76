"""`accord publish ASSET CONTRACT_FILE`: publish a contract version.

Re-running it is the producer's loop: a breaking change opens a proposal (exit 1, naming
the consumers it waits on); once they have all approved, running the same command again
publishes the approved proposal (exit 0). A breaking change nobody is affected by is
approved at once and published. Exit 2 on any error.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any, NoReturn

import typer

from accord.cli.client._common import (
    BREAKING,
    ApiKeyOption,
    EnvironmentOption,
    JsonOption,
    ProfileOption,
    UrlOption,
    connect,
    console,
    emit_json,
    errors,
    resolve_asset,
    team_names,
)
from accord.cli.client._files import (
    ContractArg,
    FormatChoice,
    FormatOption,
    GuaranteesOption,
    RefOption,
    load_contract,
)
from accord.cli.client._render import awaiting_table, changes_table
from accord.cli.client.proposals import LIVE, next_step
from accord.cli.errors import fail
from accord.sdk import Asset, Client, ConflictError, Proposal, PublishResult


def publish(
    asset_fqn: Annotated[str, typer.Argument(help="The asset: its FQN or id.")],
    contract_file: ContractArg,
    format: FormatOption = FormatChoice.auto,
    version: Annotated[
        str | None, typer.Option(help="Semantic version; default: the next one.")
    ] = None,
    environment: EnvironmentOption = "prod",
    guarantees: GuaranteesOption = None,
    replace_open_proposal: Annotated[
        bool,
        typer.Option(
            "--replace-open-proposal",
            help="Supersede the asset's live proposal for another change (its answers are lost).",
        ),
    ] = False,
    idempotency_key: Annotated[
        str | None, typer.Option(help="Make a retried publish return the first answer.")
    ] = None,
    ref: RefOption = None,
    url: UrlOption = None,
    api_key: ApiKeyOption = None,
    profile: ProfileOption = None,
    as_json: JsonOption = False,
) -> None:
    """Publish CONTRACT_FILE as the asset's next contract version."""
    with errors(as_json):
        contract = load_contract(contract_file, format, guarantees, ref)
        with connect(url, api_key, profile) as client:
            asset = resolve_asset(client, asset_fqn, environment)
            try:
                result = client.publish(
                    asset.id,
                    contract.schema,
                    format=contract.format,
                    version=version,
                    guarantees=contract.guarantees,
                    replace_open_proposal=replace_open_proposal,
                    idempotency_key=idempotency_key,
                    references=contract.references,
                )
            except ConflictError as exc:
                if exc.code != "open_proposal_exists":
                    raise
                _other_change(client, exc, as_json)
            if result.proposal is not None and result.proposal.status == "approved":
                # the same change, approved since it was proposed: ship it (the loop's end)
                done = client.publish_proposal(result.proposal.id, version=version)
                result = PublishResult(
                    outcome="published", version=done.version, proposal=done.proposal
                )
            waiting = result.proposal.awaiting if result.proposal else []
            names = team_names(client, [a.team_id for a in waiting])
    if as_json:
        emit_json(_json(result))
    else:
        _print(asset, result, names)
    if result.outcome == "proposal":
        raise typer.Exit(BREAKING)


def _other_change(client: Client, exc: ConflictError, as_json: bool) -> NoReturn:
    """A live proposal for a different change blocks this one: say what to do with it."""
    pid = str(exc.problem.get("proposal_id", ""))
    try:
        live: Proposal | None = client.get_proposal(uuid.UUID(pid))
    except ValueError:
        live = None
    if live is None or live.status not in LIVE:
        raise exc
    names = team_names(client, [a.team_id for a in live.awaiting])
    fail(
        f"proposal {live.id} ({live.status}) is live for a different change to this asset; "
        f"{next_step(live, names)}; or withdraw it (`accord proposals withdraw {live.id}`), "
        "or publish with --replace-open-proposal to replace it (its answers are lost)",
        as_json=as_json,
        extra={"status": exc.status, "code": exc.code, "proposal_id": str(live.id)},
    )


def _json(result: PublishResult) -> dict[str, Any]:
    # The API's own shape: `version` for published/unchanged, `proposal` when one exists.
    detail: dict[str, Any] = {"version": result.version} if result.version else {}
    if result.proposal is not None:
        detail["proposal"] = result.proposal
    return {"outcome": result.outcome, **detail}


def _print(asset: Asset, result: PublishResult, names: dict[uuid.UUID, str]) -> None:
    out = console()
    where = f"{asset.fqn} ({asset.environment})"
    p = result.proposal
    if result.version is not None:
        verb = "published" if result.outcome == "published" else "unchanged:"
        out.print(f"{verb} {where} {result.version.version}")
        if p is not None and p.awaiting:
            out.print(f"  breaking change approved by every consumer (proposal {p.id})")
        elif p is not None:
            why = p.close_reason or "approved at once: no registered consumer is affected"
            out.print(f"  breaking change {why} (proposal {p.id})")
        return
    assert p is not None
    out.print(
        f"proposal {p.id} ({p.status}): {where} change is breaking against {p.base_version}; "
        f"waiting on {_count(p)} of {len(p.awaiting)} consumer team(s)"
    )
    out.print(changes_table(f"breaking changes ({len(p.breaking_changes)})", p.breaking_changes))
    if p.awaiting:
        out.print(awaiting_table(p.awaiting, names))
    out.print(next_step(p, names))


def _count(p: Proposal) -> int:
    return sum(1 for a in p.awaiting if a.decision != "approve")
