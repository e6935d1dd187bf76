"""`accord impact ASSET CONTRACT_FILE`: what publishing a contract would do, and to whom.

The breaking changes, the consumers a proposal would wait on (and those it would not),
and the assets downstream that may break too. Nothing is written; exit 0 whatever the
answer (`accord check` is the CI gate), 2 on any error.
"""

from __future__ import annotations

import uuid
from typing import Annotated

import typer

from accord.cli.client._common import (
    ApiKeyOption,
    EnvironmentOption,
    JsonOption,
    ProfileOption,
    UrlOption,
    connect,
    console,
    emit_json,
    errors,
)
from accord.cli.client._files import (
    ContractArg,
    FormatChoice,
    FormatOption,
    GuaranteesOption,
    RefOption,
    load_contract,
)
from accord.cli.client._render import changes_table, consumers_table, print_downstream
from accord.cli.client.check import DepthOption, approved_at_once, assess, impact_json
from accord.sdk import Asset, Impact


def impact(
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
    """Show who and what publishing CONTRACT_FILE would affect, without publishing it."""
    with errors(as_json), connect(url, api_key, profile) as client:
        asset, found, names = assess(
            client, asset_fqn, environment, load_contract(contract_file, format, guarantees, ref),
            version=version, depth=depth,
        )  # fmt: skip
    if as_json:
        emit_json(impact_json(asset, found))
        return
    _print(asset, found, names)


def _outcome(impact: Impact) -> str:
    if impact.outcome == "unchanged":
        return f"unchanged (identical to {impact.version})"
    reason = approved_at_once(impact)
    if reason is not None:
        return f"breaking, approved at once ({reason}): would publish {impact.version}"
    if impact.outcome == "published":
        return f"compatible: would publish {impact.version}"
    return f"breaking: would open a proposal for {impact.version}"


def _print(asset: Asset, impact: Impact, names: dict[uuid.UUID, str]) -> None:
    out = console()
    against = f" against {impact.base_version}" if impact.base_version else ""
    out.print(f"{asset.fqn} ({asset.environment}) under {asset.compatibility}{against}: "
              f"{_outcome(impact)}")  # fmt: skip
    if impact.breaking_changes:
        changes = impact.breaking_changes
        out.print(changes_table(f"breaking changes ({len(changes)})", changes))
    affected, unaffected = impact.affected_registrations, impact.unaffected_registrations
    if affected:
        out.print(consumers_table(f"affected consumers ({len(affected)})", affected, names))
    elif impact.breaking:
        out.print("no registered consumer is affected")
    if unaffected:
        title = f"consumers not affected ({len(unaffected)})"
        out.print(consumers_table(title, unaffected, names))
    print_downstream(out, impact.downstream)
