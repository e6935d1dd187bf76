"""`accord check ASSET CONTRACT_FILE`: would this contract publish? For CI.

Exit 0 when it would publish: compatible, unchanged, or breaking with nobody to ask (such
a change is approved at once). Exit 1 when it would open a proposal: the breaking changes,
the consumers it would wait on and the downstream assets are printed. Exit 2 on any
error. Nothing is written on the server: this is the impact dry run.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

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
    Contract,
    ContractArg,
    FormatChoice,
    FormatOption,
    GuaranteesOption,
    RefOption,
    load_contract,
)
from accord.cli.client._render import print_breaking, print_downstream
from accord.sdk import Asset, Client, Impact

DepthOption = Annotated[
    int | None,
    typer.Option(min=1, help="Follow lineage this many edges downstream (server default)."),
]


def check(
    asset_fqn: Annotated[str, typer.Argument(help="The asset: its FQN or id.")],
    contract_file: ContractArg,
    format: FormatOption = FormatChoice.auto,
    version: Annotated[str | None, typer.Option(help="Version you intend to publish.")] = None,
    environment: EnvironmentOption = "prod",
    guarantees: GuaranteesOption = None,
    ref: RefOption = None,
    depth: DepthOption = None,
    url: UrlOption = None,
    api_key: ApiKeyOption = None,
    profile: ProfileOption = None,
    as_json: JsonOption = False,
) -> None:
    """Check CONTRACT_FILE against the asset's policy and consumers without publishing."""
    with errors(as_json), connect(url, api_key, profile) as client:
        asset, impact, names = assess(
            client, asset_fqn, environment, load_contract(contract_file, format, guarantees, ref),
            version=version, depth=depth,
        )  # fmt: skip
    if as_json:
        emit_json(impact_json(asset, impact))
    else:
        _print(asset, impact, names)
    if impact.outcome == "proposal":
        raise typer.Exit(BREAKING)


def assess(
    client: Client,
    asset_ref: str,
    environment: str,
    contract: Contract,
    *,
    version: str | None,
    depth: int | None,
) -> tuple[Asset, Impact, dict[uuid.UUID, str]]:
    """The asset, what publishing ``contract`` would do, and the consumers' team names."""
    asset = resolve_asset(client, asset_ref, environment)
    impact = client.impact(
        asset.id,
        contract.schema,
        format=contract.format,
        version=version,
        guarantees=contract.guarantees,
        references=contract.references,
        depth=depth,
    )
    regs = [*impact.affected_registrations, *impact.unaffected_registrations]
    return asset, impact, team_names(client, [r.team_id for r in regs])


def approved_at_once(impact: Impact) -> str | None:
    """Why a breaking change would be approved at once (nobody to ask), else None."""
    if not impact.breaking or impact.outcome != "published":
        return None
    if impact.unaffected_registrations:
        return "no registered consumer reads what the change breaks"
    return "no registered consumers"


def impact_json(asset: Asset, impact: Impact) -> dict[str, Any]:
    reason = approved_at_once(impact)
    return {
        "asset": {"id": str(asset.id), "fqn": asset.fqn, "environment": asset.environment},
        **impact.model_dump(mode="json"),
        "auto_approved": reason is not None,
        "auto_approval_reason": reason,
    }


def _print(asset: Asset, impact: Impact, names: dict[uuid.UUID, str]) -> None:
    out = console()
    where = f"{asset.fqn} ({asset.environment})"
    policy = asset.compatibility
    reason = approved_at_once(impact)
    if impact.outcome == "unchanged":
        out.print(f"ok: {where} is unchanged (identical to {impact.version})")
    elif reason is not None:
        out.print(
            f"ok: {where}: breaking under {policy} against {impact.base_version}, but "
            f"{reason}: it would be approved at once and publish {impact.version}"
        )
        print_breaking(out, impact.breaking_changes, impact.affected_registrations, names)
    elif impact.outcome == "published":
        base = f"compatible with {impact.base_version}" if impact.base_version else "first version"
        out.print(f"ok: {where}: {base} under {policy}; would publish {impact.version}")
    else:
        out.print(
            f"BREAKING: {where} under {policy} against {impact.base_version}: "
            f"publishing would open a proposal (next version {impact.version})"
        )
        print_breaking(out, impact.breaking_changes, impact.affected_registrations, names)
    print_downstream(out, impact.downstream)
