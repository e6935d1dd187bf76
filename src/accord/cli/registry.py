"""Registry access for the data commands (`accord validate`, `accord export odcs`).

`accord validate --contract ASSET_FQN[@VERSION]` fetches the contract from the server and
`--report` records the run there; both need ACCORD_URL (and ACCORD_API_KEY). The version
defaults to the asset's newest one. Only table-schema contracts can be checked against
data.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from accord.checks import Contract, ContractError, Report, parse_contract
from accord.checks.errors import ChecksError
from accord.sdk import AccordError, Client
from accord.sdk._config import ENV_URL

if TYPE_CHECKING:
    from accord.cli.validate import Hooks


class RegistryError(ChecksError):
    """The registry could not give what was asked (message is user-facing)."""


def install(hooks: Hooks) -> None:
    """Give `accord validate` registry access when a server is configured."""
    if os.environ.get(ENV_URL):
        hooks.fetch_contract = fetch_contract
        hooks.report_run = report_run


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


def fetch_contract(fqn_spec: str, version: str | None) -> Contract:
    try:
        with Client() as client:
            doc = contract_document(client, fqn_spec, version)
    except AccordError as exc:
        raise RegistryError(str(exc)) from None
    if doc["format"] != "table":
        raise ContractError(
            f"{fqn_spec} is a {doc['format']} contract; data checks need a table schema"
        )
    return parse_contract(doc)


def report_run(report: Report) -> None:
    fqn = report.contract
    if "asset" not in report.meta:
        raise RegistryError(
            'the contract names no asset: add "asset": "<fqn>" to it, or use --contract ASSET_FQN'
        )
    try:
        with Client() as client:
            asset = client.get_asset_by_fqn(*_split(fqn))
            client.report_validation_run(asset.id, report.to_dict())
    except AccordError as exc:
        raise RegistryError(f"cannot report the run for {fqn}: {exc}") from None
