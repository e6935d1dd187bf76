"""Registry access for the data commands (`accord validate`, `accord export odcs`): a
registered version as the contract document the checks read.

`accord validate --contract ASSET_FQN[@VERSION]` and `accord export odcs ASSET_FQN` fetch
the contract from the server their connection options name (`validate.server_hooks`,
`odcs_publish`). The version defaults to the asset's newest one.
"""

from __future__ import annotations

from typing import Any

from accord.checks.errors import ChecksError
from accord.sdk import AccordError, Client


class RegistryError(ChecksError):
    """The registry could not give what was asked (message is user-facing)."""


def _split(spec: str) -> tuple[str, str]:
    fqn, _, environment = spec.partition(":")
    return fqn, environment or "prod"


def contract_document(client: Client, fqn_spec: str, version: str | None) -> dict[str, Any]:
    """The `{"format", "schema", "guarantees", ...}` document of a registered version."""
    fqn, environment = _split(fqn_spec)
    try:
        asset = client.get_asset_by_fqn(fqn, environment)
        if version is None:
            page = client.list_versions(asset.id, limit=500)
            items = page.items
            while page.next_cursor:
                page = client.list_versions(asset.id, limit=500, cursor=page.next_cursor)
                items = [*items, *page.items]
            if not items:
                raise RegistryError(f"asset {fqn} has no published version yet")
            version = items[-1].version
        found = client.get_version(asset.id, version)
    except AccordError as exc:
        raise RegistryError(f"cannot fetch {fqn}@{version or 'latest'}: {exc}") from None
    return {
        "format": found.format,
        "schema": found.schema_,
        "guarantees": found.guarantees,
        "asset": fqn_spec,
        "version": found.version,
    }
