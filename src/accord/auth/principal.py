"""The authenticated caller and the actor recorded in the audit ledger."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from enum import StrEnum


class Scope(StrEnum):
    read = "read"
    write = "write"
    admin = "admin"


# A scope grants itself and every weaker one.
_IMPLIED: dict[Scope, frozenset[Scope]] = {
    Scope.read: frozenset({Scope.read}),
    Scope.write: frozenset({Scope.read, Scope.write}),
    Scope.admin: frozenset({Scope.read, Scope.write, Scope.admin}),
}


def effective_scopes(scopes: frozenset[Scope]) -> frozenset[Scope]:
    granted: set[Scope] = set()
    for scope in scopes:
        granted |= _IMPLIED[scope]
    return frozenset(granted)


@dataclass(frozen=True, slots=True)
class Actor:
    """Who did something, as written into the audit ledger."""

    type: str
    id: str | None


SYSTEM_ACTOR = Actor(type="system", id=None)


@dataclass(frozen=True, slots=True)
class Principal:
    workspace_id: uuid.UUID
    key_id: uuid.UUID | None  # None only for the development auth bypass
    team_id: uuid.UUID | None
    scopes: frozenset[Scope]

    @property
    def is_admin(self) -> bool:
        return Scope.admin in self.scopes

    def has(self, scope: Scope) -> bool:
        return scope in self.scopes

    def acts_for(self, team_id: uuid.UUID) -> bool:
        """Admins act for every team of their workspace; a team key only for its team."""
        return self.is_admin or self.team_id == team_id

    @property
    def actor(self) -> Actor:
        if self.key_id is None:
            return Actor(type="dev_bypass", id=None)
        return Actor(type="api_key", id=str(self.key_id))
