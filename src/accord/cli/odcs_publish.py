"""`accord import odcs FILE --publish ASSET_FQN`: an imported contract goes through the
normal publish path (compatible -> version, breaking -> proposal)."""

from __future__ import annotations

import typer

from accord.checks import Contract
from accord.cli.client._common import BREAKING, fail, resolve_team
from accord.sdk import AccordError, Client, NotFoundError


def publish_contract(contract: Contract, fqn: str, environment: str, owner_team: str | None) -> int:
    """Returns the exit code: 0 published or unchanged, 1 a proposal was opened."""
    doc = contract.to_document()
    try:
        with Client() as client:
            try:
                asset = client.get_asset_by_fqn(fqn, environment)
            except NotFoundError:
                if owner_team is None:
                    fail(f"asset {fqn} ({environment}) does not exist: give --owner-team")
                team = resolve_team(client, owner_team)
                asset = client.create_asset(
                    fqn, team, environment=environment, description=contract.meta.get(
                        "description", ""
                    )
                )  # fmt: skip
            result = client.publish(
                asset.id, doc["schema"], format="table", guarantees=doc.get("guarantees")
            )
    except AccordError as exc:
        fail(str(exc))
    if result.outcome == "proposal" and result.proposal is not None:
        typer.echo(f"breaking: proposal {result.proposal.id} opened for {fqn}")
        return BREAKING
    assert result.version is not None
    typer.echo(f"{result.outcome}: {fqn} {result.version.version}")
    return 0
