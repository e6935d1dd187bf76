"""`accord diff ASSET FROM TO`: what changed between two published versions.

The changes under the asset's policy, with a witness document for each incompatibility,
and the guarantee changes. Informational: exit 0 whatever the verdict, 2 on any error.
"""

from __future__ import annotations

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
    resolve_asset,
)
from accord.cli.client._render import changes_table, witness_lines


def diff(
    asset_fqn: Annotated[str, typer.Argument(help="The asset: its FQN or id.")],
    from_version: Annotated[str, typer.Argument(metavar="FROM", help="The older version.")],
    to_version: Annotated[str, typer.Argument(metavar="TO", help="The newer version.")],
    environment: EnvironmentOption = "prod",
    url: UrlOption = None,
    api_key: ApiKeyOption = None,
    profile: ProfileOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show the changes between two versions of an asset, with their witnesses."""
    with errors(as_json), connect(url, api_key, profile) as client:
        asset = resolve_asset(client, asset_fqn, environment)
        found = client.diff(asset.id, from_version, to_version)
    if as_json:
        emit_json(found)
        return
    out = console()
    verdict = "compatible" if found.compatible else "NOT compatible"
    out.print(
        f"{asset.fqn} ({asset.environment}) {found.from_version} -> {found.to_version}: "
        f"{verdict} under {found.compatibility}"
    )
    if found.changes:
        title = f"changes ({len(found.changes)})"
        out.print(changes_table(title, found.changes))
    else:
        out.print("no schema changes")
    for line in witness_lines(found.witnesses):
        out.print(line, markup=False)
    if found.guarantee_changes:
        title = f"guarantee changes ({len(found.guarantee_changes)})"
        out.print(changes_table(title, found.guarantee_changes))
