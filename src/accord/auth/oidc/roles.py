"""Which workspace, team and role a person's claims grant: pure.

``ACCORD_OIDC_ROLES`` is an ordered list of rules ``{group, workspace, team?, role}``; the
first rule whose group is among the person's groups wins. No rule: no access."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from accord.auth.principal import Scope, effective_scopes
from accord.config import OidcRole


@dataclass(frozen=True, slots=True)
class Grant:
    workspace: str
    team: str | None
    scopes: frozenset[Scope]
    group: str


def groups_of(claims: Mapping[str, Any], claim: str) -> list[str]:
    """The groups a token carries under ``claim``: a list of strings, or one string of
    space- or comma-separated names (providers differ); anything else: none."""
    value = claims.get(claim)
    if isinstance(value, str):
        return [g for g in value.replace(",", " ").split() if g]
    if isinstance(value, list):
        return [g for g in value if isinstance(g, str) and g]
    return []


def grant(groups: Sequence[str], rules: Sequence[OidcRole]) -> Grant | None:
    held = set(groups)
    for rule in rules:
        if rule.group in held:
            scopes = effective_scopes(frozenset({Scope(rule.role)}))
            return Grant(rule.workspace, rule.team, scopes, rule.group)
    return None
